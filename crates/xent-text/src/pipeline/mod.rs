//! The text pipeline: corpus → tokenizer (trained on the training documents) → fixed-length token
//! ids (CNNs) or TF-IDF bags of whole documents (MLP, linear) → the network under each loss
//! configuration and seed, through xent-core's experiment runner
//! ([`xent_core::experiment::compare_losses_with`]), under the experiment directory
//! [`TextPlan::out`] (`runs/text/<corpus>` by default).
//!
//! Layout: `OUT/[fold-F/]` is an experiment directory (`experiment.json`, `report.md` with the
//! statistics across seeds and its plots, `results.csv`, `statistics.json`); each run is
//! `<loss>/seed-<S>/` with the engine's files, the test logits, and `tokenizer.json` and
//! `text.json` (what `xent predict` needs; multi-label runs record their tuned thresholds there
//! and their figures at 0.5 and at those thresholds in `multilabel.json`). `OUT` gets
//! `summary.json` and `summary.md` (every run and fold in one table, plus the per-label plot of
//! multi-label corpora).
//!
//! The test documents are measured once per run, with the final weights. By default every
//! training document trains the network for the plan's epochs (no validation: the epochs come
//! from the network's defaults); `--experiment` holds out a stratified 10 % of the training
//! split as validation (learning curves, temperature scaling). Corpora without a test split (BBC,
//! AG News test) use stratified k-fold cross-validation; BBC's exact duplicates stay in training
//! folds. Multi-label tasks hold out every 10th training document to tune a per-label threshold;
//! figures at 0.5 and at the tuned thresholds are both reported.
//!
//! Files: `plan` (corpora and the plan), `split` (one split through the runner, with the per-run
//! hook), `net` (the networks as the runner's model configuration), `summary` (what a run
//! records), `thresholds` (multi-label thresholds) and `report` (`summary.md`).

mod net;
mod plan;
mod report;
mod split;
mod summary;
mod thresholds;

pub use net::TextNet;
pub use plan::{CorpusName, TextPlan};
pub use report::report_markdown;
pub use summary::{RunRow, TextRunInfo, TextSummary};
pub use thresholds::tune_thresholds;

use split::run_split;

use std::path::Path;

use xent_core::artifacts::{self, DataInfo};
use xent_core::metrics::multilabel::MultiLabelMetrics;
use xent_core::report::plots::LabelPoints;

use crate::bow::{BagOfWords, TfIdf};
use crate::corpus::Document;
use crate::data::targets_of;
use crate::error::{Result, TextError};
use crate::tokenize::TextTokenizer;

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
    // A shard trains its share of every fold before it says what is left to other processes.
    let mut elsewhere = None;
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
        let result = match run_split(plan, &corpus, &train, &test, &data_info, &sub) {
            Err(TextError::Core(e @ xent_core::Error::Unfinished { .. })) => {
                elsewhere = Some(e);
                continue;
            }
            r => r?,
        };
        rows.extend(result.rows.into_iter().map(|r| RunRow { fold, ..r }));
        summary.get_or_insert(result.summary);
        if label_counts.is_none() {
            label_counts = result.label_counts;
        }
    }
    if let Some(e) = elsewhere {
        return Err(e.into());
    }
    let mut summary = summary.expect("at least one split");
    summary.runs = rows;
    artifacts::write_json(&dir.join("summary.json"), &summary)?;
    // report.md is the experiment's own (statistics, plots); the text table is summary.md.
    let table = "summary.md";
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
