//! Cross-validation folds inside the training side: patient-grouped for the inter-patient
//! paradigm (every record's beats in one fold, the rare-class records spread over the folds),
//! stratified by class over beats for the intra-patient one.

use crate::aami::{AamiClass, AamiCounts};
use crate::beats::BeatSet;
use crate::error::{EcgError, Result};
use crate::split::SplitMix64;

/// Records per fold, `folds` groups: each record in exactly one, the beats of every class spread
/// as evenly as whole records allow (a greedy stratified group k-fold).
///
/// Records are placed one at a time, those richest in rare beats first (the sum over S, V, F and
/// Q of the record's share of that class), each into the fold that leaves the per-class shares of
/// the folds closest to `1 / folds` (squared error), ties to the fold with fewer beats. The
/// result depends only on the records and their counts, not on their order.
///
/// # Errors
/// Fewer records than folds, or fewer than 2 folds.
pub fn group_folds(records: &[(String, AamiCounts)], folds: usize) -> Result<Vec<Vec<String>>> {
    if folds < 2 {
        return Err(EcgError::invalid("cross-validation", format!("{folds} folds: need at least 2")));
    }
    if records.len() < folds {
        return Err(EcgError::invalid("cross-validation", format!("{} records cannot make {folds} patient-grouped folds", records.len())));
    }
    let mut totals = AamiCounts::default();
    for (_, c) in records {
        totals.add(c);
    }
    let share = |c: &AamiCounts, k: usize| if totals.0[k] == 0 { 0.0 } else { c.0[k] as f64 / totals.0[k] as f64 };
    let rarity = |c: &AamiCounts| (1..AamiClass::COUNT).map(|k| share(c, k)).sum::<f64>();
    let mut order: Vec<&(String, AamiCounts)> = records.iter().collect();
    order.sort_by(|a, b| rarity(&b.1).total_cmp(&rarity(&a.1)).then(b.1.total().cmp(&a.1.total())).then(a.0.cmp(&b.0)));
    let mut load = vec![AamiCounts::default(); folds];
    let mut out: Vec<Vec<String>> = vec![Vec::new(); folds];
    let target = 1.0 / folds as f64;
    for (name, counts) in order {
        let cost_with = |f: usize| {
            (0..folds)
                .map(|g| {
                    let mut c = load[g];
                    if g == f {
                        c.add(counts);
                    }
                    (0..AamiClass::COUNT).filter(|&k| totals.0[k] > 0).map(|k| (share(&c, k) - target).powi(2)).sum::<f64>()
                })
                .sum::<f64>()
        };
        let best = (0..folds)
            .min_by(|&a, &b| {
                cost_with(a).total_cmp(&cost_with(b)).then(load[a].total().cmp(&load[b].total())).then(out[a].len().cmp(&out[b].len()))
            })
            .unwrap_or(0);
        load[best].add(counts);
        out[best].push(name.clone());
    }
    for f in &mut out {
        f.sort();
    }
    Ok(out)
}

/// The records of `beats` with their class counts, in name order.
pub fn record_counts(beats: &BeatSet) -> Vec<(String, AamiCounts)> {
    let mut counts = vec![AamiCounts::default(); beats.records.len()];
    for b in &beats.beats {
        if let Some(c) = counts.get_mut(b.record as usize) {
            c.0[b.class.index()] += 1;
        }
    }
    let mut out: Vec<(String, AamiCounts)> = beats.records.iter().cloned().zip(counts).collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Beat indices per fold, stratified by class: each class's beats shuffled with `seed` and dealt
/// round-robin (the intra-patient paradigm's folds, which share patients).
///
/// # Errors
/// Fewer than 2 folds, or fewer beats than folds.
pub fn stratified_folds(beats: &BeatSet, folds: usize, seed: u64) -> Result<Vec<Vec<usize>>> {
    if folds < 2 || beats.len() < folds {
        return Err(EcgError::invalid("cross-validation", format!("{} beats in {folds} folds: need ≥ 2 folds and a beat per fold", beats.len())));
    }
    let mut rng = SplitMix64(seed);
    let mut out = vec![Vec::new(); folds];
    let mut next = 0;
    for class in AamiClass::ALL {
        let mut idx: Vec<usize> = (0..beats.len()).filter(|&i| beats.beats[i].class == class).collect();
        rng.shuffle(&mut idx);
        for i in idx {
            out[next % folds].push(i);
            next += 1;
        }
    }
    for f in &mut out {
        f.sort_unstable();
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str, counts: [usize; 5]) -> (String, AamiCounts) {
        (name.to_owned(), AamiCounts(counts))
    }

    #[test]
    fn every_record_once_and_rare_records_spread() {
        let records = vec![
            rec("a", [2000, 800, 0, 0, 0]),
            rec("b", [2000, 700, 10, 0, 0]),
            rec("c", [2000, 0, 0, 300, 0]),
            rec("d", [2000, 5, 400, 0, 0]),
            rec("e", [2000, 0, 350, 0, 0]),
            rec("f", [2000, 0, 0, 0, 0]),
        ];
        let folds = group_folds(&records, 3).unwrap();
        let mut all: Vec<&String> = folds.iter().flatten().collect();
        all.sort();
        assert_eq!(all, ["a", "b", "c", "d", "e", "f"]);
        let fold_of = |r: &str| folds.iter().position(|f| f.iter().any(|x| x == r)).unwrap();
        // The two S-rich records and the two V-rich records never share a fold.
        assert_ne!(fold_of("a"), fold_of("b"));
        assert_ne!(fold_of("d"), fold_of("e"));
        // The order of the input does not matter.
        let mut shuffled = records.clone();
        shuffled.reverse();
        assert_eq!(group_folds(&shuffled, 3).unwrap(), folds);
        assert!(group_folds(&records, 7).is_err());
        assert!(group_folds(&records, 1).is_err());
    }
}
