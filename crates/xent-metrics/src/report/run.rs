//! The report of one run.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::plots::{self, Curve, ReliabilityPanel};
use super::{cell, gap, opt_pct, pct};
use crate::artifacts::write_atomic;
use crate::calibrate::CalibrationReport;
use crate::error::Result;
use crate::experiment::RunArtifacts;
use crate::metrics::Evaluation;
use crate::train::EpochRecord;

/// Loss and accuracy curves of histories, one colour per entry of `series`.
pub(crate) fn curves(series: &[(String, Vec<EpochRecord>)]) -> (Vec<Curve>, Vec<Curve>) {
    let (mut loss, mut acc) = (Vec::new(), Vec::new());
    for (i, (name, h)) in series.iter().enumerate() {
        let pts = |f: &dyn Fn(&EpochRecord) -> Option<f64>| -> Vec<(f64, f64)> {
            h.iter().filter_map(|r| f(r).map(|v| (r.epoch as f64, v))).collect()
        };
        loss.push(Curve { label: format!("{name} training"), color: i, dashed: false, points: pts(&|r| Some(r.train.loss)) });
        let vl = pts(&|r| r.valid.as_ref().map(|v| v.loss));
        if !vl.is_empty() {
            loss.push(Curve { label: format!("{name} validation"), color: i, dashed: true, points: vl });
        }
        let split = |r: &EpochRecord| r.valid.clone().unwrap_or_else(|| r.train.clone());
        acc.push(Curve { label: format!("{name} true"), color: i, dashed: false, points: pts(&|r| split(r).accuracy) });
        acc.push(Curve {
            label: format!("{name} Keras 2 reports"),
            color: i,
            dashed: true,
            points: pts(&|r| Some(split(r).keras2_reported_accuracy)),
        });
    }
    (loss, acc)
}

/// The per-class table of an evaluation.
pub(crate) fn per_class_table(out: &mut String, e: &Evaluation, names: &[String]) {
    if e.per_class.is_empty() {
        return;
    }
    out.push_str("| class | precision | recall | F1 | support |\n|---|---|---|---|---|\n");
    for (c, s) in e.per_class.iter().enumerate() {
        let name = names.get(c).cloned().unwrap_or_else(|| c.to_string());
        let _ = writeln!(out, "| {} | {} | {} | {} | {} |", cell(&name), pct(s.precision), pct(s.recall), pct(s.f1), s.support);
    }
    out.push('\n');
}

/// The calibration section of a run.
pub(crate) fn calibration_section(out: &mut String, c: &CalibrationReport) {
    let _ = writeln!(
        out,
        "Temperature scaling: one T fitted on the {} split ({} samples) by minimising its NLL, applied to the {} \
         split ({} samples). Accuracy is unchanged by construction.\n",
        c.fitted_on, c.n_fit, c.evaluated_on, c.n_eval
    );
    out.push_str("| what was calibrated | T | ECE before → after | NLL before → after | Brier before → after | accuracy |\n|---|---|---|---|---|---|\n");
    for v in &c.views {
        let _ = writeln!(
            out,
            "| {} | {:.3}{} | {} → {} | {:.4} → {:.4} | {:.4} → {:.4} | {} |",
            cell(&v.description),
            v.temperature,
            if v.at_bound { " (search bound)" } else { "" },
            pct(v.before.ece),
            pct(v.after.ece),
            v.before.nll,
            v.after.nll,
            v.before.brier,
            v.after.brier,
            pct(v.after.accuracy)
        );
    }
    if c.views.len() > 1 {
        out.push_str(
            "\nWith K sigmoids two things can be calibrated: each sigmoid as the probability of its own label \
             (its \"accuracy\" is the element-wise binary accuracy, what Keras 2 reports), and the normalised argmax \
             confidence the other figures in this report use; each has its own T.\n",
        );
    }
    if c.evaluated_on == "validation" {
        out.push_str("\nThere is no test split: the \"after\" figures are measured on the data T was fitted on, so they are optimistic.\n");
    }
    out.push('\n');
}

