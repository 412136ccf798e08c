//! A rule group (`rules/group.go`): its rules run in order at one
//! timestamp per interval, on a slot grid offset by a hash of the group so
//! that groups do not all fire at once. Results go through the `Appender`
//! seam with staleness markers for series that stop; alerts go to the
//! notifier.

use std::collections::HashSet;
use std::time::Instant;

use parking_lot::Mutex;

use crate::notifier::Notification;
use crate::promql::{InstantSample, Value};
use crate::series::{AppendBatch, Labels, Sample, stale_nan};
use crate::template::query_escape;

use super::alert::Alert;
use super::context::RuleContext;
use super::expand::{Expander, query_fn};
use super::metrics::RULE_METRICS;
use super::rule::{Health, Rule, RuleEntry};

pub struct Group {
    pub name: String,
    pub file: String,
    pub interval_ms: i64,
    pub query_offset_ms: i64,
    pub limit: usize,
    pub rules: Vec<Mutex<RuleEntry>>,
    pub(super) status: Mutex<GroupStatus>,
}

#[derive(Debug, Clone, Default)]
pub struct GroupStatus {
    /// Wall-clock start of the last evaluation (ms; 0: never).
    pub last_evaluation_ms: i64,
    pub evaluation_seconds: f64,
    /// Series of replaced rules, marked stale at the next evaluation.
    pub(super) stale_series: Vec<Labels>,
    /// The first load after a start restores `for` state after two evaluations.
    pub(super) restore_pending: bool,
}

impl Group {
    pub fn new(
        name: String,
        file: String,
        interval_ms: i64,
        query_offset_ms: i64,
        limit: usize,
        rules: Vec<Rule>,
    ) -> Self {
        Group {
            name,
            file,
            interval_ms,
            query_offset_ms,
            limit,
            rules: rules.into_iter().map(|r| Mutex::new(RuleEntry::new(r))).collect(),
            status: Mutex::new(GroupStatus::default()),
        }
    }

    /// `file;name`, Prometheus' group key.
    pub fn key(&self) -> String {
        format!("{};{}", self.file, self.name)
    }

    pub fn status(&self) -> GroupStatus {
        self.status.lock().clone()
    }

    /// Same configuration (state aside), so a reload keeps the running group.
    pub fn same_definition(&self, other: &Group) -> bool {
        (&self.name, &self.file, self.interval_ms, self.query_offset_ms, self.limit, self.rules.len())
            == (&other.name, &other.file, other.interval_ms, other.query_offset_ms, other.limit, other.rules.len())
            && self.rules.iter().zip(&other.rules).all(|(a, b)| a.lock().rule.same_definition(&b.lock().rule))
    }

    /// Takes over the state of the group this one replaces: alerts and
    /// written series of rules with the same name and labels (in order);
    /// series of rules that went away are marked stale at the next evaluation.
    pub fn copy_state(&self, old: &Group) {
        let mut taken = vec![false; old.rules.len()];
        for entry in &self.rules {
            let mut entry = entry.lock();
            let matching = old.rules.iter().enumerate().find(|(i, o)| {
                let o = o.lock();
                !taken[*i] && o.rule.name() == entry.rule.name() && o.rule.labels() == entry.rule.labels()
            });
            let Some((index, old_entry)) = matching else { continue };
            taken[index] = true;
            let old_entry = old_entry.lock();
            entry.previous_series = old_entry.previous_series.clone();
            if let (Rule::Alerting(new), Rule::Alerting(old)) = (&mut entry.rule, &old_entry.rule) {
                new.active = old.active.clone();
                new.restored = old.restored;
            }
        }
        let mut status = self.status.lock();
        let old_status = old.status.lock();
        status.last_evaluation_ms = old_status.last_evaluation_ms;
        status.evaluation_seconds = old_status.evaluation_seconds;
        status.restore_pending = old_status.restore_pending;
        status.stale_series.extend(old_status.stale_series.iter().cloned());
        for (index, old_entry) in old.rules.iter().enumerate() {
            if !taken[index] {
                status.stale_series.extend(old_entry.lock().previous_series.iter().cloned());
            }
        }
    }

    /// The offset of this group's slots within its interval.
    pub fn slot_offset_ms(&self) -> i64 {
        let hash = crate::series::hash_pairs([("file", self.file.as_str()), ("name", self.name.as_str())]);
        (hash % self.interval_ms.max(1) as u64) as i64
    }

    /// The latest slot at or before `now_ms`.
    pub fn eval_timestamp(&self, now_ms: i64) -> i64 {
        let offset = self.slot_offset_ms();
        let shifted = now_ms - offset;
        shifted - shifted.rem_euclid(self.interval_ms) + offset
    }

