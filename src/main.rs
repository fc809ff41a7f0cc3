//! `xent`: train the same network under softmax + categorical and sigmoid + binary cross-entropy,
//! and report what each truly achieves.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

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
    /// ECG records: header and annotation facts, WAV export, QRS detection.
    #[command(subcommand)]
    Ecg(cmd::ecg::EcgCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Score(args) => cmd::score::run(args),
        Command::Ecg(command) => cmd::ecg::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            // 2 = bad input or usage (clap uses 2 as well).
            ExitCode::from(2)
        }
    }
}
