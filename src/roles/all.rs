//! `sonde all`: the TSDB, the remote-write receiver and the HTTP API in one
//! process, wired through the in-process implementations of the seams.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use parking_lot::RwLock;

use crate::api::{self, ApiState, NodeInfo};
use crate::cli::{AlertingArgs, AllArgs, TsdbArgs};
use crate::config::{ByteSize, Config, Duration};
use crate::discovery::DiscoveryManager;
use crate::notifier::Notifier;
use crate::rules::{RuleContext, RuleManager, RuleOptions};

use super::alerting::Alerting;
use super::reload::{Reloadable, record_reload, reload_hooks};
use crate::scrape::ScrapeManager;
use crate::tsdb::{Storage, TsdbOptions};
use crate::{ingest, telemetry};

pub fn run(args: AllArgs) -> Result<()> {
    telemetry::init_logging(&args.log_level, "sonde");
    let (config, config_text) = load_config(&args)?;
    let options = tsdb_options(&args.tsdb, config.storage.tsdb.out_of_order_time_window.milliseconds() as i64)?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    runtime.block_on(serve(args, options, config, config_text))
}

/// The configuration file; when the default file is absent, an empty one.
fn load_config(args: &AllArgs) -> Result<(Config, String)> {
    load_config_file(&args.config_file)
}

/// The configuration file and its text; when the default `prometheus.yml`
/// is absent, an empty configuration.
pub(crate) fn load_config_file(path: &std::path::Path) -> Result<(Config, String)> {
    let is_default = path.as_os_str() == "prometheus.yml";
    if is_default && !path.exists() {
        tracing::info!("no prometheus.yml here; starting with an empty configuration");
        return Ok((Config::parse("{}", path)?, String::new()));
    }
    let config = Config::load(path)?;
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok((config, text))
}

fn parse_duration(flag: &str, text: &str) -> Result<i64> {
    let duration = Duration::parse(text).map_err(|e| anyhow!("invalid --{flag}: {e}"))?;
    Ok(duration.milliseconds() as i64)
}

pub(crate) fn tsdb_options(args: &TsdbArgs, out_of_order_window_ms: i64) -> Result<TsdbOptions> {
    let retention_bytes = ByteSize::parse(&args.retention_size)
        .map_err(|e| anyhow!("invalid --storage.tsdb.retention.size: {e}"))?
        .bytes();
    let mut options = TsdbOptions {
        block_duration_ms: parse_duration("storage.tsdb.min-block-duration", &args.min_block_duration)?,
        retention_ms: parse_duration("storage.tsdb.retention.time", &args.retention_time)?,
        retention_bytes,
        out_of_order_window_ms,
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

async fn serve(args: AllArgs, options: TsdbOptions, config: Config, config_text: String) -> Result<()> {
    let data_dir = args.tsdb.data_dir.clone();
    let maintenance_interval = options.maintenance_interval;
    let storage = tokio::task::spawn_blocking(move || Storage::open(&data_dir, options))
        .await?
        .with_context(|| format!("cannot open the TSDB in {}", args.tsdb.data_dir.display()))?;
    let storage = Arc::new(storage);
    telemetry::register(crate::tsdb::metrics::register);
    telemetry::register(crate::ingest::metrics::register);
    telemetry::register(crate::scrape::register_metrics);
    telemetry::register(crate::rules::register_metrics);
    telemetry::register(crate::notifier::register_metrics);
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
    let throttle = Duration::parse(&args.discovery_reload_interval)
        .map_err(|e| anyhow!("invalid --scrape.discovery-reload-interval: {e}"))?
        .to_std();
    let scrape = Arc::new(ScrapeManager::new(storage.clone(), offset_seed(&config)));
    let discovery = Arc::new(DiscoveryManager::new(throttle));
    let engine = Arc::new(crate::promql::Engine::new(storage.clone(), crate::promql::EngineOptions::default()));
    let notifier =
        Notifier::new(args.alerting.notification_queue_capacity, &format!("Sonde/{}", env!("CARGO_PKG_VERSION")));
    tokio::spawn(notifier.clone().run());
    let rules = Arc::new(RuleManager::new(Arc::new(RuleContext {
        engine: engine.clone(),
        queryable: storage.clone(),
        appender: storage.clone(),
        notifier: Some(notifier.clone()),
        tenant: crate::series::DEFAULT_TENANT.to_string(),
        external_url: external_url(&args.alerting, &args.listen_address),
        options: rule_options(&args.alerting)?,
        external_labels: Default::default(),
    })));
    let reloader = Arc::new(Reloader {
        args: args.clone(),
        info: info.clone(),
        scrape: scrape.clone(),
        discovery,
        alerting: Alerting::new(rules.clone(), notifier.clone(), throttle),
    });
    reloader.apply(&config).await.map_err(|e| anyhow!("{e}"))?;
    tokio::spawn(feed_targets(reloader.clone()));
    let lifecycle = reload_hooks(reloader.clone(), args.enable_lifecycle, shutdown.clone());
    let max_write_bytes = ByteSize::parse(&args.max_write_bytes)
        .map_err(|e| anyhow!("invalid --web.remote-write.max-decoded-bytes: {e}"))?
        .bytes() as usize;
    let state = ApiState {
        query: Some(api::QueryApi { queryable: storage.clone(), engine }),
        storage: Some(storage.clone()),
        info,
        lifecycle,
        scrape: Some(scrape.clone()),
        rules: Some(rules.clone()),
        notifier: Some(notifier.clone()),
        cluster: None,
        federation: None,
    };
    let app = api::router(state)
        .merge(ingest::router(storage.clone(), max_write_bytes))
        .merge(crate::web::prometheus_router());

    let listener = tokio::net::TcpListener::bind(&args.listen_address)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen_address))?;
    tracing::info!(address = %args.listen_address, "sonde is ready");
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal(shutdown)).await?;
    tracing::info!("shutting down; syncing the WAL");
    reloader.discovery.stop();
    reloader.alerting.stop().await;
    scrape.shutdown().await;
    tokio::task::spawn_blocking(move || storage.sync()).await??;
    Ok(())
}

