//! This machine's name, as Go's `os.Hostname` finds it on Linux, for
//! default external URLs, advertised addresses and e-mail Message-Ids.

/// The host name, or `None` when the system gives none.
pub fn name() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}
