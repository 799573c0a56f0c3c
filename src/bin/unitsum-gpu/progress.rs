//! A progress bar on stderr for long evaluations: shown only when stderr is
//! a terminal and the work has run for more than a couple of seconds.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Runs shorter than this never show a bar.
const SHOW_AFTER: Duration = Duration::from_secs(2);

pub struct Bar {
    bar: ProgressBar,
    started: Instant,
}

impl Bar {
    pub fn new(label: &str) -> Bar {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:40}] {percent:>3}% {human_pos}/{human_len} ({eta} left)",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_prefix(label.to_string());
        Bar {
            bar,
            started: Instant::now(),
        }
    }

    /// The callback for [`unitsum_gpu::Evaluator::set_progress`].
    pub fn callback(&self) -> unitsum_gpu::ProgressFn {
        let bar = self.bar.clone();
        let started = self.started;
        let terminal = std::io::stderr().is_terminal();
        Arc::new(move |done, total| {
            if terminal && bar.is_hidden() && started.elapsed() > SHOW_AFTER {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
            bar.set_length(total);
            bar.set_position(done);
        })
    }

    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}
