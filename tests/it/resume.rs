//! `sweep --resume` cannot mix: a file of another sweep is refused with the
//! parameter that differs, a cut last line is removed, a malformed line is
//! an error, a second writer is refused, and a sweep killed at random points
//! and resumed ends with the rows of an uninterrupted run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unitsum_gpu::sweep::rows::read_rows;
use unitsum_gpu::sweep::Row;

use super::common::binary;

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("unitsum-resume-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[String]) -> (i32, String, String) {
    binary(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// A small theorem1 sweep writing to `out`, with `extra` flags.
fn small(out: &Path, extra: &[&str]) -> Vec<String> {
    strings(&super::common::small_sweep(out.to_str().unwrap(), extra))
}

/// The rows of `path` by point, without the timing.
fn by_point(path: &Path) -> BTreeMap<String, Row> {
    let rows = read_rows(path).unwrap();
    let count = rows.len();
    let map: BTreeMap<String, Row> = rows
        .into_iter()
        .map(|mut r| {
            r.seconds = 0.0;
            (r.point.clone(), r)
        })
        .collect();
    assert_eq!(
        map.len(),
        count,
        "{}: a point appears twice",
        path.display()
    );
    map
}

/// Flags whose change makes another sweep, each with what the message names.
const OTHER_SWEEPS: &[(&[&str], &str)] = &[
    (
        &["--seed", "1"],
        "its --seed was \"0\", this sweep's is \"1\"",
    ),
    (&["--samples", "1000"], "its --samples was"),
    (&["--method", "counts"], "its --method was \"auto\""),
    (&["--backend", "both"], "its --backend was \"cpu\""),
    (&["--tolerance", "0.1"], "its --tolerance was"),
    (&["--shard", "0/2"], "its --shard was \"(all)\""),
    (&["--format", "json"], "its --format was \"csv\""),
];

fn resume_refuses_a_file_of_another_sweep_naming_what_differs() {
    let dir = dir("identity");
    let out = dir.join("rows.csv");
    let (code, _, err) = run(&small(&out, &[]));
    assert_eq!(code, 0, "{err}");
    let before = std::fs::read(&out).unwrap();
    for (extra, phrase) in OTHER_SWEEPS {
        let mut args = small(&out, extra);
        args.push("--resume".into());
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert!(
            err.contains(phrase),
            "{extra:?}: expected {phrase:?} in {err}"
        );
        assert_eq!(
            std::fs::read(&out).unwrap(),
            before,
            "{extra:?} changed the file"
        );
    }
    // The preset's own axes.
    let axes: &[(&[&str], &str)] = &[
        (&["--players", "3..=7"], "its --players was \"3,4,5,6\""),
        (&["--actions", "3"], "its --actions was \"2\""),
        (&["--sizes", "all"], "its --sizes was \"majority\""),
        (
            &["--opponents", "uniform"],
            "its --opponents was \"uniform,pure\"",
        ),
    ];
    for (change, phrase) in axes {
        let mut args = small(&out, &[]);
        let flag = args.iter().position(|a| a == change[0]);
        match flag {
            Some(i) => args[i + 1] = change[1].to_string(),
            None => args.extend(strings(change)),
        }
        args.push("--resume".into());
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{change:?}: {err}");
        assert!(
            err.contains(phrase),
            "{change:?}: expected {phrase:?} in {err}"
        );
    }
    // Another preset on the same file.
    let other = strings(&[
        "sweep",
        "theorem2",
        "--players",
        "4",
        "--actions",
        "2",
        "--family",
        "plurality",
        "--opponents",
        "uniform",
        "--out",
        out.to_str().unwrap(),
        "--resume",
    ]);
    let (code, _, err) = run(&other);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("its preset was \"theorem1\""), "{err}");
    // The same sweep resumes (and has nothing left to do).
    let mut same = small(&out, &[]);
    same.push("--resume".into());
    let (code, _, err) = run(&same);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), before);
}

fn resume_refuses_a_grid_whose_content_changed() {
    let dir = dir("grid");
    let (grid, out) = (dir.join("grid.json"), dir.join("rows.csv"));
    let text = std::fs::read_to_string("examples/grids/copy-grid.json").unwrap();
    std::fs::write(&grid, &text).unwrap();
    let args = strings(&[
        "sweep",
        "grid",
        grid.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--shard",
        "0/8",
    ]);
    let (code, _, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    std::fs::write(&grid, text.replace("\"seed\": 7", "\"seed\": 8")).unwrap();
    let mut resume = args.clone();
    resume.push("--resume".into());
    let (code, _, err) = run(&resume);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("its grid file's content"), "{err}");
}

fn resume_removes_a_cut_line_and_refuses_a_malformed_one() {
    let dir = dir("lines");
    let out = dir.join("rows.csv");
    let (code, _, err) = run(&small(&out, &[]));
    assert_eq!(code, 0, "{err}");
    let whole = by_point(&out);
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut resume = small(&out, &[]);
    resume.push("--resume".into());
    // A crash in the middle of the fourth row.
    std::fs::write(
        &out,
        format!("{}\n{}", lines[..4].join("\n"), &lines[4][..25]),
    )
    .unwrap();
    let (code, _, err) = run(&resume);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("removed a last line cut short"), "{err}");
    assert_eq!(by_point(&out), whole);
    // A malformed line that is not the last: an error naming it.
    let mut broken: Vec<&str> = lines.clone();
    broken[2] = "this is not a row";
    std::fs::write(&out, broken[..5].join("\n") + "\n").unwrap();
    let (code, _, err) = run(&resume);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("rows.csv line 3: is not a row of a sweep"),
        "{err}"
    );
    // Rows without the identity of the sweep that wrote them.
    std::fs::write(&out, lines[..3].join("\n") + "\n").unwrap();
    std::fs::remove_file(dir.join("rows.csv.sweep.json")).unwrap();
    let (code, _, err) = run(&resume);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("rows.csv.sweep.json is missing"), "{err}");
}

