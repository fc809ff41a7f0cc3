#![no_main]
//! Fuzz target agnews_csv: the body is `xent_fuzz::agnews_csv` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = xent_fuzz::agnews_csv(data);
});
