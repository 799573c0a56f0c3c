//! A sweep's files: `--out` takes regular files only (never a pipe, a
//! device, a directory or a descriptor's name), `--resume` removes at most
//! one cut last line, and nothing is truncated or written before every
//! check has passed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::common::{binary, small_sweep};

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("unitsum-files-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The sweep's rows file and its sidecar, byte for byte.
fn snapshot(out: &Path) -> (Vec<u8>, Vec<u8>) {
    let mut sidecar = out.as_os_str().to_owned();
    sidecar.push(".sweep.json");
    (
        std::fs::read(out).unwrap(),
        std::fs::read(PathBuf::from(sidecar)).unwrap(),
    )
}

/// `--out` naming a device, a directory, a FIFO or standard output (a pipe
/// or a file) is refused with exit 2 naming `--out`, and writes nothing
/// (no `/dev/stdout.sweep.json`); without `--out`, rows go to stdout.
fn out_refuses_what_is_not_a_regular_file() {
    let dir = dir("targets");
    let fifo = dir.join("fifo");
    #[cfg(unix)]
    {
        let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
    }
    let mut targets = vec![
        ("/dev/null".to_string(), "not a regular file"),
        (dir.display().to_string(), "is a directory"),
        // Standard output is a pipe here.
        ("/dev/stdout".to_string(), "not a regular file"),
    ];
    if cfg!(unix) {
        targets.push((fifo.display().to_string(), "not a regular file"));
    }
    for (target, phrase) in &targets {
        for resume in [&[][..], &["--resume"][..]] {
            let (code, out, err) = binary(&small_sweep(target, resume));
            assert_eq!(code, 2, "{target} {resume:?}: {err}");
            assert!(err.contains("--out"), "{target}: {err}");
            assert!(err.contains(phrase), "{target}: {err}");
            assert!(out.is_empty(), "{target}: {out}");
        }
    }
    assert!(!Path::new("/dev/stdout.sweep.json").exists());
    assert!(!Path::new("/dev/null.sweep.json").exists());
    // Standard output redirected to a file: /dev/stdout and /dev/fd/1 name
    // it through a descriptor, with no place for a sidecar.
    let file = dir.join("stdout.csv");
    for target in ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"] {
        let output = Command::new(env!("CARGO_BIN_EXE_unitsum-gpu"))
            .args(small_sweep(target, &[]))
            .stdout(Stdio::from(std::fs::File::create(&file).unwrap()))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{target}: {err}");
        assert!(err.contains("--out"), "{target}: {err}");
        assert!(err.contains("file descriptor"), "{target}: {err}");
        assert_eq!(std::fs::read(&file).unwrap(), b"", "{target}");
    }
    assert!(!Path::new("/dev/stdout.sweep.json").exists());
    // No --out: the rows on standard output.
    let mut args = small_sweep("x", &[]);
    args.truncate(args.len() - 2);
    let (code, out, err) = binary(&args);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("point,sweep,family"), "{out}");
    assert_eq!(out.lines().count(), 1 + 4 * 2, "{out}");
}

/// A last line without a newline longer than any row of the sweep is not a
/// line cut short: resume refuses the file (exit 2, naming it) and leaves it
/// whole, alone or after rows; a cut row is still removed.
fn resume_refuses_a_last_line_longer_than_a_row() {
    let dir = dir("long-line");
    let out = dir.join("rows.csv");
    let path = out.to_str().unwrap();
    let (code, _, err) = binary(&small_sweep(path, &[]));
    assert_eq!(code, 0, "{err}");
    let rows = std::fs::read_to_string(&out).unwrap();
    let long = "x".repeat(3 << 20);
    for text in [long.clone(), format!("{rows}{long}")] {
        std::fs::write(&out, &text).unwrap();
        let (code, _, err) = binary(&small_sweep(path, &["--resume"]));
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("rows.csv last line"), "{err}");
        assert!(
            err.contains(&format!("has {} bytes without a newline", 3 << 20)),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            text,
            "the file changed"
        );
    }
    // A row cut a few bytes short of its end is what a crash leaves.
    let last = rows.lines().last().unwrap();
    let cut = format!("{rows}{}", &last[..last.len() - 3]);
    std::fs::write(&out, cut).unwrap();
    let (code, _, err) = binary(&small_sweep(path, &["--resume"]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("removed a last line cut short"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), rows);
}

/// A sidecar path that is a directory, an unwritable temporary sidecar, or a
/// point refused before the sweep starts: the rows file and its sidecar are
/// left as they were.
fn nothing_is_truncated_before_every_check_has_passed() {
    let dir = dir("checks-first");
    let out = dir.join("rows.csv");
    let path = out.to_str().unwrap();
    let (code, _, err) = binary(&small_sweep(path, &[]));
    assert_eq!(code, 0, "{err}");
    let before = snapshot(&out);
    // `worst` past its 10000 replies (C(24, 5) count vectors): refused, exit 2.
    let refused = [
        "sweep",
        "theorem1",
        "--players",
        "40",
        "--actions",
        "6",
        "--opponents",
        "worst",
        "--out",
        path,
    ];
    let (code, _, err) = binary(&refused);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("worst"), "{err}");
    assert_eq!(snapshot(&out), before, "a refused sweep changed the files");
    // The temporary sidecar cannot be written: the rows stay.
    let temporary = dir.join("rows.csv.sweep.json.tmp");
    std::fs::create_dir(&temporary).unwrap();
    let (code, _, err) = binary(&small_sweep(path, &["--seed", "1"]));
    assert_ne!(code, 0, "{err}");
    assert!(err.contains("rows.csv.sweep.json.tmp"), "{err}");
    assert_eq!(snapshot(&out), before, "a failed sidecar cut the rows");
    std::fs::remove_dir(&temporary).unwrap();
    // The sidecar is a directory: exit 2 naming it and --out, rows kept.
    let sidecar = dir.join("rows.csv.sweep.json");
    std::fs::remove_file(&sidecar).unwrap();
    std::fs::create_dir(&sidecar).unwrap();
    for resume in [&[][..], &["--resume"][..]] {
        let (code, _, err) = binary(&small_sweep(path, resume));
        assert_eq!(code, 2, "{resume:?}: {err}");
        assert!(err.contains("--out"), "{err}");
        assert!(
            err.contains("rows.csv.sweep.json: is not a regular file"),
            "{err}"
        );
        assert_eq!(std::fs::read(&out).unwrap(), before.0, "{resume:?}");
    }
    // A new file is not created by a refused sweep.
    let fresh = dir.join("fresh.csv");
    let mut refused = refused.to_vec();
    *refused.last_mut().unwrap() = fresh.to_str().unwrap();
    assert_eq!(binary(&refused).0, 2);
    assert!(!fresh.exists());
}

super::trials! {
    cpu: [
        out_refuses_what_is_not_a_regular_file,
        resume_refuses_a_last_line_longer_than_a_row,
        nothing_is_truncated_before_every_check_has_passed,
    ],
    gpu: [],
}
