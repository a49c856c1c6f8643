use super::*;

fn names(script: &Script) -> Vec<&str> {
    script
        .commands
        .iter()
        .map(|c| c.name().unwrap_or(""))
        .collect()
}

fn connectors(script: &Script) -> Vec<Connector> {
    script.commands.iter().map(|c| c.connector).collect()
}

fn texts(command: &SimpleCommand) -> Vec<&str> {
    command.words.iter().map(Word::text).collect()
}

fn slice(text: &str, span: Span) -> &str {
    &text[span.0..span.1]
}

#[test]
fn and_or_semicolon_and_pipe_connectors() {
    let s = parse("a && b || c; d | e & f").unwrap();
    assert_eq!(names(&s), ["a", "b", "c", "d", "e", "f"]);
    assert_eq!(
        connectors(&s),
        [
            Connector::Start,
            Connector::And,
            Connector::Or,
            Connector::Seq,
            Connector::Pipe,
            Connector::Background
        ]
    );
    assert_eq!(s.pipelines.len(), 1);
    assert_eq!(s.pipelines[0].elements, vec![3..4, 4..5]);
}

#[test]
fn spans_point_at_the_commands() {
    let text = "apt-get update  &&  apt-get install -y curl";
    let s = parse(text).unwrap();
    assert_eq!(slice(text, s.commands[0].span), "apt-get update");
    assert_eq!(slice(text, s.commands[1].span), "apt-get install -y curl");
    assert_eq!(slice(text, s.commands[1].words[3].span), "curl");
}

