//! Compaction of adjacent and overlapping blocks, checked against the
//! samples that went in.

use std::collections::BTreeMap;
use std::path::Path;

use super::*;
use crate::series::Sample;
use crate::tsdb::block::{CompactionMeta, IndexReader, write_block};

type Series = BTreeMap<Labels, Vec<Sample>>;

fn labels(name: &str) -> Labels {
    Labels::from_pairs([("__name__", name), ("job", "test")])
}

fn samples(points: impl IntoIterator<Item = (i64, f64)>) -> Vec<Sample> {
    points.into_iter().map(|(t, v)| Sample::new(t, v)).collect()
}

fn write(dir: &Path, min_time: i64, max_time: i64, series: &Series) -> Block {
    let input = series.iter().map(|(l, s)| (l.clone(), s.chunks(120).map(Chunk::encode_xor).collect()));
    let meta = write_block(dir, min_time, max_time, input, CompactionMeta::default()).unwrap();
    Block::open(&dir.join(meta.ulid)).unwrap()
}

fn read_all(block: &Block) -> Series {
    (0..block.num_series())
        .map(|id| {
            let chunks = block.series_chunks(id, i64::MIN, i64::MAX).unwrap();
            assert!(chunks.iter().all(|c| c.num_samples() <= SAMPLES_PER_CHUNK));
            let samples: Vec<Sample> = chunks.iter().flat_map(|c| c.iter().collect::<Vec<_>>()).collect();
            (block.series_labels(id), samples)
        })
        .collect()
}

fn open(dir: &Path, meta: &BlockMeta) -> Block {
    Block::open(&dir.join(&meta.ulid)).unwrap()
}

#[test]
fn three_adjacent_blocks_become_one() {
    let dir = tempfile::tempdir().unwrap();
    let range = |start: i64| samples((start..start + 100).step_by(5).map(|t| (t, t as f64 * 0.5)));
    let first = Series::from([(labels("a"), range(0)), (labels("c"), range(0))]);
    let second = Series::from([(labels("a"), range(100)), (labels("b"), range(100))]);
    let third = Series::from([(labels("a"), range(200)), (labels("c"), range(200))]);
    let blocks =
        [write(dir.path(), 0, 100, &first), write(dir.path(), 100, 200, &second), write(dir.path(), 200, 300, &third)];
    let refs: Vec<&Block> = blocks.iter().collect();
    let meta = compact(dir.path(), &refs).unwrap();
    assert_eq!((meta.min_time, meta.max_time, meta.compaction.level), (0, 300, 2));
    let mut sources: Vec<String> = blocks.iter().map(|b| b.meta().ulid.clone()).collect();
    sources.sort();
    assert_eq!(meta.compaction.sources, sources);
    let merged = open(dir.path(), &meta);
    let expected = Series::from([
        (labels("a"), [range(0), range(100), range(200)].concat()),
        (labels("b"), range(100)),
        (labels("c"), [range(0), range(200)].concat()),
    ]);
    assert_eq!(read_all(&merged), expected);
    // Nothing overlapped, so every input chunk was copied as it was.
    assert_eq!(merged.meta().stats.num_chunks, 6);
    assert_eq!(merged.meta().stats.num_samples, 6 * 20);
    assert_eq!(merged.label_values("__name__"), vec!["a", "b", "c"]);
}

