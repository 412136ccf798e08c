//! A fleet of synthetic node_exporter hosts (`job="node"`), each with a
//! realistic mix of metric families and value shapes: counters of CPU
//! seconds in 0.01 steps (USER_HZ), byte and packet counters, gauges of
//! memory pages moving in integer steps, loads with two decimals, constants.

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, seedable, well-mixed PRNG,
/// so the load is the same on every machine without the rand crate.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.state;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    }

    /// A value in `low..=high`; the modulo bias is far below what matters here.
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        debug_assert!(low <= high);
        let span = (high - low) as u64 + 1;
        low + (self.next_u64() % span) as i64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.between(0, items.len() as i64 - 1) as usize]
    }
}

/// How a series' value moves from one scrape to the next, in ticks.
#[derive(Debug, Clone, Copy)]
enum Motion {
    Constant,
    Counter {
        low: i64,
        high: i64,
    },
    Walk {
        step: i64,
        low: i64,
        high: i64,
    },
    /// Independent each scrape, like `scrape_duration_seconds`.
    Noise {
        low: i64,
        high: i64,
    },
    /// The scrape time in microseconds, like `node_time_seconds`.
    Clock,
}

/// What a tick is worth.
#[derive(Debug, Clone, Copy)]
enum Unit {
    Multiple(i64),
    Decimals(i32),
}

/// The value state of one series.
#[derive(Debug, Clone)]
pub struct Track {
    ticks: i64,
    motion: Motion,
    unit: Unit,
}

impl Track {
    pub fn advance(&mut self, rng: &mut SplitMix64, timestamp_ms: i64) {
        self.ticks = match self.motion {
            Motion::Constant => self.ticks,
            Motion::Counter { low, high } => self.ticks + rng.between(low, high),
            Motion::Walk { step, low, high } => (self.ticks + rng.between(-step, step)).clamp(low, high),
            Motion::Noise { low, high } => rng.between(low, high),
            Motion::Clock => timestamp_ms * 1_000 + rng.between(0, 999),
        };
    }

    /// Integers are exact and decimals are the nearest double to the decimal
    /// text, as when Prometheus parses an exporter's output.
    pub fn value(&self) -> f64 {
        match self.unit {
            Unit::Multiple(factor) => (self.ticks * factor) as f64,
            Unit::Decimals(places) => self.ticks as f64 / 10f64.powi(places),
        }
    }
}

/// One series: its sorted label set, its value, and the host scraping it.
#[derive(Debug, Clone)]
pub struct Series {
    pub labels: Vec<(&'static str, String)>,
    pub track: Track,
    pub host: usize,
}

/// A scrape target; its offset spreads scrapes over the interval as
/// Prometheus does per target.
#[derive(Debug, Clone)]
pub struct Host {
    offset_ms: i64,
}

/// All hosts and their series, grouped by host.
#[derive(Debug)]
pub struct Fleet {
    pub hosts: Vec<Host>,
    pub series: Vec<Series>,
}

const SCRAPE_JITTER_MS: i64 = 2;
const CPU_COUNTS: [i64; 6] = [2, 4, 4, 8, 8, 16];
const MEMORY_GIB: [i64; 5] = [4, 8, 16, 32, 64];
const NICS: [&str; 4] = ["eth0", "lo", "eth1", "docker0"];
const DISKS: [&str; 3] = ["sda", "sdb", "nvme0n1"];
const MOUNTS: [(&str, &str, &str); 6] = [
    ("/dev/sda1", "ext4", "/"),
    ("tmpfs", "tmpfs", "/run"),
    ("/dev/sda2", "ext4", "/home"),
    ("tmpfs", "tmpfs", "/dev/shm"),
    ("/dev/sdb1", "xfs", "/var/lib/data"),
    ("/dev/nvme0n1p1", "vfat", "/boot/efi"),
];

impl Fleet {
    /// Adds hosts until there are `series` series; the last host may be cut short.
    pub fn build(rng: &mut SplitMix64, series: usize, interval_ms: i64) -> Self {
        let mut fleet = Fleet { hosts: Vec::new(), series: Vec::with_capacity(series) };
        while fleet.series.len() < series {
            let index = fleet.hosts.len();
            let mut host =
                HostBuilder { rng: &mut *rng, instance: format!("host-{index:04}:9100"), series: Vec::new() };
            host.all_families();
            let wanted = (series - fleet.series.len()).min(host.series.len());
            fleet.series.extend(host.series.drain(..wanted).map(|(labels, track)| Series {
                labels,
                track,
                host: index,
            }));
            let margin = SCRAPE_JITTER_MS.min(interval_ms / 4);
            fleet.hosts.push(Host { offset_ms: rng.between(margin, interval_ms - 1 - margin) });
        }
        fleet
    }

