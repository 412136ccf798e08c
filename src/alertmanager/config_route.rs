//! The routing tree and inhibition rules as written in alertmanager.yml
//! (`config.Route`, `config.InhibitRule`), with the checks upstream makes
//! while decoding them. The tree that routes alerts is built from these in
//! `route`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::labels::is_valid_label_name;
use super::matcher::{Matcher, Matchers, Pattern};
use crate::config::{Duration, Invalid, Within, is_default, nullable};

/// `group_by: ['...']`: group by every label.
pub const GROUP_BY_ALL: &str = "...";

/// One node of the routing tree as configured; unset options inherit.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub receiver: String,
    /// Label names, or the single entry `...`; empty means "inherit".
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub group_by: Vec<String>,
    /// Deprecated upstream: label equality.
    #[serde(rename = "match", default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub match_labels: BTreeMap<String, String>,
    /// Deprecated upstream: anchored regular expressions.
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub match_re: BTreeMap<String, Pattern>,
    #[serde(default, skip_serializing_if = "Matchers::is_empty")]
    pub matchers: Matchers,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub mute_time_intervals: Vec<String>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub active_time_intervals: Vec<String>,
    /// Keep looking at later siblings after this route matched.
    #[serde(rename = "continue", default, deserialize_with = "nullable")]
    pub continue_matching: bool,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub routes: Vec<RouteConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_wait: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_interval: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_interval: Option<Duration>,
}

/// What `group_by` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    /// Not given (or empty): use the parent's.
    Inherit,
    /// Every label of the alert (`...`).
    All,
    Labels(BTreeSet<String>),
}

impl RouteConfig {
    /// `group_by` read the way upstream reads it.
    pub fn group_by(&self) -> GroupBy {
        if self.group_by.iter().any(|label| label == GROUP_BY_ALL) {
            return GroupBy::All;
        }
        match self.group_by.is_empty() {
            true => GroupBy::Inherit,
            false => GroupBy::Labels(self.group_by.iter().cloned().collect()),
        }
    }

    /// `match`, `match_re` and `matchers` as one sorted list.
    pub fn all_matchers(&self) -> Matchers {
        combine(&self.match_labels, &self.match_re, &self.matchers)
    }

    pub fn has_matchers(&self) -> bool {
        !self.match_labels.is_empty() || !self.match_re.is_empty() || !self.matchers.is_empty()
    }

    /// Every node of the tree, this one first, depth first.
    pub fn walk<'a>(&'a self, visit: &mut impl FnMut(&'a RouteConfig)) {
        visit(self);
        for child in &self.routes {
            child.walk(visit);
        }
    }

    /// The checks upstream makes while decoding a route: children first,
    /// then this node's own fields.
    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        for (index, child) in self.routes.iter().enumerate() {
            child.validate().at_index(index).within("routes")?;
        }
        check_label_names(&self.match_labels, |name| format!("invalid label name {name:?}")).within("match")?;
        check_label_names(&self.match_re, |name| format!("invalid label name {name:?}")).within("match_re")?;
        self.validate_group_by().within("group_by")?;
        if self.group_interval.is_some_and(Duration::is_zero) {
            return Err(Invalid::field("group_interval", "group_interval cannot be zero"));
        }
        if self.repeat_interval.is_some_and(Duration::is_zero) {
            return Err(Invalid::field("repeat_interval", "repeat_interval cannot be zero"));
        }
        Ok(())
    }

    fn validate_group_by(&self) -> Result<(), Invalid> {
        let mut has_all = false;
        let mut seen = BTreeSet::new();
        let mut duplicate = None;
        for (index, label) in self.group_by.iter().enumerate() {
            if label == GROUP_BY_ALL {
                has_all = true;
                continue;
            }
            if !is_valid_label_name(label) {
                return Err(Invalid::new(format!("invalid label name {label:?} in group_by list")).at_index(index));
            }
            if !seen.insert(label) && duplicate.is_none() {
                duplicate = Some((index, label));
            }
        }
        if has_all && !seen.is_empty() {
            return Err(Invalid::new("cannot have wildcard group_by (`...`) and other labels at the same time"));
        }
        match duplicate {
            Some((index, label)) => {
                Err(Invalid::new(format!("duplicated label {label:?} in group_by")).at_index(index))
            }
            None => Ok(()),
        }
    }
}

/// Label names of `match`-style maps must be valid; upstream checks them
/// in map order, which is random, so the first invalid one in sorted order
/// is named here.
fn check_label_names<T>(map: &BTreeMap<String, T>, message: impl Fn(&str) -> String) -> Result<(), Invalid> {
    match map.keys().find(|name| !is_valid_label_name(name)) {
        Some(name) => Err(Invalid::field(name, message(name))),
        None => Ok(()),
    }
}

fn combine(equal: &BTreeMap<String, String>, regex: &BTreeMap<String, Pattern>, matchers: &Matchers) -> Matchers {
    let equal = equal.iter().map(|(name, value)| Matcher::equal(name, value));
    let regex = regex.iter().map(|(name, pattern)| Matcher::from_match_re(name, pattern));
    Matchers::new(equal.chain(regex).chain(matchers.iter().cloned()).collect())
}

/// Mutes alerts matching the target side while an alert matching the
/// source side fires with the same values for the `equal` labels.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InhibitRule {
    /// Optional, for logs and metrics (newer Alertmanager versions).
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub name: String,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub source_match: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub source_match_re: BTreeMap<String, Pattern>,
    #[serde(default, skip_serializing_if = "Matchers::is_empty")]
    pub source_matchers: Matchers,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub target_match: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub target_match_re: BTreeMap<String, Pattern>,
    #[serde(default, skip_serializing_if = "Matchers::is_empty")]
    pub target_matchers: Matchers,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "is_default")]
    pub equal: Vec<String>,
}

impl InhibitRule {
    /// `source_match`, `source_match_re` and `source_matchers` together.
    pub fn all_source_matchers(&self) -> Matchers {
        combine(&self.source_match, &self.source_match_re, &self.source_matchers)
    }

    /// `target_match`, `target_match_re` and `target_matchers` together.
    pub fn all_target_matchers(&self) -> Matchers {
        combine(&self.target_match, &self.target_match_re, &self.target_matchers)
    }

    pub(crate) fn validate(&self) -> Result<(), Invalid> {
        let invalid = |name: &str| format!("invalid label name {name:?}");
        check_label_names(&self.source_match, invalid).within("source_match")?;
        check_label_names(&self.target_match, invalid).within("target_match")?;
        check_label_names(&self.source_match_re, invalid).within("source_match_re")?;
        check_label_names(&self.target_match_re, invalid).within("target_match_re")?;
        for (index, label) in self.equal.iter().enumerate() {
            if !is_valid_label_name(label) {
                let message = format!("invalid label name {label:?} in equal list");
                return Err(Invalid::new(message).at_index(index).within("equal"));
            }
        }
        Ok(())
    }
}
