//! Head statistics and cardinality tops, as `/api/v1/status/tsdb` shows
//! them: the local head in one process, the storage nodes' heads merged in
//! a cluster.

/// A name and its count (series, values or bytes), in a top list.
pub type NameCount = (String, u64);

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TsdbStatus {
    pub num_series: u64,
    pub num_label_pairs: u64,
    pub chunk_count: u64,
    /// Milliseconds; 0 when the head is empty.
    pub min_time: i64,
    pub max_time: i64,
    pub series_count_by_metric_name: Vec<NameCount>,
    pub label_value_count_by_label_name: Vec<NameCount>,
    pub memory_in_bytes_by_label_name: Vec<NameCount>,
    pub series_count_by_label_value_pair: Vec<NameCount>,
}

impl TsdbStatus {
    /// The statuses of storage nodes holding `replication` copies of each
    /// series, as one: counts of series (and their chunks and bytes) are
    /// summed and divided by the replication factor, as Mimir estimates
    /// cardinality over its ingesters; distinct label values are the largest
    /// any node saw, since nodes share most values. Each list is cut to
    /// `limit` again, so the top of the merge is only as good as each node's
    /// top `limit`.
    pub fn merge(statuses: Vec<TsdbStatus>, replication: usize, limit: usize) -> TsdbStatus {
        let copies = replication.max(1) as u64;
        let mut merged = TsdbStatus::default();
        let non_empty: Vec<&TsdbStatus> = statuses.iter().filter(|s| s.num_series > 0).collect();
        merged.min_time = non_empty.iter().map(|s| s.min_time).min().unwrap_or(0);
        merged.max_time = non_empty.iter().map(|s| s.max_time).max().unwrap_or(0);
        merged.num_series = statuses.iter().map(|s| s.num_series).sum::<u64>() / copies;
        merged.chunk_count = statuses.iter().map(|s| s.chunk_count).sum::<u64>() / copies;
        merged.num_label_pairs = statuses.iter().map(|s| s.num_label_pairs).max().unwrap_or(0);
        let lists = |pick: fn(&TsdbStatus) -> &Vec<NameCount>| statuses.iter().map(pick).collect::<Vec<_>>();
        merged.series_count_by_metric_name = summed(lists(|s| &s.series_count_by_metric_name), copies, limit);
        merged.memory_in_bytes_by_label_name = summed(lists(|s| &s.memory_in_bytes_by_label_name), copies, limit);
        merged.series_count_by_label_value_pair = summed(lists(|s| &s.series_count_by_label_value_pair), copies, limit);
        merged.label_value_count_by_label_name = largest(lists(|s| &s.label_value_count_by_label_name), limit);
        merged
    }
}

fn summed(lists: Vec<&Vec<NameCount>>, copies: u64, limit: usize) -> Vec<NameCount> {
    let mut totals = std::collections::HashMap::<&str, u64>::new();
    for (name, count) in lists.into_iter().flatten() {
        *totals.entry(name).or_default() += count;
    }
    top(totals.into_iter().map(|(name, total)| (name.to_string(), total.div_ceil(copies))).collect(), limit)
}

fn largest(lists: Vec<&Vec<NameCount>>, limit: usize) -> Vec<NameCount> {
    let mut most = std::collections::HashMap::<&str, u64>::new();
    for (name, count) in lists.into_iter().flatten() {
        let seen = most.entry(name).or_default();
        *seen = (*seen).max(*count);
    }
    top(most.into_iter().map(|(name, count)| (name.to_string(), count)).collect(), limit)
}

/// Largest first, ties by name, at most `limit`.
fn top(mut list: Vec<NameCount>, limit: usize) -> Vec<NameCount> {
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list.truncate(limit);
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(series: u64, metrics: &[(&str, u64)], values: &[(&str, u64)]) -> TsdbStatus {
        let list = |pairs: &[(&str, u64)]| pairs.iter().map(|(n, c)| (n.to_string(), *c)).collect();
        TsdbStatus {
            num_series: series,
            num_label_pairs: 4,
            chunk_count: series * 2,
            min_time: 100 + series as i64,
            max_time: 1000 + series as i64,
            series_count_by_metric_name: list(metrics),
            label_value_count_by_label_name: list(values),
            ..TsdbStatus::default()
        }
    }

    #[test]
    fn replicas_count_once_and_distinct_values_are_not_summed() {
        // Three nodes, RF 2: `up` (4 series) and `x` (2 series) stored twice.
        let nodes = vec![
            node(4, &[("up", 3), ("x", 1)], &[("instance", 4)]),
            node(4, &[("up", 3), ("x", 1)], &[("instance", 3)]),
            node(4, &[("up", 2), ("x", 2)], &[("instance", 4)]),
        ];
        let merged = TsdbStatus::merge(nodes, 2, 10);
        assert_eq!(merged.num_series, 6);
        assert_eq!(merged.chunk_count, 12);
        assert_eq!(merged.series_count_by_metric_name, vec![("up".to_string(), 4), ("x".to_string(), 2)]);
        assert_eq!(merged.label_value_count_by_label_name, vec![("instance".to_string(), 4)]);
        assert_eq!((merged.min_time, merged.max_time), (104, 1004));
        assert_eq!(TsdbStatus::merge(vec![node(0, &[], &[])], 3, 10).min_time, 0);
        assert_eq!(
            TsdbStatus::merge(vec![node(4, &[("a", 1), ("b", 2)], &[])], 1, 1).series_count_by_metric_name.len(),
            1
        );
    }
}
