//! A sweep's `--out` file: locked while a sweep writes it, with the sweep's
//! identity (every parameter that changes its rows) in a sidecar file
//! `OUT.sweep.json`, so that `--resume` appends only to a file of the same
//! sweep. The rows file itself stays plain CSV or JSON lines.

use std::collections::BTreeMap;
use std::fs::{File, TryLockError};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use unitsum_gpu::sweep::Row;
use unitsum_gpu::Error;

use crate::rows::{parse_rows, read_bounded};
use crate::Failure;

/// The parameters that make a sweep's rows what they are, by flag name
/// (`seed`, `players`, …), each as a normalised value.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity(pub BTreeMap<String, String>);

impl Identity {
    /// Add `flag = value`.
    pub fn with(mut self, flag: &str, value: impl ToString) -> Identity {
        self.0.insert(flag.to_string(), value.to_string());
        self
    }

    /// The first parameter whose value differs from `recorded`'s, as a message.
    fn difference(&self, recorded: &Identity) -> Option<String> {
        // What kind of sweep first: a preset's flags differ with it.
        let rest: std::collections::BTreeSet<&str> = self
            .0
            .keys()
            .chain(recorded.0.keys())
            .map(String::as_str)
            .collect();
        ["preset", "version"]
            .into_iter()
            .chain(rest)
            .find_map(|key| {
                let (now, then) = (self.0.get(key), recorded.0.get(key));
                (now != then).then(|| {
                    let show =
                        |v: Option<&String>| v.map_or("(none)".to_string(), |v| format!("{v:?}"));
                    format!(
                        "its {} was {}, this sweep's is {}",
                        describe(key),
                        show(then),
                        show(now)
                    )
                })
            })
    }
}

/// A parameter's name as a user knows it.
fn describe(key: &str) -> String {
    match key {
        "preset" => "preset".into(),
        "version" => "unitsum-gpu version".into(),
        "grid" => "grid file's content (FNV-1a hash)".into(),
        flag => format!("--{flag}"),
    }
}

/// The sidecar file that records the identity of the sweep writing `out`.
pub fn identity_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".sweep.json");
    PathBuf::from(name)
}

/// The locked output file, positioned to append, and the rows already in it
/// (none unless resuming).
pub struct Output {
    pub file: File,
    pub previous: Vec<Row>,
    /// Whether the file already has content (and so its header).
    pub has_content: bool,
}

/// Open `path` for a sweep with `identity`: lock it (a second writer is
/// refused), and either start it afresh or, with `resume`, check its
/// identity, read its rows (a malformed line is an error) and remove a last
/// line cut short by a crash.
pub fn open(path: &Path, identity: &Identity, resume: bool) -> Result<Output, Failure> {
    let write_error = |e: std::io::Error| Failure::at("", Error::write(path, e));
    let usage = |message: String| Failure::at("", Error::usage("out", message));
    if let Ok(meta) = std::fs::metadata(path) {
        if resume && !meta.is_file() {
            return Err(usage(format!(
                "{}: --resume needs a regular file to read the finished rows from",
                path.display()
            )));
        }
    }
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(write_error)?;
    let regular = file.metadata().map(|m| m.is_file()).unwrap_or(false);
    if regular {
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(usage(format!(
                    "{}: another sweep is writing this file (it holds its lock); \
                     wait for it to finish or choose another --out",
                    path.display()
                )))
            }
            Err(TryLockError::Error(e)) => return Err(write_error(e)),
        }
    }
    let sidecar = identity_path(path);
    let mut previous = Vec::new();
    let mut has_content = false;
    if resume {
        let text = read_bounded(&file, path).map_err(|e| Failure::at("", e))?;
        if !text.is_empty() {
            let recorded = read_identity(&sidecar)?;
            if let Some(difference) = identity.difference(&recorded) {
                return Err(usage(format!(
                    "{} holds the rows of another sweep: {difference}; resume with the same \
                     flags, or write to another --out",
                    path.display()
                )));
            }
            let (rows, complete) = parse_rows(&text, path).map_err(|e| Failure::at("", e))?;
            if complete < text.len() {
                eprintln!(
                    "note: {}: removed a last line cut short ({} bytes without a newline)",
                    path.display(),
                    text.len() - complete
                );
                file.set_len(complete as u64).map_err(write_error)?;
            }
            previous = rows;
            has_content = complete > 0;
        }
    } else if regular {
        file.set_len(0).map_err(write_error)?;
    }
    if regular {
        write_identity(&sidecar, identity)?;
    }
    file.seek(SeekFrom::End(0)).map_err(write_error)?;
    Ok(Output {
        file,
        previous,
        has_content,
    })
}

fn read_identity(sidecar: &Path) -> Result<Identity, Failure> {
    let text = match std::fs::read(sidecar) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Failure::at(
                "",
                Error::usage(
                    "resume",
                    format!(
                        "{} is missing: without the identity of the sweep that wrote the \
                         rows, resume cannot tell whether they belong to this one \
                         (start afresh without --resume)",
                        sidecar.display()
                    ),
                ),
            ))
        }
        Err(e) => return Err(Failure::at("", Error::read(sidecar, e))),
    };
    serde_json::from_slice(&text).map_err(|e| {
        Failure::at(
            "",
            Error::spec(
                sidecar.display().to_string(),
                format!("is not a sweep identity file: {e}"),
            ),
        )
    })
}

/// Write the sidecar whole or not at all (a temporary file, renamed).
fn write_identity(sidecar: &Path, identity: &Identity) -> Result<(), Failure> {
    let mut temporary = sidecar.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let text = serde_json::to_string_pretty(identity).expect("a map of strings") + "\n";
    std::fs::File::create(&temporary)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&temporary, sidecar))
        .map_err(|e| Failure::at("", Error::write(sidecar, e)))
}

/// FNV-1a of `bytes`, as hex: the identity of a grid file's content.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
