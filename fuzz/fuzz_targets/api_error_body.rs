//! `cargo fuzz run api_error_body`: see `clerk_runtime::__fuzz::api_error_body` for the input format and the
//! invariants checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clerk_runtime::__fuzz::api_error_body(data));
