//! The report of an experiment: statistics across seeds and configurations.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::plots::{self, AccuracyBars, ReliabilityPanel, SeedDots};
use super::run::curves;
use super::{cell, gap, pct};
use crate::artifacts::write_atomic;
use crate::error::Result;
use crate::experiment::{Experiment, RunArtifacts};
use crate::metrics::ReliabilityBin;
use crate::stats::{Summary, TTest, format_p};
use crate::train::{EpochMetrics, EpochRecord};

/// `mean ± sd [lo, hi]` in percent.
fn summary_cell(s: &Summary) -> String {
    match (s.sd, s.ci95) {
        (Some(sd), Some((lo, hi))) => format!("{:.2} ± {:.2} [{:.2}, {:.2}]", 100.0 * s.mean, 100.0 * sd, 100.0 * lo, 100.0 * hi),
        _ => format!("{:.2} (1 run)", 100.0 * s.mean),
    }
}

fn test_cell(t: &Option<TTest>) -> String {
    match t {
        Some(t) => format!(
            "{:+.2} pt [{:+.2}, {:+.2}], t = {}, df = {:.1}, {}",
            100.0 * t.diff,
            100.0 * t.ci95.0,
            100.0 * t.ci95.1,
            t.t.map_or("–".into(), |v| format!("{v:.2}")),
            t.df,
            t.p.map_or("no p (no variation)".into(), format_p)
        ),
        None => "– (needs ≥ 2 runs)".into(),
    }
}

/// Per-epoch means over runs (each epoch over the runs that reached it).
fn mean_history(runs: &[&RunArtifacts]) -> Vec<EpochRecord> {
    let max = runs.iter().map(|r| r.history.len()).max().unwrap_or(0);
    let avg = |ms: &[&EpochMetrics]| -> EpochMetrics {
        let n = ms.len() as f64;
        let m = |f: &dyn Fn(&EpochMetrics) -> f64| ms.iter().map(|x| f(x)).sum::<f64>() / n;
        let o = |f: &dyn Fn(&EpochMetrics) -> Option<f64>| {
            let v: Vec<f64> = ms.iter().filter_map(|x| f(x)).collect();
            (v.len() == ms.len()).then(|| v.iter().sum::<f64>() / n)
        };
        EpochMetrics {
            loss: m(&|x| x.loss),
            accuracy: o(&|x| x.accuracy),
            keras2_reported_accuracy: m(&|x| x.keras2_reported_accuracy),
            keras3_reported_accuracy: m(&|x| x.keras3_reported_accuracy),
            binary_accuracy: m(&|x| x.binary_accuracy),
            macro_f1: o(&|x| x.macro_f1),
            balanced_accuracy: o(&|x| x.balanced_accuracy),
            nll: o(&|x| x.nll),
            ece: o(&|x| x.ece),
        }
    };
    (0..max)
        .map(|e| {
            let recs: Vec<&EpochRecord> = runs.iter().filter_map(|r| r.history.get(e)).collect();
            let train: Vec<&EpochMetrics> = recs.iter().map(|r| &r.train).collect();
            let valid: Vec<&EpochMetrics> = recs.iter().filter_map(|r| r.valid.as_ref()).collect();
            EpochRecord {
                epoch: e + 1,
                seconds: recs.iter().map(|r| r.seconds).sum::<f64>() / recs.len() as f64,
                lr: recs[0].lr,
                train: avg(&train),
                valid: (valid.len() == recs.len()).then(|| avg(&valid)),
            }
        })
        .collect()
}

fn pool_bins(bins: &[&[ReliabilityBin]]) -> Vec<ReliabilityBin> {
    let Some(first) = bins.first() else { return Vec::new() };
    (0..first.len())
        .map(|b| {
            let count: f64 = bins.iter().map(|x| x[b].count).sum();
            let w = |f: fn(&ReliabilityBin) -> f64| {
                if count > 0.0 { bins.iter().map(|x| f(&x[b]) * x[b].count).sum::<f64>() / count } else { 0.0 }
            };
            ReliabilityBin { lo: first[b].lo, hi: first[b].hi, count, confidence: w(|x| x.confidence), accuracy: w(|x| x.accuracy) }
        })
        .collect()
}

