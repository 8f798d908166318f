//! Export of misbehaviour reports to a misbehaviour authority (MA): the PKI's service that
//! takes what detectors found and decides on revocation (YD/T 3957-2021 §7.7; ETSI TS 102 941
//! and TS 103 759 in Europe).
//!
//! ```text
//! detector -> store (misbehaviour table) -> Exporter: the reports after its cursor,
//!             in batches -> Endpoint (HTTP POST, or MQTT PUBLISH at QoS 1) -> MA;
//!             the cursor advances once the MA (or its broker) has taken the batch
//! ```
//!
//! The exporter reads the store, not the detector: what the store keeps is forwarded at
//! least once, through an MA's outage and roadcloud's restarts (the cursor, the number of the
//! last report the MA took, is a file beside the database). The report format of YD/T
//! 3957-2021 §7.7 and ETSI TS 103 759 is a signed and encrypted binary structure whose
//! ASN.1 the project does not have; the export carries what it holds (the reporter, the
//! reported device's id, the kind of observation, when, the evidence: the positions and
//! motion it rests on, and what roadcloud did) as JSON, the API's report format, documented
//! in docs/misbehaviour.md#export.

#![warn(missing_docs)]

mod mqtt;

pub use mqtt::{MqttEndpoint, MqttUrl};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use roadcloud_store::Store;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Where reports go: one batch at a time, `Ok` once the MA has taken it.
pub trait Endpoint: Send {
    /// Delivers one batch (a JSON document).
    fn deliver(&mut self, body: Vec<u8>) -> impl Future<Output = Result<(), String>> + Send;
    /// Where it delivers, for the log.
    fn describe(&self) -> String;
}

/// An MA that takes batches as HTTP POSTs of JSON, over TLS (`https://`, with the CA to
/// trust and, for mutual TLS, roadcloud's client certificate) or, on a private link, plain
/// (`http://`).
pub struct HttpEndpoint {
    uri: hyper::Uri,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl HttpEndpoint {
    /// An endpoint at `url` (`https://host:port/path` with `tls`, or `http://...`).
    pub fn new(url: &str, tls: Option<Arc<rustls::ClientConfig>>) -> Result<Self, String> {
        let uri: hyper::Uri = url
            .parse()
            .map_err(|e| format!("{url:?} is not a URL: {e}"))?;
        let builder = hyper_rustls::HttpsConnectorBuilder::new();
        let connector = match (uri.scheme_str(), tls) {
            (Some("https"), Some(tls)) => builder
                .with_tls_config((*tls).clone())
                .https_only()
                .enable_http1()
                .build(),
            (Some("https"), None) => {
                return Err(format!(
                    "{url}: https needs the CA that issued the MA's certificate: give --ma-ca, \
                     or the zone's PKI (--pki) if it issued it"
                ));
            }
            (Some("http"), _) => {
                // Plain HTTP: the TLS settings are never used.
                let plain = rustls::ClientConfig::builder_with_provider(Arc::new(
                    rustls::crypto::ring::default_provider(),
                ))
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
                builder
                    .with_tls_config(plain)
                    .https_or_http()
                    .enable_http1()
                    .build()
            }
            _ => return Err(format!("{url}: give an https:// or http:// address")),
        };
        if uri.host().is_none() {
            return Err(format!("{url}: no host"));
        }
        Ok(HttpEndpoint {
            uri,
            client: Client::builder(TokioExecutor::new()).build(connector),
        })
    }
}

impl Endpoint for HttpEndpoint {
    async fn deliver(&mut self, body: Vec<u8>) -> Result<(), String> {
        let request = hyper::Request::post(self.uri.clone())
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let response = tokio::time::timeout(Duration::from_secs(10), self.client.request(request))
            .await
            .map_err(|_| "no answer within 10 s".to_string())?
            .map_err(|e| e.to_string())?;
        let status = response.status();
        // Read the answer through, so the connection can be used again.
        let _ = response.into_body().collect().await;
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the MA answered {status}"))
        }
    }

    fn describe(&self) -> String {
        self.uri.to_string()
    }
}

