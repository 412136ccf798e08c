//! Alertmanager: the configuration (`alertmanager.yml`), label matchers,
//! the routing tree and time intervals of Prometheus Alertmanager 0.25+,
//! with its semantics and error messages, and `check-config`; and the
//! service itself (`sonde alertmanager`): the alert store, dispatcher and
//! aggregation groups, inhibition, silences, the notification log, the
//! notification pipeline and integrations, and the API v2.
//!
//! ```
//! use sonde::alertmanager::{Config, LabelSet, Route};
//!
//! let yaml = "route:\n  receiver: default\n  group_by: [alertname]\n  routes:\n    - matchers: ['team=\"db\"']\n      receiver: db\nreceivers:\n  - name: default\n  - name: db\n";
//! let config = Config::parse(yaml, "alertmanager.yml").unwrap();
//! let tree = Route::new(&config.route);
//! let labels: LabelSet = [("alertname", "Down"), ("team", "db")].map(|(n, v)| (n.to_string(), v.to_string())).into();
//! let routes = tree.matching(&labels);
//! assert_eq!(routes[0].options.receiver, "db");
//! assert_eq!(routes[0].group_key(&labels), "{}/{team=\"db\"}:{alertname=\"Down\"}");
//! ```

mod alert;
pub mod api;
mod api_types;
mod check;
mod config;
mod config_global;
mod config_receiver;
mod config_route;
mod config_slack;
mod config_validate;
mod config_values;
pub mod dispatch;
pub mod inhibit;
mod labels;
mod matcher;
mod matcher_parse;
pub mod metrics;
pub mod nflog;
pub mod notify;
pub mod peer;
pub mod persist;
pub mod pipeline;
mod route;
pub mod service;
pub mod silence;
pub mod store;
#[cfg(test)]
mod test_support;
mod timeinterval;
mod timeinterval_parse;

pub use alert::{Alert, Fingerprint, Nanos, format_api_time, format_go_time, now_nanos, parse_go_time};
pub use check::{CheckOutcome, check_alertmanager_config, check_alertmanager_configs, check_templates};
pub use config::{Config, NamedTimeInterval};
pub use config_global::{DEFAULT_PAGERDUTY_URL, DEFAULT_TELEGRAM_API_URL, GlobalConfig};
pub use config_receiver::{
    DEFAULT_EMAIL_SUBJECT, DEFAULT_PAGERDUTY_DETAILS, EmailConfig, PagerdutyConfig, PagerdutyImage, PagerdutyLink,
    Receiver, SUPPORTED_INTEGRATIONS, TelegramConfig, UNSUPPORTED_INTEGRATIONS, WebhookConfig,
};
pub use config_route::{GROUP_BY_ALL, GroupBy, InhibitRule, RouteConfig};
pub use config_slack::{SlackAction, SlackConfig, SlackConfirmation, SlackField};
pub use config_values::{HostPort, HttpUrl, REDACTED, SecretUrl};
pub use labels::{LabelSet, is_valid_label_name, label_set_string};
pub use matcher::{MatchType, Matcher, MatcherError, Matchers, Pattern};
pub use matcher_parse::{parse_matcher, parse_matchers};
pub use route::{DEFAULT_GROUP_INTERVAL, DEFAULT_GROUP_WAIT, DEFAULT_REPEAT_INTERVAL, Route, RouteOptions};
pub use timeinterval::{
    DayOfMonthRange, InclusiveRange, Location, MonthRange, TimeInterval, TimeIntervalError, TimeRange, WeekdayRange,
    YearRange, any_contains_time,
};
