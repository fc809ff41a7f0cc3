//! The pipeline's `report.md`: the runs' table, the verdicts across seeds and the settings.

use xent_core::LossConfig;

use super::{CorpusName, RunRow, TextPlan, TextSummary};
use crate::model::ModelKind;

fn mean_sd(v: &[f64]) -> String {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    if v.len() < 2 {
        return format!("{:.2}", 100.0 * m);
    }
    let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    format!("{:.2} ± {:.2}", 100.0 * m, 100.0 * sd)
}

/// `report.md`: per configuration, mean ± sd (sample sd, over seeds and folds) in percent.
pub fn report_markdown(plan: &TextPlan, s: &TextSummary) -> String {
    let mut md = format!(
        "# Text: {} with the {} network{}\n\nTraining documents {}, test documents {}{}; vocabulary {} ({:?}, {}); \
         empty after tokenisation: {}; truncated: {}.\n\
         Epochs {}, batch {}, {}, seeds {:?}{}.\n\n",
        plan.corpus.name(),
        plan.model.name(),
        if plan.model == ModelKind::Linear { String::new() } else { format!(" (width {})", plan.embed_dim) },
        s.n_train,
        s.n_test,
        if s.n_threshold > 0 { format!(", held out for thresholds {}", s.n_threshold) } else { String::new() },
        s.vocab_size,
        plan.tokenizer.kind,
        if plan.model.is_bag_of_words() {
            format!("whole documents as TF-IDF bags{}", if plan.sublinear_tf { ", sublinear tf" } else { "" })
        } else {
            format!("max length {}, truncation keeps the beginning", plan.tokenizer.max_len)
        },
        s.empty_documents,
        s.truncated_documents,
        plan.epochs,
        plan.batch_size,
        plan.optimizer,
        plan.seeds,
        if s.runs.iter().any(|r| r.fold > 0) || matches!(plan.corpus, CorpusName::Bbc | CorpusName::AgNews) {
            format!(", {} of {} folds", plan.run_folds, plan.folds)
        } else {
            String::new()
        },
    );
    let multi = s.runs.iter().any(|r| r.multilabel.is_some());
    if multi {
        md.push_str("| configuration | runs | micro-F1 @0.5 | macro-F1 @0.5 | subset acc @0.5 | Hamming loss @0.5 | micro-F1 tuned | macro-F1 tuned | Keras 2 reports |\n|---|---|---|---|---|---|---|---|---|\n");
    } else {
        md.push_str("| configuration | runs | true accuracy % | Keras 2 reports % | Keras 3 reports % | macro-F1 % |\n|---|---|---|---|---|---|\n");
    }
    for &c in &plan.configs {
        let r: Vec<&RunRow> = s.runs.iter().filter(|r| r.config == c).collect();
        if r.is_empty() {
            continue;
        }
        let col = |f: &dyn Fn(&RunRow) -> Option<f64>| mean_sd(&r.iter().filter_map(|x| f(x)).collect::<Vec<_>>());
        if multi {
            md.push_str(&format!(
                "| {c} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.len(),
                col(&|x| x.multilabel.as_ref().map(|m| m.micro_f1)),
                col(&|x| x.multilabel.as_ref().map(|m| m.macro_f1)),
                col(&|x| x.multilabel.as_ref().map(|m| m.subset_accuracy)),
                col(&|x| x.multilabel.as_ref().map(|m| m.hamming_loss)),
                col(&|x| x.multilabel_tuned.as_ref().map(|m| m.micro_f1)),
                col(&|x| x.multilabel_tuned.as_ref().map(|m| m.macro_f1)),
                col(&|x| Some(x.keras2_reported)),
            ));
        } else {
            md.push_str(&format!(
                "| {c} | {} | {} | {} | {} | {} |\n",
                r.len(),
                col(&|x| x.accuracy),
                col(&|x| Some(x.keras2_reported)),
                col(&|x| Some(x.keras3_reported)),
                col(&|x| x.macro_f1),
            ));
        }
    }
    if !multi {
        let verdicts = verdicts(plan, s);
        if !verdicts.is_empty() {
            md.push_str("\nIs the difference real? (true accuracy, paired t-test over runs with the same seed and fold)\n\n");
            for v in verdicts {
                md.push_str(&format!("- {v}\n"));
            }
        }
    }
    if !s.warnings.is_empty() {
        md.push_str("\nLoading notes:\n\n");
        for w in &s.warnings {
            md.push_str(&format!("- {w}\n"));
        }
    }
    md
}

/// The verdict of every pair of configurations on the true accuracy, paired by (fold, seed);
/// none with fewer than two runs per configuration.
fn verdicts(plan: &TextPlan, s: &TextSummary) -> Vec<String> {
    let runs_of = |c: LossConfig| {
        let mut r: Vec<&RunRow> = s.runs.iter().filter(|r| r.config == c && r.accuracy.is_some()).collect();
        r.sort_by_key(|r| (r.fold, r.seed));
        r
    };
    let mut out = Vec::new();
    for (i, &a) in plan.configs.iter().enumerate() {
        for &b in &plan.configs[i + 1..] {
            let (ra, rb) = (runs_of(a), runs_of(b));
            if ra.len() < 2 || rb.len() < 2 {
                continue;
            }
            let paired = ra.len() == rb.len() && ra.iter().zip(&rb).all(|(x, y)| (x.fold, x.seed) == (y.fold, y.seed));
            let acc = |r: &[&RunRow]| r.iter().filter_map(|x| x.accuracy).collect::<Vec<f64>>();
            if let Ok(c) = xent_core::stats::Comparison::new(a.name(), b.name(), "true accuracy", &acc(&ra), &acc(&rb), paired) {
                out.push(c.verdict);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_sd_uses_the_sample_sd() {
        assert_eq!(mean_sd(&[0.9, 0.8]), "85.00 ± 7.07");
        assert_eq!(mean_sd(&[0.5]), "50.00");
    }
}
