//! Writes a block's `chunks` file: chunk records (see `record.rs`) packed
//! into pages of about 64 KiB, each page compressed with zstd so that
//! reading one chunk decompresses one page, and a page table at the end.
//! Decimal runs with the same timestamp offsets as an earlier run (series of
//! one scrape target) point at its timestamps instead of repeating them.
//! Prometheus' `tsdb/chunks` stores chunks raw; both stages are ours (see
//! docs/format/block.md).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::error::Error;
use super::record::{RecordMeta, RecordRef, Run, decimal_samples, put_raw};
use crate::series::chunk::{Chunk, Encoding};

pub const CHUNKS_FILE: &str = "chunks";
pub const CHUNKS_MAGIC: u32 = 0x534F_4E43; // "SONC"
pub const HEADER_LENGTH: usize = 8;
/// Page header: compressed length u32, uncompressed length u32, codec u8.
pub const PAGE_HEADER_LENGTH: usize = 9;
pub const CODEC_RAW: u8 = 0;
pub const CODEC_ZSTD: u8 = 1;
/// The footer: page count u32, CRC32 of the page table and count.
pub const FOOTER_LENGTH: usize = 8;

/// How chunks are packed; the defaults are what blocks are written with.
#[derive(Clone, Copy, Debug)]
pub struct ChunkWriteOptions {
    /// Uncompressed bytes after which a page is closed.
    pub page_bytes: usize,
    pub zstd_level: i32,
    /// Store runs of float chunks of short decimals in the decimal
    /// transcoding.
    pub decimal: bool,
    /// Let decimal runs refer to an earlier run's identical timestamps.
    pub share_timestamps: bool,
}

impl Default for ChunkWriteOptions {
    fn default() -> Self {
        ChunkWriteOptions { page_bytes: 64 * 1024, zstd_level: 3, decimal: true, share_timestamps: true }
    }
}

pub struct ChunkWriter {
    file: BufWriter<File>,
    path: PathBuf,
    options: ChunkWriteOptions,
    compressor: zstd::bulk::Compressor<'static>,
    /// File offset at which the page being filled will be written.
    page_start: u64,
    /// File offsets of the pages written so far.
    pages: Vec<u64>,
    page: Vec<u8>,
    record: Vec<u8>,
    run: Run,
    /// Decimal runs written with their own timestamps, by their timestamp
    /// offsets: a later run with the same offsets (another series of the
    /// same scrape target) refers to them instead of repeating them.
    timestamps: HashMap<Vec<i64>, RecordRef>,
    /// Offsets held in `timestamps`, which takes no more beyond
    /// `REMEMBERED_OFFSETS`.
    remembered: usize,
}

/// At most this many timestamp offsets (8 bytes each) are remembered for
/// sharing. Series sorted by name visit every target once per metric name,
/// so the first targets seen are kept rather than the latest: those keep
/// sharing through the whole block.
const REMEMBERED_OFFSETS: usize = 1 << 20;
/// Shorter runs keep their own timestamps: a reference would not be smaller.
const MIN_SHARED_SAMPLES: usize = 4;

impl ChunkWriter {
    pub fn create(dir: &Path, options: ChunkWriteOptions) -> Result<ChunkWriter, Error> {
        let path = dir.join(CHUNKS_FILE);
        let file = File::create(&path).map_err(Error::io("create", &path))?;
        let compressor = zstd::bulk::Compressor::new(options.zstd_level).map_err(Error::io("start zstd for", &path))?;
        let mut writer = ChunkWriter {
            file: BufWriter::with_capacity(256 * 1024, file),
            path,
            options,
            compressor,
            page_start: HEADER_LENGTH as u64,
            pages: Vec::new(),
            page: Vec::with_capacity(options.page_bytes + 4096),
            record: Vec::new(),
            run: Run::default(),
            timestamps: HashMap::new(),
            remembered: 0,
        };
        let mut header = CHUNKS_MAGIC.to_be_bytes().to_vec();
        header.extend_from_slice(&[super::FORMAT_VERSION as u8, 0, 0, 0]);
        writer.write(&header)?;
        Ok(writer)
    }

