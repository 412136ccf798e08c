//! What a system under test costs, read the way `ps` and `top` do (proc(5)):
//! CPU time from `/proc/PID/stat`, resident and peak resident memory from
//! `/proc/PID/status`, whose peak can be reset through `/proc/PID/clear_refs`
//! to measure one phase; plus the apparent size of a data directory and the
//! machine facts printed beside the results.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Why a measurement could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MeasureError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("unexpected format of {path}: {problem}")]
    Format { path: PathBuf, problem: String },
}

/// Resident memory of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    /// VmRSS: resident now.
    pub resident_bytes: u64,
    /// VmHWM: the most ever resident.
    pub peak_resident_bytes: u64,
}

/// The machine the numbers were taken on.
#[derive(Debug, Clone)]
pub struct Machine {
    pub cpus: usize,
    pub model: String,
}

/// Fallback when `getconf` is missing: USER_HZ is 100 on every Linux port
/// in practice.
const DEFAULT_CLOCK_TICKS: u64 = 100;

/// `sysconf(_SC_CLK_TCK)` through `getconf`, which avoids a libc dependency.
pub fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8_lossy(&output.stdout).trim().parse().ok())
        .filter(|ticks| *ticks > 0)
        .unwrap_or(DEFAULT_CLOCK_TICKS)
}

/// User plus system CPU time of every thread of `pid` so far.
pub fn cpu_time(pid: u32, ticks_per_second: u64) -> Result<Duration, MeasureError> {
    let path = PathBuf::from(format!("/proc/{pid}/stat"));
    let ticks = parse_cpu_ticks(&read(&path)?).map_err(|problem| MeasureError::Format { path, problem })?;
    Ok(Duration::from_secs_f64(ticks as f64 / ticks_per_second as f64))
}

/// utime + stime (fields 14 and 15). The command name in field 2 may hold
/// spaces and parentheses, so fields are counted from its closing one.
fn parse_cpu_ticks(stat: &str) -> Result<u64, String> {
    let after_name = stat.rfind(')').ok_or("no closing parenthesis after the command name")?;
    let fields: Vec<&str> = stat[after_name + 1..].split_whitespace().collect();
    let field = |index: usize, name: &str| -> Result<u64, String> {
        let text = fields.get(index).ok_or(format!("{name} is missing"))?;
        text.parse().map_err(|_| format!("{name} is not a number: {text:?}"))
    };
    // Field 3 (state) is the first after the name, so field N is at N - 3.
    Ok(field(14 - 3, "utime")? + field(15 - 3, "stime")?)
}

/// VmRSS and VmHWM of `pid`.
pub fn memory(pid: u32) -> Result<Memory, MeasureError> {
    let path = PathBuf::from(format!("/proc/{pid}/status"));
    parse_memory(&read(&path)?).map_err(|problem| MeasureError::Format { path, problem })
}

/// Sets VmHWM of `pid` back to its VmRSS (Linux 4.0 and later), so that a
/// later `memory` reads the peak since now.
pub fn reset_peak_memory(pid: u32) -> Result<(), MeasureError> {
    let path = PathBuf::from(format!("/proc/{pid}/clear_refs"));
    fs::write(&path, "5").map_err(|source| MeasureError::Write { path, source })
}

fn parse_memory(status: &str) -> Result<Memory, String> {
    let kilobytes = |key: &str| -> Result<u64, String> {
        let line = status.lines().find_map(|line| line.strip_prefix(key)).ok_or(format!("{key} is missing"))?;
        let number = line.trim_start_matches(':').trim().trim_end_matches("kB").trim();
        number.parse::<u64>().map(|kb| kb * 1024).map_err(|_| format!("{key} is not a number of kB: {line:?}"))
    };
    Ok(Memory { resident_bytes: kilobytes("VmRSS")?, peak_resident_bytes: kilobytes("VmHWM")? })
}

