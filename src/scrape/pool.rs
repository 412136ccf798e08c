//! A scrape pool: the targets of one scrape job. It turns discovered target
//! groups into targets through relabeling, starts a loop for each new target,
//! stops loops of vanished targets, applies `target_limit`, and on a config
//! change hands each loop's cache to its successor so nothing goes stale.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::ScrapeConfig;
use crate::discovery::TargetGroup;
use crate::httpclient::HttpClient;
use crate::relabel::LabelSet;
use crate::series::{Appender, DEFAULT_TENANT};

use super::cache::ScrapeCache;
use super::error::ScrapeError;
use super::fetch::accept_header;
use super::metrics::{PoolLabels, SCRAPE_METRICS};
use super::scrape_loop::{Control, LoopSettings, ScrapeLoop};
use super::series_labels::LabelRules;
use super::status::ActiveTarget;
use super::target::{Populated, Target, populate};
use crate::ring::Shard;

struct RunningLoop {
    target: Arc<ActiveTarget>,
    control: watch::Sender<Control>,
    task: JoinHandle<ScrapeCache>,
}

/// A target that relabeling dropped (or that was invalid), for the API.
#[derive(Debug, Clone)]
pub struct DroppedTarget {
    pub discovered: LabelSet,
    pub reason: Option<String>,
}

pub struct ScrapePool {
    config: Arc<ScrapeConfig>,
    settings: Arc<LoopSettings>,
    appender: Arc<dyn Appender>,
    loops: HashMap<u64, RunningLoop>,
    dropped: Vec<DroppedTarget>,
    dropped_total: usize,
    groups: Vec<TargetGroup>,
    forced_error: watch::Sender<Option<ScrapeError>>,
    offset_seed: u64,
    shard: Shard,
}

impl ScrapePool {
    pub fn new(
        config: ScrapeConfig,
        appender: Arc<dyn Appender>,
        offset_seed: u64,
        shard: Shard,
    ) -> Result<Self, ScrapeError> {
        let settings = Arc::new(settings(&config)?);
        Ok(ScrapePool {
            config: Arc::new(config),
            settings,
            appender,
            loops: HashMap::new(),
            dropped: Vec::new(),
            dropped_total: 0,
            groups: Vec::new(),
            forced_error: watch::channel(None).0,
            offset_seed,
            shard,
        })
    }

    pub fn name(&self) -> &str {
        &self.config.job_name
    }

    pub fn config(&self) -> &ScrapeConfig {
        &self.config
    }

    pub fn active(&self) -> Vec<Arc<ActiveTarget>> {
        let mut targets: Vec<_> = self.loops.values().map(|running| running.target.clone()).collect();
        targets.sort_by(|a, b| a.target.url.cmp(&b.target.url));
        targets
    }

    pub fn active_count(&self) -> usize {
        self.loops.len()
    }

    pub fn dropped(&self) -> (&[DroppedTarget], usize) {
        (&self.dropped, self.dropped_total)
    }

    /// Applies the job's current target groups.
    pub fn sync(&mut self, groups: Vec<TargetGroup>) {
        self.groups = groups;
        let targets = self.populate_all();
        let mut caches = HashMap::new();
        self.replace_loops(targets, &mut caches);
    }

    /// Applies a new share of the targets: loops of targets another scraper
    /// now owns stop without staleness markers, since it carries on their
    /// series.
    pub fn reshard(&mut self, shard: Shard) {
        self.shard = shard;
        let targets = self.populate_all();
        let mut caches = HashMap::new();
        self.replace_loops(targets, &mut caches);
    }

    /// Applies a changed job config: loops of targets that remain keep their
    /// caches; targets the new config no longer yields go stale.
    pub async fn reload(&mut self, config: ScrapeConfig) -> Result<(), ScrapeError> {
        let new_settings = Arc::new(settings(&config)?);
        let same_labels = new_settings.rules == self.settings.rules;
        self.settings = new_settings;
        self.config = Arc::new(config);
        let targets = self.populate_all();
        let mut caches = HashMap::new();
        for (hash, running) in self.loops.drain() {
            if targets.contains_key(&hash) && self.shard.owns(hash) {
                let _ = running.control.send(Control::Reload);
                if let Ok(mut cache) = running.task.await {
                    if !same_labels {
                        cache.forget_labels();
                    }
                    caches.insert(hash, cache);
                }
            } else if targets.contains_key(&hash) {
                let _ = running.control.send(Control::Shutdown);
            } else {
                let _ = running.control.send(Control::Vanished);
            }
        }
        self.replace_loops(targets, &mut caches);
        Ok(())
    }

    /// Stops every loop without staleness markers.
    pub async fn shutdown(&mut self) {
        for (_, running) in self.loops.drain() {
            let _ = running.control.send(Control::Shutdown);
            let _ = running.task.await;
        }
    }

    /// Stops every loop after it wrote staleness markers for its series
    /// (this scraper leaves the cluster).
    pub async fn give_up(&mut self) {
        self.shard = Shard::nothing();
        let running: Vec<_> = self.loops.drain().map(|(_, running)| running).collect();
        for running in &running {
            let _ = running.control.send(Control::GiveUp);
        }
        for running in running {
            let _ = running.task.await;
        }
    }

