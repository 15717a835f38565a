//! URL path patterns as `@clerk/shared`'s `match(patterns)` reads them: path-to-regexp v6
//! with its default options (case-insensitive, optional trailing delimiter, the whole
//! path, no decoding), ported step by step (lexer, parser, regular expression) so that
//! what it accepts, refuses and captures is the package's (docs/handshake-spec.md §6.6).
//!
//! The package runs the regular expression on the URL's `pathname`, which is ASCII (the
//! URL percent-encodes everything else); a pattern is therefore ASCII too, and matched on
//! bytes with ASCII case folding. What path-to-regexp would accept but this port cannot
//! reproduce exactly (a non-ASCII pattern, a parameter after a multi-character text
//! without `/`, a custom group using JavaScript regex syntax outside [`js_regex`]) is
//! refused when the pattern is compiled, never matched differently.

use regex::bytes::{Regex, RegexBuilder};

use super::js_regex;

/// The default `prefixes` of path-to-regexp's `parse`.
const PREFIXES: &str = "./";
/// The default `delimiter`: what a parameter's default pattern stops at.
const DELIMITERS: &str = "/#?";
/// A parameter's default pattern: one or more characters up to a delimiter, lazily.
const SEGMENT: &str = "[^/#?]+?";

/// Why a pattern list does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PatternError {
    /// path-to-regexp throws this `TypeError` message.
    Invalid(String),
    /// path-to-regexp accepts the pattern; this port does not reproduce it (why).
    Unsupported(String),
}

/// The name of a parameter: `:name`, or the index of an unnamed `(…)` group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParamName {
    Named(String),
    Index(usize),
}

/// A captured parameter: one value, or the values of a repeated (`*`, `+`) one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParamValue {
    One(String),
    Many(Vec<String>),
}

/// A compiled list of patterns: matches when any of them matches the whole path.
#[derive(Debug, Clone)]
pub(crate) struct PathPattern {
    regex: Regex,
    keys: Vec<Key>,
}

/// A capture group of the expression and the parameter it fills.
#[derive(Debug, Clone)]
struct Key {
    name: ParamName,
    /// For a repeated parameter, the text between its values (`prefix + suffix`).
    repeated: Option<String>,
}

impl PathPattern {
    /// `match(patterns)`: every pattern is lexed, parsed and built in turn (the first
    /// error wins, as in the package); then they are joined as alternatives.
    pub(crate) fn compile(patterns: &[String]) -> Result<Self, PatternError> {
        let mut sources = Vec::with_capacity(patterns.len());
        let mut keys = Vec::new();
        for pattern in patterns {
            let units: Vec<u16> = pattern.encode_utf16().collect();
            let tokens = lex(&units)?;
            let parts = parse(&tokens)?;
            sources.push(build(&parts, &mut keys)?);
            if !pattern.is_ascii() {
                return Err(PatternError::Unsupported(
                    "it contains a non-ASCII character; the path it is matched against is \
                     percent-encoded, so write the character percent-encoded (`é` is `%C3%A9`)"
                        .to_owned(),
                ));
            }
        }
        let source = format!("(?:{})", sources.join("|"));
        let regex = RegexBuilder::new(&source)
            .case_insensitive(true)
            .unicode(false)
            .build()
            .map_err(|e| PatternError::Unsupported(format!("it does not compile: {e}")))?;
        Ok(Self { regex, keys })
    }

    /// The parameters of the first matching alternative, `None` when no pattern matches.
    /// A parameter named twice keeps its last captured value, as the package's object does.
    pub(crate) fn matches(&self, path: &str) -> Option<Vec<(ParamName, ParamValue)>> {
        let captures = self.regex.captures(path.as_bytes())?;
        let mut params: Vec<(ParamName, ParamValue)> = Vec::new();
        for (key, group) in self.keys.iter().zip(captures.iter().skip(1)) {
            let Some(group) = group else { continue };
            let text = String::from_utf8_lossy(group.as_bytes()).into_owned();
            let value = match &key.repeated {
                Some(separator) => {
                    ParamValue::Many(text.split(separator.as_str()).map(str::to_owned).collect())
                }
                None => ParamValue::One(text),
            };
            params.retain(|(name, _)| *name != key.name);
            params.push((key.name.clone(), value));
        }
        Some(params)
    }
}

