//! The e-mail's bytes as Alertmanager writes them with Go's `mime`,
//! `mime/quotedprintable`, `mime/multipart` and `net/mail`: header values
//! as RFC 2047 Q-encoded words when they hold anything but printable
//! ASCII, bodies in quoted-printable with 76-character lines, a
//! `multipart/alternative` body (text part first, HTML last), and address
//! lists parsed for the envelope.

use std::fmt::Write as _;

/// The longest encoded word, RFC 2047 section 2.
const MAX_ENCODED_WORD: usize = 75;
const WORD_START: &str = "=?utf-8?q?";
/// Content room in one encoded word.
const MAX_WORD_CONTENT: usize = MAX_ENCODED_WORD - "=?UTF-8?q?".len() - "?=".len();
/// Quoted-printable lines, soft break included.
const MAX_LINE: usize = 76;

/// Go's `mime.QEncoding.Encode("utf-8", value)`: unchanged when every
/// character is printable ASCII or a tab, else Q-encoded words of at most
/// 75 characters separated by spaces, never splitting a character.
pub(crate) fn q_encode(value: &str) -> String {
    if !value.chars().any(|c| !(' '..='~').contains(&c) && c != '\t') {
        return value.to_string();
    }
    let mut encoded = String::from(WORD_START);
    let mut word_length = 0;
    for character in value.chars() {
        let printable = character.is_ascii() && (' '..='~').contains(&character) && !"=?_".contains(character);
        let length = if printable { 1 } else { 3 * character.len_utf8() };
        if word_length + length > MAX_WORD_CONTENT {
            encoded.push_str("?= ");
            encoded.push_str(WORD_START);
            word_length = 0;
        }
        match character {
            ' ' => encoded.push('_'),
            _ if printable => encoded.push(character),
            _ => {
                let mut bytes = [0; 4];
                for byte in character.encode_utf8(&mut bytes).bytes() {
                    let _ = write!(encoded, "={byte:02X}");
                }
            }
        }
        word_length += length;
    }
    encoded.push_str("?=");
    encoded
}

/// Go's quoted-printable writer: `=` and bytes outside printable ASCII
/// become `=XX`, line breaks become CRLF, spaces and tabs before a break
/// or at the end are encoded, and lines are soft-broken with `=` to stay
/// within 76 characters.
pub(crate) fn quoted_printable(text: &str) -> String {
    let mut encoder = QuotedPrintable::default();
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'\r' if bytes.get(index + 1) == Some(&b'\n') => {
                encoder.line_break();
                index += 1;
            }
            b'\r' | b'\n' => encoder.line_break(),
            byte @ (b'!'..=b'~' | b' ' | b'\t') if byte != b'=' => encoder.literal(byte),
            byte => encoder.escaped(byte),
        }
        index += 1;
    }
    encoder.encode_trailing_space();
    encoder.output.push_str(&encoder.line);
    encoder.output
}

#[derive(Default)]
struct QuotedPrintable {
    output: String,
    line: String,
}

impl QuotedPrintable {
    fn literal(&mut self, byte: u8) {
        if self.line.len() == MAX_LINE - 1 {
            self.soft_break();
        }
        self.line.push(char::from(byte));
    }

    fn escaped(&mut self, byte: u8) {
        if MAX_LINE - 1 - self.line.len() < 3 {
            self.soft_break();
        }
        let _ = write!(self.line, "={byte:02X}");
    }

    fn soft_break(&mut self) {
        self.line.push('=');
        self.flush_line();
    }

    fn line_break(&mut self) {
        self.encode_trailing_space();
        self.flush_line();
    }

    fn flush_line(&mut self) {
        self.output.push_str(&self.line);
        self.output.push_str("\r\n");
        self.line.clear();
    }

    /// A space or tab ending a line would be lost in transit.
    fn encode_trailing_space(&mut self) {
        if let Some(last @ (' ' | '\t')) = self.line.chars().last() {
            self.line.pop();
            self.escaped(last as u8);
        }
    }
}

/// A `multipart/alternative` body of quoted-printable parts, written as
/// Go's `multipart.Writer` writes it.
pub(crate) fn multipart(boundary: &str, parts: &[(&str, String)]) -> String {
    let mut body = String::new();
    for (index, (content_type, text)) in parts.iter().enumerate() {
        let separator = if index == 0 { "" } else { "\r\n" };
        let _ = write!(
            body,
            "{separator}--{boundary}\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: {content_type}\r\n\r\n"
        );
        body.push_str(&quoted_printable(text));
    }
    let _ = write!(body, "\r\n--{boundary}--\r\n");
    body
}

