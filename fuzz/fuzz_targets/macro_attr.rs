//! `cargo fuzz run macro_attr`: see `clerk_macros_core::__fuzz::macro_attr` for the input
//! format and the invariants checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clerk_macros_core::__fuzz::macro_attr(data));
