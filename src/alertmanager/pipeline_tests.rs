use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use super::*;
use crate::alertmanager::alert::now_nanos;
use crate::alertmanager::route::RouteOptions;
use crate::alertmanager::silence::SilenceMatcher;
use crate::alertmanager::test_support::{alert, pipeline};

const CONFIG: &str = "route:\n  receiver: r\nreceivers:\n  - name: r\n";

fn flush(now: Nanos) -> Flush {
    Flush {
        receiver: "r".into(),
        group_key: "{}:{}".into(),
        group_labels: LabelSet::new(),
        route: RouteOptions { receiver: "r".into(), ..RouteOptions::default() },
        now,
        deadline: Instant::now() + Duration::from_secs(10),
    }
}

fn set(hashes: &[u64]) -> BTreeSet<u64> {
    hashes.iter().copied().collect()
}

#[test]
fn dedup_follows_upstream_rules() {
    let entry = |firing: &[u64], resolved: &[u64], timestamp| Entry {
        group_key: "g".into(),
        receiver: ReceiverKey { group_name: "r".into(), integration: "webhook".into(), index: 0 },
        timestamp,
        firing: set(firing),
        resolved: set(resolved),
        expires_at: i64::MAX,
        origin: String::new(),
        previous: None,
    };
    let hour = 3_600_000_000_000;
    // A new group notifies only when something fires.
    assert!(needs_update(None, &set(&[1]), &set(&[]), false, hour, 0));
    assert!(!needs_update(None, &set(&[]), &set(&[1]), true, hour, 0));
    // A new firing alert notifies; the same ones wait for the repeat interval.
    let last = entry(&[1], &[], 0);
    assert!(needs_update(Some(&last), &set(&[1, 2]), &set(&[]), false, hour, 10));
    assert!(!needs_update(Some(&last), &set(&[1]), &set(&[]), false, hour, 10));
    assert!(needs_update(Some(&last), &set(&[1]), &set(&[]), false, hour, hour + 1));
    // All resolved: notify to clear, whatever send_resolved says, but only once.
    assert!(needs_update(Some(&last), &set(&[]), &set(&[1]), false, hour, 10));
    assert!(!needs_update(Some(&entry(&[], &[1], 0)), &set(&[]), &set(&[1]), true, hour, 10));
    // Some resolved: only integrations that send resolved notifications notify.
    let two = entry(&[1, 2], &[], 0);
    assert!(needs_update(Some(&two), &set(&[1]), &set(&[2]), true, hour, 10));
    assert!(!needs_update(Some(&two), &set(&[1]), &set(&[2]), false, hour, 10));
}

#[tokio::test]
async fn silenced_alerts_are_dropped_and_notifications_deduplicated() {
    let (pipeline, recorder) = pipeline(CONFIG, true);
    let now = now_nanos();
    let silence = Silence {
        id: String::new(),
        matchers: vec![SilenceMatcher { name: "name".into(), value: "quiet".into(), is_regex: false, is_equal: true }],
        starts_at: now,
        ends_at: now + 3_600_000_000_000,
        updated_at: 0,
        created_by: "test".into(),
        comment: "".into(),
    };
    pipeline.silences.set(silence, now).await.unwrap();
    let alerts = vec![alert("loud", now, None), alert("quiet", now, None)];
    pipeline.exec(&flush(now), alerts.clone()).await.unwrap();
    assert_eq!(recorder.take(), [("{}:{}".to_string(), vec!["loud:firing".to_string()])]);
    // The same alerts again: nothing new, nothing sent.
    pipeline.exec(&flush(now_nanos()), alerts).await.unwrap();
    assert!(recorder.take().is_empty());
    // Resolved: sent, since the integration sends resolved notifications.
    let later = now_nanos();
    pipeline.exec(&flush(later), vec![alert("loud", now, Some(later))]).await.unwrap();
    assert_eq!(recorder.take(), [("{}:{}".to_string(), vec!["loud:resolved".to_string()])]);
}

#[tokio::test]
async fn failed_attempts_are_retried_until_one_succeeds() {
    let (pipeline, recorder) = pipeline(CONFIG, false);
    recorder.failures.store(2, std::sync::atomic::Ordering::SeqCst);
    let now = now_nanos();
    pipeline.exec(&flush(now), vec![alert("x", now, None)]).await.unwrap();
    assert_eq!(recorder.take().len(), 1);

    // A deadline that passes while retrying gives up with the reason.
    recorder.failures.store(100, std::sync::atomic::Ordering::SeqCst);
    let mut short = flush(now);
    short.group_key = "{}:{other=\"group\"}".into();
    short.deadline = Instant::now() + Duration::from_millis(800);
    let error = pipeline.exec(&short, vec![alert("x", now, None)]).await.unwrap_err();
    assert!(error.contains("notify retry canceled after 2 attempts: unavailable"), "{error}");
}
