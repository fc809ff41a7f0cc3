//! A trained model's weights for PyTorch: a safetensors file whose tensor names and layouts are
//! those of the equivalent `torch.nn` modules, so `load_state_dict(strict=True)` takes it as is.
//!
//! Burn's safetensors store writes the module's tensors under their module paths
//! (`blocks.0.conv.weight`), and its PyTorch adapter turns Burn's layouts into PyTorch's: a
//! `Linear` weight, stored `[in, out]` by Burn, is written transposed as `[out, in]`; a
//! `BatchNorm`'s `gamma` and `beta` become `weight` and `bias` (its `running_mean` and
//! `running_var` keep their names); convolution weights are `[out, in, kernel]` in both. A
//! PyTorch module with the same attribute names (e.g. `self.blocks = nn.ModuleList(...)`) then
//! has exactly these keys. PyTorch's `BatchNorm1d` also keeps a `num_batches_tracked` counter,
//! which Burn has not: PyTorch fills it in on load (its state-dict version 1 path), which
//! `strict=True` accepts.

use std::path::Path;

use burn::module::Module;
use burn_store::{BurnToPyTorchAdapter, ModuleSnapshot, SafetensorsStore};
use serde::Serialize;

use crate::error::{Error, Result};

/// One tensor of an export: its name in the PyTorch state dict, its shape and its dtype.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportedTensor {
    /// The state-dict key, e.g. `fc1.weight`.
    pub name: String,
    /// The shape in PyTorch's layout.
    pub shape: Vec<usize>,
    /// The element type, as Burn names it (`F32`).
    pub dtype: String,
}

/// The tensors [`torch_safetensors`] writes for `model`, in module order, without writing them.
pub fn torch_tensors<M: Module>(model: &M) -> Vec<ExportedTensor> {
    model
        .collect(None, Some(Box::new(BurnToPyTorchAdapter)), false)
        .into_iter()
        .map(|t| ExportedTensor { name: t.name, shape: t.shape.to_vec(), dtype: format!("{:?}", t.dtype) })
        .collect()
}

/// Writes `model`'s weights to `path` as safetensors with PyTorch's names and layouts (module
/// docs), atomically ([`crate::artifacts::write_atomic`]), replacing any file there.
///
/// # Errors
/// [`Error::Record`] naming `path` when the tensors cannot be serialised; [`Error::Metrics`] (an
/// I/O error naming `path`) when the file cannot be written.
pub fn torch_safetensors<M: Module>(model: &M, path: &Path) -> Result<Vec<ExportedTensor>> {
    let record_error = |e: burn_store::SafetensorsStoreError| Error::Record { path: path.to_path_buf(), message: e.to_string() };
    let mut store = SafetensorsStore::from_bytes(None)
        .with_to_adapter(BurnToPyTorchAdapter)
        .metadata("exporter", concat!("xent-core ", env!("CARGO_PKG_VERSION")));
    model.save_into(&mut store).map_err(record_error)?;
    crate::artifacts::write_atomic(path, &store.get_bytes().map_err(record_error)?)?;
    Ok(torch_tensors(model))
}
