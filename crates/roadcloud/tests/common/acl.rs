//! The registry's topic ACL exported for an external broker (`roadcloud devices export-acl`)
//! and held there, over TLS with the zone's client certificates: the check the Mosquitto
//! and the nats-server tests share.

use super::tls::*;
use super::*;
use rumqttc::QoS;

/// An external broker a test started, stopped when dropped.
pub struct Broker {
    /// Its process.
    pub child: Child,
    /// Its MQTT port (TLS).
    pub port: u16,
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Broker {
    /// Waits for `child` to listen on `port`, with its log at `log` for the failure.
    pub fn started(child: Child, port: u16, log: &Path) -> Broker {
        let broker = Broker { child, port };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the broker did not start: {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        broker
    }
}

/// A Mosquitto on a free loopback port with the settings `conf` (after its `listener` line),
/// its configuration and log written in `dir`; stopped when dropped. Needs the `mosquitto`
/// binary (Debian package `mosquitto`; `scripts/test.sh` installs it), on PATH, in
/// /usr/sbin, or at $MOSQUITTO.
pub fn mosquitto(dir: &Path, conf: &str) -> Broker {
    let port = free_port();
    let path = dir.join("mosquitto.conf");
    std::fs::write(&path, format!("listener {port} 127.0.0.1\n{conf}")).unwrap();
    let log_path = dir.join("mosquitto.log");
    let child = Command::new(system_binary("mosquitto", "MOSQUITTO"))
        .arg("-c")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .expect("start mosquitto");
    Broker::started(child, port, &log_path)
}

/// A binary of the system's: at `$env`, on PATH, or in /usr/sbin (where Debian puts
/// brokers).
pub fn system_binary(name: &str, env: &str) -> PathBuf {
    let candidates = std::env::var_os(env)
        .map(PathBuf::from)
        .into_iter()
        .chain(
            std::env::var_os("PATH")
                .map(|p| {
                    std::env::split_paths(&p)
                        .map(|d| d.join(name))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default(),
        )
        .chain([PathBuf::from("/usr/sbin").join(name)]);
    for c in candidates {
        if c.is_file() {
            return c;
        }
    }
    panic!("{name} not found: install it (apt-get install {name}) or set {env}");
}

/// Exports the registry's ACL in `format`, has `start(dir, pki, acl)` start the broker with
/// it, and roadcloud its client (`--broker mqtts://`, its own certificate from the PKI). A
/// device's own uplink reaches the world, another device's does not; `#`, `V2X/#`, uplinks,
/// another device's downlink and the broker's internal subjects bring nothing; the follower
/// of a closing pair gets its advisory on its own downlink.
pub fn generated_acl_holds(format: &str, start: impl FnOnce(&Path, &Path, &str) -> Broker) {
    let dir = tempfile::tempdir().unwrap();
    let (pki, data) = (dir.path().join("pki"), dir.path().join("data"));
    roadcloud(&["pki", "init", "--dir", &pki.display().to_string()], None);
    let (a, b) = (0xb1, 0xb2);
    let a_cert = issue(&pki, &data, &format!("obu:{}", vehicle_id(a)));
    let b_cert = issue(&pki, &data, &format!("obu:{}", vehicle_id(b)));
    let rsu = "5253552d41543031";
    let rsu_cert = issue(&pki, &data, &format!("rsu:{rsu}"));
    let follower_cert = issue(&pki, &data, &format!("obu:{}", hex(&FOLLOWER)));
    let viewer = add_user(&data, "vic", "viewer", None);
    let acl = roadcloud(
        &[
            "devices",
            "export-acl",
            "--format",
            format,
            "--data-dir",
            &data.display().to_string(),
        ],
        None,
    );
    assert!(acl.contains(&format!("obu:{}", vehicle_id(a))), "{acl}");
    let broker = start(dir.path(), &pki, &acl);
    let port = broker.port;
    let s = serve_secured(
        &pki,
        &data,
        &[
            "--broker",
            &format!("mqtts://localhost:{port}"),
            "--mqtt-listen",
            "off",
            ONE_MOMENT_REPEATED[0],
            ONE_MOMENT_REPEATED[1],
        ],
    );
    let (a_client, a_rx) = mqtt_connect(port, "a", &certified(&s.ca, &a_cert)).unwrap();
    publish_until(
        &a_client,
        Duration::from_secs(15),
        || bsm_of(a),
        || has_participant(&s, &viewer, &vehicle_id(a)),
    );
    for filter in [
        "#".to_string(),
        "V2X/#".into(),
        "V2X/+/+/+/UP".into(),
        format!("V2X/OBU/{}/ADVICE/DOWN", vehicle_id(b)),
        format!("V2X/OBU/{}/ADVICE/DOWN", hex(&FOLLOWER)),
        // nats-server delivers QoS 1 subscriptions through $MQTT.sub.<nuid>.
        "$MQTT/sub/#".into(),
    ] {
        a_client.subscribe(filter, QoS::AtMostOnce).unwrap();
    }
    // A posing as B.
    for _ in 0..5 {
        let (topic, payload) = bsm_of(b);
        a_client
            .publish(topic, QoS::AtLeastOnce, false, payload)
            .unwrap();
    }
    // Refused by the broker: roadcloud itself would take B's BSM on B's topic.
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !has_participant(&s, &viewer, &vehicle_id(b)),
        "A's BSMs as B passed the broker"
    );
    let (f_client, f_rx) =
        mqtt_connect(port, "follower", &certified(&s.ca, &follower_cert)).unwrap();
    f_client
        .subscribe(
            format!("V2X/OBU/{}/ADVICE/DOWN", hex(&FOLLOWER)),
            QoS::AtMostOnce,
        )
        .unwrap();
    let (rsu_client, _r) = mqtt_connect(port, "rsu", &certified(&s.ca, &rsu_cert)).unwrap();
    let (b_client, _b) = mqtt_connect(port, "b", &certified(&s.ca, &b_cert)).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let advisory = follower_advised(&rsu_client, rsu, &b_client, b, &f_rx);
    assert_eq!(
        advisory.topic,
        format!("V2X/OBU/{}/ADVICE/DOWN", hex(&FOLLOWER))
    );
    assert!(
        receives_publish(&a_rx, Duration::from_secs(2)).is_none(),
        "A received a message not its own through the broker"
    );
    // B appears from its own publishes.
    publish_until(
        &b_client,
        Duration::from_secs(15),
        || bsm_of(b),
        || has_participant(&s, &viewer, &vehicle_id(b)),
    );
}
