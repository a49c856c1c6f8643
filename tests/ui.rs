//! Compile-time guarantees: each case in `tests/ui/fail/` must fail to
//! compile with exactly its `.stderr`; each in `tests/ui/pass/` must compile.
//!
//! After an intended change of a message, regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test --test ui` and review them.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
