//! Reloading a role's configuration file, which `sonde all`, `sonde
//! scraper` and `sonde ruler` do alike: on SIGHUP, on `POST /-/reload` when
//! the lifecycle API is on, and with the outcome recorded for the status
//! pages.

use std::sync::Arc;

use crate::api::{self, Lifecycle, NodeInfo};

#[async_trait::async_trait]
pub(crate) trait Reloadable: Send + Sync + 'static {
    /// Re-reads and applies the configuration; a bad one changes nothing.
    async fn reload(&self) -> Result<(), String>;
}

/// Reloads `target` on every SIGHUP from now on, and returns the lifecycle
/// API's hooks (`/-/reload`, `/-/quit` notifying `shutdown`) when enabled.
pub(crate) fn reload_hooks<T: Reloadable>(
    target: Arc<T>,
    enable_lifecycle: bool,
    shutdown: Arc<tokio::sync::Notify>,
) -> Option<Arc<Lifecycle>> {
    let on_hangup = target.clone();
    tokio::spawn(async move {
        let Ok(mut hangup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP");
            return;
        };
        while hangup.recv().await.is_some() {
            let _ = on_hangup.reload().await;
        }
    });
    enable_lifecycle.then(|| {
        Arc::new(Lifecycle {
            reload: Box::new(move || {
                let target = target.clone();
                Box::pin(async move { target.reload().await })
            }),
            shutdown,
        })
    })
}

/// Records a reload's outcome (`/api/v1/status/runtimeinfo`, the config
/// page) and logs it; `result` holds the new configuration's text.
pub(crate) fn record_reload(info: &NodeInfo, result: Result<String, String>) -> Result<(), String> {
    *info.last_reload.write() = (result.is_ok(), api::time::now_millis());
    match result {
        Ok(text) => {
            *info.config_text.write() = text;
            tracing::info!("configuration reloaded");
            Ok(())
        }
        Err(e) => {
            tracing::error!(error = %e, "configuration reload failed; the previous configuration stays");
            Err(e)
        }
    }
}