    /// Evaluates every rule at slot `t` (ms).
    pub async fn eval(&self, ctx: &RuleContext, t: i64) {
        let query_time = t - self.query_offset_ms;
        let expander = {
            let external_labels = ctx.external_labels.read();
            let query = query_fn(ctx.engine.clone(), ctx.tenant.clone(), t);
            Expander::new(&external_labels, &ctx.external_url, Some(query))
        };
        let metric_labels = super::metrics::RuleMetrics::labels(&self.key());
        let mut samples_total = 0;
        for entry in &self.rules {
            let started = Instant::now();
            let wall = crate::api::time::now_millis();
            RULE_METRICS.evaluations.get_or_create(&metric_labels).inc();
            let query = entry.lock().rule.query().to_string();
            let vector = match ctx.engine.instant(&ctx.tenant, &query, query_time).await {
                Ok(result) => to_vector(result.value, query_time),
                Err(e) => Err(e.to_string()),
            };
            let produced = vector.and_then(|vector| self.apply_rule(ctx, &mut entry.lock(), vector, t, &expander));
            let outcome = match produced {
                Ok(series) => {
                    samples_total += series.len();
                    self.write(ctx, entry, series, query_time).await
                }
                Err(e) => Err(e),
            };
            let mut entry = entry.lock();
            entry.last_evaluation_ms = wall;
            entry.evaluation_seconds = started.elapsed().as_secs_f64();
            match outcome {
                Ok(()) => {
                    entry.health = Health::Ok;
                    entry.last_error.clear();
                }
                Err(e) => {
                    RULE_METRICS.failures.get_or_create(&metric_labels).inc();
                    tracing::warn!(group = %self.name, rule = entry.rule.name(), error = %e, "evaluating rule failed");
                    entry.health = Health::Err;
                    entry.last_error = e;
                }
            }
        }
        RULE_METRICS.last_samples.get_or_create(&metric_labels).set(samples_total as i64);
        let stale: Vec<Labels> = std::mem::take(&mut self.status.lock().stale_series);
        if !stale.is_empty() && append_stale(ctx, &stale, query_time).await.is_err() {
            self.status.lock().stale_series.extend(stale);
        }
    }

    /// The rule's own evaluation over its query result: series to write,
    /// and for alerting rules the alerts handed to the notifier.
    fn apply_rule(
        &self,
        ctx: &RuleContext,
        entry: &mut RuleEntry,
        vector: Vec<InstantSample>,
        t: i64,
        expander: &Expander,
    ) -> Result<Vec<(Labels, f64)>, String> {
        match &mut entry.rule {
            Rule::Recording(rule) => rule.eval(vector, self.limit),
            Rule::Alerting(rule) => {
                let series = rule.eval(&vector, t, expander, self.limit)?;
                let sending = rule.alerts_to_send(t, ctx.options.resend_delay_ms, self.interval_ms);
                if let Some(notifier) = &ctx.notifier
                    && !sending.is_empty()
                {
                    let url = generator_url(&ctx.external_url, &rule.query);
                    notifier.send(sending.into_iter().map(|a| notification(a, &url)).collect());
                }
                Ok(series.into_iter().map(|(labels, v)| (Labels::from_pairs(labels), v)).collect())
            }
        }
    }

    /// Writes a rule's series and marks those it wrote last time but not
    /// now as stale; on success they become the rule's written series.
    async fn write(
        &self,
        ctx: &RuleContext,
        entry: &Mutex<RuleEntry>,
        series: Vec<(Labels, f64)>,
        time: i64,
    ) -> Result<(), String> {
        let returned: HashSet<Labels> = series.iter().map(|(l, _)| l.clone()).collect();
        let vanished: Vec<Labels> = entry.lock().previous_series.difference(&returned).cloned().collect();
        let mut batch = AppendBatch::with_capacity(series.len() + vanished.len(), 0);
        for (labels, v) in &series {
            batch.push_series(&pairs(labels), &[Sample::new(time, *v)]);
        }
        for labels in &vanished {
            batch.push_series(&pairs(labels), &[Sample::new(time, stale_nan())]);
        }
        if !batch.is_empty() {
            let outcome = ctx.appender.append(&ctx.tenant, &batch).await.map_err(|e| e.to_string())?;
            if outcome.samples_rejected > 0 {
                tracing::debug!(group = %self.name, rejected = outcome.samples_rejected, first = ?outcome.first_rejection, "rule samples refused");
            }
        }
        entry.lock().previous_series = returned;
        Ok(())
    }

    /// Marks every series the group wrote stale (the group was removed).
    pub async fn mark_stale(&self, ctx: &RuleContext, now_ms: i64) {
        let mut series: Vec<Labels> = self.status.lock().stale_series.clone();
        for entry in &self.rules {
            series.extend(entry.lock().previous_series.iter().cloned());
        }
        if !series.is_empty() && append_stale(ctx, &series, now_ms - self.query_offset_ms).await.is_err() {
            tracing::warn!(group = %self.name, "cannot write staleness markers of a removed rule group");
        }
    }
}

fn pairs(labels: &Labels) -> Vec<(&str, &str)> {
    labels.iter().map(|l| (l.name.as_str(), l.value.as_str())).collect()
}

async fn append_stale(ctx: &RuleContext, series: &[Labels], time: i64) -> Result<(), ()> {
    let mut batch = AppendBatch::with_capacity(series.len(), 0);
    for labels in series {
        batch.push_series(&pairs(labels), &[Sample::new(time, stale_nan())]);
    }
    ctx.appender.append(&ctx.tenant, &batch).await.map(|_| ()).map_err(|e| {
        tracing::warn!(error = %e, "cannot write staleness markers");
    })
}

/// Rules take vectors; a scalar is one sample without labels.
fn to_vector(value: Value, time: i64) -> Result<Vec<InstantSample>, String> {
    match value {
        Value::Vector(vector) => Ok(vector),
        Value::Scalar { v, .. } => Ok(vec![InstantSample { labels: Labels::default(), t: time, v }]),
        _ => Err("rule result is not a vector or scalar".to_string()),
    }
}

/// Prometheus' link to the rule's expression in its graph page.
pub fn generator_url(external_url: &str, query: &str) -> String {
    format!("{}/graph?g0.expr={}&g0.tab=1", external_url.trim_end_matches('/'), query_escape(query))
}

fn notification(alert: Alert, generator_url: &str) -> Notification {
    Notification {
        ends_at: if alert.resolved_at != 0 { alert.resolved_at } else { alert.valid_until },
        starts_at: alert.fired_at,
        generator_url: generator_url.to_string(),
        labels: alert.labels,
        annotations: alert.annotations,
    }
}
