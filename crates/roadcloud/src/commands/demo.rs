//! `roadcloud demo`: the platform with embedded defaults and the built-in simulated zone
//! publishing to it over MQTT, as real devices would.

use crate::commands::serve::{self, ServeArgs};
use anyhow::{Context, Result, bail};
use clap::Args;
use roadcloud_csae::{Day2Message, MessageFrame};
use roadcloud_node::Node;
use roadcloud_security::crypto::Algorithm;
use roadcloud_security::pki::ZonePki;
use roadcloud_signals::PriorityCommand;
use roadcloud_sim::{Attack, AttackConfig, Attackers, DeviceKeys, Zone, ZoneConfig};
use roadcloud_transport::mqtt::parse_broker_url;
use roadcloud_transport::{DeviceId, now_millis};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use std::time::{Duration, Instant};

/// Run the platform with simulated traffic: four signalised intersections near Anting,
/// Jiading, and one without signals where vehicles pass by roadcloud's slots (cooperative
/// intersection passing), with vehicles sending BSM, pedestrians and cyclists seen by the RSUs' cameras
/// (RSM, some with phones sending PSM), MAP, SPAT, road works and a speed-limit sign (RSI),
/// and every few seconds a situation an application must warn of (a distracted driver, hard
/// braking, a breakdown, a skid, a red-light runner, a speeder, an ambulance, a lane change
/// into a blind spot, a jaywalker, a left turn across oncoming traffic, an overtaking into
/// the oncoming lane).
///
/// The simulated devices publish to the platform's MQTT broker exactly as real ones do, each
/// message signed (IEEE 1609.2 / YD/T 3957-2021, SM2) under a certificate from the zone's V2X
/// PKI, which the demo makes in DATA_DIR/v2x on its first start (or takes from --v2x-trust,
/// which must then be a `roadcloud pki v2x init` folder). Takes every flag of `serve`; the
/// zone's origin is serve's default. Watch it on the web map at
/// http://HTTP_LISTEN/ (http://127.0.0.1:8080/ by default). Runs until stopped (Ctrl-C), or
/// for --seconds.
///
/// With --attackers, a share of the vehicles lie (the VeReMi Extension attacks,
/// docs/misbehaviour.md#attackers); with --seconds, the demo then prints how the misbehaviour
/// detector fared against them (and writes it to DATA_DIR/misbehaviour.json).
///
/// Examples:
///   roadcloud demo
///   roadcloud demo --http-listen 127.0.0.1:9090 --data-dir /tmp/roadcloud-demo
///   roadcloud demo --attackers 0.1 --misbehaviour enforce --seconds 600
#[derive(Args, Debug, Clone)]
#[command(verbatim_doc_comment)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Vehicles on each direction of each road, at most (8 directions).
    #[arg(long, default_value_t = 10)]
    pub vehicles_per_flow: usize,
    /// A scripted situation every this many seconds.
    #[arg(long, default_value_t = 12.0)]
    pub script_every_s: f64,
    /// Seed of the simulation's random choices.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// The share of the equipped vehicles that lie, 0 to 1: each, 5 s after it first
    /// sends, attacks with one of --attacks, taken in turn.
    #[arg(long, default_value_t = 0.0, value_parser = crate::commands::sumo::share)]
    pub attackers: f64,
    /// The attacks (comma separated VeReMi Extension names); all of them by default.
    #[arg(long, value_delimiter = ',', value_parser = crate::commands::sumo::attack)]
    pub attacks: Vec<Attack>,
    /// Stop after this many seconds (with --attackers, and print the detector's figures).
    #[arg(long)]
    pub seconds: Option<f64>,
}

