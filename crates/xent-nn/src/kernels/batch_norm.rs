//! Batch normalisation with the batch's own statistics (training mode): one pass over the input
//! for the statistics and one for the output; backward: one pass for the two per-channel sums and
//! one for the input gradient.
//!
//! Burn 0.22's default `batch_norm_train`, which flex does not override, computes each statistic
//! through `swap_dims(0, 1)` + `reshape` (a transposing copy of the whole activation) and about ten
//! broadcast elementwise passes; its backward transposes twice more. In the ECG ResNet those
//! copies alone were ~10 % of a training step (`copy_2d_tiled` under `perf`). Here every
//! pass reads the activation in its own `[batch, channels, inner]` order.
//!
//! A `[rows, channels]` input (`inner` = 1, also a channels-last activation seen as rows) takes
//! loops over rows of channels instead, which vectorise across the channels; its sums run in `f32`
//! over fixed groups of 512 rows and across the groups in `f64`.
//!
//! The arithmetic is Burn's: biased variance, `x̂ = (x − mean) / √(var + ε)`,
//! `y = γ x̂ + β`, and the gradient `dx = γ/√(var + ε) · (dy − mean(dy) − x̂ · mean(dy x̂))`
//! (means over batch and inner positions, per channel). Sums run per row in `f32` and across rows
//! in `f64`, so they differ from Burn's only at rounding (tested).

use rayon::prelude::*;

use super::vectorised;

/// The input's shape as the kernels see it: `[batch, channels, inner]`, `inner` the product of the
/// spatial axes (1 for a `[batch, channels]` input).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NormShape {
    /// Samples.
    pub batch: usize,
    /// Channels (one mean and variance each).
    pub channels: usize,
    /// Positions per sample and channel.
    pub inner: usize,
}

impl NormShape {
    /// Values averaged per channel (`batch × inner`).
    fn count(&self) -> f64 {
        (self.batch * self.inner) as f64
    }

    fn sample_len(&self) -> usize {
        self.channels * self.inner
    }
}

/// The forward results: output (the input's shape), and per channel the mean and the biased
/// variance.
pub struct NormForward {
    pub output: Vec<f32>,
    pub mean: Vec<f32>,
    pub variance: Vec<f32>,
}

/// The gradients for input (the input's shape), γ and β.
pub struct NormGrads {
    pub input: Vec<f32>,
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
}

/// Samples per partial sum (fixed, so that results do not depend on scheduling or thread count).
const SAMPLES_PER_GROUP: usize = 8;

/// Per channel, the two sums that `row_sums(sample, channel)` returns for each row, added up over
/// the samples in `f64`: a partial sum per fixed group of samples (groups in parallel), the
/// partials then added in group order, so the result is the same on every run.
fn channel_sums<F>(s: &NormShape, samples: usize, row_sums: F) -> Vec<[f64; 2]>
where
    F: Fn(usize, usize) -> [f32; 2] + Sync,
{
    let partials: Vec<Vec<[f64; 2]>> = (0..samples.div_ceil(SAMPLES_PER_GROUP))
        .into_par_iter()
        .map(|g| {
            let mut acc = vec![[0.0f64; 2]; s.channels];
            for sample in g * SAMPLES_PER_GROUP..((g + 1) * SAMPLES_PER_GROUP).min(samples) {
                for (c, a) in acc.iter_mut().enumerate() {
                    let [x, y] = row_sums(sample, c);
                    a[0] += f64::from(x);
                    a[1] += f64::from(y);
                }
            }
            acc
        })
        .collect();
    let mut total = vec![[0.0f64; 2]; s.channels];
    for partial in partials {
        total.iter_mut().zip(&partial).for_each(|(t, p)| {
            t[0] += p[0];
            t[1] += p[1];
        });
    }
    total
}

/// Accumulators per row sum: independent lanes, so that the sum vectorises (a plain `fold` is
/// one dependent chain of scalar additions).
const LANES: usize = 16;

