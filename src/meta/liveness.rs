//! Liveness in the leader's memory. Heartbeats land here and never in the
//! Raft log; only when a node has been silent for `dead_after` does the
//! leader propose one state transition (to Dead) through Raft.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::types::NodeId;

#[derive(Debug, Clone, Copy)]
pub struct Heard {
    pub at: Instant,
    pub owned_targets: u64,
}

#[derive(Debug, Default)]
struct Tracker {
    /// The term in which this node became leader; None while it is not.
    leader_term: Option<u64>,
    leader_since: Option<Instant>,
    last_heard: HashMap<NodeId, Heard>,
}

#[derive(Debug, Default)]
pub struct Liveness {
    tracker: Mutex<Tracker>,
}

impl Liveness {
    pub fn heard(&self, id: NodeId, owned_targets: u64) {
        self.tracker.lock().last_heard.insert(id, Heard { at: Instant::now(), owned_targets });
    }

    /// Called on every tick with whether this node leads and in which term.
    /// A new leadership starts every node's clock now, so that a leader
    /// change gives every node a full grace period.
    pub fn observe_leadership(&self, leading_term: Option<u64>) {
        let mut tracker = self.tracker.lock();
        if tracker.leader_term == leading_term {
            return;
        }
        tracker.leader_term = leading_term;
        tracker.leader_since = leading_term.map(|_| Instant::now());
        tracker.last_heard.clear();
    }

    /// Of `candidates`, those not heard from within `dead_after` (measured
    /// from when this node took over when it never heard from them).
    pub fn silent(&self, candidates: impl IntoIterator<Item = NodeId>, dead_after: Duration) -> Vec<NodeId> {
        let tracker = self.tracker.lock();
        let Some(since) = tracker.leader_since else { return Vec::new() };
        let now = Instant::now();
        candidates
            .into_iter()
            .filter(|id| {
                let last = tracker.last_heard.get(id).map_or(since, |heard| heard.at);
                now.duration_since(last) > dead_after
            })
            .collect()
    }

    /// What the leader last heard from each node (empty on followers).
    pub fn snapshot(&self) -> HashMap<NodeId, Heard> {
        self.tracker.lock().last_heard.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_leader_declares_nodes_silent_and_a_new_term_restarts_the_clocks() {
        let liveness = Liveness::default();
        assert!(liveness.silent([1, 2], Duration::ZERO).is_empty(), "a follower never declares anyone dead");
        liveness.observe_leadership(Some(3));
        liveness.heard(1, 10);
        std::thread::sleep(Duration::from_millis(30));
        liveness.heard(2, 0);
        assert_eq!(liveness.silent([1, 2, 3], Duration::from_millis(20)), vec![1, 3]);
        assert_eq!(liveness.snapshot()[&1].owned_targets, 10);
        liveness.observe_leadership(Some(4));
        assert!(liveness.snapshot().is_empty());
        assert!(liveness.silent([1, 2, 3], Duration::from_millis(20)).is_empty(), "grace period after takeover");
        liveness.observe_leadership(None);
        std::thread::sleep(Duration::from_millis(30));
        assert!(liveness.silent([1], Duration::from_millis(20)).is_empty());
    }
}
