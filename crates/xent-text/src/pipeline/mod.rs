//! The text pipeline: corpus → tokenizer (trained on the training split) → fixed-length token ids
//! (CNNs) or TF-IDF bags of whole documents (MLP, linear) → the network under each loss
//! configuration and seed, through xent-core's training engine, with run artifacts under the
//! experiment directory [`TextPlan::out`] (`runs/text/<corpus>` by default).
//!
//! Layout: `OUT/[fold-F/]<config>-seed<S>/` holds the engine's files (`config.json`,
//! `history.jsonl`, `history.csv`, `metrics.json`, `confusion.csv`, `model.bpk`, `checkpoint/`)
//! plus `tokenizer.json` and `text.json` (what `xent predict` needs; multi-label runs record
//! their tuned thresholds there). `OUT` gets `summary.json` and `report.md` (`summary.md` under
//! `--experiment`, whose `report.md` is the experiment's own).
//!
//! Files: `plan` (corpora and the plan), `summary` (what a run records), `runs` (the plain
//! mode's engine loop), `experiment` (the `--experiment` mode through `compare_losses`),
//! `thresholds` (multi-label thresholds) and `report` (`report.md`).
//!
//! The test split is the engine's validation set (evaluated after every epoch, no early
//! stopping, no model selection on it). Corpora without a test split (BBC, AG News test) use
//! stratified k-fold cross-validation; BBC's exact duplicates stay in training folds.
//! Multi-label tasks hold out a stratified 10 % of the training split to tune a per-label
//! threshold; figures at 0.5 and at the tuned thresholds are both reported.


mod experiment;
mod plan;
mod report;
mod runs;
mod summary;
mod thresholds;

pub use experiment::TextNet;
pub use plan::{CorpusName, TextPlan};
pub use report::report_markdown;
pub use summary::{RunRow, TextRunInfo, TextSummary};
pub use thresholds::tune_thresholds;

use experiment::run_experiment;
use runs::SplitRuns;

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::prelude::*;
use serde::{Deserialize, Serialize};
use xent_core::artifacts::{self, DataInfo, OpenMode, RunDir};
use xent_core::metrics::multilabel::{MultiLabelCounts, MultiLabelMetrics};
use xent_core::report::plots::LabelPoints;
use xent_core::train::{Classifier, DataSource, OptimizerConfig, TrainConfig, Trainer};
use xent_core::{LossConfig, Targets};

use crate::corpus::{Corpus, Document, agnews, bbc, reuters};
use crate::bow::{BagOfWords, TfIdf};
use crate::data::{TokenIds, targets_of};
use crate::error::{Result, TextError};
use crate::model::{ModelKind, TextCnnConfig};
use crate::tokenize::{TextTokenizer, TokenizerConfig};

