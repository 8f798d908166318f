//! Helpers of the end-to-end tests: a `roadcloud serve` child process on free ports, a tiny
//! HTTP client, MQTT clients, and vectors re-stamped to now.

#![allow(dead_code)]

pub mod acl;
pub mod browser;
pub mod tls;

use roadcloud_csae::{DSecond, MessageFrame};
use rumqttc::{Client, MqttOptions};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Server {
    pub child: Child,
    pub mqtt: u16,
    pub http: u16,
    pub udp: u16,
    /// The data directory, removed with the server unless it was given.
    pub data_dir: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn start() -> Server {
    start_with(&[])
}

pub fn start_with(extra: &[&str]) -> Server {
    launch_temp("serve", extra)
}

/// `roadcloud demo`: the platform with the simulated zone, in a temporary data directory.
pub fn start_demo(extra: &[&str]) -> Server {
    launch_temp("demo", extra)
}

fn launch_temp(command: &str, extra: &[&str]) -> Server {
    let temp = tempfile::tempdir().expect("a temporary data directory");
    let dir = temp.path().to_path_buf();
    let mut s = launch(command, &dir, extra);
    s._temp = Some(temp);
    s
}

/// Starts a server whose data directory is `dir` (kept when the server goes). Listen
/// addresses are free loopback ports unless `extra` gives them.
pub fn start_in(dir: &Path, extra: &[&str]) -> Server {
    launch("serve", dir, extra)
}

fn launch(command: &str, dir: &Path, extra: &[&str]) -> Server {
    // A port `extra` gives is the server's; the others are free ones, found again on each try.
    let given = |flag: &str| {
        let i = extra.iter().position(|a| *a == flag)?;
        extra.get(i + 1)?.rsplit(':').next()?.parse::<u16>().ok()
    };
    start_answering(
        || {
            let mqtt = given("--mqtt-listen").unwrap_or_else(free_port);
            let http = given("--http-listen").unwrap_or_else(free_port);
            let udp = given("--udp-listen").unwrap_or_else(free_udp_port);
            let child = spawn_roadcloud(
                vec![command.into()],
                [
                    ("--mqtt-listen", format!("127.0.0.1:{mqtt}")),
                    ("--http-listen", format!("127.0.0.1:{http}")),
                    ("--udp-listen", format!("127.0.0.1:{udp}")),
                    ("--data-dir", dir.display().to_string()),
                ],
                extra,
            );
            Server {
                child,
                mqtt,
                http,
                udp,
                data_dir: dir.to_path_buf(),
                _temp: None,
            }
        },
        |s| (&mut s.child, s.http),
    )
}

/// Starts a roadcloud process with `start` until it answers `GET /healthz` on the port
/// `child` names beside it. A port found free may be taken by a test running beside this
/// one before roadcloud binds it, and roadcloud then exits: it is started again, on the
/// other free ports `start` finds (three tries).
pub fn start_answering<S>(
    mut start: impl FnMut() -> S,
    child: impl Fn(&mut S) -> (&mut Child, u16),
) -> S {
    const LIMIT: Duration = Duration::from_secs(30);
    for _ in 0..3 {
        let mut s = start();
        let begun = Instant::now();
        loop {
            let (process, port) = child(&mut s);
            if let Some(status) = process.try_wait().ok().flatten() {
                eprintln!("roadcloud exited ({status}) before it answered; starting it again");
                break;
            }
            if get(port, "/healthz").is_some_and(|(c, _)| c == 200) {
                return s;
            }
            assert!(
                begun.elapsed() < LIMIT,
                "roadcloud runs but did not answer /healthz within {LIMIT:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("roadcloud exited three times before it answered /healthz");
}

/// Starts `roadcloud ARGS DEFAULTS EXTRA`: each of `defaults` (a flag and its value) unless
/// `extra` gives that flag itself. `serve` admits unsigned messages (`--allow-unsigned`, as
/// most tests send them) unless `extra` gives the zone's trust with `--v2x-trust`.
pub fn spawn_roadcloud<const N: usize>(
    mut args: Vec<String>,
    defaults: [(&str, String); N],
    extra: &[&str],
) -> Child {
    for (flag, value) in defaults {
        if !extra.contains(&flag) {
            args.extend([flag.to_string(), value]);
        }
    }
    if args.first().is_some_and(|a| a == "serve")
        && !extra
            .iter()
            .any(|a| *a == "--v2x-trust" || *a == "--allow-unsigned")
    {
        args.push("--allow-unsigned".into());
    }
    Command::new(env!("CARGO_BIN_EXE_roadcloud"))
        .args(&args)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start roadcloud")
}

/// A minimal HTTP GET: (status, body).
pub fn get(port: u16, path: &str) -> Option<(u16, String)> {
    request(port, "GET", path, "")
}

/// An HTTP request with a JSON body; the status and the body of the answer.
pub fn request(port: u16, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n")?.1.to_string();
    Some((status, body))
}

pub fn get_json(port: u16, path: &str) -> serde_json::Value {
    let (status, body) = get(port, path).expect("HTTP answer");
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).expect("JSON")
}

/// A counter or gauge of `/metrics` (without labels); None while the server is away or
/// does not have it.
pub fn metric(port: u16, name: &str) -> Option<f64> {
    let (_, body) = get(port, "/metrics")?;
    body.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

pub fn wait_until(limit: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "timed out");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn vector(name: &str) -> MessageFrame {
    roadcloud_testkit::vector53(name)
}

/// Milliseconds of the current UTC minute: the secMark of a message generated now.
pub fn sec_mark_now() -> u16 {
    (SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        % 60_000) as u16
}

/// Re-stamps a SPAT to now: no minute of the year, the millisecond of this minute, at the
/// frame and at every intersection.
pub fn restamp_spat(spat: &mut roadcloud_csae::Spat) {
    spat.moy = None;
    spat.time_stamp = Some(DSecond(sec_mark_now()));
    for i in &mut spat.intersections.0 {
        i.moy = None;
        i.time_stamp = spat.time_stamp;
    }
}

/// A connected MQTT client whose event loop runs on its own thread.
pub fn client(port: u16, name: &str) -> Client {
    let mut o = MqttOptions::new(name, "127.0.0.1", port);
    o.set_keep_alive(Duration::from_secs(5));
    let (c, mut conn) = Client::new(o, 100);
    std::thread::spawn(move || for _ in conn.iter() {});
    c
}

/// The advisories (JSON) every vehicle gets, as they come, from a client subscribed to all
/// vehicles' downlinks.
pub fn advisory_feed(port: u16, name: &str) -> std::sync::mpsc::Receiver<serde_json::Value> {
    let (tx, rx) = std::sync::mpsc::channel();
    let mut o = MqttOptions::new(name, "127.0.0.1", port);
    o.set_keep_alive(Duration::from_secs(5));
    let (c, mut conn) = Client::new(o, 100);
    c.subscribe("V2X/OBU/+/ADVICE/DOWN", rumqttc::QoS::AtLeastOnce)
        .expect("subscribe");
    std::thread::spawn(move || {
        let _client = c;
        for ev in conn.iter() {
            if let Ok(rumqttc::Event::Incoming(rumqttc::Packet::Publish(p))) = ev
                && let Ok(v) = serde_json::from_slice(&p.payload)
                && tx.send(v).is_err()
            {
                return;
            }
        }
    });
    rx
}

/// The MAP, SPAT and RSI vectors of one roadside unit, ready to publish: the RSI's events and
/// signs made open-ended (the vector's ended in October 2024). Returns the RSU's id too.
pub fn road_vectors() -> (
    String,
    roadcloud_csae::MapData,
    roadcloud_csae::Spat,
    roadcloud_csae::RoadSideInformation,
) {
    let MessageFrame::MapFrame(map) = vector("map_01_anting_4arm") else {
        panic!("the MAP vector is a MAP")
    };
    let MessageFrame::SpatFrame(spat) = vector("spat_01_anting_counting") else {
        panic!("the SPAT vector is a SPAT")
    };
    let MessageFrame::RsiFrame(mut rsi) = vector("rsi_03_event_and_signs") else {
        panic!("the RSI vector is an RSI")
    };
    for e in rsi.rtes.iter_mut().flat_map(|l| l.0.iter_mut()) {
        e.time_details = None;
    }
    for t in rsi.rtss.iter_mut().flat_map(|l| l.0.iter_mut()) {
        t.time_details = None;
    }
    (
        roadcloud_transport::DeviceId(rsi.id).to_string(),
        map,
        spat,
        rsi,
    )
}

/// Publishes an RSU's MAP, SPAT (re-stamped to now) and RSI once, without waiting.
pub fn publish_road(
    c: &Client,
    rsu: &str,
    map: &roadcloud_csae::MapData,
    spat: &mut roadcloud_csae::Spat,
    rsi: &roadcloud_csae::RoadSideInformation,
) {
    restamp_spat(spat);
    for (kind, frame) in [
        ("MAP", MessageFrame::MapFrame(map.clone())),
        ("SPAT", MessageFrame::SpatFrame(spat.clone())),
        ("RSI", MessageFrame::RsiFrame(rsi.clone())),
    ] {
        // Never blocks: a test's server may be gone (killed on purpose); callers that need
        // the message publish again until they see its effect.
        let _ = c.try_publish(
            format!("V2X/RSU/{rsu}/{kind}/UP"),
            rumqttc::QoS::AtLeastOnce,
            false,
            roadcloud_csae::encode(&frame).unwrap(),
        );
    }
}

/// Vehicle `n`'s id in hex, as in its topic.
pub fn vehicle_id(n: u64) -> String {
    roadcloud_transport::DeviceId((0x5a00_0000_0000_0000 | n).to_be_bytes()).to_string()
}

/// Publishes vehicle `n`'s BSM, generated now, `n` × 10 m north of the vector's position,
/// without waiting.
pub fn publish_bsm(c: &Client, n: u64) {
    let MessageFrame::BsmFrame(mut bsm) = vector("bsm_01_passenger_car") else {
        panic!("the BSM vector is a BSM")
    };
    bsm.id = (0x5a00_0000_0000_0000 | n).to_be_bytes();
    bsm.sec_mark = DSecond(sec_mark_now());
    bsm.pos.lat.0 += (n as i32) * 900;
    // Each on a heading a little its own (DE_Heading 0.0125°): cars reporting the same
    // motion at the same moments move as one, as only a Sybil's ghosts do.
    bsm.heading.0 += n as u16;
    let _ = c.try_publish(
        format!("V2X/OBU/{}/BSM/UP", vehicle_id(n)),
        rumqttc::QoS::AtMostOnce,
        false,
        roadcloud_csae::encode(&MessageFrame::BsmFrame(bsm)).unwrap(),
    );
}

/// `serve`'s flags for a test whose vehicles repeat one moment of a drive ([`closing_pair`],
/// and pairs like it): their positions do not follow the speeds they report, which
/// misbehaviour detection's default, `enforce`, rightly quarantines (and no advisory then
/// rests on them). A test of something else runs detection in `monitor` mode; detection has
/// tests of its own (tests/misbehaviour.rs, crates/misbehaviour/tests).
pub const ONE_MOMENT_REPEATED: [&str; 2] = ["--misbehaviour", "monitor"];

/// The follower of [`publish_closing_pair`].
pub const FOLLOWER: [u8; 8] = [0x5a, 0xfc, 0, 0, 0, 0, 0, 1];
/// Its leader.
pub const LEADER: [u8; 8] = [0x5a, 0xfc, 0, 0, 0, 0, 0, 2];

/// An 8-octet id in hex, as in the topics.
pub fn hex(id: &[u8; 8]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

/// A follower at 15 m/s closing on a leader at 5 m/s 20 m ahead, both northbound: a time to
/// collision near 1.5 s, as they would report it now.
pub fn publish_closing_pair(c: &rumqttc::Client) {
    for (id, payload) in closing_pair() {
        let _ = c.try_publish(
            format!("V2X/OBU/{}/BSM/UP", hex(&id)),
            rumqttc::QoS::AtMostOnce,
            false,
            payload,
        );
    }
}

/// The BSMs (UPER) of [`publish_closing_pair`]'s follower and leader, as of now.
pub fn closing_pair() -> Vec<([u8; 8], Vec<u8>)> {
    static START: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let frame = roadcloud_world::LocalFrame::new(31.2866, 121.1655);
    let now = roadcloud_transport::now_millis();
    // Both drive north (15 m/s from the first call on), 20 m apart: each track gets the path
    // that tells the applications, without MAP, that one is ahead of the other in its lane.
    let north_m = 500.0 + 15.0 * (now - *START.get_or_init(|| now)) as f64 / 1000.0;
    [
        roadcloud_sim::messages::VehicleState::car(
            FOLLOWER,
            roadcloud_world::Point {
                east_m: 500.0,
                north_m,
            },
            0.0,
            15.0,
        ),
        roadcloud_sim::messages::VehicleState::car(
            LEADER,
            roadcloud_world::Point {
                east_m: 500.0,
                north_m: north_m + 20.0,
            },
            0.0,
            5.0,
        ),
    ]
    .into_iter()
    .map(|v| {
        let payload = roadcloud_csae::encode(&MessageFrame::BsmFrame(
            roadcloud_sim::messages::bsm(&frame, &v, 0, now),
        ))
        .unwrap();
        (v.id, payload)
    })
    .collect()
}

/// A nats-server child process, killed when dropped.
pub struct Nats(pub Child);

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A nats-server with the config file `conf` (written in `dir`), once every one of `ports`
/// takes connections.
pub fn nats_server_with(dir: &Path, conf: &str, ports: &[u16]) -> Nats {
    let path = dir.join("nats.conf");
    std::fs::write(&path, conf).expect("write nats.conf");
    let nats = Nats(
        Command::new(acl::system_binary("nats-server", "NATS_SERVER"))
            .arg("-c")
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server"),
    );
    wait_until(Duration::from_secs(10), || {
        ports
            .iter()
            .all(|p| TcpStream::connect(("127.0.0.1", *p)).is_ok())
    });
    nats
}
