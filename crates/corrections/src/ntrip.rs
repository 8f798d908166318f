//! Where corrections come from: an NTRIP caster (RTCM's Networked Transport of RTCM via
//! Internet Protocol, versions 1 and 2: an HTTP-like request for a mountpoint, then the
//! stream) or a plain TCP stream of RTCM 3 (a base station's own output).
//!
//! The request is NTRIP 2.0's (`GET /MOUNT HTTP/1.1` with `Ntrip-Version: Ntrip/2.0`),
//! which NTRIP 1.0 casters take too; the answer may be version 1's `ICY 200 OK` followed at
//! once by the stream, or version 2's `HTTP/1.1 200 OK` with headers and, usually, a
//! chunked body. A caster that does not have the mountpoint answers with its source table,
//! whose mountpoints the error names.

use base64::Engine;
use std::fmt;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// NTRIP's registered port.
const NTRIP_PORT: u16 = 2101;

/// How long connecting and the caster's answer may take.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// The longest answer head taken, octets (a source table beyond is cut).
const MAX_HEAD: usize = 16 * 1024;

/// A source of RTCM 3, parsed from its URL.
#[derive(Clone, PartialEq, Eq)]
pub enum SourceUrl {
    /// `ntrip://[USER[:PASSWORD]@]HOST[:PORT]/MOUNTPOINT`.
    Ntrip {
        /// The caster's host.
        host: String,
        /// Its port.
        port: u16,
        /// The mountpoint (the stream's name at the caster).
        mountpoint: String,
        /// User and password for HTTP basic authentication, when given.
        credentials: Option<(String, String)>,
    },
    /// `tcp://HOST:PORT`: RTCM 3 as it comes, no handshake.
    Tcp {
        /// The host.
        host: String,
        /// The port.
        port: u16,
    },
}

impl SourceUrl {
    /// Parses `ntrip://...` or `tcp://...`; the error says what is wrong and what is meant.
    pub fn parse(s: &str) -> Result<SourceUrl, String> {
        let shape = "ntrip://[USER[:PASSWORD]@]HOST[:PORT]/MOUNTPOINT or tcp://HOST:PORT";
        let url = url::Url::parse(s).map_err(|e| format!("{s:?} is not a URL ({e}): {shape}"))?;
        let host = url
            .host_str()
            .ok_or_else(|| format!("{s:?} names no host: {shape}"))?
            .to_string();
        match url.scheme() {
            "ntrip" => {
                let mountpoint = url.path().trim_start_matches('/').to_string();
                if mountpoint.is_empty() || mountpoint.contains('/') {
                    return Err(format!("{s:?} names no mountpoint: {shape}"));
                }
                // User and password come percent-encoded in a URL.
                let decode = |p: &str| {
                    percent_encoding::percent_decode_str(p)
                        .decode_utf8_lossy()
                        .into()
                };
                let credentials = (!url.username().is_empty())
                    .then(|| (decode(url.username()), decode(url.password().unwrap_or(""))));
                Ok(SourceUrl::Ntrip {
                    host,
                    port: url.port().unwrap_or(NTRIP_PORT),
                    mountpoint,
                    credentials,
                })
            }
            "tcp" => Ok(SourceUrl::Tcp {
                host,
                port: url
                    .port()
                    .ok_or_else(|| format!("{s:?} names no port: {shape}"))?,
            }),
            other => Err(format!("{s:?}: unknown scheme {other:?}: {shape}")),
        }
    }

    fn address(&self) -> (&str, u16) {
        match self {
            SourceUrl::Ntrip { host, port, .. } | SourceUrl::Tcp { host, port } => (host, *port),
        }
    }
}

/// Shown without the password, for logs.
impl fmt::Display for SourceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceUrl::Ntrip {
                host,
                port,
                mountpoint,
                credentials,
            } => {
                write!(f, "ntrip://")?;
                if let Some((user, _)) = credentials {
                    write!(f, "{user}:***@")?;
                }
                write!(f, "{host}:{port}/{mountpoint}")
            }
            SourceUrl::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
        }
    }
}

impl fmt::Debug for SourceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Why a source gave no stream.
#[derive(Debug)]
pub enum ConnectError {
    /// The network: no connection, a reset, a timeout.
    Io(std::io::Error),
    /// The caster refused the credentials (401).
    Unauthorized,
    /// The caster has no such mountpoint; the ones it offers.
    NoMountpoint(Vec<String>),
    /// The caster answered something else; its status line.
    Refused(String),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Io(e) => write!(f, "{e}"),
            ConnectError::Unauthorized => {
                write!(
                    f,
                    "the caster refused the user and password (give them in the URL)"
                )
            }
            ConnectError::NoMountpoint(offered) => write!(
                f,
                "the caster has no such mountpoint; it offers: {}",
                if offered.is_empty() {
                    "none".to_string()
                } else {
                    offered.join(", ")
                }
            ),
            ConnectError::Refused(status) => write!(f, "the caster answered {status:?}"),
        }
    }
}

