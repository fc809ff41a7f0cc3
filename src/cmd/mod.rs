//! One module per subcommand.

pub mod ecg;
pub mod score;
