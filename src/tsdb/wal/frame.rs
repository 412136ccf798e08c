//! Record framing inside a segment file — `[u32 length LE][u32 crc32 LE]
//! [payload]` — and a streaming scanner that tells complete records from a
//! torn or corrupt tail and from zero padding, as Prometheus' WAL reader does.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use super::error::Error;

/// Bytes of the length and checksum before each payload.
pub const FRAME_HEADER_SIZE: usize = 8;

/// The longest payload a frame can describe.
pub const MAX_RECORD_SIZE: usize = u32::MAX as usize;

/// Read-ahead of the scanner; records are small, segments large.
const READ_BUFFER_SIZE: usize = 256 * 1024;

/// Appends the frame of `payload` to `buffer`.
pub(crate) fn put_frame(buffer: &mut Vec<u8>, payload: &[u8]) -> Result<(), Error> {
    if payload.is_empty() {
        return Err(Error::EmptyRecord);
    }
    if payload.len() > MAX_RECORD_SIZE {
        return Err(Error::RecordTooLarge { length: payload.len(), max: MAX_RECORD_SIZE });
    }
    buffer.reserve(FRAME_HEADER_SIZE + payload.len());
    buffer.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    buffer.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    buffer.extend_from_slice(payload);
    Ok(())
}

/// What the scanner found at its position.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A complete record whose checksum matches; see [`FrameReader::payload`].
    Record,
    /// No more data: the end of the file, or zero padding up to it.
    End,
    /// The frame at `offset` is torn or corrupt; nothing after it is trusted.
    Corrupt { offset: u64, reason: String },
}

/// Scans the frames of one segment file up to the length it had when opened.
pub(crate) struct FrameReader {
    reader: BufReader<File>,
    length: u64,
    /// Start of the next frame, and after `End` the end of the data.
    offset: u64,
    record_offset: u64,
    payload: Vec<u8>,
}

impl FrameReader {
    pub(crate) fn open(path: &Path) -> Result<Self, Error> {
        let file = File::open(path).map_err(Error::io("open wal segment", path))?;
        let length = file.metadata().map_err(Error::io("stat wal segment", path))?.len();
        Ok(FrameReader {
            reader: BufReader::with_capacity(READ_BUFFER_SIZE, file),
            length,
            offset: 0,
            record_offset: 0,
            payload: Vec::new(),
        })
    }

    /// The payload of the last `Frame::Record`.
    pub(crate) fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Where the last `Frame::Record` starts in the file.
    pub(crate) fn record_offset(&self) -> u64 {
        self.record_offset
    }

    /// The end of the complete records read so far.
    pub(crate) fn offset(&self) -> u64 {
        self.offset
    }

    /// The file length when the scan started.
    pub(crate) fn length(&self) -> u64 {
        self.length
    }

    pub(crate) fn next(&mut self) -> io::Result<Frame> {
        match self.read_frame() {
            // The file shrank under us: what is gone is a torn tail.
            Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => {
                Ok(self.corrupt("segment ended before its recorded length"))
            }
            other => other,
        }
    }

    fn read_frame(&mut self) -> io::Result<Frame> {
        let remaining = self.length - self.offset;
        if remaining == 0 {
            return Ok(Frame::End);
        }
        if remaining < FRAME_HEADER_SIZE as u64 {
            return self.short_tail(remaining);
        }
        let mut header = [0u8; FRAME_HEADER_SIZE];
        self.reader.read_exact(&mut header)?;
        if header == [0; FRAME_HEADER_SIZE] {
            return self.zero_header();
        }
        let length = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
        let checksum = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        self.read_payload(length, checksum, remaining - FRAME_HEADER_SIZE as u64)
    }

    fn read_payload(&mut self, length: u32, checksum: u32, available: u64) -> io::Result<Frame> {
        if length == 0 {
            return Ok(self.corrupt("zero-length record with a non-zero checksum"));
        }
        if u64::from(length) > available {
            let reason = format!("record of {length} bytes runs past the end of the segment ({available} bytes left)");
            return Ok(self.corrupt(reason));
        }
        self.payload.resize(length as usize, 0);
        self.reader.read_exact(&mut self.payload)?;
        if crc32fast::hash(&self.payload) != checksum {
            return Ok(self.corrupt("record checksum mismatch"));
        }
        self.record_offset = self.offset;
        self.offset += FRAME_HEADER_SIZE as u64 + u64::from(length);
        Ok(Frame::Record)
    }

