//! One alert of an alerting rule: its labels, state and the times Prometheus
//! keeps for it (`rules/alerting.go` `Alert`). Times are Unix milliseconds;
//! 0 means "not set", as Go's zero `time.Time`.

use std::collections::BTreeMap;

/// Prometheus' alert states, ordered so the rule's state is the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum AlertState {
    #[default]
    Inactive,
    Pending,
    Firing,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Inactive => "inactive",
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Alert {
    pub state: AlertState,
    /// Series labels without `__name__`, then rule labels, then `alertname`.
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub value: f64,
    pub active_at: i64,
    pub fired_at: i64,
    pub resolved_at: i64,
    pub last_sent_at: i64,
    pub valid_until: i64,
    pub keep_firing_since: i64,
}

impl Alert {
    /// Whether the alert must be (re)sent at `t`: never while pending, at
    /// once when it resolved since the last send, otherwise every resend delay.
    pub fn needs_sending(&self, t: i64, resend_delay_ms: i64) -> bool {
        if self.state == AlertState::Pending {
            return false;
        }
        if self.resolved_at > self.last_sent_at {
            return true;
        }
        self.last_sent_at == 0 || self.last_sent_at + resend_delay_ms < t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sending_follows_prometheus_resend_rules() {
        let mut alert = Alert { state: AlertState::Pending, ..Alert::default() };
        assert!(!alert.needs_sending(1_000, 60_000), "pending alerts are not sent");
        alert.state = AlertState::Firing;
        assert!(alert.needs_sending(1_000, 60_000), "never sent");
        alert.last_sent_at = 1_000;
        assert!(!alert.needs_sending(61_000, 60_000), "resend delay not passed (strict)");
        assert!(alert.needs_sending(61_001, 60_000));
        alert.resolved_at = 2_000;
        assert!(alert.needs_sending(2_000, 60_000), "resolved since last send");
    }
}