    /// Each host's scrape time in the round starting at `base_ms`, with a
    /// few milliseconds of jitter as real scrapes have.
    pub fn scrape_timestamps(&self, rng: &mut SplitMix64, base_ms: i64) -> Vec<i64> {
        let jitter = |rng: &mut SplitMix64| rng.between(-SCRAPE_JITTER_MS, SCRAPE_JITTER_MS);
        self.hosts.iter().map(|host| base_ms + host.offset_ms + jitter(rng)).collect()
    }
}

struct HostBuilder<'a> {
    rng: &'a mut SplitMix64,
    instance: String,
    series: Vec<(Vec<(&'static str, String)>, Track)>,
}

impl HostBuilder<'_> {
    fn all_families(&mut self) {
        self.cpu();
        self.memory();
        self.network();
        self.filesystems();
        self.disks();
        self.system();
        self.scrape();
    }

    fn add(&mut self, name: &'static str, extra: &[(&'static str, &str)], ticks: i64, motion: Motion, unit: Unit) {
        let mut labels =
            vec![("__name__", name.to_string()), ("instance", self.instance.clone()), ("job", "node".to_string())];
        labels.extend(extra.iter().map(|(label, value)| (*label, value.to_string())));
        labels.sort_unstable_by_key(|(label, _)| *label);
        self.series.push((labels, Track { ticks, motion, unit }));
    }

    /// A counter that has been running for a while (days of uptime).
    fn counter(&mut self, name: &'static str, extra: &[(&'static str, &str)], low: i64, high: i64, unit: Unit) {
        let start = self.rng.between(0, high.max(1) * 20_000);
        self.add(name, extra, start, Motion::Counter { low, high }, unit);
    }

    fn walk(&mut self, name: &'static str, extra: &[(&'static str, &str)], step: i64, low: i64, high: i64, unit: Unit) {
        let start = self.rng.between(low, high);
        self.add(name, extra, start, Motion::Walk { step, low, high }, unit);
    }

    fn constant(&mut self, name: &'static str, extra: &[(&'static str, &str)], ticks: i64, unit: Unit) {
        self.add(name, extra, ticks, Motion::Constant, unit);
    }

    fn cpu(&mut self) {
        // Hundredths of a second per 15 s scrape, per mode and CPU.
        const MODES: [(&str, i64, i64); 8] = [
            ("idle", 1_100, 1_500),
            ("iowait", 0, 30),
            ("irq", 0, 0),
            ("nice", 0, 2),
            ("softirq", 0, 10),
            ("steal", 0, 5),
            ("system", 10, 150),
            ("user", 20, 400),
        ];
        let cpus = *self.rng.pick(&CPU_COUNTS);
        for cpu in 0..cpus {
            let cpu = cpu.to_string();
            for (mode, low, high) in MODES {
                self.counter("node_cpu_seconds_total", &[("cpu", &cpu), ("mode", mode)], low, high, Unit::Decimals(2));
            }
            for mode in ["nice", "user"] {
                self.constant("node_cpu_guest_seconds_total", &[("cpu", &cpu), ("mode", mode)], 0, Unit::Decimals(2));
            }
        }
    }

    fn memory(&mut self) {
        // /proc/meminfo counts kB; the walks move by whole pages.
        let total = *self.rng.pick(&MEMORY_GIB) << 20;
        let kb = Unit::Multiple(1_024);
        self.constant("node_memory_MemTotal_bytes", &[], total, kb);
        self.walk("node_memory_MemFree_bytes", &[], 2_048, total / 20, total / 2, kb);
        self.walk("node_memory_MemAvailable_bytes", &[], 2_048, total / 4, total * 9 / 10, kb);
        self.walk("node_memory_Cached_bytes", &[], 1_024, total / 10, total / 2, kb);
        self.walk("node_memory_Buffers_bytes", &[], 64, 1_024, total / 20, kb);
        self.walk("node_memory_Active_bytes", &[], 1_024, total / 10, total * 7 / 10, kb);
        self.walk("node_memory_Dirty_bytes", &[], 256, 0, 65_536, kb);
        self.constant("node_memory_SwapTotal_bytes", &[], total / 4, kb);
        self.walk("node_memory_SwapFree_bytes", &[], 8, total / 8, total / 4, kb);
    }

    fn network(&mut self) {
        let count = self.rng.between(2, NICS.len() as i64) as usize;
        for device in &NICS[..count] {
            let labels = [("device", *device)];
            self.counter("node_network_receive_bytes_total", &labels, 1_000, 5_000_000, Unit::Multiple(1));
            self.counter("node_network_transmit_bytes_total", &labels, 1_000, 3_000_000, Unit::Multiple(1));
            self.counter("node_network_receive_packets_total", &labels, 10, 5_000, Unit::Multiple(1));
            self.counter("node_network_transmit_packets_total", &labels, 10, 4_000, Unit::Multiple(1));
            self.constant("node_network_receive_errs_total", &labels, 0, Unit::Multiple(1));
            self.constant("node_network_up", &labels, i64::from(*device != "docker0"), Unit::Multiple(1));
        }
    }

    fn filesystems(&mut self) {
        let count = self.rng.between(3, MOUNTS.len() as i64) as usize;
        for (device, fstype, mountpoint) in &MOUNTS[..count] {
            let labels = [("device", *device), ("fstype", *fstype), ("mountpoint", *mountpoint)];
            // Sizes in 4 KiB blocks.
            let blocks = self.rng.between(1 << 18, 1 << 26);
            let block = Unit::Multiple(4_096);
            self.constant("node_filesystem_size_bytes", &labels, blocks, block);
            self.walk("node_filesystem_avail_bytes", &labels, 256, blocks / 20, blocks * 9 / 10, block);
            self.walk("node_filesystem_free_bytes", &labels, 256, blocks / 10, blocks, block);
            self.constant("node_filesystem_files", &labels, blocks / 4, Unit::Multiple(1));
            self.walk("node_filesystem_files_free", &labels, 50, blocks / 8, blocks / 4, Unit::Multiple(1));
            self.constant("node_filesystem_readonly", &labels, 0, Unit::Multiple(1));
        }
    }

    fn disks(&mut self) {
        let count = self.rng.between(1, DISKS.len() as i64) as usize;
        for device in &DISKS[..count] {
            let labels = [("device", *device)];
            self.counter("node_disk_read_bytes_total", &labels, 0, 20_000, Unit::Multiple(512));
            self.counter("node_disk_written_bytes_total", &labels, 8, 40_000, Unit::Multiple(512));
            self.counter("node_disk_reads_completed_total", &labels, 0, 300, Unit::Multiple(1));
            self.counter("node_disk_writes_completed_total", &labels, 1, 900, Unit::Multiple(1));
            self.counter("node_disk_io_time_seconds_total", &labels, 0, 3_000, Unit::Decimals(3));
        }
    }

    fn system(&mut self) {
        let (unit, two_places) = (Unit::Multiple(1), Unit::Decimals(2));
        self.walk("node_load1", &[], 30, 0, 1_600, two_places);
        self.walk("node_load5", &[], 10, 0, 1_600, two_places);
        self.walk("node_load15", &[], 4, 0, 1_600, two_places);
        self.counter("node_context_switches_total", &[], 5_000, 400_000, unit);
        self.counter("node_intr_total", &[], 3_000, 200_000, unit);
        self.counter("node_forks_total", &[], 0, 600, unit);
        self.walk("node_procs_running", &[], 2, 1, 12, unit);
        self.walk("node_procs_blocked", &[], 1, 0, 3, unit);
        self.walk("node_filefd_allocated", &[], 20, 800, 20_000, unit);
        self.constant("node_filefd_maximum", &[], i64::MAX, unit);
        self.walk("node_entropy_available_bits", &[], 40, 200, 4_096, unit);
        let boot = 1_690_000_000 + self.rng.between(0, 9_000_000);
        self.constant("node_boot_time_seconds", &[], boot, unit);
        self.add("node_time_seconds", &[], 0, Motion::Clock, Unit::Decimals(6));
        let nodename = self.instance.trim_end_matches(":9100").to_string();
        let release = *self.rng.pick(&["5.10.0-28-amd64", "6.1.0-18-amd64", "6.1.0-21-amd64"]);
        let uname =
            [("machine", "x86_64"), ("nodename", nodename.as_str()), ("release", release), ("sysname", "Linux")];
        self.constant("node_uname_info", &uname, 1, unit);
    }

    /// The series Prometheus adds to every scrape.
    fn scrape(&mut self) {
        let scraped = self.series.len() as i64;
        self.constant("up", &[], 1, Unit::Multiple(1));
        let noise = Motion::Noise { low: 3_000_000, high: 60_000_000 };
        self.add("scrape_duration_seconds", &[], 0, noise, Unit::Decimals(9));
        self.constant("scrape_samples_scraped", &[], scraped, Unit::Multiple(1));
    }
}

