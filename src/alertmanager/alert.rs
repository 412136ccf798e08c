//! An alert as Alertmanager holds it (prometheus/alertmanager types.Alert):
//! labels, annotations, the activity range, and whether its end was set by
//! the sender or by `resolve_timeout`. Times are unix nanoseconds, as Go's
//! `time.Time` keeps them; an unset end is Go's zero time.

use super::labels::LabelSet;
use crate::calendar::civil_from_days;

/// Unix nanoseconds.
pub type Nanos = i64;

/// An alert's identity: a hash of its label set, printed as 16 hex digits.
/// It is prometheus/common's `LabelSet.Fingerprint` (FNV-1a over sorted
/// names and values, each followed by 0xff), so fingerprints agree with
/// Alertmanager's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub u64);

impl Fingerprint {
    pub fn of(labels: &LabelSet) -> Fingerprint {
        const OFFSET: u64 = 14_695_981_039_346_656_037;
        const PRIME: u64 = 1_099_511_628_211;
        if labels.is_empty() {
            return Fingerprint(OFFSET);
        }
        let mut hash = OFFSET;
        let mut add = |bytes: &[u8]| {
            for &byte in bytes.iter().chain(&[0xff]) {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(PRIME);
            }
        };
        for (name, value) in labels {
            add(name.as_bytes());
            add(value.as_bytes());
        }
        Fingerprint(hash)
    }

    pub fn parse(text: &str) -> Option<Fingerprint> {
        u64::from_str_radix(text, 16).ok().map(Fingerprint)
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Alert {
    pub labels: LabelSet,
    pub annotations: LabelSet,
    pub starts_at: Nanos,
    /// `None` is Go's zero time: the alert fires until told otherwise.
    pub ends_at: Option<Nanos>,
    pub generator_url: String,
    /// When this Alertmanager last received the alert.
    pub updated_at: Nanos,
    /// The end was set from `resolve_timeout`, not by the sender.
    pub timeout: bool,
}

impl Alert {
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.labels)
    }

    /// The label `alertname`, or "".
    pub fn name(&self) -> &str {
        self.labels.get("alertname").map_or("", String::as_str)
    }

    /// Whether the alert has ended by `now` (upstream's `ResolvedAt`).
    pub fn resolved_at(&self, now: Nanos) -> bool {
        self.ends_at.is_some_and(|end| end <= now)
    }

    /// "firing" or "resolved" at `now`.
    pub fn status(&self, now: Nanos) -> &'static str {
        if self.resolved_at(now) { "resolved" } else { "firing" }
    }

    /// Combines two versions of one alert as upstream's `Alert.Merge`: the
    /// newer one (by `updated_at`) wins, keeping the earliest start; when
    /// both have ended the latest end wins; an explicit end later than a
    /// firing newer version's end is kept.
    pub fn merge(&self, other: &Alert, now: Nanos) -> Alert {
        if other.updated_at < self.updated_at {
            return other.merge(self, now);
        }
        let (older, newer) = (self, other);
        let mut merged = newer.clone();
        if older.starts_at < newer.starts_at {
            merged.starts_at = older.starts_at;
        }
        let later = |a: Option<Nanos>, b: Option<Nanos>| a.unwrap_or(i64::MIN) > b.unwrap_or(i64::MIN);
        if newer.resolved_at(now) {
            if older.resolved_at(now) && later(older.ends_at, newer.ends_at) {
                merged.ends_at = older.ends_at;
            }
        } else if later(older.ends_at, newer.ends_at) && !older.timeout {
            merged.ends_at = older.ends_at;
        }
        merged
    }

    /// Whether the two versions' activity ranges overlap, the condition
    /// under which the alert store merges a new version into the old.
    pub fn overlaps(&self, newer: &Alert) -> bool {
        let old_end = self.ends_at.unwrap_or(i64::MIN);
        let new_end = newer.ends_at.unwrap_or(i64::MIN);
        (new_end > self.starts_at && new_end < old_end)
            || (newer.starts_at > self.starts_at && newer.starts_at < old_end)
    }
}

pub fn now_nanos() -> Nanos {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(since) => since.as_nanos() as Nanos,
        Err(_) => 0,
    }
}

/// Go's `time.Time` in JSON (RFC 3339 with the fraction's trailing zeros
/// cut), as webhook bodies carry times; `None` is Go's zero time.
pub fn format_go_time(time: Option<Nanos>) -> String {
    match time {
        None => "0001-01-01T00:00:00Z".to_string(),
        Some(nanos) => {
            let (date, fraction) = civil_parts(nanos);
            let fraction = format!("{fraction:09}");
            let fraction = fraction.trim_end_matches('0');
            if fraction.is_empty() { format!("{date}Z") } else { format!("{date}.{fraction}Z") }
        }
    }
}

