//! `cargo fuzz run jwks`: see `clerk_runtime::__fuzz::jwks` for the input format and the
//! invariants checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clerk_runtime::__fuzz::jwks(data));