// The bench target builds with cfg(test) but, having no harness, drops the
// #[test] functions: what only they use would warn there.
#[cfg(test)]
#[allow(unused_imports, dead_code)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        let mut rng = SplitMix64::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn between_stays_in_range_and_reaches_both_ends() {
        let mut rng = SplitMix64::new(1);
        let draws: Vec<i64> = (0..1_000).map(|_| rng.between(-2, 2)).collect();
        assert!(draws.iter().all(|d| (-2..=2).contains(d)));
        assert!(draws.contains(&-2) && draws.contains(&2));
    }

    #[test]
    fn decimals_are_the_nearest_double_to_the_text() {
        let track = Track { ticks: 1_234_567, motion: Motion::Constant, unit: Unit::Decimals(2) };
        assert_eq!(track.value(), "12345.67".parse::<f64>().unwrap());
    }

    #[test]
    fn walks_stay_in_bounds() {
        let mut rng = SplitMix64::new(3);
        let mut track = Track { ticks: 5, motion: Motion::Walk { step: 4, low: 0, high: 10 }, unit: Unit::Multiple(1) };
        for _ in 0..1_000 {
            track.advance(&mut rng, 0);
            assert!((0.0..=10.0).contains(&track.value()));
        }
    }

    #[test]
    fn hosts_hold_a_few_hundred_series_and_scrape_inside_the_interval() {
        let mut rng = SplitMix64::new(9);
        let fleet = Fleet::build(&mut rng, 20_000, 15_000);
        assert_eq!(fleet.series.len(), 20_000);
        let per_host = 20_000 / fleet.hosts.len();
        assert!((60..=400).contains(&per_host), "{per_host} series per host");
        let stamps = fleet.scrape_timestamps(&mut rng, 0);
        assert!(stamps.iter().all(|t| (0..15_000).contains(t)));
        assert!(fleet.series.windows(2).all(|pair| pair[0].host <= pair[1].host));
    }
}