impl std::error::Error for ConnectError {}

impl From<std::io::Error> for ConnectError {
    fn from(e: std::io::Error) -> Self {
        ConnectError::Io(e)
    }
}

/// A stream of RTCM 3 octets from a source, past its handshake.
pub struct Stream {
    tcp: TcpStream,
    /// Octets read with the answer's head that belong to the stream.
    early: Vec<u8>,
    /// Set when the body is chunked (NTRIP 2.0).
    chunks: Option<Dechunk>,
}

impl Stream {
    /// Connects to `source` and, for a caster, asks for its mountpoint.
    pub async fn connect(source: &SourceUrl) -> Result<Stream, ConnectError> {
        let (host, port) = source.address();
        let tcp = tokio::time::timeout(HANDSHAKE, TcpStream::connect((host, port)))
            .await
            .map_err(|_| timed_out("connecting"))??;
        tcp.set_nodelay(true)?;
        match source {
            SourceUrl::Tcp { .. } => Ok(Stream {
                tcp,
                early: Vec::new(),
                chunks: None,
            }),
            SourceUrl::Ntrip {
                mountpoint,
                credentials,
                ..
            } => tokio::time::timeout(
                HANDSHAKE,
                handshake(tcp, host, port, mountpoint, credentials.as_ref()),
            )
            .await
            .map_err(|_| timed_out("waiting for the caster's answer"))?,
        }
    }

    /// Reads the stream's next octets into `buf` (cleared first): how many, 0 at its end.
    pub async fn read(&mut self, buf: &mut Vec<u8>) -> std::io::Result<usize> {
        buf.clear();
        let mut chunk = [0u8; 4096];
        // A read of only chunk framing has no data yet: read on.
        while buf.is_empty() {
            let raw = if self.early.is_empty() {
                let n = self.tcp.read(&mut chunk).await?;
                if n == 0 {
                    break;
                }
                chunk[..n].to_vec()
            } else {
                std::mem::take(&mut self.early)
            };
            match &mut self.chunks {
                Some(d) => {
                    d.push(&raw, buf)?;
                    if d.ended {
                        break;
                    }
                }
                None => buf.extend_from_slice(&raw),
            }
        }
        Ok(buf.len())
    }
}

fn timed_out(what: &str) -> ConnectError {
    ConnectError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("timed out {what}"),
    ))
}

async fn handshake(
    mut tcp: TcpStream,
    host: &str,
    port: u16,
    mountpoint: &str,
    credentials: Option<&(String, String)>,
) -> Result<Stream, ConnectError> {
    let mut request = format!(
        "GET /{mountpoint} HTTP/1.1\r\nHost: {host}:{port}\r\nNtrip-Version: Ntrip/2.0\r\n\
         User-Agent: NTRIP roadcloud/{}\r\nConnection: close\r\n",
        env!("CARGO_PKG_VERSION")
    );
    if let Some((user, password)) = credentials {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        request.push_str(&format!("Authorization: Basic {token}\r\n"));
    }
    request.push_str("\r\n");
    tcp.write_all(request.as_bytes()).await?;

    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    // The status line first: version 1's ICY answer has no headers after it.
    let status_end = loop {
        if let Some(i) = find(&head, b"\r\n") {
            break i;
        }
        read_more(&mut tcp, &mut head, &mut chunk).await?;
    };
    let status = String::from_utf8_lossy(&head[..status_end])
        .trim()
        .to_string();
    if status.starts_with("ICY 200") {
        return Ok(Stream {
            tcp,
            early: head[status_end + 2..].to_vec(),
            chunks: None,
        });
    }
    // HTTP (version 2) or a source table (version 1): headers to the blank line.
    let head_end = loop {
        if let Some(i) = find(&head, b"\r\n\r\n") {
            break i;
        }
        if head.len() >= MAX_HEAD {
            return Err(ConnectError::Refused(status));
        }
        if read_more(&mut tcp, &mut head, &mut chunk).await.is_err() {
            break head.len();
        }
    };
    let headers = String::from_utf8_lossy(&head[..head_end]).to_ascii_lowercase();
    let code = status.split_whitespace().nth(1).unwrap_or("");
    let table = status.starts_with("SOURCETABLE") || headers.contains("gnss/sourcetable");
    if table {
        // The table itself: read what comes, within bounds, and list its streams.
        while head.len() < MAX_HEAD && !contains(&head, b"ENDSOURCETABLE") {
            if read_more(&mut tcp, &mut head, &mut chunk).await.is_err() {
                break;
            }
        }
        let offered = String::from_utf8_lossy(&head)
            .lines()
            .filter_map(|l| l.strip_prefix("STR;"))
            .filter_map(|l| l.split(';').next())
            .map(str::to_string)
            .collect();
        return Err(ConnectError::NoMountpoint(offered));
    }
    if code == "401" {
        return Err(ConnectError::Unauthorized);
    }
    if !status.starts_with("HTTP/") || code != "200" {
        return Err(ConnectError::Refused(status));
    }
    let body = (head_end + 4).min(head.len());
    Ok(Stream {
        tcp,
        early: head[body..].to_vec(),
        chunks: headers
            .contains("transfer-encoding: chunked")
            .then(Dechunk::default),
    })
}

