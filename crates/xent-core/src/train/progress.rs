//! A progress bar per epoch (samples/s and ETA), hidden when stderr is not a terminal or when
//! quiet is asked.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Per-epoch progress display.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar over `samples` for epoch `epoch` of `epochs`; hidden when `quiet` or stderr is not a
    /// terminal.
    pub fn epoch(epoch: usize, epochs: usize, samples: usize, quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Self { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(samples as u64), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "epoch {prefix} [{bar:30}] {pos}/{len} {per_sec} ETA {eta} {msg}",
        )
        .expect("valid template")
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(format!("{epoch}/{epochs}"));
        Self { bar: Some(bar) }
    }

    /// Advances by `n` samples and shows the running loss.
    pub fn advance(&self, n: usize, loss: f64) {
        if let Some(b) = &self.bar {
            b.inc(n as u64);
            b.set_message(format!("loss {loss:.4}"));
        }
    }

    /// Ends the bar, leaving `summary` on the line.
    pub fn finish(&self, summary: &str) {
        if let Some(b) = &self.bar {
            b.finish_with_message(summary.to_string());
        }
    }

    /// Whether the bar is drawn.
    pub fn is_visible(&self) -> bool {
        self.bar.is_some()
    }
}
