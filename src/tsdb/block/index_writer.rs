//! Builds a block's `index` file (layout in docs/format/block.md): symbol
//! table, series pages, series page table, label table, postings, table of
//! contents.
//! Like Prometheus' `tsdb/index` writer, but series arrive before all symbols
//! are known, so labels are held compactly (symbol ids) until `finish`.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use roaring::RoaringBitmap;

use super::encoding::{put_str, put_uvarint, section_frame};
use super::error::Error;
use super::record::RecordMeta;
use super::series_pages::SeriesPagesWriter;
use crate::series::Labels;

pub const INDEX_FILE: &str = "index";
pub const INDEX_MAGIC: u32 = 0x534F_4E49; // "SONI"
pub const SECTIONS: [&str; 5] = ["symbols", "series", "series page table", "labels", "postings"];
/// Table of contents: one u64 offset per section, then a CRC32 of them.
pub const TOC_LENGTH: usize = SECTIONS.len() * 8 + 4;
pub const POSTINGS_DELTAS: u8 = 0;
pub const POSTINGS_ROARING: u8 = 1;

pub struct IndexWriter {
    /// Record times are stored relative to this (the block's min_time).
    base_time: i64,
    ids: HashMap<Box<str>, u32>,
    strings: Vec<Box<str>>,
    /// (name, value) symbol ids of every series, flattened.
    label_ids: Vec<u32>,
    label_ends: Vec<usize>,
    records: Vec<RecordMeta>,
    record_ends: Vec<usize>,
}

impl IndexWriter {
    pub fn new(base_time: i64) -> Self {
        IndexWriter {
            base_time,
            ids: HashMap::new(),
            strings: Vec::new(),
            label_ids: Vec::new(),
            label_ends: Vec::new(),
            records: Vec::new(),
            record_ends: Vec::new(),
        }
    }

    /// Adds the next series; series come sorted by labels.
    pub fn add_series(&mut self, labels: &Labels, records: &[RecordMeta]) {
        for label in labels {
            let name = self.intern(&label.name);
            let value = self.intern(&label.value);
            self.label_ids.extend([name, value]);
        }
        self.label_ends.push(self.label_ids.len());
        self.records.extend_from_slice(records);
        self.record_ends.push(self.records.len());
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    /// Writes `dir/index` section by section and syncs it; returns its size.
    pub fn finish(mut self, dir: &Path) -> Result<u64, Error> {
        let remap = self.sort_symbols();
        for id in &mut self.label_ids {
            *id = remap[*id as usize];
        }
        let mut file = SectionFile::create(&dir.join(INDEX_FILE))?;
        file.write(&INDEX_MAGIC.to_be_bytes())?;
        file.write(&[super::FORMAT_VERSION as u8, 0, 0, 0])?;
        let mut offsets = Vec::with_capacity(SECTIONS.len());
        offsets.push(file.put_section(dir, &self.symbols_section())?);
        let (series, page_table) = self.series_section();
        offsets.push(file.put_section(dir, &series)?);
        offsets.push(file.put_section(dir, &page_table)?);
        drop((series, page_table));
        let (labels, postings) = self.label_sections();
        offsets.push(file.put_section(dir, &labels)?);
        offsets.push(file.put_section(dir, &postings)?);
        let toc: Vec<u8> = offsets.iter().flat_map(|o| o.to_be_bytes()).collect();
        file.write(&toc)?;
        file.write(&crc32fast::hash(&toc).to_be_bytes())?;
        file.finish()
    }

    /// Sorts the symbol table; returns the new id of each old id.
    fn sort_symbols(&mut self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.strings.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| self.strings[a as usize].cmp(&self.strings[b as usize]));
        let mut remap = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old as usize] = new as u32;
        }
        let mut strings = std::mem::take(&mut self.strings);
        self.strings = order.iter().map(|&old| std::mem::take(&mut strings[old as usize])).collect();
        self.ids = HashMap::new();
        remap
    }

    fn symbols_section(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put_uvarint(&mut out, self.strings.len() as u64);
        for s in &self.strings {
            put_str(&mut out, s);
        }
        out
    }

    /// The series section (base time, compressed pages of entries) and the
    /// page table.
    fn series_section(&self) -> (Vec<u8>, Vec<u8>) {
        let mut pages = SeriesPagesWriter::new(self.base_time);
        let (mut label_start, mut record_start) = (0, 0);
        for (&label_end, &record_end) in self.label_ends.iter().zip(&self.record_ends) {
            pages.add(&self.label_ids[label_start..label_end], &self.records[record_start..record_end]);
            (label_start, record_start) = (label_end, record_end);
        }
        pages.finish(self.label_ends.len() as u32)
    }

    /// The label table (names, their values, postings lengths) and the
    /// postings lists in the same order.
    fn label_sections(&self) -> (Vec<u8>, Vec<u8>) {
        let mut lists: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
        let mut start = 0;
        for (series, &end) in self.label_ends.iter().enumerate() {
            for pair in self.label_ids[start..end].chunks_exact(2) {
                lists.entry((pair[0], pair[1])).or_default().push(series as u32);
            }
            start = end;
        }
        let mut pairs: Vec<((u32, u32), Vec<u32>)> = lists.into_iter().collect();
        pairs.sort_unstable_by_key(|(pair, _)| *pair);
        let (mut table, mut postings) = (Vec::new(), Vec::new());
        let names = pairs.chunk_by(|a, b| a.0.0 == b.0.0).collect::<Vec<_>>();
        put_uvarint(&mut table, names.len() as u64);
        for values in names {
            put_uvarint(&mut table, u64::from(values[0].0.0));
            put_uvarint(&mut table, values.len() as u64);
            for ((_, value), ids) in values {
                let before = postings.len();
                put_postings(&mut postings, ids);
                put_uvarint(&mut table, u64::from(*value));
                put_uvarint(&mut table, (postings.len() - before) as u64);
            }
        }
        (table, postings)
    }
}

