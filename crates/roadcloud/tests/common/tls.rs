//! Helpers of the access tests: the roadcloud command line on a data directory, a
//! `serve --pki` on free ports, an HTTPS client and MQTT clients over TLS.

use super::{free_port, free_udp_port, sec_mark_now, vector, vehicle_id};
use roadcloud_csae::{DSecond, MessageFrame};
use rumqttc::{
    Client, ConnectionError, Event, MqttOptions, Packet, QoS, TlsConfiguration, Transport,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, mpsc};
use std::time::Duration;
use std::time::Instant;

/// Runs `roadcloud ARGS` (with `stdin` on its standard input); its standard output.
/// Panics with its error output when it fails.
pub fn roadcloud(args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_roadcloud"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run roadcloud");
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "roadcloud {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `roadcloud users add`: the token it prints on its last line.
pub fn add_user(data: &Path, name: &str, role: &str, password: Option<&str>) -> String {
    let data = data.display().to_string();
    let mut args = vec![
        "users",
        "add",
        "--data-dir",
        &data,
        "--name",
        name,
        "--role",
        role,
    ];
    if password.is_some() {
        args.push("--password-stdin");
    }
    let out = roadcloud(&args, password);
    out.lines().last().unwrap().trim().to_string()
}

/// A `roadcloud serve --pki` child process.
pub struct SecureServer {
    pub child: std::process::Child,
    pub mqtt: u16,
    pub https: u16,
    /// Where /metrics is served without TLS or login.
    pub monitor: u16,
    pub ca: PathBuf,
}

impl Drop for SecureServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `roadcloud serve --pki PKI --data-dir DATA EXTRA` on free loopback ports (again on
/// others if a port was taken meanwhile: [`super::start_answering`]).
pub fn serve_secured(pki: &Path, data: &Path, extra: &[&str]) -> SecureServer {
    super::start_answering(
        || {
            let (mqtt, https, monitor, udp) =
                (free_port(), free_port(), free_port(), free_udp_port());
            let child = super::spawn_roadcloud(
                vec!["serve".into(), "--pki".into(), pki.display().to_string()],
                [
                    ("--data-dir", data.display().to_string()),
                    ("--mqtt-listen", format!("127.0.0.1:{mqtt}")),
                    ("--http-listen", format!("127.0.0.1:{https}")),
                    ("--monitor-listen", format!("127.0.0.1:{monitor}")),
                    ("--udp-listen", format!("127.0.0.1:{udp}")),
                ],
                extra,
            );
            SecureServer {
                child,
                mqtt,
                https,
                monitor,
                ca: pki.join("ca.crt"),
            }
        },
        |s| (&mut s.child, s.monitor),
    )
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots(ca: &Path) -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    roots
}

/// A TLS client config trusting `ca`, presenting `identity` (certificate and key files) if
/// given.
pub fn client_config(ca: &Path, identity: Option<(&Path, &Path)>) -> Arc<rustls::ClientConfig> {
    let b = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots(ca));
    Arc::new(match identity {
        Some((cert, key)) => b
            .with_client_auth_cert(
                CertificateDer::pem_file_iter(cert)
                    .unwrap()
                    .map(Result::unwrap)
                    .collect(),
                PrivateKeyDer::from_pem_file(key).unwrap(),
            )
            .unwrap(),
        None => b.with_no_client_auth(),
    })
}

/// An HTTPS request to 127.0.0.1:`port` trusting `ca`, with a bearer `token` if given: the
/// status and the body.
pub fn https(
    port: u16,
    ca: &Path,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, String) {
    let conn = rustls::ClientConnection::new(
        client_config(ca, None),
        ServerName::try_from("localhost").unwrap(),
    )
    .unwrap();
    let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        tls,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    // The server may close without close_notify; what arrived is the answer.
    let _ = tls.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let status = text.split(' ').nth(1).unwrap_or("0").parse().unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map_or("", |x| x.1).to_string();
    (status, body)
}

/// How to connect an MQTT client.
pub struct Credentials<'a> {
    /// TLS trusting this CA (plain TCP when `None`).
    pub ca: Option<&'a Path>,
    /// A client certificate and key.
    pub cert: Option<(&'a Path, &'a Path)>,
    /// A user name and password.
    pub login: Option<(&'a str, &'a str)>,
}

