//! Block round trips, corruption, crash leftovers and bytes per sample.

use std::collections::BTreeSet;
use std::path::Path;

use proptest::prelude::*;

use super::*;
use crate::series::chunk::Chunk;
use crate::series::{Labels, Sample, stale_nan};
use crate::tsdb::index::IndexReader;

/// Cuts samples into chunks of 120, as the head does.
pub(crate) fn chunks_of(samples: &[Sample]) -> Vec<Chunk> {
    samples.chunks(120).map(Chunk::encode_xor).collect()
}

pub(crate) fn labels(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied())
}

pub(crate) fn read_samples(block: &Block, id: u32) -> Vec<Sample> {
    block.series_chunks(id, i64::MIN, i64::MAX).unwrap().iter().flat_map(|c| c.iter().collect::<Vec<_>>()).collect()
}

fn write(dir: &Path, series: Vec<(Labels, Vec<Sample>)>, min_time: i64, max_time: i64) -> Block {
    let input = series.into_iter().map(|(l, s)| (l, chunks_of(&s)));
    let meta = write_block(dir, min_time, max_time, input, CompactionMeta::default()).unwrap();
    Block::open(&dir.join(&meta.ulid)).unwrap()
}

fn small_block(dir: &Path) -> Block {
    let series = vec![
        (labels(&[("__name__", "up"), ("job", "api"), ("instance", "a")]), vec![Sample::new(1000, 1.0)]),
        (labels(&[("__name__", "up"), ("job", "node"), ("instance", "a")]), vec![Sample::new(1000, 0.0)]),
        (labels(&[("__name__", "up"), ("job", "node"), ("instance", "b")]), vec![Sample::new(2000, 1.0)]),
        (labels(&[("__name__", "x"), ("job", "node")]), vec![Sample::new(3000, 5.5)]),
    ];
    let mut series = series;
    series.sort_by(|a, b| a.0.cmp(&b.0));
    write(dir, series, 0, 10_000)
}

#[test]
fn postings_names_and_values_answer_like_a_naive_index() {
    let dir = tempfile::tempdir().unwrap();
    let block = small_block(dir.path());
    assert_eq!(block.label_names(), vec!["__name__", "instance", "job"]);
    assert_eq!(block.label_values("job"), vec!["api", "node"]);
    assert_eq!(block.label_values("nope"), Vec::<String>::new());
    let ids = |name: &str, value: &str| block.postings(name, value).iter().collect::<Vec<u32>>();
    assert_eq!(ids("__name__", "up"), vec![0, 1, 2]);
    assert_eq!(ids("job", "node"), vec![1, 2, 3]);
    assert_eq!(ids("instance", "b"), vec![2]);
    assert_eq!(ids("job", "missing"), Vec::<u32>::new());
    assert_eq!(ids("node", "job"), Vec::<u32>::new());
    assert_eq!(block.all_postings().len(), 4);
    assert_eq!(block.series_labels(3), labels(&[("__name__", "x"), ("job", "node")]));
    assert_eq!(block.meta().stats, BlockStats { num_samples: 4, num_series: 4, num_chunks: 4 });
    assert_eq!(block.meta().compaction, CompactionMeta { level: 1, sources: vec![block.meta().ulid.clone()] });
}

#[test]
fn series_chunks_selects_by_inclusive_time_range() {
    let dir = tempfile::tempdir().unwrap();
    let samples: Vec<Sample> = (0..360).map(|i| Sample::new(i * 10, i as f64)).collect();
    let block = write(dir.path(), vec![(labels(&[("a", "b")]), samples)], 0, 3600);
    let ranges = |mint, maxt| -> Vec<(i64, i64)> {
        block.series_chunks(0, mint, maxt).unwrap().iter().map(|c| (c.mint, c.maxt)).collect()
    };
    assert_eq!(ranges(i64::MIN, i64::MAX), vec![(0, 1190), (1200, 2390), (2400, 3590)]);
    assert_eq!(ranges(1190, 1200), vec![(0, 1190), (1200, 2390)]);
    assert_eq!(ranges(1191, 1199), Vec::<(i64, i64)>::new());
    assert_eq!(ranges(3590, 5000), vec![(2400, 3590)]);
}

#[test]
fn a_corrupted_index_byte_fails_open_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let block = small_block(dir.path());
    let block_dir = block.dir().to_path_buf();
    drop(block);
    let path = block_dir.join("index");
    let mut bytes = std::fs::read(&path).unwrap();
    for position in [20, bytes.len() / 2, bytes.len() - 10] {
        let mut corrupted = bytes.clone();
        corrupted[position] ^= 0x40;
        std::fs::write(&path, &corrupted).unwrap();
        let error = Block::open(&block_dir).unwrap_err().to_string();
        assert!(error.contains("file index") && error.contains(&*block_dir.to_string_lossy()), "{error}");
    }
    bytes.truncate(bytes.len() - 1);
    std::fs::write(&path, &bytes).unwrap();
    assert!(Block::open(&block_dir).unwrap_err().to_string().contains("file index"));
}

