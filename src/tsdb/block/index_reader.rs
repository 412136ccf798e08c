//! Reads a block's mmapped `index`. On open every section's CRC is checked
//! and only the symbol offsets and the label table (names, values, postings
//! offsets) are loaded; postings lists are decoded from the map on demand,
//! as Prometheus' `tsdb/index` reader does, and series entries a page at a
//! time (`series_pages.rs`, which caches the last few pages decoded).

use std::cmp::Ordering;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use memmap2::Mmap;
use roaring::RoaringBitmap;

use super::chunk_reader::{check_header, map_file};
use super::encoding::{Decoder, read_section};
use super::error::{Error, Malformed};
use super::index_writer::{INDEX_FILE, INDEX_MAGIC, POSTINGS_DELTAS, POSTINGS_ROARING, SECTIONS, TOC_LENGTH};
use super::record::RecordMeta;
use super::series_pages::{DecodedPage, SERIES_PER_PAGE, SeriesPages};
use crate::series::{Label, Labels};

pub struct BlockIndex {
    map: Mmap,
    symbols: Range<usize>,
    /// Where each symbol's length varint starts, relative to `symbols`.
    symbol_offsets: Vec<u32>,
    series: Range<usize>,
    /// Where each series page starts in `series` (after the series count).
    page_table: Range<usize>,
    series_pages: SeriesPages,
    postings: Range<usize>,
    /// Label names (symbol ids, ascending) and where their values start in
    /// `values`; a last entry closes the final name's run.
    names: Vec<(u32, u32)>,
    /// Value symbol ids, grouped by name and ascending within a name.
    values: Vec<u32>,
    /// Start of each value's postings list relative to `postings`; one more
    /// entry than `values`.
    postings_starts: Vec<u32>,
}

impl BlockIndex {
    pub fn open(block: &Path) -> Result<BlockIndex, Error> {
        let map = map_file(block, INDEX_FILE)?;
        Self::parse(map).map_err(|m| m.within(block, INDEX_FILE))
    }

    fn parse(map: Mmap) -> Result<BlockIndex, Malformed> {
        check_header(&map, INDEX_MAGIC)?;
        if map[4] as u32 != super::FORMAT_VERSION {
            return Err(Malformed::new(format!("format version {} is not {}", map[4], super::FORMAT_VERSION)));
        }
        let offsets = read_toc(&map)?;
        let mut ranges = Vec::with_capacity(SECTIONS.len());
        for (name, &offset) in SECTIONS.iter().zip(&offsets) {
            let payload = read_section(&map, offset, name)?;
            // The payload follows the section's 8-byte length.
            let start = offset as usize + 8;
            ranges.push(start..start + payload.len());
        }
        let symbol_offsets = symbol_offsets(&map[ranges[0].clone()])?;
        let table = read_label_table(&map[ranges[3].clone()], symbol_offsets.len() as u32, ranges[4].len())?;
        let (names, values, postings_starts) = table;
        let base_time = Decoder::new(&map[ranges[1].clone()]).varint("series base time")?;
        let num_series = Decoder::new(&map[ranges[2].clone()]).u32("series count")?;
        let pages = (num_series as usize).div_ceil(SERIES_PER_PAGE);
        if ranges[2].len() != 4 + pages * 4 {
            let problem = format!("series page table: {} bytes for {num_series} series", ranges[2].len());
            return Err(Malformed::new(problem));
        }
        let [symbols, series, page_table, _, postings] = ranges.try_into().expect("five sections");
        let page_table = page_table.start + 4..page_table.end;
        let series_pages = SeriesPages::new(base_time, num_series);
        Ok(BlockIndex {
            map,
            symbols,
            symbol_offsets,
            series,
            page_table,
            series_pages,
            postings,
            names,
            values,
            postings_starts,
        })
    }

    pub fn size_bytes(&self) -> u64 {
        self.map.len() as u64
    }

    pub fn num_series(&self) -> u32 {
        self.series_pages.num_series()
    }