/// An MQTT client that got its CONNACK: the client, and what arrives (publishes and
/// acknowledgements) on a channel; the error when it was refused.
pub fn mqtt_connect(
    port: u16,
    name: &str,
    creds: &Credentials<'_>,
) -> Result<(Client, mpsc::Receiver<Packet>), String> {
    let mut o = MqttOptions::new(name, "localhost", port);
    o.set_keep_alive(Duration::from_secs(5));
    if let Some(ca) = creds.ca {
        o.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(
            client_config(ca, creds.cert),
        )));
    }
    if let Some((u, p)) = creds.login {
        o.set_credentials(u, p);
    }
    let (client, mut conn) = Client::new(o, 100);
    let (tx, rx) = mpsc::channel();
    let (first_tx, first_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut first = Some(first_tx);
        for ev in conn.iter() {
            match ev {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    if let Some(f) = first.take() {
                        let _ = f.send(Ok(()));
                    }
                }
                Ok(Event::Incoming(p)) => {
                    if tx.send(p).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    match first.take() {
                        Some(f) => {
                            let _ = f.send(Err(describe(&e)));
                        }
                        None => {
                            // Closed by the server after being admitted: say so, then stop.
                            let _ = tx.send(Packet::Disconnect);
                        }
                    }
                    return;
                }
            }
        }
    });
    match first_rx.recv_timeout(Duration::from_secs(10)) {
        Ok(Ok(())) => Ok((client, rx)),
        Ok(Err(e)) => Err(e),
        Err(_) => Err("no CONNACK within 10 s".into()),
    }
}

fn describe(e: &ConnectionError) -> String {
    format!("{e:?}")
}

/// Vehicle `n`'s BSM, generated now, on its own uplink topic.
pub fn bsm_of(n: u64) -> (String, Vec<u8>) {
    let MessageFrame::BsmFrame(mut bsm) = vector("bsm_01_passenger_car") else {
        panic!("the BSM vector is a BSM")
    };
    bsm.id = (0x5a00_0000_0000_0000 | n).to_be_bytes();
    bsm.sec_mark = DSecond(sec_mark_now());
    bsm.pos.lat.0 += (n as i32) * 900;
    (
        format!("V2X/OBU/{}/BSM/UP", vehicle_id(n)),
        roadcloud_csae::encode(&MessageFrame::BsmFrame(bsm)).unwrap(),
    )
}

pub fn participants(s: &SecureServer, token: &str) -> Value {
    let (status, body) = https(
        s.https,
        &s.ca,
        "GET",
        "/api/v1/participants",
        Some(token),
        "",
    );
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

pub fn has_participant(s: &SecureServer, token: &str, id: &str) -> bool {
    participants(s, token)["participants"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["id"] == id)
}

/// Publishes (QoS 1) `topic` repeatedly until `done`, for at most `limit`.
pub fn publish_until(
    c: &rumqttc::Client,
    limit: Duration,
    mut next: impl FnMut() -> (String, Vec<u8>),
    mut done: impl FnMut() -> bool,
) {
    let start = Instant::now();
    loop {
        let (topic, payload) = next();
        c.publish(topic, QoS::AtLeastOnce, false, payload).unwrap();
        if done() {
            return;
        }
        assert!(start.elapsed() < limit, "timed out");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Whether a PUBLISH arrives within `wait`.
pub fn receives_publish(rx: &Receiver<Packet>, wait: Duration) -> Option<rumqttc::Publish> {
    let deadline = Instant::now() + wait;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(Packet::Publish(p)) => return Some(p),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

/// TLS trusting `ca`, with the client certificate and key `cert`.
pub fn certified<'a>(ca: &'a Path, cert: &'a (PathBuf, PathBuf)) -> Credentials<'a> {
    Credentials {
        ca: Some(ca),
        cert: Some((&cert.0, &cert.1)),
        login: None,
    }
}

pub fn issue(pki: &Path, data: &Path, device: &str) -> (PathBuf, PathBuf) {
    pki_command("issue", pki, data, device);
    let id = device.split_once(':').unwrap().1;
    (
        pki.join(format!("devices/{id}.crt")),
        pki.join(format!("devices/{id}.key")),
    )
}

/// `roadcloud pki revoke` of `device` (`KIND:ID`).
pub fn revoke(pki: &Path, data: &Path, device: &str) {
    pki_command("revoke", pki, data, device);
}

/// `roadcloud pki VERB --dir PKI --device DEVICE --data-dir DATA`.
fn pki_command(verb: &str, pki: &Path, data: &Path, device: &str) {
    roadcloud(
        &[
            "pki",
            verb,
            "--dir",
            &pki.display().to_string(),
            "--device",
            device,
            "--data-dir",
            &data.display().to_string(),
        ],
        None,
    );
}

/// Until the follower's client (`follower`, subscribed to its downlink) receives an
/// advisory: the RSU `rsu_id` forwards the closing pair's BSMs, and vehicle `b` publishes
/// its own BSM on `b_client`, every 100 ms. The advisory, within 15 s.
pub fn follower_advised(
    rsu_client: &Client,
    rsu_id: &str,
    b_client: &Client,
    b: u64,
    follower: &Receiver<Packet>,
) -> rumqttc::Publish {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        assert!(
            Instant::now() < deadline,
            "no advisory reached the follower"
        );
        for (_, payload) in super::closing_pair() {
            rsu_client
                .publish(
                    format!("V2X/RSU/{rsu_id}/BSM/UP"),
                    QoS::AtMostOnce,
                    false,
                    payload,
                )
                .unwrap();
        }
        let (topic, payload) = bsm_of(b);
        b_client
            .publish(topic, QoS::AtMostOnce, false, payload)
            .unwrap();
        if let Some(p) = receives_publish(follower, Duration::from_millis(100)) {
            return p;
        }
    }
}