/// A postings list as delta varints or a serialized roaring bitmap,
/// whichever is smaller (roaring, with run containers, wins for long
/// dense lists).
fn put_postings(out: &mut Vec<u8>, ids: &[u32]) {
    let mut deltas = Vec::with_capacity(ids.len() + 2);
    put_uvarint(&mut deltas, ids.len() as u64);
    let mut previous = 0;
    for &id in ids {
        put_uvarint(&mut deltas, u64::from(id - previous));
        previous = id;
    }
    let bitmap = (ids.len() > 64).then(|| {
        let mut bitmap = RoaringBitmap::from_sorted_iter(ids.iter().copied()).expect("ids ascend");
        bitmap.optimize();
        bitmap
    });
    match bitmap.filter(|b| b.serialized_size() < deltas.len()) {
        Some(bitmap) => {
            out.push(POSTINGS_ROARING);
            bitmap.serialize_into(&mut *out).expect("writing to a Vec cannot fail");
        }
        None => {
            out.push(POSTINGS_DELTAS);
            out.extend_from_slice(&deltas);
        }
    }
}

/// The index file being written, with the offset reached.
struct SectionFile {
    file: BufWriter<File>,
    path: PathBuf,
    written: u64,
}

impl SectionFile {
    fn create(path: &Path) -> Result<SectionFile, Error> {
        let file = File::create(path).map_err(Error::io("create", path))?;
        Ok(SectionFile { file: BufWriter::with_capacity(256 * 1024, file), path: path.to_path_buf(), written: 0 })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.written += bytes.len() as u64;
        self.file.write_all(bytes).map_err(Error::io("write", &self.path))
    }

    /// Writes a section (length, payload, CRC32); returns where it starts.
    /// Readers hold offsets into a section as u32, so it must stay below 4 GiB.
    fn put_section(&mut self, dir: &Path, payload: &[u8]) -> Result<u64, Error> {
        if payload.len() > u32::MAX as usize {
            let problem = format!("an index section of {} bytes exceeds 4 GiB", payload.len());
            return Err(Error::TooLarge { block: dir.to_path_buf(), problem });
        }
        let start = self.written;
        let (length, checksum) = section_frame(payload);
        self.write(&length)?;
        self.write(payload)?;
        self.write(&checksum)?;
        Ok(start)
    }

    fn finish(self) -> Result<u64, Error> {
        let file = self.file.into_inner().map_err(|e| Error::io("write", &self.path)(e.into_error()))?;
        file.sync_all().map_err(Error::io("sync", &self.path))?;
        Ok(self.written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings_pick_the_smaller_encoding() {
        let mut sparse = Vec::new();
        put_postings(&mut sparse, &[3, 70, 900]);
        assert_eq!(sparse[0], POSTINGS_DELTAS);
        let dense: Vec<u32> = (0..10_000).collect();
        let mut out = Vec::new();
        put_postings(&mut out, &dense);
        assert_eq!(out[0], POSTINGS_ROARING);
        assert!(out.len() < 100, "{} bytes", out.len());
    }
}
