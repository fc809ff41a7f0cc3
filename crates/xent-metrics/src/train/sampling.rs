//! How an epoch's batches are drawn from the training samples.
//!
//! - [`Sampling::Uniform`]: every sample once per epoch, in an order shuffled by `(seed, epoch)`
//!   (Keras's `fit(shuffle=True)`), or in index order without shuffling.
//! - [`Sampling::ClassBalanced`]: every batch holds the classes present in training in equal
//!   shares (positions dealt round-robin over the classes), each class's samples drawn from its
//!   own shuffled, repeating stream. An epoch has as many samples as the training set, so rare
//!   classes are seen several times per epoch and frequent ones in part: the oversampling
//!   counterpart of balanced class weights, with the loss unweighted and every gradient step
//!   seeing every class. The training figures `history.jsonl` records for an epoch are then
//!   those of the balanced draws; the final `metrics.json` evaluates every training sample once.
//!
//! Both orders are functions of `(seed, epoch)` only, so a resumed run draws the same batches.

use serde::{Deserialize, Serialize};

use super::{epoch_seed, shuffled};

/// Which samples an epoch visits, and in which order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    /// Each sample once per epoch (shuffled when the configuration says so).
    #[default]
    Uniform,
    /// Batches with the classes in equal shares, drawn with per-class repeating shuffles; epoch
    /// length = the number of training samples.
    ClassBalanced,
}

impl Sampling {
    /// The sample indices of epoch `epoch` (counted from 1), in batch order.
    ///
    /// `train` are the training indices, `class_of[i]` the class of sample `i` (below `k`).
    /// Streams: `(seed, epoch, 0)` for the uniform shuffle,
    /// `(seed, epoch, 16 + c)` for class `c`'s stream of class-balanced batches.
    pub fn epoch_order(
        self,
        train: &[usize],
        class_of: &[usize],
        k: usize,
        shuffle: bool,
        seed: u64,
        epoch: usize,
    ) -> Vec<usize> {
        match self {
            Self::Uniform if shuffle => shuffled(train, epoch_seed(seed, epoch, 0)),
            Self::Uniform => train.to_vec(),
            Self::ClassBalanced => balanced(train, class_of, k, seed, epoch),
        }
    }
}

fn balanced(train: &[usize], class_of: &[usize], k: usize, seed: u64, epoch: usize) -> Vec<usize> {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for &i in train {
        if let Some(m) = members.get_mut(class_of[i]) {
            m.push(i);
        }
    }
    let present: Vec<usize> = (0..k).filter(|&c| !members[c].is_empty()).collect();
    if present.is_empty() {
        return train.to_vec();
    }
    // One repeating stream per class: its samples shuffled, reshuffled each time it runs out.
    let mut streams: Vec<Stream> = present
        .iter()
        .map(|&c| Stream { members: &members[c], seed: epoch_seed(seed, epoch, 16 + c as u64), round: 0, order: Vec::new(), at: 0 })
        .collect();
    // Round-robin over the classes across the whole epoch: every batch holds each class
    // ⌊B/C⌋ or ⌈B/C⌉ times, and the classes that get the extra place rotate from batch to batch.
    let c = streams.len();
    (0..train.len()).map(|p| streams[p % c].next()).collect()
}

/// A class's samples, shuffled anew each time they have all been drawn.
struct Stream<'a> {
    members: &'a [usize],
    seed: u64,
    round: u64,
    order: Vec<usize>,
    at: usize,
}

impl Stream<'_> {
    fn next(&mut self) -> usize {
        if self.at == self.order.len() {
            self.order = shuffled(self.members, self.seed ^ self.round.wrapping_mul(0xD1B5_4A32_D192_ED03));
            self.round += 1;
            self.at = 0;
        }
        self.at += 1;
        self.order[self.at - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 90 samples of class 0, 9 of class 1, 1 of class 2.
    fn data() -> (Vec<usize>, Vec<usize>) {
        let class_of: Vec<usize> = (0..100).map(|i| if i < 90 { 0 } else if i < 99 { 1 } else { 2 }).collect();
        ((0..100).collect(), class_of)
    }

    #[test]
    fn uniform_visits_every_sample_once() {
        let (train, class_of) = data();
        let mut order = Sampling::Uniform.epoch_order(&train, &class_of, 3, true, 7, 1);
        assert_ne!(order, train);
        order.sort_unstable();
        assert_eq!(order, train);
        assert_eq!(Sampling::Uniform.epoch_order(&train, &class_of, 3, false, 7, 1), train);
    }

    #[test]
    fn class_balanced_batches_hold_the_classes_in_equal_shares() {
        let (train, class_of) = data();
        let order = Sampling::ClassBalanced.epoch_order(&train, &class_of, 3, true, 7, 1);
        assert_eq!(order.len(), train.len());
        for batch in order.chunks(6) {
            let mut counts = [0; 3];
            batch.iter().for_each(|&i| counts[class_of[i]] += 1);
            if batch.len() == 6 {
                assert_eq!(counts, [2, 2, 2], "{batch:?}");
            }
        }
        // The rare classes' streams cycle through all their samples before repeating one.
        let ones: Vec<usize> = order.iter().copied().filter(|&i| class_of[i] == 1).collect();
        let mut first = ones[..9].to_vec();
        first.sort_unstable();
        assert_eq!(first, (90..99).collect::<Vec<_>>());
        // The frequent class is drawn without repetition within the epoch.
        let zeros: Vec<usize> = order.iter().copied().filter(|&i| class_of[i] == 0).collect();
        let mut unique = zeros.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), zeros.len());
    }

    #[test]
    fn class_balanced_orders_depend_on_seed_and_epoch_only() {
        let (train, class_of) = data();
        let a = Sampling::ClassBalanced.epoch_order(&train, &class_of, 3, true, 3, 2);
        assert_eq!(a, Sampling::ClassBalanced.epoch_order(&train, &class_of, 3, true, 3, 2));
        assert_ne!(a, Sampling::ClassBalanced.epoch_order(&train, &class_of, 3, true, 3, 3));
        assert_ne!(a, Sampling::ClassBalanced.epoch_order(&train, &class_of, 3, true, 4, 2));
        // Over the epoch each class gets its share: 100 draws over 3 classes, 33 or 34 each,
        // and any 5 consecutive draws (a batch of 5) hold every class once or twice.
        let mut counts = [0; 3];
        a.iter().for_each(|&i| counts[class_of[i]] += 1);
        assert!(counts.iter().all(|&c| (33..=34).contains(&c)), "{counts:?}");
        for batch in a.chunks(5) {
            let mut counts = [0; 3];
            batch.iter().for_each(|&i| counts[class_of[i]] += 1);
            assert!(counts.iter().all(|&c| (1..=2).contains(&c)), "{counts:?}");
        }
    }

    #[test]
    fn classes_absent_from_training_are_skipped() {
        let class_of = vec![0, 0, 2, 2];
        let order = Sampling::ClassBalanced.epoch_order(&[0, 1, 2, 3], &class_of, 3, true, 1, 1);
        for batch in order.chunks(2) {
            assert_ne!(class_of[batch[0]], class_of[batch[1]]);
        }
    }
}
