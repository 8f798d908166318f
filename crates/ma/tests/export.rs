//! The export against a real HTTP server (a minimal one on a loopback socket) and a real
//! store: every report reaches the MA once it answers, in order, through its outage and a
//! restart of the exporter, none twice.

use roadcloud_ma::{ExportConfig, Exporter, HttpEndpoint};
use roadcloud_store::{MisbehaviourRecord, Record, Store};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// An MA on loopback that refuses its first `refuse` requests (503) and keeps the bodies
/// of the others.
async fn ma(refuse: usize) -> (String, Arc<Mutex<Vec<Value>>>, Arc<AtomicUsize>) {
    ma_over(refuse, None).await
}

/// The same, over TLS with `tls` (an `https://` address) when given.
async fn ma_over(
    refuse: usize,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> (String, Arc<Mutex<Vec<Value>>>, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!(
        "{scheme}://localhost:{}/ma/reports",
        listener.local_addr().unwrap().port()
    );
    let taken = Arc::new(Mutex::new(Vec::new()));
    let requests = Arc::new(AtomicUsize::new(0));
    let (t, n) = (taken.clone(), requests.clone());
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let (t, n) = (t.clone(), n.clone());
            match &acceptor {
                Some(a) => {
                    let a = a.clone();
                    tokio::spawn(async move {
                        if let Ok(s) = a.accept(tcp).await {
                            serve(s, refuse, t, n).await;
                        }
                    });
                }
                None => {
                    tokio::spawn(serve(tcp, refuse, t, n));
                }
            }
        }
    });
    (url, taken, requests)
}

/// Answers one connection's requests.
async fn serve<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    mut s: S,
    refuse: usize,
    t: Arc<Mutex<Vec<Value>>>,
    n: Arc<AtomicUsize>,
) {
    {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            // One request: headers, then Content-Length octets of body.
            let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                match s.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(k) => buf.extend_from_slice(&chunk[..k]),
                }
                continue;
            };
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            while buf.len() < end + 4 + len {
                match s.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(k) => buf.extend_from_slice(&chunk[..k]),
                }
            }
            let body: Vec<u8> = buf.drain(..end + 4 + len).skip(end + 4).collect();
            assert!(head.starts_with("post /ma/reports "), "{head}");
            let answer = if n.fetch_add(1, Ordering::SeqCst) < refuse {
                "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n"
            } else {
                t.lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap());
                "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"
            };
            if s.write_all(answer.as_bytes()).await.is_err() {
                return;
            }
        }
    }
}

fn report(i: i64) -> Record {
    Record::Misbehaviour(MisbehaviourRecord {
        device: format!("{i:016x}"),
        kind: "position_consistency".into(),
        at: 1_700_000_000_000 + i,
        action: "flagged".into(),
        json: json!({"device": format!("{i:016x}"), "kind": "position_consistency", "at": i})
            .to_string(),
    })
}

async fn stored(store: &Store, n: u64) {
    for _ in 0..200 {
        if store.stored().misbehaviour.load(Ordering::Relaxed) >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the store did not commit {n} reports");
}

fn numbers(batches: &[Value]) -> Vec<i64> {
    batches
        .iter()
        .flat_map(|b| b["reports"].as_array().unwrap().clone())
        .map(|r| r["at"].as_i64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_report_reaches_the_ma_once_through_its_outage_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (store, writer, _thread) = Store::open(dir.path()).unwrap();
    let store = Arc::new(store);
    writer.write((1..=5).map(report).collect()).unwrap();
    stored(&store, 5).await;
    let (url, taken, requests) = ma(2).await;
    let config = ExportConfig {
        batch: 3,
        ..ExportConfig::new("roadcloud-test", dir.path())
    };
    let mut e = Exporter::new(
        store.clone(),
        HttpEndpoint::new(&url, None).unwrap(),
        config.clone(),
    )
    .unwrap();
    // The MA is down: nothing is taken, the cursor stays.
    assert!(e.export_once().await.is_err());
    assert!(e.export_once().await.is_err());
    assert_eq!(e.cursor(), 0);
    // It is back: two batches, in order.
    assert_eq!(e.export_once().await, Ok(3));
    assert_eq!(e.export_once().await, Ok(2));
    assert_eq!(e.export_once().await, Ok(0));
    drop(e);
    // Restarted, with more reports: only the new ones go.
    writer.write((6..=7).map(report).collect()).unwrap();
    stored(&store, 7).await;
    let mut e = Exporter::new(
        store.clone(),
        HttpEndpoint::new(&url, None).unwrap(),
        config,
    )
    .unwrap();
    assert_eq!(e.cursor(), 5);
    assert_eq!(e.export_once().await, Ok(2));
    let batches = taken.lock().unwrap().clone();
    assert_eq!(numbers(&batches), (1..=7).collect::<Vec<_>>());
    assert!(
        batches
            .iter()
            .all(|b| b["reporter"] == "roadcloud-test" && b["version"] == 1)
    );
    assert_eq!(requests.load(Ordering::SeqCst), 5);
}

#[test]
fn https_needs_the_ca_and_other_schemes_are_refused() {
    assert!(HttpEndpoint::new("http://127.0.0.1:9/ma", None).is_ok());
    let https = HttpEndpoint::new("https://ma.example/reports", None)
        .err()
        .unwrap();
    assert!(https.contains("--pki"), "{https}");
    assert!(HttpEndpoint::new("ma.example", None).is_err());
    assert!(HttpEndpoint::new("ftp://ma.example/x", None).is_err());
}

/// Over TLS: the MA's certificate is checked against the zone's CA (roadcloud also offers
/// its client certificate; this MA does not ask for one); with another zone's CA, the MA
/// gets nothing.
#[tokio::test(flavor = "multi_thread")]
async fn reports_go_to_an_https_ma_whose_certificate_the_zone_issued() {
    let dir = tempfile::tempdir().unwrap();
    let pki = dir.path().join("pki");
    roadcloud_tls::pki::init(&pki, &["localhost".into(), "127.0.0.1".into()]).unwrap();
    let files = roadcloud_tls::TlsFiles::in_pki_dir(&pki);
    let (store, writer, _thread) = Store::open(dir.path()).unwrap();
    let store = Arc::new(store);
    writer.write((1..=2).map(report).collect()).unwrap();
    stored(&store, 2).await;
    let (url, taken, _) = ma_over(0, Some(files.https_server_config().unwrap())).await;
    let config = ExportConfig::new("roadcloud-test", dir.path());
    let client = files.client_config().unwrap();
    let mut e = Exporter::new(
        store.clone(),
        HttpEndpoint::new(&url, Some(client)).unwrap(),
        config.clone(),
    )
    .unwrap();
    assert_eq!(e.export_once().await, Ok(2));
    assert_eq!(numbers(&taken.lock().unwrap()), [1, 2]);
    // Another zone's CA does not vouch for this MA.
    let other = dir.path().join("other");
    roadcloud_tls::pki::init(&other, &["localhost".into()]).unwrap();
    let stranger = roadcloud_tls::TlsFiles::in_pki_dir(&other)
        .client_config()
        .unwrap();
    writer.write((3..=3).map(report).collect()).unwrap();
    stored(&store, 3).await;
    let mut e = Exporter::new(
        store,
        HttpEndpoint::new(&url, Some(stranger)).unwrap(),
        config,
    )
    .unwrap();
    assert!(e.export_once().await.is_err());
}
