//! Reads chunks from a block's mmapped `chunks` file: finds the record's
//! page through the page table, checks the page's CRC, decompresses it (a few
//! recent pages are cached, since queries and compaction read series in
//! order and neighbours share pages), and turns the record back into
//! in-memory chunks.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use memmap2::Mmap;

use super::chunk_writer::{
    CHUNKS_FILE, CHUNKS_MAGIC, CODEC_RAW, CODEC_ZSTD, FOOTER_LENGTH, HEADER_LENGTH, PAGE_HEADER_LENGTH,
};
use super::encoding::Decoder;
use super::error::{Error, Malformed};
use super::record::{RecordMeta, read_record, shared_offsets};
use crate::series::chunk::Chunk;

/// Largest uncompressed page accepted, checked before allocating: a page
/// holds at least one whole chunk, and a chunk of 65535 samples stays well
/// below this.
const MAX_PAGE_BYTES: usize = 64 << 20;
const CACHED_PAGES: usize = 4;

pub struct ChunkReader {
    map: Mmap,
    block: PathBuf,
    /// File offset of each page.
    pages: Vec<u64>,
    cache: Mutex<PageCache>,
}

/// The most recently decompressed pages, replaced round-robin.
#[derive(Default)]
struct PageCache {
    pages: Vec<(u64, Arc<Vec<u8>>)>,
    next: usize,
}

impl PageCache {
    fn get(&self, offset: u64) -> Option<Arc<Vec<u8>>> {
        self.pages.iter().find(|(o, _)| *o == offset).map(|(_, page)| page.clone())
    }

    fn insert(&mut self, offset: u64, page: Arc<Vec<u8>>) {
        if self.pages.len() < CACHED_PAGES {
            self.pages.push((offset, page));
        } else {
            self.pages[self.next] = (offset, page);
            self.next = (self.next + 1) % CACHED_PAGES;
        }
    }
}

impl ChunkReader {
    pub fn open(block: &Path) -> Result<ChunkReader, Error> {
        let map = map_file(block, CHUNKS_FILE)?;
        check_header(&map, CHUNKS_MAGIC).map_err(|m| m.within(block, CHUNKS_FILE))?;
        if map[4] as u32 != super::FORMAT_VERSION {
            let version = map[4] as u32;
            let supported = super::FORMAT_VERSION;
            return Err(Error::UnsupportedVersion {
                block: block.to_path_buf(),
                file: CHUNKS_FILE,
                version,
                supported,
            });
        }
        let pages = read_page_table(&map).map_err(|m| m.within(block, CHUNKS_FILE))?;
        Ok(ChunkReader { map, block: block.to_path_buf(), pages, cache: Mutex::default() })
    }

    /// The chunks of a record.
    pub fn read(&self, record: &RecordMeta) -> Result<Vec<Chunk>, Error> {
        self.read_record(record).map_err(|m| m.within(&self.block, CHUNKS_FILE))
    }

    fn read_record(&self, record: &RecordMeta) -> Result<Vec<Chunk>, Malformed> {
        let at = record.at;
        let offset = *self.pages.get(at.page as usize).ok_or_else(|| {
            Malformed::new(format!("page {} beyond the {} pages in the file", at.page, self.pages.len()))
        })?;
        let page = self.page(offset)?;
        let bytes = page.get(at.offset as usize..).ok_or_else(|| {
            Malformed::new(format!("record at page {} offset {} is beyond the page end", at.page, at.offset))
        })?;
        let chunks = read_record(bytes, record, |(page, offset)| self.shared_offsets(page, offset))?;
        if chunks.len() != record.chunks as usize {
            let problem = format!("record at {at:?} holds {} chunks, index says {}", chunks.len(), record.chunks);
            return Err(Malformed::new(problem));
        }
        Ok(chunks)
    }

    /// The timestamp offsets of the decimal run at (page, offset), which a
    /// later run shares.
    fn shared_offsets(&self, page: u32, offset: u32) -> Result<Vec<i64>, Malformed> {
        let start = *self.pages.get(page as usize).ok_or_else(|| {
            Malformed::new(format!("shared timestamps: page {page} beyond the {} pages in the file", self.pages.len()))
        })?;
        let page_bytes = self.page(start)?;
        let bytes = page_bytes.get(offset as usize..).ok_or_else(|| {
            Malformed::new(format!("shared timestamps: offset {offset} beyond the end of page {page}"))
        })?;
        shared_offsets(bytes)
    }

