//! The label index shared by the head and persisted blocks, and the matcher
//! evaluation over it (Prometheus' `PostingsForMatchers`): positive matchers
//! intersect postings, negative ones subtract, and matchers that also match
//! the empty string select series lacking the label.

use roaring::RoaringBitmap;

use crate::series::{Labels, MatchOp, Matcher};

/// Read access to a label index whose series are numbered by `u32` ids.
pub trait IndexReader {
    /// Sorted distinct label names.
    fn label_names(&self) -> Vec<String>;
    /// Sorted distinct values of one label.
    fn label_values(&self, name: &str) -> Vec<String>;
    /// Series that have `name="value"`.
    fn postings(&self, name: &str, value: &str) -> RoaringBitmap;
    /// Every series.
    fn all_postings(&self) -> RoaringBitmap;
    fn series_labels(&self, id: u32) -> Labels;
}

/// Series ids matching every matcher.
pub fn select_postings(index: &dyn IndexReader, matchers: &[Matcher]) -> RoaringBitmap {
    let (including, excluding): (Vec<&Matcher>, Vec<&Matcher>) = matchers.iter().partition(|m| !m.matches_empty());
    let mut result = match including.is_empty() {
        // Only matchers that accept the empty string: start from every series.
        true => index.all_postings(),
        false => {
            let mut sets: Vec<RoaringBitmap> = including.iter().map(|m| postings_for(index, m)).collect();
            sets.sort_by_key(|s| s.len());
            let mut acc = sets.swap_remove(0);
            for set in &sets {
                if acc.is_empty() {
                    break;
                }
                acc &= set;
            }
            acc
        }
    };
    for matcher in excluding {
        if result.is_empty() {
            break;
        }
        // A matcher that accepts "" keeps series without the label; remove
        // the series whose (non-empty) value it rejects.
        result -= postings_rejected_by(index, matcher);
    }
    result
}

/// Series whose value of the label matches (the matcher rejects "").
fn postings_for(index: &dyn IndexReader, matcher: &Matcher) -> RoaringBitmap {
    if matcher.op == MatchOp::Equal {
        return index.postings(&matcher.name, &matcher.value);
    }
    union_where(index, &matcher.name, |v| matcher.matches(v))
}

/// Series that have the label with a value the matcher rejects.
fn postings_rejected_by(index: &dyn IndexReader, matcher: &Matcher) -> RoaringBitmap {
    if matcher.op == MatchOp::NotEqual {
        return index.postings(&matcher.name, &matcher.value);
    }
    union_where(index, &matcher.name, |v| !matcher.matches(v))
}

fn union_where(index: &dyn IndexReader, name: &str, keep: impl Fn(&str) -> bool) -> RoaringBitmap {
    let mut acc = RoaringBitmap::new();
    for value in index.label_values(name).iter().filter(|v| keep(v)) {
        acc |= index.postings(name, value);
    }
    acc
}

/// Sorted, deduplicated union of string lists.
pub fn merge_sorted(lists: Vec<Vec<String>>) -> Vec<String> {
    let mut all: Vec<String> = lists.into_iter().flatten().collect();
    all.sort_unstable();
    all.dedup();
    all
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A naive index over a list of label sets, the oracle for the others.
    pub struct VecIndex(pub Vec<Labels>);

    impl IndexReader for VecIndex {
        fn label_names(&self) -> Vec<String> {
            merge_sorted(self.0.iter().map(|l| l.iter().map(|l| l.name.clone()).collect()).collect())
        }
        fn label_values(&self, name: &str) -> Vec<String> {
            merge_sorted(vec![self.0.iter().filter_map(|l| l.get(name).map(String::from)).collect()])
        }
        fn postings(&self, name: &str, value: &str) -> RoaringBitmap {
            (0..self.0.len() as u32).filter(|&i| self.0[i as usize].get(name) == Some(value)).collect()
        }
        fn all_postings(&self) -> RoaringBitmap {
            (0..self.0.len() as u32).collect()
        }
        fn series_labels(&self, id: u32) -> Labels {
            self.0[id as usize].clone()
        }
    }

    fn index() -> VecIndex {
        let sets = [
            vec![("__name__", "up"), ("job", "node"), ("instance", "a")],
            vec![("__name__", "up"), ("job", "api"), ("instance", "b")],
            vec![("__name__", "up"), ("instance", "c")],
            vec![("__name__", "down"), ("job", "node")],
        ];
        VecIndex(sets.iter().map(|s| Labels::from_pairs(s.iter().copied())).collect())
    }

    fn ids(matchers: &[Matcher]) -> Vec<u32> {
        select_postings(&index(), matchers).iter().collect()
    }

    fn m(op: MatchOp, name: &str, value: &str) -> Matcher {
        Matcher::new(op, name, value).unwrap()
    }

    #[test]
    fn matcher_semantics_follow_prometheus() {
        use MatchOp::*;
        assert_eq!(ids(&[m(Equal, "__name__", "up")]), vec![0, 1, 2]);
        assert_eq!(ids(&[m(Equal, "__name__", "up"), m(NotEqual, "job", "node")]), vec![1, 2]);
        assert_eq!(ids(&[m(Equal, "__name__", "up"), m(Equal, "job", "")]), vec![2]);
        assert_eq!(ids(&[m(Regex, "job", "no.*")]), vec![0, 3]);
        assert_eq!(ids(&[m(NotRegex, "job", "no.*")]), vec![1, 2]);
        assert_eq!(ids(&[m(Regex, "job", ".+")]), vec![0, 1, 3]);
        assert_eq!(ids(&[m(Regex, "job", ".*"), m(Equal, "__name__", "down")]), vec![3]);
        assert_eq!(ids(&[m(Equal, "nope", "x")]), Vec::<u32>::new());
    }

    #[test]
    fn matches_naive_filter() {
        use MatchOp::*;
        let idx = index();
        let cases = vec![
            vec![m(NotEqual, "instance", "a")],
            vec![m(Regex, "instance", "a|c"), m(NotRegex, "job", "api")],
            vec![m(NotEqual, "job", "")],
        ];
        for matchers in cases {
            let expected: Vec<u32> = (0..idx.0.len() as u32)
                .filter(|&i| matchers.iter().all(|m| m.matches(idx.0[i as usize].get(&m.name).unwrap_or(""))))
                .collect();
            assert_eq!(ids(&matchers), expected, "{matchers:?}");
        }
    }
}