#[test]
fn overlapping_blocks_merge_samples_and_the_first_block_wins_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    // Even timestamps in the first block, odd ones in the second, and both
    // have every multiple of 10 (with different values).
    let evens = samples((0..300).step_by(2).map(|t| (t, 1.0)));
    let odds_and_tens = samples((50..350).filter(|t| t % 2 == 1 || t % 10 == 0).map(|t| (t, 2.0)));
    let first = Series::from([(labels("a"), evens.clone()), (labels("only_first"), evens.clone())]);
    let second = Series::from([(labels("a"), odds_and_tens.clone()), (labels("z"), odds_and_tens.clone())]);
    let older = write(dir.path(), 0, 300, &first);
    let newer = write(dir.path(), 50, 350, &second);
    let meta = compact(dir.path(), &[&older, &newer]).unwrap();
    assert_eq!((meta.min_time, meta.max_time, meta.compaction.level), (0, 350, 2));
    let merged = read_all(&open(dir.path(), &meta));
    let expected_a: Vec<Sample> =
        samples((0..350).filter(|&t| t < 300 && t % 2 == 0 || t >= 50 && (t % 2 == 1 || t % 10 == 0)).map(|t| {
            let from_first = t < 300 && t % 2 == 0;
            (t, if from_first { 1.0 } else { 2.0 })
        }));
    assert_eq!(merged[&labels("a")], expected_a);
    assert_eq!(merged[&labels("only_first")], evens);
    assert_eq!(merged[&labels("z")], odds_and_tens);
    // Listing the newer block first makes its duplicates win instead.
    let meta = compact(dir.path(), &[&newer, &older]).unwrap();
    let merged = read_all(&open(dir.path(), &meta));
    assert_eq!(merged[&labels("a")].iter().find(|s| s.t == 100).unwrap().v, 2.0);
}

#[test]
fn compacted_blocks_compact_again_with_sources_deduplicated() {
    let dir = tempfile::tempdir().unwrap();
    let series = |start: i64| Series::from([(labels("a"), samples([(start, 1.0)]))]);
    let a = write(dir.path(), 0, 10, &series(0));
    let b = write(dir.path(), 10, 20, &series(10));
    let ab = open(dir.path(), &compact(dir.path(), &[&a, &b]).unwrap());
    let c = write(dir.path(), 20, 30, &series(20));
    let meta = compact(dir.path(), &[&ab, &c, &a]).unwrap();
    assert_eq!(meta.compaction.level, 3);
    assert_eq!(meta.compaction.sources.len(), 3);
    assert_eq!(read_all(&open(dir.path(), &meta))[&labels("a")], samples([(0, 1.0), (10, 1.0), (20, 1.0)]));
}

#[test]
fn node_exporter_like_data_survives_being_cut_and_compacted() {
    let dir = tempfile::tempdir().unwrap();
    let data = crate::tsdb::block::size_tests::node_exporter_like(2);
    let start = data.iter().map(|(_, s)| s[0].t).min().unwrap();
    let end = data.iter().map(|(_, s)| s[s.len() - 1].t).max().unwrap() + 1;
    let cut = |from: i64, to: i64| -> Series {
        let part =
            data.iter().map(|(l, s)| (l.clone(), s.iter().filter(|x| x.t >= from && x.t < to).copied().collect()));
        part.filter(|(_, s): &(Labels, Vec<Sample>)| !s.is_empty()).collect()
    };
    let third = (end - start) / 3;
    let bounds = [start, start + third, start + 2 * third, end];
    let blocks: Vec<Block> = bounds.windows(2).map(|w| write(dir.path(), w[0], w[1], &cut(w[0], w[1]))).collect();
    let refs: Vec<&Block> = blocks.iter().collect();
    let merged = open(dir.path(), &compact(dir.path(), &refs).unwrap());
    let expected: Series = data.iter().cloned().collect();
    assert_eq!(read_all(&merged), expected);
    let inputs: u64 = blocks.iter().map(|b| b.size_bytes()).sum();
    assert!(merged.size_bytes() < inputs, "{} bytes from {inputs}", merged.size_bytes());
}

#[test]
fn blocks_can_be_shared_across_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Block>();
}

#[test]
fn compacting_nothing_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(compact(dir.path(), &[]), Err(Error::InvalidInput(_))));
}

#[test]
fn only_overlapping_chunks_are_re_encoded() {
    let chunk = |range: std::ops::Range<i64>| Chunk::encode_xor(&samples(range.map(|t| (t, t as f64))));
    let untouched = chunk(0..10);
    let merged = merge_series_chunks(vec![vec![untouched.clone(), chunk(20..30)], vec![chunk(25..300)]]);
    assert_eq!(merged[0], untouched);
    let counts: Vec<usize> = merged.iter().map(|c| c.num_samples()).collect();
    assert_eq!(counts, vec![10, 120, 120, 40]);
    assert_eq!((merged[1].mint, merged[3].maxt), (20, 299));
}
