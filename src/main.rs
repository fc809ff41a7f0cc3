//! `xent`: train the same network under softmax + categorical and sigmoid + binary cross-entropy,
//! and report what each truly achieves.
//!
//! `score` and `report` only read files (xent-metrics, no Burn); every other command trains or runs
//! a model and comes with the default `train` feature (`cargo build --no-default-features` leaves
//! it out).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod exit;

/// mimalloc instead of glibc's allocator: Burn's CPU backend allocates and frees large buffers on
/// every op, and glibc hands them back to the kernel each time (page faults, TLB shootdowns);
/// see `docs/performance.md`, "Threading, buffers and the allocator".
#[cfg(feature = "train")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(name = "xent", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Audit predictions made by any framework: true accuracy beside what Keras would have reported.
    Score(cmd::score::ScoreArgs),
    /// Regenerate report.md and the SVG plots of a run or an experiment from its artifacts.
    Report(cmd::report::ReportArgs),
    // The commands that train or run models (Burn): only with the `train` feature (default).
    #[cfg(feature = "train")]
    #[command(flatten)]
    Engine(Box<cmd::EngineCommand>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Score(args) => cmd::score::run(args),
        Command::Report(args) => cmd::report::run(args),
        #[cfg(feature = "train")]
        Command::Engine(command) => command.run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // Another process finishes the experiment: say so, and succeed.
        Err(err) if exit::fault(&err) == xent_metrics::Fault::Deferred => {
            println!("{}", message(&err));
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {}", message(&err));
            exit::code(&err)
        }
    }
}

/// The error and its causes joined by `: `, leaving out a cause whose text the message already
/// holds (library errors such as an I/O error naming its file often print their source too).
fn message(err: &anyhow::Error) -> String {
    let mut msg = err.to_string();
    for cause in err.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    msg
}
