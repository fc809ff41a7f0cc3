//! Reuters-21578, Distribution 1.0: the SGML files read straight from `reuters21578.tar.gz`.
//!
//! # Decoding
//! The `.sgm` files are ASCII except for one byte, 0xFC in `reut2-017.sgm`; every file is decoded
//! as Latin-1 (exact for ASCII; the byte becomes `ü`) and a warning names each non-ASCII byte's
//! file and line. Entities are decoded: `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` and numeric ones
//! (`&#N;`); numeric control characters (the wire-service codes `&#2;`, `&#3;`, `&#5;`, `&#22;`,
//! `&#31;`, `&#127;`, …) are dropped.
//!
//! # Text of an article
//! `TITLE` + newline + `BODY` when there is a `BODY`; otherwise (`TYPE="BRIEF"`, `TYPE="UNPROC"`)
//! the whole content of `TEXT` with its tags removed. The `DATELINE` is left out.
//!
//! # Tasks
//! - [`Task::ModApte`]: `TOPICS="YES"` with `LEWISSPLIT="TRAIN"` / `"TEST"` (9,603 / 3,299),
//!   every topic as a label (some articles have none);
//! - [`Task::R90`]: the categories with at least one training and one test article in ModApte
//!   (90), and the articles carrying at least one of them; multi-label;
//! - [`Task::R52`]: single-label — ModApte articles with exactly one topic, in the categories
//!   with at least one such training and one such test article (52 categories, 6,532 / 2,568);
//! - [`Task::R8`]: the same restricted to the 10 most frequent ModApte training categories
//!   (R10, counted over all training articles); `wheat` and `corn` never occur alone, so 8 remain
//!   (acq, crude, earn, grain, interest, money-fx, ship, trade: 5,485 / 2,189).
//!
//! Classes are sorted by name; ids are `reuters-NEWID`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::{Corpus, Document, Origin, latin1, member_path, read_tar};
use crate::error::{Result, TextError};

/// One `<REUTERS>` article.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    /// `NEWID`.
    pub newid: u32,
    /// The `TOPICS` attribute (`YES`, `NO`, `BYPASS`).
    pub topics_attr: String,
    /// The `LEWISSPLIT` attribute (`TRAIN`, `TEST`, `NOT-USED`).
    pub lewis_split: String,
    /// The `<TOPICS>` categories, in file order.
    pub topics: Vec<String>,
    /// `TITLE`, when present.
    pub title: Option<String>,
    /// `BODY`, when present.
    pub body: Option<String>,
    /// The article's text (see the module documentation).
    pub text: String,
    /// File and line of the `<REUTERS` tag.
    pub origin: Origin,
}

/// A derived task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// The ModApte split with every topic.
    ModApte,
    /// Single-label, 8 most frequent categories.
    R8,
    /// Single-label, 52 categories.
    R52,
    /// Multi-label, the 90 categories with ≥ 1 training and ≥ 1 test article.
    R90,
}

impl Task {
    /// Corpus name.
    pub fn name(self) -> &'static str {
        match self {
            Self::ModApte => "modapte",
            Self::R8 => "r8",
            Self::R52 => "r52",
            Self::R90 => "r90",
        }
    }
}

/// Decodes SGML entities; numeric control characters other than newline and tab are dropped.
pub fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        // Searched as bytes: `;` is ASCII, so its index is a char boundary even when a multi-byte
        // character (a Latin-1 byte ≥ 0x80, decoded) straddles the 12-byte window.
        let end = rest.bytes().take(12).position(|b| b == b';');
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => name.strip_prefix('#').and_then(|n| n.parse::<u32>().ok()).and_then(char::from_u32),
            }?;
            Some((c, e + 1))
        });
        match decoded {
            Some((c, len)) => {
                if !c.is_control() || c == '\n' || c == '\t' {
                    out.push(c);
                }
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Removes `<…>` tags.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The content of the first `<tag …>…</tag>` in `s`.
fn element<'a>(s: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}");
    let start = s.find(&open)?;
    let after = &s[start + open.len()..];
    // `<TEXT>` vs `<TITLE>`: the tag name must end here.
    if !after.starts_with('>') && !after.starts_with(' ') {
        let rest = &s[start + open.len()..];
        return element(rest, tag);
    }
    let gt = after.find('>')?;
    let content = &after[gt + 1..];
    let end = content.find(&format!("</{tag}>")).unwrap_or(content.len());
    Some(&content[..end])
}

/// An attribute `NAME="value"` of an opening tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=\"");
    let i = tag.find(&key)? + key.len();
    let len = tag[i..].find('"')?;
    Some(&tag[i..i + len])
}

