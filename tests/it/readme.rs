//! The README's blocks as tests: every fenced block runs as written (or
//! parses, or is compiled as a doctest) and a `console` block's output is
//! compared with what it shows. The fence's info string says how a block is
//! tested; the README's "How the README is tested" states the rules, and
//! `python/tests/test_readme.py` runs the blocks marked `run-by=python`.
//!
//! - `console`: `$ command` lines (a trailing `\` continues one), each
//!   followed by its expected output, stdout and stderr together. A line
//!   `...` stands for any number of lines, `[..]` for any text within a
//!   line (timings); a last line `? N` expects exit code N (else 0).
//! - `sh`: every command runs and must exit 0; its output is not compared.
//! - `json spec` parses as a spec, `json grid` as a sweep grid; with
//!   `file:PATH` the block is that file's content (as JSON values).
//! - `rust`: a doctest of the crate (`src/lib.rs` includes the README).
//! - `python`, `run-by-python`: run by the Python harness; `text`: a diagram;
//!   `skip: why` (the rest of the info string): not run, and the reason is
//!   required. (No `=` or quotes: rustdoc, which reads the README's info
//!   strings for its doctest, warns about them.)
//!
//! Commands run with `sh` in a scratch directory holding the repository's
//! `examples/`, `benches/` and `python/` (linked) and an empty `docs/` (a
//! plot written there stays in the scratch directory), with the built
//! `unitsum-gpu` first on PATH and `XDG_RUNTIME_DIR` unset: a block's output
//! shows no `error:` line unless it expects a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One fenced block of a markdown file.
#[derive(Debug)]
pub struct Block {
    /// The line of its opening fence (1-based).
    pub line: usize,
    /// The info string's first word.
    pub lang: String,
    /// The info string after the language.
    pub attrs: String,
    pub body: String,
}

/// Every fenced (```) block of `markdown`.
pub fn blocks(markdown: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match (&mut open, trimmed.strip_prefix("```")) {
            (None, Some(info)) => {
                let info = info.trim();
                let (lang, attrs) = info.split_once(' ').unwrap_or((info, ""));
                open = Some(Block {
                    line: i + 1,
                    lang: lang.to_string(),
                    attrs: attrs.trim().to_string(),
                    body: String::new(),
                });
            }
            (Some(_), Some(rest)) if rest.trim().is_empty() => found.extend(open.take()),
            (Some(block), _) => {
                block.body.push_str(line);
                block.body.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "an unclosed fence");
    found
}

/// One command of a `console` block and what it must print.
#[derive(Debug, PartialEq)]
pub struct Session {
    pub command: String,
    pub expected: Vec<String>,
    pub code: i32,
}

/// The commands of a `console` block.
pub fn sessions(body: &str) -> Vec<Session> {
    let mut found: Vec<Session> = Vec::new();
    let mut continued = false;
    for line in body.lines() {
        if continued {
            let session = found.last_mut().expect("a command");
            continued = line.ends_with('\\');
            session.command.push('\n');
            session.command.push_str(line);
        } else if let Some(command) = line.strip_prefix("$ ") {
            continued = command.ends_with('\\');
            found.push(Session {
                command: command.to_string(),
                expected: Vec::new(),
                code: 0,
            });
        } else {
            let session = found.last_mut().expect("output before any `$ ` command");
            match line.strip_prefix("? ") {
                Some(code) => session.code = code.trim().parse().expect("`? N`: an exit code"),
                None => session.expected.push(line.to_string()),
            }
        }
    }
    found
}

/// Whether `line` matches `pattern`, where `[..]` stands for any text.
pub fn line_matches(pattern: &str, line: &str) -> bool {
    let mut pieces = pattern.split("[..]");
    let first = pieces.next().unwrap_or("");
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = pieces.collect();
    for (i, piece) in pieces.iter().enumerate() {
        if i + 1 == pieces.len() {
            return rest.ends_with(piece);
        }
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// Whether `actual` lines match `expected`, where a line `...` stands for
/// any number of lines.
pub fn output_matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=actual.len()).any(|skip| output_matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(line, more)| line_matches(first, line) && output_matches(rest, more)),
    }
}

/// The repository's root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md")
}

/// A scratch directory as the README's commands expect to find the tree.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("unitsum-readme-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("docs")).expect("scratch docs/");
    for linked in ["examples", "benches", "python"] {
        std::os::unix::fs::symlink(root().join(linked), dir.join(linked)).expect("link");
    }
    dir
}

