//! File name patterns for `rule_files`, `scrape_config_files` and `file_sd_configs`,
//! with the syntax and results of Go's `filepath.Glob`: `*` and `?` never match `/`,
//! `[a-z]` and `[^…]` are character classes, `\` escapes, and matches come back
//! sorted within each directory.

use std::path::{Path, PathBuf};

/// A pattern that is not well formed (an unclosed `[`, a trailing `\`, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a valid file pattern")]
pub struct BadPattern(pub String);

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(char),
    AnyOne,
    AnyRun,
    Class { negated: bool, ranges: Vec<(char, char)> },
}

/// Whether `pattern` uses any pattern syntax at all.
pub fn has_meta(pattern: &str) -> bool {
    pattern.contains(['*', '?', '[', '\\'])
}

/// Whether the whole of `name` matches `pattern`.
pub fn matches(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let tokens = tokenize(pattern)?;
    let name: Vec<char> = name.chars().collect();
    Ok(match_tokens(&tokens, &name))
}

/// The existing paths that match `pattern`. A pattern without syntax yields itself
/// when that path exists; unreadable directories are skipped, as upstream does.
pub fn expand(pattern: &str) -> Result<Vec<PathBuf>, BadPattern> {
    tokenize(pattern)?;
    if !has_meta(pattern) {
        let exists = Path::new(pattern).symlink_metadata().is_ok();
        return Ok(if exists { vec![PathBuf::from(pattern)] } else { Vec::new() });
    }
    let (directory, file) = match pattern.rfind('/') {
        Some(0) => ("/", &pattern[1..]),
        Some(slash) => (&pattern[..slash], &pattern[slash + 1..]),
        None => ("", pattern),
    };
    if !has_meta(directory) {
        return Ok(list_matching(Path::new(directory), file));
    }
    let mut found = Vec::new();
    for parent in expand(directory)? {
        found.extend(list_matching(&parent, file));
    }
    Ok(found)
}

fn list_matching(directory: &Path, pattern: &str) -> Vec<PathBuf> {
    let listed = if directory.as_os_str().is_empty() { Path::new(".") } else { directory };
    let Ok(entries) = listed.read_dir() else { return Vec::new() };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| matches(pattern, name).unwrap_or(false))
        .collect();
    names.sort();
    names.into_iter().map(|name| directory.join(name)).collect()
}

fn tokenize(pattern: &str) -> Result<Vec<Token>, BadPattern> {
    let bad = || BadPattern(pattern.to_string());
    let mut chars = pattern.chars().peekable();
    let mut tokens = Vec::new();
    while let Some(char) = chars.next() {
        let token = match char {
            '*' => Token::AnyRun,
            '?' => Token::AnyOne,
            '\\' => Token::Literal(chars.next().ok_or_else(bad)?),
            '[' => {
                let negated = chars.next_if_eq(&'^').is_some();
                let mut ranges = Vec::new();
                loop {
                    match chars.peek() {
                        None => return Err(bad()),
                        Some(']') if !ranges.is_empty() => {
                            chars.next();
                            break;
                        }
                        _ => {}
                    }
                    let low = class_char(&mut chars).ok_or_else(bad)?;
                    let high =
                        if chars.next_if_eq(&'-').is_some() { class_char(&mut chars).ok_or_else(bad)? } else { low };
                    if high < low {
                        return Err(bad());
                    }
                    ranges.push((low, high));
                }
                Token::Class { negated, ranges }
            }
            other => Token::Literal(other),
        };
        tokens.push(token);
    }
    Ok(tokens)
}

/// One character of a class: `-` and `]` must be escaped there.
fn class_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<char> {
    match chars.next()? {
        '-' | ']' => None,
        '\\' => chars.next(),
        other => Some(other),
    }
}

fn match_tokens(tokens: &[Token], name: &[char]) -> bool {
    match tokens.split_first() {
        None => name.is_empty(),
        Some((Token::AnyRun, rest)) => {
            let run = name.iter().take_while(|char| **char != '/').count();
            (0..=run).any(|skip| match_tokens(rest, &name[skip..]))
        }
        Some((token, rest)) => match name.split_first() {
            Some((char, remaining)) if matches_one(token, *char) => match_tokens(rest, remaining),
            _ => false,
        },
    }
}

fn matches_one(token: &Token, char: char) -> bool {
    match token {
        Token::Literal(literal) => *literal == char,
        Token::AnyOne => char != '/',
        Token::Class { negated, ranges } => {
            let inside = ranges.iter().any(|(low, high)| (*low..=*high).contains(&char));
            char != '/' && inside != *negated
        }
        Token::AnyRun => unreachable!("runs are handled by match_tokens"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_and_question_mark_stay_within_a_name() {
        assert!(matches("*.yml", "rules.yml").unwrap());
        assert!(matches("*", "").unwrap());
        assert!(!matches("*.yml", "dir/rules.yml").unwrap());
        assert!(matches("rule?.yml", "rule1.yml").unwrap());
        assert!(!matches("rule?.yml", "rule12.yml").unwrap());
        assert!(matches("a*b*c", "aXXbYYc").unwrap());
    }

    #[test]
    fn character_classes_and_escapes() {
        assert!(matches("[a-c]x", "bx").unwrap());
        assert!(!matches("[^a-c]x", "bx").unwrap());
        assert!(matches("[^a-c]x", "dx").unwrap());
        assert!(matches(r"\*", "*").unwrap());
        assert!(matches(r"[\]]", "]").unwrap());
    }

    #[test]
    fn malformed_patterns_are_errors() {
        for pattern in ["[", "[]", "[a-", "a\\", "[z-a]", "[^]"] {
            assert!(matches(pattern, "x").is_err(), "{pattern}");
            assert!(expand(pattern).is_err(), "{pattern}");
        }
    }

    #[test]
    fn expands_across_directories_in_sorted_order() {
        let root = tempfile::tempdir().unwrap();
        for file in ["b/2.yml", "a/1.yml", "a/0.yaml", "a/3.yml", "c.txt"] {
            let path = root.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        let base = root.path().display().to_string();
        let found = expand(&format!("{base}/*/*.yml")).unwrap();
        let names: Vec<String> =
            found.iter().map(|path| path.strip_prefix(root.path()).unwrap().display().to_string()).collect();
        assert_eq!(names, ["a/1.yml", "a/3.yml", "b/2.yml"]);
        assert_eq!(expand(&format!("{base}/c.txt")).unwrap().len(), 1);
        assert!(expand(&format!("{base}/missing.yml")).unwrap().is_empty());
        assert!(expand(&format!("{base}/none/*.yml")).unwrap().is_empty());
    }
}
