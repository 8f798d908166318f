//! What runs beside the stages: taking revocation lists and the device registry again when
//! they change, and deleting what is older than the retention.

use roadcloud_access::RegistryGate;
use roadcloud_security::trust::TrustStore;
use roadcloud_store::{Registry, Store};
use roadcloud_tls::TlsFiles;
use roadcloud_transport::now_millis;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Builds the MQTT listener's TLS again whenever its X.509 revocation list changes (the
/// zone's CA publishes a new one, `roadcloud pki revoke`): new connections with a revoked
/// certificate are refused, and those open are closed, within seconds, without a restart.
/// A list that cannot be read (half written, say) keeps the last one, with a warning.
pub(crate) async fn reload_tls_crl(
    files: TlsFiles,
    tx: tokio::sync::watch::Sender<roadcloud_tls::MqttTls>,
) {
    let mut seen = files.crl_modified();
    let mut every = tokio::time::interval(Duration::from_secs(2));
    while !tx.is_closed() {
        every.tick().await;
        let modified = files.crl_modified();
        if modified.is_none() || modified == seen {
            continue;
        }
        seen = modified;
        match files.mqtt_server_config() {
            Ok(tls) => {
                tracing::info!("TLS revocation list {:?} taken again", files.crl);
                tx.send_replace(tls);
            }
            Err(e) => tracing::warn!("TLS revocation list not taken, the last one stays: {e}"),
        }
    }
}

/// Takes the zone's CRLs again whenever a file in `dir/crl` changes (a CA publishes a new
/// one, `roadcloud pki v2x revoke`): a revoked certificate is refused within seconds,
/// without a restart.
pub(crate) async fn reload_crls(dir: PathBuf, store: Arc<TrustStore>) {
    let crl_dir = dir.join("crl");
    let mut seen: HashMap<PathBuf, std::time::SystemTime> = HashMap::new();
    let mut every = tokio::time::interval(Duration::from_secs(2));
    loop {
        every.tick().await;
        let Ok(entries) = std::fs::read_dir(&crl_dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().is_none_or(|x| x != "coer") {
                continue;
            }
            let Ok(modified) = e.metadata().and_then(|m| m.modified()) else {
                continue;
            };
            let first = !seen.contains_key(&path);
            if seen.get(&path) == Some(&modified) {
                continue;
            }
            seen.insert(path.clone(), modified);
            if first {
                // Taken at start by TrustStore::load_dir.
                continue;
            }
            match std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| store.load_crl(&b).map_err(|e| e.to_string()))
            {
                Ok(n) => tracing::info!("CRL {} taken: {n} certificates revoked", path.display()),
                Err(e) => tracing::warn!("CRL {} not taken: {e}", path.display()),
            }
        }
    }
}

/// Every two seconds, reloads the device registry into the gate when it has changed (the
/// command line changes it beside a running `serve`); a device disabled there is refused at
/// its next CONNECT and disconnected within seconds.
pub(crate) async fn reload_registry(registry: Arc<Registry>, gate: Arc<RegistryGate>) {
    let mut seen = registry.devices_version().ok();
    let mut interval = tokio::time::interval(Duration::from_secs(2));
    loop {
        interval.tick().await;
        let r = registry.clone();
        let reloaded = tokio::task::spawn_blocking(move || {
            let v = r.devices_version()?;
            Ok::<_, roadcloud_store::Error>((v, r.devices()?))
        })
        .await;
        match reloaded {
            Ok(Ok((v, devices))) if Some(v) != seen => {
                seen = Some(v);
                gate.replace(devices);
                tracing::info!("device registry reloaded: {} devices", gate.len());
            }
            Ok(Err(e)) => tracing::error!("cannot reload the device registry: {e}"),
            _ => {}
        }
    }
}

/// Every minute, deletes what is older than the retention.
pub(crate) async fn retain(store: Arc<Store>, retention_ms: i64) {
    let mut interval = tokio::time::interval(Duration::from_secs(60));
    loop {
        interval.tick().await;
        let s = store.clone();
        let before = now_millis() - retention_ms;
        match tokio::task::spawn_blocking(move || s.prune(before)).await {
            Ok(Ok(n)) if n > 0 => tracing::info!("retention: deleted {n} stored rows"),
            Ok(Err(e)) => tracing::error!("retention: {e}"),
            _ => {}
        }
    }
}
