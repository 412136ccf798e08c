//! Bytes per sample of a SHORT block with many series (the head written
//! after 20 scrapes), where the index outweighs the chunks: data shaped like
//! the ingest bench's node_exporter fleet (benches/ingest/hosts.rs), with a
//! breakdown per index section (run with `--nocapture` to see it).

use super::index_writer::{INDEX_FILE, SECTIONS, TOC_LENGTH};
use super::size_tests::Random;
use super::*;
use crate::series::chunk::Chunk;
use crate::series::{Labels, Sample};

const INTERVAL_MS: i64 = 15_000;
const START_MS: i64 = 1_700_000_000_000;

/// How a series moves per scrape, in ticks; values are ticks / 10^decimals
/// or ticks × multiple.
#[derive(Clone, Copy)]
enum Motion {
    Constant,
    Counter(u64),
    Walk(u64),
    Noise(u64),
    Clock,
}

type Member = (Vec<(&'static str, String)>, Motion, i64, u32);

/// One host's series (labels without `instance`/`job`), after hosts.rs.
fn host_series(random: &mut Random) -> Vec<Member> {
    let mut out: Vec<Member> = Vec::new();
    let mut add = |name: &'static str, extra: &[(&'static str, &str)], motion, multiple, decimals| {
        let mut labels = vec![("__name__", name.to_string())];
        labels.extend(extra.iter().map(|(n, v)| (*n, v.to_string())));
        out.push((labels, motion, multiple, decimals));
    };
    let cpus = [2, 4, 4, 8, 8, 16][random.below(6) as usize];
    for cpu in 0..cpus {
        let cpu = cpu.to_string();
        for (mode, rate) in [("idle", 400), ("iowait", 30), ("irq", 0), ("nice", 2), ("softirq", 10)] {
            add("node_cpu_seconds_total", &[("cpu", &cpu), ("mode", mode)], Motion::Counter(rate), 1, 2);
        }
        for (mode, rate) in [("steal", 5), ("system", 140), ("user", 380)] {
            add("node_cpu_seconds_total", &[("cpu", &cpu), ("mode", mode)], Motion::Counter(rate), 1, 2);
        }
        for mode in ["nice", "user"] {
            add("node_cpu_guest_seconds_total", &[("cpu", &cpu), ("mode", mode)], Motion::Constant, 1, 2);
        }
    }
    for (name, step) in [("MemFree", 2048), ("MemAvailable", 2048), ("Cached", 1024), ("Buffers", 64), ("Dirty", 256)] {
        let name: &'static str = Box::leak(format!("node_memory_{name}_bytes").into_boxed_str());
        add(name, &[], Motion::Walk(step), 1024, 0);
    }
    add("node_memory_MemTotal_bytes", &[], Motion::Constant, 1024, 0);
    for device in &["eth0", "lo", "eth1", "docker0"][..2 + random.below(3) as usize] {
        add("node_network_receive_bytes_total", &[("device", device)], Motion::Counter(5_000_000), 1, 0);
        add("node_network_transmit_bytes_total", &[("device", device)], Motion::Counter(3_000_000), 1, 0);
        add("node_network_receive_packets_total", &[("device", device)], Motion::Counter(5_000), 1, 0);
        add("node_network_transmit_packets_total", &[("device", device)], Motion::Counter(4_000), 1, 0);
        add("node_network_receive_errs_total", &[("device", device)], Motion::Constant, 1, 0);
        add("node_network_up", &[("device", device)], Motion::Constant, 1, 0);
    }
    let mounts = [("/dev/sda1", "ext4", "/"), ("tmpfs", "tmpfs", "/run"), ("/dev/sda2", "ext4", "/home")];
    for (device, fstype, mountpoint) in mounts {
        let labels = [("device", device), ("fstype", fstype), ("mountpoint", mountpoint)];
        add("node_filesystem_size_bytes", &labels, Motion::Constant, 4096, 0);
        add("node_filesystem_avail_bytes", &labels, Motion::Walk(256), 4096, 0);
        add("node_filesystem_free_bytes", &labels, Motion::Walk(256), 4096, 0);
        add("node_filesystem_files", &labels, Motion::Constant, 1, 0);
        add("node_filesystem_files_free", &labels, Motion::Walk(50), 1, 0);
        add("node_filesystem_readonly", &labels, Motion::Constant, 1, 0);
    }
    for device in &["sda", "sdb", "nvme0n1"][..1 + random.below(3) as usize] {
        add("node_disk_read_bytes_total", &[("device", device)], Motion::Counter(20_000), 512, 0);
        add("node_disk_written_bytes_total", &[("device", device)], Motion::Counter(40_000), 512, 0);
        add("node_disk_reads_completed_total", &[("device", device)], Motion::Counter(300), 1, 0);
        add("node_disk_writes_completed_total", &[("device", device)], Motion::Counter(900), 1, 0);
        add("node_disk_io_time_seconds_total", &[("device", device)], Motion::Counter(3_000), 1, 3);
    }
    for (name, step) in [("node_load1", 30), ("node_load5", 10), ("node_load15", 4)] {
        add(name, &[], Motion::Walk(step), 1, 2);
    }
    add("node_context_switches_total", &[], Motion::Counter(400_000), 1, 0);
    add("node_intr_total", &[], Motion::Counter(200_000), 1, 0);
    add("node_forks_total", &[], Motion::Counter(600), 1, 0);
    add("node_procs_running", &[], Motion::Walk(2), 1, 0);
    add("node_filefd_allocated", &[], Motion::Walk(20), 1, 0);
    add("node_boot_time_seconds", &[], Motion::Constant, 1, 0);
    add("node_time_seconds", &[], Motion::Clock, 1, 6);
    add("up", &[], Motion::Constant, 1, 0);
    add("scrape_duration_seconds", &[], Motion::Noise(60_000_000), 1, 9);
    add("scrape_samples_scraped", &[], Motion::Constant, 1, 0);
    out
}

