//! Recording and alerting rules, after Prometheus' `rules/`: rule files as
//! Prometheus 3.x reads and validates them (`model/rulefmt`) and `check
//! rules` reporting like `promtool check rules`; groups evaluated on a slot
//! grid through the PromQL engine, results written through the `Appender`
//! seam, alerts with `for` and `keep_firing_for` handed to the notifier,
//! `for` state restored from `ALERTS_FOR_STATE` after a start.

mod alert;
mod alerting;
mod check;
mod context;
mod decode;
mod duration;
mod error;
mod expand;
mod file;
mod group;
mod lint;
mod load;
mod manager;
mod metrics;
mod recording;
mod resolve;
mod restore;
mod rule;
mod template_check;
mod validate;
mod yaml;

pub use alert::{Alert, AlertState};
pub use alerting::{AlertingRule, LabelMap};
pub use check::{
    CheckOptions, FAILURE_EXIT_CODE, LINT_EXIT_CODE, Lint, SUCCESS_EXIT_CODE, check_rules, check_rules_with,
};
pub use context::{RuleContext, RuleOptions};
pub use error::{Error, FileError, RuleProblem};
pub use expand::Expander;
pub use file::{ParseOptions, RuleDef, RuleFile, RuleGroup, parse_rule_file, parse_rules, read_rule_file};
pub use group::{Group, GroupStatus, generator_url};
pub use lint::{RuleIdentity, duplicate_rules, duplicates_message};
pub use manager::{GroupDefaults, RuleManager};
pub use metrics::register as register_metrics;
pub use recording::RecordingRule;
pub use rule::{Health, Rule, RuleEntry};
pub use yaml::Position;

#[cfg(test)]
mod check_tests;
#[cfg(test)]
mod file_tests;
