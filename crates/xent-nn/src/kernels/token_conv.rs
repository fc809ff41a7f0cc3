//! A 1-D convolution (stride 1, no padding) over embedded tokens, computed from the tokens: the
//! same result as an embedding lookup followed by the convolution ([`super::conv_from_channels_last`]), with
//! far less arithmetic when tokens repeat.
//!
//! Output `y[b, c, t] = bias[c] + Σ_tap Σ_e E[id[b, t + tap], e] · W[c, e, tap]`. The inner sum
//! depends only on the token and the tap, so it is computed once per *distinct* token of the
//! batch: `P [U, K·C_out] = E[distinct] · W'` (W' the weight with its input channels as rows and
//! taps before output channels as columns), one GEMM of `U × C_in × K·C_out` multiply-adds instead
//! of the convolution's `B·L_out × K·C_in × C_out`. Each output position then adds `K` rows of
//! `P`. A batch of `B·L` tokens with `U` distinct ones costs `U / (B·L)` of the GEMM work: on the
//! benchmark's uniformly drawn ids (vocabulary 20,000) a batch of 256 × 200 has about 18,450
//! distinct tokens (0.36), and natural text, where a few thousand words make most of it, far fewer.
//!
//! The embedding is never materialised (`[B, L, C_in]`, 26 MB for that batch). Summation order:
//! the GEMM's over input channels, then the bias and the taps in order, so results differ from
//! the convolution's by rounding only, and never depend on the thread count.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::gemm::{MatRef, matmul};
use super::transpose::transpose;

/// Distinct tokens projected per GEMM (one rayon task each).
const BLOCK: usize = 256;

/// Sizes of a convolution over embedded tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenShape {
    /// Batch size B.
    pub batch: usize,
    /// Tokens per sample L.
    pub length: usize,
    /// Rows of the embedding table.
    pub vocab: usize,
    /// Embedding width = input channels C_in.
    pub channels_in: usize,
    /// Output channels C_out.
    pub channels_out: usize,
    /// Kernel width K (≤ L).
    pub kernel: usize,
}

impl TokenShape {
    /// `L − K + 1`.
    pub fn length_out(&self) -> usize {
        self.length + 1 - self.kernel
    }

    /// Columns of the projection: `K·C_out`.
    fn width(&self) -> usize {
        self.kernel * self.channels_out
    }
}

/// The distinct tokens of `ids` in order of first appearance, and each position's index among
/// them; `None` if an id is outside `0..vocab`.
fn distinct<T: Copy + Into<i64>>(ids: &[T], vocab: usize) -> Option<(Vec<usize>, Vec<u32>)> {
    let mut slot = vec![u32::MAX; vocab];
    let (mut tokens, mut index) = (Vec::new(), Vec::with_capacity(ids.len()));
    for &id in ids {
        let id = usize::try_from(id.into()).ok().filter(|&i| i < vocab)?;
        if slot[id] == u32::MAX {
            slot[id] = tokens.len() as u32;
            tokens.push(id);
        }
        index.push(slot[id]);
    }
    Some((tokens, index))
}

/// `W'[e, tap·C_out + c] = W[c, e, tap]` from Burn's `[C_out, C_in, K]` layout.
fn taps_by_channel(s: &TokenShape, weight: &[f32]) -> Vec<f32> {
    let (ci, k) = (s.channels_in, s.kernel);
    let mut wt = vec![0.0f32; ci * s.width()];
    for (c, filter) in weight.chunks_exact(ci * k).enumerate() {
        for (e, taps) in filter.chunks_exact(k).enumerate() {
            for (tap, &w) in taps.iter().enumerate() {
                wt[e * s.width() + tap * s.channels_out + c] = w;
            }
        }
    }
    wt
}

