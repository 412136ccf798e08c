//! Parser of PromQL test files into commands, as upstream's
//! `promql/promqltest/test.go`: `load`, `clear` and `eval` blocks (a block
//! ends at an empty or comment line), with `expect` lines and expected
//! results. A block that cannot be parsed becomes a `Skip` with the reason,
//! so one bad block never hides the rest of a file.

use regex::Regex;

pub use super::notation::{LabelPairs, Point};
use super::notation::{parse_duration_ms, parse_load_series, parse_number, parse_quoted, parse_series};

#[derive(Debug)]
pub enum Command {
    Load(Load),
    Clear {
        line: usize,
    },
    Eval(Eval),
    /// A block not understood; `eval` says whether it was an eval command.
    Skip {
        line: usize,
        eval: bool,
        reason: String,
    },
}

#[derive(Debug)]
pub struct Load {
    pub line: usize,
    pub step_ms: i64,
    /// `load_with_nhcb`: classic histograms are also loaded as native ones.
    pub with_nhcb: bool,
    pub series: Vec<(LabelPairs, Vec<Point>)>,
    /// `<series>@st <values>` lines: start timestamps, which Sonde does not store.
    pub start_timestamps: Vec<(LabelPairs, Vec<Point>)>,
}

#[derive(Debug)]
pub struct Eval {
    pub line: usize,
    pub kind: EvalKind,
    pub expr: String,
    pub fail: Option<TextMatch>,
    pub warn: Annotations,
    pub info: Annotations,
    pub ordered: bool,
    pub expected: Expected,
    /// `expect range vector from .. to .. step ..`: an instant query
    /// returning a range vector, evaluated at the window's end.
    pub range_vector: Option<Window>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvalKind {
    Instant { at_ms: i64 },
    Range { start_ms: i64, end_ms: i64, step_ms: i64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
    pub step_ms: i64,
}

#[derive(Debug, PartialEq)]
pub enum Expected {
    Scalar(f64),
    String(String),
    /// Expected series, each with its 1-based position among result lines.
    Series(Vec<ExpectedSeries>),
}

#[derive(Debug, PartialEq)]
pub struct ExpectedSeries {
    pub labels: LabelPairs,
    pub points: Vec<Point>,
    pub position: usize,
}

/// What an eval says about warn or info annotations.
#[derive(Debug, Default)]
pub enum Annotations {
    /// Nothing said: any annotations are accepted.
    #[default]
    Unchecked,
    /// `expect no_warn` / `expect no_info`.
    Absent,
    /// Each must match some annotation, and each annotation some of them.
    Matching(Vec<TextMatch>),
}

#[derive(Debug)]
pub enum TextMatch {
    Any,
    Exact(String),
    Pattern(Regex),
}

impl TextMatch {
    pub fn matches(&self, text: &str) -> bool {
        match self {
            TextMatch::Any => true,
            TextMatch::Exact(expected) => expected == text,
            TextMatch::Pattern(regex) => regex.is_match(text),
        }
    }
}

impl std::fmt::Display for TextMatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TextMatch::Any => f.write_str("anything"),
            TextMatch::Exact(text) => write!(f, "message {text:?}"),
            TextMatch::Pattern(regex) => write!(f, "pattern {:?}", regex.as_str()),
        }
    }
}

/// Parses a whole file; never fails, since problems become `Skip` commands.
pub fn parse_script(input: &str) -> Vec<Command> {
    let lines: Vec<&str> =
        input.lines().map(|line| line.trim()).map(|line| if line.starts_with('#') { "" } else { line }).collect();
    let mut commands = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        if lines[index].is_empty() {
            index += 1;
            continue;
        }
        let end = (index..lines.len()).find(|&i| lines[i].is_empty()).unwrap_or(lines.len());
        commands.extend(parse_block(&lines[index..end], index + 1));
        index = end;
    }
    commands
}

/// One block: a command line and the lines under it. A `clear` takes one line;
/// whatever follows it in the same block is parsed as further commands.
fn parse_block(block: &[&str], first_line: usize) -> Vec<Command> {
    let word = block[0].split_whitespace().next().unwrap_or("").to_ascii_lowercase();
    let result = if word == "clear" {
        let mut commands = vec![Command::Clear { line: first_line }];
        if block.len() > 1 {
            commands.extend(parse_block(&block[1..], first_line + 1));
        }
        return commands;
    } else if word.starts_with("load") {
        parse_load(block, first_line).map(Command::Load)
    } else if word.starts_with("eval") {
        parse_eval(block, first_line).map(Command::Eval)
    } else {
        Err(format!("unknown command {:?}", block[0]))
    };
    let eval = word.starts_with("eval");
    vec![result.unwrap_or_else(|reason| Command::Skip { line: first_line, eval, reason })]
}

