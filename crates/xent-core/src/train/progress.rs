//! Progress of an epoch: a bar (samples/s and ETA) when stderr is a terminal, otherwise one line
//! per epoch when it ends (what a batch job's log keeps); nothing when quiet is asked.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Per-epoch progress display.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    /// The line prefix when no bar is drawn and lines are written: `run: epoch e/E`.
    line: Option<String>,
}

impl Progress {
    /// Progress over `samples` for epoch `epoch` of `epochs` of the run called `label` (e.g. its
    /// directory; may be empty): a bar on a terminal, a line at the end of the epoch otherwise,
    /// nothing when `quiet`.
    pub fn epoch(label: &str, epoch: usize, epochs: usize, samples: usize, quiet: bool) -> Self {
        if quiet {
            return Self { bar: None, line: None };
        }
        if !std::io::stderr().is_terminal() {
            let sep = if label.is_empty() { "" } else { ": " };
            return Self { bar: None, line: Some(format!("{label}{sep}epoch {epoch}/{epochs}")) };
        }
        let bar = ProgressBar::with_draw_target(Some(samples as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "epoch {prefix} [{bar:30}] {pos}/{len} {per_sec} ETA {eta} {msg}",
        )
        .expect("valid template")
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(format!("{epoch}/{epochs}"));
        Self { bar: Some(bar), line: None }
    }

    /// Advances by `n` samples and shows the running loss.
    pub fn advance(&self, n: usize, loss: f64) {
        if let Some(b) = &self.bar {
            b.inc(n as u64);
            b.set_message(format!("loss {loss:.4}"));
        }
    }

    /// Ends the epoch: the bar keeps `summary` on its line, or the line is written to stderr.
    pub fn finish(&self, summary: &str) {
        if let Some(b) = &self.bar {
            b.finish_with_message(summary.to_string());
        } else if let Some(prefix) = &self.line {
            eprintln!("{prefix}: {summary}");
        }
    }

    /// Whether the bar is drawn.
    pub fn is_visible(&self) -> bool {
        self.bar.is_some()
    }
}
