//! The carried data sets are intact: every file listed in `datasets/SHA256SUMS` hashes to its
//! recorded sha256, and the MIT-BIH headers kept their CRLF line endings.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

fn datasets() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("datasets")
}

#[test]
fn every_carried_file_matches_its_checksum() {
    let root = datasets();
    let sums = std::fs::read_to_string(root.join("SHA256SUMS")).unwrap();
    let mut checked = 0;
    for (i, line) in sums.lines().enumerate() {
        let Some((hash, name)) = line.split_once("  ") else {
            panic!("SHA256SUMS line {}: not `<sha256>  <path>`: {line:?}", i + 1)
        };
        let bytes = std::fs::read(root.join(name)).unwrap_or_else(|e| panic!("datasets/{name}: {e}"));
        let got = format!("{:x}", Sha256::digest(&bytes));
        assert_eq!(got, hash, "datasets/{name} does not match SHA256SUMS");
        checked += 1;
    }
    // 144 MIT-BIH record files and the other data files.
    assert!(checked >= 160, "only {checked} files listed");
}

#[test]
fn mitdb_headers_keep_crlf_line_endings() {
    let hea = std::fs::read(datasets().join("mitdb/100.hea")).unwrap();
    assert!(hea.windows(2).any(|w| w == b"\r\n"), "100.hea lost its CRLF line endings");
}