#[test]
fn a_corrupted_chunks_page_fails_the_read_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let block_dir = small_block(dir.path()).dir().to_path_buf();
    let path = block_dir.join("chunks");
    let mut bytes = std::fs::read(&path).unwrap();
    // Inside the first page's payload, after the file and page headers.
    bytes[8 + 9 + 2] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let block = Block::open(&block_dir).unwrap();
    let error = block.series_chunks(0, i64::MIN, i64::MAX).unwrap_err().to_string();
    assert!(error.contains("file chunks") && error.contains("checksum mismatch"), "{error}");
}

#[test]
fn missing_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let block_dir = small_block(dir.path()).dir().to_path_buf();
    std::fs::remove_file(block_dir.join("chunks")).unwrap();
    let error = Block::open(&block_dir).unwrap_err().to_string();
    assert!(error.contains("file chunks is missing"), "{error}");
    std::fs::remove_file(block_dir.join("meta.json")).unwrap();
    let error = Block::open(&block_dir).unwrap_err().to_string();
    assert!(error.contains("meta.json is missing") && error.contains(&*block_dir.to_string_lossy()), "{error}");
}

#[test]
fn a_leftover_tmp_dir_is_not_a_block() {
    let dir = tempfile::tempdir().unwrap();
    let complete = small_block(dir.path()).dir().to_path_buf();
    // A crash after writing every file but before the rename.
    let half = small_block(dir.path()).dir().to_path_buf();
    let leftover = dir.path().join(format!("{}.tmp", half.file_name().unwrap().to_str().unwrap()));
    std::fs::rename(&half, &leftover).unwrap();
    let error = Block::open(&leftover).unwrap_err();
    assert!(matches!(error, Error::NotABlock { .. }), "{error}");
    assert_eq!(block_dirs(dir.path()).unwrap(), vec![complete.clone()]);
    assert_eq!(remove_tmp_dirs(dir.path()).unwrap(), 1);
    assert!(!leftover.exists() && complete.exists());
}

#[test]
fn bad_input_is_rejected_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let chunk = |t| chunks_of(&[Sample::new(t, 1.0)]);
    let cases: Vec<Vec<(Labels, Vec<Chunk>)>> = vec![
        vec![(labels(&[("a", "2")]), chunk(1)), (labels(&[("a", "1")]), chunk(1))],
        vec![(labels(&[("a", "1")]), chunk(1)), (labels(&[("a", "1")]), chunk(2))],
        vec![(labels(&[("a", "1")]), chunk(100))],
        vec![(labels(&[("a", "1")]), [chunk(5), chunk(3)].concat())],
        vec![(Labels::default(), chunk(1))],
    ];
    for series in cases {
        let error = write_block(dir.path(), 0, 100, series.into_iter(), CompactionMeta::default()).unwrap_err();
        assert!(matches!(error, Error::InvalidInput(_)), "{error}");
    }
    assert!(write_block(dir.path(), 5, 5, std::iter::empty(), CompactionMeta::default()).is_err());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn an_empty_block_opens() {
    let dir = tempfile::tempdir().unwrap();
    let block = write(dir.path(), Vec::new(), 0, 10);
    assert_eq!(block.num_series(), 0);
    assert!(block.label_names().is_empty() && block.all_postings().is_empty());
}

#[test]
fn an_open_block_holds_a_few_bytes_per_series() {
    let dir = tempfile::tempdir().unwrap();
    let series: Vec<(Labels, Vec<Sample>)> = (0..10_000)
        .map(|i| (labels(&[("__name__", "requests_total"), ("id", &format!("{i:05}")), ("job", "api")]), i))
        .map(|(labels, i)| (labels, vec![Sample::new(1000, i as f64)]))
        .collect();
    let block = write(dir.path(), series, 0, 10_000);
    // Every series has a value of its own: a symbol offset and a label pair.
    let per_series = block.memory_bytes() as f64 / 10_000.0;
    assert!(per_series <= 12.1, "{per_series} B/series");
    assert_eq!(block.postings("id", "04321").iter().collect::<Vec<_>>(), vec![4321]);
}

