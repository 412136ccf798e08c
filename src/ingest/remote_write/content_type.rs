//! Which remote write protocol a request speaks, from its Content-Type, as
//! the remote write 2.0 spec says: `application/x-protobuf` with a `proto`
//! parameter naming the message, no parameter (or no header at all, as
//! Prometheus allows for old 1.0 senders) meaning 1.0, anything else 415.
//! The header is parsed per RFC 9110 §8.3: type, subtype and parameter names
//! are case-insensitive, whitespace may surround `;`, values may be quoted,
//! unknown parameters are ignored. The `proto` value is a protobuf message
//! name and compared exactly.

use std::borrow::Cow;

use super::Error;

/// The media type of both protocols' bodies.
pub const MEDIA_TYPE: &str = "application/x-protobuf";
/// The remote write 1.0 message.
pub const V1_MESSAGE: &str = "prometheus.WriteRequest";
/// The remote write 2.0 message.
pub const V2_MESSAGE: &str = "io.prometheus.write.v2.Request";

/// A remote write protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Remote write 1.0: `prometheus.WriteRequest`.
    V1,
    /// Remote write 2.0: `io.prometheus.write.v2.Request`.
    V2,
}

impl Protocol {
    /// The protocol of a request with this Content-Type header value (`None`
    /// when the header is absent). Bytes, since a header need not be UTF-8.
    pub fn from_content_type(header: Option<&[u8]>) -> Result<Protocol, Error> {
        let Some(header) = header.filter(|value| !trim(value).is_empty()) else {
            return Ok(Protocol::V1);
        };
        parse(header).map_err(|reason| Error::UnsupportedContentType {
            content_type: String::from_utf8_lossy(header).into_owned(),
            reason,
        })
    }

    /// The protobuf message the protocol's body holds.
    pub fn message(self) -> &'static str {
        match self {
            Protocol::V1 => V1_MESSAGE,
            Protocol::V2 => V2_MESSAGE,
        }
    }

    /// The Content-Type a sender sets.
    pub fn content_type(self) -> &'static str {
        match self {
            Protocol::V1 => "application/x-protobuf;proto=prometheus.WriteRequest",
            Protocol::V2 => "application/x-protobuf;proto=io.prometheus.write.v2.Request",
        }
    }

    /// The `X-Prometheus-Remote-Write-Version` a sender sets.
    pub fn version(self) -> &'static str {
        match self {
            Protocol::V1 => "0.1.0",
            Protocol::V2 => "2.0.0",
        }
    }
}

fn parse(header: &[u8]) -> Result<Protocol, String> {
    let mut scanner = Scanner { text: header, position: 0 };
    scanner.skip_whitespace();
    let media_type = scanner.token().ok_or("missing media type")?;
    if !scanner.eat(b'/') {
        return Err("media type has no subtype".into());
    }
    let subtype = scanner.token().ok_or("missing media subtype")?;
    let proto = scanner.proto_parameter()?;
    let expected_type = MEDIA_TYPE.split_once('/').expect("media type has a slash");
    if !media_type.eq_ignore_ascii_case(expected_type.0.as_bytes())
        || !subtype.eq_ignore_ascii_case(expected_type.1.as_bytes())
    {
        return Err(format!("expected {MEDIA_TYPE}"));
    }
    match proto.as_deref() {
        None => Ok(Protocol::V1),
        Some(name) if name == V1_MESSAGE.as_bytes() => Ok(Protocol::V1),
        Some(name) if name == V2_MESSAGE.as_bytes() => Ok(Protocol::V2),
        Some(name) => {
            Err(format!("unknown proto {:?}, expected {V1_MESSAGE} or {V2_MESSAGE}", String::from_utf8_lossy(name)))
        }
    }
}

fn is_whitespace(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&byte| !is_whitespace(byte)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|&byte| !is_whitespace(byte)).map_or(start, |last| last + 1);
    &bytes[start..end]
}

/// RFC 9110 `tchar`: what a token may contain.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

struct Scanner<'h> {
    text: &'h [u8],
    position: usize,
}

