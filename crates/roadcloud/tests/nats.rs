//! roadcloud behind a real nats-server's MQTT listener, with the device registry's ACL as
//! `roadcloud devices export-acl --format nats` writes it (the `authorization` block, devices
//! known by their client certificates through `verify_and_map`).
//!
//! Needs the `nats-server` binary (Debian package `nats-server`; `scripts/test.sh` installs
//! it), found on PATH, in /usr/sbin, or at $NATS_SERVER.

mod common;

use common::acl::{Broker, generated_acl_holds, system_binary};
use common::free_port;
use std::process::{Command, Stdio};

/// The ACL holds on nats-server as on Mosquitto (`common::acl` says what is checked).
#[test]
fn the_generated_acl_holds_on_nats_server() {
    generated_acl_holds("nats", |dir, pki, acl| {
        std::fs::write(dir.join("authorization.conf"), acl).unwrap();
        let (port, client_port) = (free_port(), free_port());
        let conf = dir.join("nats.conf");
        std::fs::write(
            &conf,
            format!(
                "server_name: roadcloud_test\n\
                 listen: 127.0.0.1:{client_port}\n\
                 jetstream {{ store_dir: \"{js}\" }}\n\
                 mqtt {{\n  listen: 127.0.0.1:{port}\n  tls {{\n    cert_file: \"{cert}\"\n    \
                 key_file: \"{key}\"\n    ca_file: \"{ca}\"\n    verify_and_map: true\n  }}\n}}\n\
                 include ./authorization.conf\n",
                js = dir.join("js").display(),
                ca = pki.join("ca.crt").display(),
                cert = pki.join("server.crt").display(),
                key = pki.join("server.key").display(),
            ),
        )
        .unwrap();
        let log_path = dir.join("nats.log");
        let child = Command::new(system_binary("nats-server", "NATS_SERVER"))
            .arg("-c")
            .arg(&conf)
            .arg("-l")
            .arg(&log_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server");
        Broker::started(child, port, &log_path)
    });
}