    /// Fewer bytes than a header: zero padding, or a header cut short.
    fn short_tail(&mut self, remaining: u64) -> io::Result<Frame> {
        let mut tail = [0u8; FRAME_HEADER_SIZE];
        let tail = &mut tail[..remaining as usize];
        self.reader.read_exact(tail)?;
        match tail.iter().all(|&byte| byte == 0) {
            true => Ok(Frame::End),
            false => Ok(self.corrupt(format!("torn frame header of {remaining} bytes"))),
        }
    }

    /// A header of zeros starts padding, which must run to the end of the file.
    fn zero_header(&mut self) -> io::Result<Frame> {
        let mut left = self.length - self.offset - FRAME_HEADER_SIZE as u64;
        while left > 0 {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let take = chunk.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            if chunk[..take].iter().any(|&byte| byte != 0) {
                return Ok(self.corrupt("data after zero padding"));
            }
            self.reader.consume(take);
            left -= take as u64;
        }
        Ok(Frame::End)
    }

    fn corrupt(&self, reason: impl Into<String>) -> Frame {
        Frame::Corrupt { offset: self.offset, reason: reason.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(bytes: &[u8]) -> (Vec<Vec<u8>>, Frame) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000");
        std::fs::write(&path, bytes).unwrap();
        let mut reader = FrameReader::open(&path).unwrap();
        let mut records = Vec::new();
        loop {
            match reader.next().unwrap() {
                Frame::Record => records.push(reader.payload().to_vec()),
                other => return (records, other),
            }
        }
    }

    fn frames(payloads: &[&[u8]]) -> Vec<u8> {
        let mut buffer = Vec::new();
        for payload in payloads {
            put_frame(&mut buffer, payload).unwrap();
        }
        buffer
    }

    #[test]
    fn frame_layout_is_length_then_crc() {
        let bytes = frames(&[b"abc"]);
        assert_eq!(&bytes[..4], &3u32.to_le_bytes());
        assert_eq!(&bytes[4..8], &crc32fast::hash(b"abc").to_le_bytes());
        assert_eq!(&bytes[8..], b"abc");
    }

    #[test]
    fn empty_payload_cannot_be_framed() {
        assert!(matches!(put_frame(&mut Vec::new(), b""), Err(Error::EmptyRecord)));
    }

    #[test]
    fn reads_complete_records() {
        let (records, end) = scan(&frames(&[b"one", b"two"]));
        assert_eq!(records, [b"one".to_vec(), b"two".to_vec()]);
        assert_eq!(end, Frame::End);
    }

    #[test]
    fn zero_tail_of_any_length_is_end_of_data() {
        for zeros in [1, 7, 8, 9, 300_000] {
            let mut bytes = frames(&[b"one"]);
            bytes.resize(bytes.len() + zeros, 0);
            let (records, end) = scan(&bytes);
            assert_eq!((records.len(), end), (1, Frame::End), "{zeros} zeros");
        }
    }

    #[test]
    fn data_after_zeros_is_corruption() {
        let mut bytes = frames(&[b"one"]);
        let good = bytes.len() as u64;
        bytes.resize(bytes.len() + 20, 0);
        bytes.push(1);
        let (records, end) = scan(&bytes);
        assert_eq!(records.len(), 1);
        assert_eq!(end, Frame::Corrupt { offset: good, reason: "data after zero padding".into() });
    }

    #[test]
    fn torn_frames_are_reported_at_their_start() {
        let whole = frames(&[b"one", b"second record"]);
        let second = frames(&[b"one"]).len() as u64;
        for cut in second as usize + 1..whole.len() {
            let (records, end) = scan(&whole[..cut]);
            assert_eq!(records.len(), 1, "cut at {cut}");
            assert!(matches!(end, Frame::Corrupt { offset, .. } if offset == second), "cut at {cut}: {end:?}");
        }
    }

    #[test]
    fn flipped_payload_byte_is_a_checksum_mismatch() {
        let mut bytes = frames(&[b"one", b"two", b"three"]);
        let second = frames(&[b"one"]).len();
        bytes[second + FRAME_HEADER_SIZE] ^= 0x40;
        let (records, end) = scan(&bytes);
        assert_eq!(records, [b"one".to_vec()]);
        assert_eq!(end, Frame::Corrupt { offset: second as u64, reason: "record checksum mismatch".into() });
    }
}
