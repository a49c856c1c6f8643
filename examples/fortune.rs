//! Prints the fortune Dockerfiles of the "Minimal Containers" workshop.
//!
//! ```text
//! cargo run --example fortune                      # the recommended (scratch) variant
//! cargo run --example fortune -- --variant naive   # naive | multistage | scratch | scratch-listed
//! cargo run --example fortune -- --seed            # the workshop's 2021 version
//! cargo run --example fortune -- --all             # every variant, one after the other
//! ```

use std::process::ExitCode;

use stagecraft_workshop::fortune::{self, Variant};

const USAGE: &str = "\
usage: cargo run --example fortune -- [--variant naive|multistage|scratch|scratch-listed] [--seed] [--all]

  --variant NAME  the variant to print (default: scratch, the recommended one)
  --seed          print the workshop's 2021 version (ubuntu:16.04) instead of today's
  --all           print every variant, each under a '# variant: NAME' header";

struct Options {
    variants: Vec<Variant>,
    seed: bool,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        variants: vec![Variant::Scratch],
        seed: false,
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--variant" => {
                let name = args.next().ok_or(
                    "--variant needs a name: naive, multistage, scratch or scratch-listed",
                )?;
                options.variants = vec![name.parse()?];
            }
            "--seed" => options.seed = true,
            "--all" => options.variants = Variant::ALL.to_vec(),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let many = options.variants.len() > 1;
    for variant in options.variants {
        let dockerfile = if options.seed {
            match fortune::seed(variant) {
                Some(dockerfile) => dockerfile,
                None if many => continue,
                None => {
                    eprintln!(
                        "error: the workshop has no {variant} fortune; --seed renders naive and scratch"
                    );
                    return ExitCode::from(2);
                }
            }
        } else {
            fortune::dockerfile(variant)
        };
        match dockerfile {
            Ok(dockerfile) => {
                if many {
                    println!("# variant: {variant}");
                }
                print!("{dockerfile}");
                if many {
                    println!();
                }
            }
            Err(errors) => {
                eprintln!("error: the {variant} variant does not build: {errors}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
