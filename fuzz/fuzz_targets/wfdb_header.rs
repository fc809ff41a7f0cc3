#![no_main]
//! Fuzz target wfdb_header: the body is `xent_fuzz::wfdb_header` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = xent_fuzz::wfdb_header(data);
});