/// `Σᵢ f(xᵢ, yᵢ)` for both components, over rows `xs` and `ys` of equal length, in `f32`.
#[inline]
fn row_sums(xs: &[f32], ys: &[f32], f: impl Fn(f32, f32) -> [f32; 2]) -> [f32; 2] {
    let (mut a, mut b) = ([0.0f32; LANES], [0.0f32; LANES]);
    let (x_chunks, x_tail) = xs.as_chunks::<LANES>();
    let (y_chunks, y_tail) = ys.as_chunks::<LANES>();
    for (xc, yc) in x_chunks.iter().zip(y_chunks) {
        for l in 0..LANES {
            let [p, q] = f(xc[l], yc[l]);
            a[l] += p;
            b[l] += q;
        }
    }
    for (&x, &y) in x_tail.iter().zip(y_tail) {
        let [p, q] = f(x, y);
        a[0] += p;
        b[0] += q;
    }
    [a.iter().sum(), b.iter().sum()]
}

/// Rows per partial sum of a `[rows, channels]` input (fixed, like [`SAMPLES_PER_GROUP`]).
const ROWS_PER_GROUP: usize = 512;

/// Per channel `c` of a `[rows, channels]` input `xs` (and `ys`, the same shape), the sums
/// `Σ (y − cy[c])` and `Σ (y − cy[c]) · (x − cx[c])`: in `f32` over fixed groups of rows (in
/// parallel), the groups added in order in `f64`. Loops run across the channels, so they vectorise.
fn column_sums(channels: usize, xs: &[f32], ys: &[f32], cx: &[f32], cy: &[f32]) -> Vec<[f64; 2]> {
    let group = ROWS_PER_GROUP * channels;
    let partials: Vec<(Vec<f32>, Vec<f32>)> = xs
        .par_chunks(group)
        .zip(ys.par_chunks(group))
        .map(|(xg, yg)| {
            let (mut first, mut second) = (vec![0.0f32; channels], vec![0.0f32; channels]);
            let (f, q, cx, cy) = (&mut first[..channels], &mut second[..channels], &cx[..channels], &cy[..channels]);
            vectorised(#[inline(always)] || add_column_sums(f, q, xg, yg, cx, cy));
            (first, second)
        })
        .collect();
    let mut total = vec![[0.0f64; 2]; channels];
    for (first, second) in partials {
        for (t, (f, s)) in total.iter_mut().zip(first.into_iter().zip(second)) {
            t[0] += f64::from(f);
            t[1] += f64::from(s);
        }
    }
    total
}

/// The loop of [`column_sums`] over one group of rows (`f`, `q`: the two sums per channel). A
/// function of its own, so that the slices' non-aliasing is known where it is inlined.
#[inline(always)]
fn add_column_sums(f: &mut [f32], q: &mut [f32], xs: &[f32], ys: &[f32], cx: &[f32], cy: &[f32]) {
    let channels = f.len();
    let (q, cx, cy) = (&mut q[..channels], &cx[..channels], &cy[..channels]);
    for (xr, yr) in xs.chunks_exact(channels).zip(ys.chunks_exact(channels)) {
        let (xr, yr) = (&xr[..channels], &yr[..channels]);
        for c in 0..channels {
            let d = yr[c] - cy[c];
            f[c] += d;
            q[c] += d * (xr[c] - cx[c]);
        }
    }
}

/// The loop of [`ColumnMap::apply`] over one group of rows, `[m, a, b, k]` per channel.
#[inline(always)]
fn map_columns<const RELU: bool>(out: &mut [f32], xs: &[f32], ys: &[f32], [m, a, b, k]: [&[f32]; 4]) {
    let ch = m.len();
    let (a, b, k) = (&a[..ch], &b[..ch], &k[..ch]);
    for (or, (xr, yr)) in out.chunks_exact_mut(ch).zip(xs.chunks_exact(ch).zip(ys.chunks_exact(ch))) {
        let (or, xr, yr) = (&mut or[..ch], &xr[..ch], &yr[..ch]);
        for c in 0..ch {
            let v = b[c] * (xr[c] - m[c]) + a[c] * yr[c] + k[c];
            or[c] = if RELU { v.max(0.0) } else { v };
        }
    }
}

/// Per channel affine maps of a `[rows, channels]` input: `out = b·(x − m) + a·y + k` (then a
/// ReLU if `relu`), parameters per channel, in parallel over groups of rows.
struct ColumnMap<'a> {
    m: &'a [f32],
    a: &'a [f32],
    b: &'a [f32],
    k: &'a [f32],
    relu: bool,
}

