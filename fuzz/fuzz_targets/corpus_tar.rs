#![no_main]
//! Fuzz target corpus_tar: the body is `xent_fuzz::corpus_tar` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = xent_fuzz::corpus_tar(data);
});
