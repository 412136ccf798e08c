//! Loads rule files and runs their groups (`rules/manager.go`): a reload
//! keeps unchanged groups running untouched, hands the alerts and written
//! series of changed groups to their replacements, and marks the series of
//! removed groups stale. A file that fails to load changes nothing.
//!
//! In a cluster each ruler runs the groups the ruler ring gives it (by a
//! hash of file and group name): a ring change re-applies the files with the
//! new share. A group a ruler takes over restores its alerts' `for` state
//! from `ALERTS_FOR_STATE`, as after a restart.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::watch;

use crate::api::time::now_millis;
use crate::ring::Shard;

use super::context::RuleContext;
use super::group::Group;
use super::load::load_groups;
use super::metrics::{RULE_METRICS, RuleMetrics};
use super::rule::Rule;

struct Running {
    group: Arc<Group>,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn stop(self) -> Arc<Group> {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        self.group
    }
}

pub struct RuleManager {
    ctx: Arc<RuleContext>,
    running: tokio::sync::Mutex<Vec<Running>>,
    /// Groups for the API, sorted by file and name.
    groups: parking_lot::RwLock<Vec<Arc<Group>>>,
    loaded_once: std::sync::atomic::AtomicBool,
    /// Which groups this node runs.
    shard: parking_lot::RwLock<Shard>,
    /// The files and defaults of the last update, for a re-shard.
    applied: parking_lot::Mutex<Option<(Vec<PathBuf>, GroupDefaults)>>,
}

/// Global defaults a group falls back to.
#[derive(Debug, Clone, Copy)]
pub struct GroupDefaults {
    pub interval_ms: i64,
    pub query_offset_ms: i64,
}

impl RuleManager {
    pub fn new(ctx: Arc<RuleContext>) -> Self {
        RuleManager {
            ctx,
            running: tokio::sync::Mutex::new(Vec::new()),
            groups: parking_lot::RwLock::new(Vec::new()),
            loaded_once: false.into(),
            shard: parking_lot::RwLock::new(Shard::All),
            applied: parking_lot::Mutex::new(None),
        }
    }

    /// A manager that runs no group until [`Self::reshard`] gives it some.
    pub fn sharded(ctx: Arc<RuleContext>) -> Self {
        let manager = RuleManager::new(ctx);
        *manager.shard.write() = Shard::nothing();
        manager
    }

    /// Runs the groups `shard` gives this node from now on. The files are
    /// read again; if that fails, the running groups stay.
    pub async fn reshard(&self, shard: Shard) {
        *self.shard.write() = shard;
        let applied = self.applied.lock().clone();
        if let Some((files, defaults)) = applied {
            if let Err(e) = self.update(&files, defaults).await {
                tracing::error!(error = %e, "cannot re-read the rule files for the new ruler ring; the running groups stay");
            }
        }
    }

    /// The ring key of a group.
    pub fn group_hash(key: &str) -> u64 {
        xxhash_rust::xxh3::xxh3_64(key.as_bytes())
    }

    pub fn context(&self) -> &RuleContext {
        &self.ctx
    }

    pub fn groups(&self) -> Vec<Arc<Group>> {
        self.groups.read().clone()
    }

    /// Checks that the files load, without applying them.
    pub fn check(files: &[PathBuf], defaults: GroupDefaults) -> Result<(), String> {
        load_groups(files, defaults).map(|_| ())
    }