pub(crate) fn spawn_maintenance(storage: Arc<Storage>, interval: std::time::Duration) {
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

/// Spreads scrape phases by the external labels, as Prometheus does, so two
/// replicas of an HA pair do not scrape at the same instant.
pub(crate) fn offset_seed(config: &Config) -> u64 {
    let pairs = config.global.external_labels.iter().map(|(name, value)| (name.as_str(), value.as_str()));
    crate::series::hash_pairs(pairs)
}

/// `--web.external-url`, or Prometheus' default `http://<hostname>:<port>`.
pub(crate) fn external_url(args: &AlertingArgs, listen_address: &str) -> String {
    configured_or_local_url(args.external_url.as_deref(), listen_address)
}

/// `--web.external-url` without a trailing slash, else
/// `http://<hostname>:<listen port>`.
pub(crate) fn configured_or_local_url(configured: Option<&str>, listen_address: &str) -> String {
    if let Some(url) = configured {
        return url.trim_end_matches('/').to_string();
    }
    let port = listen_address.rsplit_once(':').map_or("80", |(_, port)| port);
    let host = crate::host::name().unwrap_or_else(|| "localhost".to_string());
    format!("http://{host}:{port}")
}

pub(crate) fn rule_options(args: &AlertingArgs) -> Result<RuleOptions> {
    Ok(RuleOptions {
        resend_delay_ms: parse_duration("rules.alert.resend-delay", &args.resend_delay)?,
        for_outage_tolerance_ms: parse_duration("rules.alert.for-outage-tolerance", &args.for_outage_tolerance)?,
        for_grace_period_ms: parse_duration("rules.alert.for-grace-period", &args.for_grace_period)?,
    })
}

/// Applies (re)loaded configurations to discovery, scraping, rules and alerting.
struct Reloader {
    args: AllArgs,
    info: Arc<NodeInfo>,
    scrape: Arc<ScrapeManager>,
    discovery: Arc<DiscoveryManager>,
    alerting: Arc<Alerting>,
}

#[async_trait::async_trait]
impl Reloadable for Reloader {
    async fn reload(&self) -> Result<(), String> {
        let result = match load_config(&self.args) {
            Ok((config, text)) => self.apply(&config).await.map(|()| text),
            Err(e) => Err(format!("{e:#}")),
        };
        record_reload(&self.info, result)
    }
}

impl Reloader {
    async fn apply(&self, config: &Config) -> Result<(), String> {
        let jobs = config.all_scrape_configs().map_err(|e| e.to_string())?;
        let discovery: Vec<_> = jobs.iter().map(|job| (job.job_name.clone(), job.discovery.clone())).collect();
        DiscoveryManager::check(&discovery)?;
        let alerting = Alerting::check(config)?;
        self.scrape.apply(jobs).await.map_err(|e| e.to_string())?;
        self.discovery.apply(discovery)?;
        self.alerting.apply(config, alerting).await
    }
}

/// Hands discovered targets to the scrape manager, throttled.
async fn feed_targets(reloader: Arc<Reloader>) {
    loop {
        for (job, groups) in reloader.discovery.next_updates().await {
            reloader.scrape.sync(&job, groups).await;
        }
    }
}

pub(crate) async fn shutdown_signal(quit: Arc<tokio::sync::Notify>) {
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
