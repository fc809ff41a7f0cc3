//! The tokenizer: training on a real split, fixed length, round trip through `tokenizer.json`,
//! empty documents, and (when Python `tokenizers` is installed) identical ids in Python.

use std::path::PathBuf;
use std::process::Command;

use xent_text::corpus::bbc;
use xent_text::{TextTokenizer, TokenizerConfig, TokenizerKind};

fn data(p: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets")).join(p)
}

fn sample_texts() -> Vec<String> {
    let c = bbc::load_csv(&data("bbc/bbc_news.csv.gz")).unwrap();
    let mut t: Vec<String> = c.train.iter().step_by(9).map(|d| d.text.clone()).collect();
    // sport/199.txt (Latin-1 fallback), punctuation, unknown words, case, an empty text.
    t.push(c.train.iter().find(|d| d.id == "sport/199.txt").unwrap().text.clone());
    t.push("Ünïcode café — £600m, U.S. \"quotes\" (brackets)! zzzqqqxxx".into());
    t.push(String::new());
    t.push("   \n\t ".into());
    t
}

fn python() -> Option<String> {
    let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv/bin/python3");
    [venv, "python3"].into_iter().map(String::from).find(|p| {
        Command::new(p).args(["-c", "import tokenizers"]).output().is_ok_and(|o| o.status.success())
    })
}

#[test]
fn word_level_fixed_length_and_round_trip() {
    let texts = sample_texts();
    let cfg = TokenizerConfig { max_len: 64, vocab_size: 5000, ..Default::default() };
    let tok = TextTokenizer::train(&cfg, texts.iter()).unwrap();
    assert_eq!(tok.vocab_size(), 5000);
    assert_eq!(tok.inner().token_to_id("[PAD]"), Some(0));
    assert_eq!(tok.inner().token_to_id("[UNK]"), Some(1));
    let enc = tok.encode(&texts).unwrap();
    assert_eq!(enc.ids.len(), texts.len() * 64);
    let n = texts.len();
    // The two blank texts are empty after tokenisation: kept, all padding, counted.
    assert_eq!(enc.empty, [n - 2, n - 1]);
    assert!(enc.ids[(n - 1) * 64..].iter().all(|&i| i == 0));
    assert!(enc.truncated > 0 && enc.unknown > 0);
    // Lower-casing and punctuation splitting: "The,said." is the , said .
    let e = tok.encode(&["The,said. Zzzqqq"]).unwrap();
    let id = |w: &str| tok.inner().token_to_id(w).unwrap() as i32;
    assert_eq!(&e.ids[..5], &[id("the"), id(","), id("said"), id("."), 1]);
    assert_eq!(e.ids[5], 0);
    // Truncation keeps the beginning.
    let long = "the ".repeat(100) + "zebra";
    let e = tok.encode(&[long]).unwrap();
    assert!(e.ids.iter().all(|&i| i == id("the")));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokenizer.json");
    tok.save(&path).unwrap();
    let back = TextTokenizer::load(&path).unwrap();
    assert_eq!(back.max_len(), 64);
    assert_eq!(back.vocab_size(), tok.vocab_size());
    assert_eq!(back.encode(&texts).unwrap(), enc);
}

#[test]
fn bpe_and_wordpiece_train_and_round_trip() {
    let texts = sample_texts();
    for kind in [TokenizerKind::Bpe, TokenizerKind::WordPiece] {
        let cfg = TokenizerConfig { kind, max_len: 32, vocab_size: 2000, ..Default::default() };
        let tok = TextTokenizer::train(&cfg, texts.iter()).unwrap();
        assert!(tok.vocab_size() <= 2000 && tok.vocab_size() > 100, "{kind:?}: {}", tok.vocab_size());
        let enc = tok.encode(&texts).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokenizer.json");
        tok.save(&path).unwrap();
        assert_eq!(TextTokenizer::load(&path).unwrap().encode(&texts).unwrap(), enc, "{kind:?}");
    }
}

#[test]
fn bad_tokenizer_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("tokenizer.json");
    std::fs::write(&p, "{not json").unwrap();
    let e = TextTokenizer::load(&p).unwrap_err().to_string();
    assert!(e.contains("tokenizer.json"), "{e}");
}

#[test]
fn tokenizer_python_parity() {
    let Some(py) = python() else {
        println!("note: Python `tokenizers` is not installed; the parity check with Python was skipped");
        return;
    };
    let texts = sample_texts();
    let dir = tempfile::tempdir().unwrap();
    for kind in [TokenizerKind::WordLevel, TokenizerKind::Bpe, TokenizerKind::WordPiece] {
        let cfg = TokenizerConfig { kind, max_len: 48, vocab_size: 3000, ..Default::default() };
        let tok = TextTokenizer::train(&cfg, texts.iter()).unwrap();
        let tj = dir.path().join("tokenizer.json");
        let xj = dir.path().join("texts.json");
        tok.save(&tj).unwrap();
        std::fs::write(&xj, serde_json::to_string(&texts).unwrap()).unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/tokenizer_parity.py");
        let out = Command::new(&py).arg(script).arg(&tj).arg(&xj).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let py_ids: Vec<i32> =
            v["ids"].as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_i64().unwrap() as i32)).collect();
        assert_eq!(py_ids, tok.encode(&texts).unwrap().ids, "{kind:?}: ids differ from Python tokenizers {}", v["version"]);
        println!("{kind:?}: identical ids in Python tokenizers {}", v["version"]);
    }
}
