//! The Dockerfile parser and checker must never panic or hang on any input:
//! `stagecraft lint` runs them on whatever file it is given.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stagecraft_rules::dockerfile::{check_dockerfile, lint_recovering, Dockerfile, Options};

fuzz_target!(|data: &[u8]| {
    // The recovering parser reads past errors: it must not panic either.
    let _ = lint_recovering(data, &Options::default());
    if let Ok(dockerfile) = Dockerfile::parse_bytes(data) {
        let last = Options::default();
        for finding in check_dockerfile(&dockerfile, &last) {
            assert!(finding.line >= 1);
            assert!(finding.stage < dockerfile.stages.len().max(1));
        }
        if let Some(first) = dockerfile.stages.first().and_then(|s| s.from.alias.clone()) {
            let _ = check_dockerfile(
                &dockerfile,
                &Options {
                    target: Some(first),
                    ..Options::default()
                },
            );
        }
    }
});
