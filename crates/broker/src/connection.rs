//! One client connection: CONNECT and the gate, then packets both ways until it closes.
//! MQTT 3.1.1 (OASIS, 2014) clause numbers are cited where a rule comes from.

use crate::Shared;
use crate::router::{Command, ConnectionId};
use bytes::{Bytes, BytesMut};
use roadcloud_access::{ConnectRefusal, Hello, PresentedCertificate, Principal};
use roadcloud_transport::{Frame, Transport, now_millis};
use rumqttc::mqttbytes::v4::{
    ConnAck, ConnectReturnCode, Packet, PubAck, PubComp, PubRec, SubAck, SubscribeReasonCode,
    UnsubAck,
};
use rumqttc::mqttbytes::{Error as PacketError, QoS, valid_filter};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::server::TlsStream;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// How long a write to a client may take before the client counts as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a connection ends (for the debug log).
enum End {
    Closed,
    Error(String),
}

/// A client's stream, plain or TLS: what a connection needs of it beyond reading and
/// writing.
pub(crate) trait ClientStream: AsyncRead + AsyncWrite + Unpin + Send {
    /// The client certificate chain its TLS handshake received, end entity first; `None`
    /// for plain TCP or a client without a certificate.
    fn peer_chain(&self) -> Option<&[CertificateDer<'static>]>;

    /// Waits until the socket underneath has bytes to read (or is closed), holding no
    /// buffer meanwhile. Only asked when everything read before was taken (see
    /// [`ReadBuffer::read_more`]), so no TLS plaintext waits inside the stream.
    fn socket_readable(&self) -> impl Future<Output = std::io::Result<()>> + Send;
}

impl ClientStream for TcpStream {
    fn peer_chain(&self) -> Option<&[CertificateDer<'static>]> {
        None
    }

    fn socket_readable(&self) -> impl Future<Output = std::io::Result<()>> + Send {
        self.readable()
    }
}

impl ClientStream for TlsStream<TcpStream> {
    fn peer_chain(&self) -> Option<&[CertificateDer<'static>]> {
        self.get_ref().1.peer_certificates()
    }