/// `--out` ends with a line of the rows written, how many hold and where,
/// after `--resume` too; resume reads rows in the CSV form of earlier
/// versions (six-decimal seconds, numbers in exponent form) and now.
fn out_ends_with_a_summary_and_resume_reads_old_and_new_rows() {
    let dir = dir("summary");
    let out = dir.join("rows.csv");
    let (code, _, err) = run(&small(&out, &[]));
    assert_eq!(code, 0, "{err}");
    let last = err.lines().last().unwrap_or_default();
    assert_eq!(last, format!("wrote 8 rows to {}: 8 hold", out.display()));
    let whole = by_point(&out);
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Numbers are in their shortest round-trip form.
    for line in &lines[1..] {
        let f: Vec<&str> = line.split(',').collect();
        for column in [13, 14, 16, 17] {
            for number in f[column].split(';').filter(|n| !n.is_empty()) {
                let x: f64 = number.parse().unwrap();
                let shortest = if column == 17 {
                    ((x * 1e6).round() / 1e6).to_string()
                } else {
                    x.to_string()
                };
                assert_eq!(number, shortest, "{line}");
            }
        }
    }
    // Two rows as an earlier version wrote them, one as now.
    let old = |line: &str| {
        let mut f: Vec<String> = line.split(',').map(String::from).collect();
        let seconds: f64 = f[17].parse().unwrap();
        f[17] = format!("{seconds:.6}");
        let share: f64 = f[13].split(';').next().unwrap().parse().unwrap();
        let rest: Vec<&str> = f[13].split(';').skip(1).collect();
        f[13] = std::iter::once(format!("{share:.17e}"))
            .chain(rest.iter().map(|s| s.to_string()))
            .collect::<Vec<_>>()
            .join(";");
        f.join(",")
    };
    let kept = [
        lines[0].to_string(),
        old(lines[1]),
        old(lines[2]),
        lines[3].to_string(),
    ];
    std::fs::write(&out, kept.join("\n") + "\n").unwrap();
    let mut resume = small(&out, &[]);
    resume.push("--resume".into());
    let (code, _, err) = run(&resume);
    assert_eq!(code, 0, "{err}");
    let last = err.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!("wrote 5 rows to {} (3 there before): 8 hold", out.display())
    );
    assert_eq!(by_point(&out).len(), whole.len());
    // Nothing left to do: none written.
    let (code, _, err) = run(&resume);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err.lines().last().unwrap_or_default(),
        format!("wrote 0 rows to {} (8 there before): 8 hold", out.display())
    );
}

fn a_second_writer_is_refused() {
    let dir = dir("lock");
    let out = dir.join("rows.csv");
    let (code, _, err) = run(&small(&out, &[]));
    assert_eq!(code, 0, "{err}");
    let before = std::fs::read(&out).unwrap();
    let holder = std::fs::OpenOptions::new().write(true).open(&out).unwrap();
    holder.lock().unwrap();
    for resume in [true, false] {
        let mut args = small(&out, &[]);
        if resume {
            args.push("--resume".into());
        }
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "resume {resume}: {err}");
        assert!(err.contains("another sweep is writing this file"), "{err}");
        assert_eq!(std::fs::read(&out).unwrap(), before, "the file changed");
    }
    holder.unlock().unwrap();
    let mut args = small(&out, &[]);
    args.push("--resume".into());
    assert_eq!(run(&args).0, 0);
}

/// A sweep of a few seconds, killed at random points and resumed until it
/// finishes: its rows equal an uninterrupted run's.
fn a_sweep_killed_at_random_points_and_resumed_loses_and_repeats_nothing() {
    let dir = dir("kill");
    let flags = |out: &Path| {
        strings(&[
            "sweep",
            "theorem1",
            "--players",
            "3..=50",
            "--actions",
            "2..=4",
            "--opponents",
            "uniform,pure,random:2",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let (whole, cut) = (dir.join("whole.csv"), dir.join("cut.csv"));
    let started = std::time::Instant::now();
    let (code, _, err) = run(&flags(&whole));
    assert_eq!(code, 0, "{err}");
    let whole_run = started.elapsed().as_secs_f64();
    let expected = by_point(&whole);
    let mut rng = StdRng::seed_from_u64(23);
    let mut kills = 0;
    for attempt in 0..6 {
        let mut args = flags(&cut);
        if attempt > 0 {
            args.push("--resume".into());
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_unitsum-gpu"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Somewhere in the first half of what an uninterrupted run takes.
        std::thread::sleep(Duration::from_secs_f64(
            whole_run * rng.random_range(0.02..0.5),
        ));
        match child.try_wait().unwrap() {
            Some(status) => assert!(status.success(), "attempt {attempt}: {status}"),
            None => {
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
            }
        }
    }
    assert!(kills > 0, "no run was killed: the test checks nothing");
    let mut finish = flags(&cut);
    finish.push("--resume".into());
    let (code, _, err) = run(&finish);
    assert_eq!(code, 0, "{err}");
    assert_eq!(by_point(&cut), expected, "after {kills} kills");
}

super::trials! {
    cpu: [
        resume_refuses_a_file_of_another_sweep_naming_what_differs,
        resume_refuses_a_grid_whose_content_changed,
        resume_removes_a_cut_line_and_refuses_a_malformed_one,
        a_second_writer_is_refused,
        out_ends_with_a_summary_and_resume_reads_old_and_new_rows,
        a_sweep_killed_at_random_points_and_resumed_loses_and_repeats_nothing,
    ],
    gpu: [],
}
