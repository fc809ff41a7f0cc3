//! Topic corpora: documents with their label(s), a stable id and where they came from.
//!
//! - [`agnews`]: CSV in the AG News layout (`class,title,description`, 1-based classes declared
//!   in `classes.txt`);
//! - [`bbc`]: BBC News, from the header CSV or straight from the folder-per-class tarball, with
//!   its exact duplicates detected;
//! - [`reuters`]: Reuters-21578 SGML read straight from the tarball: ModApte, R8, R52 and the
//!   90-category multi-label task.
//!
//! A [`Corpus`] holds a training split and, where the corpus defines one, a test split. Corpora
//! without a test split (AG News test, BBC) are evaluated by stratified k-fold cross-validation
//! ([`Corpus::fold`]) or a held-out fraction ([`Corpus::holdout`]).

pub mod agnews;
pub mod bbc;
pub mod reuters;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Result, TextError};

/// Where a document starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file (for an archive member: `archive.tar.gz!member`).
    pub file: PathBuf,
    /// 1-based line (1 for a one-document file).
    pub line: usize,
}

/// One document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// A stable id (`business/001.txt`, `reuters-NEWID`, `agnews-test-ROW`).
    pub id: String,
    /// The text.
    pub text: String,
    /// Class indices into [`Corpus::classes`]: exactly one for single-label corpora, any number
    /// (possibly zero before a task filters) for multi-label ones.
    pub labels: Vec<u32>,
    /// Where it came from.
    pub origin: Origin,
}

/// A labelled corpus with its splits.
#[derive(Debug, Clone, PartialEq)]
pub struct Corpus {
    /// Short name (`r8`, `bbc`, …).
    pub name: String,
    /// Class names; labels index into this.
    pub classes: Vec<String>,
    /// Whether documents may carry several labels.
    pub multi_label: bool,
    /// Training documents (all documents for a corpus without a test split).
    pub train: Vec<Document>,
    /// Test documents (empty when the corpus defines no test split).
    pub test: Vec<Document>,
    /// Groups of training-document indices with identical text (each group ≥ 2, first = kept
    /// representative). Splits made by [`Corpus::fold`] and [`Corpus::holdout`] never put a
    /// member of a group into a test fold.
    pub duplicates: Vec<Vec<usize>>,
    /// Notes from loading (decoding fallbacks and the like), each naming its file.
    pub warnings: Vec<String>,
}

