//! `sonde meta`: one voter of the meta Raft group. It serves the Raft and
//! membership gRPC services, tracks liveness while it leads, registers
//! itself as a member, and serves /metrics, health and the cluster status
//! over HTTP.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow};

use crate::api::{self, ApiState, NodeInfo};
use crate::cli::{MemberArgs, MetaArgs};
use crate::meta::Role;
use crate::meta::node::{self, MetaOptions};
use crate::telemetry;

use super::member::{duration, member, status_source};

/// How long a stopping meta node waits to record that it leaves; without a
/// quorum it stops anyway.
const LEAVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

pub fn run(args: MetaArgs) -> Result<()> {
    // openraft logs every vote and election at info.
    telemetry::init_logging(&format!("{},openraft=error", args.log_level), "sonde-meta");
    super::member::runtime()?.block_on(serve(args))
}

async fn serve(args: MetaArgs) -> Result<()> {
    if args.node_id == 0 {
        return Err(anyhow!("--node.id must be a positive integer"));
    }
    let initial_members =
        node::parse_members(&args.initial_members).map_err(|e| anyhow!("invalid --meta.initial-members: {e}"))?;
    let advertise = args.advertise_address.clone().unwrap_or_else(|| args.grpc_listen_address.clone());
    let meta_addresses = if args.meta_addresses.is_empty() {
        initial_members.values().cloned().collect()
    } else {
        args.meta_addresses.clone()
    };
    if meta_addresses.is_empty() {
        return Err(anyhow!("give --meta.initial-members (to bootstrap) or --meta.addresses (to join)"));
    }
    let dead_after = duration("cluster.dead-after", &args.dead_after)?;
    let grpc = tokio::net::TcpListener::bind(&args.grpc_listen_address)
        .await
        .with_context(|| format!("cannot listen on {}", args.grpc_listen_address))?;
    let http = tokio::net::TcpListener::bind(&args.listen_address)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen_address))?;
    std::fs::create_dir_all(&args.data_dir).with_context(|| format!("cannot create {}", args.data_dir.display()))?;
    let options = MetaOptions { id: args.node_id, data_dir: args.data_dir.clone(), initial_members, dead_after };
    let handle = node::start(options).await.with_context(|| format!("cannot start meta node {}", args.node_id))?;
    telemetry::register(crate::cluster::metrics::register);

    let member_args = MemberArgs {
        node_id: Some(args.node_id),
        advertise_address: Some(advertise.clone()),
        zone: None,
        heartbeat_interval: args.heartbeat_interval.clone(),
    };
    let member = member(&member_args, vec![Role::Meta], &advertise, meta_addresses)?;
    member.start();

    let shutdown = Arc::new(tokio::sync::Notify::new());
    let grpc_stop = Arc::new(tokio::sync::Notify::new());
    let stop = grpc_stop.clone();
    let grpc_task = tokio::spawn(node::serve(handle, grpc, async move { stop.notified().await }));

    let state = ApiState {
        query: None,
        storage: None,
        info: Arc::new(node_info(&args)),
        lifecycle: None,
        scrape: None,
        rules: None,
        notifier: None,
        cluster: Some(status_source(member.clone())),
        federation: None,
    };
    tracing::info!(id = args.node_id, grpc = %args.grpc_listen_address, http = %args.listen_address, "meta node is ready");
    axum::serve(http, api::router(state)).with_graceful_shutdown(super::all::shutdown_signal(shutdown)).await?;
    // A meta voter that stops turns Leaving but keeps its id, its record and
    // its Raft membership: it registers again when it returns. Removing it
    // from the Raft group is `sonde cluster remove-meta`.
    match tokio::time::timeout(LEAVE_TIMEOUT, member.pause()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "cannot mark this meta node leaving"),
        Err(_) => tracing::warn!("cannot mark this meta node leaving: no answer in time"),
    }
    grpc_stop.notify_one();
    grpc_task.await.context("the gRPC server task failed")??;
    Ok(())
}

fn node_info(args: &MetaArgs) -> NodeInfo {
    let flags = [
        ("node.id", args.node_id.to_string()),
        ("grpc.listen-address", args.grpc_listen_address.clone()),
        ("web.listen-address", args.listen_address.clone()),
        ("storage.path", args.data_dir.display().to_string()),
        ("meta.initial-members", args.initial_members.clone()),
        ("cluster.dead-after", args.dead_after.clone()),
        ("cluster.heartbeat-interval", args.heartbeat_interval.clone()),
    ];
    super::member::node_info(flags, String::new())
}