fn pooled_ece(bins: &[ReliabilityBin]) -> f64 {
    let n: f64 = bins.iter().map(|b| b.count).sum();
    if n == 0.0 {
        return 0.0;
    }
    bins.iter().map(|b| b.count / n * (b.accuracy - b.confidence).abs()).sum()
}

/// Writes the experiment's `report.md`, its plots, `results.csv` ([`super::results_csv`]) and
/// `statistics.json` ([`super::statistics`]) into its directory. Returns the files written.
///
/// # Errors
/// Writing fails.
pub fn write_experiment_report(exp: &Experiment) -> Result<Vec<PathBuf>> {
    let dir = &exp.dir;
    let m = &exp.manifest;
    let mut written = Vec::new();
    let by_loss = |l| exp.runs.iter().filter(move |r: &&RunArtifacts| r.loss() == l).collect::<Vec<_>>();
    let split = exp.runs.first().map_or("test".to_string(), |r| r.figures().split);

    // ---- plots ----
    let series: Vec<(String, Vec<EpochRecord>)> =
        m.losses.iter().map(|&l| (l.name().to_string(), mean_history(&by_loss(l)))).collect();
    let (lc, ac) = curves(&series);
    let p = dir.join("learning_curves.svg");
    let validated = exp.runs.iter().any(|r| r.history.iter().any(|h| h.valid.is_some()));
    plots::learning_curves(&p, &format!("Learning curves (mean of {} seeds per configuration)", exp.n_seeds()), &lc, &ac, validated)?;
    written.push(p);

    let bars: Vec<AccuracyBars> = exp
        .configs
        .iter()
        .map(|c| {
            let g = |k: &str| c.get(k).map_or((0.0, None), |(_, s)| (s.mean, s.ci95));
            AccuracyBars { name: c.loss.name().into(), true_acc: g("accuracy"), keras2: g("keras2_reported"), keras3: g("keras3_reported") }
        })
        .collect();
    let p = dir.join("accuracy_bars.svg");
    plots::accuracy_bars(&p, &format!("Reported vs true accuracy ({split} split, {} seeds)", exp.n_seeds()), &bars)?;
    written.push(p);

    let dots: Vec<SeedDots> = m
        .losses
        .iter()
        .map(|&l| SeedDots {
            name: l.name().into(),
            values: by_loss(l).iter().map(|r| {
                let f = r.figures();
                (r.config.train.seed, f.accuracy, f.keras2)
            }).collect(),
        })
        .collect();
    let p = dir.join("seeds.svg");
    plots::seed_dots(&p, &format!("Per-seed accuracy ({split} split)"), &dots, None)?;
    written.push(p);

    let mut panels = Vec::new();
    for &l in &m.losses {
        let runs = by_loss(l);
        let views: Vec<_> = runs.iter().filter_map(|r| r.calibration.as_ref().and_then(|c| c.views.last())).collect();
        if views.len() != runs.len() || views.is_empty() {
            continue;
        }
        let before = pool_bins(&views.iter().map(|v| v.before.reliability.as_slice()).collect::<Vec<_>>());
        let after = pool_bins(&views.iter().map(|v| v.after.reliability.as_slice()).collect::<Vec<_>>());
        let t_mean = views.iter().map(|v| v.temperature).sum::<f64>() / views.len() as f64;
        panels.push(ReliabilityPanel { caption: format!("{l}: before (T = 1)"), ece: pooled_ece(&before), bins: before });
        panels.push(ReliabilityPanel { caption: format!("{l}: after (mean T = {t_mean:.2})"), ece: pooled_ece(&after), bins: after });
    }
    if panels.is_empty() {
        // No temperature fitted (the final runs train on every training sample): the
        // reliability of the evaluated split as trained.
        for &l in &m.losses {
            let runs = by_loss(l);
            let owned: Vec<Vec<ReliabilityBin>> = runs.iter().map(|r| r.figures().evaluation.reliability).filter(|b| !b.is_empty()).collect();
            if owned.len() != runs.len() || owned.is_empty() {
                continue;
            }
            let pooled = pool_bins(&owned.iter().map(Vec::as_slice).collect::<Vec<_>>());
            panels.push(ReliabilityPanel { caption: format!("{l} (no temperature fitted)"), ece: pooled_ece(&pooled), bins: pooled });
        }
    }
    if !panels.is_empty() {
        let p = dir.join("reliability.svg");
        plots::reliability(&p, &format!("Reliability diagrams ({split} split, pooled over seeds)"), &panels, 2)?;
        written.push(p);
    }
    for &l in &m.losses {
        let runs = by_loss(l);
        let mats: Vec<&Vec<Vec<f64>>> = runs.iter().map(|r| &r.test.as_ref().unwrap_or(&r.metrics.valid.as_ref().unwrap_or(&r.metrics.train).evaluation).confusion_matrix).collect();
        let Some(first) = mats.first().filter(|f| !f.is_empty()) else { continue };
        let mut sum = vec![vec![0.0; first.len()]; first.len()];
        for mat in &mats {
            for (i, row) in mat.iter().enumerate() {
                for (j, v) in row.iter().enumerate() {
                    sum[i][j] += v;
                }
            }
        }
        let p = dir.join(format!("confusion_{}.svg", l.name()));
        plots::confusion(&p, &format!("Confusion matrix: {l} ({split} split, summed over {} seeds)", runs.len()), &sum, &m.class_names)?;
        written.push(p);
    }

    // ---- markdown ----
    let mut md = String::new();
    let _ = writeln!(md, "# Experiment report: {}\n", dir.file_name().and_then(|n| n.to_str()).unwrap_or("experiment"));
    let first = exp.runs.first();
    let _ = writeln!(
        md,
        "{} seeds ({}) × {} loss configurations, one model, one data split. Data: `{}` (SHA-256 `{}`, identical in \
         every run){}. Figures are on the **{split}** split{}. Training: {} epochs, batch {}, optimizer `{}`.\n",
        m.seeds.len(),
        m.seeds.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
        m.losses.len(),
        m.data.source,
        m.data.sha256,
        first.map_or(String::new(), |r| format!(", {} training / {} validation samples", r.config.n_train, r.config.n_valid)),
        first.and_then(|r| r.test.as_ref()).map_or(String::new(), |t| format!(" ({} samples)", t.n)),
        m.train.epochs,
        m.train.batch_size,
        m.train.optimizer,
    );
    md.push_str("## Results per configuration\n\nEach cell: mean ± sd [95 % CI of the mean] in percent, over seeds.\n\n");
    md.push_str("| configuration | true accuracy | Keras 2 reports | Keras 3 reports | macro-F1 | balanced accuracy | ECE before | ECE after |\n");
    md.push_str("|---|---|---|---|---|---|---|---|\n");
    for c in &exp.configs {
        let g = |k: &str| c.get(k).map_or("–".to_string(), |(_, s)| summary_cell(s));
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            c.loss.name(),
            g("accuracy"),
            g("keras2_reported"),
            g("keras3_reported"),
            g("macro_f1"),
            g("balanced_accuracy"),
            g("ece_before"),
            g("ece_after")
        );
    }
    md.push_str("\nConfigurations: ");
    md.push_str(&m.losses.iter().map(|l| format!("`{}` = {}", l.name(), l.describe())).collect::<Vec<_>>().join("; "));
    md.push_str(".\n\n");

    md.push_str("## Is the difference real?\n\n");
    if exp.n_seeds() < 2 {
        md.push_str(
            "**Only one seed per configuration: no test is possible.** A single run per configuration says nothing \
             about run-to-run variation, so no confidence interval or p-value is given. Run the plan with at least \
             2 seeds (see docs/statistics.md for how many are needed).\n\n",
        );
    }
    for c in exp.comparisons.iter().filter(|c| c.metric == "true accuracy") {
        let _ = writeln!(md, "- **{}**", c.verdict);
    }
    md.push_str("\n| comparison | metric | paired t-test over seeds (A − B) | Welch's t-test | Cohen's d | d_z | runs for a 1-pt difference |\n");
    md.push_str("|---|---|---|---|---|---|---|\n");
    for c in &exp.comparisons {
        let _ = writeln!(
            md,
            "| {} − {} | {} | {} | {} | {} | {} | {} |",
            c.a,
            c.b,
            c.metric,
            test_cell(&c.paired),
            test_cell(&c.welch),
            c.cohens_d.map_or("–".into(), |d| format!("{d:.2}")),
            c.cohens_dz.map_or("–".into(), |d| format!("{d:.2}")),
            c.runs_for_1pt.map_or("–".into(), |n| n.to_string())
        );
    }
    md.push_str(
        "\nThe verdict uses the paired t-test (runs of both configurations share seeds, so the per-seed differences \
         remove the seed's own effect) at α = 0.05; Welch's test treats the groups as independent. \"Runs for a 1-pt \
         difference\" is the number of seeds per configuration a two-sided test at α = 0.05 needs to detect a true \
         1-point difference with 80 % power given the observed sd (see docs/statistics.md). The rows on the \
         Keras-2-reported accuracy show what a comparison on the reported figure would have concluded.\n\n",
    );

    md.push_str("## Reported vs true accuracy\n\n");
    let mut any_gap = false;
    for &l in &m.losses {
        let runs = by_loss(l);
        let Some(r) = runs.first() else { continue };
        let c = exp.configs.iter().find(|c| c.loss == l);
        let mean = |k: &str| c.and_then(|c| c.get(k)).map_or(0.0, |(_, s)| s.mean);
        if let Some(text) = gap::explain(l, r.config.num_outputs, r.config.num_classes, mean("accuracy"), mean("keras2_reported"), mean("keras3_reported")) {
            any_gap = true;
            let _ = writeln!(md, "**{l}** (means over seeds). {text}\n");
        }
    }
    if !any_gap {
        md.push_str("No configuration's reported accuracy differs from its true accuracy by 0.05 pt or more under either Keras rule.\n\n");
    }

    md.push_str("## Per class (mean over seeds)\n\n");
    let names = &m.class_names;
    for &l in &m.losses {
        let runs = by_loss(l);
        let evs: Vec<_> = runs.iter().map(|r| r.figures().evaluation).collect();
        let Some(k) = evs.first().map(|e| e.per_class.len()).filter(|&k| k > 0) else { continue };
        let _ = writeln!(
            md,
            "**{l}**\n\n| class | precision (PPV) | recall (sensitivity) | specificity | F1 | support |\n|---|---|---|---|---|---|"
        );
        for cl in 0..k {
            let avg = |f: fn(&crate::metrics::ClassStats) -> f64| evs.iter().map(|e| f(&e.per_class[cl])).sum::<f64>() / evs.len() as f64;
            let name = names.get(cl).cloned().unwrap_or_else(|| cl.to_string());
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {:.0} |",
                cell(&name),
                pct(avg(|s| s.precision)),
                pct(avg(|s| s.recall)),
                pct(avg(|s| s.specificity)),
                pct(avg(|s| s.f1)),
                avg(|s| s.support)
            );
        }
        let kappas: Vec<f64> = evs.iter().filter_map(|e| e.cohen_kappa).collect();
        if !kappas.is_empty() {
            let mean = kappas.iter().sum::<f64>() / kappas.len() as f64;
            let _ = writeln!(md, "\nCohen's κ (mean over seeds): {mean:.3}");
        }
        md.push('\n');
    }

    md.push_str("## Runs\n\n| configuration | seed | true accuracy | Keras 2 reports | Keras 3 reports | macro-F1 | ECE before → after | T | directory |\n|---|---|---|---|---|---|---|---|---|\n");
    for r in &exp.runs {
        let f = r.figures();
        let rel = r.dir.strip_prefix(dir).unwrap_or(&r.dir).display().to_string();
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} → {} | {} | [{rel}]({rel}/report.md) |",
            r.loss(),
            r.config.train.seed,
            pct(f.accuracy),
            pct(f.keras2),
            pct(f.keras3),
            super::opt_pct(f.macro_f1),
            super::opt_pct(f.ece_before),
            super::opt_pct(f.ece_after),
            r.calibration.as_ref().and_then(|c| c.views.last()).map_or("–".into(), |v| format!("{:.2}", v.temperature)),
        );
    }
    md.push_str("\n## Plots\n\n");
    for p in &written {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let _ = writeln!(md, "![{name}]({name})\n");
    }
    md.push_str("Regenerate with `xent report <this directory>`; the figures come from the run directories' artifacts only.\n");
    let rp = dir.join("report.md");
    write_atomic(&rp, md.as_bytes())?;
    written.push(rp);
    // The report's figures and statistics in machine-readable form, from the same values.
    written.push(super::results_csv::write(exp)?);
    written.push(super::statistics::write(exp)?);
    Ok(written)
}