impl<'h> Scanner<'h> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.position).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.position += usize::from(found);
        found
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(is_whitespace) {
            self.position += 1;
        }
    }

    fn token(&mut self) -> Option<&'h [u8]> {
        let start = self.position;
        while self.peek().is_some_and(is_token_byte) {
            self.position += 1;
        }
        (self.position > start).then(|| &self.text[start..self.position])
    }

    /// `parameters = *( OWS ";" OWS [ parameter ] )`; returns the value of
    /// the one `proto` parameter, if there is one.
    fn proto_parameter(&mut self) -> Result<Option<Cow<'h, [u8]>>, String> {
        let mut proto = None;
        loop {
            self.skip_whitespace();
            if self.peek().is_none() {
                return Ok(proto);
            }
            if !self.eat(b';') {
                return Err(format!("unexpected {:?} where ';' was expected", char::from(self.text[self.position])));
            }
            self.skip_whitespace();
            if matches!(self.peek(), None | Some(b';')) {
                continue;
            }
            let name = self.token().ok_or("parameter without a name")?;
            if !self.eat(b'=') {
                return Err(format!("parameter {:?} has no value", String::from_utf8_lossy(name)));
            }
            let value = self.parameter_value()?;
            if name.eq_ignore_ascii_case(b"proto") && proto.replace(value).is_some() {
                return Err("more than one proto parameter".into());
            }
        }
    }

    fn parameter_value(&mut self) -> Result<Cow<'h, [u8]>, String> {
        if self.peek() == Some(b'"') {
            return self.quoted_string();
        }
        self.token().map(Cow::Borrowed).ok_or_else(|| "parameter value is empty or not a token".into())
    }

    /// `quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE`.
    fn quoted_string(&mut self) -> Result<Cow<'h, [u8]>, String> {
        self.position += 1;
        let mut value = Vec::new();
        while let Some(byte) = self.peek() {
            self.position += 1;
            match byte {
                b'"' => return Ok(Cow::Owned(value)),
                b'\\' => {
                    let escaped = self.peek().ok_or("unterminated quoted string")?;
                    self.position += 1;
                    value.push(escaped);
                }
                b'\t' | b' ' | 0x21 | 0x23..=0x5b | 0x5d..=0x7e | 0x80..=0xff => value.push(byte),
                _ => return Err(format!("invalid byte {byte:#04x} in quoted string")),
            }
        }
        Err("unterminated quoted string".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn protocol(header: Option<&str>) -> Result<Protocol, String> {
        Protocol::from_content_type(header.map(str::as_bytes)).map_err(|e| {
            assert_eq!(e.http_status(), 415);
            e.to_string()
        })
    }

    #[test]
    fn version_one_headers() {
        for header in [
            None,
            Some(""),
            Some("  "),
            Some("application/x-protobuf"),
            Some("application/x-protobuf;proto=prometheus.WriteRequest"),
            Some("Application/X-Protobuf ; PROTO=prometheus.WriteRequest"),
            Some("application/x-protobuf; charset=utf-8"),
            Some("application/x-protobuf;;proto=\"prometheus.WriteRequest\";"),
        ] {
            assert_eq!(protocol(header), Ok(Protocol::V1), "{header:?}");
        }
    }

    #[test]
    fn version_two_headers() {
        for header in [
            "application/x-protobuf;proto=io.prometheus.write.v2.Request",
            " application/x-protobuf ;\tproto=io.prometheus.write.v2.Request ",
            "application/x-protobuf;Proto=\"io.prometheus.write.v2.Request\"",
            "application/x-protobuf;proto=\"io.prometheus.write.v2\\.Request\";foo=bar",
        ] {
            assert_eq!(protocol(Some(header)), Ok(Protocol::V2), "{header:?}");
        }
    }

    #[test]
    fn other_headers_are_unsupported_media_types() {
        let cases = [
            ("application/json", "expected application/x-protobuf"),
            (
                "application/x-protobuf;proto=io.prometheus.write.v2.request",
                "unknown proto \"io.prometheus.write.v2.request\"",
            ),
            ("application/x-protobuf;proto=prometheus.ReadRequest", "unknown proto"),
            ("application/x-protobuf;proto", "parameter \"proto\" has no value"),
            ("application/x-protobuf;proto=", "parameter value is empty"),
            ("application/x-protobuf;proto = prometheus.WriteRequest", "has no value"),
            ("application/x-protobuf;proto=\"prometheus.WriteRequest", "unterminated quoted string"),
            ("application/x-protobuf proto=x", "unexpected 'p' where ';' was expected"),
            ("application", "media type has no subtype"),
            ("/x-protobuf", "missing media type"),
            ("application/x-protobuf;proto=a;proto=b", "more than one proto parameter"),
        ];
        for (header, reason) in cases {
            let error = protocol(Some(header)).unwrap_err();
            assert!(error.contains(reason), "{header:?}: {error}");
            assert!(error.starts_with("unsupported content type"), "{error}");
        }
    }

    #[test]
    fn content_types_for_senders_parse_back() {
        for protocol_version in [Protocol::V1, Protocol::V2] {
            let header = protocol_version.content_type().as_bytes();
            assert_eq!(Protocol::from_content_type(Some(header)).unwrap(), protocol_version);
        }
    }
}