#[test]
fn quote_removal_and_literals() {
    let s = parse(r#"echo 'a b' "c d" e\ f "$HOME" ${X:-y} $(date) `id` "lit\"q" $'x'"#).unwrap();
    let c = &s.commands[0];
    assert_eq!(
        c.words[1..5]
            .iter()
            .map(|w| w.literal.as_deref())
            .collect::<Vec<_>>(),
        [Some("a b"), Some("c d"), Some("e f"), None]
    );
    assert!(c.words[5..8].iter().all(|w| !w.is_literal()));
    assert_eq!(c.words[8].raw, "\"lit\\\"q\"");
    assert_eq!(c.words[8].literal.as_deref(), Some("lit\"q"));
    assert!(!c.words[9].is_literal());
    assert_eq!(c.words.len(), 10);
}

#[test]
fn globs_stay_literal() {
    let s = parse("rm -rf /var/lib/apt/lists/*").unwrap();
    assert_eq!(
        s.commands[0].words[2].literal.as_deref(),
        Some("/var/lib/apt/lists/*")
    );
}

#[test]
fn env_assignment_prefixes() {
    let s = parse("DEBIAN_FRONTEND=noninteractive TZ=\"Etc/UTC\" apt-get install -qy x").unwrap();
    let c = &s.commands[0];
    assert_eq!(c.assignments.len(), 2);
    assert_eq!(c.assignments[0].name, "DEBIAN_FRONTEND");
    assert_eq!(c.assignments[0].value.text(), "noninteractive");
    assert_eq!(c.assignments[1].value.text(), "Etc/UTC");
    assert_eq!(texts(c), ["apt-get", "install", "-qy", "x"]);
    // After the command name, `A=b` is an argument.
    let s = parse("make CC=gcc").unwrap();
    assert!(s.commands[0].assignments.is_empty());
    assert_eq!(texts(&s.commands[0]), ["make", "CC=gcc"]);
    // A bare assignment is a command without words.
    let s = parse("X=1; echo").unwrap();
    assert!(s.commands[0].words.is_empty());
    assert_eq!(s.commands[0].assignments[0].name, "X");
}

#[test]
fn line_continuations_are_joined() {
    let text =
        "apt-get update \\\n    && apt-get install -y \\\n        curl \\\n        ca-certificates";
    let s = parse(text).unwrap();
    assert_eq!(names(&s), ["apt-get", "apt-get"]);
    assert_eq!(
        texts(&s.commands[1]),
        ["apt-get", "install", "-y", "curl", "ca-certificates"]
    );
    // A continuation inside a word joins it.
    let s = parse("ec\\\nho hi").unwrap();
    assert_eq!(s.commands[0].name(), Some("echo"));
}

#[test]
fn comments() {
    let s = parse("echo a # && rm -rf /").unwrap();
    assert_eq!(names(&s), ["echo"]);
    assert_eq!(s.commands[0].words.len(), 2);
    // `#` inside a word is not a comment.
    let s = parse("echo a#b").unwrap();
    assert_eq!(texts(&s.commands[0]), ["echo", "a#b"]);
    // A comment line inside a continued RUN is dropped, as Docker does.
    let s = parse("apt-get update \\\n  # the lists\n  && apt-get install -y x").unwrap();
    assert_eq!(names(&s), ["apt-get", "apt-get"]);
    // Comment lines in a script (heredoc RUN).
    let s = parse("# setup\nset -e\n\n# go\nmake\n").unwrap();
    assert_eq!(names(&s), ["set", "make"]);
}

#[test]
fn set_prefixes_and_pipefail() {
    let s = parse("set -eux; apt-get update").unwrap();
    assert_eq!(names(&s), ["set", "apt-get"]);
    assert_eq!(s.commands[1].connector, Connector::Seq);
    assert!(!s.pipefail_set_before(0, 1));
    for prefix in [
        "set -o pipefail",
        "set -eo pipefail",
        "set -euxo pipefail",
        "set -eux -o pipefail",
    ] {
        let s = parse(&format!("{prefix}; curl x | sh")).unwrap();
        assert!(s.pipefail_set_before(0, 1), "{prefix}");
        assert!(!s.pipefail_set_before(0, 0), "{prefix}");
    }
}

#[test]
fn subshells_and_groups() {
    let s = parse("(cd /src && make) && { echo a; echo b; } > log").unwrap();
    assert_eq!(names(&s), ["cd", "make", "echo", "echo"]);
    assert_eq!(s.commands[0].nesting, [Nesting::Subshell]);
    assert_eq!(s.commands[1].connector, Connector::And);
    assert_eq!(s.commands[2].nesting, [Nesting::Group]);
    assert_eq!(s.commands[2].connector, Connector::And);
    assert_eq!(s.commands[3].connector, Connector::Seq);
    assert!(parse("{ echo a }").is_err());
    assert!(parse("(echo a").is_err());
}

#[test]
fn sh_c_strings_are_parsed() {
    let text = "sh -c 'pip install x && rm -rf /tmp/y' && bash -euo pipefail -c \"curl x | sh\"";
    let s = parse(text).unwrap();
    assert_eq!(names(&s), ["sh", "pip", "rm", "bash", "curl", "sh"]);
    assert_eq!(s.commands[1].nesting, [Nesting::ShellC]);
    assert_eq!(slice(text, s.commands[1].span), "pip install x");
    assert_eq!(slice(text, s.commands[2].words[2].span), "/tmp/y");
    assert_eq!(s.commands[1].connector, Connector::Start);
    assert_eq!(s.commands[3].connector, Connector::And);
    assert_eq!(s.scopes.len(), 3);
    assert_eq!(s.scopes[1].parent, Some(0));
    assert!(!s.scopes[1].pipefail);
    assert!(s.scopes[2].pipefail);
    assert_eq!(s.pipelines.len(), 1);
    assert_eq!(s.pipelines[0].scope, 2);
    assert_eq!(s.pipelines[0].elements, vec![4..5, 5..6]);
    assert!(s.pipefail_set_before(2, 4));
}

#[test]
fn sh_c_with_escapes_maps_to_the_whole_string() {
    let text = r#"sudo sh -ec "echo \"a\" && pip install x""#;
    let s = parse(text).unwrap();
    assert_eq!(names(&s), ["sudo", "echo", "pip"]);
    assert_eq!(s.commands[2].span, s.commands[0].words[3].span);
}

#[test]
fn sh_c_errors_point_into_the_string() {
    let error = parse("true && sh -c 'echo \"x'").unwrap_err();
    assert_eq!(error, ShellError::UnterminatedDoubleQuote { offset: 20 });
}

#[test]
fn sh_without_c_is_not_parsed() {
    let s = parse("sh ./install.sh 'a && b'").unwrap();
    assert_eq!(names(&s), ["sh"]);
}

#[test]
fn xargs_runs_the_rest_as_a_command() {
    let s = parse("cat pkgs.txt | xargs -r -n 1 apt-get install -y").unwrap();
    assert_eq!(names(&s), ["cat", "xargs", "apt-get"]);
    assert_eq!(s.commands[2].nesting, [Nesting::Xargs]);
    assert_eq!(texts(&s.commands[2]), ["apt-get", "install", "-y"]);
    let s = parse("find . -name '*.o' | xargs sh -c 'rm -f \"$@\"' _").unwrap();
    assert_eq!(names(&s), ["find", "xargs", "sh", "rm"]);
    assert_eq!(s.commands[3].nesting, [Nesting::Xargs, Nesting::ShellC]);
}

#[test]
fn wrappers_are_seen_through() {
    let s = parse("sudo -u root env -i PATH=/bin nice -n 5 /usr/bin/apt-get install x").unwrap();
    assert_eq!(s.commands[0].program(), Some("apt-get"));
    assert_eq!(s.commands[0].command_words()[1].text(), "install");
}

#[test]
fn if_then_elif_else_fi() {
    let text = "if [ -f a ]; then apt-get install -y x; elif test -d b\nthen echo b; else echo c; fi > /dev/null";
    let s = parse(text).unwrap();
    assert_eq!(names(&s), ["[", "apt-get", "test", "echo", "echo"]);
    assert_eq!(s.commands[0].nesting, [Nesting::IfCondition]);
    assert_eq!(s.commands[1].nesting, [Nesting::IfBranch]);
    assert_eq!(s.commands[2].nesting, [Nesting::IfCondition]);
    assert_eq!(s.commands[4].nesting, [Nesting::IfBranch]);
    assert!(parse("if true; then echo").is_err());
    assert!(parse("if true; echo; fi").is_err());
}

#[test]
fn loops() {
    let s = parse(
        "for p in a b \"c d\"; do pip install \"$p\"; done && while read l; do echo $l; done < f",
    )
    .unwrap();
    assert_eq!(names(&s), ["pip", "read", "echo"]);
    assert_eq!(s.commands[0].nesting, [Nesting::LoopBody]);
    assert_eq!(s.commands[1].nesting, [Nesting::LoopCondition]);
    assert_eq!(s.commands[1].connector, Connector::And);
    let s = parse("for i in 1 2\ndo\n  echo $i\ndone").unwrap();
    assert_eq!(names(&s), ["echo"]);
    let s = parse("for ((i=0; i<3; i++)); do echo $i; done").unwrap();
    assert_eq!(names(&s), ["echo"]);
    let s = parse("until false; do break; done").unwrap();
    assert_eq!(names(&s), ["false", "break"]);
    assert!(parse("for x in a; do echo").is_err());
}

#[test]
fn case_branches() {
    let text = "case \"$(dpkg --print-architecture)\" in amd64) A=x86_64 ;; arm64|aarch64) A=aarch64;; *) exit 1;; esac && echo $A";
    let s = parse(text).unwrap();
    assert_eq!(names(&s), ["", "", "exit", "echo"]);
    assert_eq!(s.commands[2].nesting, [Nesting::CaseBranch]);
    assert_eq!(s.commands[3].connector, Connector::And);
}

#[test]
fn functions_and_double_brackets() {
    let s = parse("f() { echo hi; }; f; [[ -n $X && -z $Y ]] && echo ok").unwrap();
    assert_eq!(names(&s), ["echo", "f", "[[", "echo"]);
    assert_eq!(s.commands[0].nesting, [Nesting::Function, Nesting::Group]);
    assert_eq!(s.commands[3].connector, Connector::And);
}

#[test]
fn redirections() {
    let s = parse("make 2>&1 >/dev/null | tee log; cat <<< hi").unwrap();
    assert_eq!(texts(&s.commands[0]), ["make"]);
    assert_eq!(s.commands[0].redirects.len(), 2);
    assert_eq!(s.commands[0].redirects[0].operator, "2>&");
    assert_eq!(s.commands[0].redirects[0].target.text(), "1");
    assert!(parse("echo >").is_err());
}

#[test]
fn heredoc_bodies_are_skipped() {
    let text = "cat <<'EOF' > /etc/x.conf\nrm -rf /\n&& ; (\nEOF\napt-get update\ncat <<-END\n\tbody\n\tEND\necho done";
    let s = parse(text).unwrap();
    assert_eq!(names(&s), ["cat", "apt-get", "cat", "echo"]);
    assert_eq!(
        parse("cat <<EOF\nbody").unwrap_err(),
        ShellError::UnterminatedHeredoc {
            offset: 4,
            delimiter: "EOF".to_owned()
        }
    );
}

#[test]
fn newlines_separate_commands_in_scripts() {
    let s =
        parse("set -ex\napt-get update\napt-get install -y x &&\n  rm -rf /var/lib/apt/lists/*\n")
            .unwrap();
    assert_eq!(names(&s), ["set", "apt-get", "apt-get", "rm"]);
    assert_eq!(s.commands[3].connector, Connector::And);
}

#[test]
fn empty_and_comment_only_texts_have_no_commands() {
    assert!(parse("").unwrap().commands.is_empty());
    assert!(parse("  # nothing").unwrap().commands.is_empty());
}

#[test]
fn errors_have_positions() {
    assert_eq!(
        parse("echo 'a").unwrap_err(),
        ShellError::UnterminatedSingleQuote { offset: 5 }
    );
    assert_eq!(
        parse("echo \"a").unwrap_err(),
        ShellError::UnterminatedDoubleQuote { offset: 5 }
    );
    assert_eq!(
        parse("echo `a").unwrap_err(),
        ShellError::UnterminatedBacktick { offset: 5 }
    );
    assert_eq!(
        parse("echo $(a").unwrap_err(),
        ShellError::UnterminatedExpansion {
            offset: 5,
            opening: "$("
        }
    );
    assert_eq!(
        parse("echo ${a").unwrap_err(),
        ShellError::UnterminatedExpansion {
            offset: 5,
            opening: "${"
        }
    );
    assert_eq!(
        parse("a &&").unwrap_err(),
        ShellError::UnexpectedEnd {
            offset: 4,
            expected: "a command"
        }
    );
    assert!(matches!(
        parse("a && && b").unwrap_err(),
        ShellError::UnexpectedToken { offset: 5, .. }
    ));
    assert!(matches!(
        parse("a ; ; b").unwrap_err(),
        ShellError::UnexpectedToken { offset: 4, .. }
    ));
    assert!(matches!(
        parse(")").unwrap_err(),
        ShellError::UnexpectedToken { offset: 0, .. }
    ));
    assert!(matches!(
        parse("fi").unwrap_err(),
        ShellError::UnexpectedToken { offset: 0, .. }
    ));
    let error = parse("echo 'a").unwrap_err();
    assert!(error.to_string().contains("byte 5"), "{error}");
}

#[test]
fn nested_substitutions_and_quotes() {
    let s = parse(r#"echo "$(echo "a)b" $(( 1 + (2) )) `echo \`x\``)" && next"#).unwrap();
    let outer: Vec<_> = s
        .commands
        .iter()
        .filter(|c| !c.nesting.contains(&Nesting::CommandSubstitution))
        .map(|c| c.name().unwrap_or(""))
        .collect();
    assert_eq!(outer, ["echo", "next"]);
    // The substitutions' commands are parsed too, after the command.
    assert_eq!(names(&s), ["echo", "echo", "echo", "next"]);
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    let deep = format!("{}true{}", "(".repeat(200_000), ")".repeat(200_000));
    assert!(matches!(parse(&deep), Err(ShellError::TooDeep { .. })));
    let ok = format!("{}true{}", "(".repeat(50), ")".repeat(50));
    assert_eq!(names(&parse(&ok).unwrap()), ["true"]);
    // Nesting inside a `sh -c` string counts too, and the error points into it.
    let inner = format!("sh -c '{}true{}'", "(".repeat(200), ")".repeat(200));
    assert_eq!(
        parse(&inner).unwrap_err(),
        ShellError::TooDeep { offset: 6 + 127 }
    );
    let mut nested = "true".to_owned();
    for _ in 0..8 {
        nested = format!("sh -c {}", shell_quote(&nested));
    }
    assert_eq!(names(&parse(&nested).unwrap()).len(), 9);
    let many_xargs = format!("{}true", "xargs ".repeat(100_000));
    let s = parse(&many_xargs).unwrap();
    assert_eq!(names(&s), ["xargs", "true"]);
    let substitutions = format!("echo {}x{}", "$(".repeat(100_000), ")".repeat(100_000));
    assert!(parse(&substitutions).is_ok());
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[test]
fn big_and_garbage_inputs_do_not_panic() {
    let big = format!("echo {}", "a".repeat(1 << 20));
    assert_eq!(parse(&big).unwrap().commands[0].words[1].raw.len(), 1 << 20);
    let many = "apt-get install -y x && ".repeat(40_000) + "true";
    assert_eq!(parse(&many).unwrap().commands.len(), 40_001);
    let bytes: Vec<u8> = (0..=255u8).cycle().take(20_000).collect();
    let garbage = String::from_utf8_lossy(&bytes);
    let _ = parse(&garbage);
    // Every prefix of a tricky text parses or fails cleanly.
    let tricky = "set -eux; A=\"b c\" sh -c 'x | y && (z; { w; })' 2>&1 | xargs -n1 echo \\\n && if a; then b; fi; for i in 1; do c; done; case $x in a) d;; esac; cat <<EOF\nbody\nEOF\n";
    for end in 0..=tricky.len() {
        if tricky.is_char_boundary(end) {
            let _ = parse(&tricky[..end]);
        }
    }
    for end in 0..tricky.len() {
        let _ = parse(&tricky[end..]);
    }
}

#[test]
fn line_col_counts_lines() {
    assert_eq!(line_col("a\nbc", 3), (2, 2));
    assert_eq!(line_col("a", 10), (1, 2));
}
