//! `sonde storage`: the TSDB behind the storage gRPC service. It opens (and
//! replays) its TSDB first, then joins the cluster as Active, so the ring
//! sends it writes only when it can take them. On SIGTERM it turns Leaving
//! (no new writes), syncs the WAL and stops; it keeps its registration and
//! data, and takes writes again when it comes back.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow};

use crate::api::{self, ApiState, NodeInfo};
use crate::cli::StorageArgs;
use crate::meta::Role;
use crate::telemetry;
use crate::tsdb::Storage;

use super::all::{shutdown_signal, spawn_maintenance, tsdb_options};
use super::member::{duration, member, status_source};

pub fn run(args: StorageArgs) -> Result<()> {
    telemetry::init_logging(&args.log_level, "sonde-storage");
    super::member::runtime()?.block_on(serve(args))
}

async fn serve(args: StorageArgs) -> Result<()> {
    let out_of_order = duration("storage.tsdb.out-of-order-time-window", &args.out_of_order_window)?;
    let options = tsdb_options(&args.tsdb, out_of_order.as_millis() as i64)?;
    let grpc = tokio::net::TcpListener::bind(&args.grpc_listen_address)
        .await
        .with_context(|| format!("cannot listen on {}", args.grpc_listen_address))?;
    let http = tokio::net::TcpListener::bind(&args.listen_address)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen_address))?;
    // Other nodes reach a storage node at its gRPC address.
    let member = member(&args.member, vec![Role::Storage], &args.grpc_listen_address, args.meta_addresses.clone())?;

    let data_dir = args.tsdb.data_dir.clone();
    let maintenance_interval = options.maintenance_interval;
    let storage = tokio::task::spawn_blocking(move || Storage::open(&data_dir, options))
        .await?
        .with_context(|| format!("cannot open the TSDB in {}", args.tsdb.data_dir.display()))?;
    let storage = Arc::new(storage);
    telemetry::register(crate::tsdb::metrics::register);
    telemetry::register(crate::cluster::metrics::register);
    telemetry::register(crate::storage::metrics::register);
    let for_metrics = storage.clone();
    telemetry::on_scrape(move || crate::tsdb::metrics::refresh(&for_metrics));
    spawn_maintenance(storage.clone(), maintenance_interval);

    let grpc_stop = Arc::new(tokio::sync::Notify::new());
    let stop = grpc_stop.clone();
    let grpc_task = tokio::spawn(crate::storage::serve(storage.clone(), grpc, async move { stop.notified().await }));
    member.start();

    let state = ApiState {
        query: None,
        storage: Some(storage.clone()),
        info: Arc::new(node_info(&args)),
        lifecycle: None,
        scrape: None,
        rules: None,
        notifier: None,
        cluster: Some(status_source(member.clone())),
        federation: None,
    };
    tracing::info!(id = member.id(), grpc = %args.grpc_listen_address, "storage node is ready");
    let shutdown = Arc::new(tokio::sync::Notify::new());
    axum::serve(http, api::router(state)).with_graceful_shutdown(shutdown_signal(shutdown)).await?;

    if let Err(e) = member.pause().await {
        tracing::warn!(error = %e, "cannot mark this node leaving; the meta leader will declare it dead");
    }
    grpc_stop.notify_one();
    grpc_task.await.context("the gRPC server task failed")?.map_err(|e| anyhow!("gRPC server: {e}"))?;
    tracing::info!("syncing the WAL");
    tokio::task::spawn_blocking(move || storage.sync()).await??;
    Ok(())
}

fn node_info(args: &StorageArgs) -> NodeInfo {
    let flags = [
        ("storage.tsdb.path", args.tsdb.data_dir.display().to_string()),
        ("storage.tsdb.retention.time", args.tsdb.retention_time.clone()),
        ("storage.tsdb.retention.size", args.tsdb.retention_size.clone()),
        ("grpc.listen-address", args.grpc_listen_address.clone()),
        ("web.listen-address", args.listen_address.clone()),
        ("meta.addresses", args.meta_addresses.join(",")),
    ];
    super::member::node_info(flags, String::new())
}
