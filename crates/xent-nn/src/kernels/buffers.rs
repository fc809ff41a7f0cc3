//! Helpers the kernels share: run-time SIMD dispatch, ordered sums of per-thread partials, scratch
//! buffers, and output buffers filled in parallel without zeroing first.

use rayon::prelude::*;

/// Runs `f` compiled for AVX-512 (or AVX2 + FMA) when the CPU has it, else as built (the crate
/// targets baseline x86-64, SSE2, so its own loops would otherwise run 4 lanes wide). `f` is
/// inlined into a function with those target features; the arithmetic and its order are the
/// same, only the vector width changes (no fused multiply-adds are introduced: Rust does not
/// contract `a * b + c`). Meant for one loop over a chunk of data, and it only works if that loop
/// ends up inside the feature-enabled function: pass an `#[inline(always)]` closure that calls an
/// `#[inline(always)]` function taking the slices as parameters (captured `&mut` slices lose the
/// knowledge that they do not alias, and the loop stays scalar); rayon closures or other calls
/// inside `f` are not inlined and run as built.
#[inline(always)]
pub(crate) fn vectorised<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        let avx2 = std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma");
        if avx2 && std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512dq") {
            // SAFETY: the CPU has AVX-512F and DQ, AVX2 and FMA (checked just above).
            return unsafe { simd::avx512(f) };
        }
        if avx2 {
            // SAFETY: the CPU has AVX2 and FMA (checked just above).
            return unsafe { simd::avx2(f) };
        }
    }
    f()
}

/// The element-wise sum of `partials` (each `len` long), added in their order, so that a sum over
/// fixed groups comes out the same on every run (zeros if there is none).
pub(crate) fn sum_in_order(partials: Vec<Vec<f32>>, len: usize) -> Vec<f32> {
    partials
        .into_iter()
        .reduce(|mut a, b| {
            a.iter_mut().zip(&b).for_each(|(a, b)| *a += b);
            a
        })
        .unwrap_or_else(|| vec![0.0; len])
}

/// A vector of `len` values that `fill` writes, without zero-filling the memory first (for
/// large outputs that a kernel overwrites anyway: the zeroing was a measurable pass of its own).
///
/// # Safety
///
/// `fill` must write every element of the slice it is given (`MaybeUninit::write`); the vector
/// is then taken as initialised.
pub(crate) unsafe fn written(len: usize, fill: impl FnOnce(&mut [std::mem::MaybeUninit<f32>])) -> Vec<f32> {
    let mut v: Vec<f32> = Vec::with_capacity(len);
    fill(&mut v.spare_capacity_mut()[..len]);
    // SAFETY: the caller's `fill` initialised all `len` values; the capacity is at least `len`.
    unsafe { v.set_len(len) };
    v
}

thread_local! {
    /// The calling thread's scratch memory for [`with_scratch`], kept between calls.
    static SCRATCH: std::cell::Cell<Vec<f32>> = const { std::cell::Cell::new(Vec::new()) };
}

/// `f` with `N` scratch buffers of the given lengths, cut from one buffer of the calling thread's
/// that lives on between calls: no allocation, no page faults and no zeroing per task. The
/// buffers hold whatever an earlier task left in them, so `f` must write before it reads. A
/// nested call (a task that steals another while waiting) gets a buffer of its own.
pub(crate) fn with_scratch<const N: usize, R>(lens: [usize; N], f: impl FnOnce([&mut [f32]; N]) -> R) -> R {
    with_thread_local(&SCRATCH, |buffer| {
        let total = lens.iter().sum();
        if buffer.len() < total {
            buffer.resize(total, 0.0);
        }
        let mut rest = &mut buffer[..];
        let parts = lens.map(|len| {
            let (part, tail) = std::mem::take(&mut rest).split_at_mut(len);
            rest = tail;
            part
        });
        f(parts)
    })
}

/// `f` with the calling thread's value of `key`, taken out for the call and put back after it (a
/// nested call meanwhile gets `T::default()`).
pub(crate) fn with_thread_local<T: Default, R>(key: &'static std::thread::LocalKey<std::cell::Cell<T>>, f: impl FnOnce(&mut T) -> R) -> R {
    let mut value = key.take();
    let result = f(&mut value);
    key.set(value);
    result
}

/// `out` zero-filled, as initialised values.
pub(crate) fn zero_filled(out: &mut [std::mem::MaybeUninit<f32>]) -> &mut [f32] {
    out.iter_mut().for_each(|v| {
        v.write(0.0);
    });
    // SAFETY: every element was just written, and `MaybeUninit<f32>` has the layout of `f32`.
    unsafe { &mut *(std::ptr::from_mut(out) as *mut [f32]) }
}

/// A vector of `len` values made in chunks of `chunk` across the rayon pool: each task zero-fills
/// its chunk (in cache, just before use) and passes it to `fill(index, chunk)` (which takes any
/// scratch it needs from [`with_scratch`]). Replaces `vec![0.0; len]` followed by a parallel loop,
/// whose zeroing was a pass through memory on the calling thread alone while the pool waited.
pub(crate) fn par_zeroed<F>(len: usize, chunk: usize, fill: F) -> Vec<f32>
where
    F: Fn(usize, &mut [f32]) + Sync + Send,
{
    let tasks = |out: &mut [std::mem::MaybeUninit<f32>]| {
        out.par_chunks_mut(chunk.max(1)).enumerate().for_each(|(i, part)| fill(i, zero_filled(part)));
    };
    // SAFETY: the chunks cover `out`, and `zero_filled` writes every element of each.
    unsafe { written(len, tasks) }
}

/// [`par_zeroed`] without the zero fill, for `fill`s that overwrite their whole chunk (a GEMM
/// without accumulation, a pool over pairs), where the fill is a wasted pass (skipping it took
/// `memset` from 3.95 % to 1.10 % of the ECG CNN's training profile under `perf`). In
/// xent-core's unit tests each chunk is filled with NaN first, so that an element left unwritten
/// shows in the results.
///
/// # Safety
///
/// `fill(index, chunk)` must write every element of `chunk` before reading it.
pub(crate) unsafe fn par_written<F>(len: usize, chunk: usize, fill: F) -> Vec<f32>
where
    F: Fn(usize, &mut [f32]) + Sync + Send,
{
    let tasks = |out: &mut [std::mem::MaybeUninit<f32>]| {
        out.par_chunks_mut(chunk.max(1)).enumerate().for_each(|(i, part)| {
            #[cfg(test)]
            part.iter_mut().for_each(|v| {
                v.write(f32::NAN);
            });
            // SAFETY: `MaybeUninit<f32>` has `f32`'s layout, and the caller's `fill` writes every
            // element before reading it.
            fill(i, unsafe { &mut *(std::ptr::from_mut(part) as *mut [f32]) })
        });
    };
    // SAFETY: the chunks cover `out`, and each `fill` writes every element of its chunk.
    unsafe { written(len, tasks) }
}

#[cfg(target_arch = "x86_64")]
mod simd {
    /// `f()` compiled with AVX-512F and DQ (64-bit integer products, for the dropout mask's
    /// hash), and AVX2, FMA.
    #[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
    pub(super) unsafe fn avx512<R>(f: impl FnOnce() -> R) -> R {
        f()
    }

    /// `f()` compiled with AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
        f()
    }
}
