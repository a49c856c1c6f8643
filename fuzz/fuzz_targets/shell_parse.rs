//! The shell analysis must never panic, overflow its stack or hang, whatever
//! the RUN text: it runs inside rustc (the `run!` macro) and on every file
//! `stagecraft lint` reads. Every accepted text must also check cleanly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stagecraft_rules::accept::accept_run;
use stagecraft_rules::run_check::{check_run, cleanup_only, installs, RunContext};
use stagecraft_rules::shell::parse;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse(text);
    let checked = check_run(text, &RunContext::shipped().with_pipefail(true));
    // The checker analyses with the same parser: both succeed or both fail.
    assert_eq!(parsed.is_ok(), checked.is_ok());
    if let Ok(script) = parsed {
        for command in &script.commands {
            assert!(command.span.0 <= command.span.1 && command.span.1 <= text.len());
        }
        let _ = installs(text);
        let _ = cleanup_only(text);
    }
    let _ = accept_run(text);
});
