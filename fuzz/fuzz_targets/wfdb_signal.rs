#![no_main]
//! Fuzz target wfdb_signal: the body is `xent_fuzz::wfdb_signal` (src/lib.rs).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = xent_fuzz::wfdb_signal(data);
});
