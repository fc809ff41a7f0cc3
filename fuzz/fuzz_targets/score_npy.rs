#![no_main]
//! Fuzz target score_npy: the body is `xent_fuzz::score_npy` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = xent_fuzz::score_npy(data);
});
