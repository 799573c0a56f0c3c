//! A sweep's rows as text: CSV or JSON lines, one row per point, written and
//! flushed as each point completes (a crash loses nothing finished), and
//! read back to resume a sweep and to plot it.

use std::collections::HashSet;
use std::io::Write;

use super::{Point, Row};
use crate::error::{Error, Remedy, Result};

/// Output format of a sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SweepFormat {
    /// Comma-separated, lists joined by `;`, a header line.
    Csv,
    /// One JSON object per line.
    Json,
}

/// The CSV header (column order of [`to_csv`]).
pub const CSV_HEADER: &str =
    "point,sweep,family,players,actions,states,sizes,opponent,game,backend,method,work,\
evaluations,min_shares,bound,holds,margin,seconds,max_gpu_cpu,agree,worst_actions";

fn join<T: ToString>(items: &[T]) -> String {
    items.iter().map(T::to_string).collect::<Vec<_>>().join(";")
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or(String::new(), T::to_string)
}

/// Seconds to the microsecond, in the shortest form that reads back as
/// that (`0.5`, not `0.500000`; files written before kept six decimals, and
/// both parse).
fn seconds(s: f64) -> String {
    ((s * 1e6).round() / 1e6).to_string()
}

/// A row as a CSV line (no newline); numbers in Rust's shortest form that
/// reads back as the same `f64`.
pub fn to_csv(r: &Row) -> String {
    [
        r.point.replace(',', ";"),
        r.sweep.replace(',', ";"),
        r.family.clone(),
        r.players.to_string(),
        r.actions.to_string(),
        r.states.to_string(),
        join(&r.sizes),
        r.opponent.clone(),
        r.game.to_string(),
        r.backend.to_string(),
        r.method.to_string(),
        r.work.to_string(),
        r.evaluations.to_string(),
        join(&r.min_shares),
        opt(&r.bound),
        opt(&r.holds),
        opt(&r.margin),
        seconds(r.seconds),
        opt(&r.max_gpu_cpu),
        opt(&r.agree),
        r.worst_actions.as_ref().map_or(String::new(), |a| join(a)),
    ]
    .join(",")
}

/// Parse a line written by [`to_csv`].
pub fn from_csv(line: &str) -> Option<Row> {
    let f: Vec<&str> = line.split(',').collect();
    if f.len() != 21 {
        return None;
    }
    fn list<T: std::str::FromStr>(s: &str) -> Option<Vec<T>> {
        if s.is_empty() {
            return Some(Vec::new());
        }
        s.split(';').map(|v| v.parse().ok()).collect()
    }
    fn option<T: std::str::FromStr>(s: &str) -> Option<Option<T>> {
        if s.is_empty() {
            Some(None)
        } else {
            s.parse().ok().map(Some)
        }
    }
    Some(Row {
        point: f[0].to_string(),
        sweep: f[1].to_string(),
        family: f[2].to_string(),
        players: f[3].parse().ok()?,
        actions: f[4].parse().ok()?,
        states: f[5].parse().ok()?,
        sizes: list(f[6])?,
        opponent: f[7].to_string(),
        game: f[8].parse().ok()?,
        backend: f[9].parse().ok()?,
        method: serde_json::from_value(serde_json::Value::String(f[10].into())).ok()?,
        work: f[11].parse().ok()?,
        evaluations: f[12].parse().ok()?,
        min_shares: list(f[13])?,
        bound: option(f[14])?,
        holds: option(f[15])?,
        margin: option(f[16])?,
        seconds: f[17].parse().ok()?,
        max_gpu_cpu: option(f[18])?,
        agree: option(f[19])?,
        worst_actions: if f[20].is_empty() {
            None
        } else {
            Some(list(f[20])?)
        },
        attaining: None,
    })
}

/// Writes rows as they complete.
pub struct RowWriter {
    out: Box<dyn Write>,
    format: SweepFormat,
    /// The file written, or "standard output", for errors.
    name: String,
}

impl RowWriter {
    /// A writer on `out` (called `name` in errors); `header` writes the CSV
    /// header first.
    pub fn new(
        mut out: Box<dyn Write>,
        name: String,
        format: SweepFormat,
        header: bool,
    ) -> Result<RowWriter> {
        if header && format == SweepFormat::Csv {
            writeln!(out, "{CSV_HEADER}")
                .and_then(|_| out.flush())
                .map_err(|e| Error::write(&name, e))?;
        }
        Ok(RowWriter { out, format, name })
    }

