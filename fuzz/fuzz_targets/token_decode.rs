//! `cargo fuzz run token_decode`: see `clerk_runtime::__fuzz::token_decode` for the input format and the
//! invariants checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clerk_runtime::__fuzz::token_decode(data));
