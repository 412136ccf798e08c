//! `sonde all`: the TSDB, the remote-write receiver and the HTTP API in one
//! process, wired through the in-process implementations of the seams.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use parking_lot::RwLock;

use crate::api::{self, ApiState, Lifecycle, NodeInfo};
use crate::cli::AllArgs;
use crate::config::{ByteSize, Config, Duration};
use crate::tsdb::{Storage, TsdbOptions};
use crate::{ingest, telemetry};

pub fn run(args: AllArgs) -> Result<()> {
    telemetry::init_logging(&args.log_level);
    let (config, config_text) = load_config(&args)?;
    let options = tsdb_options(&args, &config)?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    runtime.block_on(serve(args, options, config_text))
}

/// The configuration file; when the default file is absent, an empty one.
fn load_config(args: &AllArgs) -> Result<(Config, String)> {
    let is_default = args.config_file.as_os_str() == "prometheus.yml";
    if is_default && !args.config_file.exists() {
        tracing::info!("no prometheus.yml here; starting with an empty configuration");
        return Ok((Config::parse("{}", &args.config_file)?, String::new()));
    }
    let config = Config::load(&args.config_file)?;
    let text = std::fs::read_to_string(&args.config_file)
        .with_context(|| format!("cannot read {}", args.config_file.display()))?;
    Ok((config, text))
}

fn parse_duration(flag: &str, text: &str) -> Result<i64> {
    let duration = Duration::parse(text).map_err(|e| anyhow!("invalid --{flag}: {e}"))?;
    Ok(duration.milliseconds() as i64)
}

fn tsdb_options(args: &AllArgs, config: &Config) -> Result<TsdbOptions> {
    let retention_bytes = ByteSize::parse(&args.retention_size)
        .map_err(|e| anyhow!("invalid --storage.tsdb.retention.size: {e}"))?
        .bytes();
    let mut options = TsdbOptions {
        block_duration_ms: parse_duration("storage.tsdb.min-block-duration", &args.min_block_duration)?,
        retention_ms: parse_duration("storage.tsdb.retention.time", &args.retention_time)?,
        retention_bytes,
        out_of_order_window_ms: config.storage.tsdb.out_of_order_time_window.milliseconds() as i64,
        wal_fsync: args.wal_fsync,
        maintenance_interval: Duration::parse(&args.maintenance_interval)
            .map_err(|e| anyhow!("invalid --storage.tsdb.maintenance-interval: {e}"))?
            .to_std(),
        ..TsdbOptions::default()
    };
    if options.block_duration_ms <= 0 {
        return Err(anyhow!("--storage.tsdb.min-block-duration must be positive"));
    }
    options = options.with_derived_max_block();
    if let Some(max) = &args.max_block_duration {
        options.max_block_duration_ms =
            parse_duration("storage.tsdb.max-block-duration", max)?.max(options.block_duration_ms);
    }
    Ok(options)
}

async fn serve(args: AllArgs, options: TsdbOptions, config_text: String) -> Result<()> {
    let data_dir = args.data_dir.clone();
    let maintenance_interval = options.maintenance_interval;
    let storage = tokio::task::spawn_blocking(move || Storage::open(&data_dir, options))
        .await?
        .with_context(|| format!("cannot open the TSDB in {}", args.data_dir.display()))?;
    let storage = Arc::new(storage);
    telemetry::register(crate::tsdb::metrics::register);
    telemetry::register(crate::ingest::metrics::register);
    let for_metrics = storage.clone();
    telemetry::on_scrape(move || crate::tsdb::metrics::refresh(&for_metrics));
    spawn_maintenance(storage.clone(), maintenance_interval);

    let shutdown = Arc::new(tokio::sync::Notify::new());
    let info = Arc::new(NodeInfo {
        flags: args.as_flag_map(),
        config_text: RwLock::new(config_text),
        last_reload: RwLock::new((true, api::time::now_millis())),
        start_millis: api::time::now_millis(),
        ready: true.into(),
        admin_enabled: args.enable_admin_api,
    });
    let lifecycle = args.enable_lifecycle.then(|| Arc::new(reload_hook(&args, info.clone(), shutdown.clone())));
    let max_write_bytes = ByteSize::parse(&args.max_write_bytes)
        .map_err(|e| anyhow!("invalid --web.remote-write.max-decoded-bytes: {e}"))?
        .bytes() as usize;
    let engine = Arc::new(crate::promql::Engine::new(storage.clone(), crate::promql::EngineOptions::default()));
    let state = ApiState {
        queryable: storage.clone(),
        engine,
        appender: storage.clone(),
        storage: Some(storage.clone()),
        info,
        lifecycle,
    };
    let app = api::router(state).merge(ingest::router(storage.clone(), max_write_bytes));

    let listener = tokio::net::TcpListener::bind(&args.listen_address)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen_address))?;
    tracing::info!(address = %args.listen_address, "sonde is ready");
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal(shutdown)).await?;
    tracing::info!("shutting down; syncing the WAL");
    tokio::task::spawn_blocking(move || storage.sync()).await??;
    Ok(())
}

fn spawn_maintenance(storage: Arc<Storage>, interval: std::time::Duration) {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            let storage = storage.clone();
            if let Err(e) = tokio::task::spawn_blocking(move || storage.maintain()).await {
                tracing::error!(error = %e, "tsdb maintenance task panicked");
            }
        }
    });
}

/// `/-/reload` re-reads and checks the configuration file.
fn reload_hook(args: &AllArgs, info: Arc<NodeInfo>, shutdown: Arc<tokio::sync::Notify>) -> Lifecycle {
    let args = args.clone();
    Lifecycle {
        reload: Box::new(move || {
            let result = load_config(&args).map_err(|e| format!("{e:#}"));
            let ok = result.is_ok();
            *info.last_reload.write() = (ok, api::time::now_millis());
            let (_, text) = result?;
            *info.config_text.write() = text;
            tracing::info!("configuration reloaded");
            Ok(())
        }),
        shutdown,
    }
}

async fn shutdown_signal(quit: Arc<tokio::sync::Notify>) {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(signal) => signal,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM");
            let _ = interrupt.await;
            return;
        }
    };
    tokio::select! {
        _ = interrupt => tracing::info!("received SIGINT"),
        _ = terminate.recv() => tracing::info!("received SIGTERM"),
        _ = quit.notified() => tracing::info!("termination requested through /-/quit"),
    }
}
