//! topk, bottomk, limitk and limit_ratio, as Prometheus' `aggregationK`:
//! they return input samples unchanged, at most k (or a ratio) per group.
//! The per-group heaps replay Go's `container/heap`, so that ties and the
//! unordered limitk/limit_ratio output come out as upstream's.

use super::{AggregateOp, Grouping, split_groups};
use crate::promql::gofmt;
use crate::promql::value::{InstantSample, Vector};

/// Go's `float64(math.MaxInt64)`, i.e. 2^63: the first k that overflows.
const K_OVERFLOW: f64 = i64::MAX as f64;

/// topk, bottomk or limitk with parameter `k`, truncated toward zero as Go's `int64(k)`.
pub(super) fn select_k(
    op: AggregateOp,
    k: f64,
    grouping: &Grouping,
    input: Vector,
    t_ms: i64,
) -> Result<Vector, String> {
    if k < 1.0 {
        return Ok(Vector::new());
    }
    if k.is_nan() {
        return Err("Parameter value is NaN".to_string());
    }
    if k >= K_OVERFLOW {
        return Err(format!("Scalar value {} overflows int64", gofmt::float_general(k)));
    }
    let k = (k as usize).min(input.len());
    let mut out = Vector::new();
    for (_, samples) in split_groups(input, grouping) {
        let selected = match op {
            AggregateOp::Topk => extremes(samples, k, value_less),
            AggregateOp::Bottomk => extremes(samples, k, value_greater),
            _ => first_k(samples, k),
        };
        out.extend(selected.into_iter().map(|s| InstantSample { t: t_ms, ..s }));
    }
    Ok(out)
}

/// limit_ratio: a sample is kept when the position of its label set's hash
/// in [0, 1] falls below `ratio`, or (negative ratio) at or above `1 + ratio`,
/// so `limit_ratio(r, x)` and `limit_ratio(r - 1, x)` split `x` in two.
///
/// Upstream hashes with its own label hash; we use `Labels::stable_hash`, so
/// the chosen subset differs from Prometheus' but is equally stable across
/// steps and queries and has the same complement property.
pub(super) fn limit_ratio(ratio: f64, grouping: &Grouping, input: Vector, t_ms: i64) -> Result<Vector, String> {
    if ratio == 0.0 {
        return Ok(Vector::new());
    }
    if ratio.is_nan() {
        return Err("Ratio value is NaN".to_string());
    }
    let ratio = ratio.clamp(-1.0, 1.0);
    let mut out = Vector::new();
    for (_, samples) in split_groups(input, grouping) {
        let mut heap = Vec::new();
        for sample in samples.into_iter().filter(|s| in_ratio(ratio, s)) {
            heap_push(&mut heap, sample, value_less);
        }
        out.extend(heap.into_iter().map(|s| InstantSample { t: t_ms, ..s }));
    }
    Ok(out)
}

fn in_ratio(ratio: f64, sample: &InstantSample) -> bool {
    let offset = sample.labels.stable_hash() as f64 / u64::MAX as f64;
    (ratio >= 0.0 && offset < ratio) || (ratio < 0.0 && offset >= 1.0 + ratio)
}

/// The order of upstream's `vectorByValueHeap`: NaN before everything.
fn value_less(a: f64, b: f64) -> bool {
    a.is_nan() || a < b
}

/// The order of upstream's `vectorByReverseValueHeap`.
fn value_greater(a: f64, b: f64) -> bool {
    a.is_nan() || a > b
}

/// The k samples that come last in `less` order (the largest for topk, the
/// smallest for bottomk), NaN only when nothing else is left, sorted
/// from the most extreme on.
fn extremes(samples: Vec<InstantSample>, k: usize, less: fn(f64, f64) -> bool) -> Vec<InstantSample> {
    let mut heap: Vec<InstantSample> = Vec::with_capacity(k);
    for sample in samples {
        if heap.len() < k {
            heap_push(&mut heap, sample, less);
        } else if less(heap[0].v, sample.v) && !sample.v.is_nan() {
            // The new sample beats the heap's weakest one (a NaN root loses to any number).
            heap[0] = sample;
            if k > 1 {
                heap_fix_root(&mut heap, less);
            }
        }
    }
    sort_reversed(&mut heap, less);
    heap
}

