//! `cargo fuzz run authorization_header`: see `clerk_runtime::__fuzz::authorization_header` for the input format and the
//! invariants checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clerk_runtime::__fuzz::authorization_header(data));
