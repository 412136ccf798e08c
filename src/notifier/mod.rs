//! Sending alerts to Alertmanagers, after Prometheus' `notifier/`: the
//! ruler hands alerts over, this module adds external labels, relabels,
//! queues, discovers the Alertmanagers and posts to their API v2.

mod alert;
mod manager;
mod metrics;
mod set;

pub use alert::Notification;
pub use manager::{AlertmanagerUrls, DEFAULT_QUEUE_CAPACITY, Notifier};
pub use metrics::register as register_metrics;