async fn read_more(
    tcp: &mut TcpStream,
    head: &mut Vec<u8>,
    chunk: &mut [u8],
) -> Result<(), ConnectError> {
    if head.len() >= MAX_HEAD {
        return Err(ConnectError::Refused("an answer head too long".into()));
    }
    let n = tcp.read(chunk).await?;
    if n == 0 {
        return Err(ConnectError::Io(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the caster closed the connection",
        )));
    }
    head.extend_from_slice(&chunk[..n]);
    Ok(())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    find(hay, needle).is_some()
}

/// HTTP/1.1 chunked transfer coding (RFC 9112 §7.1), undone as octets come: each chunk is
/// its size in hex (extensions after `;` ignored), CRLF, the data, CRLF; size 0 ends.
#[derive(Debug, Default)]
struct Dechunk {
    state: ChunkState,
    ended: bool,
}

#[derive(Debug)]
enum ChunkState {
    /// Reading the size line (at most 64 octets of it).
    Size(Vec<u8>),
    /// This many data octets to come.
    Data(usize),
    /// The CRLF after a chunk's data; how many of its octets came.
    DataEnd(u8),
}

impl Default for ChunkState {
    fn default() -> Self {
        ChunkState::Size(Vec::new())
    }
}

impl Dechunk {
    fn push(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> std::io::Result<()> {
        let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
        while !input.is_empty() && !self.ended {
            match &mut self.state {
                ChunkState::Size(line) => {
                    let b = input[0];
                    input = &input[1..];
                    if b == b'\n' {
                        let text = String::from_utf8_lossy(line);
                        let hex = text.split(';').next().unwrap_or("").trim();
                        let size = usize::from_str_radix(hex, 16)
                            .map_err(|_| bad("a chunk size that is not hex"))?;
                        if size == 0 {
                            self.ended = true;
                        } else {
                            self.state = ChunkState::Data(size);
                        }
                    } else if b != b'\r' {
                        if line.len() >= 64 {
                            return Err(bad("a chunk size line too long"));
                        }
                        line.push(b);
                    }
                }
                ChunkState::Data(left) => {
                    let n = (*left).min(input.len());
                    out.extend_from_slice(&input[..n]);
                    input = &input[n..];
                    *left -= n;
                    if *left == 0 {
                        self.state = ChunkState::DataEnd(0);
                    }
                }
                ChunkState::DataEnd(seen) => {
                    let expected = if *seen == 0 { b'\r' } else { b'\n' };
                    if input[0] != expected {
                        return Err(bad("a chunk not followed by CRLF"));
                    }
                    input = &input[1..];
                    *seen += 1;
                    if *seen == 2 {
                        self.state = ChunkState::default();
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_or_say_what_is_wrong() {
        assert_eq!(
            SourceUrl::parse("ntrip://user:p%40ss@caster.example:2102/JIADING0").unwrap(),
            SourceUrl::Ntrip {
                host: "caster.example".into(),
                port: 2102,
                mountpoint: "JIADING0".into(),
                credentials: Some(("user".into(), "p@ss".into())),
            }
        );
        let u = SourceUrl::parse("ntrip://caster.example/M").unwrap();
        assert!(matches!(
            u,
            SourceUrl::Ntrip {
                port: 2101,
                credentials: None,
                ..
            }
        ));
        assert_eq!(
            SourceUrl::parse("tcp://10.0.0.7:9000").unwrap().to_string(),
            "tcp://10.0.0.7:9000"
        );
        for bad in [
            "ntrip://caster.example/",
            "tcp://h",
            "http://h/m",
            "nonsense",
        ] {
            let e = SourceUrl::parse(bad).unwrap_err();
            assert!(e.contains("ntrip://"), "{e}");
        }
        // The password never shows.
        assert_eq!(
            SourceUrl::parse("ntrip://u:secret@h:1/M")
                .unwrap()
                .to_string(),
            "ntrip://u:***@h:1/M"
        );
    }

    #[test]
    fn chunks_are_undone_however_they_are_cut() {
        let body = b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n";
        for cut in 0..body.len() {
            let mut d = Dechunk::default();
            let mut out = Vec::new();
            d.push(&body[..cut], &mut out).unwrap();
            d.push(&body[cut..], &mut out).unwrap();
            assert_eq!(out, b"hello, world", "cut at {cut}");
            assert!(d.ended);
        }
        let mut d = Dechunk::default();
        assert!(d.push(b"zz\r\n", &mut Vec::new()).is_err());
        let mut d = Dechunk::default();
        assert!(d.push(b"1\r\nab", &mut Vec::new()).is_err());
        let mut d = Dechunk::default();
        assert!(d.push(&[b'1'; 100], &mut Vec::new()).is_err());
    }
}
