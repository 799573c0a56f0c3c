//! Reading JSON input (spec and grid files, `--params`) within stated
//! limits, before anything large is stored: the input's size, the number of
//! values it holds, its nesting depth. It also accepts a UTF-8 byte-order
//! mark and refuses duplicate keys (which plain serde_json resolves silently,
//! last one wins). Errors are [`Error::Spec`] with the JSON path.

use std::cell::RefCell;
use std::fmt;
use std::io::Read;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Error, Remedy, Result};
use crate::model::game::MAX_TABLE_ENTRIES;

/// Input files larger than this are refused (a table at the table limit,
/// written with 17 significant digits, is about 2^24 × 20 bytes = 340 MB).
pub const MAX_INPUT_BYTES: u64 = 1 << 30;
/// Values (numbers, strings, arrays, …) an input may hold: the largest
/// table and room for everything else. Counted while parsing, so a file of
/// a billion zeros is refused after this many, not after filling memory.
pub const MAX_INPUT_VALUES: u64 = MAX_TABLE_ENTRIES + (1 << 22);
/// Arrays and objects nested deeper than this are refused (a spec needs 4).
pub const MAX_DEPTH: usize = 64;

/// Read and parse the JSON file at `path` within the limits above.
pub(crate) fn read_file(path: &std::path::Path) -> Result<Value> {
    let file = std::fs::File::open(path).map_err(|e| Error::read(path, e))?;
    if let Ok(meta) = file.metadata() {
        if meta.is_file() && meta.len() > MAX_INPUT_BYTES {
            return Err(too_big(meta.len()));
        }
    }
    // One more byte than the limit tells a cut-off read from a whole one.
    let reader = std::io::BufReader::new(file).take(MAX_INPUT_BYTES + 1);
    parse_reader(reader).map_err(|e| match e {
        Error::Read { source, .. } => Error::read(path, source),
        other => other,
    })
}

/// Parse JSON text as spec files are parsed: within [`MAX_INPUT_BYTES`]
/// and [`MAX_DEPTH`], a byte-order mark skipped, a duplicate key refused
/// with its path ([`Error::Spec`]).
///
/// ```
/// assert!(unitsum_gpu::parse_json(r#"{"weights": [[1, 2]]}"#).is_ok());
/// assert!(unitsum_gpu::parse_json(r#"{"a": 1, "a": 2}"#).is_err());
/// ```
pub fn parse_json(text: &str) -> Result<Value> {
    if text.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_big(text.len() as u64));
    }
    parse_reader(text.as_bytes())
}

fn too_big(bytes: u64) -> Error {
    Error::too_large(
        format!("(file): {bytes} bytes, beyond the {MAX_INPUT_BYTES} bytes an input file may have"),
        Remedy::SmallerProblem,
    )
}

fn parse_reader(mut reader: impl Read) -> Result<Value> {
    // A byte-order mark is allowed (some editors write one) and skipped.
    let mut head = [0u8; 3];
    let mut got = 0;
    while got < 3 {
        match reader.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(read) => got += read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::read("(input)", e)),
        }
    }
    let start = if head[..got] == [0xEF, 0xBB, 0xBF] {
        3
    } else {
        0
    };
    let bytes = std::cell::Cell::new(got as u64);
    let counted = Counted {
        inner: (&head[start..got]).chain(reader),
        bytes: &bytes,
    };
    let limits = Limits::default();
    let mut de = serde_json::Deserializer::from_reader(counted);
    let parsed = Node {
        limits: &limits,
        at: &At::Root,
        depth: 0,
    }
    .deserialize(&mut de)
    .and_then(|value| de.end().map(|_| value));
    match parsed {
        Ok(value) => Ok(value),
        Err(e) => Err(match limits.error.into_inner() {
            Some(error) => error,
            None if bytes.get() > MAX_INPUT_BYTES => too_big(MAX_INPUT_BYTES + 1),
            None if e.is_io() => Error::read("(input)", std::io::Error::other(e.to_string())),
            None => Error::spec("(file)", format!("not valid JSON: {e}")),
        }),
    }
}

/// A reader that counts the bytes it passes on.
struct Counted<'a, R> {
    inner: R,
    bytes: &'a std::cell::Cell<u64>,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.bytes.set(self.bytes.get() + read as u64);
        Ok(read)
    }
}

/// What parsing has used so far, and the error that stopped it (serde's own
/// error type cannot carry a path, so it only signals the stop).
#[derive(Default)]
struct Limits {
    values: std::cell::Cell<u64>,
    error: RefCell<Option<Error>>,
}

impl Limits {
    fn stop<E: de::Error>(&self, error: Error) -> E {
        *self.error.borrow_mut() = Some(error);
        E::custom("stopped")
    }
}

/// Where a value sits, kept on the stack and formatted only for an error.
enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Root => f.write_str("(root)"),
            At::Key(At::Root, key) => f.write_str(key),
            At::Key(parent, key) => write!(f, "{parent}.{key}"),
            At::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// One value to parse at `at`.
struct Node<'a> {
    limits: &'a Limits,
    at: &'a At<'a>,
    depth: usize,
}

impl Node<'_> {
    fn count<E: de::Error>(&self) -> std::result::Result<(), E> {
        let values = self.limits.values.get() + 1;
        self.limits.values.set(values);
        if values > MAX_INPUT_VALUES {
            return Err(self.limits.stop(Error::too_large(
                format!(
                    "{}: the input holds more than {MAX_INPUT_VALUES} values, beyond what a \
                     spec may hold (tables up to {MAX_TABLE_ENTRIES} numbers)",
                    self.at
                ),
                Remedy::SmallerProblem,
            )));
        }
        Ok(())
    }

    fn enter<E: de::Error>(&self) -> std::result::Result<(), E> {
        if self.depth >= MAX_DEPTH {
            return Err(self.limits.stop(Error::spec(
                self.at.to_string(),
                format!("nested deeper than {MAX_DEPTH} arrays and objects"),
            )));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<Value, E> {
        self.count()?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Value, E> {
        self.count()?;
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Value, E> {
        self.count()?;
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Value, E> {
        self.count()?;
        // JSON numbers are finite; serde_json reads overflowing ones as errors.
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Value, E> {
        self.count()?;
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Value, E> {
        self.count()?;
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> std::result::Result<Value, E> {
        self.count()?;
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        self.count()?;
        self.enter()?;
        let mut out = Vec::new();
        loop {
            let at = At::Index(self.at, out.len());
            let node = Node {
                limits: self.limits,
                at: &at,
                depth: self.depth + 1,
            };
            match seq.next_element_seed(node)? {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        self.count()?;
        self.enter()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let at = At::Key(self.at, &key);
            if out.contains_key(&key) {
                return Err(self.limits.stop(Error::spec(
                    at.to_string(),
                    "appears twice in one object (which one is meant?)",
                )));
            }
            let value = map.next_value_seed(Node {
                limits: self.limits,
                at: &at,
                depth: self.depth + 1,
            })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}
