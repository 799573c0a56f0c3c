//! Ctrl-C during a call from Python's main thread (see `evaluator.rs`).
//!
//! While a call runs, SIGINT goes to [`on_sigint`], which sets the call's
//! cancel flag (an atomic store, safe in a signal handler) and notes the
//! signal. When the call returns, the previous handler (Python's) is put
//! back and, if a signal came, raised again so that Python handles it.
//! Only the main thread installs the handler, and it runs one call at a
//! time, so installs never overlap.

#[cfg(unix)]
mod imp {
    use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

    use unitsum_gpu::Cancel;

    /// The running call's cancel handle, for the signal handler. A handle
    /// that was cancelled is replaced (and leaked: a handler running on
    /// another thread may still read it) so that the next call starts clear.
    static CURRENT: AtomicPtr<Cancel> = AtomicPtr::new(std::ptr::null_mut());
    /// Whether SIGINT arrived during the call.
    static INTERRUPTED: AtomicBool = AtomicBool::new(false);

    extern "C" fn on_sigint(_: libc::c_int) {
        let cancel = CURRENT.load(Ordering::Acquire);
        if !cancel.is_null() {
            // SAFETY: CURRENT only ever holds leaked, never freed handles.
            unsafe { (*cancel).cancel() };
        }
        INTERRUPTED.store(true, Ordering::Release);
    }

    /// SIGINT handled by [`on_sigint`] until [`Watch::finish`].
    pub(crate) struct Watch {
        previous: libc::sigaction,
        cancel: Cancel,
    }

    impl Watch {
        /// Install the handler, unless SIGINT is ignored (then Ctrl-C does
        /// nothing, as the user asked).
        pub(crate) fn install() -> Option<Watch> {
            let mut cancel = CURRENT.load(Ordering::Acquire);
            if cancel.is_null() {
                cancel = Box::into_raw(Box::new(Cancel::new()));
                CURRENT.store(cancel, Ordering::Release);
            }
            // SAFETY: sigaction with valid, zero-initialised structs; the
            // handler only touches atomics.
            unsafe {
                let mut previous: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(libc::SIGINT, std::ptr::null(), &mut previous) != 0
                    || previous.sa_sigaction == libc::SIG_IGN
                {
                    return None;
                }
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_sigint as *const () as libc::sighandler_t;
                action.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut action.sa_mask);
                if libc::sigaction(libc::SIGINT, &action, &mut previous) != 0 {
                    return None;
                }
                Some(Watch {
                    previous,
                    cancel: (*cancel).clone(),
                })
            }
        }

        /// The handle the call's evaluator watches.
        pub(crate) fn cancel(&self) -> Cancel {
            self.cancel.clone()
        }

        /// Put the previous handler back; if SIGINT came, raise it again for
        /// that handler and say so.
        pub(crate) fn finish(self) -> bool {
            // SAFETY: restores the handler saved by `install`.
            unsafe { libc::sigaction(libc::SIGINT, &self.previous, std::ptr::null_mut()) };
            if !INTERRUPTED.swap(false, Ordering::AcqRel) {
                return false;
            }
            let fresh = Box::into_raw(Box::new(Cancel::new()));
            CURRENT.store(fresh, Ordering::Release);
            // SAFETY: raising a signal whose handler is Python's again.
            unsafe { libc::raise(libc::SIGINT) };
            true
        }
    }
}

#[cfg(not(unix))]
mod imp {
    use unitsum_gpu::Cancel;

    /// Elsewhere a call is not interrupted by Ctrl-C.
    pub(crate) struct Watch {
        cancel: Cancel,
    }

    impl Watch {
        pub(crate) fn install() -> Option<Watch> {
            None
        }
        pub(crate) fn cancel(&self) -> Cancel {
            self.cancel.clone()
        }
        pub(crate) fn finish(self) -> bool {
            false
        }
    }
}

pub(crate) use imp::Watch;
