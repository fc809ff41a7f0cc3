//! MNIST: the 60,000 training and 10,000 test digits from the carried idx files, as a
//! [`DataSource`] of `[batch, 1, 28, 28]` images scaled to [0, 1] (the question's `x / 255`).

use std::path::{Path, PathBuf};

use burn::prelude::*;
use xent_core::{DataSource, Targets};

use crate::error::{ReproError, Result};
use crate::idx;

/// Side of an MNIST image.
pub const SIDE: usize = 28;
/// Pixels per image.
pub const PIXELS: usize = SIDE * SIDE;
/// Number of digit classes.
pub const CLASSES: usize = 10;

/// Images and labels of one split.
#[derive(Debug, Clone)]
pub struct Mnist {
    /// Pixels, `len × 784` bytes.
    pub pixels: Vec<u8>,
    /// Labels 0–9 as engine targets (class indices).
    pub targets: Targets,
    /// Where the images came from (for reports).
    pub source: String,
}

/// The training and test splits.
#[derive(Debug, Clone)]
pub struct MnistSplits {
    /// 60,000 training images.
    pub train: Mnist,
    /// 10,000 test images.
    pub test: Mnist,
}

impl Mnist {
    /// Reads a pair of idx files (plain or gzip) and checks they agree in count and image size.
    ///
    /// # Errors
    /// Idx errors naming the file and offset; [`ReproError::CountMismatch`] when the files hold
    /// different numbers of samples; [`ReproError::Idx`] for images that are not 28 × 28.
    pub fn from_files(images: impl AsRef<Path>, labels: impl AsRef<Path>) -> Result<Self> {
        let (ip, lp) = (images.as_ref(), labels.as_ref());
        let im = idx::read_images(ip)?;
        if (im.rows, im.cols) != (SIDE, SIDE) {
            return Err(ReproError::Idx {
                path: ip.to_path_buf(),
                offset: 8,
                message: format!("images are {} × {}, expected {SIDE} × {SIDE}", im.rows, im.cols),
            });
        }
        let labels = idx::read_labels(lp, CLASSES as u8)?;
        if labels.len() != im.count {
            return Err(ReproError::CountMismatch {
                images_path: ip.to_path_buf(),
                images: im.count,
                labels_path: lp.to_path_buf(),
                labels: labels.len(),
            });
        }
        Ok(Self {
            pixels: im.pixels,
            targets: Targets::Labels(labels.into_iter().map(u32::from).collect()),
            source: ip.display().to_string(),
        })
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The labels as class indices.
    pub fn labels(&self) -> &[u32] {
        match &self.targets {
            Targets::Labels(l) => l,
            Targets::Hot(_) => unreachable!("MNIST targets are class indices"),
        }
    }

    /// Number of images of each digit.
    pub fn histogram(&self) -> [usize; CLASSES] {
        let mut h = [0; CLASSES];
        for &l in self.labels() {
            h[l as usize] += 1;
        }
        h
    }

    /// The first `n` images (all when `n ≥ len`): MNIST's files are not sorted by class, so a
    /// prefix is close to the full class balance.
    pub fn head(&self, n: usize) -> Self {
        let n = n.min(self.len());
        Self {
            pixels: self.pixels[..n * PIXELS].to_vec(),
            targets: Targets::Labels(self.labels()[..n].to_vec()),
            source: format!("{} (first {n})", self.source),
        }
    }
}

impl MnistSplits {
    /// Loads `train-*` and `t10k-*` from `dir` (the four `*-idx?-ubyte.gz` files).
    ///
    /// # Errors
    /// As [`Mnist::from_files`].
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let [ti, tl, si, sl] = idx::mnist_paths(dir.as_ref());
        Ok(Self { train: Mnist::from_files(&ti, &tl)?, test: Mnist::from_files(&si, &sl)? })
    }

    /// The default folder, `datasets/mnist` under `root`.
    pub fn default_dir(root: &Path) -> PathBuf {
        root.join("datasets").join("mnist")
    }
}

impl DataSource for Mnist {
    type Batch = Tensor<4>;

    fn len(&self) -> usize {
        self.targets.len()
    }

    fn targets(&self) -> &Targets {
        &self.targets
    }

    fn declared_classes(&self) -> Option<usize> {
        Some(CLASSES)
    }

    fn batch(&self, indices: &[usize], device: &Device) -> xent_core::Result<Tensor<4>> {
        let mut v = Vec::with_capacity(indices.len() * PIXELS);
        for &i in indices {
            v.extend(self.pixels[i * PIXELS..(i + 1) * PIXELS].iter().map(|&p| f32::from(p) / 255.0));
        }
        Ok(Tensor::from_data(TensorData::new(v, [indices.len(), 1, SIDE, SIDE]), device))
    }
}