/// Runs the plan.
///
/// # Errors
/// Corpus, tokenizer, engine or artifact failures.
pub fn run(plan: &TextPlan) -> Result<TextSummary> {
    if plan.configs.is_empty() || plan.seeds.is_empty() {
        return Err(TextError::InvalidArgument("need at least one configuration and one seed".into()));
    }
    let corpus = plan.corpus.load(&plan.datasets)?;
    let mut sha = String::new();
    for s in plan.corpus.sources(&plan.datasets) {
        sha.push_str(&artifacts::sha256_file(&s)?[..16]);
    }
    let data_info = DataInfo {
        source: format!("{} ({})", plan.corpus.name(), plan.corpus.sources(&plan.datasets)[0].display()),
        sha256: sha,
    };
    let splits: Vec<(usize, Vec<Document>, Vec<Document>)> = if corpus.test.is_empty() {
        (0..plan.run_folds.clamp(1, plan.folds.max(2)))
            .map(|f| {
                let (tr, te) = corpus.fold(plan.folds, f, 12345)?;
                Ok((f, tr.iter().map(|&i| corpus.train[i].clone()).collect(), te.iter().map(|&i| corpus.train[i].clone()).collect()))
            })
            .collect::<Result<_>>()?
    } else {
        vec![(0, corpus.train.clone(), corpus.test.clone())]
    };
    let dir = plan.dir();
    std::fs::create_dir_all(&dir).map_err(|e| TextError::io(&dir, e))?;
    let mut summary: Option<TextSummary> = None;
    let mut rows = Vec::new();
    // Training documents per label in the first split (multi-label: the per-label plot's axis).
    let mut label_counts: Option<Vec<usize>> = None;
    for (fold, mut train, mut test) in splits {
        if let Some(n) = plan.limit {
            train = xent_core::train::shuffled(&(0..train.len()).collect::<Vec<_>>(), 7).into_iter().take(n).map(|i| train[i].clone()).collect();
            test = xent_core::train::shuffled(&(0..test.len()).collect::<Vec<_>>(), 7).into_iter().take((n / 3).max(1)).map(|i| test[i].clone()).collect();
            // A small slice may miss classes: keep only test documents whose labels training has.
            let mut seen = vec![false; corpus.num_classes()];
            train.iter().flat_map(|d| &d.labels).for_each(|&l| seen[l as usize] = true);
            test.retain(|d| d.labels.iter().all(|&l| seen[l as usize]));
        }
        crate::corpus::check_labels(&corpus.classes, &train, &test)?;
        let sub = if corpus.test.is_empty() { dir.join(format!("fold-{fold}")) } else { dir.clone() };
        if plan.experiment {
            let (row_set, first) = run_experiment(plan, &corpus, &train, &test, &data_info, &sub)?;
            if summary.is_none() {
                summary = Some(TextSummary { warnings: corpus.warnings.clone(), runs: Vec::new(), ..first });
            }
            rows.extend(row_set.into_iter().map(|mut r| {
                r.fold = fold;
                r
            }));
            continue;
        }
        // Multi-label: hold out every 10th training document (seeded order) for thresholds.
        let (fit_docs, hold): (Vec<&Document>, Vec<&Document>) = if corpus.multi_label {
            // Every 10th document of a seeded order, unless that would take away the last
            // training document of one of its labels (Reuters-90 has labels with one).
            let order = xent_core::train::shuffled(&(0..train.len()).collect::<Vec<_>>(), 99);
            let mut left = corpus.class_counts(&train);
            let mut is_hold = vec![false; train.len()];
            for &i in order.iter().step_by(10) {
                if train[i].labels.iter().all(|&l| left[l as usize] > 1) {
                    train[i].labels.iter().for_each(|&l| left[l as usize] -= 1);
                    is_hold[i] = true;
                }
            }
            (
                train.iter().zip(&is_hold).filter(|(_, h)| !**h).map(|(d, _)| d).collect(),
                train.iter().zip(&is_hold).filter(|(_, h)| **h).map(|(d, _)| d).collect(),
            )
        } else {
            (train.iter().collect(), Vec::new())
        };
        let started = Instant::now();
        let tok = TextTokenizer::train(&plan.tokenizer, fit_docs.iter().map(|d| d.text.as_str()))?;
        let tok_seconds = started.elapsed().as_secs_f64();
        let k = corpus.num_classes();
        let ml = corpus.multi_label;
        let test_refs: Vec<&Document> = test.iter().collect();
        let model_cfg = plan.model_config(&tok, k);
        model_cfg.validate()?;
        let split = SplitRuns {
            plan,
            corpus: &corpus,
            data_info: &data_info,
            model_cfg: &model_cfg,
            tok: &tok,
            tfidf: None,
            fold,
            sub,
        };
        let (empty, truncated, split_rows) = match plan.model {
            ModelKind::Question | ModelKind::Kim => {
                let enc = |docs: &[&Document]| TokenIds::encode(&tok, docs, k, ml);
                let (tr, te) = (enc(&fit_docs)?, enc(&test_refs)?);
                let ho = if hold.is_empty() { None } else { Some(enc(&hold)?) };
                let r = if plan.model == ModelKind::Question {
                    split.fit_all(|d| model_cfg.init_question(d), &tr, &te, ho.as_ref())?
                } else {
                    split.fit_all(|d| model_cfg.init_kim(d), &tr, &te, ho.as_ref())?
                };
                (tr.empty + te.empty, tr.truncated + te.truncated, r)
            }
            ModelKind::Mlp | ModelKind::Linear => {
                let (tfidf, tr) = fit_tfidf(plan, &tok, &fit_docs, k, ml)?;
                let enc = |docs: &[&Document]| BagOfWords::encode(&tok, &tfidf, docs, k, ml);
                let te = enc(&test_refs)?;
                let ho = if hold.is_empty() { None } else { Some(enc(&hold)?) };
                let split = SplitRuns { tfidf: Some(&tfidf), ..split };
                let r = if plan.model == ModelKind::Mlp {
                    split.fit_all(|d| model_cfg.init_mlp(d), &tr, &te, ho.as_ref())?
                } else {
                    split.fit_all(|d| model_cfg.init_linear(d), &tr, &te, ho.as_ref())?
                };
                (tr.empty + te.empty, 0, r)
            }
        };
        rows.extend(split_rows);
        if ml && label_counts.is_none() {
            label_counts = Some(corpus.class_counts(fit_docs.iter().copied()));
        }
        if summary.is_none() {
            summary = Some(TextSummary {
                corpus: plan.corpus,
                model: plan.model,
                classes: corpus.classes.clone(),
                n_train: fit_docs.len(),
                n_test: test.len(),
                n_threshold: hold.len(),
                vocab_size: tok.vocab_size(),
                empty_documents: empty,
                truncated_documents: truncated,
                tokenizer_seconds: tok_seconds,
                warnings: corpus.warnings.clone(),
                runs: Vec::new(),
            });
        }
    }
    let mut summary = summary.expect("at least one split");
    summary.runs = rows;
    artifacts::write_json(&dir.join("summary.json"), &summary)?;
    // Under --experiment, report.md is the experiment's own (statistics, plots): keep it.
    let table = if plan.experiment { "summary.md" } else { "report.md" };
    let mut md = report_markdown(plan, &summary);
    if let Some(counts) = &label_counts {
        label_plot(plan, &summary, counts, &dir.join("per_label_f1.svg"))?;
        md.push_str("\n![per-label F1 against training documents](per_label_f1.svg)\n");
    }
    artifacts::write_atomic(&dir.join(table), md.as_bytes())?;
    Ok(summary)
}

