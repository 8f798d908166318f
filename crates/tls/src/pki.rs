//! A zone's private PKI, kept in one folder:
//!
//! | file | what |
//! | --- | --- |
//! | `ca.crt`, `ca.key` | the zone's CA (ECDSA P-256, ten years) |
//! | `server.crt`, `server.key` | roadcloud's server certificate, for MQTT over TLS and HTTPS |
//! | `client.crt`, `client.key` | roadcloud's client certificate (CN `roadcloud`), for an external broker |
//! | `devices/{id}.crt`, `devices/{id}.key` | a device's client certificate, subject CN `{kind}:{id}` |
//! | `crl.pem`, `revoked.txt` | the CA's revocation list, and what it lists |
//!
//! Keys are written readable by their owner only. This is for a zone that has no PKI of its
//! own; an operator with one points roadcloud at its files instead ([`crate::TlsFiles`]).

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, RevokedCertParams,
    SerialNumber,
};
use roadcloud_access::Identity;
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};

use crate::TlsError;

/// The CA certificate's file name.
pub const CA_CERT: &str = "ca.crt";
/// The CA key's file name.
pub const CA_KEY: &str = "ca.key";
/// The server certificate's file name.
pub const SERVER_CERT: &str = "server.crt";
/// The server key's file name.
pub const SERVER_KEY: &str = "server.key";
/// roadcloud's own client certificate (for an external broker's TLS listener).
pub const CLIENT_CERT: &str = "client.crt";
/// Its key.
pub const CLIENT_KEY: &str = "client.key";
/// The revocation list's file name.
pub const CRL: &str = "crl.pem";
/// What the revocation list lists: a line per certificate, `serial-hex identity unix-time`.
pub const REVOKED: &str = "revoked.txt";

fn err(what: impl std::fmt::Display) -> impl FnOnce(rcgen::Error) -> TlsError {
    move |e| TlsError(format!("{what}: {e}"))
}

fn write(path: &Path, contents: &str, secret: bool) -> Result<(), TlsError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    options
        .open(path)
        .and_then(|mut f| f.write_all(contents.as_bytes()))
        .map_err(|e| TlsError(format!("cannot write {}: {e}", path.display())))
}

fn read(path: &Path) -> Result<String, TlsError> {
    std::fs::read_to_string(path).map_err(|e| {
        TlsError(format!(
            "cannot read {}: {e} (create the PKI with `roadcloud pki init --dir {}`)",
            path.display(),
            path.parent()
                .map_or(".".into(), |p| p.display().to_string())
        ))
    })
}

fn random_serial() -> Result<SerialNumber, TlsError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| TlsError(format!("no randomness: {e}")))?;
    b[0] &= 0x7f; // RFC 5280 §4.1.2.2: positive
    b[0] |= 0x01; // and of full length
    Ok(SerialNumber::from_slice(&b))
}

fn validity(params: &mut CertificateParams, days: i64) {
    let now = OffsetDateTime::now_utc();
    // A day's slack for devices whose clocks run behind.
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(days);
}

