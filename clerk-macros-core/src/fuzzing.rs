//! The body of the `macro_attr` fuzz target (`fuzz/fuzz_targets/macro_attr.rs`, run with
//! `cargo fuzz`) and of its regression test (`tests/fuzz_regressions.rs`): it takes the raw
//! fuzzer input and panics when an invariant does not hold, so that a corpus file or crash
//! reproducer replays exactly in both.
//!
//! **Not a public API.** Compiled only with the `fuzzing` feature (never enabled by
//! default); anything here may change or disappear in any release.

use crate::attr::{Check, Mode};
use crate::validate;

/// `macro_attr`: the arguments of `#[clerk::protect(…)]`, `#[clerk::with_session(…)]` and
/// `#[clerk::require_session(…)]`, as source text (UTF-8; text that does not lex is
/// skipped, as rustc would never pass it to the macro).
///
/// Invariants, for each of the three macros: parsing never panics and is deterministic
/// (same arguments, same error messages); no error means not poisoned, poisoned means an
/// error; only `protect` collects checks or `redirect_to_sign_in`; every collected check is
/// well formed (`org:<key>` roles, `org:<f>:<p>` permissions, scoped or bare feature and
/// plan keys, a known reverification preset, non-empty `any`/`all`); errors render as
/// `compile_error!` tokens.
pub fn macro_attr(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(tokens) = text.parse::<proc_macro2::TokenStream>() else {
        return;
    };
    for mode in [Mode::Lax, Mode::Strict, Mode::Protect] {
        let summary = attr_summary(mode, validate::args(mode, tokens.clone()));
        assert_eq!(
            summary,
            attr_summary(mode, validate::args(mode, tokens.clone())),
            "not deterministic"
        );
    }
}

fn attr_summary(mode: Mode, parsed: validate::Parsed) -> String {
    use quote::ToTokens as _;
    let validate::Parsed {
        args,
        errors,
        poisoned,
    } = parsed;
    let messages: Vec<String> = match errors.finish() {
        Ok(()) => Vec::new(),
        Err(err) => {
            let _ = err.to_compile_error();
            err.into_iter().map(|e| e.to_string()).collect()
        }
    };
    assert!(messages.iter().all(|m| !m.is_empty()));
    if messages.is_empty() {
        assert!(!poisoned, "poisoned without an error");
    }
    if mode != Mode::Protect {
        assert!(args.checks.is_empty() && !args.redirect_to_sign_in);
    }
    let mut checks = String::new();
    for check in &args.checks {
        describe_check(check, &mut checks);
    }
    format!(
        "{messages:?} {poisoned} {:?} {:?} {} {checks}",
        args.on_error.map(|p| p.to_token_stream().to_string()),
        args.krate.map(|p| p.to_token_stream().to_string()),
        args.redirect_to_sign_in
    )
}

fn describe_check(check: &Check, out: &mut String) {
    let is_key = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    let scoped_key = |v: &str| match v.split_once(':') {
        None => is_key(v),
        Some((scope, key)) => {
            matches!(scope, "org" | "o" | "organization" | "user" | "u") && is_key(key)
        }
    };
    match check {
        Check::Role(lit) => {
            let v = lit.value();
            assert!(v.strip_prefix("org:").is_some_and(is_key), "role {v:?}");
            out.push_str(&format!("role={v:?} "));
        }
        Check::Permission(lit) => {
            let v = lit.value();
            let parts: Vec<&str> = v.split(':').collect();
            assert!(
                parts.len() == 3 && parts[0] == "org" && is_key(parts[1]) && is_key(parts[2]),
                "permission {v:?}"
            );
            out.push_str(&format!("permission={v:?} "));
        }
        Check::Feature(lit) | Check::Plan(lit) => {
            let v = lit.value();
            assert!(scoped_key(&v), "feature or plan {v:?}");
            out.push_str(&format!("key={v:?} "));
        }
        Check::Reverification(ident) => {
            let v = ident.to_string();
            assert!(matches!(
                v.as_str(),
                "StrictMfa" | "Strict" | "Moderate" | "Lax"
            ));
            out.push_str(&format!("reverification={v} "));
        }
        Check::Any(inner) | Check::All(inner) => {
            assert!(!inner.is_empty(), "empty any/all accepted");
            out.push_str(if matches!(check, Check::Any(_)) {
                "any("
            } else {
                "all("
            });
            for c in inner {
                describe_check(c, out);
            }
            out.push_str(") ");
        }
    }
}