/// `series` series of `rounds` samples each, sorted by labels.
pub(crate) fn fleet(series: usize, rounds: usize) -> Vec<(Labels, Vec<Sample>)> {
    let mut random = Random(7);
    let mut out = Vec::with_capacity(series);
    for host in 0.. {
        // A target's series share its scrape times, jittered by ±2 ms.
        let offset = 2 + random.below(INTERVAL_MS as u64 - 5) as i64;
        let times: Vec<i64> =
            (0..rounds as i64).map(|r| START_MS + r * INTERVAL_MS + offset + random.below(5) as i64 - 2).collect();
        for (mut labels, motion, multiple, decimals) in host_series(&mut random) {
            if out.len() == series {
                out.sort_by(|a: &(Labels, Vec<Sample>), b| a.0.cmp(&b.0));
                return out;
            }
            labels.push(("instance", format!("host-{host:04}:9100")));
            labels.push(("job", "node".into()));
            let mut ticks = random.below(1 << 30) as i64;
            let samples = times
                .iter()
                .map(|&t| {
                    ticks = match motion {
                        Motion::Constant => ticks,
                        Motion::Counter(high) => ticks + random.below(high + 1) as i64,
                        Motion::Walk(step) => (ticks + random.below(2 * step + 1) as i64 - step as i64).max(0),
                        Motion::Noise(high) => random.below(high) as i64,
                        Motion::Clock => t * 1000 + random.below(1000) as i64,
                    };
                    Sample::new(t, (ticks * multiple) as f64 / 10f64.powi(decimals as i32))
                })
                .collect();
            out.push((Labels::from_pairs(labels), samples));
        }
    }
    unreachable!("the loop returns once enough series exist")
}

/// Each index section's payload size, from the table of contents.
fn section_sizes(index: &[u8]) -> Vec<u64> {
    let toc = &index[index.len() - TOC_LENGTH..];
    let mut offsets: Vec<u64> =
        toc[..TOC_LENGTH - 4].chunks_exact(8).map(|o| u64::from_be_bytes(o.try_into().unwrap())).collect();
    offsets.push((index.len() - TOC_LENGTH) as u64);
    offsets.windows(2).map(|pair| pair[1] - pair[0] - 12).collect()
}

#[test]
fn short_blocks_of_many_series_stay_small() {
    let mut report = String::new();
    for (series, rounds, limit) in [(100_000, 20, 2.0), (5_000, 120, 1.2)] {
        let data = fleet(series, rounds);
        let dir = tempfile::tempdir().unwrap();
        let input = data.iter().map(|(l, s)| (l.clone(), s.chunks(120).map(Chunk::encode_xor).collect()));
        let end = START_MS + (rounds as i64 + 1) * INTERVAL_MS;
        let started = std::time::Instant::now();
        let meta = write_block(dir.path(), START_MS, end, input, CompactionMeta::default()).unwrap();
        let elapsed = started.elapsed();
        let block = Block::open(&dir.path().join(&meta.ulid)).unwrap();
        for id in (0..series as u32).step_by(997) {
            assert_eq!(tests::read_samples(&block, id), data[id as usize].1);
        }
        let samples = (series * rounds) as f64;
        let index = std::fs::read(block.dir().join(INDEX_FILE)).unwrap();
        let sections: Vec<String> = SECTIONS
            .iter()
            .zip(section_sizes(&index))
            .map(|(name, bytes)| format!("{name} {:.3}", bytes as f64 / samples))
            .collect();
        let per_sample = block.size_bytes() as f64 / samples;
        report += &format!(
            "{series} series × {rounds}: {per_sample:.3} B/sample (index {:.3}: {}; chunks {:.3}); written in \
             {elapsed:.2?}; open block heap {:.2} B/series\n",
            index.len() as f64 / samples,
            sections.join(", "),
            (block.size_bytes() - index.len() as u64) as f64 / samples,
            block.memory_bytes() as f64 / series as f64,
        );
        println!("{report}");
        assert!(per_sample < limit, "{per_sample:.3} B/sample for {series} series × {rounds}");
        report.clear();
    }
}
