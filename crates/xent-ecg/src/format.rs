//! WFDB signal storage formats: how many bytes a run of samples takes and how to turn those bytes
//! into digital values.
//!
//! | format | layout |
//! |---|---|
//! | 8 | 8-bit first differences (two's complement); sample `j` is the header's initial value plus the differences `0..=j` (as wfdb-python computes it) |
//! | 16 | 16-bit two's complement, little-endian |
//! | 24 | 24-bit two's complement, little-endian |
//! | 32 | 32-bit two's complement, little-endian |
//! | 61 | 16-bit two's complement, big-endian |
//! | 80 | 8-bit offset binary (stored byte − 128) |
//! | 160 | 16-bit offset binary, little-endian (stored value − 32768) |
//! | 212 | two 12-bit two's-complement samples in 3 bytes; an odd last sample takes 2 bytes |
//! | 310 | three 10-bit samples in 4 bytes: bits 1–7 of bytes 0 and 2 with bits 0–2 of bytes 1 and 3 for the first two, bits 3–7 of bytes 1 and 3 for the third |
//! | 311 | three 10-bit samples in 4 bytes, packed from the least significant bit of byte 0 (bits 0–9, 10–19, 20–29 of the little-endian word) |
//!
//! A trailing partial group of 212, 310 or 311 takes the bytes its samples reach: 2 bytes for one
//! sample of 212, 310 or 311, 4 for two samples of 310 and 3 for two samples of 311 (wfdb-python's
//! `_required_byte_num`). Bits 30–31 of a 311 word are unused and ignored, as the WFDB library
//! does (wfdb-python reads bit 30 into the third sample). Each format is decoded by its own loop:
//! the format is matched once per run of samples, never per sample.

use serde::Serialize;

/// A WFDB signal storage format this reader decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Format {
    /// 8-bit first differences.
    Diff8,
    /// 16-bit little-endian.
    Le16,
    /// 24-bit little-endian.
    Le24,
    /// 32-bit little-endian.
    Le32,
    /// 16-bit big-endian.
    Be16,
    /// 8-bit offset binary.
    Offset8,
    /// 16-bit offset binary.
    Offset16,
    /// Two 12-bit samples in 3 bytes.
    Packed212,
    /// Three 10-bit samples in 4 bytes (format 310).
    Packed310,
    /// Three 10-bit samples in 4 bytes (format 311).
    Packed311,
}

/// The format numbers [`Format::from_code`] accepts.
pub const SUPPORTED: [u16; 10] = [8, 16, 24, 32, 61, 80, 160, 212, 310, 311];

impl Format {
    /// The format numbered `code` in a header, or `None` if this reader does not decode it.
    pub fn from_code(code: u16) -> Option<Self> {
        Some(match code {
            8 => Self::Diff8,
            16 => Self::Le16,
            24 => Self::Le24,
            32 => Self::Le32,
            61 => Self::Be16,
            80 => Self::Offset8,
            160 => Self::Offset16,
            212 => Self::Packed212,
            310 => Self::Packed310,
            311 => Self::Packed311,
            _ => return None,
        })
    }

    /// The format's number in a header.
    pub fn code(self) -> u16 {
        match self {
            Self::Diff8 => 8,
            Self::Le16 => 16,
            Self::Le24 => 24,
            Self::Le32 => 32,
            Self::Be16 => 61,
            Self::Offset8 => 80,
            Self::Offset16 => 160,
            Self::Packed212 => 212,
            Self::Packed310 => 310,
            Self::Packed311 => 311,
        }
    }

    /// Bytes that `n` consecutive samples take, or `None` if the size overflows `usize`.
    pub fn bytes_needed(self, n: usize) -> Option<usize> {
        let groups = |per: usize, bytes: usize, tail: [usize; 3]| (n / per).checked_mul(bytes)?.checked_add(tail[n % per]);
        match self {
            Self::Diff8 | Self::Offset8 => Some(n),
            Self::Le16 | Self::Be16 | Self::Offset16 => n.checked_mul(2),
            Self::Le24 => n.checked_mul(3),
            Self::Le32 => n.checked_mul(4),
            Self::Packed212 => groups(2, 3, [0, 2, 0]),
            Self::Packed310 => groups(3, 4, [0, 2, 4]),
            Self::Packed311 => groups(3, 4, [0, 2, 3]),
        }
    }

    /// The most samples that `len` bytes hold completely.
    pub fn samples_in(self, len: usize) -> usize {
        match self {
            Self::Diff8 | Self::Offset8 => len,
            Self::Le16 | Self::Be16 | Self::Offset16 => len / 2,
            Self::Le24 => len / 3,
            Self::Le32 => len / 4,
            Self::Packed212 => len / 3 * 2 + usize::from(len % 3 == 2),
            Self::Packed310 => len / 4 * 3 + usize::from(len % 4 >= 2),
            Self::Packed311 => len / 4 * 3 + [0, 0, 1, 2][len % 4],
        }
    }

