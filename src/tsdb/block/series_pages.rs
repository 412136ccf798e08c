//! The series entries of an index (layout in docs/format/block.md): a fixed
//! number of series per zstd-compressed page, each entry stored relative to
//! the one before it in its page (shared leading labels, record times and
//! places as deltas), so that the repeats across neighbouring series (same
//! metric name, host, scrape times, chunk page) cost almost nothing. Our own
//! layout; Prometheus keeps one uncompressed entry per series. Reading a
//! series decompresses and decodes its page once, then a small cache serves
//! its neighbours, as for chunk pages.

use std::sync::{Arc, Mutex};

use super::encoding::{Decoder, put_uvarint, put_varint};
use super::error::Malformed;
use super::record::{RecordMeta, RecordRef};

pub const SERIES_PER_PAGE: usize = 256;
const CODEC_RAW: u8 = 0;
const CODEC_ZSTD: u8 = 1;
const ZSTD_LEVEL: i32 = 9;
const CACHED_PAGES: usize = 4;
/// An uncompressed page larger than this is refused before allocating.
const MAX_PAGE_BYTES: usize = 64 << 20;

/// What an entry is stored relative to: the previous series of the page.
#[derive(Clone, Copy)]
struct Context {
    /// The previous series' first record time and span.
    mint: i64,
    span: i64,
    /// Where the previous series' last record is.
    last: RecordRef,
}

impl Context {
    fn first(base_time: i64) -> Context {
        Context { mint: base_time, span: 0, last: RecordRef { page: 0, offset: 0 } }
    }

    fn after(records: &[RecordMeta], previous: Context) -> Context {
        match (records.first(), records.last()) {
            (Some(first), Some(last)) => Context { mint: first.mint, span: first.maxt - first.mint, last: last.at },
            _ => previous,
        }
    }
}

/// Writes entries page by page; returns the pages (concatenated) and the
/// start of each page in them.
pub struct SeriesPagesWriter {
    base_time: i64,
    compressor: zstd::bulk::Compressor<'static>,
    out: Vec<u8>,
    starts: Vec<u32>,
    page: Vec<u8>,
    in_page: usize,
    context: Context,
    previous_labels: Vec<u32>,
}

impl SeriesPagesWriter {
    pub fn new(base_time: i64) -> Self {
        let mut out = Vec::new();
        put_varint(&mut out, base_time);
        SeriesPagesWriter {
            base_time,
            compressor: zstd::bulk::Compressor::new(ZSTD_LEVEL).expect("zstd level 9 is valid"),
            out,
            starts: Vec::new(),
            page: Vec::new(),
            in_page: 0,
            context: Context::first(base_time),
            previous_labels: Vec::new(),
        }
    }

