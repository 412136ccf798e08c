//! Roles compose components into a running node. `all` is every metrics
//! role in one process; `meta`, `scraper`, `storage` and `query` are
//! cluster roles; `check` and
//! `cluster` are command-line tools.

mod alerting;
pub mod alertmanager;
pub mod all;
pub mod check;
pub mod cluster;
mod member;
pub mod meta;
pub mod push;
pub mod query;
mod reload;
pub mod ruler;
pub mod scraper;
pub mod storage;
