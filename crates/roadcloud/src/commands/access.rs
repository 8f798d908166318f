//! `roadcloud pki`, `roadcloud devices` and `roadcloud users`: who may get in (issue 14).
//!
//! They write the registry in the data directory's database, beside a running `serve`
//! (which reloads the device registry within seconds), and each change goes to the audit
//! log as done by `cli`.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use roadcloud_access::device::parse_messages;
use roadcloud_access::secret::{hash_password, new_token, sha256_hex};
use roadcloud_access::{Device, Identity, Role};
use roadcloud_store::Registry;
use roadcloud_transport::mqtt::UPLINK_FILTERS;
use std::io::Read;
use std::path::PathBuf;

/// The data directory, as `serve` takes it.
#[derive(Args, Debug, Clone)]
pub struct DataDir {
    /// Where the database (roadcloud.db) is kept: the same as `serve --data-dir`.
    #[arg(long, default_value = "roadcloud-data", value_name = "DIR")]
    pub data_dir: PathBuf,
}

impl DataDir {
    fn open(&self) -> Result<Registry> {
        Registry::open(&self.data_dir).with_context(|| {
            format!(
                "cannot open the registry in {} (choose it with --data-dir)",
                self.data_dir.display()
            )
        })
    }
}

fn audit(r: &Registry, action: &str, target: &str, detail: Option<String>) -> Result<()> {
    r.audit("cli", "cli", action, target, detail.as_deref())?;
    Ok(())
}

fn password_from_stdin() -> Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("cannot read the password from standard input")?;
    let p = s.trim_end_matches(['\r', '\n']).to_string();
    roadcloud_access::secret::check_password(&p).map_err(anyhow::Error::msg)?;
    Ok(p)
}

/// A zone's private PKI: a CA, roadcloud's server certificate, a certificate per device.
///
/// Examples:
///   roadcloud pki init --dir pki --name rc.zone.example --name 10.0.0.5
///   roadcloud pki issue --dir pki --device obu:5a1f3c7e00a1b2c3
///   roadcloud pki revoke --dir pki --device obu:5a1f3c7e00a1b2c3
///   roadcloud serve --pki pki --mqtt-listen 0.0.0.0:8883 --http-listen 0.0.0.0:8443
#[derive(Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct PkiArgs {
    #[command(subcommand)]
    command: PkiCommand,
}

#[derive(Subcommand, Debug)]
enum PkiCommand {
    /// The V2X side: certificates that sign messages (IEEE 1609.2 / YD/T 3957-2021).
    V2x(crate::commands::v2x::V2xArgs),
    /// Create the CA (DIR/ca.crt), the server certificate and an empty revocation list.
    Init {
        /// The PKI folder.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// A DNS name or IP address the server certificate is for (repeat for several).
        #[arg(long = "name", value_name = "NAME", default_values = ["localhost", "127.0.0.1"])]
        names: Vec<String>,
    },
    /// Issue a device's client certificate (DIR/devices/{ID}.crt and .key) and register the
    /// device (enabled, with that certificate).
    Issue {
        /// The PKI folder.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The device: obu:ID, rsu:ID or vru:ID (ID: 16 hex digits).
        #[arg(long, value_name = "KIND:ID")]
        device: Identity,
        /// How long the certificate is valid, days.
        #[arg(long, default_value_t = 365)]
        days: i64,
        #[command(flatten)]
        data: DataDir,
    },
    /// Revoke a device's certificate (put on the revocation list, which serve takes within
    /// seconds) and disable the device (refused from its next CONNECT, disconnected within
    /// seconds).
    Revoke {
        /// The PKI folder.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
        /// The device: obu:ID, rsu:ID or vru:ID.
        #[arg(long, value_name = "KIND:ID")]
        device: Identity,
        #[command(flatten)]
        data: DataDir,
    },
}

