//! The routing tree that decides which receivers an alert goes to, as
//! Alertmanager's dispatch/route.go builds and walks it: options inherit from
//! the parent (the root from upstream's defaults), matching is depth first
//! and left to right, a matching child stops the search among its siblings
//! unless it has `continue: true`, and a node none of whose children match
//! is itself the match. Alerts are grouped per route by the `group_by`
//! labels (or all labels for `...`) under upstream's group key.

use std::collections::BTreeSet;

use super::config_route::{GroupBy, RouteConfig};
use super::labels::{LabelSet, label_set_string};
use super::matcher::Matchers;
use crate::config::Duration;

/// Upstream's `DefaultRouteOpts`, what the root route starts from.
pub const DEFAULT_GROUP_WAIT: Duration = Duration::from_seconds(30);
pub const DEFAULT_GROUP_INTERVAL: Duration = Duration::from_minutes(5);
pub const DEFAULT_REPEAT_INTERVAL: Duration = Duration::from_minutes(4 * 60);

/// The options in force at a route after inheritance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteOptions {
    pub receiver: String,
    pub group_by: BTreeSet<String>,
    /// Group by every label (`group_by: ['...']`); `group_by` is then ignored.
    pub group_by_all: bool,
    pub group_wait: Duration,
    pub group_interval: Duration,
    pub repeat_interval: Duration,
    /// Not inherited: each route names its own.
    pub mute_time_intervals: Vec<String>,
    /// Not inherited: each route names its own.
    pub active_time_intervals: Vec<String>,
}

impl Default for RouteOptions {
    fn default() -> Self {
        RouteOptions {
            receiver: String::new(),
            group_by: BTreeSet::new(),
            group_by_all: false,
            group_wait: DEFAULT_GROUP_WAIT,
            group_interval: DEFAULT_GROUP_INTERVAL,
            repeat_interval: DEFAULT_REPEAT_INTERVAL,
            mute_time_intervals: Vec::new(),
            active_time_intervals: Vec::new(),
        }
    }
}

impl RouteOptions {
    /// The parent's options overridden by what `config` sets.
    fn inherit(parent: &RouteOptions, config: &RouteConfig) -> RouteOptions {
        let mut options = parent.clone();
        if !config.receiver.is_empty() {
            options.receiver = config.receiver.clone();
        }
        match config.group_by() {
            GroupBy::Inherit => {}
            GroupBy::All => options.group_by_all = true,
            GroupBy::Labels(labels) => {
                options.group_by = labels;
                options.group_by_all = false;
            }
        }
        options.group_wait = config.group_wait.unwrap_or(options.group_wait);
        options.group_interval = config.group_interval.unwrap_or(options.group_interval);
        options.repeat_interval = config.repeat_interval.unwrap_or(options.repeat_interval);
        options.mute_time_intervals = config.mute_time_intervals.clone();
        options.active_time_intervals = config.active_time_intervals.clone();
        options
    }
}

/// A node of the routing tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub options: RouteOptions,
    pub matchers: Matchers,
    pub continue_matching: bool,
    pub routes: Vec<Route>,
    key: String,
    id: String,
}

impl Route {
    /// Builds the tree from the configured root route.
    pub fn new(config: &RouteConfig) -> Route {
        Route::build(config, &RouteOptions::default(), None)
    }

    /// `parent` is the parent's key and this node's position among its siblings.
    fn build(config: &RouteConfig, parent_options: &RouteOptions, parent: Option<(&str, usize)>) -> Route {
        let options = RouteOptions::inherit(parent_options, config);
        let matchers = config.all_matchers();
        let (key, id) = match parent {
            None => (matchers.to_string(), matchers.to_string()),
            Some((parent_key, position)) => {
                let key = format!("{parent_key}/{matchers}");
                let id = format!("{key}/{position}");
                (key, id)
            }
        };
        let routes = config
            .routes
            .iter()
            .enumerate()
            .map(|(position, child)| Route::build(child, &options, Some((&key, position))))
            .collect();
        Route { options, matchers, continue_matching: config.continue_matching, routes, key, id }
    }

    /// The routes an alert with these labels is sent through, in tree order;
    /// empty only when this route's own matchers reject it.
    pub fn matching(&self, labels: &LabelSet) -> Vec<&Route> {
        if !self.matchers.matches(labels) {
            return Vec::new();
        }
        let mut matched = Vec::new();
        for child in &self.routes {
            let found = child.matching(labels);
            let stop = !found.is_empty() && !child.continue_matching;
            matched.extend(found);
            if stop {
                break;
            }
        }
        if matched.is_empty() {
            matched.push(self);
        }
        matched
    }

    /// The matchers of the path from the root, `{}/{team="db"}`; siblings
    /// with equal matchers share it (upstream's `Route.Key`).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The key plus the position among siblings, unique in the tree
    /// (upstream's `Route.ID`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The labels alerts are grouped by at this route.
    pub fn group_labels(&self, labels: &LabelSet) -> LabelSet {
        labels
            .iter()
            .filter(|(name, _)| self.options.group_by_all || self.options.group_by.contains(*name))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    }

    /// The key of the aggregation group the alert joins at this route,
    /// `{route key}:{group labels}`, as upstream's `aggrGroup.GroupKey`.
    pub fn group_key(&self, labels: &LabelSet) -> String {
        format!("{}:{}", self.key, label_set_string(&self.group_labels(labels)))
    }

    /// Every route, this one first, depth first.
    pub fn walk<'a>(&'a self, visit: &mut impl FnMut(&'a Route)) {
        visit(self);
        for child in &self.routes {
            child.walk(visit);
        }
    }
}

#[cfg(test)]
#[path = "route_tests.rs"]
mod tests;
