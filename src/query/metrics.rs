//! The query side's fan-out to storage nodes: calls by outcome, their
//! latency, and reads refused (or, where the request allowed it, answered
//! partially) because a token range lacked a read quorum.

use std::sync::LazyLock;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

pub struct FanoutMetrics {
    calls: Family<OutcomeLabels, Counter>,
    call_duration: Histogram,
    pub refused: Counter,
    pub partial: Counter,
}

pub static FANOUT_METRICS: LazyLock<FanoutMetrics> = LazyLock::new(|| FanoutMetrics {
    calls: Family::default(),
    call_duration: Histogram::new(exponential_buckets(0.0005, 2.0, 16)),
    refused: Counter::default(),
    partial: Counter::default(),
});

/// How a call to one storage node ended.
#[derive(Debug, Clone, Copy)]
pub enum CallOutcome {
    Answered,
    Failed,
    /// Not asked: the meta group holds the node dead.
    SkippedDead,
    /// Given up on after the read quorum answered and the grace ran out.
    Abandoned,
}

impl FanoutMetrics {
    pub fn call(&self, outcome: CallOutcome, took: Option<Duration>) {
        let outcome = match outcome {
            CallOutcome::Answered => "answered",
            CallOutcome::Failed => "failed",
            CallOutcome::SkippedDead => "skipped_dead",
            CallOutcome::Abandoned => "abandoned",
        };
        self.calls.get_or_create(&OutcomeLabels { outcome }).inc();
        if let Some(took) = took {
            self.call_duration.observe(took.as_secs_f64());
        }
    }
}

pub fn register(registry: &mut Registry) {
    let m = &*FANOUT_METRICS;
    registry.register(
        "sonde_query_storage_calls",
        "Calls from this node to storage nodes by outcome: answered, failed, skipped_dead, abandoned",
        m.calls.clone(),
    );
    registry.register(
        "sonde_query_storage_call_duration_seconds",
        "Time a storage node took to answer or fail a call",
        m.call_duration.clone(),
    );
    registry.register(
        "sonde_query_incomplete_refused",
        "Reads refused because some token range had fewer than a read quorum of answers",
        m.refused.clone(),
    );
    registry.register(
        "sonde_query_partial_answers",
        "Reads answered partially, with a warning, because the request allowed it (partial_response=true)",
        m.partial.clone(),
    );
}
