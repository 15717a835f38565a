//! `cargo fuzz run verify`: see `clerk_runtime::__fuzz::verify` for the input format and the
//! invariants checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clerk_runtime::__fuzz::verify(data));