/// Runs `roadcloud pki`.
pub fn pki(args: &PkiArgs) -> Result<()> {
    match &args.command {
        PkiCommand::V2x(v2x) => crate::commands::v2x::v2x(v2x)?,
        PkiCommand::Init { dir, names } => {
            roadcloud_tls::pki::init(dir, names)?;
            println!(
                "created the zone's CA ({}) and a server certificate for {}",
                dir.join(roadcloud_tls::pki::CA_CERT).display(),
                names.join(", ")
            );
        }
        PkiCommand::Issue {
            dir,
            device,
            days,
            data,
        } => {
            let registry = data.open()?;
            let issued = roadcloud_tls::pki::issue(dir, device, *days)?;
            let mut d = registry
                .device(device)?
                .unwrap_or_else(|| Device::new(*device));
            d.certificate_sha256 = Some(issued.sha256.clone());
            d.enabled = true;
            registry.put_device(&d)?;
            audit(
                &registry,
                "device.certificate",
                &device.to_string(),
                Some(format!("{{\"sha256\":\"{}\"}}", issued.sha256)),
            )?;
            println!(
                "issued {} ({}) and registered {device}",
                issued.cert.display(),
                issued.key.display()
            );
        }
        PkiCommand::Revoke { dir, device, data } => {
            let registry = data.open()?;
            roadcloud_tls::pki::revoke(dir, device)?;
            if let Some(mut d) = registry.device(device)? {
                d.enabled = false;
                registry.put_device(&d)?;
            }
            audit(&registry, "device.revoke", &device.to_string(), None)?;
            println!("revoked the certificate of {device} and disabled it");
        }
    }
    Ok(())
}

/// The device registry: which devices may connect, and what each may send.
///
/// Examples:
///   roadcloud devices add rsu:5253552d41543031 --position 31.2866,121.1655
///   echo 's3cret-pass' | roadcloud devices add obu:5a1f3c7e00a1b2c3 --password-stdin
///   roadcloud devices disable obu:5a1f3c7e00a1b2c3
///   roadcloud devices list
///   roadcloud devices export-acl --format mosquitto > acl.conf
#[derive(Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct DevicesArgs {
    #[command(subcommand)]
    command: DevicesCommand,
}

#[derive(Subcommand, Debug)]
enum DevicesCommand {
    /// Register a device, or change a registered one.
    Add {
        /// The device: obu:ID, rsu:ID or vru:ID (ID: 16 hex digits).
        device: Identity,
        /// The messages it may send, as topic segments (default: its kind's, docs/topics.md).
        #[arg(long, value_name = "LIST")]
        may_send: Option<String>,
        /// Where an RSU stands: LAT,LON in degrees.
        #[arg(long, value_name = "LAT,LON")]
        position: Option<String>,
        /// Read its MQTT password from standard input (for a device without a client
        /// certificate; its MQTT user name is KIND:ID).
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        data: DataDir,
    },
    /// Let a disabled device connect again.
    Enable {
        /// The device.
        device: Identity,
        #[command(flatten)]
        data: DataDir,
    },
    /// Refuse a device from its next CONNECT, and disconnect it within seconds.
    Disable {
        /// The device.
        device: Identity,
        #[command(flatten)]
        data: DataDir,
    },
    /// List the registered devices.
    List {
        #[command(flatten)]
        data: DataDir,
    },
    /// Write the registry's topic ACL for an external broker to standard output.
    ExportAcl {
        /// The broker's ACL format.
        #[arg(long, value_enum)]
        format: AclFormat,
        /// The user name roadcloud connects to the broker with.
        #[arg(long, default_value = "roadcloud")]
        roadcloud_user: String,
        #[command(flatten)]
        data: DataDir,
    },
}

/// An external broker's ACL format.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum AclFormat {
    /// Mosquitto's acl_file (with `use_identity_as_username true` for certificates).
    Mosquitto,
    /// nats-server's `authorization` block for its MQTT listener (with `verify_and_map`:
    /// devices by their certificates).
    Nats,
}

fn parse_position(s: &str) -> Result<(f64, f64)> {
    let bad = || anyhow::anyhow!("--position must be LAT,LON in degrees, e.g. 31.2866,121.1655");
    let (lat, lon) = s.split_once(',').ok_or_else(bad)?;
    let (lat, lon): (f64, f64) = (
        lat.trim().parse().map_err(|_| bad())?,
        lon.trim().parse().map_err(|_| bad())?,
    );
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(bad());
    }
    Ok((lat, lon))
}

fn set_enabled(data: &DataDir, device: &Identity, enabled: bool) -> Result<()> {
    let registry = data.open()?;
    let Some(mut d) = registry.device(device)? else {
        bail!("{device} is not registered (roadcloud devices list shows who is)");
    };
    d.enabled = enabled;
    registry.put_device(&d)?;
    let action = if enabled {
        "device.enable"
    } else {
        "device.disable"
    };
    audit(&registry, action, &device.to_string(), None)?;
    println!("{device} {}", if enabled { "enabled" } else { "disabled" });
    Ok(())
}

