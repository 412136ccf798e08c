//! Silences (prometheus/alertmanager silence/silence.go): matchers over a
//! time range that mute the alerts they match. Creating, updating in place
//! or replacing, expiring, querying and muting follow upstream's rules;
//! every change is written to the store and flushed before it is
//! acknowledged, and peers' versions merge by `updated_at`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::RwLock;
use serde::{Deserialize, Serialize};

use super::alert::Nanos;
use super::labels::{LabelSet, is_valid_label_name};
use super::matcher::{MatchType, Matcher, Matchers};
use super::persist::{PersistError, Table};

#[derive(Debug, thiserror::Error)]
pub enum SilenceError {
    #[error("silence not found")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Persist(#[from] PersistError),
}

/// One matcher of a silence, as the API and peers carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SilenceMatcher {
    pub name: String,
    pub value: String,
    pub is_regex: bool,
    pub is_equal: bool,
}

impl SilenceMatcher {
    pub fn to_matcher(&self) -> Result<Matcher, String> {
        let kind = match (self.is_regex, self.is_equal) {
            (false, true) => MatchType::Equal,
            (false, false) => MatchType::NotEqual,
            (true, true) => MatchType::Regexp,
            (true, false) => MatchType::NotRegexp,
        };
        Matcher::new(kind, self.name.clone(), self.value.clone())
            .map_err(|error| format!("invalid regular expression {:?}: {error}", self.value))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<SilenceMatcher>,
    pub starts_at: Nanos,
    pub ends_at: Nanos,
    pub updated_at: Nanos,
    pub created_by: String,
    pub comment: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SilenceState {
    Active,
    Pending,
    Expired,
}

impl SilenceState {
    pub fn as_str(self) -> &'static str {
        match self {
            SilenceState::Active => "active",
            SilenceState::Pending => "pending",
            SilenceState::Expired => "expired",
        }
    }
}

impl Silence {
    pub fn state(&self, now: Nanos) -> SilenceState {
        if now < self.starts_at {
            SilenceState::Pending
        } else if now < self.ends_at {
            SilenceState::Active
        } else {
            SilenceState::Expired
        }
    }

    /// The checks upstream's `validateSilence` makes, with its wording.
    pub fn validate(&self) -> Result<Matchers, String> {
        if self.matchers.is_empty() {
            return Err("at least one matcher required".into());
        }
        let mut matchers = Vec::with_capacity(self.matchers.len());
        for matcher in &self.matchers {
            if !is_valid_label_name(&matcher.name) {
                return Err(format!("invalid label matcher {}: invalid label name {:?}", matchers.len(), matcher.name));
            }
            let index = matchers.len();
            matchers.push(matcher.to_matcher().map_err(|e| format!("invalid label matcher {index}: {e}"))?);
        }
        if matchers.iter().all(|matcher| matcher.matches("")) {
            return Err("at least one matcher must not match the empty string".into());
        }
        if self.ends_at < self.starts_at {
            return Err("end time must not be before start time".into());
        }
        Ok(Matchers::new(matchers))
    }

    /// Whether the alert's labels satisfy every matcher.
    pub fn matches(&self, labels: &LabelSet) -> bool {
        self.matchers.iter().all(|matcher| matcher.to_matcher().is_ok_and(|m| m.matches_labels(labels)))
    }

