//! `sonde ruler`: loads every rule file of the configuration and evaluates
//! the groups the ruler ring (Active rulers) gives it, reading through the
//! fan-out queryable and writing recorded series, `ALERTS` and
//! `ALERTS_FOR_STATE` through the distributor, so each group runs on exactly
//! one live ruler. A group that moves (a ruler died, joined or left)
//! restores its alerts' `for` state from storage on its new ruler. Alerts
//! go to the configured Alertmanagers, found by static lists or discovery.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow};

use crate::api::{self, ApiState, NodeInfo};
use crate::cli::RulerArgs;
use crate::cluster::follow_ruler_ring;
use crate::cluster::storage_ring::{RingCache, StorageRing};
use crate::config::Config;
use crate::ingest::distributor::{Distributor, DistributorOptions};
use crate::meta::Role;
use crate::notifier::Notifier;
use crate::promql::{Engine, EngineOptions};
use crate::query::{FanoutOptions, FanoutQueryable};
use crate::rules::{RuleContext, RuleManager};
use crate::storage::StoragePool;
use crate::telemetry;

use super::alerting::Alerting;
use super::all::{external_url, load_config_file, rule_options, shutdown_signal};
use super::member::{duration, member, status_source};
use super::reload::{Reloadable, record_reload, reload_hooks};

pub fn run(args: RulerArgs) -> Result<()> {
    telemetry::init_logging(&args.log_level, "sonde-ruler");
    super::member::runtime()?.block_on(serve(args))
}

struct Ruler {
    args: RulerArgs,
    info: Arc<NodeInfo>,
    alerting: Arc<Alerting>,
}

#[async_trait::async_trait]
impl Reloadable for Ruler {
    async fn reload(&self) -> Result<(), String> {
        let result = match load_config_file(&self.args.config_file) {
            Ok((config, text)) => self.apply(&config).await.map(|()| text),
            Err(e) => Err(format!("{e:#}")),
        };
        record_reload(&self.info, result)
    }
}

impl Ruler {
    async fn apply(&self, config: &Config) -> Result<(), String> {
        let checked = Alerting::check(config)?;
        self.alerting.apply(config, checked).await
    }
}

async fn serve(args: RulerArgs) -> Result<()> {
    if args.replication_factor == 0 {
        return Err(anyhow!("--distributor.replication-factor must be at least 1"));
    }
    let (config, config_text) = load_config_file(&args.config_file)?;
    let timeout = duration("query.timeout", &args.query_timeout)?;
    let options = rule_options(&args.alerting)?;
    let listener = tokio::net::TcpListener::bind(&args.listen_address)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen_address))?;
    let member = member(&args.member, vec![Role::Ruler], &args.listen_address, args.meta_addresses.clone())?;
    telemetry::register(crate::cluster::metrics::register);
    telemetry::register(crate::query::metrics::register);
    telemetry::register(crate::ingest::metrics::register_distributor);
    telemetry::register(crate::rules::register_metrics);
    telemetry::register(crate::notifier::register_metrics);

    let pool = Arc::new(StoragePool::new());
    let distributor_options =
        DistributorOptions { replication_factor: args.replication_factor, ..DistributorOptions::default() };
    let appender = Arc::new(Distributor::new(
        RingCache::new(member.subscribe(), StorageRing::new),
        pool.clone(),
        distributor_options,
    ));
    let fanout_options = FanoutOptions { replication_factor: args.replication_factor, timeout };
    let queryable =
        Arc::new(FanoutQueryable::new(RingCache::new(member.subscribe(), StorageRing::new), pool, fanout_options));
    let engine = Arc::new(Engine::new(queryable.clone(), EngineOptions { timeout, ..EngineOptions::default() }));
    let notifier =
        Notifier::new(args.alerting.notification_queue_capacity, &format!("Sonde/{}", env!("CARGO_PKG_VERSION")));
    tokio::spawn(notifier.clone().run());
    let rules = Arc::new(RuleManager::sharded(Arc::new(RuleContext {
        engine,
        queryable,
        appender,
        notifier: Some(notifier.clone()),
        tenant: crate::series::DEFAULT_TENANT.to_string(),
        external_url: external_url(&args.alerting, &args.listen_address),
        options,
        external_labels: Default::default(),
    })));
    let throttle = duration("scrape.discovery-reload-interval", &args.discovery_reload_interval)?;
    let ruler = Arc::new(Ruler {
        args: args.clone(),
        info: Arc::new(node_info(&args, config_text)),
        alerting: Alerting::new(rules.clone(), notifier.clone(), throttle),
    });
    ruler.apply(&config).await.map_err(|e| anyhow!("{e}"))?;
    member.start();
    let ring_follower = tokio::spawn(follow_ruler_ring(member.clone(), rules.clone()));

    let shutdown = Arc::new(tokio::sync::Notify::new());
    let lifecycle = reload_hooks(ruler.clone(), args.enable_lifecycle, shutdown.clone());
    let state = ApiState {
        query: None,
        storage: None,
        info: ruler.info.clone(),
        lifecycle,
        scrape: None,
        rules: Some(rules.clone()),
        notifier: Some(notifier),
        cluster: Some(status_source(member.clone())),
        federation: None,
    };
    tracing::info!(id = member.id(), address = %args.listen_address, "ruler is ready");
    axum::serve(listener, api::router(state)).with_graceful_shutdown(shutdown_signal(shutdown)).await?;

    // Stop evaluating first, then leave: the other rulers take the groups
    // over at once, and no group runs on two rulers meanwhile.
    tracing::info!("leaving the cluster: handing the rule groups over");
    ring_follower.abort();
    ruler.alerting.stop().await;
    if let Err(e) = member.leave().await {
        tracing::warn!(error = %e, "cannot leave the cluster cleanly; the meta leader will declare this node dead");
    }
    Ok(())
}

fn node_info(args: &RulerArgs, config_text: String) -> NodeInfo {
    let flags = [
        ("config.file", args.config_file.display().to_string()),
        ("web.listen-address", args.listen_address.clone()),
        ("meta.addresses", args.meta_addresses.join(",")),
        ("distributor.replication-factor", args.replication_factor.to_string()),
        ("query.timeout", args.query_timeout.clone()),
        ("web.external-url", args.alerting.external_url.clone().unwrap_or_default()),
        ("rules.alert.for-outage-tolerance", args.alerting.for_outage_tolerance.clone()),
        ("rules.alert.for-grace-period", args.alerting.for_grace_period.clone()),
        ("rules.alert.resend-delay", args.alerting.resend_delay.clone()),
        ("cluster.heartbeat-interval", args.member.heartbeat_interval.clone()),
    ];
    super::member::node_info(flags, config_text)
}
