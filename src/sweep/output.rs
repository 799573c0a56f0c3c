//! A sweep's output file (the CLI's `--out`): locked while a sweep writes
//! it, with the sweep's identity (every parameter that changes its rows) in
//! a sidecar file `OUT.sweep.json`, so that resuming (`--resume`) appends
//! only to a file of the same sweep. The rows file itself stays plain CSV or
//! JSON lines ([`super::rows`]).

use std::collections::BTreeMap;
use std::fs::{File, TryLockError};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::rows::{check_cut_line, parse_rows, read_bounded};
use super::Row;
use crate::error::{Error, Result};

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
    /// The rows file, locked and positioned at its end.
    pub file: File,
    /// The rows already in the file (resuming).
    pub previous: Vec<Row>,
    /// Whether the file already has content (and so its header).
    pub has_content: bool,
    /// When resuming, the bytes of a last line cut short (by a crash) that
    /// were removed: the caller tells the user.
    pub removed: Option<u64>,
}

/// An output file checked and locked, its rows read, nothing in it or its
/// sidecar changed yet: [`Pending::commit`] does that once every other
/// check of the sweep has passed too.
pub struct Pending {
    path: PathBuf,
    /// The file, locked, when it exists (a new one is created by `commit`).
    file: Option<File>,
    identity: Identity,
    /// Rows already in the file (resuming).
    pub previous: Vec<Row>,
    /// Bytes of the file to keep: its complete lines when resuming, else 0.
    keep: u64,
    /// Whether the rows are resumed (a shorter file lost a cut line).
    resume: bool,
}

fn usage(message: String) -> Error {
    Error::usage("out", message)
}

/// Check `path` for a sweep with `identity`, changing nothing: it must be a
/// regular file (or not exist) with room for its sidecar, and no other sweep
/// may be writing it (its lock is taken and kept). With `resume`, its
/// sidecar must match `identity` and every line but a last one cut short
/// (at most `max_line` bytes, the longest a row of this sweep can be) must
/// be a row.
pub fn prepare(path: &Path, identity: &Identity, resume: bool, max_line: usize) -> Result<Pending> {
    check_target(path, resume)?;
    let sidecar = identity_path(path);
    if let Ok(meta) = std::fs::metadata(&sidecar) {
        if !meta.is_file() {
            return Err(usage(format!(
                "{}: is not a regular file, and the identity of the sweep writing {} is kept \
                 there; move it away or choose another --out",
                sidecar.display(),
                path.display()
            )));
        }
    }
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
    {
        Ok(file) => Some(locked(file, path)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::write(path, e)),
    };
    let mut pending = Pending {
        path: path.to_path_buf(),
        file,
        identity: identity.clone(),
        previous: Vec::new(),
        keep: 0,
        resume,
    };
    if let (true, Some(file)) = (resume, &pending.file) {
        let text = read_bounded(file, path)?;
        if !text.is_empty() {
            let recorded = read_identity(&sidecar)?;
            if let Some(difference) = identity.difference(&recorded) {
                return Err(usage(format!(
                    "{} holds the rows of another sweep: {difference}; resume with the same \
                     flags, or write to another --out",
                    path.display()
                )));
            }
            let (rows, complete) = parse_rows(&text, path)?;
            check_cut_line(&text[complete..], max_line, path)?;
            pending.previous = rows;
            pending.keep = complete as u64;
        }
    }
    Ok(pending)
}

/// `path` as a sweep's output: a regular file or none, not a directory, a
/// pipe or a device, and not a name for a file descriptor (`/dev/stdout`),
/// whose directory has no room for the sidecar.
fn check_target(path: &Path, resume: bool) -> Result<()> {
    let refuse = |what: &str| {
        let reading = if resume {
            " (--resume needs a regular file to read the finished rows from)"
        } else {
            ""
        };
        usage(format!(
            "{}: {what}; a sweep writes its rows to a regular file{reading}, with its \
             identity beside it in FILE.sweep.json (leave out --out to write the rows to \
             standard output)",
            path.display()
        ))
    };
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.is_dir() {
            return Err(refuse("is a directory"));
        }
        if !meta.is_file() {
            return Err(refuse(
                "is not a regular file (a pipe, a device or a socket)",
            ));
        }
    }
    if through_descriptor(path) {
        return Err(refuse(
            "names a file descriptor (/dev/stdout, /dev/fd/N, /proc/self/fd/N), not a file",
        ));
    }
    Ok(())
}