impl ColumnMap<'_> {
    fn apply(&self, xs: &[f32], ys: &[f32]) -> Vec<f32> {
        if self.relu { self.apply_as::<true>(xs, ys) } else { self.apply_as::<false>(xs, ys) }
    }

    fn apply_as<const RELU: bool>(&self, xs: &[f32], ys: &[f32]) -> Vec<f32> {
        let ch = self.m.len();
        let (m, a, b, k) = (&self.m[..ch], &self.a[..ch], &self.b[..ch], &self.k[..ch]);
        let mut out = vec![0.0f32; xs.len()];
        let group = ROWS_PER_GROUP * ch;
        out.par_chunks_mut(group).zip(xs.par_chunks(group).zip(ys.par_chunks(group))).for_each(|(og, (xg, yg))| {
            vectorised(#[inline(always)] || map_columns::<RELU>(og, xg, yg, [m, a, b, k]));
        });
        out
    }
}

/// `1 / √(var + ε)` per channel, as Burn computes it in `f32`.
fn inv_std(variance: &[f32], epsilon: f32) -> Vec<f32> {
    variance.iter().map(|v| 1.0 / (v + epsilon).sqrt()).collect()
}

/// Normalises `x` with its own per-channel statistics and applies `γ`, `β` (and a ReLU if `relu`).
pub fn forward(s: &NormShape, x: &[f32], gamma: &[f32], beta: &[f32], epsilon: f32, relu: bool) -> NormForward {
    assert_eq!(x.len(), s.batch * s.sample_len(), "batch norm: input length");
    assert!(gamma.len() == s.channels && beta.len() == s.channels, "batch norm: γ/β length");
    let (n, inner) = (s.count(), s.inner.max(1));
    let row = |sample: usize, c: usize| &x[(sample * s.channels + c) * inner..][..inner];
    // Shifted by each channel's first value, so that the variance does not cancel in `f32`.
    let shift: Vec<f32> = (0..s.channels).map(|c| if s.batch > 0 { row(0, c)[0] } else { 0.0 }).collect();
    let sums = if s.inner == 1 {
        column_sums(s.channels, x, x, &shift, &shift)
    } else {
        channel_sums(s, s.batch, |b, c| {
            let k = shift[c];
            let r = row(b, c);
            row_sums(r, r, |v, _| {
                let d = v - k;
                [d, d * d]
            })
        })
    };
    let (mut mean, mut variance) = (Vec::with_capacity(s.channels), Vec::with_capacity(s.channels));
    for (c, [sum, squares]) in sums.into_iter().enumerate() {
        let m = sum / n;
        mean.push((f64::from(shift[c]) + m) as f32);
        variance.push((squares / n - m * m).max(0.0) as f32);
    }
    let inv = inv_std(&variance, epsilon);
    let scale: Vec<f32> = gamma.iter().zip(&inv).map(|(g, i)| g * i).collect();
    let offset: Vec<f32> = (0..s.channels).map(|c| beta[c] - mean[c] * scale[c]).collect();
    if s.inner == 1 {
        let zeros = vec![0.0f32; s.channels];
        let output = ColumnMap { m: &mean, a: &zeros, b: &scale, k: beta, relu }.apply(x, x);
        return NormForward { output, mean, variance };
    }
    let mut output = vec![0.0f32; x.len()];
    output.par_chunks_mut(s.sample_len().max(1)).zip(x.par_chunks(s.sample_len().max(1))).for_each(|(out, xs)| {
        for (c, (o, xr)) in out.chunks_mut(inner).zip(xs.chunks(inner)).enumerate() {
            let (a, b) = (scale[c], offset[c]);
            if relu {
                o.iter_mut().zip(xr).for_each(|(o, &v)| *o = (v * a + b).max(0.0));
            } else {
                o.iter_mut().zip(xr).for_each(|(o, &v)| *o = v * a + b);
            }
        }
    });
    NormForward { output, mean, variance }
}

