#![no_main]
//! Fuzz target reuters_sgml: the body is `xent_fuzz::reuters_sgml` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = xent_fuzz::reuters_sgml(data);
});
