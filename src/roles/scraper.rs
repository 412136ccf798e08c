//! `sonde scraper`: discovers and relabels every target of the scrape
//! config and scrapes the share the scraper ring gives it; it is also the
//! cluster's remote-write entry point (`/api/v1/write`). Samples go to the
//! storage nodes through the distributor, or to `--remote-write.url`. On SIGTERM it writes staleness markers for its targets and
//! leaves the cluster, so another scraper takes them over at once.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow};

use crate::api::{self, ApiState, NodeInfo};
use crate::cli::ScraperArgs;
use crate::cluster::follow_scraper_ring;
use crate::cluster::storage_ring::{RingCache, StorageRing};
use crate::config::{ByteSize, Config};
use crate::discovery::DiscoveryManager;
use crate::ingest::distributor::{Distributor, DistributorOptions};
use crate::ingest::remote_write::client::RemoteWriteClient;
use crate::meta::Role;
use crate::scrape::{ScrapeManager, Shard};
use crate::series::Appender;
use crate::storage::StoragePool;
use crate::telemetry;

use super::all::{load_config_file, offset_seed, shutdown_signal};
use super::member::{duration, member, status_source};
use super::reload::{Reloadable, record_reload, reload_hooks};

/// How long one remote write request may take, and how long a batch is
/// retried before its scrape is reported failed.
const WRITE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
const WRITE_GIVE_UP: std::time::Duration = std::time::Duration::from_secs(30);

pub fn run(args: ScraperArgs) -> Result<()> {
    telemetry::init_logging(&args.log_level, "sonde-scraper");
    super::member::runtime()?.block_on(serve(args))
}

struct Scraper {
    args: ScraperArgs,
    info: Arc<NodeInfo>,
    scrape: Arc<ScrapeManager>,
    discovery: Arc<DiscoveryManager>,
}

impl Scraper {
    async fn apply(&self, config: &Config) -> Result<(), String> {
        let jobs = config.all_scrape_configs().map_err(|e| e.to_string())?;
        let discovery: Vec<_> = jobs.iter().map(|job| (job.job_name.clone(), job.discovery.clone())).collect();
        DiscoveryManager::check(&discovery)?;
        self.scrape.apply(jobs).await.map_err(|e| e.to_string())?;
        self.discovery.apply(discovery)
    }
}

#[async_trait::async_trait]
impl Reloadable for Scraper {
    async fn reload(&self) -> Result<(), String> {
        let result = match load_config_file(&self.args.config_file) {
            Ok((config, text)) => self.apply(&config).await.map(|()| text),
            Err(e) => Err(format!("{e:#}")),
        };
        record_reload(&self.info, result)
    }
}

async fn serve(args: ScraperArgs) -> Result<()> {
    let (config, config_text) = load_config_file(&args.config_file)?;
    let member = member(&args.member, vec![Role::Scraper], &args.listen_address, args.meta_addresses.clone())?;
    let appender: Arc<dyn Appender> = match &args.remote_write_url {
        Some(url) => Arc::new(
            RemoteWriteClient::new(url, WRITE_TIMEOUT, WRITE_GIVE_UP)
                .map_err(|e| anyhow!("invalid --remote-write.url: {e}"))?,
        ),
        None => {
            if args.replication_factor == 0 {
                return Err(anyhow!("--distributor.replication-factor must be at least 1"));
            }
            telemetry::register(crate::ingest::metrics::register_distributor);
            let options = DistributorOptions { replication_factor: args.replication_factor, ..Default::default() };
            let ring = RingCache::new(member.subscribe(), StorageRing::new);
            Arc::new(Distributor::new(ring, Arc::new(StoragePool::new()), options))
        }
    };
    let max_write_bytes = ByteSize::parse(&args.max_write_bytes)
        .map_err(|e| anyhow!("invalid --web.remote-write.max-decoded-bytes: {e}"))?
        .bytes() as usize;
    let throttle = duration("scrape.discovery-reload-interval", &args.discovery_reload_interval)?;
    let listener = tokio::net::TcpListener::bind(&args.listen_address)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen_address))?;
    telemetry::register(crate::scrape::register_metrics);
    telemetry::register(crate::ingest::metrics::register);
    telemetry::register(crate::cluster::metrics::register);

    // Until the ring says otherwise this scraper owns no target.
    let scrape = Arc::new(ScrapeManager::with_shard(appender.clone(), offset_seed(&config), Shard::nothing()));
    let scraper = Arc::new(Scraper {
        args: args.clone(),
        info: Arc::new(node_info(&args, config_text)),
        scrape: scrape.clone(),
        discovery: Arc::new(DiscoveryManager::new(throttle)),
    });
    scraper.apply(&config).await.map_err(|e| anyhow!("{e}"))?;
    tokio::spawn(feed_targets(scraper.clone()));
    member.start();
    let ring_follower = tokio::spawn(follow_scraper_ring(member.clone(), scrape.clone()));

    let shutdown = Arc::new(tokio::sync::Notify::new());
    let lifecycle = reload_hooks(scraper.clone(), args.enable_lifecycle, shutdown.clone());
    let state = ApiState {
        query: None,
        storage: None,
        info: scraper.info.clone(),
        lifecycle,
        scrape: Some(scrape.clone()),
        rules: None,
        notifier: None,
        cluster: Some(status_source(member.clone())),
        federation: None,
    };
    tracing::info!(id = member.id(), address = %args.listen_address, "scraper is ready");
    let app = api::router(state).merge(crate::ingest::router(appender, max_write_bytes));
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal(shutdown)).await?;

    tracing::info!("leaving the cluster: writing staleness markers for this scraper's targets");
    ring_follower.abort();
    scraper.discovery.stop();
    scrape.give_up_all().await;
    if let Err(e) = member.leave().await {
        tracing::warn!(error = %e, "cannot leave the cluster cleanly; the meta leader will declare this node dead");
    }
    Ok(())
}

async fn feed_targets(scraper: Arc<Scraper>) {
    loop {
        for (job, groups) in scraper.discovery.next_updates().await {
            scraper.scrape.sync(&job, groups).await;
        }
    }
}

fn node_info(args: &ScraperArgs, config_text: String) -> NodeInfo {
    let flags = [
        ("config.file", args.config_file.display().to_string()),
        ("web.listen-address", args.listen_address.clone()),
        ("meta.addresses", args.meta_addresses.join(",")),
        ("remote-write.url", args.remote_write_url.clone().unwrap_or_default()),
        ("distributor.replication-factor", args.replication_factor.to_string()),
        ("scrape.discovery-reload-interval", args.discovery_reload_interval.clone()),
        ("cluster.heartbeat-interval", args.member.heartbeat_interval.clone()),
    ];
    super::member::node_info(flags, config_text)
}
