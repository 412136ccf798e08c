//! Every tenant's TSDB under one data directory (`<data>/tenants/<tenant>/`), as
//! Mimir keeps one TSDB per tenant: the local implementation of the
//! `Appender` and `Queryable` seams.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use parking_lot::RwLock;

use crate::series::{self, AppendBatch, AppendOutcome, Appender, ChunkedSeries, Matcher, Queryable, SelectHints};

use super::db::Tsdb;
use super::error::Error;
use super::options::TsdbOptions;

/// Takes the data directory's lock file, as Prometheus does with its `lock`.
fn lock_dir(dir: &Path) -> Result<std::fs::File, Error> {
    let path = dir.join("lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(Error::io("open", &path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Locked(dir.to_path_buf())),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io("lock", &path)(e)),
    }
}

/// Checks a tenant name, as an error of this module.
pub fn validate_tenant(tenant: &str) -> Result<(), Error> {
    series::validate_tenant(tenant).map_err(|_| Error::InvalidTenant(tenant.to_string()))
}

pub struct Storage {
    dir: PathBuf,
    /// Held (with an exclusive lock) while the storage is open, so that a
    /// second process cannot open the same data directory.
    _lock: std::fs::File,
    options: TsdbOptions,
    tenants: RwLock<HashMap<String, Arc<Tsdb>>>,
}

impl Storage {
    /// Opens every tenant found under `dir` (replaying their WALs).
    pub fn open(dir: &Path, options: TsdbOptions) -> Result<Storage, Error> {
        let tenants_dir = dir.join("tenants");
        std::fs::create_dir_all(&tenants_dir).map_err(Error::io("create", &tenants_dir))?;
        let lock = lock_dir(dir)?;
        let mut tenants = HashMap::new();
        for entry in std::fs::read_dir(&tenants_dir).map_err(Error::io("read", &tenants_dir))? {
            let path = entry.map_err(Error::io("read", &tenants_dir))?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
            if path.is_dir() && validate_tenant(name).is_ok() {
                tracing::info!(tenant = name, "opening tsdb");
                tenants.insert(name.to_string(), Arc::new(Tsdb::open(&path, options.clone())?));
            }
        }
        Ok(Storage { dir: dir.to_path_buf(), _lock: lock, options, tenants: RwLock::new(tenants) })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn options(&self) -> &TsdbOptions {
        &self.options
    }

    /// The tenant's TSDB, if it has any data.
    pub fn tenant(&self, tenant: &str) -> Option<Arc<Tsdb>> {
        self.tenants.read().get(tenant).cloned()
    }

    /// The tenant's TSDB, created on first write.
    pub fn tenant_or_create(&self, tenant: &str) -> Result<Arc<Tsdb>, Error> {
        if let Some(db) = self.tenant(tenant) {
            return Ok(db);
        }
        validate_tenant(tenant)?;
        let mut tenants = self.tenants.write();
        if let Some(db) = tenants.get(tenant) {
            return Ok(db.clone());
        }
        let db = Arc::new(Tsdb::open(&self.dir.join("tenants").join(tenant), self.options.clone())?);
        tenants.insert(tenant.to_string(), db.clone());
        Ok(db)
    }

    pub fn all_tenants(&self) -> Vec<(String, Arc<Tsdb>)> {
        let mut all: Vec<_> = self.tenants.read().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// Upkeep of every tenant; failures are logged per tenant.
    pub fn maintain(&self) {
        for (tenant, db) in self.all_tenants() {
            if let Err(e) = db.maintain() {
                tracing::error!(tenant, error = %e, "tsdb maintenance failed");
                super::metrics::MAINTENANCE_FAILURES.inc();
            }
        }
    }

    /// A snapshot of every tenant under `<data>/snapshots/<name>/<tenant>/`.
    pub fn snapshot(&self, name: &str, with_head: bool) -> Result<PathBuf, Error> {
        let target = self.dir.join("snapshots").join(name);
        for (tenant, db) in self.all_tenants() {
            db.snapshot(&target.join(tenant), with_head)?;
        }
        std::fs::create_dir_all(&target).map_err(Error::io("create", &target))?;
        Ok(target)
    }

    pub fn sync(&self) -> Result<(), Error> {
        for (_, db) in self.all_tenants() {
            db.sync()?;
        }
        Ok(())
    }
}

#[async_trait]
impl Appender for Storage {
    async fn append(&self, tenant: &str, batch: &AppendBatch<'_>) -> Result<AppendOutcome, series::Error> {
        let db = self.tenant_or_create(tenant)?;
        let outcome = db.append(batch)?;
        super::metrics::record_append(&outcome);
        Ok(outcome)
    }
}

#[async_trait]
impl Queryable for Storage {
    async fn select(
        &self,
        tenant: &str,
        hints: &SelectHints,
        matchers: &[Matcher],
    ) -> Result<Vec<ChunkedSeries>, series::Error> {
        validate_tenant(tenant)?;
        match self.tenant(tenant) {
            Some(db) => Ok(db.select(hints, matchers)?),
            None => Ok(Vec::new()),
        }
    }

    async fn label_names(
        &self,
        tenant: &str,
        hints: &SelectHints,
        matchers: &[Matcher],
    ) -> Result<Vec<String>, series::Error> {
        validate_tenant(tenant)?;
        match self.tenant(tenant) {
            Some(db) => Ok(db.label_names(hints, matchers)?),
            None => Ok(Vec::new()),
        }
    }

    async fn label_values(
        &self,
        tenant: &str,
        name: &str,
        hints: &SelectHints,
        matchers: &[Matcher],
    ) -> Result<Vec<String>, series::Error> {
        validate_tenant(tenant)?;
        match self.tenant(tenant) {
            Some(db) => Ok(db.label_values(name, hints, matchers)?),
            None => Ok(Vec::new()),
        }
    }

    async fn tsdb_status(&self, tenant: &str, limit: usize) -> Result<series::TsdbStatus, series::Error> {
        validate_tenant(tenant)?;
        let Some(db) = self.tenant(tenant) else { return Ok(series::TsdbStatus::default()) };
        let head = db.head();
        let cardinality = head.cardinality(limit);
        let mut chunk_count = 0u64;
        head.for_each_series(|_, s| chunk_count += s.chunks.len() as u64 + 1);
        let empty = head.is_empty();
        Ok(series::TsdbStatus {
            num_series: head.num_series(),
            num_label_pairs: head.num_label_pairs(),
            chunk_count,
            min_time: if empty { 0 } else { head.min_time() },
            max_time: if empty { 0 } else { head.max_time() },
            series_count_by_metric_name: cardinality.series_count_by_metric_name,
            label_value_count_by_label_name: cardinality.label_value_count_by_label_name,
            memory_in_bytes_by_label_name: cardinality.memory_in_bytes_by_label_name,
            series_count_by_label_value_pair: cardinality.series_count_by_label_value_pair,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_names_follow_mimir() {
        assert!(validate_tenant("team-a_1.(x)").is_ok());
        assert!(validate_tenant("a/b").is_err());
    }
}
