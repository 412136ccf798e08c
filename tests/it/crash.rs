//! `kill -9` under remote-write load loses no acknowledged sample: the node
//! is killed mid-load, restarted, and every sample it acknowledged is found.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use sonde::ingest::remote_write::Protocol;
use sonde::series::{Matcher, SelectHints};
use sonde::tsdb::{Storage, TsdbOptions};

use crate::support::{Sonde, body, get_json, now_ms, series};

const WRITERS: usize = 4;
const SERIES_PER_REQUEST: usize = 50;

/// Acknowledged rounds per writer.
type Acked = Arc<Mutex<Vec<Vec<i64>>>>;

async fn writer(url: String, writer: usize, start: i64, acked: Acked) {
    let client = reqwest::Client::new();
    for round in 0.. {
        let t = start + round * 1000;
        let payload: Vec<_> = (0..SERIES_PER_REQUEST)
            .map(|i| {
                series(
                    &[("__name__", "crash_metric"), ("series", &i.to_string()), ("writer", &writer.to_string())],
                    &[(t, round as f64)],
                )
            })
            .collect();
        let request = client
            .post(&url)
            .header("Content-Type", Protocol::V1.content_type())
            .header("Content-Encoding", "snappy")
            .body(body(Protocol::V1, &payload))
            .send()
            .await;
        match request {
            Ok(response) if response.status() == 204 => acked.lock()[writer].push(t),
            Ok(response) => panic!("unexpected answer {}: {:?}", response.status(), response.text().await),
            Err(_) => return, // the node is gone
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_no_acknowledged_sample() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut sonde = Sonde::start(&data, &[]);
    let acked: Acked = Arc::new(Mutex::new(vec![Vec::new(); WRITERS]));
    let start = now_ms() - 600_000;
    let tasks: Vec<_> =
        (0..WRITERS).map(|w| tokio::spawn(writer(sonde.url("/api/v1/write"), w, start, acked.clone()))).collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    sonde.kill9();
    for task in tasks {
        task.await.unwrap();
    }
    let acked = acked.lock().clone();
    let total: usize = acked.iter().map(Vec::len).sum();
    assert!(total > 10, "too few requests acknowledged before the kill ({total}); the test proves nothing");

    sonde.restart();
    let client = reqwest::Client::new();
    let found = get_json(&client, &sonde.url("/api/v1/series?match[]=crash_metric")).await;
    assert_eq!(found["data"].as_array().unwrap().len(), WRITERS * SERIES_PER_REQUEST);
    assert!(sonde.terminate().success(), "sonde did not exit cleanly on SIGTERM");

    let storage = Storage::open(&data, TsdbOptions::default()).unwrap();
    let db = storage.tenant("anonymous").expect("tenant data exists");
    for (writer, rounds) in acked.iter().enumerate() {
        let matchers = [Matcher::equal("__name__", "crash_metric"), Matcher::equal("writer", writer.to_string())];
        let selected = db.select(&SelectHints::all_time(), &matchers).unwrap();
        assert_eq!(selected.len(), SERIES_PER_REQUEST);
        for one in selected {
            let times: Vec<i64> = one.samples(i64::MIN, i64::MAX).iter().map(|s| s.t).collect();
            for t in rounds {
                assert!(
                    times.binary_search(t).is_ok(),
                    "acknowledged sample at {t} of {} missing after kill -9",
                    one.labels
                );
            }
        }
    }
    eprintln!("kill -9: {total} acknowledged requests, all found after restart");
}