/// Parses the articles of one SGML file (already decoded). `file` names it in origins and errors.
///
/// # Errors
/// [`TextError::Parse`] naming the line: a `<REUTERS` tag that is not closed, an article without
/// `</REUTERS>`, a missing or non-numeric `NEWID`.
pub fn parse_sgml(text: &str, file: &Path) -> Result<Vec<Article>> {
    let mut out = Vec::new();
    let mut pos = 0;
    let mut line = 1;
    while let Some(rel) = text[pos..].find("<REUTERS") {
        let start = pos + rel;
        line += text[pos..start].bytes().filter(|&b| b == b'\n').count();
        let tag_end = text[start..].find('>').ok_or_else(|| TextError::parse(file, line, "unterminated <REUTERS tag"))? + start;
        let tag = &text[start..=tag_end];
        let close = text[tag_end..]
            .find("</REUTERS>")
            .ok_or_else(|| TextError::parse(file, line, "<REUTERS> without </REUTERS>"))?
            + tag_end;
        let inner = &text[tag_end + 1..close];
        let newid = attribute(tag, "NEWID")
            .ok_or_else(|| TextError::parse(file, line, "<REUTERS> without NEWID"))?
            .parse::<u32>()
            .map_err(|e| TextError::parse(file, line, format!("NEWID is not a number: {e}")))?;
        let topics = element(inner, "TOPICS")
            .map(|t| {
                t.split("<D>")
                    .skip(1)
                    .map(|d| decode_entities(d.split("</D>").next().unwrap_or("")).trim().to_string())
                    .filter(|d| !d.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let text_el = element(inner, "TEXT").unwrap_or("");
        let title = element(text_el, "TITLE").map(|t| decode_entities(t).trim().to_string());
        let body = element(text_el, "BODY").map(|b| decode_entities(b).trim().to_string());
        let doc_text = match (&title, &body) {
            (t, Some(b)) => format!("{}\n{b}", t.as_deref().unwrap_or("")).trim().to_string(),
            _ => {
                let no_dateline = match element(text_el, "DATELINE") {
                    Some(d) => text_el.replacen(d, "", 1),
                    None => text_el.to_string(),
                };
                decode_entities(&strip_tags(&no_dateline)).trim().to_string()
            }
        };
        out.push(Article {
            newid,
            topics_attr: attribute(tag, "TOPICS").unwrap_or("").to_string(),
            lewis_split: attribute(tag, "LEWISSPLIT").unwrap_or("").to_string(),
            topics,
            title,
            body,
            text: doc_text,
            origin: Origin { file: file.to_path_buf(), line },
        });
        line += text[start..close].bytes().filter(|&b| b == b'\n').count();
        pos = close;
    }
    Ok(out)
}

/// Every article of every `reut2-*.sgm` in the archive, in file order, plus warnings (non-ASCII
/// bytes, with file and line).
///
/// # Errors
/// Unreadable archive, a parse error, duplicate NEWIDs, no article at all.
pub fn read_articles(archive: &Path) -> Result<(Vec<Article>, Vec<String>)> {
    let mut members: Vec<(String, Vec<u8>)> =
        read_tar(archive)?.into_iter().filter(|(m, _)| m.rsplit('/').next().is_some_and(|n| n.ends_with(".sgm"))).collect();
    members.sort_by(|a, b| a.0.cmp(&b.0));
    let mut articles = Vec::new();
    let mut warnings = Vec::new();
    for (member, bytes) in &members {
        let file = member_path(archive, member);
        let mut line = 1;
        for &b in bytes.iter() {
            if b == b'\n' {
                line += 1;
            } else if b >= 0x80 {
                warnings.push(format!(
                    "{}:{line}: non-ASCII byte 0x{b:02X} decoded as Latin-1 {:?}",
                    file.display(),
                    char::from(b)
                ));
            }
        }
        articles.extend(parse_sgml(&latin1(bytes), &file)?);
    }
    if articles.is_empty() {
        return Err(TextError::EmptyCorpus { path: archive.into() });
    }
    let mut seen = BTreeMap::new();
    for a in &articles {
        if let Some(first) = seen.insert(a.newid, &a.origin) {
            return Err(TextError::parse(
                &a.origin.file,
                a.origin.line,
                format!("NEWID {} already used at {}:{}", a.newid, first.file.display(), first.line),
            ));
        }
    }
    Ok((articles, warnings))
}

/// ModApte membership: `Some(true)` train, `Some(false)` test, `None` unused.
fn modapte(a: &Article) -> Option<bool> {
    match (a.topics_attr.as_str(), a.lewis_split.as_str()) {
        ("YES", "TRAIN") => Some(true),
        ("YES", "TEST") => Some(false),
        _ => None,
    }
}

/// Builds a task from parsed articles. `source` names the archive in the corpus.
///
/// # Errors
/// An empty task.
pub fn task(articles: &[Article], task: Task, source: &Path) -> Result<Corpus> {
    let (train, test): (Vec<&Article>, Vec<&Article>) = {
        let split: Vec<(&Article, bool)> = articles.iter().filter_map(|a| modapte(a).map(|t| (a, t))).collect();
        (
            split.iter().filter(|(_, t)| *t).map(|(a, _)| *a).collect(),
            split.iter().filter(|(_, t)| !*t).map(|(a, _)| *a).collect(),
        )
    };
    fn count<'a>(docs: &[&'a Article], single: bool) -> BTreeMap<&'a str, usize> {
        let mut c: BTreeMap<&'a str, usize> = BTreeMap::new();
        for a in docs.iter().filter(|a| !single || a.topics.len() == 1) {
            for t in &a.topics {
                *c.entry(t.as_str()).or_default() += 1;
            }
        }
        c
    }
    let (classes, single): (Vec<String>, bool) = match task {
        Task::ModApte => {
            let all: BTreeSet<&str> = train.iter().chain(&test).flat_map(|a| a.topics.iter().map(String::as_str)).collect();
            (all.into_iter().map(String::from).collect(), false)
        }
        Task::R90 => {
            let (tr, te) = (count(&train, false), count(&test, false));
            (tr.keys().filter(|k| te.contains_key(*k)).map(|k| k.to_string()).collect(), false)
        }
        Task::R8 | Task::R52 => {
            // R8 starts from the 10 most frequent ModApte training categories (R10, counted over
            // all training articles); R52 from all of them.
            let candidates: Option<BTreeSet<&str>> = (task == Task::R8).then(|| {
                let mut all: Vec<(&str, usize)> = count(&train, false).into_iter().collect();
                all.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                all.into_iter().take(10).map(|(k, _)| k).collect()
            });
            let (tr, te) = (count(&train, true), count(&test, true));
            let names: Vec<String> = tr
                .keys()
                .filter(|k| te.contains_key(*k) && candidates.as_ref().is_none_or(|c| c.contains(*k)))
                .map(|k| k.to_string())
                .collect();
            (names, true)
        }
    };
    let docs = |arts: &[&Article]| -> Vec<Document> {
        arts.iter()
            .filter(|a| !single || a.topics.len() == 1)
            .filter_map(|a| {
                let labels: Vec<u32> =
                    a.topics.iter().filter_map(|t| classes.binary_search(t).ok().map(|i| i as u32)).collect();
                (task == Task::ModApte || !labels.is_empty()).then(|| Document {
                    id: format!("reuters-{}", a.newid),
                    text: a.text.clone(),
                    labels,
                    origin: a.origin.clone(),
                })
            })
            .collect()
    };
    let corpus = Corpus {
        name: task.name().into(),
        multi_label: !single,
        train: docs(&train),
        test: docs(&test),
        classes,
        duplicates: Vec::new(),
        warnings: Vec::new(),
    };
    if corpus.train.is_empty() {
        return Err(TextError::EmptyCorpus { path: source.into() });
    }
    Ok(corpus)
}

/// Reads the archive and builds `task`, with the decoding warnings attached.
///
/// # Errors
/// As [`read_articles`] and [`task`].
pub fn load(archive: &Path, t: Task) -> Result<Corpus> {
    let (articles, warnings) = read_articles(archive)?;
    let mut c = task(&articles, t, archive)?;
    c.warnings = warnings;
    Ok(c)
}

/// The path of the archive inside a datasets directory.
pub fn default_archive(datasets: &Path) -> PathBuf {
    datasets.join("reuters21578").join("reuters21578.tar.gz")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_next_to_multibyte_characters() {
        // A multi-byte character across the 12-byte entity window once panicked (found by fuzzing).
        assert_eq!(decode_entities("&ÿÿÿÿÿÿ"), "&ÿÿÿÿÿÿ");
        assert_eq!(decode_entities("&#233;ÿ&lt;ÿ&amp"), "éÿ<ÿ&amp");
        assert_eq!(decode_entities("a &gt; b"), "a > b");
    }
}
