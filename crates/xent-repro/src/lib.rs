//! xent-repro: the published cases, rerun with measured numbers.
//!
//! 1. [`cases::mnist`]: the MNIST CNN trained under binary and categorical cross-entropy — what
//!    Keras 2 printed, what Keras 3 prints, and the true accuracy on the 10k test images.
//! 2. [`cases::pima`]: Pima diabetes, one sigmoid + BCE vs two softmax + CCE, repeated runs.
//! 3. [`cases::temperature`]: a fixed temperature inside the softmax vs post-hoc temperature scaling.
//!
//! Data: [`idx`] (MNIST's idx files, gzip), [`mnist`], [`pima`], and [`rows`] (dense feature rows
//! as an engine data source); networks in [`models`]; [`reliability`] pools the reliability tables
//! of several runs. The cases' charts are drawn by `xent_core::report::plots`.

#![warn(missing_docs)]

pub mod error;
pub mod idx;
pub mod mnist;
pub mod models;

pub use error::{ReproError, Result};
pub mod cases;
pub mod pima;
pub mod reliability;
pub mod rows;

pub use rows::Rows;