/// A token of the lexer. `value` is `None` only for a `\` at the very end (JavaScript's
/// `undefined`: the parser consumes that token and keeps nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Modifier,
    EscapedChar,
    Open,
    Close,
    Name,
    Pattern,
    Char,
    End,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Modifier => "MODIFIER",
            Self::EscapedChar => "ESCAPED_CHAR",
            Self::Open => "OPEN",
            Self::Close => "CLOSE",
            Self::Name => "NAME",
            Self::Pattern => "PATTERN",
            Self::Char => "CHAR",
            Self::End => "END",
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    /// The UTF-16 index, as the package's messages count.
    index: usize,
    value: Option<String>,
}

fn text(units: &[u16]) -> String {
    String::from_utf16_lossy(units)
}

fn invalid(message: String) -> PatternError {
    PatternError::Invalid(message)
}

/// path-to-regexp's `lexer`.
fn lex(r: &[u16]) -> Result<Vec<Token>, PatternError> {
    let unit = |i: usize| r.get(i).copied();
    let is = |i: usize, c: char| unit(i) == Some(c as u16);
    let mut tokens = Vec::new();
    let mut e = 0;
    while e < r.len() {
        let a = r[e];
        let push = |tokens: &mut Vec<Token>, kind, index, value: Option<String>| {
            tokens.push(Token { kind, index, value })
        };
        if is(e, '*') || is(e, '+') || is(e, '?') {
            push(&mut tokens, Kind::Modifier, e, Some(text(&[a])));
            e += 1;
            continue;
        }
        if is(e, '\\') {
            push(
                &mut tokens,
                Kind::EscapedChar,
                e,
                unit(e + 1).map(|u| text(&[u])),
            );
            e += 2;
            continue;
        }
        if is(e, '{') || is(e, '}') {
            let kind = if is(e, '{') { Kind::Open } else { Kind::Close };
            push(&mut tokens, kind, e, Some(text(&[a])));
            e += 1;
            continue;
        }
        if is(e, ':') {
            let mut t = e + 1;
            while let Some(c) = unit(t) {
                let name_char = matches!(c, 48..=57 | 65..=90 | 97..=122 | 95);
                if !name_char {
                    break;
                }
                t += 1;
            }
            if t == e + 1 {
                return Err(invalid(format!("Missing parameter name at {e}")));
            }
            push(&mut tokens, Kind::Name, e, Some(text(&r[e + 1..t])));
            e = t;
            continue;
        }
        if is(e, '(') {
            let mut depth = 1;
            let mut pattern: Vec<u16> = Vec::new();
            let mut t = e + 1;
            if is(t, '?') {
                return Err(invalid(format!("Pattern cannot start with \"?\" at {t}")));
            }
            while t < r.len() {
                if is(t, '\\') {
                    // `r[t++] + r[t++]`: a `\` at the very end leaves the group unbalanced.
                    pattern.push(r[t]);
                    if let Some(next) = unit(t + 1) {
                        pattern.push(next);
                    }
                    t += 2;
                    continue;
                }
                if is(t, ')') {
                    depth -= 1;
                    if depth == 0 {
                        t += 1;
                        break;
                    }
                } else if is(t, '(') {
                    depth += 1;
                    if !is(t + 1, '?') {
                        return Err(invalid(format!("Capturing groups are not allowed at {t}")));
                    }
                }
                pattern.push(r[t]);
                t += 1;
            }
            if depth != 0 {
                return Err(invalid(format!("Unbalanced pattern at {e}")));
            }
            if pattern.is_empty() {
                return Err(invalid(format!("Missing pattern at {e}")));
            }
            push(&mut tokens, Kind::Pattern, e, Some(text(&pattern)));
            e = t;
            continue;
        }
        push(&mut tokens, Kind::Char, e, Some(text(&[a])));
        e += 1;
    }
    tokens.push(Token {
        kind: Kind::End,
        index: e,
        value: Some(String::new()),
    });
    Ok(tokens)
}