/// Creates a PKI in `dir`: the CA, roadcloud's server certificate for `names` (DNS names or
/// IP addresses) and an empty revocation list. Refuses to overwrite an existing one.
pub fn init(dir: &Path, names: &[String]) -> Result<(), TlsError> {
    if dir.join(CA_CERT).exists() {
        return Err(TlsError(format!(
            "{} already holds a PKI ({CA_CERT}); choose another --dir, or issue certificates from it",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir.join("devices"))
        .map_err(|e| TlsError(format!("cannot create {}: {e}", dir.display())))?;
    let ca_key = KeyPair::generate().map_err(err("CA key"))?;
    let mut ca = CertificateParams::default();
    ca.distinguished_name = DistinguishedName::new();
    ca.distinguished_name
        .push(DnType::CommonName, "roadcloud zone CA");
    ca.distinguished_name
        .push(DnType::OrganizationName, "roadcloud");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca.serial_number = Some(random_serial()?);
    validity(&mut ca, 3_650);
    let ca_cert = ca.self_signed(&ca_key).map_err(err("CA certificate"))?;
    let issuer = Issuer::new(ca, ca_key);

    let server_key = KeyPair::generate().map_err(err("server key"))?;
    let mut server = CertificateParams::new(names.to_vec()).map_err(err("server names"))?;
    server.distinguished_name = DistinguishedName::new();
    server
        .distinguished_name
        .push(DnType::CommonName, "roadcloud");
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.serial_number = Some(random_serial()?);
    server.use_authority_key_identifier_extension = true;
    validity(&mut server, 825);
    let server_cert = server
        .signed_by(&server_key, &issuer)
        .map_err(err("server certificate"))?;

    let client_key = KeyPair::generate().map_err(err("client key"))?;
    let client = client_params("roadcloud", 825)?;
    let client_cert = client
        .signed_by(&client_key, &issuer)
        .map_err(err("client certificate"))?;

    write(&dir.join(CA_KEY), &issuer.key().serialize_pem(), true)?;
    write(&dir.join(CLIENT_KEY), &client_key.serialize_pem(), true)?;
    write(&dir.join(CLIENT_CERT), &client_cert.pem(), false)?;
    write(&dir.join(CA_CERT), &ca_cert.pem(), false)?;
    write(&dir.join(SERVER_KEY), &server_key.serialize_pem(), true)?;
    write(&dir.join(SERVER_CERT), &server_cert.pem(), false)?;
    write_crl(dir, &issuer, &[])
}

/// A client certificate's parameters: subject CN `cn`, valid `days`.
fn client_params(cn: &str, days: i64) -> Result<CertificateParams, TlsError> {
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, cn);
    params
        .distinguished_name
        .push(DnType::OrganizationName, "roadcloud zone");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.serial_number = Some(random_serial()?);
    params.use_authority_key_identifier_extension = true;
    validity(&mut params, days);
    Ok(params)
}

fn load_issuer(dir: &Path) -> Result<Issuer<'static, KeyPair>, TlsError> {
    let key = KeyPair::from_pem(&read(&dir.join(CA_KEY))?).map_err(err("CA key"))?;
    Issuer::from_ca_cert_pem(&read(&dir.join(CA_CERT))?, key).map_err(err("CA certificate"))
}

/// A device certificate just issued.
#[derive(Debug, Clone)]
pub struct Issued {
    /// Its certificate (PEM).
    pub cert: PathBuf,
    /// Its private key (PEM).
    pub key: PathBuf,
    /// SHA-256 of the certificate (DER), lowercase hex: what the registry keeps.
    pub sha256: String,
}

/// Where a device's certificate is kept.
pub fn device_cert_path(dir: &Path, identity: &Identity) -> PathBuf {
    dir.join("devices").join(format!("{}.crt", identity.id))
}

/// Issues a client certificate for `identity`, valid `days`, as
/// `devices/{id}.crt` and `devices/{id}.key`; a certificate issued before for it is replaced
/// (the registry then holds the new one's digest, and the old one is refused).
pub fn issue(dir: &Path, identity: &Identity, days: i64) -> Result<Issued, TlsError> {
    let issuer = load_issuer(dir)?;
    let key = KeyPair::generate().map_err(err("device key"))?;
    let cert = client_params(&identity.to_string(), days)?
        .signed_by(&key, &issuer)
        .map_err(err("device certificate"))?;
    std::fs::create_dir_all(dir.join("devices"))
        .map_err(|e| TlsError(format!("cannot create {}/devices: {e}", dir.display())))?;
    let cert_path = device_cert_path(dir, identity);
    let key_path = cert_path.with_extension("key");
    write(&key_path, &key.serialize_pem(), true)?;
    write(&cert_path, &cert.pem(), false)?;
    Ok(Issued {
        cert: cert_path,
        key: key_path,
        sha256: roadcloud_access::secret::sha256_hex(cert.der()),
    })
}

/// Puts `identity`'s certificate on the CA's revocation list (`crl.pem`). A running
/// `roadcloud serve` takes the new list within seconds: the certificate is refused at the
/// handshake and a connection made with it is closed.
pub fn revoke(dir: &Path, identity: &Identity) -> Result<(), TlsError> {
    let issuer = load_issuer(dir)?;
    let pem = read(&device_cert_path(dir, identity))?;
    let der = rustls_pki_types::pem::PemObject::from_pem_slice(pem.as_bytes())
        .map(|c: rustls_pki_types::CertificateDer<'static>| c.to_vec())
        .map_err(|e| TlsError(format!("certificate of {identity}: {e}")))?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| TlsError(format!("certificate of {identity}: {e}")))?;
    let serial = hex(cert.tbs_certificate.raw_serial());
    let listed = read(&dir.join(REVOKED)).unwrap_or_default();
    let mut lines: Vec<String> = listed.lines().map(str::to_string).collect();
    if !lines
        .iter()
        .any(|l| l.split(' ').next() == Some(serial.as_str()))
    {
        lines.push(format!(
            "{serial} {identity} {}",
            OffsetDateTime::now_utc().unix_timestamp()
        ));
    }
    write(&dir.join(REVOKED), &(lines.join("\n") + "\n"), false)?;
    write_crl(dir, &issuer, &lines)
}

fn write_crl(dir: &Path, issuer: &Issuer<'_, KeyPair>, lines: &[String]) -> Result<(), TlsError> {
    let now = OffsetDateTime::now_utc();
    let revoked_certs = lines
        .iter()
        .filter_map(|l| {
            let mut parts = l.split(' ');
            let serial = unhex(parts.next()?)?;
            let at = parts.nth(1)?.parse::<i64>().ok()?;
            Some(RevokedCertParams {
                serial_number: SerialNumber::from_slice(&serial),
                revocation_time: OffsetDateTime::from_unix_timestamp(at).ok()?,
                reason_code: None,
                invalidity_date: None,
            })
        })
        .collect();
    let params = CertificateRevocationListParams {
        this_update: now - Duration::minutes(5),
        next_update: now + Duration::days(365),
        crl_number: SerialNumber::from_slice(&(now.unix_timestamp() as u64).to_be_bytes()),
        issuing_distribution_point: None,
        revoked_certs,
        key_identifier_method: rcgen::KeyIdMethod::Sha256,
    };
    let crl = params.signed_by(issuer).map_err(err("revocation list"))?;
    write(
        &dir.join(CRL),
        &crl.pem().map_err(err("revocation list"))?,
        false,
    )
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_issue_and_revoke_make_files_rustls_takes() {
        let dir = tempfile::tempdir().unwrap();
        init(dir.path(), &["localhost".into(), "127.0.0.1".into()]).unwrap();
        assert!(init(dir.path(), &[]).unwrap_err().0.contains("already"));
        let id: Identity = "obu:5a1f3c7e00a1b2c3".parse().unwrap();
        let issued = issue(dir.path(), &id, 30).unwrap();
        assert_eq!(issued.sha256.len(), 64);
        let files = crate::TlsFiles::in_pki_dir(dir.path());
        let before = files.mqtt_server_config().unwrap();
        files.https_server_config().unwrap();
        assert!(files.client.is_some());
        files.client_config().unwrap();
        revoke(dir.path(), &id).unwrap();
        revoke(dir.path(), &id).unwrap(); // listed once
        let listed = std::fs::read_to_string(dir.path().join(REVOKED)).unwrap();
        assert_eq!(listed.lines().count(), 1);
        let after = crate::TlsFiles::in_pki_dir(dir.path())
            .mqtt_server_config()
            .unwrap();
        // A connection's certificate, checked again under the new list, is refused.
        let chain: Vec<rustls_pki_types::CertificateDer<'static>> =
            rustls_pki_types::pem::PemObject::pem_file_iter(&issued.cert)
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
        assert!(before.accepts(&chain));
        assert!(!after.accepts(&chain));
        assert!(!after.accepts(&[]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&issued.key).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0);
        }
    }
}
