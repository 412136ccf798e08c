//! `sonde query`: the PromQL engine and the Prometheus HTTP API over the
//! fan-out `Queryable`, which reads from every storage node and merges the
//! replicas.

use std::sync::Arc;

use anyhow::{Context, Result};

use crate::api::{self, ApiState, NodeInfo, QueryApi};
use crate::cli::QueryArgs;
use crate::cluster::storage_ring::{RingCache, StorageRing};
use crate::meta::Role;
use crate::promql::{Engine, EngineOptions};
use crate::query::{FanoutOptions, FanoutQueryable};
use crate::storage::StoragePool;
use crate::telemetry;

use super::all::shutdown_signal;
use super::member::{duration, member, status_source};

pub fn run(args: QueryArgs) -> Result<()> {
    telemetry::init_logging(&args.log_level, "sonde-query");
    super::member::runtime()?.block_on(serve(args))
}

async fn serve(args: QueryArgs) -> Result<()> {
    let timeout = duration("query.timeout", &args.query_timeout)?;
    let listener = tokio::net::TcpListener::bind(&args.listen_address)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen_address))?;
    let member = member(&args.member, vec![Role::Query], &args.listen_address, args.meta_addresses.clone())?;
    telemetry::register(crate::cluster::metrics::register);
    telemetry::register(crate::query::metrics::register);
    member.start();

    let ring = RingCache::new(member.subscribe(), StorageRing::new);
    let options = FanoutOptions { replication_factor: args.replication_factor.max(1), timeout };
    let pool = if args.grpc_compression { StoragePool::compressed() } else { StoragePool::new() };
    let queryable = Arc::new(FanoutQueryable::new(ring, Arc::new(pool), options));
    let engine = Arc::new(Engine::new(queryable.clone(), EngineOptions { timeout, ..EngineOptions::default() }));
    let state = ApiState {
        query: Some(QueryApi { queryable, engine }),
        storage: None,
        info: Arc::new(node_info(&args)),
        lifecycle: None,
        scrape: None,
        rules: None,
        notifier: None,
        cluster: Some(status_source(member.clone())),
        federation: Some(Arc::new(api::Federation::new(member.clone()))),
    };
    tracing::info!(id = member.id(), address = %args.listen_address, "query node is ready");
    let shutdown = Arc::new(tokio::sync::Notify::new());
    axum::serve(listener, api::router(state).merge(crate::web::prometheus_router()))
        .with_graceful_shutdown(shutdown_signal(shutdown))
        .await?;
    if let Err(e) = member.leave().await {
        tracing::warn!(error = %e, "cannot leave the cluster cleanly");
    }
    Ok(())
}

fn node_info(args: &QueryArgs) -> NodeInfo {
    let flags = [
        ("web.listen-address", args.listen_address.clone()),
        ("meta.addresses", args.meta_addresses.join(",")),
        ("distributor.replication-factor", args.replication_factor.to_string()),
        ("query.timeout", args.query_timeout.clone()),
        ("storage.grpc-compression", args.grpc_compression.to_string()),
    ];
    super::member::node_info(flags, String::new())
}
