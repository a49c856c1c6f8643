//! Recursive-descent parser over the tokens, flattening into [`Script`].

use super::lexer::{substitutions, tokenize, Op, Token, TokenKind};
use super::{
    is_assignment, program_name, sets_pipefail, Assignment, Connector, Nesting, Pipeline, Redirect,
    Scope, Script, ShellError, SimpleCommand, Span, Word, MAX_DEPTH,
};

/// Parses `text`, already `depth` levels deep (for `sh -c` strings).
pub(crate) fn parse_script(text: &str, depth: usize) -> Result<Script, ShellError> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        text,
        tokens,
        pos: 0,
        depth,
        pending: Connector::Start,
        nesting: Vec::new(),
        script: Script {
            commands: Vec::new(),
            pipelines: Vec::new(),
            scopes: vec![Scope {
                parent: None,
                pipefail: false,
                inherits: false,
            }],
        },
    };
    parser.skip_newlines();
    parser.list(&[])?;
    if let Some(token) = parser.peek() {
        return Err(parser.unexpected(token, "an operator between commands"));
    }
    Ok(parser.script)
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    /// The connector for the next simple command.
    pending: Connector,
    nesting: Vec<Nesting>,
    script: Script,
}

const STOP_ON_LIST_END: &[Op] = &[Op::RParen, Op::CaseEnd];

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_op(&self) -> Option<Op> {
        match self.peek()?.kind {
            TokenKind::Op(op) => Some(op),
            _ => None,
        }
    }

    /// The token at the current position if it is an unquoted literal word
    /// (the only form in which reserved words are recognised).
    fn peek_reserved(&self) -> Option<&str> {
        let token = self.peek()?;
        match &token.kind {
            TokenKind::Word {
                value,
                literal: true,
            } if value.as_str() == &self.text[token.span.0..token.span.1] => Some(value),
            _ => None,
        }
    }

    fn at_reserved(&self, word: &str) -> bool {
        self.peek_reserved() == Some(word)
    }

    fn skip_newlines(&mut self) {
        while matches!(
            self.peek(),
            Some(Token {
                kind: TokenKind::Newline,
                ..
            })
        ) {
            self.pos += 1;
        }
    }

    fn end_offset(&self) -> usize {
        self.text.len()
    }

    fn unexpected(&self, token: &Token, expected: &'static str) -> ShellError {
        let mut found: String = self.text[token.span.0..token.span.1]
            .chars()
            .take(40)
            .collect();
        if token.kind == TokenKind::Newline {
            found = "newline".to_owned();
        }
        ShellError::UnexpectedToken {
            offset: token.span.0,
            found,
            expected,
        }
    }

    fn error_here(&self, expected: &'static str) -> ShellError {
        match self.peek() {
            Some(token) => self.unexpected(token, expected),
            None => ShellError::UnexpectedEnd {
                offset: self.end_offset(),
                expected,
            },
        }
    }

    fn expect_reserved(
        &mut self,
        word: &'static str,
        expected: &'static str,
    ) -> Result<Span, ShellError> {
        if self.at_reserved(word) {
            let span = self.tokens[self.pos].span;
            self.pos += 1;
            Ok(span)
        } else {
            Err(self.error_here(expected))
        }
    }

    fn current_offset(&self) -> usize {
        self.peek().map_or(self.end_offset(), |t| t.span.0)
    }

    fn enter(&mut self) -> Result<(), ShellError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ShellError::TooDeep {
                offset: self.current_offset(),
            });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// A list of and-or lists separated by `;`, `&` or newlines. Stops before
    /// `)`, a `case` branch end, a reserved word in `stop`, or the end.
    fn list(&mut self, stop: &[&str]) -> Result<(), ShellError> {
        self.skip_newlines();
        loop {
            match self.peek_op() {
                Some(op) if STOP_ON_LIST_END.contains(&op) => return Ok(()),
                _ => {}
            }
            if self.peek().is_none() || self.peek_reserved().is_some_and(|w| stop.contains(&w)) {
                return Ok(());
            }
            self.and_or()?;
            match self.peek().map(|t| &t.kind) {
                Some(TokenKind::Op(Op::Semi)) | Some(TokenKind::Newline) => {
                    self.pending = Connector::Seq;
                }
                Some(TokenKind::Op(Op::Amp)) => self.pending = Connector::Background,
                _ => return Ok(()),
            }
            self.pos += 1;
            self.skip_newlines();
        }
    }

    fn and_or(&mut self) -> Result<(), ShellError> {
        self.pipeline()?;
        loop {
            let connector = match self.peek_op() {
                Some(Op::AndIf) => Connector::And,
                Some(Op::OrIf) => Connector::Or,
                _ => return Ok(()),
            };
            self.pos += 1;
            self.skip_newlines();
            self.pending = connector;
            self.pipeline()?;
        }
    }

    fn pipeline(&mut self) -> Result<(), ShellError> {
        if self.at_reserved("!") {
            self.pos += 1;
        }
        let start_offset = self.current_offset();
        let mut elements = Vec::new();
        loop {
            let first = self.script.commands.len();
            self.command()?;
            elements.push(first..self.script.commands.len());
            if self.peek_op() != Some(Op::Pipe) {
                break;
            }
            self.pos += 1;
            self.skip_newlines();
            self.pending = Connector::Pipe;
        }
        if elements.len() > 1 {
            let end = self.tokens[self.pos - 1].span.1;
            self.script.pipelines.push(Pipeline {
                elements,
                scope: 0,
                span: (start_offset, end),
            });
        }
        Ok(())
    }

    fn command(&mut self) -> Result<(), ShellError> {
        self.enter()?;
        let result = self.command_inner();
        self.leave();
        result
    }

    fn command_inner(&mut self) -> Result<(), ShellError> {
        let Some(token) = self.peek() else {
            return Err(self.error_here("a command"));
        };
        match &token.kind {
            TokenKind::Op(Op::LParen) => {
                self.pos += 1;
                self.nested(Nesting::Subshell, &[])?;
                self.expect_op(Op::RParen, "`)` to close the subshell")?;
                self.redirects_after_compound()
            }
            TokenKind::Op(Op::Redirect) | TokenKind::IoNumber | TokenKind::Word { .. } => {
                match self.peek_reserved() {
                    Some("{") => {
                        self.pos += 1;
                        self.nested(Nesting::Group, &["}"])?;
                        self.expect_reserved("}", "`}` to close the group (after a `;`)")?;
                        self.redirects_after_compound()
                    }
                    Some("if") => self.if_clause(),
                    Some("for") => self.for_clause(),
                    Some("while" | "until") => self.while_clause(),
                    Some("case") => self.case_clause(),
                    Some("function") => self.function_keyword(),
                    Some("[[") => self.double_bracket(),
                    Some("then" | "elif" | "else" | "fi" | "do" | "done" | "esac" | "}" | "in") => {
                        Err(self.unexpected(&self.tokens[self.pos], "a command"))
                    }
                    _ => self.simple_command(),
                }
            }
            _ => Err(self.unexpected(token, "a command")),
        }
    }

    fn expect_op(&mut self, op: Op, expected: &'static str) -> Result<(), ShellError> {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error_here(expected))
        }
    }

    fn nested(&mut self, nesting: Nesting, stop: &[&str]) -> Result<(), ShellError> {
        self.nesting.push(nesting);
        let result = self.list(stop);
        self.nesting.pop();
        result
    }

    /// Redirections after `)`, `}`, `fi`, `done`, `esac`.
    fn redirects_after_compound(&mut self) -> Result<(), ShellError> {
        while matches!(
            self.peek().map(|t| &t.kind),
            Some(TokenKind::Op(Op::Redirect) | TokenKind::IoNumber)
        ) {
            self.redirect()?;
        }
        Ok(())
    }

    fn redirect(&mut self) -> Result<Redirect, ShellError> {
        let start = self.tokens[self.pos].span.0;
        if self.tokens[self.pos].kind == TokenKind::IoNumber {
            self.pos += 1;
        }
        if self.peek_op() != Some(Op::Redirect) {
            return Err(self.error_here("a redirection operator"));
        }
        let op_end = self.tokens[self.pos].span.1;
        self.pos += 1;
        let target = match self.peek() {
            Some(Token {
                kind: TokenKind::Word { .. },
                ..
            }) => self.take_word(),
            _ => return Err(self.error_here("the target of the redirection")),
        };
        Ok(Redirect {
            operator: self.text[start..op_end].to_owned(),
            span: (start, target.span.1),
            target,
        })
    }

    fn take_word(&mut self) -> Word {
        let token = &self.tokens[self.pos];
        self.pos += 1;
        let raw = self.text[token.span.0..token.span.1].to_owned();
        let literal = match &token.kind {
            TokenKind::Word {
                value,
                literal: true,
            } => Some(value.clone()),
            _ => None,
        };
        Word {
            raw,
            literal,
            span: token.span,
        }
    }

    fn is_word_token(&self) -> bool {
        matches!(self.peek().map(|t| &t.kind), Some(TokenKind::Word { .. }))
    }

    fn simple_command(&mut self) -> Result<(), ShellError> {
        let start = self.current_offset();
        let mut command = SimpleCommand {
            assignments: Vec::new(),
            words: Vec::new(),
            redirects: Vec::new(),
            connector: self.pending,
            nesting: self.nesting.clone(),
            scope: 0,
            span: (start, start),
        };
        let mut end = start;
        loop {
            match self.peek().map(|t| &t.kind) {
                Some(TokenKind::Word { .. }) => {
                    let word = self.take_word();
                    end = word.span.1;
                    if command.words.is_empty() && is_assignment(&word.raw) {
                        command.assignments.push(assignment(word));
                    } else {
                        command.words.push(word);
                    }
                }
                Some(TokenKind::Op(Op::Redirect) | TokenKind::IoNumber) => {
                    let redirect = self.redirect()?;
                    end = redirect.span.1;
                    command.redirects.push(redirect);
                }
                Some(TokenKind::Op(Op::LParen))
                    if command.words.len() == 1
                        && command.assignments.is_empty()
                        && command.redirects.is_empty() =>
                {
                    // A function definition: `name() body`.
                    self.pos += 1;
                    self.expect_op(Op::RParen, "`)` in a function definition `name()`")?;
                    self.skip_newlines();
                    return self.function_body();
                }
                _ => break,
            }
        }
        if command.words.is_empty()
            && command.assignments.is_empty()
            && command.redirects.is_empty()
        {
            return Err(self.error_here("a command"));
        }
        command.span = (start, end);
        self.emit(command, 0)
    }

    fn function_keyword(&mut self) -> Result<(), ShellError> {
        self.pos += 1;
        if !self.is_word_token() {
            return Err(self.error_here("a function name"));
        }
        self.pos += 1;
        if self.peek_op() == Some(Op::LParen) {
            self.pos += 1;
            self.expect_op(Op::RParen, "`)` in a function definition")?;
        }
        self.skip_newlines();
        self.function_body()
    }

    fn function_body(&mut self) -> Result<(), ShellError> {
        self.nesting.push(Nesting::Function);
        let result = self.command();
        self.nesting.pop();
        result
    }

    /// `[[ ... ]]`: everything up to `]]` is one command (operators included).
    fn double_bracket(&mut self) -> Result<(), ShellError> {
        let start = self.tokens[self.pos].span.0;
        let mut words = Vec::new();
        loop {
            let Some(token) = self.peek() else {
                return Err(self.error_here("`]]` to close `[[`"));
            };
            let done = matches!(&token.kind, TokenKind::Word { value, .. } if value == "]]");
            let span = token.span;
            let raw = self.text[span.0..span.1].to_owned();
            self.pos += 1;
            words.push(Word {
                literal: Some(raw.clone()),
                raw,
                span,
            });
            if done {
                break;
            }
        }
        let end = words.last().map_or(start, |w| w.span.1);
        let command = SimpleCommand {
            assignments: Vec::new(),
            words,
            redirects: Vec::new(),
            connector: self.pending,
            nesting: self.nesting.clone(),
            scope: 0,
            span: (start, end),
        };
        self.emit(command, 0)?;
        self.redirects_after_compound()
    }

    fn if_clause(&mut self) -> Result<(), ShellError> {
        self.pos += 1;
        self.nested(Nesting::IfCondition, &["then"])?;
        self.expect_reserved("then", "`then` after the `if` condition")?;
        self.pending = Connector::Seq;
        self.nested(Nesting::IfBranch, &["elif", "else", "fi"])?;
        loop {
            match self.peek_reserved() {
                Some("elif") => {
                    self.pos += 1;
                    self.pending = Connector::Seq;
                    self.nested(Nesting::IfCondition, &["then"])?;
                    self.expect_reserved("then", "`then` after the `elif` condition")?;
                    self.pending = Connector::Seq;
                    self.nested(Nesting::IfBranch, &["elif", "else", "fi"])?;
                }
                Some("else") => {
                    self.pos += 1;
                    self.pending = Connector::Seq;
                    self.nested(Nesting::IfBranch, &["fi"])?;
                }
                _ => break,
            }
        }
        self.expect_reserved("fi", "`fi` to close the `if`")?;
        self.redirects_after_compound()
    }

    fn do_group(&mut self) -> Result<(), ShellError> {
        self.skip_newlines();
        self.expect_reserved("do", "`do` to start the loop body")?;
        self.pending = Connector::Seq;
        self.nested(Nesting::LoopBody, &["done"])?;
        self.expect_reserved("done", "`done` to close the loop")?;
        self.redirects_after_compound()
    }

    fn for_clause(&mut self) -> Result<(), ShellError> {
        self.pos += 1;
        if self.peek_op() == Some(Op::LParen) {
            // Arithmetic `for ((init; cond; step))`: skip to the matching `))`.
            let mut depth = 0usize;
            while let Some(op) = self.peek().map(|t| t.kind.clone()) {
                self.pos += 1;
                match op {
                    TokenKind::Op(Op::LParen) => depth += 1,
                    TokenKind::Op(Op::RParen) => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            if depth != 0 {
                return Err(self.error_here("`))` to close the arithmetic `for`"));
            }
        } else {
            if !self.is_word_token() {
                return Err(self.error_here("a variable name after `for`"));
            }
            self.pos += 1;
            self.skip_newlines();
            if self.at_reserved("in") {
                self.pos += 1;
                while self.is_word_token() {
                    self.pos += 1;
                }
            }
        }
        if matches!(self.peek_op(), Some(Op::Semi)) {
            self.pos += 1;
        }
        self.do_group()
    }

    fn while_clause(&mut self) -> Result<(), ShellError> {
        self.pos += 1;
        self.nested(Nesting::LoopCondition, &["do"])?;
        self.do_group()
    }

    fn case_clause(&mut self) -> Result<(), ShellError> {
        self.pos += 1;
        if !self.is_word_token() {
            return Err(self.error_here("a word after `case`"));
        }
        self.pos += 1;
        self.skip_newlines();
        self.expect_reserved("in", "`in` after `case WORD`")?;
        self.skip_newlines();
        while !self.at_reserved("esac") {
            if self.peek().is_none() {
                return Err(self.error_here("`esac` to close the `case`"));
            }
            if self.peek_op() == Some(Op::LParen) {
                self.pos += 1;
            }
            // Patterns: word (| word)* `)`.
            loop {
                if !self.is_word_token() {
                    return Err(self.error_here("a `case` pattern"));
                }
                self.pos += 1;
                if self.peek_op() == Some(Op::Pipe) {
                    self.pos += 1;
                } else {
                    break;
                }
            }
            self.expect_op(Op::RParen, "`)` after the `case` pattern")?;
            self.pending = Connector::Seq;
            self.nested(Nesting::CaseBranch, &["esac"])?;
            if self.peek_op() == Some(Op::CaseEnd) {
                self.pos += 1;
            }
            self.skip_newlines();
        }
        self.pos += 1;
        self.redirects_after_compound()
    }

    /// Adds a simple command, then what it runs: the string of `sh -c`, the
    /// tail of `xargs`.
    fn emit(&mut self, mut command: SimpleCommand, extra_depth: usize) -> Result<(), ShellError> {
        if self.depth + extra_depth > MAX_DEPTH {
            return Err(ShellError::TooDeep {
                offset: command.span.0,
            });
        }
        command.connector = self.pending;
        self.pending = Connector::Seq;
        let scope = command.scope;
        let shell_c = shell_c_script(&command);
        let xargs = xargs_tail(&command);
        let nesting = command.nesting.clone();
        let end = command.span.1;
        let substituted: Vec<(usize, String)> = command
            .words
            .iter()
            .chain(command.assignments.iter().map(|a| &a.value))
            .chain(command.redirects.iter().map(|r| &r.target))
            .flat_map(|word| {
                substitutions(&word.raw)
                    .into_iter()
                    .map(|(from, to)| (word.span.0 + from, word.raw[from..to].to_owned()))
            })
            .collect();
        self.script.commands.push(command);
        for (base, inner) in substituted {
            self.merge_substitution(base, &inner, scope, &nesting, extra_depth)?;
        }
        if let Some((script_word, pipefail)) = shell_c {
            self.merge_shell_c(&script_word, pipefail, scope, &nesting, extra_depth)?;
        }
        if let Some(words) = xargs {
            let mut nesting = nesting;
            nesting.push(Nesting::Xargs);
            let tail = SimpleCommand {
                assignments: Vec::new(),
                span: (words[0].span.0, end),
                words,
                redirects: Vec::new(),
                connector: Connector::Start,
                nesting,
                scope,
            };
            self.pending = Connector::Start;
            self.emit(tail, extra_depth + 1)?;
            self.pending = Connector::Seq;
        }
        Ok(())
    }

    /// Adds the commands of a command substitution whose inner text starts
    /// at `base`, run by a subshell of `parent` (which inherits its options:
    /// a `set -o pipefail` before it holds inside).
    fn merge_substitution(
        &mut self,
        base: usize,
        inner_text: &str,
        parent: usize,
        nesting: &[Nesting],
        extra_depth: usize,
    ) -> Result<(), ShellError> {
        let depth = self.depth + extra_depth + 1;
        if depth > MAX_DEPTH {
            return Err(ShellError::TooDeep { offset: base });
        }
        // The outer lexer has checked that the substitution is closed; what
        // its text holds is the subshell's business (a parse error there is
        // left to the shell, as the rules cannot read it either).
        let Ok(inner) = parse_script(inner_text, depth) else {
            return Ok(());
        };
        self.append(
            inner,
            parent,
            false,
            true,
            Nesting::CommandSubstitution,
            nesting,
            |span| (base + span.0, base + span.1),
        );
        Ok(())
    }

    /// Appends the commands, pipelines and scopes of a script parsed from a
    /// part of this one, its scope 0 becoming a child of `parent`.
    #[allow(clippy::too_many_arguments)]
    fn append(
        &mut self,
        inner: Script,
        parent: usize,
        pipefail: bool,
        inherits: bool,
        kind: Nesting,
        nesting: &[Nesting],
        map_span: impl Fn(Span) -> Span,
    ) {
        let scope_base = self.script.scopes.len();
        let command_base = self.script.commands.len();
        for (index, scope) in inner.scopes.into_iter().enumerate() {
            self.script.scopes.push(Scope {
                parent: Some(scope.parent.map_or(parent, |p| p + scope_base)),
                pipefail: if index == 0 { pipefail } else { scope.pipefail },
                inherits: if index == 0 { inherits } else { scope.inherits },
            });
        }
        for mut command in inner.commands {
            let mut outer: Vec<Nesting> = nesting.to_vec();
            outer.push(kind);
            outer.extend(command.nesting);
            command.nesting = outer;
            command.scope += scope_base;
            command.span = map_span(command.span);
            for w in &mut command.words {
                w.span = map_span(w.span);
            }
            for a in &mut command.assignments {
                a.span = map_span(a.span);
                a.value.span = map_span(a.value.span);
            }
            for r in &mut command.redirects {
                r.span = map_span(r.span);
                r.target.span = map_span(r.target.span);
            }
            self.script.commands.push(command);
        }
        for mut pipeline in inner.pipelines {
            pipeline.scope += scope_base;
            pipeline.span = map_span(pipeline.span);
            for element in &mut pipeline.elements {
                *element = element.start + command_base..element.end + command_base;
            }
            self.script.pipelines.push(pipeline);
        }
    }

    fn merge_shell_c(
        &mut self,
        word: &Word,
        pipefail: bool,
        parent: usize,
        nesting: &[Nesting],
        extra_depth: usize,
    ) -> Result<(), ShellError> {
        let Some(inner_text) = word.literal.as_deref() else {
            return Ok(());
        };
        // How inner offsets map to outer ones: exactly when the string is
        // written as one plain quoted (or unquoted) literal, else the whole word.
        let raw = word.raw.as_bytes();
        let base = if word.is_bare() {
            Some(word.span.0)
        } else if raw.len() == inner_text.len() + 2
            && matches!(raw.first(), Some(b'\'' | b'"'))
            && raw.first() == raw.last()
            && &word.raw[1..raw.len() - 1] == inner_text
        {
            Some(word.span.0 + 1)
        } else {
            None
        };
        let map = |offset: usize| match base {
            Some(base) => base + offset,
            None => word.span.0,
        };
        let map_span = |span: Span| match base {
            Some(base) => (base + span.0, base + span.1),
            None => word.span,
        };
        let inner =
            parse_script(inner_text, self.depth + extra_depth + 1).map_err(|e| e.shifted(map))?;
        self.append(
            inner,
            parent,
            pipefail,
            false,
            Nesting::ShellC,
            nesting,
            map_span,
        );
        Ok(())
    }
}

/// Splits `NAME=value` into an [`Assignment`].
fn assignment(word: Word) -> Assignment {
    let eq = word.raw.find('=').unwrap_or(0);
    let name = word.raw[..eq].trim_end_matches('+').to_owned();
    let value_raw = word.raw[eq + 1..].to_owned();
    let value_literal = word
        .literal
        .as_deref()
        .and_then(|lit| lit.find('=').map(|i| lit[i + 1..].to_owned()));
    Assignment {
        name,
        value: Word {
            raw: value_raw,
            literal: value_literal,
            span: (word.span.0 + eq + 1, word.span.1),
        },
        span: word.span,
    }
}

const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"];

/// For `sh -c 'script'` (also `bash -euo pipefail -c "..."`, `busybox sh -c`):
/// the script word and whether `-o pipefail` was given.
fn shell_c_script(command: &SimpleCommand) -> Option<(Word, bool)> {
    let mut words = command.command_words();
    let name = program_name(words.first()?.text());
    if !SHELLS.contains(&name) {
        return None;
    }
    if name == "busybox" {
        words = &words[1..];
        if !SHELLS.contains(&program_name(words.first()?.text())) {
            return None;
        }
    }
    let args = &words[1..];
    let mut saw_c = false;
    let mut index = 0;
    while index < args.len() {
        let text = args[index].text();
        if text == "--" || text == "-" {
            index += 1;
            break;
        }
        let is_option = (text.starts_with('-') || text.starts_with('+')) && text.len() > 1;
        if !is_option {
            break;
        }
        if !text.starts_with("--") {
            if text[1..].contains('c') {
                saw_c = true;
            }
            if text.ends_with('o') || text.ends_with('O') {
                index += 1; // The option's value.
            }
        }
        index += 1;
    }
    if !saw_c {
        return None;
    }
    let pipefail = sets_pipefail(&args[..index.min(args.len())]);
    args.get(index).map(|word| (word.clone(), pipefail))
}

/// For `xargs [options] cmd args...`: the words `cmd args...`. A chain
/// `xargs xargs cmd` gives `cmd` in one pass.
fn xargs_tail(command: &SimpleCommand) -> Option<Vec<Word>> {
    let words = command.command_words();
    if program_name(words.first()?.text()) != "xargs" {
        return None;
    }
    let mut index = 1;
    while let Some(word) = words.get(index) {
        let text = word.text();
        if program_name(text) == "xargs" {
            index += 1;
            continue;
        }
        if text == "--" {
            index += 1;
            break;
        }
        if !text.starts_with('-') || text.len() == 1 {
            break;
        }
        // Short options that take their value as the next word when it is
        // not attached (`-n 1` vs `-n1`).
        let takes_value = matches!(
            text,
            "-n" | "-I" | "-P" | "-d" | "-L" | "-a" | "-E" | "-s" | "-l"
        );
        index += if takes_value { 2 } else { 1 };
    }
    let tail = words.get(index..)?;
    if tail.is_empty() {
        None
    } else {
        Some(tail.to_vec())
    }
}
