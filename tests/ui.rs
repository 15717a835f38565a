//! Compile errors of the attribute macros are part of the API: each misuse has a case
//! under `tests/ui/<macro>/fail` with its expected `.stderr`; `tests/ui/<macro>/pass`
//! holds the accepted forms. Regenerate with `TRYBUILD=overwrite cargo test --test ui`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*/fail/*.rs");
    t.pass("tests/ui/*/pass/*.rs");
}
