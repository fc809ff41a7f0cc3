//! Which beat-annotation symbols are beats of which AAMI class: the AAMI recommended practice
//! (ANSI/AAMI EC57, [`AamiClass::from_symbol`]) by default, with a database's own symbols or
//! relabellings on top, read from a small CSV file.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::aami::AamiClass;
use crate::error::Result;
use crate::record_lists::{csv_error, lines};

/// Beat symbol → AAMI class: AAMI's table, then the overrides. An override to `None` leaves the
/// symbol's beats out (counted as unmapped).
///
/// The file [`SymbolMap::read`] takes has one `symbol,class` pair per line, `class` one of `N`,
/// `S`, `V`, `F`, `Q` or `-` (leave out); blank lines and lines starting with `#` are skipped:
///
/// ```text
/// # INCART: treat the unclassified beats as normal
/// Q,N
/// /,-
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SymbolMap {
    overrides: BTreeMap<String, Option<AamiClass>>,
}

impl SymbolMap {
    /// AAMI's table alone.
    pub fn aami() -> Self {
        Self::default()
    }

    /// True when no symbol is overridden.
    pub fn is_aami(&self) -> bool {
        self.overrides.is_empty()
    }

    /// The same map with `symbol` mapped to `class` (`None`: left out).
    pub fn with(mut self, symbol: impl Into<String>, class: Option<AamiClass>) -> Self {
        self.overrides.insert(symbol.into(), class);
        self
    }

    /// The class of a beat annotated `symbol`, or `None` when its beats are left out.
    pub fn class_of(&self, symbol: &str) -> Option<AamiClass> {
        match self.overrides.get(symbol) {
            Some(class) => *class,
            None => AamiClass::from_symbol(symbol),
        }
    }

    /// Reads the overrides from a `symbol,class` file (format above).
    ///
    /// # Errors
    /// [`crate::EcgError::Csv`] naming the file and line of a malformed pair or an unknown class, a
    /// symbol given twice, or [`crate::EcgError::Io`].
    pub fn read(path: &Path) -> Result<Self> {
        let mut map = Self::aami();
        for (line_no, line) in lines(path)? {
            let Some((symbol, class)) = line.rsplit_once(',') else {
                return Err(csv_error(path, line_no, "expected `symbol,class`"));
            };
            let (symbol, class) = (symbol.trim(), class.trim());
            if symbol.is_empty() {
                return Err(csv_error(path, line_no, "empty symbol"));
            }
            let class = match class {
                "-" => None,
                name => Some(AamiClass::ALL.into_iter().find(|c| c.name() == name).ok_or_else(|| {
                    csv_error(path, line_no, &format!("unknown class {name:?} (N, S, V, F, Q, or - to leave out)"))
                })?),
            };
            if map.overrides.insert(symbol.to_owned(), class).is_some() {
                return Err(csv_error(path, line_no, &format!("symbol {symbol:?} is given twice")));
            }
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_sit_on_top_of_aami() {
        let map = SymbolMap::aami().with("Q", Some(AamiClass::N)).with("/", None).with("B", Some(AamiClass::V));
        assert_eq!(map.class_of("Q"), Some(AamiClass::N));
        assert_eq!(map.class_of("/"), None);
        assert_eq!(map.class_of("B"), Some(AamiClass::V));
        assert_eq!(map.class_of("A"), Some(AamiClass::S));
        assert_eq!(SymbolMap::aami().class_of("B"), None);
    }

    #[test]
    fn reads_the_file_and_names_the_line_of_a_mistake() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("symbols.csv");
        std::fs::write(&path, "# comment\n\nQ,N\n/ , -\n,,V\n").unwrap();
        let map = SymbolMap::read(&path).unwrap();
        assert_eq!((map.class_of("Q"), map.class_of("/"), map.class_of(",")), (Some(AamiClass::N), None, Some(AamiClass::V)));
        for (text, line, want) in [("Q,X\n", 1, "unknown class"), ("N,N\nN,S\n", 2, "given twice"), ("\nQ\n", 2, "symbol,class")] {
            std::fs::write(&path, text).unwrap();
            let e = SymbolMap::read(&path).unwrap_err().to_string();
            assert!(e.contains(&format!("symbols.csv:{line}:")) && e.contains(want), "{text:?}: {e}");
        }
    }
}