/// Label sets over a few names and values, so that postings lists share
/// values and some sets repeat (deduplicated).
/// Series of one scrape target share their timestamps; with small chunk
/// pages the run holding them is often in another page than the runs
/// pointing at it, and reads in any order must still find it.
#[test]
fn series_sharing_timestamps_read_back_from_any_page() {
    let dir = tempfile::tempdir().unwrap();
    let times: Vec<i64> = (0..300).map(|i| 1_000 + i * 15_000 + i % 3).collect();
    let series: Vec<(Labels, Vec<Sample>)> = (0..200)
        .map(|s| {
            let samples = times.iter().enumerate().map(|(i, &t)| Sample::new(t, (s * 1_000 + i * (s % 7)) as f64));
            (labels(&[("__name__", "m"), ("series", &format!("{s:03}"))]), samples.collect())
        })
        .collect();
    let write = |share_timestamps| {
        let input = series.iter().map(|(l, s)| Ok((l.clone(), chunks_of(s))));
        let options = ChunkWriteOptions { page_bytes: 2048, share_timestamps, ..Default::default() };
        let meta = write_block_with(dir.path(), 0, 10_000_000, input, CompactionMeta::default(), options).unwrap();
        Block::open(&dir.path().join(&meta.ulid)).unwrap()
    };
    let (block, unshared) = (write(true), write(false));
    assert!(
        block.size_bytes() * 4 < unshared.size_bytes() * 3,
        "{} / {} bytes",
        block.size_bytes(),
        unshared.size_bytes()
    );
    for id in (0..200u32).rev() {
        assert_eq!(read_samples(&block, id), series[id as usize].1, "series {id}");
    }
}

fn arbitrary_labels() -> impl Strategy<Value = Vec<Labels>> {
    let name = prop::sample::select(vec!["__name__", "job", "instance", "le", "zone", "a_b"]);
    let value = prop::sample::select(vec!["up", "node", "x", "0.5", "+Inf", "é", "a very long value indeed"]);
    let set = prop::collection::vec((name, value), 1..5).prop_map(Labels::from_pairs);
    prop::collection::vec(set, 0..40).prop_map(|sets| {
        let unique: BTreeSet<Labels> = sets.into_iter().collect();
        unique.into_iter().collect()
    })
}

fn arbitrary_samples() -> impl Strategy<Value = Vec<Sample>> {
    let value = prop_oneof![
        (-1_000_000i64..1_000_000).prop_map(|m| m as f64 / 100.0),
        any::<f64>(),
        Just(f64::NAN),
        Just(stale_nan()),
        Just(-0.0),
    ];
    prop::collection::vec((1i64..100_000, value), 1..400).prop_map(|points| {
        let mut t = 0;
        points
            .into_iter()
            .map(|(step, v)| {
                t += step;
                Sample::new(t, v)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn every_series_reads_back_as_written(
        sets in arbitrary_labels(),
        samples in prop::collection::vec(arbitrary_samples(), 40),
        page_bytes in prop::sample::select(vec![64usize, 4096, 65536]),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let series: Vec<(Labels, Vec<Sample>)> = sets.into_iter().zip(samples).collect();
        let input = series.iter().map(|(l, s)| Ok((l.clone(), chunks_of(s))));
        let options = ChunkWriteOptions { page_bytes, ..Default::default() };
        let meta = write_block_with(dir.path(), 0, 50_000_000, input, CompactionMeta::default(), options).unwrap();
        let block = Block::open(&dir.path().join(&meta.ulid)).unwrap();
        prop_assert_eq!(block.num_series() as usize, series.len());
        let total: usize = series.iter().map(|(_, s)| s.len()).sum();
        prop_assert_eq!(meta.stats.num_samples as usize, total);
        for (id, (labels, samples)) in series.iter().enumerate() {
            prop_assert_eq!(&block.series_labels(id as u32), labels);
            prop_assert_eq!(&read_samples(&block, id as u32), samples);
        }
        let names: BTreeSet<&str> = series.iter().flat_map(|(l, _)| l.iter().map(|l| l.name.as_str())).collect();
        prop_assert_eq!(block.label_names(), names.iter().map(|n| n.to_string()).collect::<Vec<_>>());
        for name in names {
            let values: BTreeSet<&str> = series.iter().filter_map(|(l, _)| l.get(name)).collect();
            prop_assert_eq!(block.label_values(name), values.iter().map(|v| v.to_string()).collect::<Vec<_>>());
            for value in values {
                let expected: Vec<u32> =
                    (0..series.len() as u32).filter(|&i| series[i as usize].0.get(name) == Some(value)).collect();
                prop_assert_eq!(block.postings(name, value).iter().collect::<Vec<_>>(), expected);
            }
        }
    }
}
