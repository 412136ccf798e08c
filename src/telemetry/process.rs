//! Process metrics as Prometheus' client libraries name them
//! (`process_resident_memory_bytes`, `process_cpu_seconds_total`, …), read
//! from `/proc/self` on Linux.

use std::sync::LazyLock;
use std::sync::atomic::AtomicU64;

use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

static RESIDENT_MEMORY: LazyLock<Gauge> = LazyLock::new(Gauge::default);
static VIRTUAL_MEMORY: LazyLock<Gauge> = LazyLock::new(Gauge::default);
static CPU_SECONDS: LazyLock<Gauge<f64, AtomicU64>> = LazyLock::new(Gauge::default);
static OPEN_FDS: LazyLock<Gauge> = LazyLock::new(Gauge::default);
static START_TIME: LazyLock<Gauge<f64, AtomicU64>> = LazyLock::new(|| {
    let gauge = Gauge::default();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    gauge.set(now.as_secs_f64());
    gauge
});

pub fn register(registry: &mut Registry) {
    registry.register("process_resident_memory_bytes", "Resident memory size in bytes", RESIDENT_MEMORY.clone());
    registry.register("process_virtual_memory_bytes", "Virtual memory size in bytes", VIRTUAL_MEMORY.clone());
    registry.register(
        "process_cpu_seconds_total",
        "Total user and system CPU time spent in seconds",
        CPU_SECONDS.clone(),
    );
    registry.register("process_open_fds", "Number of open file descriptors", OPEN_FDS.clone());
    registry.register(
        "process_start_time_seconds",
        "Start time of the process since unix epoch in seconds",
        START_TIME.clone(),
    );
}

/// Page size and clock ticks are 4096 and 100 on every Linux Sonde targets.
const PAGE_SIZE: i64 = 4096;
const CLOCK_TICKS: f64 = 100.0;

pub fn refresh() {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return };
    // Fields after the command name, which is in parentheses and may hold spaces.
    let Some(rest) = stat.rsplit_once(") ").map(|(_, r)| r) else { return };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| fields.get(i).and_then(|f| f.parse::<i64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of stat, 11 and 12 after the name.
    CPU_SECONDS.set((field(11) + field(12)) as f64 / CLOCK_TICKS);
    VIRTUAL_MEMORY.set(field(20));
    RESIDENT_MEMORY.set(field(21) * PAGE_SIZE);
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        OPEN_FDS.set(fds.count() as i64);
    }
}