    fn page(&self, offset: u64) -> Result<Arc<Vec<u8>>, Malformed> {
        if let Some(page) = self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(offset) {
            return Ok(page);
        }
        let page = Arc::new(self.decompress_page(offset)?);
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).insert(offset, page.clone());
        Ok(page)
    }

    fn decompress_page(&self, offset: u64) -> Result<Vec<u8>, Malformed> {
        let start = usize::try_from(offset).ok().filter(|&o| o >= HEADER_LENGTH && o <= self.map.len());
        let start = start.ok_or_else(|| Malformed::new(format!("page offset {offset} outside the file")))?;
        let mut decoder = Decoder::new(&self.map[start..]);
        let stored_length = decoder.u32("page compressed length")? as usize;
        let length = decoder.u32("page length")? as usize;
        let codec = decoder.u8("page codec")?;
        let payload = decoder.bytes(stored_length, "page payload")?;
        let checksum = decoder.u32("page checksum")?;
        let computed = crc32fast::hash(&self.map[start..start + PAGE_HEADER_LENGTH + stored_length]);
        if checksum != computed {
            return Err(Malformed::new(format!(
                "page at offset {offset}: checksum mismatch (stored {checksum:08x}, computed {computed:08x})"
            )));
        }
        if length > MAX_PAGE_BYTES {
            return Err(Malformed::new(format!("page at offset {offset}: length {length} above {MAX_PAGE_BYTES}")));
        }
        let page = match codec {
            CODEC_RAW => payload.to_vec(),
            CODEC_ZSTD => zstd::bulk::decompress(payload, length)
                .map_err(|e| Malformed::new(format!("page at offset {offset}: cannot decompress: {e}")))?,
            other => return Err(Malformed::new(format!("page at offset {offset}: unknown codec {other}"))),
        };
        if page.len() != length {
            let problem = format!("page at offset {offset}: {} bytes, header says {length}", page.len());
            return Err(Malformed::new(problem));
        }
        Ok(page)
    }

    pub fn size_bytes(&self) -> u64 {
        self.map.len() as u64
    }

    /// Heap bytes held for good (the page table; not the page cache).
    pub fn memory_bytes(&self) -> usize {
        self.pages.capacity() * 8
    }
}

/// The page offsets from the footer, checked against its CRC.
fn read_page_table(map: &[u8]) -> Result<Vec<u64>, Malformed> {
    if map.len() < HEADER_LENGTH + FOOTER_LENGTH {
        return Err(Malformed::new(format!("{} bytes is too short for a chunks file", map.len())));
    }
    let mut footer = Decoder::new(&map[map.len() - FOOTER_LENGTH..]);
    let count = footer.u32("page count")? as usize;
    let stored = footer.u32("page table checksum")?;
    let table_length = count.checked_mul(8).filter(|&l| l <= map.len() - HEADER_LENGTH - FOOTER_LENGTH);
    let table_length =
        table_length.ok_or_else(|| Malformed::new(format!("page count {count} does not fit the file")))?;
    let table_start = map.len() - FOOTER_LENGTH - table_length;
    let computed = crc32fast::hash(&map[table_start..map.len() - 4]);
    if stored != computed {
        return Err(Malformed::new(format!(
            "page table: checksum mismatch (stored {stored:08x}, computed {computed:08x})"
        )));
    }
    let pages: Vec<u64> = map[table_start..table_start + table_length]
        .chunks_exact(8)
        .map(|b| u64::from_be_bytes(b.try_into().expect("8 bytes")))
        .collect();
    if pages.iter().any(|&p| p < HEADER_LENGTH as u64 || p >= table_start as u64) {
        return Err(Malformed::new("page table: a page offset lies outside the pages"));
    }
    Ok(pages)
}

/// Maps a block file read-only, telling a missing file from other failures.
pub fn map_file(block: &Path, name: &'static str) -> Result<Mmap, Error> {
    let path = block.join(name);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::MissingFile { block: block.to_path_buf(), file: name });
        }
        Err(e) => return Err(Error::io("open", &path)(e)),
    };
    // Safety: block files are immutable once renamed into place; nothing in
    // Sonde writes to them while a reader maps them.
    unsafe { Mmap::map(&file) }.map_err(Error::io("mmap", &path))
}

/// Checks the 8-byte header: magic, version byte, three zero bytes.
pub fn check_header(bytes: &[u8], magic: u32) -> Result<(), Malformed> {
    let mut decoder = Decoder::new(bytes);
    let found = decoder.u32("header magic")?;
    if found != magic {
        return Err(Malformed::new(format!("bad magic {found:08x}, expected {magic:08x}")));
    }
    decoder.bytes(4, "header version")?;
    Ok(())
}