/// Whether `path` reaches its file through a file-descriptor link
/// (`/dev/stdout` → `/proc/self/fd/1`), following each link of the chain
/// from its directory's real path.
fn through_descriptor(path: &Path) -> bool {
    let mut current = path.to_path_buf();
    // As many links as the kernel follows; a longer chain is a loop.
    for _ in 0..40 {
        let Some(name) = current.file_name() else {
            return false;
        };
        let parent = current
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let Ok(dir) = std::fs::canonicalize(parent) else {
            return false;
        };
        if dir.starts_with("/proc") || dir.starts_with("/dev/fd") {
            return true;
        }
        let full = dir.join(name);
        match std::fs::read_link(&full) {
            Ok(target) => current = dir.join(target),
            Err(_) => return false,
        }
    }
    true
}

/// `file` with its lock taken: a second writer is refused.
fn locked(file: File, path: &Path) -> Result<File> {
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(usage(format!(
            "{}: another sweep is writing this file (it holds its lock); \
             wait for it to finish or choose another --out",
            path.display()
        ))),
        Err(TryLockError::Error(e)) => Err(Error::write(path, e)),
    }
}

impl Pending {
    /// Write the sidecar and cut the file to the rows it keeps (all of them
    /// when resuming, none otherwise), in the order that loses nothing if
    /// a step fails: the sidecar is written whole to a temporary file
    /// first, renamed over the old one only once the rows file is cut.
    pub fn commit(self) -> Result<Output> {
        let path = &self.path;
        let write_error = |e: std::io::Error| Error::write(path, e);
        let mut file = match self.file {
            Some(file) => file,
            None => {
                let file = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(path)
                    .map_err(write_error)?;
                locked(file, path)?
            }
        };
        // A race may have put something else there since the checks.
        if !file.metadata().map_err(write_error)?.is_file() {
            return Err(usage(format!("{}: is not a regular file", path.display())));
        }
        let sidecar = identity_path(path);
        let temporary = write_temporary(&sidecar, &self.identity)?;
        let length = file.metadata().map_err(write_error)?.len();
        let removed = (length > self.keep && self.resume).then(|| length - self.keep);
        if length > self.keep {
            file.set_len(self.keep).map_err(write_error)?;
        }
        std::fs::rename(&temporary, &sidecar).map_err(|e| Error::write(&sidecar, e))?;
        file.seek(SeekFrom::End(0)).map_err(write_error)?;
        Ok(Output {
            file,
            previous: self.previous,
            has_content: self.keep > 0,
            removed,
        })
    }
}

fn read_identity(sidecar: &Path) -> Result<Identity> {
    let text = match std::fs::read(sidecar) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::usage(
                "resume",
                format!(
                    "{} is missing: without the identity of the sweep that wrote the \
                     rows, resume cannot tell whether they belong to this one \
                     (start afresh without --resume)",
                    sidecar.display()
                ),
            ))
        }
        Err(e) => return Err(Error::read(sidecar, e)),
    };
    serde_json::from_slice(&text).map_err(|e| {
        Error::spec(
            sidecar.display().to_string(),
            format!("is not a sweep identity file: {e}"),
        )
    })
}

/// The sidecar's content, written whole to a temporary file beside it (to
/// be renamed over it): returns that file's path.
fn write_temporary(sidecar: &Path, identity: &Identity) -> Result<PathBuf> {
    let mut temporary = sidecar.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    let text = serde_json::to_string_pretty(identity).expect("a map of strings") + "\n";
    std::fs::File::create(&temporary)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|_| f.sync_all()))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            Error::write(&temporary, e)
        })?;
    Ok(temporary)
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
