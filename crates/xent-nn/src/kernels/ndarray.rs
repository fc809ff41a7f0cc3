//! The opt-in (deprecated) ndarray backend: Burn's own operations, through the traits' defaults.

use burn::backend::NdArray;

use super::{XentGrads, XentOps};

impl XentOps for NdArray {}
impl XentGrads for NdArray {}
