//! The custom `(…)` group of a path pattern is JavaScript regular expression syntax (the
//! package builds a `RegExp` with the `i` flag and no `u`). This translates the subset a URL
//! pattern realistically uses into `regex` syntax for ASCII bytes, with JavaScript's
//! meaning: literals, `.`, `\d \w \s` and their negations, identity escapes of
//! punctuation, character classes with ranges, `(?:…)`, `|`, and the greedy or lazy
//! quantifiers `* + ? {n} {n,} {n,m}`. Anything else (lookarounds, named groups,
//! backreferences, anchors, `\b`, `\x`/`\u` escapes, Annex B literal `{ } ]`) is refused
//! with the reason, so a pattern is never matched differently from the package.

/// `\d`, `\w`, `\s` (ASCII: the path is percent-encoded) as class contents.
const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";
const SPACE: &str = "\\t\\n\\x0B\\x0C\\r ";

/// The `regex` source for one JavaScript pattern, or why it is not supported.
pub(crate) fn translate(source: &str) -> Result<String, String> {
    if !source.is_ascii() {
        return Err("contains a non-ASCII character".to_owned());
    }
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut depth = 0usize;
    // Whether the last thing emitted is an atom a quantifier may follow.
    let mut atom = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let next = *chars.get(i + 1).ok_or("ends with `\\`")?;
                out.push_str(&escape_outside_class(next)?);
                i += 2;
                atom = true;
            }
            '[' => {
                let (class, end) = class(&chars, i)?;
                out.push_str(&class);
                i = end;
                atom = true;
            }
            '(' => {
                if chars.get(i + 1) != Some(&'?') || chars.get(i + 2) != Some(&':') {
                    return Err(
                        "uses a lookaround, a named or a capturing group (only `(?:…)` is supported)"
                            .to_owned(),
                    );
                }
                out.push_str("(?:");
                depth += 1;
                i += 3;
                atom = false;
            }
            ')' => {
                depth = depth.checked_sub(1).ok_or("has an unbalanced `)`")?;
                out.push(')');
                i += 1;
                atom = true;
            }
            '|' => {
                out.push('|');
                i += 1;
                atom = false;
            }
            '.' => {
                out.push_str("[^\\n\\r]");
                i += 1;
                atom = true;
            }
            '*' | '+' | '?' | '{' => {
                if !atom {
                    return Err(format!("has a quantifier `{c}` with nothing to repeat"));
                }
                let end = if c == '{' {
                    quantifier_braces(&chars, i)?
                } else {
                    i + 1
                };
                out.extend(&chars[i..end]);
                i = end;
                if chars.get(i) == Some(&'?') {
                    out.push('?');
                    i += 1;
                }
                atom = false;
            }
            '^' | '$' => return Err(format!("uses the anchor `{c}`")),
            ']' | '}' => return Err(format!("has a lone `{c}` (escape it: `\\{c}`)")),
            _ => {
                out.push_str(&literal(c));
                i += 1;
                atom = true;
            }
        }
    }
    if depth != 0 {
        return Err("has an unbalanced `(?:`".to_owned());
    }
    Ok(out)
}

/// A literal character, whatever `regex` would make of it unescaped.
fn literal(c: char) -> String {
    format!("\\x{{{:02X}}}", c as u32)
}

/// `\d`… as a class content (`None` for other escapes).
fn class_escape(c: char) -> Option<(bool, &'static str)> {
    match c {
        'd' => Some((false, DIGIT)),
        'D' => Some((true, DIGIT)),
        'w' => Some((false, WORD)),
        'W' => Some((true, WORD)),
        's' => Some((false, SPACE)),
        'S' => Some((true, SPACE)),
        _ => None,
    }
}

/// A single character written as an escape: control escapes and identity escapes of
/// punctuation.
fn character_escape(c: char) -> Result<char, String> {
    match c {
        't' => Ok('\t'),
        'n' => Ok('\n'),
        'r' => Ok('\r'),
        'v' => Ok('\u{b}'),
        'f' => Ok('\u{c}'),
        c if c.is_ascii_punctuation() => Ok(c),
        c => Err(format!("uses the escape `\\{c}`")),
    }
}

fn escape_outside_class(c: char) -> Result<String, String> {
    if let Some((negated, set)) = class_escape(c) {
        return Ok(format!("[{}{set}]", if negated { "^" } else { "" }));
    }
    character_escape(c).map(literal)
}

/// A character class starting at `start` (`[`): its `regex` form and the index after it.
fn class(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let mut i = start + 1;
    let negated = chars.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    if chars.get(i) == Some(&']') {
        return Err("has an empty class `[]` or `[^]`".to_owned());
    }
    let mut out = String::from(if negated { "[^" } else { "[" });
    // One item: a single character, or a class escape (which cannot bound a range).
    enum Item {
        Char(char),
        Set(String),
    }
    let item = |i: &mut usize| -> Result<Item, String> {
        let c = *chars.get(*i).ok_or("has an unterminated class `[`")?;
        *i += 1;
        if c != '\\' {
            return Ok(Item::Char(c));
        }
        let next = *chars.get(*i).ok_or("has an unterminated class `[`")?;
        *i += 1;
        if let Some((negated, set)) = class_escape(next) {
            return Ok(Item::Set(if negated {
                format!("[^{set}]")
            } else {
                set.to_owned()
            }));
        }
        if next == 'b' {
            return Err("uses `\\b` in a class".to_owned());
        }
        character_escape(next).map(Item::Char)
    };
    loop {
        match chars.get(i) {
            None => return Err("has an unterminated class `[`".to_owned()),
            Some(']') => return Ok((out + "]", i + 1)),
            Some(_) => {}
        }
        let first = item(&mut i)?;
        let ranged = chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|c| *c != ']');
        match (first, ranged) {
            (Item::Char(low), true) => {
                i += 1;
                let Item::Char(high) = item(&mut i)? else {
                    return Err("has a range bounded by a class escape".to_owned());
                };
                if low > high {
                    return Err(format!("has a range out of order `{low}-{high}`"));
                }
                out.push_str(&format!("{}-{}", literal(low), literal(high)));
            }
            (Item::Set(_), true) => return Err("has a range bounded by a class escape".to_owned()),
            (Item::Char(c), false) => out.push_str(&literal(c)),
            (Item::Set(set), false) => out.push_str(&set),
        }
    }
}

/// `{n}`, `{n,}` or `{n,m}` at `start`: the index after it.
fn quantifier_braces(chars: &[char], start: usize) -> Result<usize, String> {
    let close = chars[start..]
        .iter()
        .position(|c| *c == '}')
        .map(|p| start + p)
        .ok_or("has a `{` that is not a quantifier (escape it: `\\{`)")?;
    let inner: String = chars[start + 1..close].iter().collect();
    let number = |s: &str| -> Option<u32> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let valid = match inner.split_once(',') {
        None => number(&inner).is_some(),
        Some((low, "")) => number(low).is_some(),
        Some((low, high)) => match (number(low), number(high)) {
            (Some(l), Some(h)) => l <= h,
            _ => false,
        },
    };
    if !valid {
        return Err(format!(
            "has `{{{inner}}}`, which is not a quantifier `{{n}}`, `{{n,}}` or `{{n,m}}`"
        ));
    }
    Ok(close + 1)
}
