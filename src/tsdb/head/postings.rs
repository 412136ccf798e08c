//! The head's inverted index: for each label pair, a roaring bitmap of the
//! series ids that carry it.

use roaring::RoaringBitmap;

use crate::tsdb::fast_hash::IntMap;
use crate::tsdb::symbols::SymbolId;

#[derive(Default)]
pub struct MemPostings {
    by_name: IntMap<SymbolId, IntMap<SymbolId, RoaringBitmap>>,
    all: RoaringBitmap,
}

impl MemPostings {
    pub fn add(&mut self, id: u32, labels: &[(SymbolId, SymbolId)]) {
        for &(name, value) in labels {
            self.by_name.entry(name).or_default().entry(value).or_default().insert(id);
        }
        self.all.insert(id);
    }

    pub fn remove(&mut self, id: u32, labels: &[(SymbolId, SymbolId)]) {
        for &(name, value) in labels {
            let Some(values) = self.by_name.get_mut(&name) else {
                continue;
            };
            if let Some(ids) = values.get_mut(&value) {
                ids.remove(id);
                if ids.is_empty() {
                    values.remove(&value);
                }
            }
            if values.is_empty() {
                self.by_name.remove(&name);
            }
        }
        self.all.remove(id);
    }

    pub fn get(&self, name: SymbolId, value: SymbolId) -> Option<&RoaringBitmap> {
        self.by_name.get(&name)?.get(&value)
    }

    pub fn names(&self) -> impl Iterator<Item = SymbolId> + '_ {
        self.by_name.keys().copied()
    }

    pub fn values(&self, name: SymbolId) -> impl Iterator<Item = SymbolId> + '_ {
        self.by_name.get(&name).into_iter().flat_map(|v| v.keys().copied())
    }

    /// Series count per value of one label, for cardinality statistics.
    pub fn value_counts(&self, name: SymbolId) -> impl Iterator<Item = (SymbolId, u64)> + '_ {
        self.by_name.get(&name).into_iter().flat_map(|v| v.iter().map(|(k, ids)| (*k, ids.len())))
    }

    /// Series count per label pair.
    pub fn pair_counts(&self) -> impl Iterator<Item = (SymbolId, SymbolId, u64)> + '_ {
        self.by_name.iter().flat_map(|(n, vs)| vs.iter().map(move |(v, ids)| (*n, *v, ids.len())))
    }

    pub fn all(&self) -> &RoaringBitmap {
        &self.all
    }
}