/// Runs `command` with `sh` in `dir`: its exit code and its output.
fn run(dir: &Path, command: &str) -> (i32, String) {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_unitsum-gpu"));
    let path = std::env::join_paths(
        std::iter::once(binary.parent().expect("bin dir").to_path_buf()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ),
    )
    .expect("PATH");
    let out = Command::new("sh")
        .args(["-c", &format!("exec 2>&1\n{command}")])
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("XDG_RUNTIME_DIR")
        .output()
        .expect("sh runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code().unwrap_or(-1), text)
}

/// The value of attribute `name` in a block's info string: `file:PATH`
/// (one word), `skip: the reason` (the rest of the string).
fn attr<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let at = attrs.find(&format!("{name}:"))? + name.len() + 1;
    let rest = &attrs[at..];
    match name {
        "skip" => Some(rest.trim()),
        _ => rest.split_whitespace().next(),
    }
}

/// Whether the Rust harness runs this block's commands.
fn runs_here(block: &Block) -> bool {
    attr(&block.attrs, "skip").is_none() && !block.attrs.contains("run-by-python")
}

/// The commands of an `sh` block: lines, `\` continuing, comments dropped.
fn shell_commands(body: &str) -> Vec<String> {
    let mut commands: Vec<String> = Vec::new();
    let mut continued = false;
    for line in body.lines() {
        if continued {
            let last = commands.last_mut().expect("a command");
            last.push('\n');
            last.push_str(line);
        } else if !line.trim().is_empty() && !line.trim_start().starts_with('#') {
            commands.push(line.to_string());
        }
        continued = line.ends_with('\\');
    }
    commands
}

/// Every block of the README has a language this harness knows, and every
/// skipped block says why.
fn every_block_says_how_it_is_tested() {
    let known = ["console", "sh", "json", "rust", "python", "text"];
    let found = blocks(&readme());
    assert!(found.len() > 10, "the README's blocks were not found");
    for block in &found {
        assert!(
            known.contains(&block.lang.as_str()),
            "README.md:{}: a block's language must be one of {known:?}, not {:?}",
            block.line,
            block.lang
        );
        if block.attrs.contains("skip") {
            let why = attr(&block.attrs, "skip").unwrap_or("");
            assert!(why.len() > 10, "README.md:{}: `skip: why`", block.line);
        }
    }
}

