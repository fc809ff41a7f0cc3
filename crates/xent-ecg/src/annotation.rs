//! MIT annotation files (`.atr`): 16-bit little-endian words `A:6 | I:10` (code, time increment),
//! with the pseudo-codes SKIP (59, a 32-bit interval follows), NUM (60), SUB (61), CHN (62) and
//! AUX (63, `I` bytes of text follow, padded to an even length). `A = 0, I = 0` ends the file.
//! The modifier words follow the annotation they modify. Every other code is an annotation, as in
//! WFDB's `getann` and wfdb-python's `rdann`: 1–41 are the standard codes (wfdb-python's
//! `ann_label_table`), 0 with `I > 0` is a null annotation (`NOTQRS`, which WFDB's `putann` writes
//! after a SKIP), and the codes no standard assigns (15, 17, 42–58) are kept with the symbol
//! `[NN]` (wfdb-python gives them no symbol).

use std::path::Path;

use serde::Serialize;

use crate::aami::AamiClass;
use crate::error::{EcgError, Result};

/// Pseudo-code: a 32-bit time interval follows.
pub const SKIP: u8 = 59;
/// Pseudo-code: sets the `num` field.
pub const NUM: u8 = 60;
/// Pseudo-code: sets the `subtype` field.
pub const SUB: u8 = 61;
/// Pseudo-code: sets the `chan` field.
pub const CHN: u8 = 62;
/// Pseudo-code: auxiliary text follows.
pub const AUX: u8 = 63;
/// Largest annotation code WFDB defines (`ACMAX`); 50–58 are kept as unassigned codes, 59–63 are
/// pseudo-codes.
pub const ACMAX: u8 = 49;
/// The rhythm-change annotation code (`+`); its aux text names the rhythm, e.g. `(AFIB`.
pub const RHYTHM: u8 = 28;

/// WFDB mnemonic of each annotation code 0..=58 (`annot.c`'s `cstring`; wfdb-python's
/// `ann_label_table` for 0–41); `[NN]` for the codes no standard assigns.
const SYMBOLS: [&str; 59] = [
    " ", "N", "L", "R", "a", "V", "F", "J", "A", "S", "E", "j", "/", "Q", "~", "[15]", "|", "[17]", "s", "T", "*", "D",
    "\"", "=", "p", "B", "^", "t", "+", "u", "?", "!", "[", "]", "e", "n", "@", "x", "f", "(", ")", "r", "[42]", "[43]",
    "[44]", "[45]", "[46]", "[47]", "[48]", "[49]", "[50]", "[51]", "[52]", "[53]", "[54]", "[55]", "[56]", "[57]",
    "[58]",
];

/// Codes WFDB's `isqrs` counts as beats: N L R B A a J S V r F e j n E / f Q ?.
const BEAT_CODES: [u8; 19] = [1, 2, 3, 25, 8, 4, 7, 9, 5, 41, 6, 34, 11, 35, 10, 12, 38, 13, 30];

/// The symbol of annotation code `code` (`"[NN]"` for unassigned codes, `"[?]"` beyond 58).
pub fn symbol(code: u8) -> &'static str {
    SYMBOLS.get(usize::from(code)).copied().unwrap_or("[?]")
}

/// The code of a symbol, if it is one of the WFDB mnemonics.
pub fn code_of(symbol: &str) -> Option<u8> {
    SYMBOLS.iter().position(|&s| s == symbol).and_then(|i| u8::try_from(i).ok())
}

/// Whether `code` is a beat annotation (WFDB `isqrs`).
pub fn is_beat(code: u8) -> bool {
    BEAT_CODES.contains(&code)
}

/// One annotation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Annotation {
    /// Sample index (time) of the annotation.
    pub sample: i64,
    /// Annotation code (1 = `N`, 5 = `V`, 28 = rhythm change, …).
    pub code: u8,
    /// Subtype (from a SUB word; 0 otherwise).
    pub subtype: i8,
    /// Signal number (from a CHN word; persists like in WFDB).
    pub chan: u8,
    /// Annotator number (from a NUM word; persists like in WFDB).
    pub num: i8,
    /// Auxiliary text (from an AUX word), e.g. `(AFIB` on a rhythm change.
    pub aux: Option<String>,
}

impl Annotation {
    /// The WFDB symbol (`N`, `V`, `+`, …).
    pub fn symbol(&self) -> &'static str {
        symbol(self.code)
    }

    /// Whether this is a beat annotation.
    pub fn is_beat(&self) -> bool {
        is_beat(self.code)
    }

    /// The AAMI class of a beat annotation (`None` for non-beats and unmapped beat symbols).
    pub fn aami(&self) -> Option<AamiClass> {
        AamiClass::from_symbol(self.symbol())
    }

    /// The rhythm this annotation starts, for a rhythm change (`+` with aux text like `(N`).
    pub fn rhythm(&self) -> Option<&str> {
        if self.code == RHYTHM {
            self.aux.as_deref().map(|s| s.trim_end_matches('\0'))
        } else {
            None
        }
    }
}

