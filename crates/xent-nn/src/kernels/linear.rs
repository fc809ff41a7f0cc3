//! A dense layer `y = x · W + b` (then a ReLU if asked) on contiguous `f32` slices, in Burn's
//! layout: `x` `[rows, d_input]`, `W` `[d_input, d_output]`, `b` `[d_output]`, `y` `[rows,
//! d_output]`, all row-major.
//!
//! Burn 0.22's flex backend runs the same products through the same `gemm` crate, but every output
//! it allocates (`FlexTensor::empty`) is a zeroed `Vec<u8>` that `Bytes::from_bytes_vec` then
//! copies into a 16-byte-aligned allocation: a memset and a memcpy of each result on the calling
//! thread (1.4 MB each for the ECG CNN's weight gradient; `just bench burn-alloc` times it), and
//! the bias and the ReLU are passes of their own. Here the products write their results in
//! place, and the bias and ReLU go with them.

use super::gemm::{MatRef, product};
use super::{Wanted, vectorised};

/// The sizes of a dense layer applied to `rows` inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinearShape {
    /// Inputs (the batch, and any further leading dimensions, flattened).
    pub rows: usize,
    /// Input features.
    pub d_input: usize,
    /// Output features.
    pub d_output: usize,
}

/// Gradients of a dense layer, each computed only if wanted.
#[derive(Debug, Default)]
pub struct LinearGrads {
    /// `[rows, d_input]`.
    pub input: Option<Vec<f32>>,
    /// `[d_input, d_output]`.
    pub weight: Option<Vec<f32>>,
    /// `[d_output]`.
    pub bias: Option<Vec<f32>>,
}