/// Forward pass: `[batch, channels_out, length_out]`, through a ReLU if `relu`, then with `pool`
/// the larger of each two positions (`MaxPool(2)`, stride 2: `[batch, channels_out, ⌊length_out /
/// 2⌋]`, written without the unpooled output); `None` if an id is outside the table (the caller
/// then takes Burn's path, which reports it).
///
/// # Panics
///
/// If the slices do not have the shape's sizes or the kernel is longer than the input.
pub fn forward<T: Copy + Into<i64> + Sync>(
    s: &TokenShape,
    ids: &[T],
    table: &[f32],
    weight: &[f32],
    bias: &[f32],
    relu: bool,
    pool: bool,
) -> Option<Vec<f32>> {
    let (co, ci, l, lo, width) = (s.channels_out, s.channels_in, s.length, s.length_out(), s.width());
    assert!(s.kernel >= 1 && s.kernel <= l, "conv1d over tokens: kernel {} longer than the input {l}", s.kernel);
    assert_eq!(ids.len(), s.batch * l, "ids have the wrong size");
    assert_eq!(table.len(), s.vocab * ci, "embedding table has the wrong size");
    assert_eq!(weight.len(), co * ci * s.kernel, "weight has the wrong size");
    assert_eq!(bias.len(), co, "bias has the wrong size");
    let (tokens, index) = distinct(ids, s.vocab)?;
    let wt = taps_by_channel(s, weight);
    let project = |proj: &mut [MaybeUninit<f32>]| {
        proj.par_chunks_mut(BLOCK * width).zip(tokens.par_chunks(BLOCK)).for_each(|(p, block)| {
            let mut rows = Vec::with_capacity(block.len() * ci);
            for &t in block {
                rows.extend_from_slice(&table[t * ci..][..ci]);
            }
            // SAFETY: `MaybeUninit<f32>` has `f32`'s layout, and the GEMM below overwrites every
            // value of the chunk (`accumulate` false) before anything reads it.
            let p = unsafe { &mut *(p as *mut [MaybeUninit<f32>] as *mut [f32]) };
            matmul(p, MatRef::row_major(&rows, block.len(), ci), MatRef::row_major(&wt, ci, width), false, false);
        });
    };
    // SAFETY: `project` writes every value (the chunks cover `tokens.len() · width`).
    let proj = unsafe { super::written(tokens.len() * width, project) };
    let lp = if pool { lo / 2 } else { lo };
    let sample = |out: &mut [MaybeUninit<f32>]| {
        out.par_chunks_mut(co * lp).zip(index.par_chunks(l)).for_each_init(
            || (vec![0.0f32; lo * co], vec![0.0f32; if pool { lp * co } else { 0 }]),
            |(tile, pooled), (dst, idx)| {
                super::vectorised(#[inline(always)] || windows(tile, idx, &proj, bias, s, relu));
                let rows = if pool {
                    super::vectorised(#[inline(always)] || pair_maxima(pooled, tile, co));
                    &pooled[..]
                } else {
                    &tile[..]
                };
                // SAFETY: `MaybeUninit<f32>` has `f32`'s layout, and the transpose writes every
                // value of `dst` (`lp` rows of `co` values into `[co, lp]`) without reading it.
                let dst = unsafe { &mut *(dst as *mut [MaybeUninit<f32>] as *mut [f32]) };
                transpose(&rows[..lp * co], lp, co, dst);
            },
        );
    };
    // SAFETY: every sample's chunk of `co · lp` values is written by its transpose.
    Some(unsafe { super::written(s.batch * co * lp, sample) })
}

/// One sample's output positions-major, `tile[t·C_out + c]`: the bias plus, tap by tap, the
/// projection of the token under the tap. The sample's tokens are read in order, each
/// projection row (all `K` taps, contiguous) once, and added to the `K` outputs it reaches; output
/// `t` still receives its taps in order `0..K` (from positions `t..t + K`), so the sums are the
/// same as output by output.
#[inline(always)]
fn windows(tile: &mut [f32], idx: &[u32], proj: &[f32], bias: &[f32], s: &TokenShape, relu: bool) {
    let (co, width, k) = (s.channels_out, s.width(), s.kernel);
    let lo = tile.len() / co;
    for acc in tile.chunks_exact_mut(co) {
        acc.copy_from_slice(bias);
    }
    for (q, &u) in idx.iter().enumerate() {
        let row = &proj[u as usize * width..][..width];
        // Tap `tap` of this token reaches output `q − tap`.
        for tap in q.saturating_sub(lo - 1)..=q.min(k - 1) {
            let acc = &mut tile[(q - tap) * co..][..co];
            acc.iter_mut().zip(&row[tap * co..][..co]).for_each(|(a, &p)| *a += p);
        }
    }
    if relu {
        tile.iter_mut().for_each(|a| *a = a.max(0.0));
    }
}

/// `pooled[j·co + c] = max(tile[2j·co + c], tile[(2j + 1)·co + c])` for the `pooled.len() / co`
/// whole pairs of rows (an odd last row is dropped, as `MaxPool(2)` does).
#[inline(always)]
fn pair_maxima(pooled: &mut [f32], tile: &[f32], co: usize) {
    for (dst, pair) in pooled.chunks_exact_mut(co).zip(tile.chunks_exact(2 * co)) {
        let (a, b) = pair.split_at(co);
        dst.iter_mut().zip(a.iter().zip(b)).for_each(|(d, (&x, &y))| *d = x.max(y));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::ChannelsLastShape;
    use crate::kernels::tests::conv1d_definition;

    /// The definition: embed every position, then convolve ([`conv1d_definition`]), channels-first.
    fn direct(s: &TokenShape, ids: &[i64], table: &[f32], weight: &[f32], bias: &[f32], relu: bool) -> Vec<f32> {
        let (ci, co, lo) = (s.channels_in, s.channels_out, s.length_out());
        let shape = ChannelsLastShape { batch: s.batch, length: s.length, channels_in: ci, channels_out: co, kernel: s.kernel, stride: 1, pad_left: 0, pad_right: 0 };
        let y = conv1d_definition(&shape, |b, pos, e| table[ids[b * s.length + pos] as usize * ci + e], weight, bias);
        let mut out = vec![0.0f32; s.batch * co * lo];
        for b in 0..s.batch {
            for c in 0..co {
                for t in 0..lo {
                    let v = y[(b * lo + t) * co + c];
                    out[(b * co + c) * lo + t] = if relu { v.max(0.0) as f32 } else { v as f32 };
                }
            }
        }
        out
    }

    #[test]
    fn matches_the_definition_with_repeated_tokens() {
        // 300 distinct tokens over two GEMM blocks, most of them repeated.
        let s = TokenShape { batch: 3, length: 211, vocab: 400, channels_in: 6, channels_out: 5, kernel: 4 };
        let ids: Vec<i64> = (0..s.batch * s.length).map(|i| ((i * 7919) % 300) as i64).collect();
        let table: Vec<f32> = (0..s.vocab * s.channels_in).map(|i| (i as f32 * 0.61).sin()).collect();
        let weight: Vec<f32> = (0..s.channels_out * s.channels_in * s.kernel).map(|i| (i as f32 * 0.37).cos()).collect();
        let bias = [0.1, -0.2, 0.3, 0.0, -0.5];
        for relu in [false, true] {
            let got = forward(&s, &ids, &table, &weight, &bias, relu, false).unwrap();
            let want = direct(&s, &ids, &table, &weight, &bias, relu);
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-4, "{g} vs {w}");
            }
            // Pooled: exactly the larger of each two positions of the unpooled output (208 → 104).
            let pooled = forward(&s, &ids, &table, &weight, &bias, relu, true).unwrap();
            let (lo, lp) = (s.length_out(), s.length_out() / 2);
            let want: Vec<f32> = got.chunks_exact(lo).flat_map(|p| (0..lp).map(move |j| p[2 * j].max(p[2 * j + 1]))).collect();
            assert_eq!(pooled, want);
        }
        let narrow: Vec<i32> = ids.iter().map(|&i| i as i32).collect();
        assert_eq!(forward(&s, &narrow, &table, &weight, &bias, true, true), forward(&s, &ids, &table, &weight, &bias, true, true));
    }

    #[test]
    fn windows_sum_each_output_in_tap_order() {
        // Read token by token, each output still gets bias + tap 0 + tap 1 + … exactly.
        let s = TokenShape { batch: 1, length: 9, vocab: 5, channels_in: 1, channels_out: 3, kernel: 4 };
        let idx: Vec<u32> = vec![0, 3, 1, 1, 4, 2, 0, 3, 2];
        let proj: Vec<f32> = (0..s.vocab * s.width()).map(|i| (i as f32 * 0.77).sin() * 1e3_f32.powi(i as i32 % 3 - 1)).collect();
        let bias = [0.3, -1e-3, 7.0];
        for relu in [false, true] {
            let mut tile = vec![f32::NAN; s.length_out() * s.channels_out];
            windows(&mut tile, &idx, &proj, &bias, &s, relu);
            for t in 0..s.length_out() {
                for c in 0..s.channels_out {
                    let mut want = bias[c];
                    for tap in 0..s.kernel {
                        want += proj[idx[t + tap] as usize * s.width() + tap * s.channels_out + c];
                    }
                    let want = if relu { want.max(0.0) } else { want };
                    assert_eq!(tile[t * s.channels_out + c].to_bits(), want.to_bits(), "t {t} c {c}");
                }
            }
        }
    }

    #[test]
    fn ids_outside_the_table_are_refused() {
        let s = TokenShape { batch: 1, length: 4, vocab: 3, channels_in: 2, channels_out: 1, kernel: 2 };
        let (table, weight) = (vec![1.0; 6], vec![1.0; 4]);
        for bad in [3, -1] {
            assert_eq!(forward(&s, &[0i64, 1, bad, 2], &table, &weight, &[0.0], false, false), None);
        }
        assert_eq!(forward(&s, &[0i64, 1, 2, 2], &table, &weight, &[0.0], false, false), Some(vec![4.0, 4.0, 4.0]));
    }
}
