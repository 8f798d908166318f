//! `roadcloud serve`: one node (`roadcloud_node`) with the settings of its flags and config
//! file, until SIGINT or SIGTERM.

use anyhow::{Context, Result};
use clap::Args;
use roadcloud_node::{Node, NodeConfig, NodeHandle};
use std::path::PathBuf;

/// Run the platform: MQTT (its own front end, or a client of an external broker), UDP from RSUs,
/// admission, the world model, the 16 Day-1 cooperative applications, the store and the
/// HTTP API.
///
/// Devices publish on the topics of the RSU-to-centre convention
/// (V2X/RSU/{rsuId}/{BSM|RSM|SPAT|MAP|RSI}/UP, V2X/OBU/{vehicleId}/{BSM|VIR}/UP; append /JSON
/// for the JSON form). Advisories go to V2X/OBU/{vehicleId}/ADVICE/DOWN as JSON. The web map
/// is at http://HTTP_LISTEN/, the live world at /api/v1/participants, the applications at
/// /api/v1/apps.
///
/// With --pki DIR (from `roadcloud pki init`), MQTT speaks TLS and lets in only the
/// registry's devices (a client certificate from the zone's CA, or a password), each on its
/// own topics; the API and web map speak HTTPS and ask operators to log in (docs/security.md).
/// Listening beyond loopback (e.g. 0.0.0.0) without TLS and authentication is refused
/// unless --insecure is given.
///
/// Every setting can also come from a TOML file (--config), keyed by the flag's name:
///   http-listen = "127.0.0.1:9090"
/// A flag on the command line wins over the file. Each application's switch and parameters
/// come from its table there (docs/apps.md):
///   [apps.FCW]
///   ttc_warning_s = 3.0
///
/// Examples:
///   roadcloud serve --mqtt-listen 127.0.0.1:1883 --http-listen 127.0.0.1:8080
///   roadcloud serve --pki pki --mqtt-listen 0.0.0.0:8883 --http-listen 0.0.0.0:8443
///   roadcloud serve --mqtt-listen 0.0.0.0:1883 --insecure    (a lab: no TLS, no authentication)
///   roadcloud serve --config roadcloud.toml
///   roadcloud serve --broker mqtt://127.0.0.1:1883 --data-dir /var/lib/roadcloud
///   mosquitto_pub -h 127.0.0.1 -t V2X/OBU/5a1f3c7e00a1b2c3/BSM/UP/JSON -f bsm.json
#[derive(Args, Debug, Clone)]
#[command(verbatim_doc_comment)]
pub struct ServeArgs {
    /// Read settings from this TOML file (keys are the flags' names, e.g. http-listen).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The node's settings.
    #[command(flatten)]
    pub node: NodeConfig,
}

/// Runs `roadcloud serve` until SIGINT or SIGTERM.
pub fn run(config: NodeConfig) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let node = Node::start(config.clone()).await?;
        println!("{}", serving(&node, &config));
        until_signal(node).await
    })
}

/// What a started node says on standard output: where it serves, where its data is.
pub(crate) fn serving(node: &NodeHandle, config: &NodeConfig) -> String {
    let b = node.bound();
    let mqtt = match (&config.broker, b.mqtt) {
        (Some(url), _) => format!("MQTT via {url}"),
        (None, Some(a)) if node.tls() => format!("MQTT over TLS on {a}"),
        (None, Some(a)) => format!("MQTT on {a}"),
        (None, None) => "MQTT off".to_string(),
    };
    let udp = b.udp.map_or("off".to_string(), |a| a.to_string());
    let scheme = if node.tls() { "https" } else { "http" };
    format!(
        "roadcloud is serving: {mqtt}, UDP on {udp}, API on {scheme}://{}/api/v1/, data in {}\n\
         web map: {}",
        b.http,
        config.data_dir.display(),
        node.map_address()
    )
}

/// Runs `node` until SIGINT or SIGTERM (or one of its servers fails), then shuts it down.
pub(crate) async fn until_signal(mut node: NodeHandle) -> Result<()> {
    let failed = tokio::select! {
        failed = node.failed() => Some(failed),
        _ = shutdown_signal() => None,
    };
    let stopped = node.shutdown().await;
    match failed {
        Some(Err(e)) => Err(e),
        _ => stopped,
    }
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
