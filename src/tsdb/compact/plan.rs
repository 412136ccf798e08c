//! Which blocks to compact, following Prometheus' `LeveledCompactor.plan`:
//! overlapping blocks first (vertical compaction); otherwise, leaving out the
//! newest block (it may still receive out-of-order data), blocks that
//! together fill an aligned range of the next size, smallest size first.
//! Upstream returns one group per call; this returns every group of the
//! chosen kind and size, since they are disjoint and can run in turn.

use crate::tsdb::block::BlockMeta;

/// Groups of block ULIDs to compact, each sorted by `min_time`. `ranges`
/// are the block sizes in ms, smallest first (e.g. 2h, 6h, 18h, ...).
pub fn plan_compaction(metas: &[BlockMeta], ranges: &[i64]) -> Vec<Vec<String>> {
    let mut sorted: Vec<&BlockMeta> = metas.iter().collect();
    sorted.sort_by_key(|m| m.min_time);
    let groups = overlapping_groups(&sorted);
    if !groups.is_empty() {
        return to_ulids(groups);
    }
    let without_newest = &sorted[..sorted.len().saturating_sub(1)];
    to_ulids(range_groups(without_newest, ranges))
}

fn to_ulids(groups: Vec<Vec<&BlockMeta>>) -> Vec<Vec<String>> {
    groups.into_iter().map(|g| g.into_iter().map(|m| m.ulid.clone()).collect()).collect()
}

/// Runs of blocks (sorted by `min_time`) where each starts before the
/// furthest end so far.
fn overlapping_groups<'a>(sorted: &[&'a BlockMeta]) -> Vec<Vec<&'a BlockMeta>> {
    let mut groups = Vec::new();
    let mut current: Vec<&BlockMeta> = Vec::new();
    let mut max_time = i64::MIN;
    for &meta in sorted {
        if !current.is_empty() && meta.min_time >= max_time {
            if current.len() > 1 {
                groups.push(std::mem::take(&mut current));
            }
            current.clear();
        }
        max_time = if current.is_empty() { meta.max_time } else { max_time.max(meta.max_time) };
        current.push(meta);
    }
    if current.len() > 1 {
        groups.push(current);
    }
    groups
}

/// Upstream's `selectDirs`: for each range above the smallest, the aligned
/// groups of more than one block that span the whole range or end before
/// the newest considered block starts (so no block of the same size can
/// still join them).
fn range_groups<'a>(sorted: &[&'a BlockMeta], ranges: &[i64]) -> Vec<Vec<&'a BlockMeta>> {
    let Some(newest) = sorted.last() else { return Vec::new() };
    let high_time = newest.min_time;
    for &range in ranges.iter().skip(1).filter(|&&r| r > 0) {
        let groups: Vec<_> = split_by_range(sorted, range)
            .into_iter()
            .filter(|group| {
                let span_start = group[0].min_time;
                let span_end = group[group.len() - 1].max_time;
                group.len() > 1 && (span_end - span_start == range || span_end <= high_time)
            })
            .collect();
        if !groups.is_empty() {
            return groups;
        }
    }
    Vec::new()
}

/// Groups consecutive blocks that fall into the same aligned window
/// `[k * range, (k + 1) * range)`; a block reaching past its window (too big
/// or misaligned) belongs to no group.
fn split_by_range<'a>(sorted: &[&'a BlockMeta], range: i64) -> Vec<Vec<&'a BlockMeta>> {
    let mut groups = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let window_start = range * sorted[i].min_time.div_euclid(range);
        let window_end = window_start + range;
        if sorted[i].max_time > window_end {
            i += 1;
            continue;
        }
        let mut group = Vec::new();
        while i < sorted.len() && sorted[i].max_time <= window_end {
            group.push(sorted[i]);
            i += 1;
        }
        groups.push(group);
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tsdb::block::{BlockStats, CompactionMeta, FORMAT_VERSION};

    const RANGES: [i64; 3] = [20, 60, 180];

    fn meta(min_time: i64, max_time: i64) -> BlockMeta {
        BlockMeta {
            ulid: format!("{min_time}-{max_time}"),
            min_time,
            max_time,
            stats: BlockStats::default(),
            compaction: CompactionMeta { level: 1, sources: Vec::new() },
            version: FORMAT_VERSION,
        }
    }

    fn plan(blocks: &[(i64, i64)]) -> Vec<Vec<String>> {
        let metas: Vec<BlockMeta> = blocks.iter().map(|&(a, b)| meta(a, b)).collect();
        plan_compaction(&metas, &RANGES)
    }

    fn names(groups: &[&[&str]]) -> Vec<Vec<String>> {
        groups.iter().map(|g| g.iter().map(|s| s.to_string()).collect()).collect()
    }

    #[test]
    fn adjacent_blocks_filling_a_range_are_grouped() {
        let groups = plan(&[(40, 60), (0, 20), (20, 40), (60, 80)]);
        assert_eq!(groups, names(&[&["0-20", "20-40", "40-60"]]));
    }

    #[test]
    fn the_newest_block_is_left_out() {
        assert!(plan(&[(0, 20), (20, 40), (40, 60)]).is_empty());
        assert!(plan(&[(0, 20)]).is_empty());
        assert!(plan(&[]).is_empty());
    }

    #[test]
    fn a_range_that_another_block_could_still_join_waits() {
        // 0-20 and 20-40 end after the newest considered block (20-40) starts.
        assert!(plan(&[(0, 20), (20, 40), (40, 60)]).is_empty());
        // Once a later window has begun, a partial range is compacted.
        let groups = plan(&[(0, 20), (20, 40), (60, 80), (80, 100)]);
        assert_eq!(groups, names(&[&["0-20", "20-40"]]));
    }

    #[test]
    fn gaps_inside_a_full_range_do_not_block_it() {
        let groups = plan(&[(0, 20), (40, 60), (120, 140)]);
        assert_eq!(groups, names(&[&["0-20", "40-60"]]));
    }

    #[test]
    fn larger_ranges_follow_once_smaller_ones_are_done() {
        let groups = plan(&[(0, 60), (60, 120), (120, 180), (180, 200)]);
        assert_eq!(groups, names(&[&["0-60", "60-120", "120-180"]]));
    }

    #[test]
    fn smaller_range_wins_and_every_disjoint_group_is_returned() {
        let groups = plan(&[(0, 20), (20, 40), (40, 60), (60, 80), (80, 100), (100, 120), (120, 140)]);
        assert_eq!(groups, names(&[&["0-20", "20-40", "40-60"], &["60-80", "80-100", "100-120"]]));
    }

    #[test]
    fn overlapping_blocks_come_first_and_include_the_newest() {
        let groups = plan(&[(0, 20), (20, 40), (40, 60), (60, 80), (70, 90)]);
        assert_eq!(groups, names(&[&["60-80", "70-90"]]));
        let groups = plan(&[(0, 30), (10, 20), (25, 40), (50, 60), (55, 58)]);
        assert_eq!(groups, names(&[&["0-30", "10-20", "25-40"], &["50-60", "55-58"]]));
    }

    #[test]
    fn misaligned_or_oversized_blocks_are_skipped() {
        // 50-70 crosses the 60 boundary: it belongs to no 60-window.
        let groups = plan(&[(0, 20), (20, 40), (50, 70), (80, 100)]);
        assert_eq!(groups, names(&[&["0-20", "20-40"]]));
    }

    #[test]
    fn negative_times_align_downwards() {
        let groups = plan(&[(-60, -40), (-40, -20), (-20, 0), (0, 20)]);
        assert_eq!(groups, names(&[&["-60--40", "-40--20", "-20-0"]]));
    }
}
