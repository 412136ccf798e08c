//! The head: the in-memory part of the TSDB holding the newest data, as
//! Prometheus' `tsdb/head*.go`. Series live in shards keyed by the hash of
//! their labels, so appends to different series rarely contend; labels are
//! interned; postings are roaring bitmaps.

mod append;
mod postings;
mod read;
pub mod series;

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use parking_lot::{Mutex, RwLock};

pub use read::{HeadCardinality, HeadIndex};
pub use series::{Accepted, AppendBounds, MemSeries, Rejection};

use crate::series::Labels;
use postings::MemPostings;

use super::fast_hash::IntMap;
use super::symbols::{SymbolId, Symbols};

/// Shards of the series map; a series' shard is its label hash modulo this,
/// and its id is `local * SHARDS + shard`, so both lookups find one shard.
/// Changing it changes ids, which only matters within one WAL's lifetime.
pub const SHARDS: usize = 64;

/// Head settings.
#[derive(Clone, Copy, Debug)]
pub struct HeadOptions {
    /// The block range: chunks never cross its multiples.
    pub chunk_range: i64,
    /// Out-of-order samples within this many ms of the newest are accepted (0: off).
    pub ooo_window: i64,
}

#[derive(Default)]
struct Shard {
    by_hash: IntMap<u64, u32>,
    /// Ids of series whose hash collided with another series' (kept apart).
    collisions: Vec<u32>,
    series: IntMap<u32, MemSeries>,
    next_local: u32,
}

pub struct Head {
    options: HeadOptions,
    shards: Box<[Mutex<Shard>]>,
    symbols: Symbols,
    postings: RwLock<MemPostings>,
    /// In-order time range of the head's samples (`i64::MAX`/`MIN` when empty).
    min_time: AtomicI64,
    max_time: AtomicI64,
    /// Samples below this were persisted to blocks; in-order appends must not go there.
    min_valid_time: AtomicI64,
    num_series: AtomicU64,
    /// Bumped whenever series are removed, so ids looked up before are re-checked.
    generation: AtomicU64,
}

impl Head {
    pub fn new(options: HeadOptions) -> Self {
        Head {
            options,
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            symbols: Symbols::new(),
            postings: RwLock::new(MemPostings::default()),
            min_time: AtomicI64::new(i64::MAX),
            max_time: AtomicI64::new(i64::MIN),
            min_valid_time: AtomicI64::new(i64::MIN),
            num_series: AtomicU64::new(0),
            generation: AtomicU64::new(0),
        }
    }

    pub fn options(&self) -> &HeadOptions {
        &self.options
    }