fn parse_load(block: &[&str], line: usize) -> Result<Load, String> {
    let mut words = block[0].split_whitespace();
    let with_nhcb = match words.next() {
        Some("load") => false,
        Some("load_with_nhcb") => true,
        other => return Err(format!("unknown load command {other:?}")),
    };
    let step = words.next().ok_or("load without a step")?;
    if words.next().is_some() {
        return Err(format!("unexpected text after load step in {:?}", block[0]));
    }
    let step_ms = parse_duration_ms(step)?;
    let (mut series, mut start_timestamps) = (Vec::new(), Vec::new());
    for text in &block[1..] {
        match parse_load_series(text)? {
            (labels, points, false) => series.push((labels, points)),
            (labels, points, true) => start_timestamps.push((labels, points)),
        }
    }
    Ok(Load { line, step_ms, with_nhcb, series, start_timestamps })
}

/// The command line's legacy modifier (`eval_fail` etc.) and the rest.
fn split_modifier(first: &str) -> Result<(&str, &str), String> {
    let (word, rest) = first.split_once(char::is_whitespace).ok_or("eval without a query")?;
    match word {
        "eval" => Ok(("", rest.trim_start())),
        "eval_fail" | "eval_warn" | "eval_info" | "eval_ordered" => Ok((&word[5..], rest.trim_start())),
        _ => Err(format!("unknown eval command {word:?}")),
    }
}

fn parse_eval(block: &[&str], line: usize) -> Result<Eval, String> {
    let (modifier, rest) = split_modifier(block[0])?;
    let (kind, expr) = parse_eval_kind(rest)?;
    if modifier == "ordered" && matches!(kind, EvalKind::Range { .. }) {
        return Err("eval_ordered is for instant queries only".into());
    }
    let mut eval = Eval {
        line,
        kind,
        expr: expr.to_string(),
        fail: (modifier == "fail").then_some(TextMatch::Any),
        warn: legacy_annotation(modifier == "warn"),
        info: legacy_annotation(modifier == "info"),
        ordered: modifier == "ordered",
        expected: Expected::Series(Vec::new()),
        range_vector: None,
    };
    let mut position = 0;
    for text in &block[1..] {
        if parse_expect_line(&mut eval, text)? {
            continue;
        }
        if !matches!(&eval.expected, Expected::Series(_)) {
            return Err(format!("result line {text:?} after a scalar or string result"));
        }
        if let Some(value) = scalar_line(text) {
            eval.expected = Expected::Scalar(value);
            continue;
        }
        let (labels, points) = parse_series(text)?;
        if points.len() > 1 && matches!(eval.kind, EvalKind::Instant { .. }) && eval.range_vector.is_none() {
            return Err("several values for an instant query without `expect range vector`".into());
        }
        position += 1;
        if let Expected::Series(series) = &mut eval.expected {
            series.push(ExpectedSeries { labels, points, position });
        }
    }
    Ok(eval)
}

fn legacy_annotation(set: bool) -> Annotations {
    match set {
        true => Annotations::Matching(vec![TextMatch::Any]),
        false => Annotations::Unchecked,
    }
}

/// A result line that is a bare number (Go's `ParseInt(s, 0)` or `ParseFloat`).
fn scalar_line(text: &str) -> Option<f64> {
    let lower = text.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    let numeric = unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        || ["inf", "infinity", "nan"].contains(&unsigned);
    if !numeric || text.contains(char::is_whitespace) {
        return None;
    }
    let value = if unsigned == "infinity" { text.replace("nfinity", "nf") } else { text.to_string() };
    match value.parse::<f64>() {
        Ok(v) => Some(v),
        Err(_) if unsigned.starts_with("0x") => parse_number(text).ok(),
        Err(_) => None,
    }
}

/// `instant at <time> <expr>` or `range from <a> to <b> step <s> <expr>`.
fn parse_eval_kind(text: &str) -> Result<(EvalKind, &str), String> {
    let mut rest = text;
    let mut word = || -> Result<&str, String> {
        let trimmed = rest.trim_start();
        let end = trimmed.find(char::is_whitespace).ok_or_else(|| format!("incomplete eval command {text:?}"))?;
        rest = &trimmed[end..];
        Ok(&trimmed[..end])
    };
    let kind = match word()? {
        "instant" => {
            expect_word(word()?, "at")?;
            EvalKind::Instant { at_ms: parse_duration_ms(word()?)? }
        }
        "range" => {
            expect_word(word()?, "from")?;
            let start_ms = parse_duration_ms(word()?)?;
            expect_word(word()?, "to")?;
            let end_ms = parse_duration_ms(word()?)?;
            expect_word(word()?, "step")?;
            let step_ms = parse_duration_ms(word()?)?;
            if end_ms < start_ms {
                return Err(format!("range ends before it starts in {text:?}"));
            }
            EvalKind::Range { start_ms, end_ms, step_ms }
        }
        other => return Err(format!("expected \"instant\" or \"range\", found {other:?}")),
    };
    Ok((kind, rest.trim()))
}

