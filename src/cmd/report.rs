//! `xent report RUN_OR_EXPERIMENT`: regenerate `report.md` and the SVG plots from the artifacts.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

/// Arguments of `xent report`.
#[derive(Args, Debug)]
#[command(after_help = "A run directory holds metrics.json (and config.json, history.jsonl); an experiment \
directory holds experiment.json and one run directory per configuration and seed (<loss>/seed-<n>). \
Nothing is retrained: every figure comes from the saved artifacts. Exit code 2 on a missing or \
unfinished run, or runs that disagree on the data checksum.")]
pub struct ReportArgs {
    /// A run directory or an experiment directory.
    #[arg(value_name = "RUN_OR_EXPERIMENT")]
    pub path: PathBuf,
}

/// Regenerates the report and prints the files written.
pub fn run(args: ReportArgs) -> Result<()> {
    let written = xent_metrics::report::regenerate(&args.path)
        .with_context(|| format!("cannot make the report of {}", args.path.display()))?;
    for p in &written {
        println!("wrote {}", p.display());
    }
    Ok(())
}