    /// Changes whenever series were removed.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn num_series(&self) -> u64 {
        self.num_series.load(Ordering::Relaxed)
    }

    pub fn min_time(&self) -> i64 {
        self.min_time.load(Ordering::Acquire)
    }

    pub fn max_time(&self) -> i64 {
        self.max_time.load(Ordering::Acquire)
    }

    pub fn is_empty(&self) -> bool {
        self.max_time() == i64::MIN
    }

    pub fn min_valid_time(&self) -> i64 {
        self.min_valid_time.load(Ordering::Acquire)
    }

    /// Forbids in-order appends below `t` (data there was persisted).
    pub fn set_min_valid_time(&self, t: i64) {
        self.min_valid_time.fetch_max(t, Ordering::AcqRel);
        if self.min_time() < t {
            self.min_time.store(t, Ordering::Release);
        }
    }

    /// The limits for an append now, as Prometheus' `appendableMinValidTime`:
    /// no in-order sample older than half a block range behind the newest.
    pub fn bounds(&self) -> AppendBounds {
        let max_time = self.max_time();
        let mut min_valid_time = self.min_valid_time();
        if max_time != i64::MIN {
            min_valid_time = min_valid_time.max(max_time.saturating_sub(self.options.chunk_range / 2));
        }
        let ooo_min_time = (self.options.ooo_window > 0).then(|| match max_time {
            i64::MIN => i64::MIN,
            max => max.saturating_sub(self.options.ooo_window),
        });
        AppendBounds { min_valid_time, ooo_min_time, chunk_range: self.options.chunk_range }
    }

    fn shard_of_hash(hash: u64) -> usize {
        (hash % SHARDS as u64) as usize
    }

    fn shard_of_id(id: u32) -> usize {
        id as usize % SHARDS
    }

    /// Finds an existing series by its (sorted) labels.
    pub fn lookup(&self, hash: u64, labels: &[(&str, &str)]) -> Option<u32> {
        let shard = self.shards[Self::shard_of_hash(hash)].lock();
        self.find_in_shard(&shard, hash, labels)
    }

    fn find_in_shard(&self, shard: &Shard, hash: u64, labels: &[(&str, &str)]) -> Option<u32> {
        let candidates = shard.by_hash.get(&hash).into_iter().chain(shard.collisions.iter());
        self.symbols.with_reader(|symbols| {
            candidates.copied().find(|id| {
                let series = &shard.series[id];
                series.labels.len() == labels.len()
                    && series
                        .labels
                        .iter()
                        .zip(labels)
                        .all(|(&(n, v), &(name, value))| symbols.get(n) == name && symbols.get(v) == value)
            })
        })
    }

    /// Finds or creates a series; `true` when created.
    pub fn get_or_create(&self, hash: u64, labels: &[(&str, &str)]) -> (u32, bool) {
        let shard_index = Self::shard_of_hash(hash);
        let mut shard = self.shards[shard_index].lock();
        if let Some(id) = self.find_in_shard(&shard, hash, labels) {
            return (id, false);
        }
        let id = shard.next_local * SHARDS as u32 + shard_index as u32;
        shard.next_local += 1;
        self.insert_locked(&mut shard, id, hash, labels);
        (id, true)
    }

    /// Creates a series under a given id, as WAL replay does; a no-op when
    /// the id exists. Returns false when the id does not fit the labels'
    /// shard (the WAL was written with another shard count).
    pub fn create_with_id(&self, id: u32, hash: u64, labels: &[(&str, &str)]) -> bool {
        let shard_index = Self::shard_of_hash(hash);
        if Self::shard_of_id(id) != shard_index {
            return false;
        }
        let mut shard = self.shards[shard_index].lock();
        if !shard.series.contains_key(&id) {
            self.insert_locked(&mut shard, id, hash, labels);
        }
        shard.next_local = shard.next_local.max(id / SHARDS as u32 + 1);
        true
    }

    fn insert_locked(&self, shard: &mut Shard, id: u32, hash: u64, labels: &[(&str, &str)]) {
        let interned: Box<[(SymbolId, SymbolId)]> =
            labels.iter().map(|&(n, v)| (self.symbols.intern(n), self.symbols.intern(v))).collect();
        self.postings.write().add(id, &interned);
        shard.series.insert(id, MemSeries::new(interned));
        match shard.by_hash.entry(hash) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(id);
            }
            std::collections::hash_map::Entry::Occupied(_) => shard.collisions.push(id),
        }
        self.num_series.fetch_add(1, Ordering::Relaxed);
    }

    /// Runs `f` on a series under its shard's lock; `None` when it is gone.
    pub fn with_series<R>(&self, id: u32, f: impl FnOnce(&mut MemSeries) -> R) -> Option<R> {
        let mut shard = self.shards[Self::shard_of_id(id)].lock();
        shard.series.get_mut(&id).map(f)
    }

    /// Labels of a series, resolved.
    pub fn series_labels(&self, id: u32) -> Option<Labels> {
        let shard = self.shards[Self::shard_of_id(id)].lock();
        let series = shard.series.get(&id)?;
        Some(self.resolve_labels(&series.labels))
    }

    fn resolve_labels(&self, labels: &[(SymbolId, SymbolId)]) -> Labels {
        self.symbols.with_reader(|symbols| {
            Labels::from_sorted(
                labels.iter().map(|&(n, v)| crate::series::Label::new(symbols.get(n), symbols.get(v))).collect(),
            )
        })
    }

    /// Records that samples at `t` were stored in order.
    pub(crate) fn note_in_order_time(&self, t: i64) {
        self.max_time.fetch_max(t, Ordering::AcqRel);
        self.min_time.fetch_min(t, Ordering::AcqRel);
    }

    /// Visits every series, shard by shard, under each shard's lock.
    pub fn for_each_series(&self, mut f: impl FnMut(u32, &mut MemSeries)) {
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            for (&id, series) in shard.series.iter_mut() {
                f(id, series);
            }
        }
    }

    /// Removes series that hold no samples; returns how many.
    pub fn collect_empty_series(&self) -> usize {
        let mut removed = 0;
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            let empty: Vec<u32> = shard.series.iter().filter(|(_, s)| s.is_empty()).map(|(&id, _)| id).collect();
            for id in empty {
                let series = shard.series.remove(&id).expect("listed above");
                self.postings.write().remove(id, &series.labels);
                let hash = self.resolve_labels(&series.labels).stable_hash();
                if shard.by_hash.get(&hash) == Some(&id) {
                    shard.by_hash.remove(&hash);
                }
                shard.collisions.retain(|&v| v != id);
                removed += 1;
            }
        }
        self.num_series.fetch_sub(removed as u64, Ordering::Relaxed);
        if removed > 0 {
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        removed
    }

    /// Heap bytes held by chunks across the head.
    pub fn chunk_bytes(&self) -> usize {
        let mut total = 0;
        self.for_each_series(|_, s| total += s.chunk_bytes());
        total
    }
}

impl Head {
    /// Puts chunks from a checkpoint back into a series.
    pub fn restore_chunks(&self, id: u32, chunks: Vec<crate::series::chunk::Chunk>) {
        let (Some(first), Some(last)) = (chunks.first().map(|c| c.mint), chunks.last().map(|c| c.maxt)) else {
            return;
        };
        let chunk_range = self.options.chunk_range;
        if self.with_series(id, |series| series.restore_chunks(chunks, chunk_range)).is_some() {
            self.note_in_order_time(first);
            self.note_in_order_time(last);
        }
    }
}

impl Head {
    /// Distinct label pairs in the head.
    pub fn num_label_pairs(&self) -> u64 {
        self.postings.read().pair_counts().count() as u64
    }
}
