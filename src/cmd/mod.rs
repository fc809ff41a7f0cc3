//! One module per subcommand.

pub mod ecg;
pub mod report;
pub mod repro;
pub mod run;
pub mod score;
pub mod text;
pub mod train;