/// Runs `roadcloud devices`.
pub fn devices(args: &DevicesArgs) -> Result<()> {
    match &args.command {
        DevicesCommand::Add {
            device,
            may_send,
            position,
            password_stdin,
            data,
        } => {
            let registry = data.open()?;
            let mut d = registry
                .device(device)?
                .unwrap_or_else(|| Device::new(*device));
            if let Some(m) = may_send {
                d.may_send = parse_messages(m).map_err(anyhow::Error::msg)?;
            }
            if let Some(p) = position {
                d.position = Some(parse_position(p)?);
            }
            if *password_stdin {
                d.password_hash = Some(hash_password(&password_from_stdin()?)?);
            }
            registry.put_device(&d)?;
            audit(&registry, "device.add", &device.to_string(), None)?;
            println!("registered {device}");
        }
        DevicesCommand::Enable { device, data } => set_enabled(data, device, true)?,
        DevicesCommand::Disable { device, data } => set_enabled(data, device, false)?,
        DevicesCommand::List { data } => {
            for d in data.open()?.devices()? {
                let m: Vec<&str> = d.may_send.iter().map(|m| m.as_str()).collect();
                println!(
                    "{}\t{}\tmay send {}\t{}{}",
                    d.identity,
                    if d.enabled { "enabled" } else { "disabled" },
                    m.join(","),
                    if d.certificate_sha256.is_some() {
                        "certificate"
                    } else {
                        ""
                    },
                    if d.password_hash.is_some() {
                        " password"
                    } else {
                        ""
                    },
                );
            }
        }
        DevicesCommand::ExportAcl {
            format,
            roadcloud_user,
            data,
        } => {
            let devices = data.open()?.devices()?;
            print!(
                "{}",
                match format {
                    AclFormat::Mosquitto => mosquitto_acl(&devices, roadcloud_user),
                    AclFormat::Nats => nats_authorization(&devices, roadcloud_user),
                }
            )
        }
    }
    Ok(())
}

/// The registry as a Mosquitto `acl_file`: each enabled device writes its own uplinks of the
/// messages it may send and reads its own downlinks; roadcloud reads every uplink and writes
/// every downlink; nobody else gets anything (Mosquitto denies what no line allows).
pub fn mosquitto_acl(devices: &[Device], roadcloud_user: &str) -> String {
    let mut out = String::from(
        "# Generated by `roadcloud devices export-acl --format mosquitto`: the device registry's\n\
         # topic ACL. Devices authenticate with client certificates (use_identity_as_username\n\
         # true: the CN is KIND:ID) or as user KIND:ID with a password.\n\n",
    );
    out += &format!(
        "user {roadcloud_user}\ntopic read V2X/+/+/+/UP\ntopic read V2X/+/+/+/UP/JSON\ntopic write V2X/+/+/+/DOWN\n"
    );
    for d in devices.iter().filter(|d| d.enabled) {
        let prefix = d.topic_prefix();
        out += &format!("\nuser {}\n", d.identity);
        for m in &d.may_send {
            out += &format!(
                "topic write {prefix}{0}/UP\ntopic write {prefix}{0}/UP/JSON\n",
                m.as_str()
            );
        }
        out += &format!("topic read {prefix}+/DOWN\n");
    }
    out
}