/// The gradients of [`forward`] given the output's gradient `dy` and the statistics it returned.
pub fn backward(s: &NormShape, x: &[f32], gamma: &[f32], mean: &[f32], variance: &[f32], epsilon: f32, dy: &[f32]) -> NormGrads {
    assert!(x.len() == s.batch * s.sample_len() && dy.len() == x.len(), "batch norm backward: input lengths");
    let (n, inner) = (s.count(), s.inner.max(1));
    let inv = inv_std(variance, epsilon);
    let sums = if s.inner == 1 {
        column_sums(s.channels, x, dy, mean, &vec![0.0; s.channels])
    } else {
        channel_sums(s, s.batch, |b, c| {
            let r = (b * s.channels + c) * inner..(b * s.channels + c + 1) * inner;
            let m = mean[c];
            row_sums(&x[r.clone()], &dy[r], |v, d| [d, d * (v - m)])
        })
    };
    let beta: Vec<f32> = sums.iter().map(|[g, _]| *g as f32).collect();
    let gamma_grad: Vec<f32> = sums.iter().zip(&inv).map(|([_, p], &i)| (p * f64::from(i)) as f32).collect();
    // dx = γ·inv · (dy − Σdy/N − x̂ · Σ(dy x̂)/N), x̂ = (x − mean)·inv.
    let mean_dy: Vec<f32> = beta.iter().map(|&g| (f64::from(g) / n) as f32).collect();
    let mean_dy_xhat: Vec<f32> = gamma_grad.iter().map(|&p| (f64::from(p) / n) as f32).collect();
    if s.inner == 1 {
        // dx = a·dy + b·(x − mean) + k with a = γ·inv, b = −a·inv·mean(dy x̂), k = −a·mean(dy).
        let a: Vec<f32> = gamma.iter().zip(&inv).map(|(g, i)| g * i).collect();
        let b: Vec<f32> = (0..s.channels).map(|c| -a[c] * inv[c] * mean_dy_xhat[c]).collect();
        let k: Vec<f32> = (0..s.channels).map(|c| -a[c] * mean_dy[c]).collect();
        let input = ColumnMap { m: mean, a: &a, b: &b, k: &k, relu: false }.apply(x, dy);
        return NormGrads { input, gamma: gamma_grad, beta };
    }
    let mut input = vec![0.0f32; x.len()];
    let len = s.sample_len().max(1);
    input.par_chunks_mut(len).zip(x.par_chunks(len)).zip(dy.par_chunks(len)).for_each(|((out, xs), ds)| {
        for (c, ((o, xr), dr)) in out.chunks_mut(inner).zip(xs.chunks(inner)).zip(ds.chunks(inner)).enumerate() {
            let (scale, m, i, md, mp) = (gamma[c] * inv[c], mean[c], inv[c], mean_dy[c], mean_dy_xhat[c]);
            for ((o, &v), &d) in o.iter_mut().zip(xr).zip(dr) {
                *o = scale * (d - md - (v - m) * i * mp);
            }
        }
    });
    NormGrads { input, gamma: gamma_grad, beta }
}