    fn socket_readable(&self) -> impl Future<Output = std::io::Result<()>> + Send {
        self.get_ref().0.readable()
    }
}

/// Serves one connection until it closes.
pub(crate) async fn run<S>(
    mut stream: S,
    peer: SocketAddr,
    certificate: Option<PresentedCertificate>,
    shared: &Shared,
) where
    S: ClientStream,
{
    let mut buf = ReadBuffer::default();
    let connect = tokio::time::timeout(
        shared.config.connect_timeout,
        read_packet(&mut stream, &mut buf, shared.config.max_packet_size),
    )
    .await;
    let connect = match connect {
        Ok(Ok(Some(Packet::Connect(c)))) => c,
        Ok(Ok(_)) | Ok(Err(_)) => {
            shared.stats.refuse(
                ConnectRefusal::Protocol,
                peer,
                "the first packet is not an MQTT 3.1.1 CONNECT",
            );
            return;
        }
        Err(_) => {
            shared
                .stats
                .refuse(ConnectRefusal::Protocol, peer, "no CONNECT in time");
            return;
        }
    };
    let admitted = {
        let (username, password) = match &connect.login {
            Some(l) => (Some(l.username.clone()), Some(l.password.clone())),
            None => (None, None),
        };
        let gate = shared.gate.clone();
        let client_id = connect.client_id.clone();
        let decide = move || {
            gate.admit(&Hello {
                client_id: &client_id,
                username: username.as_deref(),
                password: password.as_deref(),
                certificate: certificate.as_ref(),
            })
        };
        // A password may cost an Argon2 hash: off the async threads, a core at a time.
        if connect.login.is_some() {
            let Ok(_permit) = shared.password_checks.acquire().await else {
                return;
            };
            tokio::task::spawn_blocking(decide)
                .await
                .unwrap_or(Err(ConnectRefusal::WrongPassword))
        } else {
            decide()
        }
    };
    let principal = match admitted {
        Ok(p) => p,
        Err(reason) => {
            let code = match reason {
                ConnectRefusal::WrongPassword | ConnectRefusal::NoCredentials => {
                    ConnectReturnCode::BadUserNamePassword
                }
                _ => ConnectReturnCode::NotAuthorized,
            };
            let who = connect
                .login
                .as_ref()
                .map_or(connect.client_id.as_str(), |l| l.username.as_str());
            shared
                .stats
                .refuse(reason, peer, &format!("{who}: {}", reason.as_str()));
            let _ = write_packet(&mut stream, &Packet::ConnAck(ConnAck::new(code, false))).await;
            return;
        }
    };
    if write_packet(
        &mut stream,
        &Packet::ConnAck(ConnAck::new(ConnectReturnCode::Success, false)),
    )
    .await
    .is_err()
    {
        return;
    }
    shared.stats.admitted.fetch_add(1, Ordering::Relaxed);
    shared.stats.connected.fetch_add(1, Ordering::AcqRel);
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let end = session(
        &mut stream,
        &mut buf,
        id,
        &principal,
        connect.keep_alive,
        shared,
    )
    .await;
    shared.stats.connected.fetch_sub(1, Ordering::AcqRel);
    let _ = shared.router.send(Command::Closed { connection: id }).await;
    if let End::Error(e) = end {
        tracing::debug!(%peer, "MQTT connection closed: {e}");
    }
}

/// The connected part: packets from the client, downlinks to it, the keep-alive and the
/// gate's second thoughts.
async fn session<S>(
    stream: &mut S,
    buf: &mut ReadBuffer,
    id: ConnectionId,
    principal: &Principal,
    keep_alive_s: u16,
    shared: &Shared,
) -> End
where
    S: ClientStream,
{
    // The downlink outbox exists from the first SUBSCRIBE on: a device that only publishes
    // (most of a zone's connections, most of the time) holds none.
    let mut outbox: Option<(mpsc::Sender<Bytes>, mpsc::Receiver<Bytes>)> = None;
    // §3.1.2.10: a server closes a connection silent for one and a half keep-alives.
    let keep_alive = (keep_alive_s > 0).then(|| Duration::from_millis(keep_alive_s as u64 * 1_500));
    let far = Duration::from_secs(86_400 * 365);
    // One timer per connection, moved on as packets arrive.
    let expiry = tokio::time::sleep(keep_alive.unwrap_or(far));
    tokio::pin!(expiry);
    let mut last_packet = Instant::now();
    let mut generations = shared.generations.clone();
    // Only a connection that presented a certificate looks at revocation lists.
    let mut revocations = stream
        .peer_chain()
        .and(shared.config.tls.clone())
        .map(|mut tls| {
            tls.mark_unchanged();
            tls
        });
    loop {
        // Packets already in the buffer first.
        loop {
            let packet = match Packet::read(&mut buf.bytes, shared.config.max_packet_size) {
                Ok(p) => p,
                Err(PacketError::InsufficientBytes(_)) => break,
                Err(e) => return End::Error(format!("malformed packet: {e}")),
            };
            last_packet = Instant::now();
            match handle(packet, stream, id, principal, &mut outbox, shared).await {
                Ok(true) => {}
                Ok(false) => return End::Closed,
                Err(e) => return End::Error(e),
            }
        }
        buf.release_when_drained();
        tokio::select! {
            read = buf.read_more(stream) => match read {
                Ok(0) => return End::Closed,
                Ok(_) => {}
                Err(e) => return End::Error(e.to_string()),
            },
            Some(packet) = next_downlink(&mut outbox) => {
                if let Some((_, rx)) = outbox.as_mut()
                    && let Err(e) = write_downlinks(stream, packet, rx).await
                {
                    return End::Error(e);
                }
            }
            _ = &mut expiry => {
                // The timer was set from an earlier packet: move it on, or end.
                let due = last_packet + keep_alive.unwrap_or(far);
                if Instant::now() >= due {
                    return End::Error("keep-alive expired".into());
                }
                expiry.as_mut().reset(due);
            }
            changed = generations.changed() => {
                // The sender goes when the front end shuts down.
                if changed.is_err() {
                    return End::Closed;
                }
                if !shared.gate.still_admitted(principal) {
                    shared.stats.disconnected_revoked.fetch_add(1, Ordering::Relaxed);
                    return End::Error("device disabled or removed".into());
                }
            }
            Some(tls) = next_revocations(&mut revocations) => {
                if !stream.peer_chain().is_some_and(|chain| tls.accepts(chain)) {
                    shared.stats.disconnected_revoked.fetch_add(1, Ordering::Relaxed);
                    return End::Error("client certificate revoked or no longer valid".into());
                }
            }
        }
    }
}

/// The TLS configuration after its next change (a new revocation list); never, for a
/// connection without a client certificate or once the watch is gone.
async fn next_revocations(
    tls: &mut Option<tokio::sync::watch::Receiver<roadcloud_tls::MqttTls>>,
) -> Option<roadcloud_tls::MqttTls> {
    if let Some(rx) = tls
        && rx.changed().await.is_ok()
    {
        return Some(rx.borrow_and_update().clone());
    }
    std::future::pending().await
}

/// The next downlink waiting in the outbox; never, without one.
async fn next_downlink(
    outbox: &mut Option<(mpsc::Sender<Bytes>, mpsc::Receiver<Bytes>)>,
) -> Option<Bytes> {
    match outbox {
        Some((_, rx)) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Handles one packet from the client; `Ok(false)` when the client disconnects.
async fn handle<S>(
    packet: Packet,
    stream: &mut S,
    id: ConnectionId,
    principal: &Principal,
    outbox: &mut Option<(mpsc::Sender<Bytes>, mpsc::Receiver<Bytes>)>,
    shared: &Shared,
) -> Result<bool, String>
where
    S: AsyncWrite + Unpin,
{
    match packet {
        Packet::Publish(p) => {
            let allowed = principal.may_publish(&p.topic);
            if allowed {
                let (ack, kept) = match p.qos {
                    QoS::AtLeastOnce | QoS::ExactlyOnce if shared.config.ack_when_kept => {
                        let (ack, kept) = roadcloud_transport::Ack::new();
                        (Some(ack), Some(kept))
                    }
                    _ => (None, None),
                };
                let frame = Frame {
                    transport: Transport::Mqtt,
                    topic: p.topic,
                    payload: p.payload,
                    received_at: now_millis(),
                    ack,
                };
                // Bounded: when the pipeline falls behind, this client waits.
                if shared.uplinks.send(frame).await.is_err() {
                    return Ok(false); // roadcloud is shutting down
                }
                // Not acknowledged until kept; not kept, the client sends it again after
                // reconnecting (§4.4).
                if let Some(kept) = kept
                    && !matches!(kept.await, Ok(true))
                {
                    return Err(
                        "a publish was not kept (the cluster's stream did not take it): \
                                closing, for the client to send it again"
                            .into(),
                    );
                }
            } else {
                shared.stats.publish_denied.fetch_add(1, Ordering::Relaxed);
            }
            // §3.3.4: QoS 1 and 2 are acknowledged either way, as brokers do for a publish
            // their ACL drops, so a client does not retry it for ever; nothing is delivered.
            let ack = match p.qos {
                QoS::AtMostOnce => None,
                QoS::AtLeastOnce => Some(Packet::PubAck(PubAck::new(p.pkid))),
                QoS::ExactlyOnce => Some(Packet::PubRec(PubRec::new(p.pkid))),
            };
            if let Some(ack) = ack {
                write_packet(stream, &ack).await?;
            }
        }
        Packet::PubRel(r) => write_packet(stream, &Packet::PubComp(PubComp::new(r.pkid))).await?,
        Packet::Subscribe(s) => {
            let mut codes = Vec::with_capacity(s.filters.len());
            for f in s.filters {
                // §3.8.3: an invalid filter, or one the ACL does not allow, fails (0x80).
                if valid_filter(&f.path) && principal.may_subscribe(&f.path) {
                    let (tx, _) = outbox
                        .get_or_insert_with(|| mpsc::channel(shared.config.outbox_packets.max(1)));
                    let tx = tx.clone();
                    shared
                        .router
                        .send(Command::Subscribe {
                            connection: id,
                            filter: f.path,
                            outbox: tx,
                        })
                        .await
                        .map_err(|_| "router stopped".to_string())?;
                    // Downlinks go out at QoS 0 (advisories are repeated while they stand).
                    codes.push(SubscribeReasonCode::Success(QoS::AtMostOnce));
                } else {
                    shared
                        .stats
                        .subscribe_denied
                        .fetch_add(1, Ordering::Relaxed);
                    codes.push(SubscribeReasonCode::Failure);
                }
            }
            write_packet(stream, &Packet::SubAck(SubAck::new(s.pkid, codes))).await?;
        }
        Packet::Unsubscribe(u) => {
            for filter in u.topics {
                let _ = shared
                    .router
                    .send(Command::Unsubscribe {
                        connection: id,
                        filter,
                    })
                    .await;
            }
            write_packet(stream, &Packet::UnsubAck(UnsubAck::new(u.pkid))).await?;
        }
        Packet::PingReq => write_packet(stream, &Packet::PingResp).await?,
        Packet::Disconnect => return Ok(false),
        // §3.1.0: a second CONNECT is a protocol violation.
        Packet::Connect(_) => return Err("second CONNECT".into()),
        // Acknowledgements of nothing we sent at QoS > 0, and server-to-client packets.
        _ => {}
    }
    Ok(true)
}

/// What a connection has read and not yet taken as packets. An idle connection holds no
/// buffer: most of a zone's connections are silent most of the time, and a buffer reserved
/// for each pending read was most of an idle connection's memory.
pub(crate) struct ReadBuffer {
    bytes: BytesMut,
    /// The last read left room in the buffer, so the stream had nothing more to give then
    /// (a TLS stream fills the buffer while it holds decrypted bytes): from here on, only
    /// new bytes on the socket can bring more.
    drained: bool,
}

impl Default for ReadBuffer {
    fn default() -> ReadBuffer {
        ReadBuffer {
            bytes: BytesMut::new(),
            // Not known yet: the TLS handshake may have decrypted the client's first packets
            // (CONNECT comes in the same flight as the client's Finished) and holds them.
            drained: false,
        }
    }
}

impl ReadBuffer {
    /// Lets the buffer go when everything read was taken and the stream holds nothing more.
    fn release_when_drained(&mut self) {
        if self.bytes.is_empty() && self.drained && self.bytes.capacity() > 0 {
            self.bytes = BytesMut::new();
        }
    }

    /// Reads more from the client: drained and without a buffer, first waits for the socket
    /// to have something; then reads into at least 1 KiB of room. The number of octets read;
    /// 0 at the end of the stream.
    async fn read_more<S: ClientStream>(&mut self, stream: &mut S) -> std::io::Result<usize> {
        if self.drained && self.bytes.capacity() == 0 {
            stream.socket_readable().await?;
        }
        if self.bytes.capacity() - self.bytes.len() < 1_024 {
            self.bytes.reserve(4_096);
        }
        let room = self.bytes.capacity() - self.bytes.len();
        let n = stream.read_buf(&mut self.bytes).await?;
        self.drained = n < room;
        Ok(n)
    }
}

/// Reads one packet (the CONNECT); `None` at end of stream.
async fn read_packet<S: ClientStream>(
    stream: &mut S,
    buf: &mut ReadBuffer,
    max_size: usize,
) -> Result<Option<Packet>, String> {
    loop {
        match Packet::read(&mut buf.bytes, max_size) {
            Ok(p) => return Ok(Some(p)),
            Err(PacketError::InsufficientBytes(_)) => {}
            Err(e) => return Err(e.to_string()),
        }
        if buf.read_more(stream).await.map_err(|e| e.to_string())? == 0 {
            return Ok(None);
        }
    }
}

async fn write_packet<S: AsyncWrite + Unpin>(
    stream: &mut S,
    packet: &Packet,
) -> Result<(), String> {
    let mut out = BytesMut::with_capacity(packet.size() + 5);
    packet
        .write(&mut out, usize::MAX)
        .map_err(|e| e.to_string())?;
    write_all(stream, &out).await
}

/// Writes `first` and whatever else waits in the outbox, then flushes once.
async fn write_downlinks<S: AsyncWrite + Unpin>(
    stream: &mut S,
    first: Bytes,
    outbox: &mut mpsc::Receiver<Bytes>,
) -> Result<(), String> {
    let mut next = Some(first);
    let mut n = 0;
    while let Some(p) = next.take() {
        tokio::time::timeout(WRITE_TIMEOUT, stream.write_all(&p))
            .await
            .map_err(|_| "write timed out".to_string())?
            .map_err(|e| e.to_string())?;
        n += 1;
        if n < 64 {
            next = outbox.try_recv().ok();
        }
    }
    tokio::time::timeout(WRITE_TIMEOUT, stream.flush())
        .await
        .map_err(|_| "write timed out".to_string())?
        .map_err(|e| e.to_string())
}

async fn write_all<S: AsyncWrite + Unpin>(stream: &mut S, bytes: &[u8]) -> Result<(), String> {
    tokio::time::timeout(WRITE_TIMEOUT, async {
        stream.write_all(bytes).await?;
        stream.flush().await
    })
    .await
    .map_err(|_| "write timed out".to_string())?
    .map_err(|e| e.to_string())
}