    /// Adds the next series: its (name, value) symbol ids, flattened, and its
    /// records in order.
    pub fn add(&mut self, label_ids: &[u32], records: &[RecordMeta]) {
        let shared = label_ids.chunks_exact(2).zip(self.previous_labels.chunks_exact(2)).take_while(|(a, b)| a == b);
        let shared = shared.count();
        put_uvarint(&mut self.page, shared as u64);
        put_uvarint(&mut self.page, (label_ids.len() / 2 - shared) as u64);
        for &id in &label_ids[shared * 2..] {
            put_uvarint(&mut self.page, u64::from(id));
        }
        put_records(&mut self.page, records, self.context);
        self.context = Context::after(records, self.context);
        self.previous_labels.clear();
        self.previous_labels.extend_from_slice(label_ids);
        self.in_page += 1;
        if self.in_page == SERIES_PER_PAGE {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.in_page == 0 {
            return;
        }
        // The section stays below 4 GiB (checked before writing), so u32 fits.
        self.starts.push(self.out.len() as u32);
        let compressed = self.compressor.compress(&self.page).ok().filter(|c| c.len() < self.page.len());
        self.out.push(if compressed.is_some() { CODEC_ZSTD } else { CODEC_RAW });
        put_uvarint(&mut self.out, self.page.len() as u64);
        self.out.extend_from_slice(compressed.as_deref().unwrap_or(&self.page));
        self.page.clear();
        self.in_page = 0;
        self.context = Context::first(self.base_time);
        self.previous_labels.clear();
    }

    /// The series section (base time, then the pages) and the page table
    /// section (series count, then where each page starts in the section).
    pub fn finish(mut self, num_series: u32) -> (Vec<u8>, Vec<u8>) {
        self.flush();
        let mut table = Vec::with_capacity(4 + self.starts.len() * 4);
        table.extend_from_slice(&num_series.to_be_bytes());
        table.extend(self.starts.iter().flat_map(|s| s.to_be_bytes()));
        (self.out, table)
    }
}

/// A series' records: the first relative to the context, the others to the
/// record before them.
fn put_records(out: &mut Vec<u8>, records: &[RecordMeta], context: Context) {
    put_uvarint(out, records.len() as u64);
    let mut previous: Option<&RecordMeta> = None;
    for record in records {
        let span = record.maxt.wrapping_sub(record.mint);
        match previous {
            None => {
                put_varint(out, record.mint.wrapping_sub(context.mint));
                put_varint(out, span.wrapping_sub(context.span));
            }
            Some(p) => {
                put_varint(out, record.mint.wrapping_sub(p.maxt));
                put_uvarint(out, span as u64);
            }
        }
        let last = previous.map_or(context.last, |p| p.at);
        put_uvarint(out, u64::from(record.at.page.wrapping_sub(last.page)));
        let same_page = record.at.page == last.page;
        put_uvarint(
            out,
            u64::from(if same_page { record.at.offset.wrapping_sub(last.offset) } else { record.at.offset }),
        );
        put_uvarint(out, u64::from(record.chunks));
        previous = Some(record);
    }
}

/// One page decoded: each series' label symbol ids and records.
pub struct DecodedPage {
    labels: Vec<u32>,
    label_ends: Vec<usize>,
    records: Vec<RecordMeta>,
    record_ends: Vec<usize>,
}

impl DecodedPage {
    pub fn labels(&self, index: usize) -> &[u32] {
        let start = if index == 0 { 0 } else { self.label_ends[index - 1] };
        &self.labels[start..self.label_ends[index]]
    }

    pub fn records(&self, index: usize) -> &[RecordMeta] {
        let start = if index == 0 { 0 } else { self.record_ends[index - 1] };
        &self.records[start..self.record_ends[index]]
    }