/// Runs the platform and the simulated zone until stopped.
pub fn run(args: &DemoArgs) -> Result<()> {
    let mut config = args.serve.node.clone();
    if config.tls_files().is_some() {
        bail!(
            "the demo's simulated devices connect without credentials, on loopback: run it \
             without --pki/--tls-*, or secure a real zone with `roadcloud serve --pki DIR` \
             (docs/security.md)"
        );
    }
    if config.broker.is_none() && config.mqtt_listen.0.is_none() {
        bail!(
            "the demo's devices talk MQTT: give --mqtt-listen ADDR:PORT or --broker mqtt://HOST:PORT"
        );
    }
    let v2x = config
        .v2x_trust
        .clone()
        .unwrap_or_else(|| config.data_dir.join("v2x"));
    let (pki, made) = ZonePki::open_or_init(&v2x, Algorithm::Sm2, now_millis())
        .map_err(|e| anyhow::anyhow!("cannot sign the demo's messages: {e}"))?;
    if made {
        println!(
            "roadcloud demo: made the zone's V2X PKI in {}",
            v2x.display()
        );
    }
    let keys = DeviceKeys::new(pki);
    config.v2x_trust = Some(v2x);
    let zone = ZoneConfig {
        vehicles_per_flow: args.vehicles_per_flow,
        script_every_s: args.script_every_s.max(1.0),
        seed: args.seed,
        ..ZoneConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let attacks = AttackConfig::new(args.attackers, &args.attacks);
    let until = args
        .seconds
        .map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    let data_dir = config.data_dir.clone();
    let attackers = runtime.block_on(async {
        let mut node = Node::start(config.clone()).await?;
        println!("{}", serve::serving(&node, &config));
        // The zone's devices connect where the node listens (the port it chose, for 0), or
        // to the external broker.
        let broker = match (&config.broker, node.bound().mqtt) {
            (Some(url), _) => parse_broker_url(url)?,
            (None, Some(a)) => {
                let a = roadcloud_node::reachable(a);
                (a.ip().to_string(), a.port())
            }
            (None, None) => unreachable!("checked above: MQTT listens or a broker is given"),
        };
        let simulation = tokio::spawn(simulate(broker, zone, attacks, keys, until));
        println!(
            "roadcloud demo: a simulated zone near Anting, Jiading (5 intersections, one \
             without signals; 10 traffic directions); open the web map at {}",
            node.map_address()
        );
        if until.is_none() {
            return serve::until_signal(node).await.map(|()| None);
        }
        let attackers = tokio::select! {
            failed = node.failed() => {
                failed?;
                bail!("roadcloud stopped before the demo's end")
            }
            sim = simulation => sim?,
        };
        // What the last messages caused passes the stages and reaches the store.
        tokio::time::sleep(Duration::from_secs(2)).await;
        node.shutdown().await?;
        Ok(Some(attackers))
    })?;
    let Some(attackers) = attackers else {
        return Ok(());
    };
    if attackers.labels().next().is_some() {
        let labels: Vec<_> = attackers.labels().cloned().collect();
        let figures = super::attack_eval::Figures::read(&data_dir, &labels, attackers.present())?;
        print!("{}", figures.text);
        figures.write(&data_dir)?;
        println!(
            "figures in {}",
            data_dir.join("misbehaviour.json").display()
        );
    }
    Ok(())
}

/// Steps the zone at 10 Hz and publishes what its devices send, signed, until `until` (or
/// the broker is gone); the zone's attackers, labelled.
async fn simulate(
    (host, port): (String, u16),
    config: ZoneConfig,
    attacks: AttackConfig,
    mut keys: DeviceKeys,
    until: Option<Instant>,
) -> Attackers {
    let mut options = MqttOptions::new("roadcloud-demo-zone", host, port);
    options.set_keep_alive(Duration::from_secs(30));
    options.set_max_packet_size(64 * 1024, 64 * 1024);
    let (client, mut events) = AsyncClient::new(options, 4_096);
    // The junctions' RSUs hear roadcloud's priority commands for their signals (the zone is
    // their controller: docs/signals.md), the vehicles their coordinations (RSC: gaps to
    // merge into, slow-downs to make them) and their parking guidance (PAM); the
    // subscriptions are renewed on each connection.
    let (commands_tx, mut commands) = tokio::sync::mpsc::channel::<(String, Vec<u8>)>(256);
    let subscriber = client.clone();
    // The event loop reconnects by itself; until the broker is up it fails, so it waits.
    tokio::spawn(async move {
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    let _ = subscriber
                        .subscribe("V2X/RSU/+/PRIORITY/DOWN", QoS::AtLeastOnce)
                        .await;
                    let _ = subscriber
                        .subscribe("V2X/OBU/+/RSC/DOWN", QoS::AtMostOnce)
                        .await;
                    let _ = subscriber
                        .subscribe("V2X/OBU/+/PAM/DOWN", QoS::AtMostOnce)
                        .await;
                }
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let _ = commands_tx.try_send((p.topic.clone(), p.payload.to_vec()));
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    });
    let mut zone = Zone::anting(config);
    zone.attackers = Attackers::new(attacks);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if until.is_some_and(|u| Instant::now() >= u) {
            return zone.attackers;
        }
        let now = now_millis();
        while let Ok((topic, payload)) = commands.try_recv() {
            if topic.ends_with("/RSC/DOWN") || topic.ends_with("/PAM/DOWN") {
                // A vehicle's OBU reads its own part of the coordination, or the way to the
                // slot it asked for.
                let vehicle = topic.split('/').nth(2).and_then(DeviceId::parse);
                if let (Some(v), Ok(MessageFrame::MsgFrameExt(e))) =
                    (vehicle, roadcloud_csae::decode(&payload))
                {
                    match e.value {
                        Day2Message::RoadsideCoordination(rsc) => zone.coordinate(v.0, &rsc, now),
                        Day2Message::Pam(pam) => zone.parking_guidance(v.0, &pam, now),
                        _ => {}
                    }
                }
                continue;
            }
            if let Err(e) = PriorityCommand::from_json(&payload).and_then(|c| zone.command(&c, now))
            {
                tracing::warn!("a priority command the zone's signals did not carry out: {e}");
            }
        }
        zone.step(0.1, now);
        for (topic, message) in zone.messages(now) {
            let payload = match keys.sign(&topic, &message, now) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!("the simulator built a message it cannot sign: {e}");
                    continue;
                }
            };
            if client
                .publish(topic, QoS::AtMostOnce, false, payload)
                .await
                .is_err()
            {
                return zone.attackers;
            }
        }
    }
}
