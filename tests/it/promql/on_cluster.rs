//! The cluster backend of the PromQL test files: a loopback cluster of
//! `cluster/launch.sh` (5 storage nodes, RF 3, so that no node holds every
//! series) and, in this process, the same seams `sonde scraper` and `sonde
//! query` build: a distributor for the loads and a fan-out queryable for
//! the evals, following the membership as a registered query node.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use sonde::cluster::storage_ring::{RingCache, StorageRing};
use sonde::cluster::{Member, MemberOptions, MetaClient};
use sonde::ingest::distributor::{Distributor, DistributorOptions};
use sonde::meta::Role;
use sonde::query::{FanoutOptions, FanoutQueryable};
use sonde::storage::StoragePool;

use super::runner::Backend;
use crate::cluster::{Cluster, eventually};

pub const STORAGE_NODES: usize = 5;

/// Starts the cluster; the test files load samples out of order and at
/// 1970 timestamps, so storage accepts any order and keeps everything.
pub fn start_cluster() -> Cluster {
    let flags = [
        "--storage-flag=--storage.tsdb.out-of-order-time-window=100y",
        "--storage-flag=--storage.tsdb.retention.time=0",
    ];
    Cluster::up_with(0, STORAGE_NODES, "scrape_configs: []\n", &flags)
}

/// The cluster's seams, once the member sees every storage node active.
/// Call inside the runtime.
pub async fn backend(cluster: &Cluster) -> (Backend, Arc<Member>) {
    let client = MetaClient::new(cluster.meta_addresses()).expect("meta client");
    let options = MemberOptions {
        id: 0x5eed_0001,
        roles: vec![Role::Query],
        address: "127.0.0.1:9".to_string(),
        zone: None,
        heartbeat_interval: Duration::from_millis(300),
        frozen_after: Duration::from_secs(1),
    };
    let member = Member::new(client, options);
    member.start();
    let watched = member.clone();
    tokio::task::spawn_blocking(move || {
        eventually("every storage node active in the test's membership", Duration::from_secs(30), || {
            (watched.membership().active(Role::Storage).count() == STORAGE_NODES).then_some(())
        })
    })
    .await
    .unwrap();
    let pool = Arc::new(StoragePool::new());
    let distributor = Distributor::new(
        RingCache::new(member.subscribe(), StorageRing::new),
        pool.clone(),
        DistributorOptions::default(),
    );
    let fanout = FanoutQueryable::new(
        RingCache::new(member.subscribe(), StorageRing::new),
        pool,
        FanoutOptions { replication_factor: 3, ..FanoutOptions::default() },
    );
    let backend =
        Backend::Cluster { appender: Arc::new(distributor), queryable: Arc::new(fanout), tenants: AtomicUsize::new(0) };
    (backend, member)
}
