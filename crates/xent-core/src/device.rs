//! The one place that decides the compute backend, and the versions a run records for it.
//!
//! Every computation of the process runs on [`default_device`]: Burn's `flex` CPU backend unless
//! the command line chose another device with [`select_device`] (`--device`, parsed by
//! [`parse_device`]). The GPU backends are cargo features: `wgpu` and `cuda`.

use std::sync::RwLock;

use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::{Device, Tensor};

use crate::artifacts::Versions;
use crate::error::{Error, Result};

/// The device chosen for this process by [`select_device`], if any.
static SELECTED: RwLock<Option<Device>> = RwLock::new(None);

/// The device every xent computation runs on: the one [`select_device`] chose, else Burn's
/// pure-Rust `flex` CPU backend.
///
/// With the opt-in `ndarray` feature and `XENT_BACKEND=ndarray` in the environment (and no
/// device selected), the deprecated `ndarray` backend is used instead (about 15× slower to train;
/// removed in Burn 0.23). Training uses `default_device().autodiff()`.
pub fn default_device() -> Device {
    if let Some(device) = SELECTED.read().unwrap_or_else(|poisoned| poisoned.into_inner()).as_ref() {
        return device.clone();
    }
    #[cfg(feature = "ndarray")]
    if std::env::var("XENT_BACKEND").as_deref() == Ok("ndarray") {
        #[allow(deprecated)]
        return Device::ndarray();
    }
    Device::flex()
}

/// Makes `device` the one [`default_device`] returns from now on, for the whole process (the
/// command line's `--device`, chosen before anything is computed).
pub fn select_device(device: Device) {
    *SELECTED.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(device);
}

/// The device names [`parse_device`] knows, for messages.
pub const DEVICE_NAMES: &str = "cpu, cuda, cuda:N, wgpu, wgpu:N";

/// The device named `name`:
///
/// - `cpu`: Burn's `flex` CPU backend (the default);
/// - `cuda` or `cuda:N`: NVIDIA GPU `N` (0 by default) through CUDA, with the `cuda` feature;
/// - `wgpu`: the GPU wgpu prefers (Vulkan, Metal or DirectX 12), with the `wgpu` feature;
///   `wgpu:N`: discrete GPU `N`.
///
/// The device is not opened here: a GPU that is missing at run time fails at the first
/// computation, in Burn.
///
/// # Errors
/// [`Error::InvalidArgument`] for a name outside the list above; [`Error::DeviceNotBuilt`] for a
/// GPU device whose cargo feature this build does not have.
pub fn parse_device(name: &str) -> Result<Device> {
    let name = name.trim();
    let (kind, index) = match name.split_once(':') {
        Some((kind, index)) => {
            let parsed = index.parse::<usize>().map_err(|_| {
                Error::InvalidArgument(format!("device {name:?}: {index:?} is not a device index (a whole number ≥ 0)"))
            })?;
            (kind, Some(parsed))
        }
        None => (name, None),
    };
    match (kind, index) {
        ("cpu", None) => Ok(Device::flex()),
        ("cuda", index) => cuda(name, index.unwrap_or(0)),
        ("wgpu", index) => wgpu(name, index),
        _ => Err(Error::InvalidArgument(format!("unknown device {name:?}; the devices are {DEVICE_NAMES}"))),
    }
}

#[cfg(feature = "cuda")]
#[allow(clippy::unnecessary_wraps)]
fn cuda(_name: &str, index: usize) -> Result<Device> {
    Ok(Device::cuda(index))
}

#[cfg(not(feature = "cuda"))]
fn cuda(name: &str, _index: usize) -> Result<Device> {
    Err(Error::DeviceNotBuilt { device: name.to_owned(), feature: "cuda" })
}

#[cfg(feature = "wgpu")]
#[allow(clippy::unnecessary_wraps)]
fn wgpu(_name: &str, index: Option<usize>) -> Result<Device> {
    use burn::tensor::DeviceKind;
    Ok(Device::wgpu(index.map_or(DeviceKind::DefaultDevice, DeviceKind::DiscreteGpu)))
}

#[cfg(not(feature = "wgpu"))]
fn wgpu(name: &str, _index: Option<usize>) -> Result<Device> {
    Err(Error::DeviceNotBuilt { device: name.to_owned(), feature: "wgpu" })
}

/// A model built by `init` after Burn's RNG is seeded with `seed`, on `device`.
///
/// The GPU backends draw random numbers from generators of their own, so on a GPU the model is
/// built and initialised on the CPU (flex, seeded the same way) and then moved to the GPU: a
/// seed starts a run from the same weights on every device.
pub fn seeded_init<M: Module>(device: &Device, seed: u64, init: impl FnOnce(&Device) -> M) -> M {
    device.seed(seed);
    if on_gpu(device) { via_host(device, seed, init) } else { init(device) }
}

