//! The typed model's reader must never panic on any text, and what it
//! accepts must be a model like any other and survive its own rendering:
//! `Dockerfile::parse`, then `render`, then `Dockerfile::parse` again gives
//! the same model, and the second rendering is the first (rendering is
//! canonical). The model also goes through JSON (the deserializer validates
//! it again, as `Dockerfile::from_parts` does) and through the linter. This
//! covers the RUN syntax of the model (mounts of every type, `--network`,
//! `--security`, heredocs, exec RUN) and everything else the reader takes.
//! And the macros' promise: text the one verdict (`judge`) accepts is read
//! by `Dockerfile::parse`, and `dockerfile!`'s expansion converts it to the
//! same model (`tests/from_text.rs::what_judge_accepts_converts` holds it on
//! the corpus and a hostile list).
#![no_main]

use libfuzzer_sys::fuzz_target;
use stagecraft::Dockerfile;
use stagecraft_rules::dockerfile::model_support::judge;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The macros' promise: what the one verdict accepts, the model reads,
    // and `dockerfile!`'s expansion (which converts without judging again,
    // and panics on a failure) gives that same model.
    let judged_clean = stagecraft_rules::dockerfile::Dockerfile::parse(text)
        .is_ok_and(|parsed| judge(text, &parsed).problems.is_empty());
    let parsed = Dockerfile::parse(text);
    if judged_clean {
        let model = parsed.as_ref().unwrap_or_else(|errors| {
            panic!("judge accepts, Dockerfile::parse refuses: {errors}\n--- input\n{text}")
        });
        assert_eq!(
            &stagecraft::__private::dockerfile_from_text(text),
            model,
            "dockerfile!'s conversion differs from Dockerfile::parse\n--- input\n{text}"
        );
    }
    let Ok(model) = parsed else {
        return;
    };
    let rendered = model.render();
    let again = Dockerfile::parse(&rendered).unwrap_or_else(|errors| {
        panic!(
            "the rendering of an accepted model is refused: {errors}\n\
             --- input\n{text}\n--- rendered\n{rendered}"
        )
    });
    assert_eq!(
        again, model,
        "the rendering reads back as another model\n--- input\n{text}\n--- rendered\n{rendered}"
    );
    assert_eq!(again.render(), rendered, "rendering is not stable");

    // Through JSON, each `Run` is judged alone, as in a stage that ships
    // and whose shell is sh (`Run::checked`), while the text was judged with
    // its stage: a file's `ENV PIP_NO_CACHE_DIR=1`, a build-only stage or a
    // `SHELL ["powershell", ...]` waives a rule or the sh analysis that the
    // JSON reader then applies. Found by this target and left to the
    // one-judge work (issue 11 item 3); until then only a model that JSON
    // reads back must be the same model.
    let json = serde_json::to_string(&model).expect("a model serializes");
    if let Ok(from_json) = serde_json::from_str::<Dockerfile>(&json) {
        assert_eq!(
            from_json, model,
            "the JSON reads back as another model\n--- json\n{json}"
        );
    }

    // The findings carry lines of the rendering.
    let lines = rendered.lines().count();
    for finding in &model.lint(None) {
        assert!(
            (1..=lines).contains(&finding.line),
            "a finding off the rendering's {lines} lines: {finding:?}\n--- rendered\n{rendered}"
        );
    }
});
