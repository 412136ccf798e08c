//! The TSDB across its whole life: the head is cut into blocks, blocks are
//! compacted, retention deletes old ones, out-of-order data lands in blocks
//! of its own, queries see head and blocks as one, and a reopened TSDB
//! (blocks + checkpoint + WAL) holds exactly the same data.

use sonde::series::{AppendBatch, Matcher, Sample, SelectHints};
use sonde::tsdb::{Tsdb, TsdbOptions};

const RANGE: i64 = 10_000;

fn options() -> TsdbOptions {
    TsdbOptions {
        block_duration_ms: RANGE,
        max_block_duration_ms: 3 * RANGE,
        retention_ms: 0,
        out_of_order_window_ms: 20_000,
        ..TsdbOptions::default()
    }
}

/// Appends `series` series with one sample every 500 ms in [from, to).
fn append_range(db: &Tsdb, series: usize, from: i64, to: i64) {
    let names: Vec<String> = (0..series).map(|i| i.to_string()).collect();
    let mut t = from;
    while t < to {
        let mut batch = AppendBatch::new();
        for name in &names {
            batch.push_series(&[("__name__", "m"), ("i", name)], &[Sample::new(t, t as f64 / 7.0)]);
        }
        let outcome = db.append(&batch).unwrap();
        assert_eq!(outcome.samples_rejected, 0, "{:?}", outcome.first_rejection);
        t += 500;
    }
}

fn all_samples(db: &Tsdb) -> Vec<(String, Vec<(i64, u64)>)> {
    let selected = db.select(&SelectHints::all_time(), &[Matcher::equal("__name__", "m")]).unwrap();
    selected
        .iter()
        .map(|s| (s.labels.to_string(), s.samples(i64::MIN, i64::MAX).iter().map(|p| (p.t, p.v.to_bits())).collect()))
        .collect()
}

fn block_ranges(db: &Tsdb) -> Vec<(i64, i64)> {
    db.blocks().iter().map(|b| (b.meta().min_time, b.meta().max_time)).collect()
}

#[test]
fn blocks_are_cut_compacted_and_queried_with_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let db = Tsdb::open(dir.path(), options()).unwrap();
    append_range(&db, 20, 0, 45_000);
    db.maintain().unwrap();
    // The head spanned 45 s: ranges [0,10s), [10s,20s), [20s,30s) were cut; the
    // newest block stays out of compaction (it may still get out-of-order data).
    assert_eq!(block_ranges(&db), vec![(0, 10_000), (10_000, 20_000), (20_000, 30_000)]);
    let samples = all_samples(&db);
    assert_eq!(samples.len(), 20);
    assert!(samples.iter().all(|(_, points)| points.len() == 90), "head and blocks together hold every sample");

    // Out-of-order samples behind the cut land in a block of their own range.
    let mut batch = AppendBatch::new();
    batch.push_series(&[("__name__", "m"), ("i", "0")], &[Sample::new(29_750, 1.0)]);
    assert_eq!(db.append(&batch).unwrap().samples_appended, 1);
    append_range(&db, 20, 45_000, 60_000);
    db.maintain().unwrap();
    // Two more ranges were cut; the out-of-order block overlapping [20s,30s) was
    // merged into it, and [0,30s) is now compacted into one block.
    assert_eq!(block_ranges(&db), vec![(0, 30_000), (30_000, 40_000), (40_000, 50_000)]);
    let zero = all_samples(&db).into_iter().find(|(l, _)| l.contains("i=\"0\"")).unwrap().1;
    assert!(zero.contains(&(29_750, 1.0f64.to_bits())), "out-of-order sample is queryable after its block was written");
    assert_eq!(zero.len(), 121);

    let before = all_samples(&db);
    drop(db);
    let reopened = Tsdb::open(dir.path(), options()).unwrap();
    assert_eq!(all_samples(&reopened), before, "blocks, checkpoint and WAL give back the same data");
    append_range(&reopened, 20, 60_000, 61_000);
}