/// Whether `device` is one of Burn's GPU backends (CubeCL: wgpu, CUDA).
#[cfg(any(feature = "wgpu", feature = "cuda"))]
fn on_gpu(device: &Device) -> bool {
    matches!(device.clone().inner().as_dispatch(), burn::backend::DispatchDevice::Cube(_))
}

/// Whether `device` is one of Burn's GPU backends: never without the `wgpu` and `cuda` features.
#[cfg(not(any(feature = "wgpu", feature = "cuda")))]
fn on_gpu(_device: &Device) -> bool {
    false
}

/// `init` on the flex device seeded with `seed` (with autodiff if `device` has it), every
/// parameter initialised there (Burn initialises parameters lazily, on first use, on whichever
/// device the module is then on), then forked to `device`.
fn via_host<M: Module>(device: &Device, seed: u64, init: impl FnOnce(&Device) -> M) -> M {
    let host = if device.is_autodiff() { Device::flex().autodiff() } else { Device::flex() };
    host.seed(seed);
    let model = init(&host);
    model.visit(&mut Materialize);
    model.fork(device)
}

/// Reads every float parameter once, which initialises a lazy one where the module is.
struct Materialize;

impl ModuleVisitor for Materialize {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        drop(param.val());
    }
}

/// The versions of this build (xent-core, Burn) on `device`, as a run's `config.json` records them.
pub fn versions(device: &Device) -> Versions {
    Versions {
        xent_core: env!("CARGO_PKG_VERSION").to_string(),
        burn: "0.22.1".to_string(),
        device: format!("{device:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_is_flex_and_bad_names_are_refused() {
        assert_eq!(format!("{:?}", parse_device("cpu").unwrap()), format!("{:?}", Device::flex()));
        for bad in ["", "gpu", "cpu:0", "cuda:x", "cuda:-1", "wgpu:", "CUDA"] {
            let err = parse_device(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidArgument(_)), "{bad:?}: {err}");
            assert_eq!(err.fault(), crate::Fault::Input);
        }
    }

    /// A small network of xent's layers.
    #[derive(Module, Debug)]
    struct Net {
        conv: crate::nn::Conv1d,
        norm: crate::nn::BatchNorm,
        fc: crate::nn::Linear,
    }

    fn net(device: &Device) -> Net {
        Net {
            conv: crate::nn::Conv1dConfig::new(2, 3, 5).init(device),
            norm: crate::nn::BatchNormConfig::new(3).init(device),
            fc: crate::nn::LinearConfig::new(4, 6).init(device),
        }
    }

    fn weights(model: Net) -> Vec<Vec<f32>> {
        let m = model.valid();
        let mut all = vec![m.conv.weight.val().into_data(), m.fc.weight.val().into_data()];
        all.extend(m.conv.bias.map(|b| b.val().into_data()));
        all.into_iter().map(|d| d.try_to_vec::<f32>().unwrap()).collect()
    }

    #[test]
    fn initialising_on_the_host_and_forking_gives_the_seeds_weights() {
        let _lock = crate::train::rng_lock();
        let device = Device::flex().autodiff();
        // What a run on the CPU starts from: seed, build, parameters initialised on first use.
        device.seed(7);
        let direct = weights(net(&device));
        // The GPU path (built on the host, initialised there, forked), here with the CPU as
        // its destination.
        let forked = via_host(&device, 7, net);
        // Initialised on the host already: reseeding now (as the GPU's own RNG would differ)
        // changes nothing.
        device.seed(99);
        assert!(forked.fc.weight.val().device().is_autodiff());
        assert_eq!(weights(forked), direct);
        // and the seed matters.
        assert_ne!(weights(via_host(&device, 8, net)), direct);
        assert_eq!(weights(seeded_init(&device, 7, net)), direct);
    }

    #[test]
    fn a_gpu_without_its_feature_names_the_feature() {
        let (cuda, wgpu) = (cfg!(feature = "cuda"), cfg!(feature = "wgpu"));
        for (name, feature, built) in [("cuda", "cuda", cuda), ("cuda:1", "cuda", cuda), ("wgpu", "wgpu", wgpu), ("wgpu:0", "wgpu", wgpu)] {
            match parse_device(name) {
                Ok(device) => assert!(built, "{name} parsed to {device:?} without the {feature} feature"),
                Err(err) => {
                    assert!(!built, "{name}: {err}");
                    assert!(matches!(&err, Error::DeviceNotBuilt { feature: f, .. } if *f == feature), "{err}");
                    assert!(err.to_string().contains(&format!("--features {feature}")), "{err}");
                    assert_eq!(err.fault(), crate::Fault::Input);
                }
            }
        }
    }
}
