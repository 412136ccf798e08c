//! What every rule group evaluates against: the query engine, the appender
//! its results go to, the notifier, and the server's settings.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::notifier::Notifier;
use crate::promql::Engine;
use crate::series::{Appender, Queryable};

/// Prometheus' `--rules.*` flags.
#[derive(Debug, Clone, Copy)]
pub struct RuleOptions {
    pub resend_delay_ms: i64,
    pub for_outage_tolerance_ms: i64,
    pub for_grace_period_ms: i64,
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions { resend_delay_ms: 60_000, for_outage_tolerance_ms: 3_600_000, for_grace_period_ms: 600_000 }
    }
}

pub struct RuleContext {
    pub engine: Arc<Engine>,
    pub queryable: Arc<dyn Queryable>,
    pub appender: Arc<dyn Appender>,
    pub notifier: Option<Arc<Notifier>>,
    pub tenant: String,
    pub external_url: String,
    pub options: RuleOptions,
    pub external_labels: parking_lot::RwLock<BTreeMap<String, String>>,
}