#[test]
fn retention_deletes_old_blocks_by_time_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let db = Tsdb::open(dir.path(), TsdbOptions { retention_ms: 25_000, max_block_duration_ms: RANGE, ..options() })
        .unwrap();
    append_range(&db, 5, 0, 80_000);
    db.maintain().unwrap();
    let ranges = block_ranges(&db);
    // Newest block ends at 70 s; blocks ending at or before 45 s are gone.
    assert!(ranges.iter().all(|r| r.1 > 45_000), "{ranges:?}");
    assert!(!ranges.is_empty());
    let oldest = all_samples(&db)[0].1[0].0;
    assert!(oldest >= 40_000, "data before the retention horizon was deleted (oldest {oldest})");

    let sized = tempfile::tempdir().unwrap();
    let db = Tsdb::open(sized.path(), TsdbOptions { retention_bytes: 1, max_block_duration_ms: RANGE, ..options() })
        .unwrap();
    append_range(&db, 5, 0, 60_000);
    db.maintain().unwrap();
    assert!(db.blocks().is_empty(), "a 1-byte size limit leaves no block: {:?}", block_ranges(&db));
}

#[test]
fn a_torn_wal_tail_is_cut_off_and_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Tsdb::open(dir.path(), options()).unwrap();
        append_range(&db, 3, 0, 5_000);
    }
    let segment = std::fs::read_dir(dir.path().join("wal"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .max()
        .unwrap();
    let length = std::fs::metadata(&segment).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&segment).unwrap();
    file.set_len(length - 7).unwrap();
    let db = Tsdb::open(dir.path(), options()).unwrap();
    let samples = all_samples(&db);
    assert_eq!(samples.len(), 3);
    assert!(samples.iter().all(|(_, p)| p.len() >= 9), "all but the torn last record survive");
    append_range(&db, 3, 5_000, 6_000);
}

#[tokio::test]
async fn sonde_all_cuts_blocks_at_its_block_duration_flag() {
    use sonde::ingest::remote_write::Protocol;

    use crate::support::{Sonde, body, get_json, now_ms, post_write, series};

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sonde = Sonde::start(
        &data,
        &[
            "--storage.tsdb.min-block-duration=1s",
            "--storage.tsdb.maintenance-interval=100ms",
            "--storage.tsdb.retention.time=1h",
        ],
    );
    let client = reqwest::Client::new();
    let start = now_ms() - 10_000;
    let samples: Vec<(i64, f64)> = (0..50).map(|i| (start + i * 100, i as f64)).collect();
    let payload = body(Protocol::V1, &[series(&[("__name__", "cut_me"), ("job", "t")], &samples)]);
    let (status, _, text) = post_write(&client, &sonde.url("/api/v1/write"), Protocol::V1, payload, None).await;
    assert_eq!(status, 204, "{text}");

    let tenant_dir = data.join("tenants").join("anonymous");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let blocks = loop {
        let blocks: Vec<_> = std::fs::read_dir(&tenant_dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().len() == 26 && e.path().join("meta.json").exists())
            .collect();
        if !blocks.is_empty() || std::time::Instant::now() > deadline {
            break blocks;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(!blocks.is_empty(), "no block was cut with a 1s block duration");
    // The first second of data now lives in a block; the API still finds it there.
    let url = sonde.url(&format!(
        "/api/v1/series?match[]=cut_me&start={}&end={}",
        start as f64 / 1000.0,
        (start + 500) as f64 / 1000.0
    ));
    let found = get_json(&client, &url).await;
    assert_eq!(found["data"].as_array().unwrap().len(), 1, "{found}");
    let metrics = client.get(sonde.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("sonde_tsdb_head_cuts_total"), "{metrics}");
    assert!(!metrics.contains("sonde_tsdb_head_cuts_total 0\n"), "a cut should be counted");
}
