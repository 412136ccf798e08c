//! The scrape manager: one pool per scrape job, created, reloaded and removed
//! as the configuration changes, fed target groups by discovery.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::Mutex;

use crate::config::ScrapeConfig;
use crate::discovery::TargetGroup;
use crate::series::Appender;

use super::error::ScrapeError;
use super::metrics::SCRAPE_METRICS;
use super::pool::{DroppedTarget, ScrapePool};
use super::status::ActiveTarget;
use crate::ring::Shard;

pub struct ScrapeManager {
    appender: Arc<dyn Appender>,
    pools: Mutex<BTreeMap<String, ScrapePool>>,
    offset_seed: u64,
    shard: parking_lot::Mutex<Shard>,
}

/// One pool's targets, for the API.
pub struct PoolTargets {
    pub pool: String,
    pub active: Vec<Arc<ActiveTarget>>,
    pub dropped: Vec<DroppedTarget>,
    pub dropped_total: usize,
}

impl ScrapeManager {
    /// `offset_seed` shifts every target's phase; Prometheus derives it from
    /// the external labels so HA pairs do not scrape in lockstep.
    pub fn new(appender: Arc<dyn Appender>, offset_seed: u64) -> Self {
        ScrapeManager::with_shard(appender, offset_seed, Shard::All)
    }

    /// A manager that scrapes only `shard`'s targets (a cluster scraper).
    pub fn with_shard(appender: Arc<dyn Appender>, offset_seed: u64, shard: Shard) -> Self {
        ScrapeManager {
            appender,
            pools: Mutex::new(BTreeMap::new()),
            offset_seed,
            shard: parking_lot::Mutex::new(shard),
        }
    }

    /// Moves to a new share of the targets (the scraper ring changed).
    pub async fn reshard(&self, shard: Shard) {
        let mut pools = self.pools.lock().await;
        *self.shard.lock() = shard.clone();
        for pool in pools.values_mut() {
            pool.reshard(shard.clone());
        }
    }

    /// How many targets this node scrapes.
    pub async fn active_count(&self) -> usize {
        self.pools.lock().await.values().map(|pool| pool.active_count()).sum()
    }

    /// Applies the scrape jobs of a (re)loaded configuration. Unchanged jobs
    /// keep running untouched; changed jobs keep their targets' state.
    /// Checks every job before changing anything.
    pub async fn apply(&self, configs: Vec<ScrapeConfig>) -> Result<(), ScrapeError> {
        let mut fresh = BTreeMap::new();
        // Building a pool builds its HTTP client, which checks TLS files and
        // the like; new jobs then use the pools built here.
        let mut built = BTreeMap::new();
        for config in &configs {
            let shard = self.shard.lock().clone();
            let pool = ScrapePool::new(config.clone(), self.appender.clone(), self.offset_seed, shard)
                .map_err(|error| ScrapeError::Request(format!("scrape job {:?}: {error}", config.job_name)))?;
            built.insert(config.job_name.clone(), pool);
        }
        let mut pools = self.pools.lock().await;
        let removed: Vec<String> =
            pools.keys().filter(|name| !configs.iter().any(|config| &config.job_name == *name)).cloned().collect();
        for name in removed {
            if let Some(mut pool) = pools.remove(&name) {
                pool.stop_all();
            }
        }
        for config in configs {
            let name = config.job_name.clone();
            match pools.remove(&name) {
                Some(pool) if *pool.config() == config => {
                    fresh.insert(name, pool);
                }
                Some(mut pool) => {
                    pool.reload(config).await?;
                    fresh.insert(name, pool);
                }
                None => {
                    let pool = match built.remove(&name) {
                        Some(pool) => pool,
                        None => {
                            let shard = self.shard.lock().clone();
                            ScrapePool::new(config, self.appender.clone(), self.offset_seed, shard)?
                        }
                    };
                    fresh.insert(name, pool);
                }
            }
        }
        *pools = fresh;
        SCRAPE_METRICS.reloads.inc();
        Ok(())
    }

    /// Applies a job's current target groups (all of them).
    pub async fn sync(&self, job: &str, groups: Vec<TargetGroup>) {
        if let Some(pool) = self.pools.lock().await.get_mut(job) {
            pool.sync(groups);
        }
    }

    pub async fn pool_names(&self) -> Vec<String> {
        self.pools.lock().await.keys().cloned().collect()
    }

    pub async fn targets(&self) -> Vec<PoolTargets> {
        let pools = self.pools.lock().await;
        pools
            .values()
            .map(|pool| {
                let (dropped, dropped_total) = pool.dropped();
                PoolTargets {
                    pool: pool.name().to_string(),
                    active: pool.active(),
                    dropped: dropped.to_vec(),
                    dropped_total,
                }
            })
            .collect()
    }

    /// Stops every loop, writing staleness markers for all targets: this
    /// scraper leaves the cluster gracefully and gives its targets up.
    pub async fn give_up_all(&self) {
        let mut pools = self.pools.lock().await;
        // Later syncs and reloads must not start loops again.
        *self.shard.lock() = Shard::nothing();
        for pool in pools.values_mut() {
            pool.give_up().await;
        }
    }

    /// Stops all loops without staleness markers.
    pub async fn shutdown(&self) {
        let mut pools = self.pools.lock().await;
        for pool in pools.values_mut() {
            pool.shutdown().await;
        }
    }
}
