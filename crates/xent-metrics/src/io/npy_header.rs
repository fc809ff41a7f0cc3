//! The `.npy` header, parsed here in one linear pass instead of by a general Python-literal
//! parser: a nested literal such as `{{{{…` made `npyz`'s parser (`py_literal`) take time
//! exponential in the nesting depth (see `docs/reliability.md`).
//!
//! The format (NumPy's `format.py`): the magic `\x93NUMPY`, a major and a minor version byte, the
//! header length (`u16` little-endian for version 1, `u32` for versions 2 and 3), then the header:
//! a Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` padded with
//! spaces and a newline. Only that grammar is accepted: exactly the three keys, a string `descr`
//! (structured dtypes, which are lists, are refused), `True`/`False`, a tuple of integers.

use super::limits::MAX_NPY_HEADER_BYTES;

/// The element type of a plain dtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementKind {
    /// `f`: IEEE float.
    Float,
    /// `i`: signed integer.
    Int,
    /// `u`: unsigned integer.
    Uint,
    /// `b` or `?`: boolean, one byte.
    Bool,
}

/// A plain dtype such as `<f4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dtype {
    /// Element kind.
    pub kind: ElementKind,
    /// Bytes per element.
    pub size: usize,
    /// Big-endian byte order (`>`, or `=` on a big-endian machine).
    pub big_endian: bool,
}

/// A parsed `.npy` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyHeader {
    /// The dtype.
    pub dtype: Dtype,
    /// Column-major data.
    pub fortran_order: bool,
    /// The shape.
    pub shape: Vec<usize>,
    /// Byte offset of the data.
    pub data_offset: usize,
}

impl NpyHeader {
    /// Number of elements, `None` on overflow.
    pub fn elements(&self) -> Option<usize> {
        self.shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
    }

    /// Number of data bytes the shape needs, `None` on overflow.
    pub fn data_bytes(&self) -> Option<usize> {
        self.elements()?.checked_mul(self.dtype.size)
    }
}

/// Parses the preamble and header at the start of `bytes`. The error message says what is
/// wrong (the caller adds the file).
///
/// # Errors
/// A missing magic string, an unknown version, a header longer than
/// [`MAX_NPY_HEADER_BYTES`] or past the end of the file, or a header outside the grammar above.
pub fn parse_npy_header(bytes: &[u8]) -> Result<NpyHeader, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a valid .npy file: no \\x93NUMPY magic string".into());
    }
    let (len, start) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 => {
            let b = bytes.get(8..12).ok_or("not a valid .npy file: truncated preamble")?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)
        }
        v => return Err(format!("not a valid .npy file: unknown format version {v}")),
    };
    if len > MAX_NPY_HEADER_BYTES {
        return Err(format!("not a valid .npy file: header of {len} bytes, more than {MAX_NPY_HEADER_BYTES}"));
    }
    let end = start + len;
    let header = bytes.get(start..end).ok_or_else(|| {
        format!("not a valid .npy file: the header needs {len} bytes but the file ends after {}", bytes.len() - start)
    })?;
    let text = std::str::from_utf8(header).map_err(|_| "not a valid .npy file: header is not UTF-8".to_owned())?;
    let (dtype, fortran_order, shape) = Parser { s: text.as_bytes(), i: 0 }.dict()?;
    Ok(NpyHeader { dtype, fortran_order, shape, data_offset: end })
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

