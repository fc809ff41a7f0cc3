//! `xent repro` without the `xent` binary: the same CLI module (`src/cmd/repro.rs`), for running
//! the cases from this crate alone (`cargo run -p xent-repro --example repro_cli -- all`).

#[path = "../../../src/cmd/repro.rs"]
mod repro;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(name = "xent repro")]
struct Cli {
    #[command(flatten)]
    args: repro::ReproArgs,
}

fn main() -> std::process::ExitCode {
    match repro::run(Cli::parse().args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
