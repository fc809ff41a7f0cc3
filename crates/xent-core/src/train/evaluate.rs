//! Evaluation and inference on a plain (non-autodiff) device, one batch at a time: the metric
//! set and mean loss ([`evaluate`]), the probabilities after a configuration's head
//! ([`predict`]) and the raw logits ([`logits`]). Every pipeline's inference goes through these.

use burn::prelude::*;

use crate::error::{Error, Result};
use crate::loss::{LossConfig, TrainingLoss};
use crate::matrix::Matrix;
use crate::metrics::{Evaluation, Evaluator, EvaluatorConfig, TargetRows};
use crate::targets::{LabelKind, Targets};

use super::model::{Classifier, DataSource};

/// Host-side target rows of `indices` with `k` columns (one column for a single sigmoid: the
/// label), appended to `out`.
pub(super) fn target_rows(targets: &Targets, indices: &[usize], k: usize, out: &mut Vec<f32>) {
    out.clear();
    match targets {
        Targets::Labels(l) => {
            for &i in indices {
                let c = l[i] as usize;
                if k == 1 {
                    out.push(c as f32);
                } else {
                    out.extend((0..k).map(|j| if j == c { 1.0 } else { 0.0 }));
                }
            }
        }
        Targets::Hot(m) => {
            for &i in indices {
                let row = m.row(i);
                if k == 1 { out.push(row[1.min(row.len() - 1)]) } else { out.extend_from_slice(row) }
            }
        }
    }
}

pub(super) fn batch_err(epoch: usize, batch: usize) -> impl FnOnce(Error) -> Error {
    move |e| Error::Batch { epoch, batch, source: Box::new(e) }
}

/// Logits `[n, k]` of a batch to host probabilities under `head`.
pub(super) fn scores(logits: Tensor<2>, config: LossConfig, out: &mut Vec<f32>) -> Result<usize> {
    let [_, k] = logits.dims();
    let data = logits.into_data().try_into_vec::<f32>().map_err(|e| Error::Mismatch(format!("logits: {e:?}")))?;
    out.resize(data.len(), 0.0);
    let head = config.head();
    for (z, p) in data.chunks_exact(k).zip(out.chunks_exact_mut(k)) {
        head.apply_row(z, p);
    }
    Ok(k)
}

/// Evaluates `model` (a [`Module::valid`] copy) on `indices` of `data` (all samples when `None`),
/// one batch of `batch_size` at a time on `device` (a plain, non-autodiff device). Returns the
/// metric set and the mean unweighted loss of `loss`.
///
/// # Errors
/// Batch errors (naming the batch), or [`Error::Mismatch`] when the model's outputs do not fit
/// the targets.
pub fn evaluate<M, D>(
    model: &M,
    data: &D,
    indices: Option<&[usize]>,
    loss: &TrainingLoss,
    eval: &EvaluatorConfig,
    batch_size: usize,
    device: &Device,
) -> Result<(Evaluation, f64)>
where
    M: Classifier,
    D: DataSource<Batch = M::Batch>,
{
    let all: Vec<usize>;
    let indices = match indices {
        Some(i) => i,
        None => {
            all = (0..data.len()).collect();
            &all
        }
    };
    let targets = data.targets();
    let kind = targets.kind();
    let classes = data.num_classes();
    let mut evaluator: Option<Evaluator> = None;
    let (mut rows, mut probs) = (Vec::new(), Vec::new());
    let mut loss_sum = 0.0f64;
    for (b, chunk) in indices.chunks(batch_size.max(1)).enumerate() {
        let input = data.batch(chunk, device).map_err(batch_err(0, b + 1))?;
        let logits = model.forward(&input);
        let [n, k] = logits.dims();
        if n != chunk.len() {
            return Err(Error::Mismatch(format!("batch {}: the model returned {n} rows for {} samples", b + 1, chunk.len())));
        }
        check_outputs(k, classes, loss.config, kind)?;
        target_rows(targets, chunk, k, &mut rows);
        let y = Tensor::<2>::from_data(TensorData::new(rows.clone(), [n, k]), device);
        let l = loss.forward(logits.clone(), y, None).into_scalar::<f32>();
        loss_sum += f64::from(l) * n as f64;
        scores(logits, loss.config, &mut probs)?;
        evaluator
            .get_or_insert_with(|| Evaluator::new(k, kind, eval.clone()))
            .update(&probs, TargetRows::Hot(&rows), None);
    }
    let evaluator = evaluator.ok_or_else(|| Error::InvalidArgument("cannot evaluate on an empty set".into()))?;
    Ok((evaluator.finish(), loss_sum / indices.len() as f64))
}

/// Class probabilities (after the configuration's head) of every sample of `data`, `N × outputs`.
///
/// # Errors
/// Batch errors naming the batch.
pub fn predict<M, D>(model: &M, data: &D, config: LossConfig, batch_size: usize, device: &Device) -> Result<Matrix>
where
    M: Classifier,
    D: DataSource<Batch = M::Batch>,
{
    let z = logits(model, data, batch_size, device)?;
    let k = z.cols();
    let head = config.head();
    let mut probs = vec![0.0f32; z.as_slice().len()];
    for (row, p) in z.as_slice().chunks_exact(k.max(1)).zip(probs.chunks_exact_mut(k.max(1))) {
        head.apply_row(row, p);
    }
    Ok(Matrix::new(data.len(), k, probs)?)
}

/// Whether a model with `k` outputs fits data with `classes` classes under `config`.
pub(super) fn check_outputs(k: usize, classes: usize, config: LossConfig, kind: LabelKind) -> Result<()> {
    let ok = k == classes || (k == 1 && classes == 2 && config == LossConfig::Binary && kind == LabelKind::SingleLabel);
    if ok {
        return Ok(());
    }
    let hint = if k == 1 && classes == 2 {
        format!("; a single output unit needs the binary configuration, not {config}")
    } else {
        String::new()
    };
    Err(Error::Mismatch(format!("the model has {k} outputs but the data has {classes} classes{hint}")))
}

/// The logits `N × outputs` of every sample of `data`, one batch at a time on `device` (plain).
///
/// # Errors
/// Batch errors naming the batch.
pub fn logits<M, D>(model: &M, data: &D, batch_size: usize, device: &Device) -> Result<Matrix>
where
    M: Classifier,
    D: DataSource<Batch = M::Batch>,
{
    let idx: Vec<usize> = (0..data.len()).collect();
    let (mut all, mut k) = (Vec::new(), 0);
    for (b, chunk) in idx.chunks(batch_size.max(1)).enumerate() {
        let input = data.batch(chunk, device).map_err(batch_err(0, b + 1))?;
        let z = model.forward(&input);
        k = z.dims()[1];
        all.extend(z.into_data().try_into_vec::<f32>().map_err(|e| Error::Mismatch(format!("logits: {e:?}")))?);
    }
    Ok(Matrix::new(data.len(), k, all)?)
}
