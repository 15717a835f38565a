//! JavaScript's reading of JSON values, where `@clerk/backend` compares unverified claims
//! with `||`, `>` and `<=` (the choice of a cookie family, spec §1.4): truthiness, the
//! conversion to a primitive, to a number and to a string, and the relational comparison.

use serde_json::Value;

/// `!!value`.
pub(crate) fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0 && !x.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// A primitive, after `ToPrimitive` (arrays and objects become their `toString`).
enum Primitive {
    Number(f64),
    String(String),
}

fn to_primitive(value: &Value) -> Primitive {
    match value {
        Value::Null => Primitive::Number(0.0),
        Value::Bool(b) => Primitive::Number(if *b { 1.0 } else { 0.0 }),
        Value::Number(n) => Primitive::Number(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => Primitive::String(s.clone()),
        Value::Array(_) | Value::Object(_) => Primitive::String(to_js_string(value)),
    }
}

/// `String(value)` of a JSON value (`[1,[2]]` is `1,2`, `null` inside an array is empty).
pub(crate) fn to_js_string(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_to_string(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::Null => String::new(),
                other => to_js_string(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".to_owned(),
    }
}

/// `Number.prototype.toString()`: the shortest round-trip digits, in exponent form from
/// 1e21 up and below 1e-6 (`1e+21`, `1.5e-7`).
fn number_to_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    let magnitude = x.abs();
    if (1e-6..1e21).contains(&magnitude) {
        return format!("{x}");
    }
    let exponent_form = format!("{x:e}");
    match exponent_form.split_once('e') {
        Some((mantissa, exponent)) if !exponent.starts_with('-') => {
            format!("{mantissa}e+{exponent}")
        }
        _ => exponent_form,
    }
}

/// `Number(text)` of a string: trimmed of JavaScript white space; empty is 0; decimal
/// literals (with an optional sign, `Infinity`), and unsigned `0x`/`0o`/`0b` integers;
/// anything else is NaN.
fn string_to_number(text: &str) -> f64 {
    let s = text.trim_matches(is_js_whitespace);
    if s.is_empty() {
        return 0.0;
    }
    for (prefix, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(digits) = s.strip_prefix(prefix) {
            if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
                return f64::NAN;
            }
            return digits.chars().fold(0.0, |n, c| {
                n * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0))
            });
        }
    }
    let (sign, unsigned) = match s.as_bytes()[0] {
        b'-' => (-1.0, &s[1..]),
        b'+' => (1.0, &s[1..]),
        _ => (1.0, s),
    };
    if unsigned == "Infinity" {
        return sign * f64::INFINITY;
    }
    if !is_decimal_literal(unsigned) {
        return f64::NAN;
    }
    unsigned.parse::<f64>().map_or(f64::NAN, |n| sign * n)
}

/// JavaScript's `StrWhiteSpaceChar` (`WhiteSpace` and `LineTerminator`): Unicode's
/// `White_Space` without U+0085, plus U+FEFF.
fn is_js_whitespace(c: char) -> bool {
    (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}'
}

/// `parseInt(text)` without a radix: leading JavaScript white space skipped, an optional
/// sign, then `0x`/`0X` for hexadecimal, and the digits up to the first that is not one;
/// NaN without any digit. `parseInt("0x10")` is 16, `parseInt("\u{a0}12abc")` is 12,
/// `parseInt("1e3")` is 1.
pub(crate) fn parse_int(text: &str) -> f64 {
    let s = text.trim_start_matches(is_js_whitespace);
    let (sign, s) = match s.as_bytes().first() {
        Some(b'-') => (-1.0, &s[1..]),
        Some(b'+') => (1.0, &s[1..]),
        _ => (1.0, s),
    };
    let (radix, s) = match s.get(..2) {
        Some("0x" | "0X") => (16, &s[2..]),
        _ => (10, s),
    };
    let end = s
        .bytes()
        .position(|b| !char::from(b).is_digit(radix))
        .unwrap_or(s.len());
    let digits = &s[..end];
    if digits.is_empty() {
        return f64::NAN;
    }
    let magnitude = if radix == 10 {
        // Rust rounds decimal text to the nearest double, as V8 does.
        digits.parse::<f64>().unwrap_or(f64::NAN)
    } else if let Ok(n) = u128::from_str_radix(digits, 16) {
        n as f64
    } else {
        // Beyond 128 bits: only the magnitude matters (it is compared with a time).
        digits.bytes().fold(0.0, |n, b| {
            n * 16.0 + f64::from(char::from(b).to_digit(16).unwrap_or(0))
        })
    };
    sign * magnitude
}

