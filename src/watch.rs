//! What a long evaluation reports to and listens to: a progress callback and
//! a cancellation flag, checked between chunks (CPU) and submits (GPU).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::{Error, Result};

/// A progress callback: (items done, items in all); called from worker threads.
pub type ProgressFn = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// A notice callback: one line of text for the user, said before a job that
/// is estimated to take long starts (see [`crate::Evaluator::set_notice`]).
pub type NoticeFn = Arc<dyn Fn(&str) + Send + Sync>;

/// Jobs estimated to take longer than this (seconds) are announced to the
/// notice callback before they start.
pub const NOTICE_AFTER_SECONDS: f64 = 10.0;

/// Floating-point operations per second and core that the cost models'
/// estimates are turned into time with. Measured on the 2-core x86-64
/// development machine, n = 1000, k = 3, three coalitions: the direct sum
/// estimated 1.8 min and took 187 s, the FFT 0.3 s for 0.22 s,
/// leave-one-out 2.3 s for 0.59 s (see [`estimated_seconds`]).
const OPERATIONS_PER_CORE_SECOND: f64 = 1e9;

/// What any counts job costs beside its operations (planning, allocating,
/// starting the threads): the smallest `bench --scale` rows take 1 to 3 ms
/// on the development machine whatever their operation count.
const JOB_OVERHEAD_SECONDS: f64 = 0.001;

/// Wall-clock seconds for `operations` of the cost models on this machine's
/// cores: within 3x of the measured time on every `bench --scale` row of
/// the development machine (the closing note of issue 27 lists the ratios),
/// for notices and the `estimated_seconds` of a result.
pub(crate) fn estimated_seconds(operations: f64) -> f64 {
    JOB_OVERHEAD_SECONDS
        + operations / (OPERATIONS_PER_CORE_SECOND * rayon::current_num_threads() as f64)
}

/// `seconds` in the largest unit that fits: "3.2 hours", "4.1e9 years".
pub fn human_duration(seconds: f64) -> String {
    const UNITS: [(&str, f64); 4] = [
        ("years", 365.25 * 86400.0),
        ("days", 86400.0),
        ("hours", 3600.0),
        ("minutes", 60.0),
    ];
    for (unit, size) in UNITS {
        if seconds >= size {
            let value = seconds / size;
            return if value >= 1e4 {
                format!("{value:.1e} {unit}")
            } else {
                format!("{value:.1} {unit}")
            };
        }
    }
    format!("{seconds:.1} s")
}

/// A handle that stops a running evaluation: clone it, give one clone to
/// [`crate::Evaluator::set_cancel`], and call [`Cancel::cancel`] from any
/// thread. The evaluation returns [`Error::Cancelled`] at its next check
/// (between chunks of work, a fraction of a second apart).
///
/// ```
/// use unitsum_gpu::Cancel;
/// let cancel = Cancel::new();
/// let for_the_evaluator = cancel.clone();
/// cancel.cancel();
/// assert!(for_the_evaluator.is_cancelled());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A handle that is not cancelled.
    pub fn new() -> Self {
        Cancel::default()
    }

    /// Ask every evaluation watching this handle to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// The progress callback and the cancellation flag of one evaluation.
#[derive(Clone, Copy, Default)]
pub(crate) struct Watch<'a> {
    progress: Option<&'a (dyn Fn(u64, u64) + Send + Sync)>,
    cancel: Option<&'a Cancel>,
}

impl<'a> Watch<'a> {
    pub(crate) fn new(
        progress: Option<&'a (dyn Fn(u64, u64) + Send + Sync)>,
        cancel: Option<&'a Cancel>,
    ) -> Self {
        Watch { progress, cancel }
    }

    /// Report `done` of `total` items.
    pub(crate) fn report(&self, done: u64, total: u64) {
        if let Some(progress) = self.progress {
            progress(done, total);
        }
    }

    /// Whether the evaluation should stop.
    pub(crate) fn cancelled(&self) -> bool {
        self.cancel.is_some_and(Cancel::is_cancelled)
    }

    /// `Err(Cancelled)` once cancelled.
    pub(crate) fn check(&self) -> Result<()> {
        if self.cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// The same cancellation, reporting to `report` instead (one stage of a
    /// run in several stages, whose `report` adds the stages before it).
    pub(crate) fn stage<'b>(&'b self, report: &'b (dyn Fn(u64, u64) + Send + Sync)) -> Watch<'b> {
        Watch {
            progress: Some(report),
            cancel: self.cancel,
        }
    }
}