    /// Adds one series' chunks (sorted by mint), returning the records
    /// they went into, in order.
    pub fn add_series(&mut self, chunks: &[Chunk]) -> Result<Vec<RecordMeta>, Error> {
        let mut records = Vec::new();
        for chunk in chunks {
            if let Some((samples, exponent)) = self.options.decimal.then(|| decimal_samples(chunk)).flatten() {
                if self.run.try_push(&samples, exponent) {
                    continue;
                }
                self.flush_run(&mut records)?;
                let accepted = self.run.try_push(&samples, exponent);
                debug_assert!(accepted, "an empty run takes any decimal chunk");
                continue;
            }
            self.flush_run(&mut records)?;
            self.record.clear();
            put_raw(chunk, &mut self.record);
            let at = self.place_record()?;
            records.push(RecordMeta { mint: chunk.mint, maxt: chunk.maxt, at, chunks: 1 });
        }
        self.flush_run(&mut records)?;
        Ok(records)
    }

    fn flush_run(&mut self, records: &mut Vec<RecordMeta>) -> Result<(), Error> {
        if self.run.is_empty() {
            return Ok(());
        }
        self.record.clear();
        let offsets = self.run.timestamp_offsets();
        let shareable = self.options.share_timestamps && offsets.len() >= MIN_SHARED_SAMPLES;
        let shared = self.timestamps.get(&offsets).filter(|_| shareable);
        let shared = shared.map(|at| (at.page, at.offset));
        let (mint, maxt, chunks) = self.run.take_record(Encoding::Xor, shared, &mut self.record);
        let at = self.place_record()?;
        records.push(RecordMeta { mint, maxt, at, chunks });
        if shared.is_none() && shareable && self.remembered + offsets.len() <= REMEMBERED_OFFSETS {
            self.remembered += offsets.len();
            self.timestamps.insert(offsets, at);
        }
        Ok(())
    }

    /// Appends the current record to the page, starting a new page first
    /// when it would overflow; a record never spans pages.
    fn place_record(&mut self) -> Result<RecordRef, Error> {
        if !self.page.is_empty() && self.page.len() + self.record.len() > self.options.page_bytes {
            self.flush_page()?;
        }
        let offset = u32::try_from(self.page.len()).expect("pages stay far below 4 GiB");
        let page = u32::try_from(self.pages.len()).map_err(|_| Error::TooLarge {
            block: self.path.parent().unwrap_or(&self.path).to_path_buf(),
            problem: "more than 2^32 chunk pages".into(),
        })?;
        self.page.extend_from_slice(&self.record);
        Ok(RecordRef { page, offset })
    }

    /// Page: header, payload (zstd unless that does not shrink it), CRC32 of
    /// header and payload.
    fn flush_page(&mut self) -> Result<(), Error> {
        if self.page.is_empty() {
            return Ok(());
        }
        let compressed = self.compressor.compress(&self.page).map_err(Error::io("compress a page of", &self.path))?;
        let (codec, payload) = if compressed.len() < self.page.len() {
            (CODEC_ZSTD, &compressed[..])
        } else {
            (CODEC_RAW, &self.page[..])
        };
        let mut header = Vec::with_capacity(PAGE_HEADER_LENGTH);
        header.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        header.extend_from_slice(&(self.page.len() as u32).to_be_bytes());
        header.push(codec);
        let mut crc = crc32fast::Hasher::new();
        crc.update(&header);
        crc.update(payload);
        let checksum = crc.finalize().to_be_bytes();
        let written = (header.len() + payload.len() + checksum.len()) as u64;
        (self.file.write_all(&header))
            .and_then(|()| self.file.write_all(payload))
            .and_then(|()| self.file.write_all(&checksum))
            .map_err(Error::io("write", &self.path))?;
        self.pages.push(self.page_start);
        self.page_start += written;
        self.page.clear();
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.file.write_all(bytes).map_err(Error::io("write", &self.path))
    }

    /// Writes the last page and the page table, and syncs the file;
    /// returns its size.
    pub fn finish(mut self) -> Result<u64, Error> {
        self.flush_page()?;
        let mut footer: Vec<u8> = self.pages.iter().flat_map(|p| p.to_be_bytes()).collect();
        footer.extend_from_slice(&(self.pages.len() as u32).to_be_bytes());
        let checksum = crc32fast::hash(&footer);
        footer.extend_from_slice(&checksum.to_be_bytes());
        self.write(&footer)?;
        let file = self.file.into_inner().map_err(|e| Error::io("write", &self.path)(e.into_error()))?;
        file.sync_all().map_err(Error::io("sync", &self.path))?;
        Ok(self.page_start + footer.len() as u64)
    }
}
