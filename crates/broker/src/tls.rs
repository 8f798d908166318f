//! The TLS handshake of a new connection, and who its client certificate names.

use crate::Shared;
use roadcloud_access::secret::sha256_hex;
use roadcloud_access::{ConnectRefusal, PresentedCertificate};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::server::TlsStream;

/// Runs the server side of the handshake within the connect timeout; the stream and the
/// client's certificate, or `None` (counted and logged) when it fails.
pub(crate) async fn handshake(
    tcp: TcpStream,
    peer: SocketAddr,
    config: Arc<ServerConfig>,
    shared: &Shared,
) -> Option<(TlsStream<TcpStream>, Option<PresentedCertificate>)> {
    let accept = tokio_rustls::TlsAcceptor::from(config).accept(tcp);
    match tokio::time::timeout(shared.config.connect_timeout, accept).await {
        Ok(Ok(stream)) => {
            let cert = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|der| peer_certificate(der.as_ref()));
            Some((stream, cert))
        }
        Ok(Err(e)) => {
            let reason = match e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                Some(rustls::Error::InvalidCertificate(_))
                | Some(rustls::Error::NoCertificatesPresented) => {
                    ConnectRefusal::UntrustedCertificate
                }
                _ => ConnectRefusal::TlsHandshake,
            };
            shared
                .stats
                .refuse(reason, peer, &format!("TLS handshake: {e}"));
            None
        }
        Err(_) => {
            shared.stats.refuse(
                ConnectRefusal::TlsHandshake,
                peer,
                "TLS handshake timed out",
            );
            None
        }
    }
}

/// What a client certificate (DER) tells the gate: its subject common name and its SHA-256.
pub fn peer_certificate(der: &[u8]) -> PresentedCertificate {
    let subject_cn = x509_parser::parse_x509_certificate(der)
        .ok()
        .and_then(|(_, cert)| {
            cert.subject()
                .iter_common_name()
                .next()
                .and_then(|cn| cn.as_str().ok())
                .map(str::to_string)
        });
    PresentedCertificate {
        subject_cn,
        sha256: sha256_hex(der),
    }
}
