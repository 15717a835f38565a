//! `cargo fuzz run cookie`: see `clerk_runtime::__fuzz::cookie` for the input format and the
//! invariants checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clerk_runtime::__fuzz::cookie(data));
