#![no_main]
//! Fuzz target score_csv: the body is `xent_fuzz::score_csv` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = xent_fuzz::score_csv(data);
});
