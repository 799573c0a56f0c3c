//! Memory estimates, checked before any large allocation: a job is refused,
//! with its size and what to do instead, when it would need more than the
//! machine has available or more than the caller's limit
//! ([`DEFAULT_MEMORY_LIMIT`] unless asked for more).

use crate::error::{Error, Remedy, Result};

/// The memory a job may use unless the caller allows more: 8 GiB.
pub const DEFAULT_MEMORY_LIMIT: u64 = 8 << 30;

/// Memory the operating system says is available (Linux `MemAvailable`),
/// `None` where it cannot tell.
pub(crate) fn available() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// `bytes` in GiB or MiB, for messages.
pub(crate) fn human(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{:.1} GiB", bytes as f64 / (1u64 << 30) as f64)
    } else {
        format!("{:.0} MiB", (bytes as f64 / (1u64 << 20) as f64).max(1.0))
    }
}

/// Refuse `what`, which needs about `bytes`, beyond `limit` or beyond the
/// available memory; `instead` says what to do then.
pub(crate) fn check(what: &str, bytes: u64, limit: u64, instead: Remedy) -> Result<()> {
    // An estimate that saturated is beyond any machine, whatever the limit
    // (and where the system does not report its memory).
    if bytes == u64::MAX {
        return Err(Error::too_large(
            format!("{what} needs more memory than any machine has"),
            instead,
        ));
    }
    if let Some(free) = available().filter(|&free| bytes > free) {
        return Err(Error::too_large(
            format!(
                "{what} needs about {} of memory, more than the {} available",
                human(bytes),
                human(free)
            ),
            instead,
        ));
    }
    if bytes > limit {
        return Err(Error::too_large(
            format!(
                "{what} needs about {} of memory, beyond the limit of {}",
                human(bytes),
                human(limit)
            ),
            Remedy::MemoryLimit,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_beyond_the_limit_and_says_how_much() {
        assert!(check("x", 1 << 20, 2 << 20, Remedy::Sampling).is_ok());
        let e = check("the FFT counts path", 3 << 30, 2 << 30, Remedy::Sampling).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("3.0 GiB") && text.contains("2.0 GiB"),
            "{text}"
        );
        assert!(matches!(
            e,
            Error::TooLarge {
                remedy: Remedy::MemoryLimit | Remedy::Sampling,
                ..
            }
        ));
        // Nothing has an exabyte (where the system says what it has).
        let e = check("x", u64::MAX / 2, u64::MAX, Remedy::Sampling);
        match available() {
            Some(_) => assert!(e.unwrap_err().to_string().contains("available")),
            None => assert!(e.is_ok()),
        }
        // A saturated estimate is refused even with no limit.
        let e = check("x", u64::MAX, u64::MAX, Remedy::Sampling).unwrap_err();
        assert!(e.to_string().contains("any machine"), "{e}");
    }
}