/// Every `console` and `sh` block of the README runs as written.
fn readme_commands_run_as_written() {
    let dir = scratch("commands");
    let mut ran = 0;
    for block in blocks(&readme()).iter().filter(|b| runs_here(b)) {
        match block.lang.as_str() {
            "console" => {
                for session in sessions(&block.body) {
                    let (code, text) = run(&dir, &session.command);
                    let lines: Vec<&str> = text.lines().collect();
                    assert!(
                        code == session.code && output_matches(&session.expected, &lines),
                        "README.md:{}: `{}` exited {code} (expected {}) and printed\n{text}\nexpected\n{}",
                        block.line,
                        session.command,
                        session.code,
                        session.expected.join("\n")
                    );
                    if code == 0 {
                        assert!(!text.contains("error:"), "README.md:{}: {text}", block.line);
                    }
                    ran += 1;
                }
            }
            "sh" => {
                for command in shell_commands(&block.body) {
                    let (code, text) = run(&dir, &command);
                    assert!(
                        code == 0,
                        "README.md:{}: `{command}` exited {code}:\n{text}",
                        block.line
                    );
                    assert!(!text.contains("error:"), "README.md:{}: {text}", block.line);
                    ran += 1;
                }
            }
            _ => {}
        }
    }
    assert!(ran >= 10, "only {ran} README commands ran");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every `json` block is a spec or a sweep grid, and the file it names.
fn readme_json_blocks_are_valid() {
    for block in blocks(&readme()).iter().filter(|b| b.lang == "json") {
        let value: serde_json::Value = serde_json::from_str(&block.body)
            .unwrap_or_else(|e| panic!("README.md:{}: {e}", block.line));
        match block.attrs.split_whitespace().next() {
            Some("spec") => {
                unitsum_gpu::Problem::from_json(&block.body)
                    .unwrap_or_else(|e| panic!("README.md:{}: {e}", block.line));
            }
            Some("grid") => {
                unitsum_gpu::sweep::grid(&value, unitsum_gpu::sweep::Shard::ALL)
                    .unwrap_or_else(|e| panic!("README.md:{}: {e}", block.line));
            }
            other => panic!(
                "README.md:{}: `json spec` or `json grid`, not {other:?}",
                block.line
            ),
        }
        if let Some(file) = attr(&block.attrs, "file") {
            let text = std::fs::read_to_string(root().join(file)).expect("the named file");
            let on_disk: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            assert_eq!(
                value, on_disk,
                "README.md:{}: not the content of {file}",
                block.line
            );
        }
    }
}

/// The subcommands of `command` (the `Commands:` section of its help).
fn subcommands(command: &str) -> Vec<String> {
    let (_, help) = run(&root(), &format!("unitsum-gpu {command} --help"));
    help.split("Commands:")
        .nth(1)
        .map(|list| {
            list.lines()
                .skip(1)
                .take_while(|l| l.starts_with("  "))
                .filter_map(|l| l.split_whitespace().next())
                .filter(|name| *name != "help")
                .map(|name| format!("{command} {name}").trim().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The `--flags` in `text`.
fn flags(text: &str) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    for (at, _) in text.match_indices("--") {
        let name: String = text[at + 2..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
            .collect();
        let before = text[..at].chars().next_back();
        if name.len() > 1 && !before.is_some_and(|c| c.is_alphanumeric() || c == '-') {
            found.insert(name.trim_end_matches('-').to_string());
        }
    }
    found
}

/// Every flag of every subcommand's `--help` is in the README, and every
/// flag the README gives to `unitsum-gpu` is in some subcommand's help.
fn readme_and_help_name_the_same_flags() {
    let mut commands = subcommands("");
    let nested: Vec<String> = commands.iter().flat_map(|c| subcommands(c)).collect();
    commands.extend(nested);
    assert!(commands.len() >= 10, "subcommands: {commands:?}");
    let mut in_help = std::collections::BTreeSet::new();
    for command in &commands {
        let (code, help) = run(&root(), &format!("unitsum-gpu {command} --help"));
        assert_eq!(code, 0, "{command} --help: {help}");
        in_help.extend(flags(&help));
    }
    let text = readme();
    let in_readme = flags(&text);
    let missing: Vec<_> = in_help.difference(&in_readme).collect();
    assert!(
        missing.is_empty(),
        "flags of --help missing in the README: {missing:?}"
    );
    // Flags of other tools that the README quotes (cargo, pip, pytest, ...).
    let others = [
        "path",
        "release",
        "quiet",
        "open",
        "example",
        "doctest-modules",
        "scheduler",
        "shards",
        "workers",
        "preset",
        "lines",
        "upgrade",
        "all-targets",
        "workspace",
        "check",
        "no-deps",
        "bench",
        "cases",
    ];
    let unknown: Vec<_> = in_readme
        .iter()
        .filter(|f| !in_help.contains(*f) && !others.contains(&f.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "README flags that no --help knows: {unknown:?}"
    );
}

/// The matcher can fail: a changed line, a missing line, a wrong `[..]`.
fn the_output_comparison_can_fail() {
    let expected: Vec<String> = ["a [..] c", "...", "z"].map(String::from).to_vec();
    assert!(output_matches(&expected, &["a b c", "x", "y", "z"]));
    assert!(output_matches(&expected, &["a  c", "z"]));
    assert!(!output_matches(&expected, &["a b d", "z"]));
    assert!(!output_matches(&expected, &["a b c"]));
    assert!(!output_matches(&expected, &["a b c", "z", "extra"]));
    assert!(!line_matches("0.666666667", "0.666666668"));
    assert!(line_matches("[..]s", "0.1s"));
    let parsed = sessions("$ echo a \\\n  b\na b\n? 1\n");
    assert_eq!(parsed.len(), 1);
    assert_eq!(
        (parsed[0].code, parsed[0].expected.clone()),
        (1, vec!["a b".to_string()])
    );
    let dir = scratch("matcher");
    let (code, text) = run(
        &dir,
        "unitsum-gpu eval examples/theorem1.json --backend cpu",
    );
    assert_eq!(code, 0);
    let mut changed: Vec<String> = text.lines().map(String::from).collect();
    changed[1].push('0');
    assert!(!output_matches(&changed, &text.lines().collect::<Vec<_>>()));
    let _ = std::fs::remove_dir_all(&dir);
}

trials!(
    cpu: [
        every_block_says_how_it_is_tested,
        readme_commands_run_as_written,
        readme_json_blocks_are_valid,
        readme_and_help_name_the_same_flags,
        the_output_comparison_can_fail,
    ],
    gpu: [],
);