/// The API's `strfmt.DateTime`: RFC 3339 with exactly three decimals.
pub fn format_api_time(time: Option<Nanos>) -> String {
    match time {
        None => "0001-01-01T00:00:00.000Z".to_string(),
        Some(nanos) => {
            let (date, fraction) = civil_parts(nanos);
            format!("{date}.{:03}Z", fraction / 1_000_000)
        }
    }
}

/// Parses RFC 3339 with up to nanosecond precision; Go's zero time is `None`.
pub fn parse_go_time(text: &str) -> Result<Option<Nanos>, String> {
    let invalid = || format!("parsing time {text:?} as RFC 3339: invalid time");
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b't') {
        return Err(invalid());
    }
    if bytes[13] != b':' || bytes[16] != b':' {
        return Err(invalid());
    }
    let number = |range: std::ops::Range<usize>| text.get(range).and_then(|part| part.parse::<i64>().ok());
    let fields = (number(0..4), number(5..7), number(8..10), number(11..13), number(14..16), number(17..19));
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = fields else {
        return Err(invalid());
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return Err(invalid());
    }
    let mut rest = &text[19..];
    let mut nanos = 0i64;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return Err(invalid());
        }
        nanos = format!("{:0<9}", &fraction[..digits]).parse().map_err(|_| invalid())?;
        rest = &fraction[digits..];
    }
    let offset_seconds = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && matches!(rest.as_bytes()[0], b'+' | b'-') && rest.as_bytes()[3] == b':' => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            let hours = rest[1..3].parse::<i64>().map_err(|_| invalid())?;
            let minutes = rest[4..6].parse::<i64>().map_err(|_| invalid())?;
            sign * (hours * 3600 + minutes * 60)
        }
        _ => return Err(invalid()),
    };
    if year == 1 && month == 1 && day == 1 && hour == 0 && minute == 0 && second == 0 && nanos == 0 {
        return Ok(None);
    }
    let days = crate::calendar::days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    seconds.checked_mul(1_000_000_000).and_then(|n| n.checked_add(nanos)).map(Some).ok_or_else(invalid)
}

/// "2006-01-02T15:04:05" and the nanoseconds of the second.
fn civil_parts(nanos: Nanos) -> (String, i64) {
    let (seconds, fraction) = (nanos.div_euclid(1_000_000_000), nanos.rem_euclid(1_000_000_000));
    let (days, day_seconds) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let (h, m, s) = (day_seconds / 3600, day_seconds % 3600 / 60, day_seconds % 60);
    (format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}"), fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> LabelSet {
        pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    #[test]
    fn fingerprints_match_prometheus_common() {
        assert_eq!(Fingerprint::of(&LabelSet::new()).0, 14_695_981_039_346_656_037);
        // The value a Go program computes with model.LabelSet.Fingerprint.
        assert_eq!(Fingerprint::of(&labels(&[("testing", "tester")])).0, 5_407_378_286_431_217_024);
        let fp = Fingerprint::of(&labels(&[("foo", "bar")]));
        assert_eq!(fp.to_string(), "3fff2c2d7595e046");
        assert_eq!(Fingerprint::parse(&fp.to_string()), Some(fp));
    }

    #[test]
    fn go_times_round_trip() {
        let nanos = parse_go_time("2024-05-01T10:00:03.123456789Z").unwrap().unwrap();
        assert_eq!(format_go_time(Some(nanos)), "2024-05-01T10:00:03.123456789Z");
        assert_eq!(format_api_time(Some(nanos)), "2024-05-01T10:00:03.123Z");
        let whole = parse_go_time("2024-05-01T12:00:03+02:00").unwrap();
        assert_eq!(format_go_time(whole), "2024-05-01T10:00:03Z");
        assert_eq!(parse_go_time("0001-01-01T00:00:00Z").unwrap(), None);
        assert_eq!(format_go_time(None), "0001-01-01T00:00:00Z");
        assert!(parse_go_time("yesterday").is_err());
    }

    #[test]
    fn merge_keeps_earliest_start_and_explicit_ends() {
        let now = 1_000;
        let old = Alert { starts_at: 100, ends_at: Some(2_000), updated_at: 10, ..Alert::default() };
        let new = Alert { starts_at: 200, ends_at: Some(1_500), updated_at: 20, timeout: true, ..Alert::default() };
        let merged = old.merge(&new, now);
        assert_eq!((merged.starts_at, merged.ends_at), (100, Some(2_000)));
        // A resolve timeout on the older version does not extend the newer one.
        let old_timeout = Alert { timeout: true, ..old.clone() };
        assert_eq!(old_timeout.merge(&new, now).ends_at, Some(1_500));
        // Both ended: the later end wins.
        let ended = Alert { ends_at: Some(900), updated_at: 30, ..new.clone() };
        let ended_older = Alert { ends_at: Some(950), ..old.clone() };
        assert_eq!(ended_older.merge(&ended, now).ends_at, Some(950));
        assert_eq!(ended.merge(&ended_older, now).ends_at, Some(950));
    }
}