fn bad(what: impl std::fmt::Display) -> String {
    format!("not a valid .npy file: header {what}")
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(bad(format_args!("at byte {}: expected '{}'", self.i, c as char)))
        }
    }

    fn string(&mut self) -> Result<&str, String> {
        let quote = self.peek().filter(|&q| q == b'\'' || q == b'"').ok_or_else(|| bad(format_args!("at byte {}: expected a string", self.i)))?;
        let start = self.i + 1;
        let len = self.s[start..].iter().position(|&c| c == quote).ok_or_else(|| bad("has an unterminated string"))?;
        self.i = start + len + 1;
        std::str::from_utf8(&self.s[start..start + len]).map_err(|_| bad("has a string that is not UTF-8"))
    }

    fn word(&mut self) -> &[u8] {
        self.ws();
        let start = self.i;
        while self.i < self.s.len() && (self.s[self.i].is_ascii_alphanumeric() || self.s[self.i] == b'_') {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    fn dict(mut self) -> Result<(Dtype, bool, Vec<usize>), String> {
        self.expect(b'{')?;
        let (mut descr, mut fortran, mut shape) = (None, None, None);
        while self.peek() != Some(b'}') {
            let key = self.string()?.to_owned();
            self.expect(b':')?;
            match key.as_str() {
                "descr" if descr.is_none() => {
                    if self.peek() == Some(b'[') {
                        return Err("structured dtypes are not supported; save a plain numeric array".into());
                    }
                    descr = Some(parse_descr(self.string()?)?);
                }
                "fortran_order" if fortran.is_none() => {
                    fortran = Some(match self.word() {
                        b"True" => true,
                        b"False" => false,
                        _ => return Err(bad("'fortran_order' is neither True nor False")),
                    });
                }
                "shape" if shape.is_none() => shape = Some(self.shape()?),
                other => return Err(bad(format_args!("has an unexpected or repeated key {other:?}"))),
            }
            if self.peek() == Some(b',') {
                self.i += 1;
            } else if self.peek() != Some(b'}') {
                return Err(bad(format_args!("at byte {}: expected ',' or '}}'", self.i)));
            }
        }
        self.i += 1;
        if self.peek().is_some() {
            return Err(bad(format_args!("has text after the dict at byte {}", self.i)));
        }
        match (descr, fortran, shape) {
            (Some(d), Some(f), Some(s)) => Ok((d, f, s)),
            _ => Err(bad("lacks one of 'descr', 'fortran_order', 'shape'")),
        }
    }

    fn shape(&mut self) -> Result<Vec<usize>, String> {
        self.expect(b'(')?;
        let mut dims = Vec::new();
        while self.peek() != Some(b')') {
            let digits = self.word();
            let digits = digits.strip_suffix(b"L").unwrap_or(digits);
            let d = std::str::from_utf8(digits)
                .ok()
                .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|d| d.parse::<usize>().ok())
                .ok_or_else(|| bad("'shape' is not a tuple of non-negative integers that fit in usize"))?;
            dims.push(d);
            if self.peek() == Some(b',') {
                self.i += 1;
            } else if self.peek() != Some(b')') {
                return Err(bad("'shape' is not a tuple of integers"));
            }
        }
        self.i += 1;
        Ok(dims)
    }
}

fn parse_descr(d: &str) -> Result<Dtype, String> {
    let unsupported = || format!("unsupported dtype {d:?}; expected a float (f4/f8), integer or bool array");
    let (order, rest) = match d.as_bytes().first() {
        Some(b'<' | b'>' | b'|' | b'=') => (d.as_bytes()[0], &d[1..]),
        _ => (b'=', d),
    };
    let big_endian = order == b'>' || (order == b'=' && cfg!(target_endian = "big"));
    if rest == "?" {
        return Ok(Dtype { kind: ElementKind::Bool, size: 1, big_endian });
    }
    let mut chars = rest.chars();
    let kind = match chars.next() {
        Some('f') => ElementKind::Float,
        Some('i') => ElementKind::Int,
        Some('u') => ElementKind::Uint,
        Some('b') => ElementKind::Bool,
        _ => return Err(unsupported()),
    };
    let size: usize = chars.as_str().parse().map_err(|_| unsupported())?;
    let ok = match kind {
        ElementKind::Float => matches!(size, 4 | 8),
        ElementKind::Int | ElementKind::Uint => matches!(size, 1 | 2 | 4 | 8),
        ElementKind::Bool => size == 1,
    };
    if !ok {
        return Err(unsupported());
    }
    Ok(Dtype { kind, size, big_endian })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(header: &str) -> Vec<u8> {
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(header.len() as u16).to_le_bytes());
        b.extend_from_slice(header.as_bytes());
        b
    }

    #[test]
    fn reads_what_numpy_writes() {
        let h = parse_npy_header(&file("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }          \n")).unwrap();
        assert_eq!(h.dtype, Dtype { kind: ElementKind::Float, size: 4, big_endian: false });
        assert_eq!(h.shape, vec![3, 4]);
        assert!(!h.fortran_order);
        let h = parse_npy_header(&file("{'descr': '|b1', 'fortran_order': True, 'shape': (5L,), }\n")).unwrap();
        assert_eq!(h.shape, vec![5]);
        assert!(h.fortran_order);
        assert_eq!(parse_npy_header(&file("{\"descr\":\">i8\",\"fortran_order\":False,\"shape\":()}")).unwrap().shape, Vec::<usize>::new());
    }

    #[test]
    fn nested_braces_fail_at_once() {
        let start = std::time::Instant::now();
        let err = parse_npy_header(&file(&format!("{}\n", "{".repeat(170)))).unwrap_err();
        assert!(err.contains("not a valid .npy file"), "{err}");
        assert!(start.elapsed().as_millis() < 100);
    }

    #[test]
    fn malformed_headers_are_refused() {
        for h in [
            "{'descr': '<f4', 'fortran_order': False}",
            "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}",
            "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}",
            "{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}",
            "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,)}",
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x",
        ] {
            assert!(parse_npy_header(&file(h)).is_err(), "{h}");
        }
        let mut truncated = file("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}");
        truncated.truncate(20);
        assert!(parse_npy_header(&truncated).unwrap_err().contains("file ends"));
    }
}