/// Reads and parses an annotation file.
pub fn read(path: &Path) -> Result<Vec<Annotation>> {
    let bytes = crate::input::read_regular(path, crate::input::MAX_ANNOTATION_BYTES)?;
    parse(&bytes, path)
}

/// Parses MIT-format annotation bytes; `path` is used in error messages only.
///
/// The file must end with the `0 0` word, and nothing may follow it. Errors name the byte offset:
/// a file that ends inside a word, a SKIP interval or an AUX string, or right after a SKIP; a file
/// that ends without the `0 0` word (WFDB's `getann` reports an "unexpected EOF" there, and
/// wfdb-python silently drops the last annotation); bytes after the `0 0` word; a time that
/// overflows.
pub fn parse(bytes: &[u8], path: &Path) -> Result<Vec<Annotation>> {
    let err = |offset: usize, message: String| EcgError::Annotation { path: path.into(), offset, message };
    let mut out: Vec<Annotation> = Vec::with_capacity(bytes.len() / 2);
    let mut last_complete = 0usize;
    let mut time: i64 = 0;
    let mut chan: u8 = 0;
    let mut num: i8 = 0;
    let mut pos = 0usize;
    let mut pending_skip: Option<usize> = None;
    let word_at = |pos: usize| -> Option<u16> {
        let b = bytes.get(pos..pos.checked_add(2)?)?;
        Some(u16::from_le_bytes([b[0], b[1]]))
    };
    while pos < bytes.len() {
        let Some(w) = word_at(pos) else {
            return Err(err(pos, "file ends mid-annotation (odd trailing byte)".into()));
        };
        let a = (w >> 10) as u8;
        let i = w & 0x03FF;
        let here = pos;
        pos += 2;
        match a {
            0 if i == 0 => {
                if let Some(at) = pending_skip {
                    return Err(err(at, "SKIP not followed by an annotation".into()));
                }
                if pos < bytes.len() {
                    return Err(err(pos, format!("{} bytes after the end-of-file word (0x0000 at byte offset {here})", bytes.len() - pos)));
                }
                return Ok(out);
            }
            SKIP => {
                let (Some(hi), Some(lo)) = (word_at(pos), word_at(pos + 2)) else {
                    return Err(err(here, "file ends mid-annotation (SKIP without its 4-byte interval)".into()));
                };
                // PDP-11 long: high word first, each word little-endian.
                let interval = ((u32::from(hi) << 16) | u32::from(lo)) as i32;
                time = time.checked_add(i64::from(interval)).ok_or_else(|| err(here, "annotation time overflows".into()))?;
                pos += 4;
                pending_skip = Some(here);
            }
            NUM => {
                num = (i & 0xFF) as u8 as i8;
                if let Some(last) = out.last_mut() {
                    last.num = num;
                }
            }
            SUB => {
                let Some(last) = out.last_mut() else {
                    return Err(err(here, "SUB before any annotation".into()));
                };
                last.subtype = (i & 0xFF) as u8 as i8;
            }
            CHN => {
                chan = (i & 0xFF) as u8;
                if let Some(last) = out.last_mut() {
                    last.chan = chan;
                }
            }
            AUX => {
                let len = usize::from(i);
                let padded = len + (len & 1);
                let Some(text) = pos.checked_add(len).and_then(|end| bytes.get(pos..end)) else {
                    return Err(err(here, format!("file ends mid-annotation (AUX of {len} bytes, {} left)", bytes.len() - pos)));
                };
                if bytes.len() < pos + padded {
                    return Err(err(here, "file ends mid-annotation (AUX padding byte missing)".into()));
                }
                let Some(last) = out.last_mut() else {
                    return Err(err(here, "AUX before any annotation".into()));
                };
                let text = text.split(|&b| b == 0).next().unwrap_or(&[]);
                last.aux = Some(String::from_utf8_lossy(text).into_owned());
                pos += padded;
            }
            code => {
                time = time.checked_add(i64::from(i)).ok_or_else(|| err(here, "annotation time overflows".into()))?;
                last_complete = here;
                pending_skip = None;
                out.push(Annotation { sample: time, code, subtype: 0, chan, num, aux: None });
            }
        }
    }
    if let Some(at) = pending_skip {
        return Err(err(at, "file ends mid-annotation (SKIP not followed by an annotation)".into()));
    }
    let after = if out.is_empty() { String::new() } else { format!(" (last annotation at byte offset {last_complete})") };
    Err(err(bytes.len(), format!("file ends without the end-of-file word 0x0000{after}")))
}

