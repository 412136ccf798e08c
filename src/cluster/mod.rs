//! A node's side of the cluster: the meta client, the membership agent
//! (register, heartbeat, watch, leave), the scraper's share of the targets
//! from the scraper ring, and the cluster status.

mod client;
mod error;
mod member;
pub mod metrics;
mod shard;
pub mod status;
pub mod storage_ring;

pub use client::MetaClient;
pub use error::ClusterError;
pub use member::{Member, MemberOptions, Membership};
pub use shard::{follow_ruler_ring, follow_scraper_ring};