    /// The digital value that marks a missing sample (wfdb-python's `INVALID_SAMPLE_VALUE`): the
    /// most negative value of the format's range. wfdb-python has none for format 8 (its range is
    /// 32 bits wide); −2^31 is used there.
    pub fn invalid_sample(self) -> i32 {
        match self {
            Self::Offset8 => -128,
            Self::Packed310 | Self::Packed311 => -512,
            Self::Packed212 => -2048,
            Self::Le16 | Self::Be16 | Self::Offset16 => -32768,
            Self::Le24 => -(1 << 23),
            Self::Le32 | Self::Diff8 => i32::MIN,
        }
    }

    /// ADC resolution in bits assumed when a header gives none (or 0).
    pub fn default_adc_res(code: u16) -> u32 {
        match code {
            80 => 8,
            310 | 311 => 10,
            212 => 12,
            24 => 24,
            32 => 32,
            _ => 16,
        }
    }

    /// Appends the first `n` samples stored in `bytes` to `out`, as stored: format 8 gives its
    /// differences (the running sum needs each signal's initial value, see
    /// [`crate::dat::decode_file`]). Returns `None`, appending nothing, if `bytes` is too short.
    pub fn decode(self, bytes: &[u8], n: usize, out: &mut Vec<i32>) -> Option<()> {
        let bytes = bytes.get(..self.bytes_needed(n)?)?;
        out.reserve(n);
        match self {
            Self::Diff8 => out.extend(bytes.iter().map(|&b| i32::from(b as i8))),
            Self::Offset8 => out.extend(bytes.iter().map(|&b| i32::from(b) - 128)),
            Self::Le16 => out.extend(bytes.chunks_exact(2).map(|c| i32::from(i16::from_le_bytes([c[0], c[1]])))),
            Self::Be16 => out.extend(bytes.chunks_exact(2).map(|c| i32::from(i16::from_be_bytes([c[0], c[1]])))),
            Self::Offset16 => out.extend(bytes.chunks_exact(2).map(|c| i32::from(u16::from_le_bytes([c[0], c[1]])) - 32768)),
            Self::Le24 => out.extend(bytes.chunks_exact(3).map(|c| i32::from_le_bytes([0, c[0], c[1], c[2]]) >> 8)),
            Self::Le32 => out.extend(bytes.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
            Self::Packed212 => decode_212(bytes, out),
            Self::Packed310 => decode_310(bytes, n, out),
            Self::Packed311 => decode_311(bytes, n, out),
        }
        Some(())
    }
}

#[inline(always)]
fn sext12(v: u16) -> i32 {
    i32::from(((v << 4) as i16) >> 4)
}

#[inline(always)]
fn sext10(v: u16) -> i32 {
    i32::from(((v << 6) as i16) >> 6)
}

/// The two samples of one 212 group.
#[inline(always)]
pub(crate) fn unpack_212(g: &[u8]) -> (i32, i32) {
    let (b0, b1, b2) = (u16::from(g[0]), u16::from(g[1]), u16::from(g[2]));
    (sext12(b0 | ((b1 & 0x0F) << 8)), sext12(b2 | ((b1 & 0xF0) << 4)))
}

/// `bytes` holds exactly the bytes of `n` samples.
fn decode_212(bytes: &[u8], out: &mut Vec<i32>) {
    let mut groups = bytes.chunks_exact(3);
    for g in &mut groups {
        let (a, b) = unpack_212(g);
        out.push(a);
        out.push(b);
    }
    if let [b0, b1] = groups.remainder() {
        out.push(sext12(u16::from(*b0) | ((u16::from(*b1) & 0x0F) << 8)));
    }
}

fn unpack_310(b: [u16; 4]) -> [i32; 3] {
    [
        sext10((b[0] >> 1) | ((b[1] & 0x07) << 7)),
        sext10((b[2] >> 1) | ((b[3] & 0x07) << 7)),
        sext10(((b[1] >> 3) & 0x1F) | (((b[3] >> 3) & 0x1F) << 5)),
    ]
}

fn unpack_311(b: [u16; 4]) -> [i32; 3] {
    [
        sext10(b[0] | ((b[1] & 0x03) << 8)),
        sext10((b[1] >> 2) | ((b[2] & 0x0F) << 6)),
        sext10((b[2] >> 4) | ((b[3] & 0x3F) << 4)),
    ]
}

/// Decodes the 4-byte groups of 310 or 311; a partial last group is zero-padded and only the
/// samples it holds are kept (`bytes` holds exactly the bytes of `n` samples).
fn decode_3_in_4(bytes: &[u8], n: usize, out: &mut Vec<i32>, unpack: fn([u16; 4]) -> [i32; 3]) {
    // Two samples of 310 take a whole 4-byte group: split by sample count, not by bytes.
    let (full, rest) = bytes.split_at((n / 3 * 4).min(bytes.len()));
    for g in full.chunks_exact(4) {
        out.extend(unpack([u16::from(g[0]), u16::from(g[1]), u16::from(g[2]), u16::from(g[3])]));
    }
    if !n.is_multiple_of(3) {
        let mut b = [0u16; 4];
        for (d, &s) in b.iter_mut().zip(rest) {
            *d = u16::from(s);
        }
        out.extend_from_slice(&unpack(b)[..n % 3]);
    }
}

fn decode_310(bytes: &[u8], n: usize, out: &mut Vec<i32>) {
    decode_3_in_4(bytes, n, out, unpack_310);
}

fn decode_311(bytes: &[u8], n: usize, out: &mut Vec<i32>) {
    decode_3_in_4(bytes, n, out, unpack_311);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(f: u16, bytes: &[u8], n: usize) -> Option<Vec<i32>> {
        let mut v = Vec::new();
        Format::from_code(f)?.decode(bytes, n, &mut v).map(|()| v)
    }

    #[test]
    fn byte_aligned_formats_by_hand() {
        assert_eq!(dec(8, &[0x01, 0xFF, 0x80], 3).unwrap(), vec![1, -1, -128]);
        assert_eq!(dec(80, &[0x00, 0x80, 0xFF], 3).unwrap(), vec![-128, 0, 127]);
        assert_eq!(dec(16, &[0x01, 0x00, 0xFF, 0xFF, 0x00, 0x80], 3).unwrap(), vec![1, -1, -32768]);
        assert_eq!(dec(61, &[0x00, 0x01, 0xFF, 0xFE], 2).unwrap(), vec![1, -2]);
        assert_eq!(dec(160, &[0x00, 0x80, 0x00, 0x00, 0xFF, 0xFF], 3).unwrap(), vec![0, -32768, 32767]);
        assert_eq!(dec(24, &[0x01, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x80], 3).unwrap(), vec![1, -1, -(1 << 23)]);
        assert_eq!(dec(32, &[0xFF, 0xFF, 0xFF, 0x7F, 0x00, 0x00, 0x00, 0x80], 2).unwrap(), vec![i32::MAX, i32::MIN]);
        assert!(dec(16, &[0x01], 1).is_none());
        assert!(dec(999, &[], 0).is_none());
    }

    #[test]
    fn packed_formats_by_hand() {
        // 212: 0x123 and 0x456: b0 = 0x23, b1 = (0x4 << 4) | 0x1, b2 = 0x56; odd count in 2 bytes.
        assert_eq!(dec(212, &[0x23, 0x41, 0x56, 0xFF, 0x07], 3).unwrap(), vec![0x123, 0x456, 0x7FF]);
        assert_eq!(dec(212, &[0xFF, 0x8F, 0x00], 2).unwrap(), vec![-1, -2048]);
        // 311: samples 1, -1, -512 → word = 1 | 0x3FF << 10 | 0x200 << 20.
        let w: u32 = 1 | (0x3FF << 10) | (0x200 << 20);
        assert_eq!(dec(311, &w.to_le_bytes(), 3).unwrap(), vec![1, -1, -512]);
        assert_eq!(dec(311, &w.to_le_bytes()[..3], 2).unwrap(), vec![1, -1]);
        // Bits 30–31 are ignored.
        assert_eq!(dec(311, &(w | 0xC000_0000).to_le_bytes(), 3).unwrap(), vec![1, -1, -512]);
        // 310: samples 5, -3, 300: s0 = 5 → b0 = 5 << 1 = 0x0A, b1 low 3 bits = 0;
        // s1 = -3 = 0x3FD → b2 = (0x7D << 1), b3 low 3 = 0x7; s2 = 300 = 0x12C → low 5 = 0x0C in
        // b1 bits 3–7, high 5 = 0x09 in b3 bits 3–7.
        let b = [0x0A, 0x0C << 3, 0x7D << 1, 0x07 | (0x09 << 3)];
        assert_eq!(dec(310, &b, 3).unwrap(), vec![5, -3, 300]);
        assert_eq!(dec(310, &b[..2], 1).unwrap(), vec![5]);
        assert_eq!(dec(310, &b, 2).unwrap(), vec![5, -3]);
        for f in [310, 311] {
            for n in 0..10 {
                assert_eq!(dec(f, &[0; 16], n).unwrap().len(), n, "{f} {n}");
            }
        }
        assert!(dec(310, &b[..3], 2).is_none());
    }

    #[test]
    fn sizes_and_inverse() {
        for f in SUPPORTED {
            let f = Format::from_code(f).unwrap();
            assert_eq!(Format::from_code(f.code()), Some(f));
            for n in 0..20 {
                let b = f.bytes_needed(n).unwrap();
                assert!(f.samples_in(b) >= n && f.bytes_needed(f.samples_in(b)).unwrap() <= b, "{f:?} {n}");
                assert!(f.samples_in(b - usize::from(b > 0)) < n.max(1), "{f:?} {n}");
            }
            assert_eq!(f.bytes_needed(usize::MAX).filter(|_| f != Format::Diff8 && f != Format::Offset8), None);
        }
        assert_eq!(Format::Packed311.bytes_needed(5), Some(7));
        assert_eq!(Format::Packed310.bytes_needed(5), Some(8));
    }
}
