//! No-panic harness for the header, `.dat` and `.atr` parsers (proptest; `cargo fuzz` needs a
//! nightly toolchain this project does not use). Inputs are arbitrary bytes and mutations of the
//! real files of record 100. Raise the case count with `PROPTEST_CASES=100000`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use xent_ecg::header::{Header, SignalSpec};
use xent_ecg::{annotation, signal};

fn mitdb() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/mitdb")
}

fn real(ext: &str) -> &'static [u8] {
    static HEA: OnceLock<Vec<u8>> = OnceLock::new();
    static ATR: OnceLock<Vec<u8>> = OnceLock::new();
    let cell = if ext == "hea" { &HEA } else { &ATR };
    cell.get_or_init(|| {
        let b = std::fs::read(mitdb().join(format!("100.{ext}"))).unwrap();
        // The first 4 KiB of the annotations are plenty to mutate.
        b[..b.len().min(4096)].to_vec()
    })
}

/// Mutations: (position, new byte) overwrites, then an optional cut.
fn mutate(base: &[u8], edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    let mut v = base.to_vec();
    for &(p, b) in edits {
        if !v.is_empty() {
            let i = p % v.len();
            v[i] = b;
        }
    }
    if let Some(c) = cut {
        v.truncate(c % (v.len() + 1));
    }
    v
}

fn header_text() -> impl Strategy<Value = String> {
    // Header-like lines built from the grammar's pieces.
    let field = prop_oneof![
        Just("100".to_string()),
        Just("212".to_string()),
        Just("16x2:3+7".to_string()),
        Just("200(1024)/mV".to_string()),
        Just("360/10(5)".to_string()),
        "-?[0-9]{1,25}",
        "[0-9x:+()/.eé-]{0,12}",
        Just("#".to_string()),
        Just("é".to_string()),
    ];
    let line = prop::collection::vec(field, 0..10).prop_map(|f| f.join(" "));
    (prop::collection::vec(line, 0..6), prop::bool::ANY).prop_map(|(lines, crlf)| lines.join(if crlf { "\r\n" } else { "\n" }))
}

fn spec(format: u16, spf: u32, offset: usize) -> SignalSpec {
    SignalSpec {
        file_name: "f.dat".into(),
        format,
        samples_per_frame: spf,
        skew: 0,
        byte_offset: offset,
        gain: 200.0,
        baseline: 0,
        units: "mV".into(),
        adc_res: 12,
        adc_zero: 0,
        initial_value: None,
        checksum: None,
        block_size: 0,
        description: String::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(2000), ..ProptestConfig::default() })]

    #[test]
    fn header_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = Header::parse(&bytes, Path::new("fuzz.hea"));
    }

    #[test]
    fn header_grammar_like_text(text in header_text()) {
        if let Err(e) = Header::parse(text.as_bytes(), Path::new("fuzz.hea")) {
            prop_assert!(e.to_string().starts_with("fuzz.hea:"));
        }
    }

    #[test]
    fn header_mutated_real(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..8), cut in prop::option::of(any::<usize>())) {
        let _ = Header::parse(&mutate(real("hea"), &edits, cut), Path::new("100.hea"));
    }

    #[test]
    fn dat_arbitrary(
        bytes in prop::collection::vec(any::<u8>(), 0..256),
        format in prop_oneof![Just(212u16), Just(16u16), Just(310u16), Just(311u16), Just(24u16), Just(8u16), any::<u16>()],
        k in 1usize..4,
        spf in 0u32..3,
        offset in 0usize..300,
        sig_len in prop::option::of(0usize..400),
    ) {
        let specs: Vec<SignalSpec> = (0..k).map(|_| spec(format, spf, offset)).collect();
        let refs: Vec<&SignalSpec> = specs.iter().collect();
        if let Ok(sigs) = signal::decode_file(&bytes, &refs, 0, sig_len, Path::new("f.dat"), Path::new("f.hea")) {
            prop_assert_eq!(sigs.len(), k);
            let n = sigs[0].len();
            prop_assert!(sigs.iter().all(|s| s.len() == n));
            if let Some(l) = sig_len { prop_assert_eq!(n, l * spf as usize); }
        }
        for f in xent_ecg::format::SUPPORTED {
            let _ = signal::decode(f, &bytes, bytes.len());
            let n = xent_ecg::Format::from_code(f).unwrap().samples_in(bytes.len());
            prop_assert_eq!(signal::decode(f, &bytes, n).map(|v| v.len()), Some(n));
        }
    }

    #[test]
    fn dat_212_round_trip(v in prop::collection::vec(-2048i32..2048, 0..300)) {
        prop_assert_eq!(signal::decode(212, &signal::encode_212(&v), v.len()).unwrap(), v);
    }

    #[test]
    fn atr_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = annotation::parse(&bytes, Path::new("fuzz.atr")) {
            prop_assert!(e.to_string().starts_with("fuzz.atr: byte offset "));
        }
    }

    #[test]
    fn atr_mutated_real(edits in prop::collection::vec((any::<usize>(), any::<u8>()), 0..8), cut in prop::option::of(any::<usize>())) {
        let _ = annotation::parse(&mutate(real("atr"), &edits, cut), Path::new("100.atr"));
    }
}