/// Encodes annotations in the MIT format (times must be non-decreasing); used by tests and tools.
pub fn encode(annotations: &[Annotation]) -> Vec<u8> {
    let mut out = Vec::new();
    let word = |a: u8, i: u16, out: &mut Vec<u8>| out.extend_from_slice(&((u16::from(a) << 10) | (i & 0x3FF)).to_le_bytes());
    let mut time = 0i64;
    let (mut chan, mut num) = (0u8, 0i8);
    for ann in annotations {
        let mut delta = ann.sample - time;
        if !(0..=1023).contains(&delta) {
            word(SKIP, 0, &mut out);
            let d = delta as i32 as u32;
            out.extend_from_slice(&((d >> 16) as u16).to_le_bytes());
            out.extend_from_slice(&((d & 0xFFFF) as u16).to_le_bytes());
            delta = 0;
        }
        word(ann.code, delta as u16, &mut out);
        time = ann.sample;
        if ann.subtype != 0 {
            word(SUB, u16::from(ann.subtype as u8), &mut out);
        }
        if ann.chan != chan {
            chan = ann.chan;
            word(CHN, u16::from(chan), &mut out);
        }
        if ann.num != num {
            num = ann.num;
            word(NUM, u16::from(num as u8), &mut out);
        }
        if let Some(aux) = &ann.aux {
            let b = aux.as_bytes();
            let len = b.len().min(255);
            word(AUX, len as u16, &mut out);
            out.extend_from_slice(&b[..len]);
            if len % 2 == 1 {
                out.push(0);
            }
        }
    }
    word(0, 0, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann(sample: i64, code: u8) -> Annotation {
        Annotation { sample, code, subtype: 0, chan: 0, num: 0, aux: None }
    }

    #[test]
    fn parses_words_and_pseudo_codes_by_hand() {
        // N at 18, then + at 25 with aux "(N", then SKIP 100000, then V at 100025+3.
        let mut b = Vec::new();
        let w = |a: u16, i: u16| ((a << 10) | i).to_le_bytes();
        b.extend(w(1, 18));
        b.extend(w(28, 7));
        b.extend(w(63, 3));
        b.extend(*b"(N\0\0");
        b.extend(w(59, 0));
        b.extend(((100_000u32 >> 16) as u16).to_le_bytes());
        b.extend(((100_000u32 & 0xFFFF) as u16).to_le_bytes());
        b.extend(w(5, 3));
        b.extend(w(61, 2));
        b.extend(w(62, 1));
        b.extend(w(0, 0));
        let a = parse(&b, Path::new("t.atr")).unwrap();
        assert_eq!(a.len(), 3);
        assert_eq!((a[0].sample, a[0].symbol()), (18, "N"));
        assert_eq!((a[1].sample, a[1].symbol(), a[1].rhythm()), (25, "+", Some("(N")));
        assert_eq!((a[2].sample, a[2].symbol(), a[2].subtype, a[2].chan), (100_028, "V", 2, 1));
        assert!(a[0].is_beat() && !a[1].is_beat() && a[2].is_beat());
    }

    #[test]
    fn encode_parse_round_trip() {
        let mut v = vec![ann(10, 1), ann(2000, 5), ann(2000, 28), ann(70_000, 12)];
        v[2].aux = Some("(AFIB".into());
        v[3].subtype = -1;
        v[3].chan = 1;
        assert_eq!(parse(&encode(&v), Path::new("x")).unwrap(), v);
    }

    #[test]
    fn truncations_are_errors_with_offsets() {
        let full = encode(&[ann(10, 1), ann(20, 28)]);
        let e = parse(&full[..3], Path::new("r.atr")).unwrap_err().to_string();
        assert!(e.contains("r.atr: byte offset 2") && e.contains("mid-annotation"), "{e}");
        let mut aux = vec![ann(5, 28)];
        aux[0].aux = Some("(AFIB".into());
        let b = encode(&aux);
        let e = parse(&b[..6], Path::new("r.atr")).unwrap_err().to_string();
        assert!(e.contains("byte offset 2") && e.contains("AUX"), "{e}");
        let skip = encode(&[ann(5000, 1)]);
        let e = parse(&skip[..4], Path::new("r.atr")).unwrap_err().to_string();
        assert!(e.contains("byte offset 0") && e.contains("SKIP"), "{e}");
        let e = parse(&skip[..6], Path::new("r.atr")).unwrap_err().to_string();
        assert!(e.contains("SKIP not followed"), "{e}");
    }

    #[test]
    fn symbol_table() {
        assert_eq!(symbol(1), "N");
        assert_eq!(symbol(12), "/");
        assert_eq!(symbol(38), "f");
        assert_eq!(code_of("V"), Some(5));
        assert_eq!(symbol(200), "[?]");
        assert_eq!(symbol(53), "[53]");
        assert_eq!(code_of("[53]"), Some(53));
        let beats: String = BEAT_CODES.iter().map(|&c| symbol(c)).collect();
        assert_eq!(beats, "NLRBAaJSVrFejnE/fQ?");
    }
}
