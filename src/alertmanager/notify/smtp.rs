//! A small SMTP client over tokio, doing what Alertmanager asks of Go's
//! `net/smtp`: greeting, EHLO (HELO when refused), STARTTLS, AUTH with
//! PLAIN, LOGIN or CRAM-MD5, MAIL FROM, RCPT TO, DATA with dot-stuffing,
//! QUIT. Replies are read as `net/textproto` reads them; a failed command
//! reports the server's "CODE text".

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Longest reply line accepted, to bound memory on a misbehaving server.
const MAX_LINE_BYTES: usize = 64 << 10;

enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

/// A server reply: its code and its lines joined with "\n".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reply {
    pub code: u16,
    pub text: String,
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.text)
    }
}

pub(crate) struct Client {
    stream: Option<Stream>,
    unread: Vec<u8>,
    local_name: String,
    /// EHLO keywords (upper case) and their parameters; empty after HELO.
    extensions: HashMap<String, String>,
    tls: bool,
}

/// How the client proves who it is.
pub(crate) enum Auth {
    Plain { identity: String, username: String, password: String },
    Login { username: String, password: String },
    CramMd5 { username: String, secret: String },
}

impl Client {
    /// Connects (over TLS from the start when `tls` is given, as for port
    /// 465) and reads the greeting.
    pub(crate) async fn connect(
        address: &str,
        tls: Option<(&Arc<rustls::ClientConfig>, &str)>,
        local_name: &str,
    ) -> Result<Client, String> {
        let tcp = TcpStream::connect(address).await.map_err(|error| format!("dial tcp {address}: {error}"))?;
        let (stream, secure) = match tls {
            None => (Stream::Plain(tcp), false),
            Some((config, server_name)) => (Stream::Tls(Box::new(handshake(tcp, config, server_name).await?)), true),
        };
        let mut client = Client {
            stream: Some(stream),
            unread: Vec::new(),
            local_name: local_name.to_string(),
            extensions: HashMap::new(),
            tls: secure,
        };
        client.expect(220).await?;
        Ok(client)
    }

    pub(crate) fn is_tls(&self) -> bool {
        self.tls
    }

    /// EHLO, or HELO when the server refuses EHLO; records the extensions.
    pub(crate) async fn hello(&mut self) -> Result<(), String> {
        let ehlo = self.command(&format!("EHLO {}", self.local_name)).await?;
        if ehlo.code != 250 {
            self.extensions.clear();
            return self.command(&format!("HELO {}", self.local_name)).await.and_then(|reply| expect(&reply, 250));
        }
        self.extensions = ehlo
            .text
            .lines()
            .skip(1)
            .map(|line| match line.split_once(' ') {
                Some((keyword, parameters)) => (keyword.to_ascii_uppercase(), parameters.to_string()),
                None => (line.to_ascii_uppercase(), String::new()),
            })
            .collect();
        Ok(())
    }

    /// The parameters of an extension the server advertised.
    pub(crate) fn extension(&self, name: &str) -> Option<&str> {
        self.extensions.get(&name.to_ascii_uppercase()).map(String::as_str)
    }

    /// STARTTLS, the handshake, and EHLO again over the secure channel.
    pub(crate) async fn start_tls(
        &mut self,
        config: &Arc<rustls::ClientConfig>,
        server_name: &str,
    ) -> Result<(), String> {
        self.command_expect("STARTTLS", 220).await?;
        let Some(Stream::Plain(tcp)) = self.stream.take() else {
            return Err("STARTTLS on a connection that is not plain TCP".to_string());
        };
        self.stream = Some(Stream::Tls(Box::new(handshake(tcp, config, server_name).await?)));
        self.tls = true;
        self.unread.clear();
        self.hello().await
    }

    /// The AUTH exchange, as `net/smtp.Client.Auth` runs it; `host` is the
    /// server's, which decides whether PLAIN may go unencrypted.
    pub(crate) async fn authenticate(&mut self, auth: &Auth, host: &str) -> Result<(), String> {
        let (mechanism, initial) = auth.start(self.tls || matches!(host, "localhost" | "127.0.0.1" | "::1"))?;
        let command = match initial {
            Some(response) => format!("AUTH {mechanism} {}", BASE64.encode(response)),
            None => format!("AUTH {mechanism}"),
        };
        let mut reply = self.command(&command).await?;
        loop {
            let next = match reply.code {
                334 => BASE64
                    .decode(reply.text.trim())
                    .map_err(|error| format!("illegal base64 data in challenge: {error}"))
                    .and_then(|challenge| auth.next(&challenge, true)),
                235 => auth.next(reply.text.as_bytes(), false),
                _ => Err(reply.to_string()),
            };
            match next {
                Err(error) => {
                    if reply.code == 334 {
                        let _ = self.command("*").await;
                    }
                    return Err(error);
                }
                Ok(None) => return Ok(()),
                Ok(Some(response)) => reply = self.command(&BASE64.encode(response)).await?,
            }
        }
    }

