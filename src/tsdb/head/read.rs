//! Reading the head: its label index and the chunks of selected series.

use roaring::RoaringBitmap;

use crate::series::chunk::Chunk;
use crate::series::{Labels, Matcher, SelectHints};
use crate::tsdb::index::{IndexReader, select_postings};

use super::Head;

/// The head's label index, as an [`IndexReader`].
pub struct HeadIndex<'a>(pub &'a Head);

impl IndexReader for HeadIndex<'_> {
    fn label_names(&self) -> Vec<String> {
        let postings = self.0.postings.read();
        let mut names: Vec<String> =
            self.0.symbols.with_reader(|s| postings.names().map(|n| s.get(n).to_string()).collect());
        names.sort_unstable();
        names
    }

    fn label_values(&self, name: &str) -> Vec<String> {
        let Some(name) = self.0.symbols.lookup(name) else {
            return Vec::new();
        };
        let postings = self.0.postings.read();
        let mut values: Vec<String> =
            self.0.symbols.with_reader(|s| postings.values(name).map(|v| s.get(v).to_string()).collect());
        values.sort_unstable();
        values
    }

    fn postings(&self, name: &str, value: &str) -> RoaringBitmap {
        let (Some(name), Some(value)) = (self.0.symbols.lookup(name), self.0.symbols.lookup(value)) else {
            return RoaringBitmap::new();
        };
        self.0.postings.read().get(name, value).cloned().unwrap_or_default()
    }

    fn all_postings(&self) -> RoaringBitmap {
        self.0.postings.read().all().clone()
    }

    fn series_labels(&self, id: u32) -> Labels {
        self.0.series_labels(id).unwrap_or_default()
    }
}

impl Head {
    /// Series matching `matchers` with samples in the hinted range, with
    /// their chunks (none when only labels are wanted); unsorted.
    pub fn select(&self, hints: &SelectHints, matchers: &[Matcher]) -> Vec<(Labels, Vec<Chunk>)> {
        let ids = select_postings(&HeadIndex(self), matchers);
        let mut out = Vec::new();
        for id in ids.iter() {
            let found = self.with_series(id, |series| {
                let (mint, maxt) = series.time_range()?;
                if maxt < hints.mint || mint > hints.maxt {
                    return None;
                }
                let chunks = match hints.labels_only {
                    true => Vec::new(),
                    false => series.chunks_in(hints.mint, hints.maxt),
                };
                Some((series.labels.clone(), chunks))
            });
            if let Some(Some((labels, chunks))) = found {
                if hints.labels_only || !chunks.is_empty() {
                    out.push((self.resolve_labels(&labels), chunks));
                }
            }
        }
        out
    }

    /// Series count per metric name, label name and label pair, for `/api/v1/status/tsdb`.
    pub fn cardinality(&self, top: usize) -> HeadCardinality {
        let postings = self.postings.read();
        self.symbols.with_reader(|s| {
            let name_id = self.symbols.lookup(crate::series::METRIC_NAME);
            let mut by_metric: Vec<(String, u64)> = name_id
                .map(|n| postings.value_counts(n).map(|(v, c)| (s.get(v).to_string(), c)).collect())
                .unwrap_or_default();
            let mut by_label: Vec<(String, u64)> =
                postings.names().map(|n| (s.get(n).to_string(), postings.values(n).count() as u64)).collect();
            let mut by_pair: Vec<(String, u64)> =
                postings.pair_counts().map(|(n, v, c)| (format!("{}={}", s.get(n), s.get(v)), c)).collect();
            let mut memory_by_label: Vec<(String, u64)> = postings
                .names()
                .map(|n| (s.get(n).to_string(), postings.values(n).map(|v| s.get(v).len() as u64).sum()))
                .collect();
            for list in [&mut by_metric, &mut by_label, &mut by_pair, &mut memory_by_label] {
                list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                list.truncate(top);
            }
            HeadCardinality {
                series_count_by_metric_name: by_metric,
                label_value_count_by_label_name: by_label,
                memory_in_bytes_by_label_name: memory_by_label,
                series_count_by_label_value_pair: by_pair,
            }
        })
    }
}

/// The head's top cardinalities, named as Prometheus' TSDB status fields.
#[derive(Debug, Default, Clone)]
pub struct HeadCardinality {
    pub series_count_by_metric_name: Vec<(String, u64)>,
    pub label_value_count_by_label_name: Vec<(String, u64)>,
    pub memory_in_bytes_by_label_name: Vec<(String, u64)>,
    pub series_count_by_label_value_pair: Vec<(String, u64)>,
}
