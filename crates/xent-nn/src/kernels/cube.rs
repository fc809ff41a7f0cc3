//! Burn's GPU backends (CubeCL: wgpu and CUDA, the `wgpu` and `cuda` features): Burn's own
//! operations, through the traits' defaults, forward and backward (under `autodiff()` the
//! `Autodiff` implementation records xent's operations and calls these backward defaults).
//!
//! `Cube` is one backend type for every CubeCL runtime (wrapped in Burn's fusion when that is on);
//! the device a tensor carries says which runtime it runs on, so one implementation covers both.

use burn::backend::Cube;

use super::{XentGrads, XentOps};

impl XentOps for Cube {}
impl XentGrads for Cube {}
