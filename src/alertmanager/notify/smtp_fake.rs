//! A scripted SMTP server for tests: answers EHLO with the extensions it
//! is given, STARTTLS (and TLS from the start) with a certificate made by
//! the `openssl` command, AUTH PLAIN, LOGIN and CRAM-MD5, and records the
//! session: commands (AUTH exchanges decoded) and the message data.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use parking_lot::Mutex;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

pub(crate) const CRAM_CHALLENGE: &str = "<1896.697170952@postoffice.example>";

/// Plain TCP or TLS, so that STARTTLS can continue the same session.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}

impl<S: AsyncRead + AsyncWrite + Unpin + Send> Stream for S {}

type Session = BufReader<Box<dyn Stream>>;

#[derive(Clone, Default)]
pub(crate) struct Script {
    /// EHLO lines after the greeting line, e.g. "STARTTLS", "AUTH PLAIN".
    pub extensions: Vec<String>,
    pub tls: Option<TlsAcceptor>,
    /// TLS from the first byte, as on port 465.
    pub implicit_tls: bool,
    /// The reply to RCPT, "250 ok" when empty.
    pub rcpt_reply: String,
}

#[derive(Default)]
pub(crate) struct Transcript {
    pub commands: Vec<String>,
    pub data: Vec<String>,
}

/// Starts the server; returns its address and what it records.
pub(crate) async fn start(script: Script) -> (String, Arc<Mutex<Transcript>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind fake SMTP server");
    let address = listener.local_addr().expect("local address").to_string();
    let transcript = Arc::new(Mutex::new(Transcript::default()));
    let recorded = Arc::clone(&transcript);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (script, recorded) = (script.clone(), Arc::clone(&recorded));
            tokio::spawn(async move {
                match (&script.tls, script.implicit_tls) {
                    (Some(acceptor), true) => {
                        if let Ok(tls) = acceptor.accept(stream).await {
                            serve(Box::new(tls), &script, &recorded, true).await;
                        }
                    }
                    _ => serve(Box::new(stream), &script, &recorded, false).await,
                }
            });
        }
    });
    (address, transcript)
}

async fn serve(stream: Box<dyn Stream>, script: &Script, transcript: &Mutex<Transcript>, secure: bool) {
    let mut session = BufReader::new(stream);
    // A session upgraded by STARTTLS goes on without a new greeting.
    let greets = !secure || script.implicit_tls;
    if greets && !reply(&mut session, "220 fake.example ESMTP\r\n").await {
        return;
    }
    while let Some(line) = read_line(&mut session).await {
        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let answer = match verb.as_str() {
            "EHLO" => ehlo(script, secure),
            "STARTTLS" => {
                transcript.lock().commands.push(line);
                let Some(acceptor) = script.tls.clone() else { return };
                if !reply(&mut session, "220 ready\r\n").await {
                    return;
                }
                if let Ok(tls) = acceptor.accept(session.into_inner()).await {
                    Box::pin(serve(Box::new(tls), script, transcript, true)).await;
                }
                return;
            }
            "AUTH" => {
                let record = authenticate(&mut session, &line).await;
                transcript.lock().commands.push(record);
                "235 2.7.0 Authentication successful\r\n".to_string()
            }
            "RCPT" if !script.rcpt_reply.is_empty() => format!("{}\r\n", script.rcpt_reply),
            "MAIL" | "RCPT" => "250 2.1.0 ok\r\n".to_string(),
            "DATA" => {
                transcript.lock().commands.push(line);
                if !reply(&mut session, "354 go ahead\r\n").await {
                    return;
                }
                let data = read_data(&mut session).await;
                transcript.lock().data.push(data);
                let _ = reply(&mut session, "250 2.0.0 queued\r\n").await;
                continue;
            }
            "QUIT" => {
                transcript.lock().commands.push(line);
                let _ = reply(&mut session, "221 bye\r\n").await;
                return;
            }
            _ => "500 unknown command\r\n".to_string(),
        };
        if !matches!(verb.as_str(), "AUTH") {
            transcript.lock().commands.push(line);
        }
        if !reply(&mut session, &answer).await {
            return;
        }
    }
}

