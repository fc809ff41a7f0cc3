//! AAMI EC57 heartbeat classes and the mapping from MIT-BIH beat symbols.
//!
//! N ← N, L, R, e, j; S ← A, a, J, S; V ← V, E; F ← F; Q ← /, f, Q. Other beat symbols
//! (`B`, `r`, `n`, `?`, none of which occurs in MIT-BIH) are left unmapped.

use serde::{Deserialize, Serialize};

/// One of the five AAMI heartbeat classes. The discriminant is the class index used as label
/// (and the Kaggle "ECG heartbeat" CSV label): N 0, S 1, V 2, F 3, Q 4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AamiClass {
    /// Normal and bundle-branch-block beats, atrial and nodal escape beats.
    N = 0,
    /// Supraventricular ectopic beats.
    S = 1,
    /// Ventricular ectopic beats.
    V = 2,
    /// Fusion of ventricular and normal beats.
    F = 3,
    /// Paced, fusion of paced and normal, and unclassifiable beats.
    Q = 4,
}

impl AamiClass {
    /// All five classes in index order.
    pub const ALL: [AamiClass; 5] = [AamiClass::N, AamiClass::S, AamiClass::V, AamiClass::F, AamiClass::Q];

    /// Number of classes.
    pub const COUNT: usize = 5;

    /// The class of a MIT-BIH beat symbol, or `None` for non-beat and unmapped symbols.
    pub fn from_symbol(symbol: &str) -> Option<Self> {
        Some(match symbol {
            "N" | "L" | "R" | "e" | "j" => AamiClass::N,
            "A" | "a" | "J" | "S" => AamiClass::S,
            "V" | "E" => AamiClass::V,
            "F" => AamiClass::F,
            "/" | "f" | "Q" => AamiClass::Q,
            _ => return None,
        })
    }

    /// The class with index `i` (0..5).
    pub fn from_index(i: usize) -> Option<Self> {
        Self::ALL.get(i).copied()
    }

    /// The class index (N 0, S 1, V 2, F 3, Q 4).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The one-letter name.
    pub fn name(self) -> &'static str {
        match self {
            AamiClass::N => "N",
            AamiClass::S => "S",
            AamiClass::V => "V",
            AamiClass::F => "F",
            AamiClass::Q => "Q",
        }
    }
}

impl std::fmt::Display for AamiClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Beat counts per AAMI class, indexed by [`AamiClass::index`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AamiCounts(pub [usize; 5]);

impl AamiCounts {
    /// Counts the classes of an iterator.
    pub fn count(classes: impl IntoIterator<Item = AamiClass>) -> Self {
        let mut c = [0usize; 5];
        for k in classes {
            c[k.index()] += 1;
        }
        AamiCounts(c)
    }

    /// The count of one class.
    pub fn get(&self, class: AamiClass) -> usize {
        self.0[class.index()]
    }

    /// Total over the five classes.
    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }

    /// Adds another count.
    pub fn add(&mut self, other: &AamiCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

impl std::fmt::Display for AamiCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = AamiClass::ALL.iter().map(|&k| format!("{k} {}", self.get(k))).collect();
        write!(f, "{}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_of_the_issue() {
        let cases = [("N", 0), ("L", 0), ("R", 0), ("e", 0), ("j", 0), ("A", 1), ("a", 1), ("J", 1), ("S", 1), ("V", 2), ("E", 2), ("F", 3), ("/", 4), ("f", 4), ("Q", 4)];
        for (s, k) in cases {
            assert_eq!(AamiClass::from_symbol(s).map(AamiClass::index), Some(k), "{s}");
        }
        for s in ["+", "~", "|", "B", "r", "n", "?", "x", "!", ""] {
            assert_eq!(AamiClass::from_symbol(s), None, "{s}");
        }
    }

    #[test]
    fn counts() {
        let c = AamiCounts::count([AamiClass::N, AamiClass::N, AamiClass::Q]);
        assert_eq!(c.0, [2, 0, 0, 0, 1]);
        assert_eq!(c.total(), 3);
        assert_eq!(c.to_string(), "N 2, S 0, V 0, F 0, Q 1");
    }
}