/// Writes `history.csv` (from `history.jsonl`), `report.md`, `learning_curves.svg`,
/// `confusion.svg` and (with calibration) `reliability.svg` into the run directory. Returns the
/// files written.
///
/// # Errors
/// Writing fails.
pub fn write_run_report(run: &RunArtifacts) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let f = run.figures();
    let e = &f.evaluation;
    let loss = run.loss();
    let names = &run.config.class_names;
    let title = format!("{} — seed {}", loss.name(), run.config.train.seed);

    let lc = run.dir.join("learning_curves.svg");
    let (lcurves, acurves) = curves(&[(loss.name().to_string(), run.history.clone())]);
    let validated = run.history.iter().any(|h| h.valid.is_some());
    plots::learning_curves(&lc, &format!("Learning curves: {title}"), &lcurves, &acurves, validated)?;
    written.push(lc);
    if !e.confusion_matrix.is_empty() {
        let p = run.dir.join("confusion.svg");
        plots::confusion(&p, &format!("Confusion matrix ({} split): {title}", f.split), &e.confusion_matrix, names)?;
        written.push(p);
    }
    if let Some(c) = &run.calibration
        && let Some(v) = c.views.last()
    {
        let p = run.dir.join("reliability.svg");
        let panels = vec![
            ReliabilityPanel { caption: "before (T = 1)".into(), bins: v.before.reliability.clone(), ece: v.before.ece },
            ReliabilityPanel { caption: format!("after (T = {:.2})", v.temperature), bins: v.after.reliability.clone(), ece: v.after.ece },
        ];
        plots::reliability(&p, &format!("Reliability diagram ({} split): {title}", c.evaluated_on), &panels, 2)?;
        written.push(p);
    }

    let mut md = String::new();
    let _ = writeln!(md, "# Run report: {title}\n");
    let _ = writeln!(
        md,
        "Configuration: **{}** ({}). Model outputs: {}. Data: `{}` (SHA-256 `{}`), {} training / {} validation \
         samples. Epochs run: {} (weights of epoch {}{}).\n",
        loss.name(),
        loss.describe(),
        run.config.num_outputs,
        run.config.data.source,
        run.config.data.sha256,
        run.config.n_train,
        run.config.n_valid,
        run.metrics.epochs_run,
        run.metrics.weights_epoch,
        if run.metrics.stopped_early { ", stopped early" } else { "" }
    );
    let _ = writeln!(md, "## Figures on the {} split ({} samples)\n", f.split, e.n);
    md.push_str("| true accuracy | Keras 2 reports | Keras 3 reports | macro-F1 | balanced accuracy | NLL | Brier | ECE before → after |\n");
    md.push_str("|---|---|---|---|---|---|---|---|\n");
    let _ = writeln!(
        md,
        "| {} | {} | {} | {} | {} | {} | {} | {} → {} |\n",
        pct(f.accuracy),
        pct(f.keras2),
        pct(f.keras3),
        opt_pct(f.macro_f1),
        opt_pct(f.balanced_accuracy),
        e.nll.map_or("–".into(), |v| format!("{v:.4}")),
        e.brier.map_or("–".into(), |v| format!("{v:.4}")),
        opt_pct(f.ece_before),
        opt_pct(f.ece_after)
    );
    if let Some(text) = gap::explain(loss, run.config.num_outputs, run.config.num_classes, f.accuracy, f.keras2, f.keras3) {
        let _ = writeln!(md, "**Why the reported accuracy differs.** {text}\n");
    }
    md.push_str("### Per class\n\n");
    per_class_table(&mut md, e, names);
    if let Some(c) = &run.calibration {
        md.push_str("## Calibration\n\n");
        calibration_section(&mut md, c);
    }
    md.push_str("## Plots\n\n");
    for p in &written {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let _ = writeln!(md, "![{name}]({name})\n");
    }
    md.push_str("Regenerate with `xent report <this directory>`.\n");
    let rp = run.dir.join("report.md");
    write_atomic(&rp, md.as_bytes())?;
    written.push(rp);
    if !run.history.is_empty() {
        // Made from history.jsonl, so runs trained before history.csv existed get one too.
        let p = run.dir.join("history.csv");
        write_atomic(&p, crate::train::history_csv::to_csv(&run.history)?.as_bytes())?;
        written.push(p);
    }
    Ok(written)
}
