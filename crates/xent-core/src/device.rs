//! The one place that decides the compute backend.

use burn::prelude::Device;

/// The device every xent computation runs on: Burn's pure-Rust `flex` CPU backend.
///
/// With the opt-in `ndarray` feature and `XENT_BACKEND=ndarray` in the environment, the
/// deprecated `ndarray` backend is used instead (about 15× slower to train; removed in Burn 0.23).
/// Training uses `default_device().autodiff()`.
pub fn default_device() -> Device {
    #[cfg(feature = "ndarray")]
    if std::env::var("XENT_BACKEND").as_deref() == Ok("ndarray") {
        #[allow(deprecated)]
        return Device::ndarray();
    }
    Device::flex()
}