/// The exporter's settings.
#[derive(Debug, Clone)]
pub struct ExportConfig {
    /// Who reports: the platform's name for itself, in every batch.
    pub reporter: String,
    /// Where the cursor is kept.
    pub cursor_path: PathBuf,
    /// Most reports per batch.
    pub batch: u32,
    /// How often the store is looked at for new reports.
    pub every: Duration,
    /// Longest wait between attempts while the MA fails.
    pub max_backoff: Duration,
}

impl ExportConfig {
    /// Defaults for a store in `data_dir`: the cursor at `data_dir/ma-export.cursor`, 500
    /// reports a batch, a look each second, retries up to a minute apart.
    pub fn new(reporter: impl Into<String>, data_dir: &Path) -> Self {
        ExportConfig {
            reporter: reporter.into(),
            cursor_path: data_dir.join("ma-export.cursor"),
            batch: 500,
            every: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
        }
    }
}

/// Forwards the store's misbehaviour reports to an [`Endpoint`] (module docs).
pub struct Exporter<E: Endpoint> {
    store: Arc<Store>,
    endpoint: E,
    config: ExportConfig,
    cursor: i64,
}

impl<E: Endpoint> Exporter<E> {
    /// An exporter from `store` to `endpoint`, resuming at the cursor the file holds (from
    /// the first report when there is none).
    pub fn new(store: Arc<Store>, endpoint: E, config: ExportConfig) -> Result<Self, String> {
        let cursor = match std::fs::read_to_string(&config.cursor_path) {
            Ok(text) => text.trim().parse().map_err(|e| {
                format!(
                    "{} holds no report number ({e}); remove it to export every stored report",
                    config.cursor_path.display()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(format!("cannot read {}: {e}", config.cursor_path.display())),
        };
        Ok(Exporter {
            store,
            endpoint,
            config,
            cursor,
        })
    }

    /// The number of the last report the MA took.
    pub fn cursor(&self) -> i64 {
        self.cursor
    }

    /// Sends the next batch, if there is one: how many reports went, or why none could.
    pub async fn export_once(&mut self) -> Result<usize, String> {
        let rows = self
            .store
            .misbehaviour_after(self.cursor, self.config.batch)
            .map_err(|e| e.to_string())?;
        let Some(&(last, _)) = rows.last() else {
            return Ok(0);
        };
        let reports: Vec<Value> = rows
            .iter()
            .map(|(_, r)| serde_json::from_str(&r.json).unwrap_or(Value::Null))
            .collect();
        let body = json!({
            "version": 1,
            "reporter": self.config.reporter,
            "generated_at": std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64),
            "reports": reports,
        });
        self.endpoint.deliver(body.to_string().into_bytes()).await?;
        self.cursor = last;
        // Written whole, then renamed: a crash leaves the old cursor or the new one.
        let tmp = self.config.cursor_path.with_extension("tmp");
        std::fs::write(&tmp, last.to_string())
            .and_then(|()| std::fs::rename(&tmp, &self.config.cursor_path))
            .map_err(|e| {
                format!(
                    "cannot keep the cursor in {}: {e}",
                    self.config.cursor_path.display()
                )
            })?;
        Ok(rows.len())
    }

    /// Exports for ever: each batch as soon as there is one, at most a look a
    /// [`every`](ExportConfig::every) when there is none, retrying with a doubling wait
    /// while the MA fails.
    pub async fn run(mut self) {
        let mut backoff = self.config.every;
        let mut failing = false;
        loop {
            match self.export_once().await {
                Ok(n) => {
                    if failing {
                        tracing::info!(
                            "the MA at {} takes reports again",
                            self.endpoint.describe()
                        );
                        failing = false;
                    }
                    backoff = self.config.every;
                    if n == self.config.batch as usize {
                        continue;
                    }
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(
                            "cannot export misbehaviour reports to {}: {e}; retrying",
                            self.endpoint.describe()
                        );
                        failing = true;
                    }
                    backoff = (backoff * 2).min(self.config.max_backoff);
                }
            }
            tokio::time::sleep(if failing { backoff } else { self.config.every }).await;
        }
    }
}
