//! The one place that decides the compute backend, and the versions a run records for it.

use burn::prelude::Device;

use crate::artifacts::Versions;

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

/// The versions of this build (xent-core, Burn) on `device`, as a run's `config.json` records them.
pub fn versions(device: &Device) -> Versions {
    Versions {
        xent_core: env!("CARGO_PKG_VERSION").to_string(),
        burn: "0.22.1".to_string(),
        device: format!("{device:?}"),
    }
}