    /// Heap bytes held for this index (the map itself is page cache).
    pub fn memory_bytes(&self) -> usize {
        self.symbol_offsets.capacity() * 4
            + self.names.capacity() * 8
            + self.values.capacity() * 4
            + self.postings_starts.capacity() * 4
    }

    fn symbol(&self, id: u32) -> Result<&str, Malformed> {
        let offset =
            *self.symbol_offsets.get(id as usize).ok_or_else(|| Malformed::new(format!("symbol {id} unknown")))?;
        Decoder::new(&self.map[self.symbols.start + offset as usize..self.symbols.end]).str("symbol")
    }

    /// The id of a string, by binary search of the sorted table.
    fn find_symbol(&self, s: &str) -> Option<u32> {
        let (mut low, mut high) = (0usize, self.symbol_offsets.len());
        while low < high {
            let middle = (low + high) / 2;
            match self.symbol(middle as u32).ok()?.cmp(s) {
                Ordering::Less => low = middle + 1,
                Ordering::Greater => high = middle,
                Ordering::Equal => return Some(middle as u32),
            }
        }
        None
    }

    pub fn label_names(&self) -> Result<Vec<String>, Malformed> {
        self.names[..self.names.len() - 1].iter().map(|&(id, _)| self.symbol(id).map(String::from)).collect()
    }

    /// The positions in `values` of a label name's values.
    fn value_range(&self, name: &str) -> Option<Range<usize>> {
        let id = self.find_symbol(name)?;
        let position = self.names[..self.names.len() - 1].binary_search_by_key(&id, |&(n, _)| n).ok()?;
        Some(self.names[position].1 as usize..self.names[position + 1].1 as usize)
    }

    pub fn label_values(&self, name: &str) -> Result<Vec<String>, Malformed> {
        let Some(range) = self.value_range(name) else { return Ok(Vec::new()) };
        self.values[range].iter().map(|&id| self.symbol(id).map(String::from)).collect()
    }

    pub fn postings(&self, name: &str, value: &str) -> Result<RoaringBitmap, Malformed> {
        let Some(range) = self.value_range(name) else { return Ok(RoaringBitmap::new()) };
        let Some(value_id) = self.find_symbol(value) else { return Ok(RoaringBitmap::new()) };
        let Ok(found) = self.values[range.clone()].binary_search(&value_id) else { return Ok(RoaringBitmap::new()) };
        let index = range.start + found;
        let start = self.postings.start + self.postings_starts[index] as usize;
        let end = self.postings.start + self.postings_starts[index + 1] as usize;
        decode_postings(&self.map[start..end], self.num_series())
    }

    fn series_page(&self, id: u32) -> Result<(Arc<DecodedPage>, usize), Malformed> {
        self.series_pages.page_of(id, &self.map[self.series.clone()], &self.map[self.page_table.clone()])
    }

    pub fn series_labels(&self, id: u32) -> Result<Labels, Malformed> {
        let (page, index) = self.series_page(id)?;
        read_labels(page.labels(index), |symbol| self.symbol(symbol))
    }

    pub fn series_records(&self, id: u32) -> Result<Vec<RecordMeta>, Malformed> {
        let (page, index) = self.series_page(id)?;
        Ok(page.records(index).to_vec())
    }
}

fn read_toc(map: &[u8]) -> Result<Vec<u64>, Malformed> {
    if map.len() < 8 + TOC_LENGTH {
        return Err(Malformed::new(format!("{} bytes is too short for an index", map.len())));
    }
    let toc = &map[map.len() - TOC_LENGTH..];
    let (offsets, checksum) = toc.split_at(TOC_LENGTH - 4);
    let stored = u32::from_be_bytes(checksum.try_into().expect("4 bytes"));
    if stored != crc32fast::hash(offsets) {
        return Err(Malformed::new("table of contents: checksum mismatch"));
    }
    Ok(offsets.chunks_exact(8).map(|o| u64::from_be_bytes(o.try_into().expect("8 bytes"))).collect())
}