fn expect_word(found: &str, wanted: &str) -> Result<(), String> {
    match found == wanted {
        true => Ok(()),
        false => Err(format!("expected {wanted:?}, found {found:?}")),
    }
}

/// Applies an `expect ...` (or legacy `expected_fail_*`) line; false when
/// the line is not one.
fn parse_expect_line(eval: &mut Eval, text: &str) -> Result<bool, String> {
    if let Some(rest) = text.strip_prefix("expect range vector") {
        let window = parse_window(rest)?;
        eval.kind = EvalKind::Instant { at_ms: window.end_ms };
        eval.range_vector = Some(window);
        return Ok(true);
    }
    if let Some(rest) = text.strip_prefix("expect string") {
        let (value, after) = parse_quoted(rest.trim_start()).map_err(|e| format!("invalid expect string: {e}"))?;
        if !after.trim().is_empty() {
            return Err(format!("unexpected text after expected string in {text:?}"));
        }
        eval.expected = Expected::String(value);
        return Ok(true);
    }
    if let Some(rest) = text.strip_prefix("expected_fail_message") {
        eval.fail = Some(TextMatch::Exact(rest.trim().to_string()));
        return Ok(true);
    }
    if let Some(rest) = text.strip_prefix("expected_fail_regexp") {
        eval.fail = Some(TextMatch::Pattern(compile(rest.trim())?));
        return Ok(true);
    }
    if text.split(' ').next() != Some("expect") {
        return Ok(false);
    }
    apply_expect(eval, text["expect".len()..].trim())?;
    Ok(true)
}

fn parse_window(text: &str) -> Result<Window, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let ["from", start, "to", end, "step", step] = words[..] else {
        return Err(format!("invalid range vector definition {text:?}"));
    };
    let (start_ms, end_ms, step_ms) = (parse_duration_ms(start)?, parse_duration_ms(end)?, parse_duration_ms(step)?);
    if end_ms < start_ms {
        return Err(format!("range vector ends before it starts in {text:?}"));
    }
    Ok(Window { start_ms, end_ms, step_ms })
}

/// `<type> [msg|regex: <text>]`, with upstream's consistency rules.
fn apply_expect(eval: &mut Eval, text: &str) -> Result<(), String> {
    let (kind, matcher) = match text.split_once(char::is_whitespace) {
        Some((kind, rest)) => (kind, parse_text_match(rest.trim())?),
        None => (text, TextMatch::Any),
    };
    match kind {
        "ordered" => eval.ordered = true,
        "fail" if eval.fail.is_some() => return Err("several `expect fail` lines".into()),
        "fail" => eval.fail = Some(matcher),
        "warn" => add_annotation(&mut eval.warn, matcher, "warn")?,
        "info" => add_annotation(&mut eval.info, matcher, "info")?,
        "no_warn" => forbid_annotations(&mut eval.warn, "warn")?,
        "no_info" => forbid_annotations(&mut eval.info, "info")?,
        other => return Err(format!("unknown expectation {other:?}")),
    }
    Ok(())
}

fn parse_text_match(text: &str) -> Result<TextMatch, String> {
    if let Some(message) = text.strip_prefix("msg:") {
        return Ok(TextMatch::Exact(message.trim().to_string()));
    }
    match text.strip_prefix("regex:") {
        Some(pattern) => Ok(TextMatch::Pattern(compile(pattern.trim())?)),
        None => Err(format!("expected \"msg:\" or \"regex:\", found {text:?}")),
    }
}

fn compile(pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| format!("invalid regex {pattern:?}: {e}"))
}

fn add_annotation(slot: &mut Annotations, matcher: TextMatch, kind: &str) -> Result<(), String> {
    match slot {
        Annotations::Absent => return Err(format!("{kind} and no_{kind} cannot be used together")),
        Annotations::Matching(list) => list.push(matcher),
        Annotations::Unchecked => *slot = Annotations::Matching(vec![matcher]),
    }
    Ok(())
}

fn forbid_annotations(slot: &mut Annotations, kind: &str) -> Result<(), String> {
    if matches!(slot, Annotations::Matching(_)) {
        return Err(format!("{kind} and no_{kind} cannot be used together"));
    }
    *slot = Annotations::Absent;
    Ok(())
}

#[cfg(test)]
#[path = "script_tests.rs"]
mod tests;