    pub(crate) async fn mail(&mut self, from: &str) -> Result<(), String> {
        let mut command = format!("MAIL FROM:<{}>", single_line(from)?);
        if self.extension("8BITMIME").is_some() {
            command.push_str(" BODY=8BITMIME");
        }
        if self.extension("SMTPUTF8").is_some() {
            command.push_str(" SMTPUTF8");
        }
        self.command_expect(&command, 250).await
    }

    pub(crate) async fn rcpt(&mut self, to: &str) -> Result<(), String> {
        let reply = self.command(&format!("RCPT TO:<{}>", single_line(to)?)).await?;
        match reply.code {
            250 | 251 => Ok(()),
            _ => Err(reply.to_string()),
        }
    }

    /// DATA, the message with leading dots doubled and bare LFs made CRLF,
    /// then the terminating dot.
    pub(crate) async fn data(&mut self, message: &[u8]) -> Result<(), String> {
        self.command_expect("DATA", 354).await?;
        self.write(&dot_stuff(message)).await?;
        self.expect(250).await.map(|_| ())
    }

    pub(crate) async fn quit(&mut self) -> Result<(), String> {
        self.command_expect("QUIT", 221).await
    }

    async fn command_expect(&mut self, line: &str, code: u16) -> Result<(), String> {
        let reply = self.command(line).await?;
        expect(&reply, code)
    }

    async fn command(&mut self, line: &str) -> Result<Reply, String> {
        self.write(format!("{line}\r\n").as_bytes()).await?;
        self.read_reply().await
    }

    async fn expect(&mut self, code: u16) -> Result<Reply, String> {
        let reply = self.read_reply().await?;
        expect(&reply, code)?;
        Ok(reply)
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        let outcome = match self.stream.as_mut() {
            Some(Stream::Plain(tcp)) => tcp.write_all(bytes).await,
            Some(Stream::Tls(tls)) => match tls.write_all(bytes).await {
                Ok(()) => tls.flush().await,
                Err(error) => Err(error),
            },
            None => return Err("connection closed".to_string()),
        };
        outcome.map_err(|error| format!("write: {error}"))
    }

    /// One reply: `CODE-text` lines continuing it, `CODE text` ending it.
    async fn read_reply(&mut self) -> Result<Reply, String> {
        let mut lines = Vec::new();
        loop {
            let line = self.read_line().await?;
            let code = line.get(..3).and_then(|digits| digits.parse::<u16>().ok());
            let Some(code) = code.filter(|_| matches!(line.as_bytes().get(3), None | Some(b' ' | b'-'))) else {
                return Err(format!("short response: {line}"));
            };
            lines.push(line.get(4..).unwrap_or("").to_string());
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(Reply { code, text: lines.join("\n") });
            }
        }
    }

    async fn read_line(&mut self) -> Result<String, String> {
        loop {
            if let Some(end) = self.unread.iter().position(|&byte| byte == b'\n') {
                let line: Vec<u8> = self.unread.drain(..=end).collect();
                let text = String::from_utf8_lossy(&line);
                return Ok(text.trim_end_matches(['\r', '\n']).to_string());
            }
            if self.unread.len() > MAX_LINE_BYTES {
                return Err("reply line too long".to_string());
            }
            let mut buffer = [0u8; 4096];
            let read = match self.stream.as_mut() {
                Some(Stream::Plain(tcp)) => tcp.read(&mut buffer).await,
                Some(Stream::Tls(tls)) => tls.read(&mut buffer).await,
                None => return Err("connection closed".to_string()),
            };
            match read {
                Ok(0) => return Err("EOF".to_string()),
                Ok(count) => self.unread.extend_from_slice(&buffer[..count]),
                Err(error) => return Err(format!("read: {error}")),
            }
        }
    }
}