    /// Stops every loop, writing staleness markers (the job was removed).
    pub fn stop_all(&mut self) {
        for (_, running) in self.loops.drain() {
            let _ = running.control.send(Control::Vanished);
        }
        SCRAPE_METRICS.targets.remove(&PoolLabels { scrape_job: self.config.job_name.clone() });
    }

    fn populate_all(&mut self) -> HashMap<u64, Target> {
        let mut targets = HashMap::new();
        self.dropped.clear();
        self.dropped_total = 0;
        let keep = self.config.keep_dropped_targets as usize;
        for group in &self.groups {
            for discovered in &group.targets {
                let (dropped, reason) = match populate(&self.config, discovered, &group.labels) {
                    Populated::Active(target) => {
                        targets.entry(target.hash()).or_insert(target);
                        continue;
                    }
                    Populated::Dropped(labels) => (labels, None),
                    Populated::Invalid { discovered, reason } => {
                        tracing::warn!(job = %self.config.job_name, %reason, "invalid target");
                        (discovered, Some(reason))
                    }
                };
                self.dropped_total += 1;
                if keep == 0 || self.dropped.len() < keep {
                    self.dropped.push(DroppedTarget { discovered: dropped, reason });
                }
            }
        }
        targets
    }

    /// Runs a loop for each target this scraper owns. Loops of targets that
    /// are gone write staleness markers; loops of targets another scraper
    /// took over just stop.
    fn replace_loops(&mut self, mut targets: HashMap<u64, Target>, caches: &mut HashMap<u64, ScrapeCache>) {
        let shard = &self.shard;
        let handed_over: std::collections::HashSet<u64> =
            targets.keys().copied().filter(|hash| !shard.owns(*hash)).collect();
        targets.retain(|hash, _| !handed_over.contains(hash));
        self.loops.retain(|hash, running| {
            let keep = targets.contains_key(hash);
            if !keep {
                let control = if handed_over.contains(hash) { Control::Shutdown } else { Control::Vanished };
                let _ = running.control.send(control);
            }
            keep
        });
        let count = targets.len();
        for (hash, target) in targets {
            if self.loops.contains_key(&hash) {
                continue;
            }
            let offset = offset(target.interval.to_std(), hash ^ self.offset_seed);
            let active = Arc::new(ActiveTarget::new(target, self.config.job_name.clone()));
            let (control, receiver) = watch::channel(Control::Run);
            let scrape_loop = ScrapeLoop {
                target: active.clone(),
                settings: self.settings.clone(),
                appender: self.appender.clone(),
                cache: caches.remove(&hash).unwrap_or_default(),
                forced_error: self.forced_error.subscribe(),
                offset,
            };
            let task = scrape_loop.spawn(receiver);
            self.loops.insert(hash, RunningLoop { target: active, control, task });
        }
        let limit = self.config.target_limit;
        let forced = (limit > 0 && count as u64 > limit).then_some(ScrapeError::TargetLimit { found: count, limit });
        self.forced_error.send_replace(forced);
        SCRAPE_METRICS
            .targets
            .get_or_create(&PoolLabels { scrape_job: self.config.job_name.clone() })
            .set(count as i64);
    }
}

fn settings(config: &ScrapeConfig) -> Result<LoopSettings, ScrapeError> {
    let user_agent = format!("Sonde/{}", env!("CARGO_PKG_VERSION"));
    let client = HttpClient::new(&config.http_client, &user_agent, config.enable_compression)
        .map_err(|error| ScrapeError::Request(error.to_string()))?;
    let escaping = config.metric_name_escaping_scheme.unwrap_or(crate::config::EscapingScheme::AllowUtf8);
    Ok(LoopSettings {
        client,
        accept: accept_header(config.protocols(), escaping),
        compression: config.enable_compression,
        body_size_limit: config.body_size_limit.bytes(),
        fallback: config.fallback_scrape_protocol,
        honor_timestamps: config.honor_timestamps,
        track_timestamps_staleness: config.track_timestamps_staleness,
        sample_limit: config.sample_limit,
        extra_metrics: config.extra_scrape_metrics_enabled(),
        rules: LabelRules::from_config(config),
        tenant: DEFAULT_TENANT.to_string(),
    })
}

/// Where in each interval a target is scraped: pinned to wall-clock time and
/// spread by the target's hash, so restarts keep the phase and a thousand
/// targets do not fire at once (Prometheus' `Target.offset`).
fn offset(interval: std::time::Duration, hash: u64) -> std::time::Duration {
    let interval_ns = interval.as_nanos().max(1) as u64;
    let now_ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos() as u64)
        .unwrap_or(0);
    let base = interval_ns - now_ns % interval_ns;
    let mut next = base + hash % interval_ns;
    if next > interval_ns {
        next -= interval_ns;
    }
    std::time::Duration::from_nanos(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_stay_within_one_interval() {
        let interval = std::time::Duration::from_secs(15);
        for hash in [0, 1, u64::MAX, 1 << 40] {
            assert!(offset(interval, hash) <= interval);
        }
    }
}