fn symbol_offsets(section: &[u8]) -> Result<Vec<u32>, Malformed> {
    let mut decoder = Decoder::new(section);
    let count = decoder.uvarint32("symbol count")? as usize;
    let mut offsets = Vec::with_capacity(count.min(section.len()));
    let mut previous: Option<&str> = None;
    for _ in 0..count {
        offsets.push(decoder.position() as u32);
        let symbol = decoder.str("symbol")?;
        if previous.is_some_and(|p| p >= symbol) {
            return Err(Malformed::new(format!("symbols: {symbol:?} is out of order")));
        }
        previous = Some(symbol);
    }
    Ok(offsets)
}

type LabelTable = (Vec<(u32, u32)>, Vec<u32>, Vec<u32>);

fn read_label_table(section: &[u8], symbols: u32, postings_length: usize) -> Result<LabelTable, Malformed> {
    let mut decoder = Decoder::new(section);
    let count = decoder.uvarint32("label name count")? as usize;
    let mut names = Vec::with_capacity(count.min(section.len()) + 1);
    let (mut values, mut postings_starts) = (Vec::new(), vec![0u32]);
    let check = |id: u32, what: &str| match id < symbols {
        true => Ok(id),
        false => Err(Malformed::new(format!("labels: {what} symbol {id} beyond the {symbols} symbols"))),
    };
    for _ in 0..count {
        let name = check(decoder.uvarint32("label name")?, "name")?;
        names.push((name, values.len() as u32));
        for _ in 0..decoder.uvarint32("label value count")? {
            values.push(check(decoder.uvarint32("label value")?, "value")?);
            let length = decoder.uvarint32("postings length")?;
            let end = postings_starts.last().expect("starts with 0").checked_add(length);
            postings_starts.push(end.ok_or_else(|| Malformed::new("labels: postings lengths overflow"))?);
        }
    }
    names.push((u32::MAX, values.len() as u32));
    // These stay for the block's life: drop the growth slack.
    names.shrink_to_fit();
    values.shrink_to_fit();
    postings_starts.shrink_to_fit();
    if *postings_starts.last().expect("starts with 0") as usize != postings_length {
        return Err(Malformed::new("labels: postings lengths do not add up to the postings section"));
    }
    Ok((names, values, postings_starts))
}

fn decode_postings(bytes: &[u8], num_series: u32) -> Result<RoaringBitmap, Malformed> {
    let mut decoder = Decoder::new(bytes);
    let bitmap = match decoder.u8("postings format")? {
        POSTINGS_DELTAS => {
            let count = decoder.uvarint32("postings count")?;
            let mut bitmap = RoaringBitmap::new();
            let mut id = 0u32;
            for _ in 0..count {
                id = id.wrapping_add(decoder.uvarint32("postings entry")?);
                bitmap.try_push(id).map_err(|_| Malformed::new("postings: ids do not ascend"))?;
            }
            bitmap
        }
        POSTINGS_ROARING => RoaringBitmap::deserialize_from(&bytes[1..])
            .map_err(|e| Malformed::new(format!("postings: bad roaring bitmap: {e}")))?,
        other => return Err(Malformed::new(format!("postings: unknown format {other}"))),
    };
    match bitmap.max() {
        Some(max) if max >= num_series => Err(Malformed::new(format!("postings: series {max} beyond the block"))),
        _ => Ok(bitmap),
    }
}

fn read_labels<'a>(ids: &[u32], symbol: impl Fn(u32) -> Result<&'a str, Malformed>) -> Result<Labels, Malformed> {
    let mut labels = Vec::with_capacity(ids.len() / 2);
    for pair in ids.chunks_exact(2) {
        let (name, value) = (symbol(pair[0])?, symbol(pair[1])?);
        if labels.last().is_some_and(|last: &Label| last.name.as_str() >= name) {
            return Err(Malformed::new(format!("series labels: {name:?} is out of order")));
        }
        labels.push(Label::new(name, value));
    }
    Ok(Labels::from_sorted(labels))
}
