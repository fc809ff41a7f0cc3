//! Reading numeric CSV tables through the `csv` crate, with the header rule of
//! [`HeaderMode`] and the bounds of [`super::limits`].

use std::path::Path;

use super::limits::{CellBounded, InputLimits, limit_or_io, open_bounded};
use crate::error::{Error, Result};

/// Whether the first row of a CSV file is a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderMode {
    /// Detected (the default): the first row is a header when every cell is a name (see
    /// [`is_name`]), or when its first cell is empty or `Unnamed: …` (pandas' index column) and
    /// the others are names or the integers `0, 1, …`; then the first column is pandas' index and
    /// is dropped too. A first row of exactly `0, 1, …, C−1` is read as data and marked
    /// ([`CsvTable::integer_names_first`]) for the joint rule of [`super::read_score_inputs`].
    #[default]
    Auto,
    /// The first row is a header, whatever it holds (an index column is detected as in `Auto`).
    Yes,
    /// Every row is data.
    No,
}

/// A numeric table read from CSV: `rows × cols` values plus, per row, its 1-based line number in
/// the file (for error messages).
#[derive(Debug, Clone, PartialEq)]
pub struct CsvTable {
    /// The header cells, when the first line was a header.
    pub header: Option<Vec<String>>,
    /// Number of columns (without a dropped index column).
    pub cols: usize,
    /// The values, row-major, as `f64`.
    pub values: Vec<f64>,
    /// 1-based line number of each row.
    pub lines: Vec<u64>,
    /// The first column was pandas' index (header cell empty or `Unnamed: …`) and was dropped.
    pub index_column: bool,
    /// [`HeaderMode::Auto`] only: the first data row is exactly `0, 1, …, cols−1`, the column
    /// names `DataFrame.to_csv()` writes for an unnamed array.
    pub integer_names_first: bool,
}

impl CsvTable {
    /// Number of data rows.
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    /// Turns the first data row into the header.
    pub fn drop_first_row(&mut self) {
        if self.lines.is_empty() {
            return;
        }
        let cells: Vec<String> = self.values.drain(..self.cols).map(|v| v.to_string()).collect();
        self.lines.remove(0);
        self.header = Some(cells);
        self.integer_names_first = false;
    }
}

/// Whether a header cell is a column name: not a number and not starting like one (a digit, a
/// sign or a point), so a mistyped number such as `0x1` is an error, not a header.
pub fn is_name(cell: &str) -> bool {
    let starts_like_number = cell.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.'));
    !cell.is_empty() && !starts_like_number && cell.parse::<f64>().is_err()
}

/// Whether `cells` are exactly `0, 1, …, len−1`.
pub fn is_integer_names<'a>(cells: impl IntoIterator<Item = &'a str>) -> bool {
    cells.into_iter().enumerate().all(|(i, c)| c == i.to_string())
}

fn is_index_name(cell: &str) -> bool {
    cell.is_empty() || cell.starts_with("Unnamed:")
}

/// Reads a numeric CSV file: every data cell must parse as a number (`nan`/`inf` parse, callers
/// reject them). The file must be a regular file within `limits`; a cell longer than
/// [`super::limits::MAX_CELL_BYTES`] is refused before it is buffered.
///
/// # Errors
/// [`Error::Io`]; [`Error::Parse`] naming file, line and column for a non-numeric cell or a row
/// whose length differs from the first row's, for a file without data rows, and for a file or
/// cell beyond the limits.
pub fn read_numeric_csv(path: &Path, mode: HeaderMode, limits: InputLimits) -> Result<CsvTable> {
    let input = CellBounded::new(open_bounded(path, limits)?);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let mut table = CsvTable {
        header: None,
        cols: 0,
        values: Vec::new(),
        lines: Vec::new(),
        index_column: false,
        integer_names_first: false,
    };
    let mut record = csv::StringRecord::new();
    let mut first = true;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(path, e)),
        }
        let line = record.position().map_or(0, csv::Position::line);
        if record.len() == 1 && record.get(0) == Some("") {
            continue; // blank line
        }
        if first {
            first = false;
            let cells: Vec<&str> = record.iter().collect();
            let index = cells.len() > 1 && is_index_name(cells[0]) && {
                let rest = &cells[1..];
                rest.iter().all(|c| is_name(c)) || is_integer_names(rest.iter().copied())
            };
            let header = match mode {
                HeaderMode::No => false,
                HeaderMode::Yes => true,
                HeaderMode::Auto => index || cells.iter().all(|c| is_name(c)),
            };
            if header {
                table.index_column = cells.len() > 1 && is_index_name(cells[0]);
                table.cols = cells.len() - usize::from(table.index_column);
                table.header = Some(cells.iter().skip(usize::from(table.index_column)).map(|c| (*c).to_owned()).collect());
                continue;
            }
            table.cols = cells.len();
            table.integer_names_first = mode == HeaderMode::Auto && is_integer_names(cells.iter().copied());
        }
        let skip = usize::from(table.index_column);
        if record.len() != table.cols + skip {
            return Err(Error::parse(
                path,
                format!("line {line}"),
                format!("{} column(s), but the first row has {}", record.len(), table.cols + skip),
            ));
        }
        for (c, cell) in record.iter().enumerate().skip(skip) {
            let v: f64 = cell.parse().map_err(|_| {
                Error::parse(path, format!("line {line}, column {}", c + 1), format!("{cell:?} is not a number"))
            })?;
            table.values.push(v);
        }
        table.lines.push(line);
    }
    if table.lines.is_empty() {
        return Err(Error::parse(path, "line 1", "the file has no data rows"));
    }
    Ok(table)
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    let location = e.position().map_or_else(|| "file".to_owned(), |p| format!("line {}", p.line()));
    match e.into_kind() {
        csv::ErrorKind::Io(io) => limit_or_io(path, io),
        csv::ErrorKind::Utf8 { err, .. } => Error::parse(path, location, format!("invalid UTF-8: {err}")),
        other => Error::parse(path, location, format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_not_numbers_nor_typos_of_numbers() {
        for name in ["p0", "label", "class_1", "Unnamed: 0", "nanometre"] {
            assert!(is_name(name), "{name}");
        }
        for not in ["0", "0x1", "1e5", "-", ".5", "+x", "", "nan", "inf", "NaN"] {
            assert!(!is_name(not), "{not}");
        }
        assert!(is_integer_names(["0", "1", "2"]));
        assert!(!is_integer_names(["0", "2"]));
        assert!(!is_integer_names(["1"]));
    }
}
