//! Bag-of-words inputs: TF-IDF weights fitted on the training split, and documents as sparse
//! rows (distinct token ids with their weights) for [`crate::model::WideMlp`].
//!
//! The weighting is scikit-learn's `TfidfVectorizer` default: raw term counts `tf`, smoothed
//! inverse document frequency `idf(t) = ln((1 + n) / (1 + df(t))) + 1` over the `n` training
//! documents, each row scaled to unit Euclidean norm. With [`TfIdf::sublinear_tf`] (scikit-learn's
//! `sublinear_tf=True`) a term counted `c` times weighs `(1 + ln c) · idf` instead of `c · idf`. `[PAD]` and `[UNK]` are left out (words
//! outside the vocabulary carry no weight, as in scikit-learn). Whole documents are used: no
//! truncation.

use burn::prelude::*;
use serde::{Deserialize, Serialize};
use xent_core::Targets;
use xent_core::train::DataSource;

use crate::corpus::Document;
use crate::data::targets_of;
use crate::error::{Result, TextError};
use crate::tokenize::TextTokenizer;

/// Ids below this are special tokens (`[PAD]` = 0, `[UNK]` = 1) and get no weight.
const FIRST_WORD: u32 = 2;

/// Inverse document frequencies fitted on training documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TfIdf {
    /// `idf[id]` for every vocabulary id (0 for the special tokens).
    pub idf: Vec<f32>,
    /// Term frequency `1 + ln(count)` instead of the count. Default false.
    #[serde(default)]
    pub sublinear_tf: bool,
}

impl TfIdf {
    /// Fits the idf of every id of a `vocab_size` vocabulary on tokenised training documents.
    ///
    /// # Errors
    /// No documents; an id outside the vocabulary.
    pub fn fit(docs: &[Vec<u32>], vocab_size: usize) -> Result<Self> {
        if docs.is_empty() {
            return Err(TextError::InvalidArgument("TF-IDF: no training documents".into()));
        }
        let mut df = vec![0u32; vocab_size];
        let mut last = vec![usize::MAX; vocab_size];
        for (d, ids) in docs.iter().enumerate() {
            for &id in ids {
                let slot = df.get_mut(id as usize).ok_or_else(|| out_of_vocabulary(id, vocab_size))?;
                if last[id as usize] != d {
                    last[id as usize] = d;
                    *slot += 1;
                }
            }
        }
        let n = docs.len() as f64;
        let idf = df
            .iter()
            .enumerate()
            .map(|(id, &f)| if (id as u32) < FIRST_WORD { 0.0 } else { (((1.0 + n) / (1.0 + f as f64)).ln() + 1.0) as f32 })
            .collect();
        Ok(Self { idf, sublinear_tf: false })
    }

    /// The same weights with sublinear term frequency on or off.
    pub fn with_sublinear_tf(self, sublinear_tf: bool) -> Self {
        Self { sublinear_tf, ..self }
    }

    /// Vocabulary size.
    pub fn vocab_size(&self) -> usize {
        self.idf.len()
    }

    /// One document's distinct word ids (ascending) with their unit-norm TF-IDF weights; empty
    /// when the document has no known word.
    ///
    /// # Errors
    /// An id outside the vocabulary.
    pub fn row(&self, ids: &[u32]) -> Result<(Vec<u32>, Vec<f32>)> {
        let mut sorted: Vec<u32> = ids.iter().copied().filter(|&id| id >= FIRST_WORD).collect();
        sorted.sort_unstable();
        let (mut terms, mut weights) = (Vec::new(), Vec::new());
        for run in sorted.chunk_by(|a, b| a == b) {
            let idf = *self.idf.get(run[0] as usize).ok_or_else(|| out_of_vocabulary(run[0], self.idf.len()))?;
            terms.push(run[0]);
            let tf = if self.sublinear_tf { 1.0 + (run.len() as f32).ln() } else { run.len() as f32 };
            weights.push(tf * idf);
        }
        let norm = weights.iter().map(|w| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            weights.iter_mut().for_each(|w| *w /= norm);
        }
        Ok((terms, weights))
    }
}

fn out_of_vocabulary(id: u32, vocab: usize) -> TextError {
    TextError::InvalidArgument(format!("token id {id} outside the vocabulary of {vocab}"))
}

/// A batch of bags: `ids` and `weights` both `[batch, bag]`, bags shorter than the batch's
/// longest padded with id 0 and weight 0.
#[derive(Debug, Clone)]
pub struct Bag {
    /// Distinct word ids.
    pub ids: Tensor<2, Int>,
    /// Their TF-IDF weights.
    pub weights: Tensor<2>,
}

/// Documents as TF-IDF bags with their targets.
#[derive(Debug, Clone)]
pub struct BagOfWords {
    /// Start of each document's terms in `terms`/`weights` (`n + 1` entries).
    offsets: Vec<usize>,
    terms: Vec<u32>,
    weights: Vec<f32>,
    targets: Targets,
    classes: usize,
    /// Documents without a single known word (an empty bag: the network sees only its biases).
    pub empty: usize,
}

impl BagOfWords {
    /// Tokenises whole documents with `tokenizer` and weights them with `tfidf`.
    ///
    /// # Errors
    /// A tokenisation failure; an id outside `tfidf`'s vocabulary.
    pub fn encode(tokenizer: &TextTokenizer, tfidf: &TfIdf, docs: &[&Document], classes: usize, multi_label: bool) -> Result<Self> {
        let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
        let ids = tokenizer.encode_whole(&texts)?;
        Self::from_ids(tfidf, &ids, targets_of(docs, classes, multi_label), classes)
    }