impl Corpus {
    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.classes.len()
    }

    /// Documents per class in `docs` (a multi-label document counts once per label).
    pub fn class_counts<'a>(&self, docs: impl IntoIterator<Item = &'a Document>) -> Vec<usize> {
        let mut c = vec![0; self.classes.len()];
        for d in docs {
            for &l in &d.labels {
                c[l as usize] += 1;
            }
        }
        c
    }

    /// Fills [`Corpus::duplicates`] with the groups of training documents whose text is
    /// byte-identical (after trimming surrounding whitespace). Returns the number of documents
    /// that duplicate an earlier one.
    pub fn detect_duplicates(&mut self) -> usize {
        let mut by_text: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, d) in self.train.iter().enumerate() {
            by_text.entry(d.text.trim()).or_default().push(i);
        }
        let mut groups: Vec<Vec<usize>> = by_text.into_values().filter(|g| g.len() > 1).collect();
        groups.sort();
        let extra = groups.iter().map(|g| g.len() - 1).sum();
        self.duplicates = groups;
        extra
    }

    /// Indices of training documents that belong to a duplicate group (never put in a test fold).
    fn duplicate_members(&self) -> Vec<bool> {
        let mut m = vec![false; self.train.len()];
        for g in &self.duplicates {
            for &i in g {
                m[i] = true;
            }
        }
        m
    }

    /// Fold `fold` (0-based) of a stratified `k`-fold cross-validation of the training
    /// documents: `(train, test)` index lists. Documents are dealt to folds class by class in an
    /// order shuffled by `seed`; duplicate-group members always stay in training.
    ///
    /// # Errors
    /// `k < 2` or `fold ≥ k`.
    pub fn fold(&self, k: usize, fold: usize, seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
        if k < 2 || fold >= k {
            return Err(TextError::InvalidArgument(format!("fold {fold} of {k}: need k ≥ 2 and fold < k")));
        }
        let assign = self.stratified_assignment(k, seed);
        let (mut tr, mut te) = (Vec::new(), Vec::new());
        for (i, a) in assign.into_iter().enumerate() {
            if a == Some(fold) { te.push(i) } else { tr.push(i) }
        }
        Ok((tr, te))
    }

    /// A stratified hold-out of about `fraction` of the training documents as test: fold 0 of
    /// `round(1 / fraction)` folds.
    ///
    /// # Errors
    /// `fraction` outside (0, 0.5].
    pub fn holdout(&self, fraction: f64, seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
        if !(fraction > 0.0 && fraction <= 0.5) {
            return Err(TextError::InvalidArgument(format!("hold-out fraction {fraction} is outside (0, 0.5]")));
        }
        self.fold((1.0 / fraction).round() as usize, 0, seed)
    }

    /// Fold of each training document (`None` = always training), dealt round-robin per first
    /// label after a seeded shuffle.
    fn stratified_assignment(&self, k: usize, seed: u64) -> Vec<Option<usize>> {
        let dup = self.duplicate_members();
        let order = xent_core::train::shuffled(&(0..self.train.len()).collect::<Vec<_>>(), seed);
        let mut next: BTreeMap<u32, usize> = BTreeMap::new();
        let mut out = vec![None; self.train.len()];
        for i in order {
            if dup[i] {
                continue;
            }
            let c = self.train[i].labels.first().copied().unwrap_or(u32::MAX);
            let n = next.entry(c).or_insert(0);
            out[i] = Some(*n % k);
            *n += 1;
        }
        out
    }

    /// Checks that every label of the test split occurs in training.
    ///
    /// # Errors
    /// [`TextError::LabelOnlyInTest`] naming the first test document (file and line) with such a
    /// label.
    pub fn check_labels(&self) -> Result<()> {
        check_labels(&self.classes, &self.train, &self.test)
    }
}

/// Checks that every label of `test` occurs in `train`.
///
/// # Errors
/// [`TextError::LabelOnlyInTest`] naming the first test document with such a label.
pub fn check_labels(classes: &[String], train: &[Document], test: &[Document]) -> Result<()> {
    let mut seen = vec![false; classes.len()];
    for d in train {
        for &l in &d.labels {
            seen[l as usize] = true;
        }
    }
    for d in test {
        if let Some(&l) = d.labels.iter().find(|&&l| !seen[l as usize]) {
            let count = test.iter().filter(|t| t.labels.contains(&l)).count();
            return Err(TextError::LabelOnlyInTest {
                path: d.origin.file.clone(),
                line: d.origin.line,
                id: d.id.clone(),
                label: classes[l as usize].clone(),
                count,
            });
        }
    }
    Ok(())
}

/// Largest corpus file after decompression (a `.csv`, `.csv.gz` or `.tar.gz` as a whole):
/// 256 MiB, ten times the largest carried corpus.
pub const MAX_CORPUS_BYTES: u64 = 256 << 20;

/// Largest CSV record (one document with its class and title): 1 MiB, forty times the longest
/// carried article.
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;

fn too_large(path: &Path, location: impl Into<String>, message: impl Into<String>) -> TextError {
    TextError::TooLarge { path: path.into(), location: location.into(), message: message.into() }
}

/// Checks that `path` is a regular file (not a FIFO, device or directory) and opens it.
fn open_regular(path: &Path) -> Result<std::fs::File> {
    let meta = std::fs::metadata(path).map_err(|e| TextError::io(path, e))?;
    if !meta.is_file() {
        return Err(too_large(path, "file", "not a regular file (a directory, FIFO or device)"));
    }
    std::fs::File::open(path).map_err(|e| TextError::io(path, e))
}

/// Reads at most `cap` bytes from `reader`; more is an error naming `path`.
fn read_capped(reader: impl Read, path: &Path, what: &str, cap: u64) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    reader.take(cap.saturating_add(1)).read_to_end(&mut out).map_err(|e| TextError::io(path, e))?;
    if out.len() as u64 > cap {
        return Err(too_large(path, "file", format!("{what} more than {cap} bytes")));
    }
    Ok(out)
}