/// Forward pass `[rows, d_output]`: `x · W + bias`, through a ReLU if `relu`.
///
/// # Panics
///
/// If the slices do not fit the shape.
pub fn forward(s: &LinearShape, x: &[f32], weight: &[f32], bias: &[f32], relu: bool) -> Vec<f32> {
    check_lengths(s, x, weight);
    assert_eq!(bias.len(), s.d_output, "bias has the wrong size");
    let mut y = product(MatRef::row_major(x, s.rows, s.d_input), MatRef::row_major(weight, s.d_input, s.d_output), true);
    vectorised(#[inline(always)] || add_bias(&mut y, bias, relu));
    y
}

#[inline(always)]
fn add_bias(y: &mut [f32], bias: &[f32], relu: bool) {
    for row in y.chunks_exact_mut(bias.len().max(1)) {
        if relu {
            row.iter_mut().zip(bias).for_each(|(v, b)| *v = (*v + b).max(0.0));
        } else {
            row.iter_mut().zip(bias).for_each(|(v, b)| *v += b);
        }
    }
}

/// Backward pass from the output gradient `dy` `[rows, d_output]`, through the forward pass's
/// ReLU when `relu_out` (that output) is given: `dy` counts only where the output is positive.
/// `dx = dy · Wᵀ`, `dW = xᵀ · dy`, `db = Σ_rows dy` (rows summed in order).
///
/// # Panics
///
/// If the slices do not fit the shape.
pub fn backward(s: &LinearShape, x: &[f32], weight: &[f32], dy: &[f32], relu_out: Option<&[f32]>, wanted: Wanted) -> LinearGrads {
    check_lengths(s, x, weight);
    assert_eq!(dy.len(), s.rows * s.d_output, "output gradient has the wrong size");
    let masked;
    let dy = match relu_out {
        Some(out) => {
            assert_eq!(out.len(), dy.len(), "ReLU output has the wrong size");
            masked = dy.iter().zip(out).map(|(&g, &o)| if o > 0.0 { g } else { 0.0 }).collect::<Vec<f32>>();
            &masked[..]
        }
        None => dy,
    };
    let dy_m = MatRef::row_major(dy, s.rows, s.d_output);
    let bias = wanted.bias.then(|| {
        let mut db = vec![0.0f32; s.d_output];
        for row in dy.chunks_exact(s.d_output.max(1)) {
            vectorised(#[inline(always)] || db.iter_mut().zip(row).for_each(|(d, g)| *d += g));
        }
        db
    });
    let x_m = MatRef::row_major(x, s.rows, s.d_input);
    let weight_grad = wanted.weight.then(|| product(x_m.t(), dy_m, true));
    let input = wanted.input.then(|| product(dy_m, MatRef::row_major(weight, s.d_input, s.d_output).t(), true));
    LinearGrads { input, weight: weight_grad, bias }
}

fn check_lengths(s: &LinearShape, x: &[f32], weight: &[f32]) {
    assert_eq!(x.len(), s.rows * s.d_input, "input has the wrong size");
    assert_eq!(weight.len(), s.d_input * s.d_output, "weight has the wrong size");
}

/// The plain product `a · b` (`m × k` by `k × n`), the definition the kernels must match.
#[cfg(test)]
fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; m * n];
    for i in 0..m {
        for j in 0..n {
            out[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, salt: f32) -> Vec<f32> {
        (0..n).map(|i| ((i as f32 * 0.37 + salt).sin() * 2.0).round() / 2.0).collect()
    }

    #[test]
    fn forward_is_the_product_plus_bias_through_the_relu() {
        let s = LinearShape { rows: 5, d_input: 7, d_output: 3 };
        let (x, w, b) = (values(35, 0.1), values(21, 1.3), values(3, 2.2));
        let plain = naive(&x, &w, 5, 7, 3);
        let want: Vec<f32> = plain.iter().enumerate().map(|(i, v)| v + b[i % 3]).collect();
        assert_eq!(forward(&s, &x, &w, &b, false), want);
        let relu: Vec<f32> = want.iter().map(|v| v.max(0.0)).collect();
        assert_eq!(forward(&s, &x, &w, &b, true), relu);
        assert!(want.iter().any(|v| *v < 0.0), "the ReLU must bite");
    }

    /// `Σ dy ⊙ forward(x, W, b)` is linear in each argument: perturbing one entry by 1 changes it
    /// by exactly that entry's gradient.
    #[test]
    fn gradients_match_the_definition() {
        let s = LinearShape { rows: 4, d_input: 6, d_output: 5 };
        let (x, w, b, dy) = (values(24, 0.4), values(30, 1.9), values(5, 0.8), values(20, 3.1));
        let all = Wanted { input: true, weight: true, bias: true };
        let g = backward(&s, &x, &w, &dy, None, all);
        let dot = |x: &[f32], w: &[f32], b: &[f32]| -> f32 { forward(&s, x, w, b, false).iter().zip(&dy).map(|(a, b)| a * b).sum() };
        let base = dot(&x, &w, &b);
        let check = |grad: &[f32], which: usize| {
            for (i, &gi) in grad.iter().enumerate() {
                let (mut x2, mut w2, mut b2) = (x.clone(), w.clone(), b.clone());
                [&mut x2, &mut w2, &mut b2][which][i] += 1.0;
                let want = dot(&x2, &w2, &b2) - base;
                assert!((gi - want).abs() < 1e-3, "arg {which} entry {i}: {gi} vs {want}");
            }
        };
        check(g.input.as_deref().unwrap(), 0);
        check(g.weight.as_deref().unwrap(), 1);
        check(g.bias.as_deref().unwrap(), 2);
    }

    #[test]
    fn relu_output_masks_the_output_gradient() {
        let s = LinearShape { rows: 3, d_input: 4, d_output: 6 };
        let (x, w, dy) = (values(12, 0.2), values(24, 1.1), values(18, 2.7));
        let out: Vec<f32> = values(18, 0.9).iter().enumerate().map(|(i, v)| if i % 5 == 0 { 0.0 } else { *v }).collect();
        let zeroed: Vec<f32> = dy.iter().zip(&out).map(|(g, o)| if *o > 0.0 { *g } else { 0.0 }).collect();
        let all = Wanted { input: true, weight: true, bias: true };
        let (got, want) = (backward(&s, &x, &w, &dy, Some(&out), all), backward(&s, &x, &w, &zeroed, None, all));
        assert_eq!((got.input, got.weight, got.bias), (want.input, want.weight, want.bias));
        assert!(zeroed.contains(&0.0) && zeroed.iter().any(|g| *g != 0.0), "the mask must bite");
    }
}