    /// Upstream's `CheckSilenceMatchesFilterLabels`: each filter matcher
    /// must name a label the silence matches on and accept its value.
    pub fn matches_filter(&self, filter: &[Matcher]) -> bool {
        let values: HashMap<&str, &str> =
            self.matchers.iter().map(|matcher| (matcher.name.as_str(), matcher.value.as_str())).collect();
        filter.iter().all(|matcher| values.get(matcher.name()).is_some_and(|value| matcher.matches(value)))
    }
}

/// A silence with its compiled matchers, for muting, and the local change
/// sequence number peers catch up by.
struct Entry {
    silence: Silence,
    matchers: Matchers,
    sequence: u64,
}

/// The silences of one Alertmanager, shared by the API, the pipeline and
/// the peers.
pub struct Silences {
    entries: RwLock<HashMap<String, Entry>>,
    table: Table,
    /// Expired silences are kept this long after their end.
    retention: Nanos,
    /// Bumped on every change; each entry records the value of its change.
    version: AtomicU64,
}

impl Silences {
    /// Loads the silences kept in `table`.
    pub fn open(table: Table, retention: Nanos) -> Result<Silences, SilenceError> {
        let mut entries = HashMap::new();
        for silence in table.load::<Silence>()? {
            if let Ok(matchers) = silence.validate() {
                entries.insert(silence.id.clone(), Entry { silence, matchers, sequence: 1 });
            }
        }
        Ok(Silences { entries: RwLock::new(entries), table, retention, version: AtomicU64::new(1) })
    }

    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Relaxed)
    }

    /// Creates a silence, or changes the one with its id: in place when only
    /// what upstream allows changed, else by expiring it and creating a new
    /// one. Returns the id the silence has now.
    pub async fn set(&self, mut silence: Silence, now: Nanos) -> Result<String, SilenceError> {
        // Upstream's API checks the times before the silence itself.
        if silence.ends_at <= silence.starts_at {
            return Err(SilenceError::Invalid("Failed to create silence: start time must be before end time".into()));
        }
        if silence.ends_at < now {
            return Err(SilenceError::Invalid("Failed to create silence: end time can't be in the past".into()));
        }
        silence.validate().map_err(|error| SilenceError::Invalid(format!("silence invalid: {error}")))?;
        if !silence.id.is_empty() {
            let previous = self.get(&silence.id).ok_or(SilenceError::NotFound)?;
            if can_update(&previous, &silence, now) {
                silence.updated_at = now;
                let id = silence.id.clone();
                self.store(silence).await?;
                return Ok(id);
            }
            self.expire(&previous.id, now).await?;
        }
        silence.id = new_id();
        silence.starts_at = silence.starts_at.max(now);
        silence.updated_at = now;
        let id = silence.id.clone();
        self.store(silence).await?;
        Ok(id)
    }

    /// Ends a silence now; a pending one ends before it starts. Expiring an
    /// expired silence changes nothing and succeeds, as in Alertmanager 0.25.
    pub async fn expire(&self, id: &str, now: Nanos) -> Result<(), SilenceError> {
        let mut silence = self.get(id).ok_or(SilenceError::NotFound)?;
        match silence.state(now) {
            SilenceState::Expired => return Ok(()),
            SilenceState::Active => silence.ends_at = now,
            SilenceState::Pending => {
                silence.starts_at = now;
                silence.ends_at = now;
            }
        }
        silence.updated_at = now;
        self.store(silence).await
    }

    /// Takes a peer's version of a silence if it is newer than ours; returns
    /// whether it was taken.
    pub fn merge(&self, silence: Silence, now: Nanos) -> Result<bool, SilenceError> {
        if silence.ends_at + self.retention < now {
            return Ok(false);
        }
        if self.get(&silence.id).is_some_and(|ours| ours.updated_at >= silence.updated_at) {
            return Ok(false);
        }
        let matchers = silence.validate().map_err(SilenceError::Invalid)?;
        self.table.insert(&silence.id, &silence)?;
        self.remember(silence, matchers);
        Ok(true)
    }

    pub fn get(&self, id: &str) -> Option<Silence> {
        self.entries.read().get(id).map(|entry| entry.silence.clone())
    }

    /// Every silence, in upstream's API order: active by end, then pending
    /// by start, then expired by end, latest first.
    pub fn list(&self, now: Nanos) -> Vec<Silence> {
        let mut silences: Vec<Silence> = self.entries.read().values().map(|entry| entry.silence.clone()).collect();
        silences.sort_by(|a, b| {
            let (state_a, state_b) = (a.state(now), b.state(now));
            state_a.cmp(&state_b).then_with(|| match state_a {
                SilenceState::Active => a.ends_at.cmp(&b.ends_at),
                SilenceState::Pending => a.starts_at.cmp(&b.starts_at),
                SilenceState::Expired => b.ends_at.cmp(&a.ends_at),
            })
        });
        silences
    }

    /// The ids of the active silences that match the labels, sorted.
    pub fn muting(&self, labels: &LabelSet, now: Nanos) -> Vec<String> {
        let entries = self.entries.read();
        let mut ids: Vec<String> = entries
            .values()
            .filter(|entry| entry.silence.state(now) == SilenceState::Active && entry.matchers.matches(labels))
            .map(|entry| entry.silence.id.clone())
            .collect();
        ids.sort();
        ids
    }

    /// Silences changed after change `sequence` (0: all), and the latest
    /// change's sequence number, for peers catching up.
    pub fn changed_since(&self, sequence: u64) -> (Vec<Silence>, u64) {
        let entries = self.entries.read();
        let latest = self.version();
        let changed = entries.values().filter(|entry| entry.sequence > sequence).map(|e| e.silence.clone()).collect();
        (changed, latest)
    }

    /// Drops silences that ended more than the retention ago.
    pub async fn collect_garbage(&self, now: Nanos) -> Result<usize, SilenceError> {
        let old: Vec<String> = {
            let entries = self.entries.read();
            let expired = entries.values().filter(|entry| entry.silence.ends_at + self.retention < now);
            expired.map(|entry| entry.silence.id.clone()).collect()
        };
        for id in &old {
            self.table.remove(id).await?;
            self.entries.write().remove(id);
        }
        if !old.is_empty() {
            self.version.fetch_add(1, Ordering::Relaxed);
        }
        Ok(old.len())
    }

    async fn store(&self, silence: Silence) -> Result<(), SilenceError> {
        let matchers = silence.validate().map_err(SilenceError::Invalid)?;
        self.table.put(&silence.id, &silence).await?;
        self.remember(silence, matchers);
        Ok(())
    }

    fn remember(&self, silence: Silence, matchers: Matchers) {
        let mut entries = self.entries.write();
        let sequence = self.version.fetch_add(1, Ordering::Relaxed) + 1;
        entries.insert(silence.id.clone(), Entry { silence, matchers, sequence });
    }
}

/// Upstream's `canUpdate`: same matchers, and for an active silence the
/// same start and an end not in the past; for a pending one a start not in
/// the past; never for an expired one.
fn can_update(previous: &Silence, next: &Silence, now: Nanos) -> bool {
    if previous.matchers != next.matchers {
        return false;
    }
    match previous.state(now) {
        SilenceState::Active => {
            next.starts_at / 1_000_000_000 == previous.starts_at / 1_000_000_000 && next.ends_at >= now
        }
        SilenceState::Pending => next.starts_at >= now,
        SilenceState::Expired => false,
    }
}

/// A random version-4 UUID.
fn new_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut halves = [0u64; 2];
    for (round, half) in halves.iter_mut().enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_i64(super::alert::now_nanos());
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        hasher.write_u32(std::process::id());
        hasher.write_usize(round);
        *half = hasher.finish();
    }
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&halves[0].to_le_bytes());
    bytes[8..].copy_from_slice(&halves[1].to_le_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
#[path = "silence_tests.rs"]
mod tests;