/// limitk: the first k samples of the group, in Go's heap order.
fn first_k(samples: Vec<InstantSample>, k: usize) -> Vec<InstantSample> {
    let mut heap = Vec::with_capacity(k);
    for sample in samples.into_iter().take(k) {
        heap_push(&mut heap, sample, value_less);
    }
    heap
}

/// `sort.Sort(sort.Reverse(heap))`. Go sorts up to 12 elements by insertion
/// sort, which we replay for identical tie order; larger heaps get a stable
/// sort on the same order (NaN last).
fn sort_reversed(heap: &mut [InstantSample], less: fn(f64, f64) -> bool) {
    if heap.len() <= 12 {
        for i in 1..heap.len() {
            let mut j = i;
            while j > 0 && less(heap[j - 1].v, heap[j].v) {
                heap.swap(j, j - 1);
                j -= 1;
            }
        }
        return;
    }
    heap.sort_by(|a, b| match (a.v.is_nan(), b.v.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Greater,
        (false, true) => std::cmp::Ordering::Less,
        (false, false) if less(a.v, b.v) => std::cmp::Ordering::Greater,
        (false, false) if less(b.v, a.v) => std::cmp::Ordering::Less,
        _ => std::cmp::Ordering::Equal,
    });
}

/// `heap.Push`: append, then sift up.
fn heap_push(heap: &mut Vec<InstantSample>, sample: InstantSample, less: fn(f64, f64) -> bool) {
    heap.push(sample);
    let mut child = heap.len() - 1;
    while child > 0 {
        let parent = (child - 1) / 2;
        if !less(heap[child].v, heap[parent].v) {
            break;
        }
        heap.swap(parent, child);
        child = parent;
    }
}

