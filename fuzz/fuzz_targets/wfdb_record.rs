#![no_main]
//! Fuzz target wfdb_record: the body is `xent_fuzz::wfdb_record` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = xent_fuzz::wfdb_record(data);
});