/// Multi-label runs: each label's test F1 at the tuned thresholds (mean over the runs of a
/// configuration) against its number of training documents, one colour per configuration.
fn label_plot(plan: &TextPlan, s: &TextSummary, counts: &[usize], path: &Path) -> Result<()> {
    let series: Vec<LabelPoints> = plan
        .configs
        .iter()
        .filter_map(|&c| {
            let runs: Vec<&MultiLabelMetrics> = s.runs.iter().filter(|r| r.config == c).filter_map(|r| r.multilabel_tuned.as_ref()).collect();
            let n = runs.len() as f64;
            (!runs.is_empty()).then(|| LabelPoints {
                name: format!("{c} ({} run{})", runs.len(), if runs.len() == 1 { "" } else { "s" }),
                points: counts
                    .iter()
                    .enumerate()
                    .map(|(j, &t)| (t as f64, runs.iter().map(|m| m.per_label.get(j).map_or(0.0, |l| l.f1)).sum::<f64>() / n))
                    .collect(),
            })
        })
        .collect();
    let title = format!("{}, {} model: per-label F1 at tuned thresholds", plan.corpus.name(), plan.model.name());
    xent_core::report::plots::label_f1(path, &title, &series)?;
    Ok(())
}

/// Fits TF-IDF on the training documents (whole, tokenised once) and returns it with their bags.
fn fit_tfidf(
    plan: &TextPlan,
    tok: &TextTokenizer,
    docs: &[&Document],
    k: usize,
    multi_label: bool,
) -> Result<(TfIdf, BagOfWords)> {
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let ids = tok.encode_whole(&texts)?;
    let tfidf = TfIdf::fit(&ids, tok.vocab_size())?.with_sublinear_tf(plan.sublinear_tf);
    let bags = BagOfWords::from_ids(&tfidf, &ids, targets_of(docs, k, multi_label), k)?;
    Ok((tfidf, bags))
}