async fn handshake(
    tcp: TcpStream,
    config: &Arc<rustls::ClientConfig>,
    server_name: &str,
) -> Result<TlsStream<TcpStream>, String> {
    let name = ServerName::try_from(server_name.to_string())
        .map_err(|_| format!("invalid TLS server name {server_name:?}"))?;
    TlsConnector::from(Arc::clone(config)).connect(name, tcp).await.map_err(|error| format!("tls: {error}"))
}

fn expect(reply: &Reply, code: u16) -> Result<(), String> {
    if reply.code == code { Ok(()) } else { Err(reply.to_string()) }
}

/// Go's `validateLine`: no line breaks in an address.
fn single_line(text: &str) -> Result<&str, String> {
    if text.contains(['\r', '\n']) {
        return Err("smtp: A line must not contain CR or LF".to_string());
    }
    Ok(text)
}

/// The message as DATA sends it, ending in `CRLF.CRLF`.
pub(crate) fn dot_stuff(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 8);
    let mut line_start = true;
    for (index, &byte) in message.iter().enumerate() {
        if line_start && byte == b'.' {
            out.push(b'.');
        }
        if byte == b'\n' && (index == 0 || message[index - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(byte);
        line_start = byte == b'\n';
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

impl Auth {
    pub(crate) fn mechanism(&self) -> &'static str {
        match self {
            Auth::Plain { .. } => "PLAIN",
            Auth::Login { .. } => "LOGIN",
            Auth::CramMd5 { .. } => "CRAM-MD5",
        }
    }

    /// The mechanism's name and initial response.
    fn start(&self, secure: bool) -> Result<(&'static str, Option<Vec<u8>>), String> {
        match self {
            // As Go's PlainAuth: never send a password in the clear, except
            // to a server on this machine.
            Auth::Plain { identity, username, password } => {
                if !secure {
                    return Err("unencrypted connection".to_string());
                }
                Ok(("PLAIN", Some(format!("{identity}\0{username}\0{password}").into_bytes())))
            }
            Auth::Login { .. } => Ok(("LOGIN", None)),
            Auth::CramMd5 { .. } => Ok(("CRAM-MD5", None)),
        }
    }

    /// The answer to a challenge; `None` when the exchange is over.
    fn next(&self, challenge: &[u8], more: bool) -> Result<Option<Vec<u8>>, String> {
        if !more {
            return Ok(None);
        }
        match self {
            Auth::Plain { .. } => Err("unexpected server challenge".to_string()),
            Auth::Login { username, password } => match String::from_utf8_lossy(challenge).to_lowercase().as_str() {
                "username:" => Ok(Some(username.clone().into_bytes())),
                "password:" => Ok(Some(password.clone().into_bytes())),
                _ => Err("unexpected server challenge".to_string()),
            },
            Auth::CramMd5 { username, secret } => {
                let digest = hmac_md5(secret.as_bytes(), challenge);
                let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
                Ok(Some(format!("{username} {hex}").into_bytes()))
            }
        }
    }
}

/// HMAC (RFC 2104) over MD5, for CRAM-MD5.
pub(crate) fn hmac_md5(key: &[u8], message: &[u8]) -> [u8; 16] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..16].copy_from_slice(&md5::compute(key).0);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner: Vec<u8> = block.iter().map(|byte| byte ^ 0x36).collect();
    inner.extend_from_slice(message);
    let mut outer: Vec<u8> = block.iter().map(|byte| byte ^ 0x5c).collect();
    outer.extend_from_slice(&md5::compute(&inner).0);
    md5::compute(&outer).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_auth_needs_a_secure_channel() {
        let auth = Auth::Plain { identity: "id".into(), username: "u".into(), password: "p".into() };
        assert_eq!(auth.start(false), Err("unencrypted connection".to_string()));
        assert_eq!(auth.start(true), Ok(("PLAIN", Some(b"id\0u\0p".to_vec()))));
        let login = Auth::Login { username: "u".into(), password: "p".into() };
        assert_eq!(login.next(b"Username:", true), Ok(Some(b"u".to_vec())));
        assert_eq!(login.next(b"PASSWORD:", true), Ok(Some(b"p".to_vec())));
        assert_eq!(login.next(b"what?", true), Err("unexpected server challenge".to_string()));
        assert_eq!(login.next(b"", false), Ok(None));
    }
}
