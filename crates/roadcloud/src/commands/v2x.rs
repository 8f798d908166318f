//! The V2X side of `roadcloud pki` (a test zone's certificate authorities, device
//! certificates, revocation) and `roadcloud sign` / `roadcloud verify` for one message.

use crate::commands::codec::{frame_from_json, octets, read_input};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use roadcloud_csae::MessageFrame;
use roadcloud_per::jer::hex;
use roadcloud_security::asn::{
    CircularRegion, GeographicRegion, Latitude, Longitude, TwoDLocation,
};
use roadcloud_security::crypto::Algorithm;
use roadcloud_security::pki::{DeviceRole, ZonePki};
use roadcloud_security::sign::{Credential, Header, SignerForm, sign};
use roadcloud_security::time::unix_ms_from_time64;
use roadcloud_security::trust::TrustStore;
use roadcloud_transport::now_millis;
use serde_json::{Value, json};
use std::path::PathBuf;

/// A test zone's V2X PKI: IEEE 1609.2 certificates for signed messages (docs/security.md).
#[derive(Args, Debug)]
pub struct V2xArgs {
    #[command(subcommand)]
    command: V2xCommand,
}

#[derive(Subcommand, Debug)]
enum V2xCommand {
    /// Create the root CA, the enrolment CA (RSUs), the pseudonym CA (vehicles) and an empty
    /// CRL in DIR. `serve --v2x-trust DIR` then verifies what their certificates sign.
    Init {
        /// The V2X PKI folder.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The signature algorithm: sm2 (SM2 with SM3, YD/T 3957-2021) or p256 (ECDSA P-256
        /// with SHA-256, IEEE 1609.2).
        #[arg(long, default_value = "sm2")]
        algorithm: Algorithm,
        /// Limit every certificate to a circle: LAT,LON,RADIUS_M (degrees, metres).
        #[arg(long, value_name = "LAT,LON,RADIUS_M", value_parser = circle)]
        region: Option<GeographicRegion>,
    },
    /// Issue a device's certificate and key (DIR/devices/NAME.coer and .key).
    Issue {
        /// The V2X PKI folder.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The file name for the certificate and key.
        #[arg(long)]
        name: String,
        /// rsu (MAP, SPAT, RSI, RSM), obu (ordinary BSMs, Day II messages) or emergency (an
        /// obu's, plus the special-vehicle BSM AIDs that may claim emergency status).
        #[arg(long)]
        role: DeviceRole,
        /// Limit the certificate to a circle: LAT,LON,RADIUS_M.
        #[arg(long, value_name = "LAT,LON,RADIUS_M", value_parser = circle)]
        region: Option<GeographicRegion>,
    },
    /// Revoke a certificate: its digest goes on the CRL (DIR/crl/crl.coer, signed anew),
    /// which `serve --v2x-trust DIR` takes within seconds, without a restart.
    Revoke {
        /// The V2X PKI folder.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The certificate (a .coer file, e.g. DIR/devices/NAME.coer).
        #[arg(long, value_name = "FILE")]
        certificate: PathBuf,
    },
}

fn circle(s: &str) -> Result<GeographicRegion, String> {
    let parts: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{e}: give LAT,LON,RADIUS_M, e.g. 31.29,121.17,20000"))?;
    let [lat, lon, radius] = parts[..] else {
        return Err("give LAT,LON,RADIUS_M, e.g. 31.29,121.17,20000".into());
    };
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err("latitude and longitude out of range".into());
    }
    Ok(GeographicRegion::CircularRegion(CircularRegion {
        center: TwoDLocation {
            latitude: Latitude((lat * 1e7).round() as i32),
            longitude: Longitude((lon * 1e7).round() as i32),
        },
        radius: u16::try_from(radius.round() as i64)
            .map_err(|_| "the radius is at most 65535 m".to_string())?,
    }))
}

/// Runs `roadcloud pki v2x`.
pub fn v2x(args: &V2xArgs) -> Result<()> {
    let err = |e: String| anyhow::anyhow!(e);
    match &args.command {
        V2xCommand::Init {
            dir,
            algorithm,
            region,
        } => {
            let pki = ZonePki::init(dir, *algorithm, region.clone(), now_millis()).map_err(err)?;
            println!(
                "made a {} V2X PKI in {}: root {}, enrolment and pseudonym CAs, an empty CRL\n\
                 verify with: roadcloud serve --v2x-trust {}",
                algorithm.as_str(),
                dir.display(),
                hex(&pki.root().digest),
                dir.display()
            );
        }
        V2xCommand::Issue {
            dir,
            name,
            role,
            region,
        } => {
            let pki = ZonePki::open(dir).map_err(err)?;
            let c = pki
                .issue_device(name, *role, region.clone(), now_millis(), true)
                .map_err(err)?;
            println!(
                "issued {} (digest {}) in {}",
                name,
                hex(&c.digest),
                dir.join("devices").display()
            );
        }
        V2xCommand::Revoke { dir, certificate } => {
            let pki = ZonePki::open(dir).map_err(err)?;
            let bytes = std::fs::read(certificate)
                .with_context(|| format!("cannot read {}", certificate.display()))?;
            let id10 = pki.revoke(&bytes, now_millis()).map_err(err)?;
            println!(
                "revoked {id10} (HashedId10); the CRL {} is signed anew",
                dir.join("crl/crl.coer").display()
            );
        }
    }
    Ok(())
}

