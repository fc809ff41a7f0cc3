#![no_main]
//! Fuzz target wfdb_annotation: the body is `xent_fuzz::wfdb_annotation` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = xent_fuzz::wfdb_annotation(data);
});