    /// Builds from token ids (one vector per document) and their targets.
    ///
    /// # Errors
    /// An id outside `tfidf`'s vocabulary.
    pub fn from_ids(tfidf: &TfIdf, ids: &[Vec<u32>], targets: Targets, classes: usize) -> Result<Self> {
        let mut out = Self { offsets: vec![0], terms: Vec::new(), weights: Vec::new(), targets, classes, empty: 0 };
        for doc in ids {
            let (t, w) = tfidf.row(doc)?;
            out.empty += usize::from(t.is_empty());
            out.terms.extend(t);
            out.weights.extend(w);
            out.offsets.push(out.terms.len());
        }
        Ok(out)
    }

    /// Document `i`'s distinct word ids and weights.
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let r = self.offsets[i]..self.offsets[i + 1];
        (&self.terms[r.clone()], &self.weights[r])
    }
}

impl DataSource for BagOfWords {
    type Batch = Bag;
    fn len(&self) -> usize {
        self.offsets.len() - 1
    }
    fn targets(&self) -> &Targets {
        &self.targets
    }
    fn declared_classes(&self) -> Option<usize> {
        Some(self.classes)
    }
    fn batch(&self, indices: &[usize], device: &Device) -> xent_core::Result<Bag> {
        let width = indices.iter().map(|&i| self.offsets[i + 1] - self.offsets[i]).max().unwrap_or(0).max(1);
        let mut ids = vec![0i32; indices.len() * width];
        let mut weights = vec![0f32; indices.len() * width];
        for (r, &i) in indices.iter().enumerate() {
            let (t, w) = self.row(i);
            ids[r * width..r * width + t.len()].iter_mut().zip(t).for_each(|(o, &t)| *o = t as i32);
            weights[r * width..r * width + w.len()].copy_from_slice(w);
        }
        let shape = [indices.len(), width];
        Ok(Bag {
            ids: Tensor::from_data(TensorData::new(ids, shape), device),
            weights: Tensor::from_data(TensorData::new(weights, shape), device),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Golden values from scikit-learn 1.9.1's `TfidfVectorizer` (tests/golden/sklearn_tfidf.py):
    // the documents "a b b", "b c", "c c c d [UNK]" with ids a = 2, b = 3, c = 4, d = 5.
    // `sublinear_tf=True`, the same query: weights of a and b.
    const SUBLINEAR_A: f64 = 0.6133555370249717;
    const SUBLINEAR_B: f64 = 0.7898069290660905;

    fn docs() -> Vec<Vec<u32>> {
        vec![vec![2, 3, 3], vec![3, 4], vec![4, 4, 4, 5, 1]]
    }

    #[test]
    fn idf_is_scikit_learns_smoothed_formula() {
        let t = TfIdf::fit(&docs(), 6).unwrap();
        let want: [f64; 6] = [0.0, 0.0, 1.6931471805599454, 1.2876820724517808, 1.2876820724517808, 1.6931471805599454];
        for (&g, w) in t.idf.iter().zip(want) {
            assert!((f64::from(g) - w).abs() < 1e-6, "{:?}", t.idf);
        }
    }

    #[test]
    fn rows_are_counts_times_idf_at_unit_norm_without_special_tokens() {
        let t = TfIdf::fit(&docs(), 6).unwrap();
        let (terms, w) = t.row(&[3, 0, 2, 3, 1]).unwrap();
        assert_eq!(terms, vec![2, 3]);
        let (a, b) = (f64::from(w[0]), f64::from(w[1]));
        assert!((a - 0.5493512310263033f64).abs() < 1e-6 && (b - 0.8355915419449176f64).abs() < 1e-6, "{w:?}");
        assert_eq!(t.row(&[0, 1, 1]).unwrap(), (vec![], vec![]));
    }

    #[test]
    fn sublinear_rows_match_scikit_learn() {
        let t = TfIdf::fit(&docs(), 6).unwrap().with_sublinear_tf(true);
        let (_, w) = t.row(&[3, 2, 3]).unwrap();
        let (a, b) = (f64::from(w[0]), f64::from(w[1]));
        assert!((a - SUBLINEAR_A).abs() < 1e-6 && (b - SUBLINEAR_B).abs() < 1e-6, "{w:?}");
    }

    #[test]
    fn ids_outside_the_vocabulary_are_errors() {
        assert!(TfIdf::fit(&[vec![2, 9]], 6).is_err());
        assert!(TfIdf::fit(&[], 6).is_err());
        assert!(TfIdf::fit(&docs(), 6).unwrap().row(&[7]).is_err());
    }

    #[test]
    fn batches_pad_bags_to_the_longest_with_weight_zero() {
        let t = TfIdf::fit(&docs(), 6).unwrap();
        let bags = BagOfWords::from_ids(&t, &[vec![2, 3], vec![1], vec![5]], Targets::Labels(vec![0, 1, 0]), 2).unwrap();
        assert_eq!(bags.empty, 1);
        let b = bags.batch(&[2, 0, 1], &Device::flex()).unwrap();
        assert_eq!(b.ids.into_data().convert::<i64>().try_to_vec::<i64>().unwrap(), vec![5, 0, 2, 3, 0, 0]);
        let w = b.weights.into_data().try_to_vec::<f32>().unwrap();
        assert_eq!((w[0], w[1], w[4], w[5]), (1.0, 0.0, 0.0, 0.0));
    }
}
