//! Who the peers are and which of them are alive, and from that this
//! peer's turn to notify. A peer is alive while exchanges with it succeed;
//! the position is among the live peers sorted by name. A peer that sees
//! at most half of the peers it knows (a partition's minority side) waits
//! several peer timeouts longer, so that a short partition does not make it
//! notify what the majority side already has.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Extra peer timeouts a peer on the minority side of a partition waits.
pub const MINORITY_HOLD_TIMEOUTS: u32 = 4;

#[derive(Debug, Clone)]
struct Member {
    address: String,
    last_seen: Instant,
}

#[derive(Debug)]
pub struct Membership {
    name: String,
    address: String,
    members: HashMap<String, Member>,
    /// Silence this long means down.
    dead_after: Duration,
    /// Down this long means forgotten.
    forget_after: Duration,
}

impl Membership {
    pub fn new(name: String, address: String, dead_after: Duration, forget_after: Duration) -> Membership {
        Membership { name, address, members: HashMap::new(), dead_after, forget_after }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A successful exchange with a peer. A new name at a known address
    /// (its state was wiped) replaces the old name.
    pub fn seen(&mut self, name: &str, address: &str, now: Instant) {
        if name == self.name {
            return;
        }
        self.members.retain(|known, member| known == name || member.address != address);
        self.members.insert(name.to_string(), Member { address: address.to_string(), last_seen: now });
    }

    /// A peer learnt of from another: known, but not alive until it answers.
    pub fn heard_of(&mut self, name: &str, address: &str, now: Instant) {
        if name == self.name || self.members.contains_key(name) || address.is_empty() {
            return;
        }
        let long_ago = now.checked_sub(self.dead_after).unwrap_or(now);
        self.members.retain(|_, member| member.address != address);
        self.members.insert(name.to_string(), Member { address: address.to_string(), last_seen: long_ago });
    }

    /// A peer whose address refuses connections is down now, whatever its
    /// last exchange: its process is gone.
    pub fn refused(&mut self, address: &str, now: Instant) {
        let long_ago = now.checked_sub(self.dead_after).unwrap_or(now);
        for member in self.members.values_mut().filter(|member| member.address == address) {
            member.last_seen = member.last_seen.min(long_ago);
        }
    }

    /// The same, for the peer known to be at a refused address by name.
    pub fn refused_name(&mut self, name: &str, now: Instant) {
        let long_ago = now.checked_sub(self.dead_after).unwrap_or(now);
        if let Some(member) = self.members.get_mut(name) {
            member.last_seen = member.last_seen.min(long_ago);
        }
    }

    /// A peer that shut down cleanly no longer counts.
    pub fn left(&mut self, name: &str) {
        self.members.remove(name);
    }

    pub fn forget_stale(&mut self, now: Instant) {
        let forget_after = self.forget_after;
        self.members.retain(|_, member| now.duration_since(member.last_seen) < forget_after);
    }

    fn is_alive(&self, member: &Member, now: Instant) -> bool {
        now.duration_since(member.last_seen) < self.dead_after
    }

    /// Every known peer but this one: name, address, alive.
    pub fn members(&self, now: Instant) -> Vec<(String, String, bool)> {
        let mut members: Vec<(String, String, bool)> = self
            .members
            .iter()
            .map(|(name, member)| (name.clone(), member.address.clone(), self.is_alive(member, now)))
            .collect();
        members.sort();
        members
    }

    /// The live peers and this one, by name.
    pub fn alive(&self, now: Instant) -> Vec<(String, String)> {
        let mut alive: Vec<(String, String)> = self
            .members
            .iter()
            .filter(|(_, member)| self.is_alive(member, now))
            .map(|(name, member)| (name.clone(), member.address.clone()))
            .chain([(self.name.clone(), self.address.clone())])
            .collect();
        alive.sort();
        alive
    }

    /// This peer's place among the live peers sorted by name.
    pub fn position(&self, now: Instant) -> usize {
        self.alive(now).iter().position(|(name, _)| *name == self.name).unwrap_or(0)
    }

    /// Whether this peer sees more than half of the peers it knows.
    pub fn has_majority(&self, now: Instant) -> bool {
        let known = self.members.len() + 1;
        self.alive(now).len() * 2 > known
    }

    /// How long after a flush this peer notifies.
    pub fn notify_delay(&self, now: Instant, peer_timeout: Duration) -> Duration {
        let position = self.position(now) as u32;
        if self.has_majority(now) {
            peer_timeout * position
        } else {
            peer_timeout * (position + MINORITY_HOLD_TIMEOUTS)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn position_follows_live_peers_and_a_minority_holds_back() {
        let start = Instant::now();
        let mut membership = Membership::new("b".into(), "b:9094".into(), SECOND, 3600 * SECOND);
        assert_eq!(membership.notify_delay(start, 15 * SECOND), Duration::ZERO, "alone, first");
        membership.seen("a", "a:9094", start);
        membership.seen("c", "c:9094", start);
        assert_eq!(membership.position(start), 1);
        assert_eq!(membership.notify_delay(start, 15 * SECOND), 15 * SECOND);

        // "a" goes quiet: "b" is first among the live, still a majority.
        let later = start + 2 * SECOND;
        membership.seen("c", "c:9094", later);
        assert_eq!(membership.position(later), 0);
        assert_eq!(membership.notify_delay(later, 15 * SECOND), Duration::ZERO);

        // Cut off from both: a minority, which holds back.
        let cut_off = start + 4 * SECOND;
        assert!(!membership.has_majority(cut_off));
        assert_eq!(membership.notify_delay(cut_off, 15 * SECOND), 60 * SECOND);

        // A refused connection means down at once.
        membership.seen("a", "a:9094", cut_off);
        membership.refused("a:9094", cut_off);
        assert_eq!(membership.alive(cut_off).len(), 1);

        // "a" left cleanly and "c" answers: a majority of two again.
        membership.left("a");
        membership.seen("c", "c:9094", cut_off);
        assert!(membership.has_majority(cut_off));
        assert_eq!(membership.alive(cut_off).len(), 2);
    }

    #[test]
    fn a_new_name_at_a_known_address_replaces_the_old_and_stale_peers_are_forgotten() {
        let start = Instant::now();
        let mut membership = Membership::new("b".into(), "b:9094".into(), SECOND, 10 * SECOND);
        membership.seen("a", "a:9094", start);
        membership.seen("a2", "a:9094", start);
        assert_eq!(membership.members(start).len(), 1);
        membership.heard_of("c", "c:9094", start);
        assert_eq!(membership.members(start)[1], ("c".to_string(), "c:9094".to_string(), false));
        membership.forget_stale(start + 20 * SECOND);
        assert!(membership.members(start).is_empty());
    }
}