/// A part of a parsed pattern: literal text, or a parameter (or a `{…}` group).
#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Param {
        name: ParamName,
        prefix: String,
        suffix: String,
        /// The regular expression: a default one already in this port's syntax, or a
        /// custom `(…)` one in JavaScript syntax.
        pattern: Pattern,
        modifier: String,
    },
}

#[derive(Debug, Clone)]
enum Pattern {
    None,
    /// The default pattern, which may not contain this text (the package's lookahead).
    Default {
        not_containing: String,
    },
    Custom(String),
}

struct Parser<'t> {
    tokens: &'t [Token],
    i: usize,
}

impl Parser<'_> {
    /// `tryConsume`: the token's value if it is of this kind (the token is consumed even
    /// when its value is `undefined`).
    fn take(&mut self, kind: Kind) -> Option<String> {
        let token = self.tokens.get(self.i).filter(|t| t.kind == kind)?;
        self.i += 1;
        token.value.clone()
    }

    /// `mustConsume`.
    fn expect(&mut self, kind: Kind) -> Result<(), PatternError> {
        if self.tokens.get(self.i).is_some_and(|t| t.kind == kind) {
            self.i += 1;
            return Ok(());
        }
        let token = &self.tokens[self.i.min(self.tokens.len() - 1)];
        Err(invalid(format!(
            "Unexpected {} at {}, expected {}",
            token.kind.as_str(),
            token.index,
            kind.as_str()
        )))
    }

    /// `consumeText`.
    fn text(&mut self) -> String {
        let mut out = String::new();
        while let Some(v) = self
            .take(Kind::Char)
            .or_else(|| self.take(Kind::EscapedChar))
        {
            out.push_str(&v);
        }
        out
    }
}

/// `safePattern`: the default pattern of a parameter after `prefix` (or after the previous
/// text), which may not run into that text again.
fn default_pattern(parts: &[Part], prefix: &str) -> Result<Pattern, PatternError> {
    let previous = parts.last();
    let before = if !prefix.is_empty() {
        prefix.to_owned()
    } else {
        match previous {
            Some(Part::Text(t)) => t.clone(),
            _ => String::new(),
        }
    };
    if before.is_empty() {
        if let Some(Part::Param { name, .. }) = previous {
            let name = match name {
                ParamName::Named(n) => n.clone(),
                ParamName::Index(i) => i.to_string(),
            };
            return Err(invalid(format!(
                "Must have text between two parameters, missing text after \"{name}\""
            )));
        }
    }
    if before.is_empty() || before.chars().any(|c| DELIMITERS.contains(c)) {
        return Ok(Pattern::Default {
            not_containing: String::new(),
        });
    }
    Ok(Pattern::Default {
        not_containing: before,
    })
}

/// path-to-regexp's `parse` with its default options.
fn parse(tokens: &[Token]) -> Result<Vec<Part>, PatternError> {
    let mut p = Parser { tokens, i: 0 };
    let mut parts: Vec<Part> = Vec::new();
    let mut key = 0usize;
    let mut path = String::new();
    let truthy = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    while p.i < tokens.len() {
        let char = p.take(Kind::Char);
        let name = p.take(Kind::Name);
        let pattern = p.take(Kind::Pattern);
        if truthy(&name) || truthy(&pattern) {
            let mut prefix = char.unwrap_or_default();
            if !PREFIXES.contains(prefix.as_str()) {
                path.push_str(&prefix);
                prefix.clear();
            }
            if !path.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut path)));
            }
            let name = match name.filter(|n| !n.is_empty()) {
                Some(n) => ParamName::Named(n),
                None => {
                    key += 1;
                    ParamName::Index(key - 1)
                }
            };
            let pattern = match pattern.filter(|p| !p.is_empty()) {
                Some(custom) => Pattern::Custom(custom),
                None => default_pattern(&parts, &prefix)?,
            };
            parts.push(Part::Param {
                name,
                prefix,
                suffix: String::new(),
                pattern,
                modifier: p.take(Kind::Modifier).unwrap_or_default(),
            });
            continue;
        }
        if let Some(c) = char.or_else(|| p.take(Kind::EscapedChar)) {
            path.push_str(&c);
            continue;
        }
        if !path.is_empty() {
            parts.push(Part::Text(std::mem::take(&mut path)));
        }
        if p.take(Kind::Open).is_some() {
            let prefix = p.text();
            let name = p.take(Kind::Name).unwrap_or_default();
            let custom = p.take(Kind::Pattern).unwrap_or_default();
            let suffix = p.text();
            p.expect(Kind::Close)?;
            // A `{…}` group with neither parameter nor pattern is named `""` (and has no key).
            let param_name = if !name.is_empty() {
                ParamName::Named(name.clone())
            } else if !custom.is_empty() {
                key += 1;
                ParamName::Index(key - 1)
            } else {
                ParamName::Named(String::new())
            };
            let pattern = if !name.is_empty() && custom.is_empty() {
                default_pattern(&parts, &prefix)?
            } else if custom.is_empty() {
                Pattern::None
            } else {
                Pattern::Custom(custom)
            };
            parts.push(Part::Param {
                name: param_name,
                prefix,
                suffix,
                pattern,
                modifier: p.take(Kind::Modifier).unwrap_or_default(),
            });
            continue;
        }
        p.expect(Kind::End)?;
    }
    Ok(parts)
}

