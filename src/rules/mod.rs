//! Recording and alerting rules, after Prometheus' `rules/`: rule files in
//! Prometheus' format, groups evaluated on a slot grid through the PromQL
//! engine, results written through the `Appender` seam, alerts with `for`
//! and `keep_firing_for` handed to the notifier, `for` state restored from
//! `ALERTS_FOR_STATE` after a start.

mod alert;
mod alerting;
mod check;
mod context;
mod expand;
mod file;
mod group;
mod load;
mod manager;
mod metrics;
mod recording;
mod restore;
mod rule;

pub use alert::{Alert, AlertState};
pub use alerting::{AlertingRule, LabelMap};
pub use check::{Lint, check_rules};
pub use context::{RuleContext, RuleOptions};
pub use expand::{Expander, check_template};
pub use file::{RuleDef, RuleFile, RuleGroup, parse_rule_file};
pub use group::{Group, GroupStatus, generator_url};
pub use manager::{GroupDefaults, RuleManager};
pub use metrics::register as register_metrics;
pub use recording::RecordingRule;
pub use rule::{Health, Rule, RuleEntry};
