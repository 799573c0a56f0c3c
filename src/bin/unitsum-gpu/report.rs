//! Output formats of `unitsum-gpu eval`: an aligned table, JSON and CSV, for
//! one backend or for both with their difference.

use serde_json::{json, Value};

use unitsum_gpu::{Evaluation, Problem};

/// `n` and its noun, singular for exactly one: `1 profile`, `2 profiles`.
pub fn plural<T: std::fmt::Display>(n: T, one: &str, many: &str) -> String {
    let n = n.to_string();
    let word = if n == "1" { one } else { many };
    format!("{n} {word}")
}

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned, human-readable.
    Table,
    /// One JSON object.
    Json,
    /// One row per backend, coalition and state.
    Csv,
}

/// A finished evaluation, on one backend or on both.
#[derive(Debug)]
pub struct Report<'a> {
    /// The spec's path as given (for the header).
    pub source: &'a str,
    /// The problem evaluated.
    pub problem: &'a Problem,
    /// One evaluation, or the CPU's then the GPU's.
    pub runs: Vec<Evaluation>,
    /// Largest allowed |GPU - CPU| (with two runs).
    pub tolerance: f64,
}

impl Report<'_> {
    /// `max |GPU - CPU|` when both ran.
    pub fn difference(&self) -> Option<f64> {
        match self.runs.as_slice() {
            [a, b] => Some(a.max_abs_difference(b)),
            _ => None,
        }
    }

    /// Whether the backends agree within the tolerance (true with one run).
    pub fn agrees(&self) -> bool {
        self.difference().is_none_or(|d| d <= self.tolerance)
    }

    /// Render in `format`.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Table => self.table(),
            Format::Json => {
                serde_json::to_string_pretty(&self.json()).expect("serialisable") + "\n"
            }
            Format::Csv => self.csv(),
        }
    }

    fn run_json(run: &Evaluation) -> Value {
        let mins: Vec<f64> = (0..run.shares.len())
            .map(|j| run.min_over_states(j))
            .collect();
        let mut v = serde_json::to_value(run).expect("serialisable");
        v["min_over_states"] = json!(mins);
        if run.stderr.is_some() {
            let intervals: Vec<Vec<[f64; 2]>> = (0..run.shares.len())
                .map(|j| {
                    (0..run.shares[j].len())
                        .map(|x| {
                            let (lo, hi) = run.interval95(j, x);
                            [lo, hi]
                        })
                        .collect()
                })
                .collect();
            v["interval95"] = json!(intervals);
        }
        v
    }

    fn json(&self) -> Value {
        let p = self.problem;
        let mut v = json!({
            "spec": self.source,
            "family": p.game().family(),
            "players": p.players(),
            "actions": p.actions(),
            "states": p.states(),
        });
        match self.runs.as_slice() {
            [run] => {
                if let (Value::Object(target), Value::Object(fields)) =
                    (&mut v, Self::run_json(run))
                {
                    target.extend(fields);
                }
            }
            [cpu, gpu] => {
                v["shares"] = json!(cpu.shares);
                v["cpu"] = Self::run_json(cpu);
                v["gpu"] = Self::run_json(gpu);
                v["max_abs_difference"] = json!(self.difference());
                v["tolerance"] = json!(self.tolerance);
                v["agree"] = json!(self.agrees());
            }
            _ => {}
        }
        v
    }

    fn csv(&self) -> String {
        let mut out =
            String::from("backend,method,coalition,state,share,stderr,low95,high95,samples\n");
        for run in &self.runs {
            for (j, row) in run.shares.iter().enumerate() {
                for (x, r) in row.iter().enumerate() {
                    let se = run.stderr.as_ref().map_or(0.0, |se| se[j][x]);
                    let (lo, hi) = run.interval95(j, x);
                    let samples = run.samples.map_or(String::new(), |n| n.to_string());
                    out.push_str(&format!(
                        "{},{},{j},{x},{r},{se},{lo},{hi},{samples}\n",
                        run.backend, run.method
                    ));
                }
            }
        }
        out
    }

    fn table(&self) -> String {
        let p = self.problem;
        let states = p.states();
        let mut out = format!(
            "{}: {} game, n = {}, k = {}, {}, {}\n",
            self.source,
            p.game().family(),
            p.players(),
            p.actions(),
            plural(states, "state", "states"),
            plural(p.coalitions().len(), "coalition", "coalitions")
        );
        for run in &self.runs {
            let size = match (run.samples, run.profiles) {
                (Some(n), _) => format!(
                    "{} (seed {})",
                    plural(n, "sample", "samples"),
                    run.seed.unwrap_or(0)
                ),
                (None, Some(p)) => plural(p, "profile", "profiles"),
                (None, None) => String::new(),
            };
            let method = match run.counts_algorithm {
                Some(algorithm) => format!("{} ({algorithm})", run.method),
                None => run.method.to_string(),
            };
            let size = if size.is_empty() {
                size
            } else {
                format!(", {size}")
            };
            out.push_str(&format!(
                "\n{} backend on {}: {method}{size}, {:.3} s, unit-sum error {:.1e}\n",
                run.backend, run.adapter, run.seconds, run.unit_sum_error
            ));
            if let Some(bound) = run.rounding_bound {
                out.push_str(&format!("(counts by FFT: rounding bound {bound:.1e})\n"));
            }
            if run.clamped > 0 {
                out.push_str(&format!(
                    "({} a rounding-level hair outside [0, 1] clamped into it)\n",
                    plural(run.clamped, "share", "shares")
                ));
            }
            if run.stderr.is_some() {
                out.push_str(
                    "(estimate ± standard error; 95% interval = estimate ± 1.96 standard errors)\n",
                );
            }
            let shown = states.min(8);
            let mut header = format!("{:>9}  {:>7}  {:<11}", "coalition", "members", "policy");
            let width = if run.stderr.is_some() { 17 } else { 12 };
            for x in 0..shown {
                header.push_str(&format!("  {:>width$}", format!("r(x={x})")));
            }
            if states > shown {
                header.push_str("  …");
            }
            header.push_str(&format!("  {:>12}\n", "min over x"));
            out.push_str(&header);
            for (j, c) in p.coalitions().iter().enumerate() {
                let mut line = format!("{j:>9}  {:>7}  {:<11}", c.members.len(), c.policy.kind());
                for x in 0..shown {
                    match &run.stderr {
                        Some(se) => line
                            .push_str(&format!("  {:>8.6}±{:<8.2e}", run.shares[j][x], se[j][x])),
                        None => line.push_str(&format!("  {:>12.9}", run.shares[j][x])),
                    }
                }
                if states > shown {
                    line.push_str("  …");
                }
                line.push_str(&format!("  {:>12.9}\n", run.min_over_states(j)));
                out.push_str(&line);
            }
        }
        if let Some(d) = self.difference() {
            out.push_str(&format!(
                "\nmax |gpu - cpu| = {d:.2e} (tolerance {:.0e}): {}\n",
                self.tolerance,
                if self.agrees() { "agree" } else { "DISAGREE" }
            ));
        }
        out
    }
}