/// `heap.Fix(h, 0)`: sift the root down (it can only move down from index 0).
fn heap_fix_root(heap: &mut [InstantSample], less: fn(f64, f64) -> bool) {
    let mut parent = 0;
    loop {
        let left = 2 * parent + 1;
        if left >= heap.len() {
            break;
        }
        let right = left + 1;
        let child = if right < heap.len() && less(heap[right].v, heap[left].v) { right } else { left };
        if !less(heap[child].v, heap[parent].v) {
            break;
        }
        heap.swap(parent, child);
        parent = child;
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{sample, strings};
    use super::super::{AggregateParam, aggregate};
    use super::*;

    fn requests() -> Vector {
        let rows = [
            ("api-server", "0", "production", 100.0),
            ("api-server", "1", "production", 200.0),
            ("api-server", "2", "production", f64::NAN),
            ("api-server", "0", "canary", 300.0),
            ("api-server", "1", "canary", 400.0),
            ("app-server", "0", "production", 500.0),
            ("app-server", "1", "production", 600.0),
            ("app-server", "0", "canary", 700.0),
            ("app-server", "1", "canary", 800.0),
        ];
        rows.iter()
            .map(|(job, instance, group, v)| {
                sample(&[("__name__", "http_requests"), ("job", job), ("instance", instance), ("group", group)], *v)
            })
            .collect()
    }

    fn run(op: AggregateOp, k: f64, grouping: &Grouping, input: Vector) -> Result<Vec<(String, String, f64)>, String> {
        let out = aggregate(op, &AggregateParam::Number(k), grouping, input, 9)?;
        assert!(out.iter().all(|s| s.t == 9 && s.labels.metric_name() == Some("http_requests")));
        Ok(out
            .iter()
            .map(|s| (s.labels.get("job").unwrap().into(), s.labels.get("instance").unwrap().into(), s.v))
            .collect())
    }

    fn values(rows: &[(String, String, f64)]) -> Vec<f64> {
        rows.iter().map(|r| r.2).collect()
    }

    fn production_api() -> Vector {
        requests()
            .into_iter()
            .filter(|s| s.labels.get("job") == Some("api-server") && s.labels.get("group") == Some("production"))
            .collect()
    }

    #[test]
    fn topk_and_bottomk_order_and_keep_labels() {
        let all = Grouping::By(vec![]);
        assert_eq!(values(&run(AggregateOp::Topk, 3.0, &all, requests()).unwrap()), vec![800.0, 700.0, 600.0]);
        assert_eq!(values(&run(AggregateOp::Bottomk, 3.0, &all, requests()).unwrap()), vec![100.0, 200.0, 300.0]);
        assert_eq!(values(&run(AggregateOp::Topk, 2.9, &all, requests()).unwrap()), vec![800.0, 700.0]);
    }

    #[test]
    fn nan_is_sorted_away_from_the_top_and_bottom() {
        let all = Grouping::By(vec![]);
        let top = run(AggregateOp::Topk, 3.0, &all, production_api()).unwrap();
        assert_eq!(top[..2], [("api-server".into(), "1".into(), 200.0), ("api-server".into(), "0".into(), 100.0)]);
        assert!(top[2].2.is_nan());
        let bottom = run(AggregateOp::Bottomk, 9999999999.0, &all, production_api()).unwrap();
        assert_eq!(values(&bottom)[..2], [100.0, 200.0]);
        assert!(bottom[2].2.is_nan());
        let one = run(AggregateOp::Topk, 1.0, &all, production_api()).unwrap();
        assert_eq!(values(&one), vec![200.0]);
    }

    #[test]
    fn topk_by_group() {
        let by_group = Grouping::By(strings(&["group"]));
        let out = run(AggregateOp::Topk, 1.0, &by_group, requests()).unwrap();
        assert_eq!(values(&out), vec![600.0, 800.0]);
        let out = run(AggregateOp::Bottomk, 2.0, &by_group, requests()).unwrap();
        assert_eq!(values(&out), vec![100.0, 200.0, 300.0, 400.0]);
    }

    #[test]
    fn ties_keep_go_heap_order() {
        let input: Vector = ["a", "b", "c"].iter().map(|i| sample(&[("i", i)], 1.0)).collect();
        let out = aggregate(AggregateOp::Topk, &AggregateParam::Number(2.0), &Grouping::By(vec![]), input, 0).unwrap();
        // Go pushes a, b (heap [a, b]); c does not beat a; the insertion sort keeps heap order.
        let names: Vec<&str> = out.iter().map(|s| s.labels.get("i").unwrap()).collect();
        assert_eq!(names, vec!["a", "b"]);
    }

    #[test]
    fn large_k_sorts_every_sample() {
        let input: Vector = (0..20).map(|i| sample(&[("i", &i.to_string())], ((i * 7) % 20) as f64)).collect();
        let out = aggregate(AggregateOp::Topk, &AggregateParam::Number(15.0), &Grouping::By(vec![]), input, 0).unwrap();
        let expected: Vec<f64> = (5..20).rev().map(f64::from).collect();
        assert_eq!(out.iter().map(|s| s.v).collect::<Vec<_>>(), expected);
    }

    #[test]
    fn k_below_one_nan_and_overflow() {
        let all = Grouping::By(vec![]);
        assert!(run(AggregateOp::Topk, 0.5, &all, requests()).unwrap().is_empty());
        assert!(run(AggregateOp::Limitk, -1.0, &all, requests()).unwrap().is_empty());
        assert_eq!(run(AggregateOp::Topk, f64::NAN, &all, vec![]).unwrap_err(), "Parameter value is NaN");
        assert_eq!(
            run(AggregateOp::Bottomk, 1e19, &all, requests()).unwrap_err(),
            "Scalar value 1e+19 overflows int64"
        );
    }

    #[test]
    fn limitk_takes_the_first_k_of_each_group() {
        let by_group = Grouping::By(strings(&["group"]));
        let out = run(AggregateOp::Limitk, 1.0, &by_group, requests()).unwrap();
        assert_eq!(values(&out), vec![100.0, 300.0]);
        let out = run(AggregateOp::Limitk, 2.0, &by_group, requests()).unwrap();
        let mut kept = values(&out);
        kept.sort_by(f64::total_cmp);
        assert_eq!(kept, vec![100.0, 200.0, 300.0, 400.0]);
        assert_eq!(run(AggregateOp::Limitk, 100.0, &Grouping::By(vec![]), requests()).unwrap().len(), 9);
    }

    #[test]
    fn limit_ratio_complements_and_clamps() {
        let all = Grouping::By(vec![]);
        let total = requests().len();
        for ratio in [0.1, 0.3, 0.5, 0.9] {
            let kept = run(AggregateOp::LimitRatio, ratio, &all, requests()).unwrap();
            let rest = run(AggregateOp::LimitRatio, ratio - 1.0, &all, requests()).unwrap();
            assert_eq!(kept.len() + rest.len(), total, "ratio {ratio}");
            assert!(kept.iter().all(|row| !rest.contains(row)), "ratio {ratio}");
        }
        assert_eq!(run(AggregateOp::LimitRatio, 1.0, &all, requests()).unwrap().len(), total);
        assert_eq!(run(AggregateOp::LimitRatio, 5.0, &all, requests()).unwrap().len(), total);
        assert_eq!(run(AggregateOp::LimitRatio, -1.0, &all, requests()).unwrap().len(), total);
        assert!(run(AggregateOp::LimitRatio, 0.0, &all, requests()).unwrap().is_empty());
        assert_eq!(run(AggregateOp::LimitRatio, f64::NAN, &all, requests()).unwrap_err(), "Ratio value is NaN");
    }

    #[test]
    fn limit_ratio_is_stable() {
        let all = Grouping::By(vec![]);
        let first = run(AggregateOp::LimitRatio, 0.5, &all, requests()).unwrap();
        let reversed: Vector = requests().into_iter().rev().collect();
        let mut second = run(AggregateOp::LimitRatio, 0.5, &all, reversed).unwrap();
        let mut first_sorted = first.clone();
        let key = |r: &(String, String, f64)| (r.0.clone(), r.1.clone());
        first_sorted.sort_by_key(key);
        second.sort_by_key(key);
        assert_eq!(first_sorted.iter().map(key).collect::<Vec<_>>(), second.iter().map(key).collect::<Vec<_>>());
    }
}

#[cfg(test)]
mod oracle {
    use super::super::tests::sample;
    use super::super::{AggregateParam, aggregate};
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// topk and bottomk agree with sorting every value, for any k.
        #[test]
        fn topk_and_bottomk_match_a_full_sort(values in prop::collection::hash_set(-1000i32..1000, 0..40), k in 1usize..50) {
            let values: Vec<f64> = values.into_iter().map(f64::from).collect();
            let input: Vector = values.iter().enumerate().map(|(i, v)| sample(&[("i", &i.to_string())], *v)).collect();
            let mut descending = values.clone();
            descending.sort_by(|a, b| b.total_cmp(a));
            let all = Grouping::By(vec![]);
            let top = aggregate(AggregateOp::Topk, &AggregateParam::Number(k as f64), &all, input.clone(), 0).unwrap();
            prop_assert_eq!(top.iter().map(|s| s.v).collect::<Vec<_>>(), descending.iter().copied().take(k).collect::<Vec<_>>());
            let bottom = aggregate(AggregateOp::Bottomk, &AggregateParam::Number(k as f64), &all, input, 0).unwrap();
            prop_assert_eq!(bottom.iter().map(|s| s.v).collect::<Vec<_>>(), descending.iter().rev().copied().take(k).collect::<Vec<_>>());
        }
    }
}
