//! What every cluster role shares: its membership agent and the cluster
//! status endpoint.

use std::sync::Arc;

use anyhow::{Result, anyhow};

use crate::api::{self, ClusterStatusFn, NodeInfo};
use crate::cli::MemberArgs;
use crate::cluster::{Member, MemberOptions, MetaClient, status};
use crate::config::Duration;
use crate::meta::Role;

pub fn duration(flag: &str, text: &str) -> Result<std::time::Duration> {
    Ok(Duration::parse(text).map_err(|e| anyhow!("invalid --{flag}: {e}"))?.to_std())
}

/// A node id from its advertised address: stable across restarts at the same
/// address, and below 2^53 so that JSON readers keep it exact.
pub fn id_from_address(address: &str) -> u64 {
    (xxhash_rust::xxh3::xxh3_64(address.as_bytes()) & ((1 << 53) - 1)).max(1)
}

/// The membership agent of a node with `roles`, reachable at `listen`
/// unless the flags advertise another address.
pub fn member(args: &MemberArgs, roles: Vec<Role>, listen: &str, meta: Vec<String>) -> Result<Arc<Member>> {
    let address = args.advertise_address.clone().unwrap_or_else(|| listen.to_string());
    let heartbeat_interval = duration("cluster.heartbeat-interval", &args.heartbeat_interval)?;
    let id = args.node_id.unwrap_or_else(|| id_from_address(&address));
    if id == 0 {
        return Err(anyhow!("--node.id must be a positive integer"));
    }
    let client = MetaClient::new(meta).map_err(|e| anyhow!("{e}"))?;
    let options = MemberOptions {
        id,
        roles,
        address,
        zone: args.zone.clone().filter(|zone| !zone.is_empty()),
        heartbeat_interval,
        frozen_after: heartbeat_interval * 3,
    };
    Ok(Member::new(client, options))
}

/// `/api/v1/status/cluster` on a cluster node.
pub fn status_source(member: Arc<Member>) -> ClusterStatusFn {
    Arc::new(move || {
        let member = member.clone();
        Box::pin(async move {
            let reply = status::fetch(member.client()).await;
            let local = member.membership();
            status::to_json(reply.as_ref(), Some(&local))
        })
    })
}

/// What a cluster role reports at `/api/v1/status/flags` and the like.
pub fn node_info<'a>(flags: impl IntoIterator<Item = (&'a str, String)>, config_text: String) -> NodeInfo {
    NodeInfo {
        flags: flags.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        config_text: parking_lot::RwLock::new(config_text),
        last_reload: parking_lot::RwLock::new((true, api::time::now_millis())),
        start_millis: api::time::now_millis(),
        ready: true.into(),
        admin_enabled: false,
    }
}

/// The multi-threaded runtime every server role runs on.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")
}
