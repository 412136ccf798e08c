//! `sonde alertmanager`: Alertmanager with its flags. Loads
//! `alertmanager.yml`, keeps silences and the notification log under
//! `--storage.path`, serves the API v2 on `--web.listen-address`, and
//! when clustering is on exchanges state with its peers over gRPC on
//! `--cluster.listen-address`. SIGHUP or `POST /-/reload` reloads the
//! configuration; a bad one is refused and the running one stays.

use std::sync::Arc;

use anyhow::{Context, Result, anyhow};

use crate::alertmanager::api::{self, ApiState};
use crate::alertmanager::peer::{Gossip, GossipOptions};
use crate::alertmanager::persist::StateDb;
use crate::alertmanager::pipeline::{Peers, Standalone};
use crate::alertmanager::service::{Alertmanager, Options};
use crate::alertmanager::{Config, metrics};
use crate::cli::AlertmanagerArgs;
use crate::telemetry;

use super::member::duration;

pub fn run(args: AlertmanagerArgs) -> Result<()> {
    telemetry::init_logging(&args.log_level, "sonde-alertmanager");
    super::member::runtime()?.block_on(serve(args))
}

/// Alertmanager's listen addresses may leave out the host (":9093").
fn bind_address(address: &str) -> String {
    if address.starts_with(':') { format!("0.0.0.0{address}") } else { address.to_string() }
}

fn load(path: &std::path::Path) -> Result<(Config, String), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let config = Config::load(path).map_err(|e| e.to_string())?;
    Ok((config, text))
}

async fn reload(am: &Alertmanager, path: &std::path::Path) -> Result<(), String> {
    let outcome = load(path).and_then(|(config, text)| am.apply(config, text));
    match &outcome {
        Ok(()) => tracing::info!(file = %path.display(), "completed loading of configuration file"),
        Err(error) => tracing::error!(file = %path.display(), %error, "loading configuration file failed"),
    }
    outcome
}

async fn serve(args: AlertmanagerArgs) -> Result<()> {
    let (config, text) = load(&args.config_file).map_err(|e| anyhow!("{e}"))?;
    let listen = bind_address(&args.listen_address);
    let listener =
        tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    std::fs::create_dir_all(&args.storage_path)
        .with_context(|| format!("cannot create {}", args.storage_path.display()))?;
    let db = StateDb::open(&args.storage_path)?;
    telemetry::register(metrics::register);

    let options = Options {
        retention: duration("data.retention", &args.retention)?,
        gc_interval: duration("alerts.gc-interval", &args.gc_interval)?,
        external_url: super::all::configured_or_local_url(args.external_url.as_deref(), &args.listen_address),
    };
    let gossip = if args.cluster_listen_address.is_empty() {
        None
    } else {
        let gossip_options = GossipOptions {
            listen_address: bind_address(&args.cluster_listen_address),
            advertise_address: args.cluster_advertise_address.clone(),
            peers: args.cluster_peers.clone(),
            peer_timeout: duration("cluster.peer-timeout", &args.peer_timeout)?,
            gossip_interval: duration("cluster.gossip-interval", &args.gossip_interval)?,
            pushpull_interval: duration("cluster.pushpull-interval", &args.pushpull_interval)?,
            reconnect_timeout: duration("cluster.reconnect-timeout", &args.reconnect_timeout)?,
        };
        Some(Gossip::new(&db, gossip_options).await?)
    };
    let peers: Arc<dyn Peers> = match &gossip {
        Some(gossip) => gossip.clone(),
        None => Arc::new(Standalone),
    };
    let am = Alertmanager::open(&db, options, peers)?;
    am.apply(config, text).map_err(|e| anyhow!("invalid configuration {}: {e}", args.config_file.display()))?;
    if let Some(gossip) = &gossip {
        gossip.clone().start(Arc::clone(&am)).await?;
    }
    tokio::spawn(Arc::clone(&am).collect_garbage_forever());

    let path = args.config_file.clone();
    let reloader = Arc::clone(&am);
    let reload_hook: api::ReloadHook = Arc::new(move || {
        let (am, path) = (Arc::clone(&reloader), path.clone());
        Box::pin(async move { reload(&am, &path).await })
    });
    let on_hangup = Arc::clone(&reload_hook);
    tokio::spawn(async move {
        let Ok(mut hangup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else { return };
        while hangup.recv().await.is_some() {
            let _ = on_hangup().await;
        }
    });
    let router = api::router(ApiState { alertmanager: Arc::clone(&am), reload: reload_hook })
        .merge(crate::web::alertmanager_router());
    tracing::info!(address = %listen, "Alertmanager is listening");
    let quit = Arc::new(tokio::sync::Notify::new());
    axum::serve(listener, router).with_graceful_shutdown(super::all::shutdown_signal(quit)).await?;
    am.stop();
    if let Some(gossip) = &gossip {
        gossip.leave().await;
    }
    Ok(())
}
