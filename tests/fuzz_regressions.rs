//! The fuzz corpus as regression tests, on stable: every file of `fuzz/seeds/<target>/`
//! (the hand-written seeds), `fuzz/corpus/<target>/` (the minimized corpus of past runs)
//! and `fuzz/regressions/<target>/` (crash reproducers, kept after the fix) is run through
//! the same function as the `cargo fuzz` target, `clerk_runtime::__fuzz::<target>` (for
//! `macro_attr`, `clerk_macros_core::__fuzz::macro_attr`), which panics when an invariant
//! does not hold. Fuzzing itself: `bash fuzz/run.sh`.

use std::path::{Path, PathBuf};

/// Every input file of a target, in a stable order.
fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for dir in ["seeds", "corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn replay(target: &str, body: fn(&[u8])) {
    let files = inputs(target);
    assert!(
        !files.is_empty(),
        "no seeds for the fuzz target `{target}` (fuzz/seeds/{target}/)"
    );
    let mut failing = Vec::new();
    for path in &files {
        let data = std::fs::read(path).expect("readable input");
        if std::panic::catch_unwind(|| body(&data)).is_err() {
            failing.push(path.display().to_string());
        }
    }
    assert!(
        failing.is_empty(),
        "{target}: {} of {} inputs fail (the panics are printed above; replay one with \
         `cargo +nightly fuzz run {target} <file>` from the repository root): {failing:#?}",
        failing.len(),
        files.len()
    );
}

macro_rules! targets {
    ($($name:ident => $body:path),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                replay(stringify!($name), $body);
            }
        )*

        /// Every fuzz target (`fuzz/fuzz_targets/*.rs`) has its regression test here.
        #[test]
        fn every_fuzz_target_is_replayed() {
            let known = [$(stringify!($name)),*];
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
            let mut missing = Vec::new();
            for entry in std::fs::read_dir(&dir).expect("fuzz/fuzz_targets") {
                let path = entry.expect("directory entry").path();
                let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else { continue };
                if !known.contains(&stem) {
                    missing.push(stem.to_owned());
                }
            }
            assert!(missing.is_empty(), "fuzz targets without a regression test: {missing:?}");
        }
    };
}

targets!(
    token_decode => clerk_runtime::__fuzz::token_decode,
    verify => clerk_runtime::__fuzz::verify,
    authorization_header => clerk_runtime::__fuzz::authorization_header,
    cookie => clerk_runtime::__fuzz::cookie,
    jwks => clerk_runtime::__fuzz::jwks,
    api_error_body => clerk_runtime::__fuzz::api_error_body,
    macro_attr => clerk_macros_core::__fuzz::macro_attr,
);

/// The fixed material of the targets still works, so that the seeds reach acceptance (and
/// the invariants on accepted tokens are exercised) rather than all being refused.
#[tokio::test]
async fn fuzz_fixtures_are_live() {
    use clerk_runtime::__fuzz::{AUTHORIZED_PARTY, FIXED_NOW, FIXED_PEM, VALID_TOKEN};
    use std::time::{Duration, UNIX_EPOCH};
    let clerk = clerk_runtime::Clerk::builder()
        .without_env()
        .jwt_key(FIXED_PEM)
        .authorized_parties([AUTHORIZED_PARTY])
        .build()
        .expect("configuration");
    let at = |secs: u64| clerk.with_fixed_time(UNIX_EPOCH + Duration::from_secs(secs));
    let claims = at(FIXED_NOW)
        .verify_token(VALID_TOKEN)
        .await
        .expect("valid");
    assert_eq!(claims.subject(), "user_fuzz");
    let expired = at(FIXED_NOW + 3605).verify_token(VALID_TOKEN).await;
    assert_eq!(expired.unwrap_err().reason(), "token-expired");
}