/// `StrUnsignedDecimalLiteral`: digits with an optional fraction (`1.`, `.5`, `1.5`) and an
/// optional exponent (`e5`, `E-5`); at least one digit before the exponent.
fn is_decimal_literal(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// `ToNumber(ToPrimitive(value))`.
pub(crate) fn to_number(value: &Value) -> f64 {
    match to_primitive(value) {
        Primitive::Number(n) => n,
        Primitive::String(s) => string_to_number(&s),
    }
}

/// `a > b`: strings compare by UTF-16 code units when both sides are strings (after
/// `ToPrimitive`), numbers otherwise; NaN compares false.
pub(crate) fn greater_than(a: &Value, b: &Value) -> bool {
    match (to_primitive(a), to_primitive(b)) {
        (Primitive::String(a), Primitive::String(b)) => {
            a.encode_utf16().cmp(b.encode_utf16()).is_gt()
        }
        (a, b) => {
            let number = |p: Primitive| match p {
                Primitive::Number(n) => n,
                Primitive::String(s) => string_to_number(&s),
            };
            number(a) > number(b)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_from_json_values_as_javascript_reads_them() {
        for (value, expected) in [
            (json!(5), 5.0),
            (json!("5"), 5.0),
            (json!(" 5\n"), 5.0),
            (json!(""), 0.0),
            (json!(null), 0.0),
            (json!(true), 1.0),
            (json!([]), 0.0),
            (json!([7]), 7.0),
            (json!(["0x10"]), 16.0),
            (json!("1e3"), 1000.0),
            (json!(".5"), 0.5),
            (json!("5."), 5.0),
            (json!("-Infinity"), f64::NEG_INFINITY),
        ] {
            assert_eq!(to_number(&value), expected, "{value}");
        }
        for value in [
            json!("abc"),
            json!("1,2"),
            json!([1, 2]),
            json!({}),
            json!("-0x10"),
            json!("inf"),
            json!("1e"),
            json!("."),
            json!("12abc"),
        ] {
            assert!(to_number(&value).is_nan(), "{value}");
        }
    }

    #[test]
    fn parse_int_as_javascript() {
        for (text, expected) in [
            ("1700000000", 1_700_000_000.0),
            (" 12abc", 12.0),
            ("\u{a0}\u{feff}\u{3000}\n12", 12.0),
            ("-5", -5.0),
            ("+7", 7.0),
            ("0x10", 16.0),
            ("0X1g", 1.0),
            ("-0x10", -16.0),
            ("1e3", 1.0),
            ("1700000000.9", 1_700_000_000.0),
            ("00x1", 0.0),
            ("0x20000000000001", 9_007_199_254_740_992.0),
            ("99999999999999999999", 1e20),
        ] {
            assert_eq!(parse_int(text), expected, "{text:?}");
        }
        for text in [
            "",
            "abc",
            "0x",
            "-",
            "- 5",
            "\u{85}5",
            "Â\u{a0}5",
            "\u{fffd}5",
        ] {
            assert!(parse_int(text).is_nan(), "{text:?}");
        }
        assert!(parse_int("-0").is_sign_negative());
        let long = format!("0x{}", "f".repeat(40));
        assert_eq!(parse_int(&long), 1.461_501_637_330_903e48);
    }

    #[test]
    fn comparisons_and_truthiness() {
        assert!(greater_than(&json!(2), &json!(1)));
        assert!(greater_than(&json!("2"), &json!(1)));
        // Two strings compare as text: "9" > "10".
        assert!(greater_than(&json!("9"), &json!("10")));
        assert!(greater_than(&json!([9]), &json!("10")));
        assert!(!greater_than(&json!("abc"), &json!(1)));
        assert!(!greater_than(&json!(1), &json!({})));
        assert_eq!(
            to_js_string(&json!([1.5, null, [2, true], 1e21, 1.5e-7])),
            "1.5,,2,true,1e+21,1.5e-7"
        );
        for falsy in [json!(null), json!(false), json!(0), json!(""), json!(-0.0)] {
            assert!(!truthy(&falsy), "{falsy}");
        }
        for value in [json!("0"), json!([]), json!({}), json!(-1)] {
            assert!(truthy(&value), "{value}");
        }
    }
}