    /// Loads `files` and makes their groups the running ones.
    pub async fn update(&self, files: &[PathBuf], defaults: GroupDefaults) -> Result<(), String> {
        let mut loaded = load_groups(files, defaults)?;
        // Under the lock, so that the last re-shard always wins.
        let mut running = self.running.lock().await;
        let shard = self.shard.read().clone();
        loaded.retain(|group| shard.owns(Self::group_hash(&group.key())));
        *self.applied.lock() = Some((files.to_vec(), defaults));
        let first_load = !self.loaded_once.swap(true, std::sync::atomic::Ordering::AcqRel);
        // A group new to a ruler may have run on another one until now.
        let restore_new = first_load || matches!(shard, Shard::Ring { .. });
        let mut kept = Vec::with_capacity(loaded.len());
        for group in loaded {
            let key = group.key();
            let old = running.iter().position(|r| r.group.key() == key).map(|i| running.remove(i));
            match old {
                Some(old) if old.group.same_definition(&group) => kept.push(old),
                Some(old) => {
                    let old = old.stop().await;
                    group.copy_state(&old);
                    kept.push(self.start(group));
                }
                None => {
                    if restore_new {
                        mark_unrestored(&group);
                    }
                    kept.push(self.start(group));
                }
            }
        }
        for removed in running.drain(..) {
            let group = removed.stop().await;
            RULE_METRICS.forget(&group.key());
            // As Prometheus: the removed group's series go stale two
            // intervals later (a group moved to another file or ruler has
            // written by then), at the time it stopped.
            let ctx = self.ctx.clone();
            let stopped_at = now_millis();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(2 * group.interval_ms.max(0) as u64)).await;
                group.mark_stale(&ctx, stopped_at).await;
            });
        }
        *running = kept;
        let mut groups: Vec<Arc<Group>> = running.iter().map(|r| r.group.clone()).collect();
        groups.sort_by(|a, b| (&a.file, &a.name).cmp(&(&b.file, &b.name)));
        *self.groups.write() = groups;
        Ok(())
    }

    /// Stops every group (shutdown), letting running evaluations finish.
    pub async fn stop(&self) {
        for running in self.running.lock().await.drain(..) {
            running.stop().await;
        }
    }

    fn start(&self, group: Group) -> Running {
        let group = Arc::new(group);
        let labels = RuleMetrics::labels(&group.key());
        RULE_METRICS.rules.get_or_create(&labels).set(group.rules.len() as i64);
        RULE_METRICS.interval.get_or_create(&labels).set(group.interval_ms as f64 / 1000.0);
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run_group(group.clone(), self.ctx.clone(), stopped));
        Running { group, stop, task }
    }
}

/// After a start, alerting rules write no `ALERTS` series until their
/// `for` state is restored.
fn mark_unrestored(group: &Group) {
    let mut any = false;
    for entry in &group.rules {
        if let Rule::Alerting(rule) = &mut entry.lock().rule {
            rule.restored = false;
            any = true;
        }
    }
    group.status.lock().restore_pending = any;
}

/// Evaluates the group at each slot until stopped; slots missed because an
/// evaluation overran are skipped and counted.
async fn run_group(group: Arc<Group>, ctx: Arc<RuleContext>, mut stop: watch::Receiver<bool>) {
    let interval = group.interval_ms.max(1);
    let labels = RuleMetrics::labels(&group.key());
    let mut t = group.eval_timestamp(now_millis()) + interval;
    let mut evaluations = 0u64;
    loop {
        let wait = (t - now_millis()).max(0) as u64;
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_millis(wait)) => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        RULE_METRICS.iterations.get_or_create(&labels).inc();
        let started = Instant::now();
        let wall = now_millis();
        group.eval(&ctx, t).await;
        let seconds = started.elapsed().as_secs_f64();
        {
            let mut status = group.status.lock();
            status.last_evaluation_ms = wall;
            status.evaluation_seconds = seconds;
        }
        RULE_METRICS.last_duration.get_or_create(&labels).set(seconds);
        RULE_METRICS.last_evaluation.get_or_create(&labels).set(wall as f64 / 1000.0);
        evaluations += 1;
        if evaluations == 2 && group.status.lock().restore_pending {
            group.restore_for_state(&ctx, now_millis()).await;
            group.status.lock().restore_pending = false;
        }
        let mut next = t + interval;
        let now = now_millis();
        if now >= next + interval {
            let missed = (now - next) / interval;
            next += missed * interval;
            RULE_METRICS.missed.get_or_create(&labels).inc_by(missed as u64);
            RULE_METRICS.iterations.get_or_create(&labels).inc_by(missed as u64);
            tracing::warn!(group = %group.name, missed, "rule group evaluation overran its interval");
        }
        t = next;
    }
}
