//! Proves that a warm decoder allocates nothing per request: the test binary's
//! allocator counts allocations per thread, so tests running in parallel do
//! not disturb each other's counts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use super::super::encode::{SeriesData, request_v2, write_request_v1};
use super::super::{Decoder, Protocol};
use crate::series::AppendBatch;
use prost::Message;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

struct CountingAllocator;

fn count() {
    // `try_with`: the counter may already be gone while the thread exits.
    let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
}

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) }
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(pointer, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

fn request() -> Vec<SeriesData> {
    let series = (0..200).map(|index| {
        let labels = vec![
            ("__name__".to_string(), format!("metric_{}", index % 7)),
            ("instance".to_string(), format!("host-{index}:9100")),
            ("job".to_string(), "node".to_string()),
        ];
        (labels, vec![(index as i64, 1.0), (index as i64 + 15_000, 2.0)])
    });
    series.collect()
}

#[test]
fn a_warm_decoder_allocates_nothing() {
    let series = request();
    let bodies = [
        (Protocol::V1, write_request_v1(&series).encode_to_vec()),
        (Protocol::V2, request_v2(&series).encode_to_vec()),
    ];
    let mut decoder = Decoder::new();
    let mut batch = AppendBatch::new();
    for (protocol, body) in &bodies {
        let before = allocations();
        decoder.decode(*protocol, body, &mut batch).unwrap();
        // The counter works: a cold decoder and batch do allocate.
        assert!(allocations() > before, "{protocol:?}");
        batch.clear();
    }
    for (protocol, body) in &bodies {
        let before = allocations();
        let report = decoder.decode(*protocol, body, &mut batch).unwrap();
        let allocated = allocations() - before;
        assert_eq!((report.series_accepted, report.samples_accepted), (200, 400));
        assert_eq!(allocated, 0, "{protocol:?} decode allocated {allocated} times");
        batch.clear();
    }
}