/// Sign one message as a device does: a MessageFrame (JSON, or UPER as hex or octets) in,
/// the signed message (an IEEE 1609.2 Ieee1609Dot2Data in COER) out as hex.
///
/// Examples:
///   roadcloud pki v2x issue --dir v2x --name car1 --role obu
///   roadcloud encode bsm.json | roadcloud sign --dir v2x --name car1 > bsm.spdu.hex
///   roadcloud sign --dir v2x --name car1 bsm.json
#[derive(Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct SignArgs {
    /// The message: a MessageFrame as JSON, or its UPER as hex or octets (- or none: standard
    /// input).
    input: Option<PathBuf>,
    /// The V2X PKI folder the signer's certificate is in.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// The signer: DIR/devices/NAME.coer and .key.
    #[arg(long)]
    name: String,
    /// The AID (PSID) to sign under; by default the message's usual one (BSM 111, an
    /// emergency vehicle's BSM 113, MAP 3618, SPAT 3619, RSI 3622, RSM 3623, Day II 3640).
    #[arg(long)]
    aid: Option<u64>,
    /// Name the signer by its certificate's digest instead of including the certificate.
    #[arg(long)]
    by_digest: bool,
}

fn read_message(input: Option<&PathBuf>) -> Result<MessageFrame> {
    let raw = read_input(input)?;
    if raw.trim_ascii_start().starts_with(b"{") {
        return frame_from_json(&raw);
    }
    roadcloud_csae::decode(&octets(raw)?).context("the input is not a UPER MessageFrame")
}

/// Runs `roadcloud sign`.
pub fn sign_one(args: &SignArgs) -> Result<()> {
    let message = read_message(args.input.as_ref())?;
    let credential = Credential::load(&args.dir.join("devices"), &args.name)
        .map_err(|e| anyhow::anyhow!("{e} (issue one with `roadcloud pki v2x issue`)"))?;
    let aid = match args.aid {
        Some(aid) => aid,
        None => roadcloud_sim::signed_as(&message)
            .map(|(_, aid)| aid)
            .context("a message of a newer version has no usual AID: give --aid")?,
    };
    let payload = roadcloud_csae::encode(&message).context("cannot encode the MessageFrame")?;
    let header = Header::at(now_millis());
    let form = if args.by_digest {
        SignerForm::Digest
    } else {
        SignerForm::Certificate
    };
    println!("{}", hex(&sign(&payload, aid, header, &credential, form)));
    Ok(())
}

/// Verify one signed message against a zone's trust anchors: the verdict, and the message as
/// JSON when it holds; exit status 1 with the reason when it does not.
///
/// Examples:
///   roadcloud sign --dir v2x --name car1 bsm.json | roadcloud verify --trust v2x
#[derive(Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct VerifyArgs {
    /// The signed message as hex or octets (- or none: standard input).
    input: Option<PathBuf>,
    /// The zone's V2X trust folder (roots/, certs/, crl/), as `serve --v2x-trust` takes it.
    #[arg(long, value_name = "DIR")]
    trust: PathBuf,
    /// Verify as of this time, Unix milliseconds (default: now).
    #[arg(long)]
    at_ms: Option<i64>,
}

/// Runs `roadcloud verify`.
pub fn verify_one(args: &VerifyArgs) -> Result<()> {
    let bytes = octets(read_input(args.input.as_ref())?)?;
    if bytes.is_empty() {
        bail!("the input is empty: give a signed message as hex or octets");
    }
    let store = TrustStore::load_dir(&args.trust).map_err(|e| anyhow::anyhow!(e))?;
    let at = args.at_ms.unwrap_or_else(now_millis);
    let v = store
        .verify(&bytes, at)
        .map_err(|f| anyhow::anyhow!("not verified ({}): {f}", f.as_str()))?;
    let frame: Value = match roadcloud_csae::decode::<MessageFrame>(&v.payload) {
        Ok(m) => roadcloud_per::to_json(&m),
        Err(e) => json!({ "undecodable": e.to_string() }),
    };
    let out = json!({
        "verified": true,
        "signer": hex(&v.signer.digest),
        "signer_id": v.signer.name,
        "aid": v.psid,
        "generated_at_ms": unix_ms_from_time64(v.generation_time),
        "message": frame,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}