/// path-to-regexp's `tokensToRegexp` (`strict: false`, `start`, `end`): the expression of
/// one pattern, in `regex` syntax, and its keys appended to `keys`.
fn build(parts: &[Part], keys: &mut Vec<Key>) -> Result<String, PatternError> {
    let mut x = String::from("^");
    for part in parts {
        let Part::Param {
            name,
            prefix,
            suffix,
            pattern,
            modifier,
        } = part
        else {
            if let Part::Text(t) = part {
                x.push_str(&regex::escape(t));
            }
            continue;
        };
        let r = regex::escape(prefix);
        let y = regex::escape(suffix);
        let repeated = modifier == "+" || modifier == "*";
        let source = match pattern {
            Pattern::None => {
                x.push_str(&format!("(?:{r}{y}){modifier}"));
                continue;
            }
            Pattern::Default { not_containing } => default_source(not_containing)?,
            Pattern::Custom(custom) => js_regex::translate(custom).map_err(|why| {
                PatternError::Unsupported(format!("its custom pattern `({custom})` {why}"))
            })?,
        };
        keys.push(Key {
            name: name.clone(),
            repeated: repeated.then(|| format!("{prefix}{suffix}")),
        });
        if !r.is_empty() || !y.is_empty() {
            if repeated {
                let optional = if modifier == "*" { "?" } else { "" };
                x.push_str(&format!(
                    "(?:{r}((?:{source})(?:{y}{r}(?:{source}))*){y}){optional}"
                ));
            } else {
                x.push_str(&format!("(?:{r}({source}){y}){modifier}"));
            }
        } else {
            if repeated {
                let name = match name {
                    ParamName::Named(n) => n.clone(),
                    ParamName::Index(i) => i.to_string(),
                };
                return Err(invalid(format!(
                    "Can not repeat \"{name}\" without a prefix and suffix"
                )));
            }
            x.push_str(&format!("({source}){modifier}"));
        }
    }
    x.push_str("[/#?]?$");
    Ok(x)
}

/// The default pattern in `regex` syntax. The package's `(?:(?!text)[^/#?])+?` (a
/// lookahead, which `regex` lacks) is a character class when the text is one character.
fn default_source(not_containing: &str) -> Result<String, PatternError> {
    let mut chars = not_containing.chars();
    match (chars.next(), chars.next()) {
        (None, _) => Ok(SEGMENT.to_owned()),
        (Some(c), None) if c.is_ascii() => Ok(format!("[^/#?\\x{{{:02X}}}]+?", c as u32)),
        _ => Err(PatternError::Unsupported(format!(
            "a parameter follows the text `{not_containing}` without a `/` in it; only one \
             character (such as `-` or `.`) may separate two parameters in a segment"
        ))),
    }
}

#[cfg(test)]
mod tests;