/// Sixty random hex digits, the form of Go's multipart boundaries.
pub(crate) fn random_boundary() -> String {
    let mut bytes = [0u8; 30];
    fill_random(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

pub(crate) fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    fill_random(&mut bytes);
    u64::from_le_bytes(bytes)
}

fn fill_random(bytes: &mut [u8]) {
    use ring::rand::SecureRandom;
    if ring::rand::SystemRandom::new().fill(bytes).is_err() {
        // Without system randomness, uniqueness is all a boundary needs.
        let seed = crate::alertmanager::alert::now_nanos() as u64;
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte = (seed.rotate_left(index as u32 * 7) >> (index % 8)) as u8;
        }
    }
}

/// The addresses of an RFC 5322 address list (`Name <a@b>, c@d`), as
/// Go's `mail.ParseAddressList` reads the common forms: display names,
/// quoted strings, comments in parentheses and angle addresses.
pub(crate) fn parse_address_list(list: &str) -> Result<Vec<String>, String> {
    let mut addresses = Vec::new();
    for entry in split_top_level(list)? {
        addresses.push(parse_address(&entry)?);
    }
    if addresses.is_empty() {
        return Err("mail: no address".to_string());
    }
    Ok(addresses)
}

/// Splits at commas outside quotes, comments and angle brackets, with
/// comments removed.
fn split_top_level(list: &str) -> Result<Vec<String>, String> {
    let (mut entries, mut current) = (Vec::new(), String::new());
    let (mut quoted, mut comment_depth, mut in_angle) = (false, 0usize, false);
    let mut characters = list.chars();
    while let Some(character) = characters.next() {
        match character {
            '\\' if quoted || comment_depth > 0 => {
                let escaped = characters.next().ok_or("mail: unclosed quoted-string")?;
                if quoted {
                    current.push('\\');
                    current.push(escaped);
                }
            }
            '"' if comment_depth == 0 => {
                quoted = !quoted;
                current.push(character);
            }
            '(' if !quoted => comment_depth += 1,
            ')' if !quoted && comment_depth > 0 => comment_depth -= 1,
            _ if comment_depth > 0 => {}
            '<' if !quoted => {
                in_angle = true;
                current.push(character);
            }
            '>' if !quoted => {
                in_angle = false;
                current.push(character);
            }
            ',' if !quoted && !in_angle => entries.push(std::mem::take(&mut current)),
            _ => current.push(character),
        }
    }
    if quoted {
        return Err("mail: unclosed quoted-string".to_string());
    }
    if comment_depth > 0 {
        return Err("mail: misformatted parenthetical comment".to_string());
    }
    entries.push(current);
    Ok(entries)
}

fn parse_address(entry: &str) -> Result<String, String> {
    let entry = entry.trim();
    if entry.is_empty() {
        return Err("mail: no address".to_string());
    }
    let spec = match entry.rfind('<') {
        Some(open) => {
            let close = entry[open..].find('>').ok_or("mail: unclosed angle-addr")? + open;
            if !entry[close + 1..].trim().is_empty() {
                return Err(format!("mail: expected single address, got {:?}", entry[close + 1..].trim()));
            }
            entry[open + 1..close].trim()
        }
        None => entry,
    };
    check_addr_spec(spec)?;
    Ok(spec.to_string())
}

fn check_addr_spec(spec: &str) -> Result<(), String> {
    let (local, domain) = spec.rsplit_once('@').ok_or("mail: missing @ in addr-spec")?;
    if local.is_empty() {
        return Err("mail: invalid string".to_string());
    }
    if domain.is_empty() {
        return Err("mail: no domain in addr-spec".to_string());
    }
    let unquoted_local = local.starts_with('"') && local.ends_with('"') && local.len() >= 2;
    let bad = |part: &str| part.chars().any(|c| c.is_whitespace() || c.is_control() || "<>()[],;:\\\"".contains(c));
    if (!unquoted_local && bad(local)) || (bad(domain) && !domain.starts_with('[')) {
        return Err(format!("mail: invalid addr-spec {spec:?}"));
    }
    Ok(())
}

#[cfg(test)]
#[path = "email_mime_tests.rs"]
mod tests;