    /// Write one row and flush it.
    pub fn write(&mut self, row: &Row) -> Result<()> {
        match self.format {
            SweepFormat::Csv => writeln!(self.out, "{}", to_csv(row)),
            SweepFormat::Json => writeln!(
                self.out,
                "{}",
                serde_json::to_string(row).expect("serialisable")
            ),
        }
        .and_then(|_| self.out.flush())
        .map_err(|e| Error::write(&self.name, e))
    }
}

/// Output files larger than this are not read back (a million rows take
/// about 300 MB).
pub const MAX_ROWS_BYTES: u64 = 1 << 30;

/// The rows of an output file's text and the length of its complete lines.
/// A last line without its newline was cut short (by a crash or a full
/// disk) and is not a row; any other line that is neither the CSV header nor
/// a row is an error naming its line number.
pub fn parse_rows(text: &[u8], path: &std::path::Path) -> Result<(Vec<Row>, usize)> {
    let complete = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut rows = Vec::new();
    for (number, line) in text[..complete].split(|&b| b == b'\n').enumerate() {
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line == CSV_HEADER {
            continue;
        }
        let row = if line.starts_with('{') {
            serde_json::from_str(line).ok()
        } else {
            from_csv(line)
        };
        rows.push(row.ok_or_else(|| {
            Error::spec(
                format!("{} line {}", path.display(), number + 1),
                "is not a row of a sweep (a file edited or written by something else?); \
                 resume refuses to append to it",
            )
        })?);
    }
    Ok((rows, complete))
}

/// The longest line a row of `point` can take in either format, doubled to
/// be generous: JSON escapes a byte of text into at most 6 (`\u001f`), a
/// number takes at most 24 bytes (`-2.2250738585072014e-308`; a u64 20),
/// field names and the fixed fields stay within 1 KiB; a row has 21 fields
/// and lists of a number per coalition (twice) and per player (`worst`'s
/// actions).
pub fn line_bound(point: &Point) -> usize {
    let text = point.key.len()
        + point.sweep.len()
        + point.opponent_label.len()
        + point.problem.game().family().len();
    let numbers = 21 + 2 * point.problem.coalitions().len() + point.problem.players();
    2 * (1024 + 6 * text + 25 * numbers)
}

/// A file's last bytes after its last newline (`cut`) are a row cut short by
/// a crash only when they are no longer than a row can be (`max_line`);
/// anything longer is not what this sweep wrote, and resume refuses to
/// remove it.
pub fn check_cut_line(cut: &[u8], max_line: usize, path: &std::path::Path) -> Result<()> {
    if cut.len() <= max_line {
        return Ok(());
    }
    Err(Error::spec(
        format!("{} last line", path.display()),
        format!(
            "has {} bytes without a newline, more than any row of this sweep can have \
             ({max_line}): not a row cut short by a crash; resume refuses to remove it \
             (move the file away, or write to another --out)",
            cut.len()
        ),
    ))
}

/// The rows of an existing output file (none when it does not exist), within
/// [`MAX_ROWS_BYTES`]; see [`parse_rows`].
pub fn read_rows(path: &std::path::Path) -> Result<Vec<Row>> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::read(path, e)),
    };
    Ok(parse_rows(&read_bounded(file, path)?, path)?.0)
}

/// All of `file`, refused beyond [`MAX_ROWS_BYTES`] (checked as it is read,
/// so a device that never ends is refused too).
pub fn read_bounded(file: impl std::io::Read, path: &std::path::Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut text = Vec::new();
    file.take(MAX_ROWS_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|e| Error::read(path, e))?;
    if text.len() as u64 > MAX_ROWS_BYTES {
        return Err(Error::too_large(
            format!(
                "{}: more than {MAX_ROWS_BYTES} bytes of rows, beyond what is read back",
                path.display()
            ),
            Remedy::SmallerProblem,
        ));
    }
    Ok(text)
}

/// Keys of the points already in an output file.
pub fn done_keys(rows: &[Row]) -> HashSet<String> {
    rows.iter().map(|r| r.point.replace(',', ";")).collect()
}
