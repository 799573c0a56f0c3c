//! Memory estimates, checked before any large allocation: a job is refused,
//! with its size and what to do instead, when it would need more than the
//! machine has available or more than the caller's limit
//! ([`DEFAULT_MEMORY_LIMIT`] unless asked for more).

use crate::error::{Error, Remedy, Result};

/// The memory a job may use unless the caller allows more: 8 GiB.
pub const DEFAULT_MEMORY_LIMIT: u64 = 8 << 30;

/// Memory this process can still get, as far as the operating system says:
/// the least of the machine's available memory (Linux `MemAvailable`), the
/// room left under the address-space limit (`RLIMIT_AS`, as `ulimit -v`
/// sets it: an allocation past it fails, and Rust aborts on a failed
/// allocation) and the room left in the cgroup's memory limit (v2
/// `memory.max`, or v1 `memory.limit_in_bytes`); `None` where none of them
/// can be read.
pub(crate) fn available() -> Option<u64> {
    [machine_available(), address_space_left(), cgroup_left()]
        .into_iter()
        .flatten()
        .min()
}

/// Linux `MemAvailable`.
fn machine_available() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    kib_field(&info, "MemAvailable:")
}

/// The value in KiB after `key` on one of `text`'s lines, in bytes.
fn kib_field(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kib: u64 = line[key.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// `RLIMIT_AS` (the soft limit, from `/proc/self/limits`) less the address
/// space already mapped (`VmSize`); `None` when unlimited or unreadable.
fn address_space_left() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max address space"))?;
    let soft: u64 = line["Max address space".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()?; // "unlimited" does not parse: no limit
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let mapped = kib_field(&status, "VmSize:")?;
    Some(soft.saturating_sub(mapped))
}

/// The cgroup's memory limit less its usage (v2, else v1); `None` when
/// there is no limit or it cannot be read.
fn cgroup_left() -> Option<u64> {
    let read =
        |path: &str| -> Option<u64> { std::fs::read_to_string(path).ok()?.trim().parse().ok() };
    let (limit, used) = match read("/sys/fs/cgroup/memory.max") {
        Some(limit) => (limit, read("/sys/fs/cgroup/memory.current")?),
        None => (
            read("/sys/fs/cgroup/memory/memory.limit_in_bytes")?,
            read("/sys/fs/cgroup/memory/memory.usage_in_bytes")?,
        ),
    };
    // v1 writes "no limit" as a number near 2^63.
    (limit < 1 << 60).then(|| limit.saturating_sub(used))
}

/// Reserve room for `additional` more items in `vec`, or refuse `what` as
/// too large (a failed allocation becomes an error, never an abort).
pub(crate) fn try_reserve<T>(vec: &mut Vec<T>, additional: usize, what: &str) -> Result<()> {
    vec.try_reserve_exact(additional).map_err(|_| {
        Error::too_large(
            format!(
                "{what} needs about {} of memory, and the allocation failed",
                human((additional as u64).saturating_mul(std::mem::size_of::<T>() as u64))
            ),
            Remedy::Sampling,
        )
    })
}

/// A vector of `len` copies of `value`, or `what` refused as too large.
pub(crate) fn try_filled<T: Clone>(len: usize, value: T, what: &str) -> Result<Vec<T>> {
    let mut vec = Vec::new();
    try_reserve(&mut vec, len, what)?;
    vec.resize(len, value);
    Ok(vec)
}

/// A memory limit given in GiB (the option `option`, as the front end
/// names it) in bytes: a positive finite number, else a usage error.
///
/// ```
/// assert_eq!(unitsum_gpu::memory_limit_from_gib(2.0, "max_memory")?, 2 << 30);
/// assert!(unitsum_gpu::memory_limit_from_gib(-1.0, "max_memory").is_err());
/// # Ok::<(), unitsum_gpu::Error>(())
/// ```
pub fn memory_limit_from_gib(gib: f64, option: &str) -> Result<u64> {
    if gib.is_finite() && gib > 0.0 {
        Ok((gib * (1u64 << 30) as f64).min(u64::MAX as f64) as u64)
    } else {
        Err(Error::usage(
            option,
            format!("must be a positive number of GiB, not {gib}"),
        ))
    }
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
                "{what} needs about {} of memory, more than the {} available \
                 (the machine's free memory, the address-space limit and the cgroup's limit)",
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
