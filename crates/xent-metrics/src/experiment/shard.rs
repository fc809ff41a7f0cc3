//! One share of an experiment's runs, for grids spread over several processes (a cluster's job
//! array): [`Shard`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The `index`-th of `count` shares of a plan's runs (`index` from 1). Run `j` of the plan (in plan
/// order: configurations, then seeds) belongs to share `j mod count + 1`, so every share gets every
/// configuration and shares differ in size by one run at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which share, from 1.
    pub index: usize,
    /// How many shares.
    pub count: usize,
}

impl Shard {
    /// Share `index` (from 1) of `count`.
    ///
    /// # Errors
    /// `count` is 0, or `index` is outside `1..=count`.
    pub fn new(index: usize, count: usize) -> Result<Self> {
        if count == 0 || index == 0 || index > count {
            return Err(Error::InvalidArgument(format!(
                "shard {index}/{count}: the share must be I/N with 1 ≤ I ≤ N (e.g. 1/4 … 4/4)"
            )));
        }
        Ok(Self { index, count })
    }

    /// The share of a Slurm job array task, from `SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`
    /// and `SLURM_ARRAY_TASK_MIN` as `lookup` returns them (`std::env::var(..).ok()` in a
    /// program): task `id` is share `id − min + 1` of `count`. `None` outside a job array.
    ///
    /// # Errors
    /// Variables that are not numbers, or a task outside the array.
    pub fn from_slurm(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let (Some(id), Some(count)) = (lookup("SLURM_ARRAY_TASK_ID"), lookup("SLURM_ARRAY_TASK_COUNT")) else {
            return Ok(None);
        };
        let number = |name: &str, v: &str| {
            v.trim()
                .parse::<usize>()
                .map_err(|_| Error::InvalidArgument(format!("{name}={v:?} is not a task number")))
        };
        let id = number("SLURM_ARRAY_TASK_ID", &id)?;
        let count = number("SLURM_ARRAY_TASK_COUNT", &count)?;
        let min = match lookup("SLURM_ARRAY_TASK_MIN") {
            Some(m) => number("SLURM_ARRAY_TASK_MIN", &m)?,
            None => 0,
        };
        if id < min {
            return Err(Error::InvalidArgument(format!("SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}")));
        }
        Self::new(id - min + 1, count).map(Some)
    }

    /// True when run `j` (from 0, in plan order) belongs to this share.
    pub fn owns(&self, j: usize) -> bool {
        j % self.count + 1 == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = Error;

    /// `I/N`, e.g. `2/4`.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::InvalidArgument(format!("shard {s:?}: expected I/N, e.g. 2/4"));
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let i = i.trim().parse().map_err(|_| bad())?;
        let n = n.trim().parse().map_err(|_| bad())?;
        Self::new(i, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_partition_the_runs() {
        let shards: Vec<Shard> = (1..=3).map(|i| Shard::new(i, 3).unwrap()).collect();
        for j in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.owns(j)).count(), 1, "run {j}");
        }
        let sizes: Vec<usize> = shards.iter().map(|s| (0..10).filter(|&j| s.owns(j)).count()).collect();
        assert_eq!(sizes, [4, 3, 3]);
    }

    #[test]
    fn parses_i_of_n_and_refuses_the_rest() {
        assert_eq!("2/4".parse::<Shard>().unwrap(), Shard { index: 2, count: 4 });
        assert_eq!(Shard { index: 2, count: 4 }.to_string(), "2/4");
        for bad in ["0/4", "5/4", "1/0", "2", "a/b", "1/2/3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_a_slurm_job_array() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert_eq!(Shard::from_slurm(env(&[])).unwrap(), None);
        let s = Shard::from_slurm(env(&[("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_COUNT", "4")])).unwrap();
        assert_eq!(s, Some(Shard { index: 1, count: 4 }));
        let s = Shard::from_slurm(env(&[
            ("SLURM_ARRAY_TASK_ID", "7"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "4"),
        ]))
        .unwrap();
        assert_eq!(s, Some(Shard { index: 4, count: 4 }));
        assert!(Shard::from_slurm(env(&[("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_COUNT", "4")])).is_err());
        assert!(Shard::from_slurm(env(&[("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_COUNT", "4")])).is_err());
    }
}
