use std::time::Duration;

use super::*;
use crate::alertmanager::alert::now_nanos;
use crate::alertmanager::store::AlertStore;
use crate::alertmanager::test_support::{alert, pipeline};

const CONFIG: &str = "route:
  receiver: r
  group_by: [alertname]
  group_wait: 300ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: r
";

#[tokio::test]
async fn groups_wait_then_flush_every_interval() {
    let (pipeline, recorder) = pipeline(CONFIG, true);
    let store = AlertStore::new();
    let config = crate::alertmanager::Config::parse(CONFIG, "am.yml").unwrap();
    let dispatcher = Dispatcher::start(Arc::new(Route::new(&config.route)), pipeline, store.subscribe());
    let now = now_nanos();
    store.put(vec![alert("one", now, None), alert("two", now, None)], now);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(recorder.take().is_empty(), "nothing before group_wait");
    tokio::time::sleep(Duration::from_millis(350)).await;
    let key = "{}:{alertname=\"A\"}".to_string();
    assert_eq!(recorder.take(), [(key.clone(), vec!["one:firing".to_string(), "two:firing".to_string()])]);

    // A third alert waits for the group interval, not group_wait.
    store.put(vec![alert("three", now_nanos(), None)], now_nanos());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(recorder.take().is_empty());
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    assert_eq!(recorder.take().len(), 1);

    // Resolving every alert notifies once and then empties the group.
    let end = now_nanos();
    let resolved: Vec<Alert> = ["one", "two", "three"]
        .into_iter()
        .map(|name| Alert { updated_at: end, ..alert(name, now, Some(end)) })
        .collect();
    store.put(resolved, end);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let sent = recorder.take();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].1.iter().all(|name| name.ends_with(":resolved")), "{sent:?}");
    assert!(dispatcher.groups()[0].alerts().is_empty());
}

#[tokio::test]
async fn an_alert_that_started_long_ago_flushes_at_once() {
    let (pipeline, recorder) = pipeline(&CONFIG.replace("300ms", "1m"), false);
    let store = AlertStore::new();
    let config = crate::alertmanager::Config::parse(&CONFIG.replace("300ms", "1m"), "am.yml").unwrap();
    let _dispatcher = Dispatcher::start(Arc::new(Route::new(&config.route)), pipeline, store.subscribe());
    let now = now_nanos();
    store.put(vec![alert("old", now - 120_000_000_000, None)], now);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(recorder.take().len(), 1);
}

#[test]
fn alerts_sort_by_job_then_instance_then_labels() {
    let with = |pairs: &[(&str, &str)]| Alert {
        labels: pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        ..Alert::default()
    };
    let mut alerts = vec![
        with(&[("a", "1")]),
        with(&[("job", "b"), ("z", "1")]),
        with(&[("job", "a"), ("instance", "2")]),
        with(&[("job", "a"), ("instance", "1")]),
    ];
    sort_alerts(&mut alerts);
    let jobs: Vec<String> =
        alerts.iter().map(|a| format!("{:?}", (a.labels.get("job"), a.labels.get("instance")))).collect();
    assert_eq!(
        jobs,
        [r#"(Some("a"), Some("1"))"#, r#"(Some("a"), Some("2"))"#, r#"(Some("b"), None)"#, "(None, None)"]
    );
}
