#![no_main]
//! Fuzz target bbc_csv: the body is `xent_fuzz::bbc_csv` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = xent_fuzz::bbc_csv(data);
});