fn ehlo(script: &Script, secure: bool) -> String {
    let mut lines = vec!["fake.example greets you".to_string(), "8BITMIME".to_string()];
    lines.extend(script.extensions.iter().filter(|line| !(secure && *line == "STARTTLS")).cloned());
    let last = lines.len() - 1;
    lines
        .iter()
        .enumerate()
        .map(|(index, line)| format!("250{}{line}\r\n", if index == last { ' ' } else { '-' }))
        .collect()
}

/// Runs the AUTH exchange; returns it decoded for the transcript.
async fn authenticate(session: &mut Session, line: &str) -> String {
    let decode = |text: &str| String::from_utf8_lossy(&BASE64.decode(text.trim()).unwrap_or_default()).into_owned();
    let mut words = line.split(' ').skip(1);
    match (words.next().unwrap_or(""), words.next()) {
        ("PLAIN", Some(initial)) => format!("AUTH PLAIN {:?}", decode(initial)),
        ("LOGIN", _) => {
            let _ = reply(session, "334 VXNlcm5hbWU6\r\n").await;
            let username = decode(&read_line(session).await.unwrap_or_default());
            let _ = reply(session, "334 UGFzc3dvcmQ6\r\n").await;
            let password = decode(&read_line(session).await.unwrap_or_default());
            format!("AUTH LOGIN {username} {password}")
        }
        ("CRAM-MD5", _) => {
            let _ = reply(session, &format!("334 {}\r\n", BASE64.encode(CRAM_CHALLENGE))).await;
            format!("AUTH CRAM-MD5 {}", decode(&read_line(session).await.unwrap_or_default()))
        }
        _ => format!("AUTH unexpected {line}"),
    }
}

async fn read_line(session: &mut Session) -> Option<String> {
    let mut line = String::new();
    match session.read_line(&mut line).await {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_string()),
    }
}

/// The message through the terminating dot, undoing dot-stuffing.
async fn read_data(session: &mut Session) -> String {
    let mut data = String::new();
    loop {
        let mut line = Vec::new();
        match session.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return data,
            Ok(_) => {}
        }
        let line = String::from_utf8_lossy(&line).into_owned();
        if line == ".\r\n" {
            return data;
        }
        data.push_str(line.strip_prefix('.').unwrap_or(&line));
    }
}

async fn reply(session: &mut Session, text: &str) -> bool {
    let stream = session.get_mut();
    stream.write_all(text.as_bytes()).await.is_ok() && stream.flush().await.is_ok()
}

/// A CA and a certificate it signed for 127.0.0.1 and localhost, made
/// with the `openssl` command; `None` (with the reason printed) when
/// there is no `openssl`.
pub(crate) struct Certificates {
    pub ca_file: PathBuf,
    pub acceptor: TlsAcceptor,
    _directory: tempfile::TempDir,
}

pub(crate) fn certificates() -> Option<Certificates> {
    let directory = tempfile::tempdir().ok()?;
    let path = |name: &str| directory.path().join(name);
    std::fs::write(path("leaf.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n").ok()?;
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let steps: [Vec<String>; 3] = [
        args(
            &["req", "-x509"],
            &ec,
            &["-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=Sonde test CA"],
        ),
        args(&["req"], &ec, &["-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost"]),
        args(
            &["x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"],
            &[],
            &["-out", "leaf.pem", "-days", "1", "-extfile", "leaf.ext"],
        ),
    ];
    for step in steps {
        match Command::new("openssl").args(&step).current_dir(directory.path()).output() {
            Ok(output) if output.status.success() => {}
            Ok(output) => {
                println!("skipping TLS: openssl {step:?} failed: {}", String::from_utf8_lossy(&output.stderr));
                return None;
            }
            Err(error) => {
                println!("skipping TLS: cannot run openssl: {error}");
                return None;
            }
        }
    }
    let acceptor = acceptor(&path("leaf.pem"), &path("leaf.key"));
    Some(Certificates { ca_file: path("ca.pem"), acceptor, _directory: directory })
}

fn args(first: &[&str], middle: &[&str], last: &[&str]) -> Vec<String> {
    first.iter().chain(middle).chain(last).map(|arg| arg.to_string()).collect()
}

fn acceptor(certificate: &Path, key: &Path) -> TlsAcceptor {
    let chain = CertificateDer::pem_file_iter(certificate).unwrap().collect::<Result<Vec<_>, _>>().unwrap();
    let key = PrivateKeyDer::from_pem_file(key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    TlsAcceptor::from(Arc::new(config))
}