    fn decode(bytes: &[u8], count: usize, base_time: i64) -> Result<DecodedPage, Malformed> {
        let mut decoder = Decoder::new(bytes);
        let mut page = DecodedPage {
            labels: Vec::new(),
            label_ends: Vec::with_capacity(count),
            records: Vec::with_capacity(count),
            record_ends: Vec::with_capacity(count),
        };
        let mut context = Context::first(base_time);
        for index in 0..count {
            let previous_start = if index < 2 { 0 } else { page.label_ends[index - 2] };
            let previous = previous_start..page.labels.len();
            let shared = decoder.uvarint32("shared label count")? as usize;
            if shared * 2 > previous.len() {
                return Err(Malformed::new(format!("series entry shares {shared} labels with a series having fewer")));
            }
            page.labels.extend_from_within(previous.start..previous.start + shared * 2);
            for _ in 0..decoder.uvarint32("label count")? {
                page.labels.push(decoder.uvarint32("label name")?);
                page.labels.push(decoder.uvarint32("label value")?);
            }
            page.label_ends.push(page.labels.len());
            let start = page.records.len();
            read_records(&mut decoder, context, &mut page.records)?;
            context = Context::after(&page.records[start..], context);
            page.record_ends.push(page.records.len());
        }
        if decoder.remaining() != 0 {
            return Err(Malformed::new(format!("series page: {} bytes after its {count} series", decoder.remaining())));
        }
        Ok(page)
    }
}

fn read_records(entry: &mut Decoder, context: Context, out: &mut Vec<RecordMeta>) -> Result<(), Malformed> {
    let count = entry.uvarint32("record count")? as usize;
    let start = out.len();
    out.reserve(count.min(entry.remaining()));
    for _ in 0..count {
        let previous = (out.len() > start).then(|| out[out.len() - 1]);
        let (mint, maxt) = match previous {
            None => {
                let mint = context.mint.wrapping_add(entry.varint("record mint")?);
                (mint, mint.wrapping_add(context.span.wrapping_add(entry.varint("record time length")?)))
            }
            Some(p) => {
                let mint = p.maxt.wrapping_add(entry.varint("record mint")?);
                (mint, mint.wrapping_add(entry.uvarint("record time length")? as i64))
            }
        };
        let last = previous.map_or(context.last, |p| p.at);
        let page = last.page.wrapping_add(entry.uvarint32("record page")?);
        let offset = entry.uvarint32("record offset")?;
        let offset = if page == last.page { last.offset.wrapping_add(offset) } else { offset };
        let chunks = entry.uvarint32("record chunk count")?;
        out.push(RecordMeta { mint, maxt, at: RecordRef { page, offset }, chunks });
    }
    Ok(())
}

/// Reads series pages from the index map, keeping the last few decoded.
pub struct SeriesPages {
    base_time: i64,
    num_series: u32,
    cache: Mutex<PageCache>,
}

#[derive(Default)]
struct PageCache {
    pages: Vec<(usize, Arc<DecodedPage>)>,
    next: usize,
}

impl SeriesPages {
    pub fn new(base_time: i64, num_series: u32) -> Self {
        SeriesPages { base_time, num_series, cache: Mutex::default() }
    }

    /// The decoded page holding series `id`, and the series' index in it.
    /// `pages` is the series section's page area, `starts` its page table.
    pub fn page_of(&self, id: u32, pages: &[u8], starts: &[u8]) -> Result<(Arc<DecodedPage>, usize), Malformed> {
        if id >= self.num_series {
            return Err(Malformed::new(format!("series {id} beyond the {} in the block", self.num_series)));
        }
        let number = id as usize / SERIES_PER_PAGE;
        let index = id as usize % SERIES_PER_PAGE;
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, page)) = cache.pages.iter().find(|(n, _)| *n == number) {
            return Ok((page.clone(), index));
        }
        drop(cache);
        let count = SERIES_PER_PAGE.min(self.num_series as usize - number * SERIES_PER_PAGE);
        let page = Arc::new(DecodedPage::decode(&page_bytes(pages, starts, number)?, count, self.base_time)?);
        cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.pages.len() < CACHED_PAGES {
            cache.pages.push((number, page.clone()));
        } else {
            let next = cache.next;
            cache.pages[next] = (number, page.clone());
            cache.next = (next + 1) % CACHED_PAGES;
        }
        Ok((page, index))
    }

    pub fn num_series(&self) -> u32 {
        self.num_series
    }
}

