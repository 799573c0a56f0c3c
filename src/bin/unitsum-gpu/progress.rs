//! A progress bar on stderr for long work: shown only when stderr is a
//! terminal and the work has run for half a second, as a spinner until the
//! work reports how far it is, then as a bar with the time left. Work that
//! will take more than an hour at its pace says so (on any stderr) once its
//! pace is known, after a second.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use unitsum_gpu::human_duration;

/// Runs shorter than this never show anything.
const SHOW_AFTER: Duration = Duration::from_millis(500);
/// The pace is judged after this long of measured progress.
const PACE_AFTER: Duration = Duration::from_secs(2);
/// Work estimated to take longer than this says so.
const LONG: f64 = 3600.0;

pub struct Bar {
    bar: ProgressBar,
    started: Instant,
    /// Set when a report with a total arrived (the spinner becomes a bar).
    measured: Arc<AtomicBool>,
    finished: Arc<AtomicBool>,
}

impl Bar {
    /// A bar labelled `label`, started now.
    pub fn new(label: &str) -> Bar {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{prefix} {spinner} {elapsed} (one step; no estimate)")
                .expect("valid template"),
        );
        bar.set_prefix(label.to_string());
        let finished = Arc::new(AtomicBool::new(false));
        if std::io::stderr().is_terminal() {
            let (bar, finished) = (bar.clone(), finished.clone());
            std::thread::spawn(move || {
                std::thread::sleep(SHOW_AFTER);
                if !finished.load(Ordering::Relaxed) {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                    bar.enable_steady_tick(Duration::from_millis(200));
                }
            });
        }
        Bar {
            bar,
            started: Instant::now(),
            measured: Arc::new(AtomicBool::new(false)),
            finished,
        }
    }

    /// The callback for [`unitsum_gpu::Evaluator::set_progress`].
    pub fn callback(&self) -> unitsum_gpu::ProgressFn {
        let bar = self.bar.clone();
        let started = self.started;
        let measured = self.measured.clone();
        let warned = Arc::new(AtomicBool::new(false));
        // The pace is measured from the first report on, not from the start:
        // planning and setup before it would make a fast job look slow.
        let first: Arc<std::sync::Mutex<Option<(Instant, u64)>>> = Arc::default();
        Arc::new(move |done, total| {
            if total == 0 {
                return;
            }
            if !measured.swap(true, Ordering::Relaxed) {
                bar.set_style(
                    ProgressStyle::with_template(
                        "{prefix} [{bar:40}] {percent:>3}% {human_pos}/{human_len} ({eta} left)",
                    )
                    .expect("valid template")
                    .progress_chars("=> "),
                );
            }
            bar.set_length(total);
            bar.set_position(done);
            if warned.load(Ordering::Relaxed) {
                return;
            }
            let now = Instant::now();
            let (since, from) = *first
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get_or_insert((now, done));
            let measured_for = now - since;
            if done > from && measured_for > PACE_AFTER {
                let left =
                    measured_for.as_secs_f64() * (total - done) as f64 / (done - from) as f64;
                let expected = started.elapsed().as_secs_f64() + left;
                if expected > LONG && !warned.swap(true, Ordering::Relaxed) {
                    bar.suspend(|| {
                        eprintln!(
                            "note: at its pace so far this job takes about {} in all \
                             ({done} of {total} done in {:.1} s); Ctrl-C stops it",
                            human_duration(expected),
                            started.elapsed().as_secs_f64()
                        )
                    });
                }
            }
        })
    }

    /// The callback for [`unitsum_gpu::Evaluator::set_notice`]: the line on
    /// stderr, above the bar.
    pub fn notice(&self) -> unitsum_gpu::NoticeFn {
        let bar = self.bar.clone();
        std::sync::Arc::new(move |text: &str| bar.suspend(|| eprintln!("note: {text}")))
    }

    /// Run `f` with the bar cleared from the terminal (to print a line).
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    pub fn finish(self) {
        self.finished.store(true, Ordering::Relaxed);
        self.bar.finish_and_clear();
    }
}