/// Reads a whole file, gunzipping it when its name ends in `.gz`, up to [`MAX_CORPUS_BYTES`]
/// (decompressed).
pub(crate) fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let file = std::io::BufReader::new(open_regular(path)?);
    if path.extension().is_some_and(|e| e == "gz") {
        read_capped(flate2::read::MultiGzDecoder::new(file), path, "decompresses to", MAX_CORPUS_BYTES)
    } else {
        read_capped(file, path, "holds", MAX_CORPUS_BYTES)
    }
}

/// Refuses a CSV record longer than [`MAX_DOCUMENT_BYTES`], naming its line.
pub(crate) fn check_record(path: &Path, record: &csv::StringRecord, line: usize) -> Result<()> {
    let len = record.as_slice().len();
    if len > MAX_DOCUMENT_BYTES {
        return Err(too_large(path, format!("line {line}"), format!("a record of {len} bytes, more than {MAX_DOCUMENT_BYTES}")));
    }
    Ok(())
}

/// Every regular file of a `.tar.gz` (or plain `.tar`) archive: `(member path, bytes)`, in
/// archive order; at most [`MAX_CORPUS_BYTES`] in all (decompressed).
pub(crate) fn read_tar(path: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let file = open_regular(path)?;
    let reader: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)))
    } else {
        Box::new(std::io::BufReader::new(file))
    };
    let mut archive = tar::Archive::new(reader);
    let mut out = Vec::new();
    let mut total = 0u64;
    for entry in archive.entries().map_err(|e| TextError::io(path, e))? {
        let mut entry = entry.map_err(|e| TextError::io(path, e))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry.path().map_err(|e| TextError::io(path, e))?.to_string_lossy().into_owned();
        let size = entry.size();
        total = total.saturating_add(size);
        if total > MAX_CORPUS_BYTES {
            return Err(too_large(
                &member_path(path, &name),
                "file",
                format!("the archive's members hold more than {MAX_CORPUS_BYTES} bytes"),
            ));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        (&mut entry).take(size).read_to_end(&mut bytes).map_err(|e| TextError::io(path, e))?;
        if bytes.len() as u64 != size {
            return Err(truncated(path, format!("member {name} holds {} of its {size} bytes", bytes.len())));
        }
        out.push((name, bytes));
    }
    // Read on to the end of the stream, so that a gzip stream cut short (its checksum and length
    // are at the very end) is an error rather than an archive silently missing its tail.
    let mut rest = archive.into_inner();
    std::io::copy(&mut (&mut rest).take(MAX_CORPUS_BYTES), &mut std::io::sink())
        .map_err(|e| truncated(path, format!("the archive does not end as it should ({e})")))?;
    Ok(out)
}

fn truncated(path: &Path, what: String) -> TextError {
    TextError::io(path, std::io::Error::new(std::io::ErrorKind::UnexpectedEof, format!("truncated archive: {what}")))
}

/// `archive!member` as a path, for origins and errors.
pub(crate) fn member_path(archive: &Path, member: &str) -> PathBuf {
    PathBuf::from(format!("{}!{member}", archive.display()))
}

/// Decodes bytes as UTF-8, or — when they are not valid UTF-8 — as Latin-1 (ISO-8859-1, every
/// byte one code point). Returns the text and whether the fallback was used.
///
/// Latin-1 is the documented fallback because it never fails and is exact for the one such
/// file in the carried corpora (BBC `sport/199.txt`, whose CSV copy was made the same way).
pub fn decode_text(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), false),
        Err(_) => (latin1(bytes), true),
    }
}

/// Latin-1 decoding: byte `b` becomes code point `U+00bb`.
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decompression_stops_at_the_cap() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&[b'a'; 10_000]).unwrap();
        let gz = gz.finish().unwrap();
        let path = Path::new("bomb.csv.gz");
        let err = read_capped(flate2::read::MultiGzDecoder::new(&gz[..]), path, "decompresses to", 4096).unwrap_err();
        assert_eq!(err.to_string(), "bomb.csv.gz: file: decompresses to more than 4096 bytes");
        assert_eq!(read_capped(flate2::read::MultiGzDecoder::new(&gz[..]), path, "", 10_000).unwrap().len(), 10_000);
    }
}