/// Page `number` uncompressed.
fn page_bytes(pages: &[u8], starts: &[u8], number: usize) -> Result<Vec<u8>, Malformed> {
    let start_of = |n: usize| -> Result<usize, Malformed> {
        match starts.get(n * 4..n * 4 + 4) {
            Some(b) => Ok(u32::from_be_bytes(b.try_into().expect("4 bytes")) as usize),
            None => Ok(pages.len()),
        }
    };
    let (start, end) = (start_of(number)?, start_of(number + 1)?);
    let bytes = pages
        .get(start..end)
        .ok_or_else(|| Malformed::new(format!("series page {number}: bytes {start}..{end} outside the section")))?;
    let mut decoder = Decoder::new(bytes);
    let codec = decoder.u8("series page codec")?;
    let length = decoder.uvarint("series page length")? as usize;
    if length > MAX_PAGE_BYTES {
        return Err(Malformed::new(format!("series page {number}: length {length} above {MAX_PAGE_BYTES}")));
    }
    let payload = &bytes[decoder.position()..];
    let page = match codec {
        CODEC_RAW => payload.to_vec(),
        CODEC_ZSTD => zstd::bulk::decompress(payload, length)
            .map_err(|e| Malformed::new(format!("series page {number}: cannot decompress: {e}")))?,
        other => return Err(Malformed::new(format!("series page {number}: unknown codec {other}"))),
    };
    if page.len() != length {
        return Err(Malformed::new(format!("series page {number}: {} bytes, header says {length}", page.len())));
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(mint: i64, maxt: i64, page: u32, offset: u32) -> RecordMeta {
        RecordMeta { mint, maxt, at: RecordRef { page, offset }, chunks: 1 }
    }

    /// Series `i` of `count`: labels sharing a prefix with their neighbour,
    /// one to three records moving through the chunk pages.
    fn series(count: u32) -> Vec<(Vec<u32>, Vec<RecordMeta>)> {
        (0..count)
            .map(|i| {
                let labels = vec![0, 1 + i / 7, 2, 100 + i % 7, 3, 200 + i];
                let first = record(1_000 + i64::from(i % 5), 2_000 + i64::from(i % 3), i / 10, (i % 10) * 40);
                let mut records = vec![first];
                for r in 1..=(i % 3) {
                    let previous = records[records.len() - 1];
                    records.push(record(previous.maxt + 10, previous.maxt + 500, previous.at.page + r % 2, 7 * r));
                }
                (labels, records)
            })
            .collect()
    }

    fn write(input: &[(Vec<u32>, Vec<RecordMeta>)]) -> (Vec<u8>, Vec<u8>) {
        let mut writer = SeriesPagesWriter::new(900);
        for (labels, records) in input {
            writer.add(labels, records);
        }
        writer.finish(input.len() as u32)
    }

    #[test]
    fn entries_read_back_across_pages() {
        let input = series(SERIES_PER_PAGE as u32 * 2 + 17);
        let (pages, table) = write(&input);
        assert_eq!(table.len(), 4 + 3 * 4);
        let reader = SeriesPages::new(900, input.len() as u32);
        for (id, (labels, records)) in input.iter().enumerate() {
            let (page, index) = reader.page_of(id as u32, &pages, &table[4..]).unwrap();
            assert_eq!(page.labels(index), &labels[..], "series {id}");
            assert_eq!(page.records(index), &records[..], "series {id}");
        }
        assert!(reader.page_of(input.len() as u32, &pages, &table[4..]).is_err());
    }

    #[test]
    fn neighbours_sharing_labels_and_times_take_few_bytes() {
        let input = series(1_000);
        let (pages, _) = write(&input);
        // Every field as a uvarint of its own, as version 1 stored entries.
        let mut absolute = Vec::new();
        for (labels, records) in &input {
            labels.iter().for_each(|&id| put_uvarint(&mut absolute, u64::from(id)));
            for r in records {
                for field in [r.mint as u64, (r.maxt - r.mint) as u64, r.at.page.into(), r.at.offset.into(), 1] {
                    put_uvarint(&mut absolute, field);
                }
            }
        }
        assert!(pages.len() * 3 < absolute.len(), "{} bytes, {} stored absolutely", pages.len(), absolute.len());
    }

    #[test]
    fn damaged_pages_are_errors() {
        let input = series(10);
        let (pages, table) = write(&input);
        let reader = SeriesPages::new(900, 10);
        assert!(reader.page_of(0, &pages[..pages.len() - 3], &table[4..]).is_err());
        let mut unknown_codec = pages.clone();
        unknown_codec[table[7] as usize] = 9;
        assert!(SeriesPages::new(900, 10).page_of(0, &unknown_codec, &table[4..]).is_err());
        // An entry claiming to share labels with a series that has fewer.
        let mut page = Vec::new();
        put_uvarint(&mut page, 1);
        put_uvarint(&mut page, 0);
        let error = DecodedPage::decode(&page, 1, 0).err().unwrap();
        assert!(error.0.contains("shares"), "{error}");
        // Bytes after the page's entries.
        assert!(DecodedPage::decode(&[0, 0, 0, 9], 1, 0).is_err());
    }
}