/// The registry as nats-server's `authorization` block, for an MQTT listener with
/// `tls { verify_and_map: true }`: each enabled device, known by its certificate's subject,
/// publishes its own uplinks of the messages it may send and subscribes to its own
/// downlinks; roadcloud (its certificate's CN `roadcloud_user`) subscribes to every uplink
/// and publishes every downlink; users are MQTT-only. NATS maps an MQTT topic to a subject
/// by turning `/` into `.`; a QoS 1 subscription delivers through `$MQTT.sub.<nuid>`, which
/// each user must be let subscribe to. A device that logs in with a password is left out
/// (nats-server takes bcrypt, the registry keeps Argon2id): give it a certificate.
pub fn nats_authorization(devices: &[Device], roadcloud_user: &str) -> String {
    let subject = |topic: &str| topic.replace('/', ".").replace('+', "*");
    let list = |items: &[String]| {
        items
            .iter()
            .map(|i| format!("\"{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let user = |cn: &str, publish: &[String], subscribe: &[String]| {
        format!(
            "    {{user: \"CN={cn},O=roadcloud zone\", allowed_connection_types: [\"MQTT\"],\n     \
             permissions: {{publish: [{}], subscribe: [{}]}}}}\n",
            list(publish),
            list(subscribe)
        )
    };
    let mut out = String::from(
        "# Generated by `roadcloud devices export-acl --format nats`: the device registry's\n\
         # topic ACL for nats-server's MQTT listener. Include it from the server's configuration,\n\
         # beside `jetstream`, `server_name` and\n\
         #   mqtt { listen: ..., tls { cert_file: ..., key_file: ..., ca_file: ..., verify_and_map: true } }\n\
         # Devices are known by their client certificate's subject (CN KIND:ID).\n\n\
         authorization {\n  users = [\n",
    );
    let qos1 = "$MQTT.sub.>".to_string();
    let uplinks: Vec<String> = UPLINK_FILTERS.iter().map(|f| subject(f)).collect();
    out += &user(
        roadcloud_user,
        &[subject("V2X/+/+/+/DOWN")],
        &[uplinks, vec![qos1.clone()]].concat(),
    );
    let mut left_out = Vec::new();
    for d in devices.iter().filter(|d| d.enabled) {
        if d.certificate_sha256.is_none() {
            left_out.push(d.identity.to_string());
            continue;
        }
        let prefix = d.topic_prefix();
        let publish: Vec<String> = d
            .may_send
            .iter()
            .flat_map(|m| {
                [
                    subject(&format!("{prefix}{}/UP", m.as_str())),
                    subject(&format!("{prefix}{}/UP/JSON", m.as_str())),
                ]
            })
            .collect();
        out += &user(
            &d.identity.to_string(),
            &publish,
            &[subject(&format!("{prefix}+/DOWN")), qos1.clone()],
        );
    }
    out += "  ]\n}\n";
    if !left_out.is_empty() {
        out += &format!(
            "# Left out, without a certificate (nats-server cannot check the registry's Argon2id\n\
             # passwords): {}\n",
            left_out.join(", ")
        );
    }
    out
}

/// Operator accounts for the API and the web map.
///
/// Examples:
///   roadcloud users add --name ana --role operator          (prints an API token)
///   echo 'a long passphrase' | roadcloud users add --name ana --role operator --password-stdin
///   curl --cacert pki/ca.crt -H "Authorization: Bearer TOKEN" https://127.0.0.1:8443/api/v1/apps
///   roadcloud users remove --name ana
///
/// An admin can do the same through the API: /api/v1/registry/users (docs/security.md).
#[derive(Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct UsersArgs {
    #[command(subcommand)]
    command: UsersCommand,
}

#[derive(Subcommand, Debug)]
enum UsersCommand {
    /// Create a user (or change its role and password), and print a new API token for it on
    /// the last line.
    Add {
        /// The user name.
        #[arg(long)]
        name: String,
        /// viewer (reads), operator (also switches applications and changes parameters) or
        /// admin (also devices and users).
        #[arg(long)]
        role: Role,
        /// Read a password for the web map's login from standard input.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        data: DataDir,
    },
    /// List the users and their roles.
    List {
        #[command(flatten)]
        data: DataDir,
    },
    /// Remove a user and every API token of it (its logins end at once).
    Remove {
        /// The user name.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        data: DataDir,
    },
}

/// Runs `roadcloud users`.
pub fn users(args: &UsersArgs) -> Result<()> {
    match &args.command {
        UsersCommand::Add {
            name,
            role,
            password_stdin,
            data,
        } => {
            roadcloud_access::operator::check_user_name(name).map_err(anyhow::Error::msg)?;
            let registry = data.open()?;
            let hash = if *password_stdin {
                Some(hash_password(&password_from_stdin()?)?)
            } else {
                registry.user_password(name)?.and_then(|(_, h)| h)
            };
            registry.put_user(name, *role, hash.as_deref())?;
            let token = new_token()?;
            registry.add_token(name, &sha256_hex(token.as_bytes()))?;
            audit(
                &registry,
                "user.add",
                name,
                Some(format!("{{\"role\":\"{role}\"}}")),
            )?;
            eprintln!("user {name} ({role}) added; its API token (shown once):");
            println!("{token}");
        }
        UsersCommand::List { data } => {
            for u in data.open()?.users()? {
                println!("{}\t{}", u.name, u.role);
            }
        }
        UsersCommand::Remove { name, data } => {
            let registry = data.open()?;
            if !registry.remove_user(name)? {
                bail!("there is no user {name} (roadcloud users list shows who there is)");
            }
            audit(&registry, "user.remove", name, None)?;
            println!("removed user {name} and its tokens");
        }
    }
    Ok(())
}