/// Sum of the lengths of all files under `path`, not following symlinks.
pub fn directory_size(path: &Path) -> Result<u64, MeasureError> {
    let entries = fs::read_dir(path).map_err(|source| MeasureError::Read { path: path.to_path_buf(), source })?;
    let mut total = 0;
    for entry in entries {
        let entry = entry.map_err(|source| MeasureError::Read { path: path.to_path_buf(), source })?;
        let metadata =
            fs::symlink_metadata(entry.path()).map_err(|source| MeasureError::Read { path: entry.path(), source })?;
        total += if metadata.is_dir() { directory_size(&entry.path())? } else { metadata.len() };
    }
    Ok(total)
}

/// CPUs usable by this process (as `nproc`) and the CPU model name.
pub fn machine() -> Machine {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let model = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| cpu_model(&info))
        .unwrap_or_else(|| "unknown".to_string());
    Machine { cpus, model }
}

fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split_once(':'))
        .map(|(_, model)| model.trim().to_string())
}

fn read(path: &Path) -> Result<String, MeasureError> {
    fs::read_to_string(path).map_err(|source| MeasureError::Read { path: path.to_path_buf(), source })
}

// The bench target builds with cfg(test) but, having no harness, drops the
// #[test] functions: what only they use would warn there.
#[cfg(test)]
#[allow(unused_imports, dead_code)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_skip_a_command_name_with_spaces_and_parentheses() {
        let stat = "4242 (tsdb (worker) 1) S 1 4242 4242 0 -1 4194304 900 0 0 0 250 17 0 0 20 0 9 0 100 0 0";
        assert_eq!(parse_cpu_ticks(stat), Ok(267));
    }

    #[test]
    fn cpu_ticks_reject_truncated_lines() {
        assert!(parse_cpu_ticks("1 (x) S 1 2").unwrap_err().contains("utime is missing"));
        assert!(parse_cpu_ticks("no name here").is_err());
    }

    #[test]
    fn own_cpu_time_grows_with_work() {
        let ticks = clock_ticks_per_second();
        let before = cpu_time(std::process::id(), ticks).unwrap();
        let started = std::time::Instant::now();
        let mut spin = 0u64;
        while started.elapsed() < Duration::from_millis(300) {
            spin = std::hint::black_box(spin.wrapping_add(1));
        }
        assert!(cpu_time(std::process::id(), ticks).unwrap() > before);
    }

    #[test]
    fn memory_reads_rss_and_high_water_mark() {
        let status = "Name:\tprometheus\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t9\n";
        let expected = Memory { resident_bytes: 100 << 20, peak_resident_bytes: 200 << 20 };
        assert_eq!(parse_memory(status), Ok(expected));
        assert!(parse_memory("VmRSS:\t1 kB\n").unwrap_err().contains("VmHWM is missing"));
        let own = memory(std::process::id()).unwrap();
        assert!(own.resident_bytes > 0 && own.peak_resident_bytes >= own.resident_bytes);
    }

    #[test]
    fn the_peak_resets_to_what_is_resident_now() {
        let pid = std::process::id();
        let grown = std::hint::black_box(vec![1u8; 64 << 20]);
        drop(grown);
        let before = memory(pid).unwrap();
        reset_peak_memory(pid).unwrap();
        let after = memory(pid).unwrap();
        assert!(after.peak_resident_bytes < before.peak_resident_bytes, "{before:?} then {after:?}");
        assert!(reset_peak_memory(u32::MAX).unwrap_err().to_string().starts_with("cannot write"));
    }

    #[test]
    fn directory_size_adds_nested_files() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir_all(root.path().join("a/b")).unwrap();
        fs::write(root.path().join("top"), [0u8; 10]).unwrap();
        fs::write(root.path().join("a/b/deep"), [0u8; 1_000]).unwrap();
        assert_eq!(directory_size(root.path()).unwrap(), 1_010);
        let missing = directory_size(&root.path().join("missing")).unwrap_err();
        assert!(missing.to_string().starts_with("cannot read"));
    }

    #[test]
    fn cpu_model_comes_from_the_first_model_name() {
        let info = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\nmodel name\t: other\n";
        assert_eq!(cpu_model(info).as_deref(), Some("AMD EPYC 7B13"));
        assert_eq!(cpu_model("processor\t: 0\n"), None);
    }
}
