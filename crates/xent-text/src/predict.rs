//! Classifying new text with a finished run: its `text.json`, `tokenizer.json` and `model.bpk`.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use serde::Serialize;
use xent_core::Targets;
use xent_core::train::Classifier;

use crate::bow::{BagOfWords, TfIdf};
use crate::data::TokenIds;
use crate::error::{Result, TextError};
use crate::model::{KimCnn, LinearBag, ModelKind, QuestionCnn, WideMlp};
use crate::pipeline::TextRunInfo;
use crate::tokenize::TextTokenizer;

enum Net {
    Question(QuestionCnn),
    Kim(KimCnn),
    Mlp(WideMlp, TfIdf),
    Linear(LinearBag, TfIdf),
}

/// A trained text classifier loaded from a run directory.
pub struct Predictor {
    info: TextRunInfo,
    tokenizer: TextTokenizer,
    net: Net,
    device: Device,
}

/// The prediction for one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// Predicted class names: the argmax class (single-label), or every label above its
    /// threshold (multi-label).
    pub labels: Vec<String>,
    /// The model's reported outputs (softmax rows or sigmoids), one per class.
    pub scores: Vec<f32>,
    /// The text had no token at all.
    pub empty: bool,
}

impl Predictor {
    /// Opens `run` (a directory holding `text.json`, `tokenizer.json` and `model.bpk`).
    ///
    /// # Errors
    /// A missing or malformed file, naming it; weights that do not fit the recorded shapes.
    pub fn open(run: &Path) -> Result<Self> {
        let info_path = run.join("text.json");
        if !info_path.is_file() {
            // An experiment directory holds runs two levels down (`<loss>/seed-<S>/`).
            let children = |dir: &Path| -> Vec<PathBuf> {
                let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
                    .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect())
                    .unwrap_or_default();
                v.sort();
                v
            };
            let subs: Vec<String> = children(run)
                .into_iter()
                .flat_map(|c| std::iter::once(c.clone()).chain(children(&c)))
                .filter(|p| p.join("text.json").is_file())
                .map(|p| p.display().to_string())
                .collect();
            let hint = if subs.is_empty() { String::new() } else { format!("; runs inside it: {}", subs.join(", ")) };
            return Err(TextError::InvalidArgument(format!("{}: not a text run (no text.json){hint}", run.display())));
        }
        let info: TextRunInfo = xent_core::artifacts::read_json(&info_path)?;
        let tokenizer = TextTokenizer::load(&run.join("tokenizer.json"))?;
        let device = xent_core::default_device();
        let weights: PathBuf = run.join("model.bpk");
        let load_err = |e: burn::store::RecordError| {
            TextError::InvalidArgument(format!("{}: {e:?}", weights.display()))
        };
        let net = match info.model.kind {
            ModelKind::Question => Net::Question(info.model.init_question(&device).try_load_file(&weights).map_err(load_err)?),
            ModelKind::Kim => Net::Kim(info.model.init_kim(&device).try_load_file(&weights).map_err(load_err)?),
            ModelKind::Mlp | ModelKind::Linear => {
                let tfidf = info.tfidf.clone().filter(|t| t.vocab_size() == info.model.vocab_size).ok_or_else(|| {
                    TextError::InvalidArgument(format!(
                        "{}: a bag-of-words run needs TF-IDF weights over its {} ids (\"tfidf\")",
                        info_path.display(),
                        info.model.vocab_size
                    ))
                })?;
                if info.model.kind == ModelKind::Mlp {
                    Net::Mlp(info.model.init_mlp(&device).try_load_file(&weights).map_err(load_err)?, tfidf)
                } else {
                    Net::Linear(info.model.init_linear(&device).try_load_file(&weights).map_err(load_err)?, tfidf)
                }
            }
        };
        Ok(Self { info, tokenizer, net, device })
    }

    /// Scores of a bag-of-words network, with the indices of texts without a known word.
    fn bag_scores<M, S>(&self, model: &M, tfidf: &TfIdf, texts: &[S]) -> Result<(Vec<f32>, Vec<usize>)>
    where
        M: Classifier<Batch = crate::bow::Bag>,
        S: AsRef<str> + Send + Sync,
    {
        let n = texts.len();
        let k = self.info.classes.len();
        let data = BagOfWords::from_ids(tfidf, &self.tokenizer.encode_whole(texts)?, Targets::Labels(vec![0; n]), k)?;
        let empty = (0..n).filter(|&i| data.row(i).0.is_empty()).collect::<Vec<_>>();
        Ok((xent_core::train::predict(model, &data, self.info.loss, 256, &self.device)?.into_vec(), empty))
    }

    /// Scores of a fixed-length-ids network, with the indices of texts empty after tokenisation.
    fn id_scores<M, S>(&self, model: &M, texts: &[S]) -> Result<(Vec<f32>, Vec<usize>)>
    where
        M: Classifier<Batch = Tensor<2, Int>>,
        S: AsRef<str> + Send + Sync,
    {
        let enc = self.tokenizer.encode(texts)?;
        let empty = enc.empty.clone();
        let data = TokenIds::from_encoded(enc, Targets::Labels(vec![0; texts.len()]), self.info.classes.len());
        Ok((xent_core::train::predict(model, &data, self.info.loss, 256, &self.device)?.into_vec(), empty))
    }

    /// What the run recorded.
    pub fn info(&self) -> &TextRunInfo {
        &self.info
    }

    /// Classifies texts.
    ///
    /// # Errors
    /// A tokenisation failure.
    pub fn predict<S: AsRef<str> + Send + Sync>(&self, texts: &[S]) -> Result<Vec<Prediction>> {
        let n = texts.len();
        let k = self.info.classes.len();
        let (s, empty) = match &self.net {
            Net::Mlp(m, tfidf) => self.bag_scores(m, tfidf, texts)?,
            Net::Linear(m, tfidf) => self.bag_scores(m, tfidf, texts)?,
            Net::Question(m) => self.id_scores(m, texts)?,
            Net::Kim(m) => self.id_scores(m, texts)?,
        };
        Ok((0..n)
            .map(|i| {
                let row = s[i * k..(i + 1) * k].to_vec();
                let labels = if self.info.multi_label {
                    let t = self.info.thresholds.clone().unwrap_or_else(|| vec![0.5; k]);
                    (0..k).filter(|&j| row[j] > t[j]).map(|j| self.info.classes[j].clone()).collect()
                } else {
                    let best = (0..k).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap_or(0);
                    vec![self.info.classes[best].clone()]
                };
                Prediction { labels, scores: row, empty: empty.contains(&i) }
            })
            .collect())
    }
}
