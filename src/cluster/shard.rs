//! A node's share of the work. Every scraper discovers and relabels all
//! targets and scrapes those the scraper ring (Active scrapers) gives it;
//! every ruler loads all rule files and runs the groups the ruler ring
//! gives it. A membership change re-splits at once; a frozen membership
//! keeps the last split.

use std::sync::Arc;
use std::time::Duration;

use crate::meta::Role;
use crate::ring::{DEFAULT_TOKENS_PER_NODE, Shard, TokenRing};
use crate::rules::RuleManager;
use crate::scrape::ScrapeManager;

use super::member::Member;
use super::metrics::CLUSTER_METRICS;

/// How often the owned-target count is refreshed for heartbeats.
const COUNT_INTERVAL: Duration = Duration::from_secs(1);

/// Runs for the life of the scraper.
pub async fn follow_scraper_ring(member: Arc<Member>, scrape: Arc<ScrapeManager>) {
    let mut view = member.subscribe();
    let mut current: Option<TokenRing> = None;
    let mut count_ticker = tokio::time::interval(COUNT_INTERVAL);
    loop {
        let ring = {
            let membership = view.borrow_and_update();
            TokenRing::new(membership.active(Role::Scraper).map(|node| node.id), DEFAULT_TOKENS_PER_NODE)
        };
        if current.as_ref() != Some(&ring) {
            tracing::info!(scrapers = ?ring.nodes(), "scraper ring changed; re-splitting targets");
            scrape.reshard(Shard::Ring { ring: Arc::new(ring.clone()), me: member.id() }).await;
            current = Some(ring);
            publish_count(&member, &scrape).await;
        }
        tokio::select! {
            changed = view.changed() => if changed.is_err() { return },
            _ = count_ticker.tick() => publish_count(&member, &scrape).await,
        }
    }
}

async fn publish_count(member: &Member, scrape: &ScrapeManager) {
    let count = scrape.active_count().await as u64;
    member.set_owned_targets(count);
    CLUSTER_METRICS.owned_targets.set(count as i64);
}

/// Runs for the life of a ruler: the rule groups are re-split whenever the
/// ruler ring (Active rulers) changes; a frozen membership keeps the split.
pub async fn follow_ruler_ring(member: Arc<Member>, rules: Arc<RuleManager>) {
    let mut view = member.subscribe();
    let mut current: Option<TokenRing> = None;
    loop {
        let ring = {
            let membership = view.borrow_and_update();
            TokenRing::new(membership.active(Role::Ruler).map(|node| node.id), DEFAULT_TOKENS_PER_NODE)
        };
        if current.as_ref() != Some(&ring) {
            tracing::info!(rulers = ?ring.nodes(), "ruler ring changed; re-splitting rule groups");
            rules.reshard(Shard::Ring { ring: Arc::new(ring.clone()), me: member.id() }).await;
            current = Some(ring);
        }
        if view.changed().await.is_err() {
            return;
        }
    }
}
