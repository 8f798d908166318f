//! Priority vehicles in the real SUMO (from `SUMO_HOME`) on the bundled corridor: its
//! ambulances ask for the green at the junctions ahead, and its traffic lights carry out
//! preemption, extension and release over TraCI.

use roadcloud_signals::{Action, Junction, PriorityCommand, SignalController};
use roadcloud_sumo::bridge::{Bridge, REGION};
use roadcloud_sumo::cosim::{Step, Sumo, SumoOptions, net_file};
use roadcloud_sumo::net::Net;
use roadcloud_sumo::priority::{PriorityVehicles, TraciSignals};
use std::path::PathBuf;

fn corridor() -> (PathBuf, Net) {
    let config =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/corridor/corridor.sumocfg");
    let net = Net::read(&net_file(&config).unwrap()).unwrap();
    (config, net)
}

fn start(config: PathBuf) -> Sumo {
    Sumo::start(&SumoOptions {
        sumo_home: PathBuf::from(std::env::var("SUMO_HOME").expect(
            "SUMO_HOME must point at SUMO 1.28 (scripts/test.sh installs it: source scripts/sumo.sh)",
        )),
        config,
        step_s: 0.1,
        ssm_file: None,
        lane_change_s: None,
        extra: Vec::new(),
    })
    .unwrap()
}

/// Steps SUMO `n` times, the controller's sets applied after each step.
fn run(sumo: &mut Sumo, signals: &mut TraciSignals, n: usize) -> Step {
    let mut last = Step::default();
    for _ in 0..n {
        last = sumo.step().unwrap();
        let sets = signals.step(&last);
        assert_eq!(
            sumo.set_signals(&sets).unwrap(),
            sets.len(),
            "SUMO refused a set"
        );
    }
    last
}

fn state(step: &Step, tls: &str) -> String {
    step.signals
        .iter()
        .find(|s| s.tls == tls)
        .unwrap()
        .state
        .clone()
}

fn shows(state: &str, links: &[usize], lights: &[u8]) -> bool {
    links.iter().all(|&i| lights.contains(&state.as_bytes()[i]))
}

fn command(net: &Net, tls: &str, group: u8, action: Action, hold_s: i64) -> PriorityCommand {
    PriorityCommand {
        junction: Junction {
            region: REGION,
            id: net.junctions[tls].node,
        },
        phase_id: group,
        action,
        vehicle: "5300000000000001".into(),
        request_id: 1,
        hold_until_ms: hold_s * 1_000,
        issued_at_ms: 0,
    }
}

/// Preemption of a group shown red: its conflicting greens turn yellow for the program's
/// yellow, then the group is green and held while the plan would have turned it red; on
/// release the program goes on. An extension of a red group changes nothing.
#[test]
fn the_lights_serve_a_preemption_and_return_to_their_plan() {
    let (config, net) = corridor();
    let mut sumo = start(config);
    let mut signals = TraciSignals::new(&net);
    let tls = "c3";
    let groups = net.signal_groups(tls);
    let s = run(&mut sumo, &mut signals, 50);
    let now = state(&s, tls);
    // A group red now, and its links.
    let group = *groups
        .iter()
        .enumerate()
        .find(|(i, _)| now.as_bytes()[*i] == b'r')
        .map(|(_, g)| g)
        .unwrap();
    let links: Vec<usize> = (0..groups.len()).filter(|&i| groups[i] == group).collect();
    let green_now: Vec<usize> = (0..now.len())
        .filter(|&i| matches!(now.as_bytes()[i], b'G' | b'g'))
        .collect();
    // An extension of a red: nothing happens.
    signals
        .command(&command(&net, tls, group, Action::Extend, 30))
        .unwrap();
    let s = run(&mut sumo, &mut signals, 20);
    assert!(shows(&state(&s, tls), &links, b"r"), "{}", state(&s, tls));
    signals
        .command(&command(&net, tls, group, Action::Release, 0))
        .unwrap();
    // Preemption: yellow first, for the program's yellow (4 s), never straight to green.
    signals
        .command(&command(&net, tls, group, Action::Preempt, 40))
        .unwrap();
    let s = run(&mut sumo, &mut signals, 10);
    let clearing = state(&s, tls);
    assert!(shows(&clearing, &green_now, b"y"), "{clearing}");
    assert!(shows(&clearing, &links, b"r"), "{clearing}");
    let s = run(&mut sumo, &mut signals, 35);
    assert!(shows(&state(&s, tls), &links, b"Gg"), "{}", state(&s, tls));
    // Held well past the 41 s the plan gives a green.
    let s = run(&mut sumo, &mut signals, 300);
    assert!(shows(&state(&s, tls), &links, b"Gg"), "{}", state(&s, tls));
    // Released: the program goes on (its yellow next), within a second or two.
    signals
        .command(&command(&net, tls, group, Action::Release, 0))
        .unwrap();
    let s = run(&mut sumo, &mut signals, 20);
    assert!(shows(&state(&s, tls), &links, b"y"), "{}", state(&s, tls));
    let s = run(&mut sumo, &mut signals, 100);
    let program: Vec<&str> = net.programs[tls].iter().map(|(_, s)| s.as_str()).collect();
    assert!(
        program.contains(&state(&s, tls).as_str()),
        "{}",
        state(&s, tls)
    );
    // A group the junction does not have is an error, not a panic.
    assert!(
        signals
            .command(&command(&net, tls, 99, Action::Preempt, 10))
            .is_err()
    );
    sumo.close().unwrap();
}

/// The first ambulance asks for the green at the junctions of its route ahead, nearest
/// first, each with the signal group of its movement, and reports one passed complete.
#[test]
fn an_ambulance_asks_for_the_junctions_ahead() {
    let (config, net) = corridor();
    let mut sumo = start(config);
    let bridge = Bridge::new(net.clone());
    let mut vehicles = PriorityVehicles::default();
    let mut asked = Vec::new();
    // Waiting at c1's red and behind its queue, the first ambulance passes it within 150 s.
    for _ in 0..1_500 {
        let s = sumo.step().unwrap();
        for v in vehicles.unrouted(&s) {
            let route = sumo.route(v).unwrap().unwrap();
            vehicles.routes.insert(v.to_string(), route);
        }
        for (topic, m) in vehicles.requests(&bridge, &s, 1_795_824_000_000, |_| true) {
            assert!(topic.ends_with("/VIR/UP"), "{topic}");
            let bytes = roadcloud_csae::encode(&m).unwrap();
            let roadcloud_csae::MessageFrame::MsgFrameExt(e) =
                roadcloud_csae::decode::<roadcloud_csae::MessageFrame>(&bytes).unwrap()
            else {
                panic!("not a VIR")
            };
            let roadcloud_csae::Day2Message::VehIntentionAndRequest(vir) = e.value else {
                panic!("not a VIR")
            };
            asked.push((s.time_s, vir));
        }
    }
    sumo.close().unwrap();
    assert!(vehicles.seen.contains("ambulance0"), "{:?}", vehicles.seen);
    let (t, first) = asked.first().expect("the ambulance asked");
    assert!((40.0..42.0).contains(t), "first asked at {t}");
    let reqs = first.int_and_req.reqs.as_ref().unwrap();
    // Junctions within 1,000 m of the western end: c1, c2, c3 (300 m apart).
    let junctions: Vec<u16> = reqs
        .iter()
        .map(|r| match &r.info {
            Some(roadcloud_csae::ReqInfo::SignalPriority(p)) => p.intersection_id.id.0,
            other => panic!("{other:?}"),
        })
        .collect();
    let node = |id: &str| net.junctions[id].node;
    assert_eq!(junctions, vec![node("c1"), node("c2"), node("c3")]);
    let Some(roadcloud_csae::ReqInfo::SignalPriority(p)) = &reqs[0].info else {
        unreachable!()
    };
    assert_eq!(p.required_mov.remote_intersection.id.0, node("c2"));
    let group = p.required_mov.phase_id.unwrap().0;
    // The group is one of the straight-on movements from w_c1 into c1_c2.
    let straight = net
        .connections
        .iter()
        .filter(|c| c.from_lane.starts_with("w_c1_") && c.to_lane.starts_with("c1_c2_"))
        .filter_map(|c| c.signal.clone())
        .map(|(_, link)| net.signal_groups("c1")[usize::from(link)])
        .collect::<Vec<_>>();
    assert!(straight.contains(&group), "{group} not in {straight:?}");
    // Later, c1 passed: reported complete once.
    assert!(
        asked.iter().any(|(_, v)| v.int_and_req.reqs.iter().flatten().any(|r| {
            r.status == roadcloud_csae::ReqStatus::Complete
                && matches!(&r.info, Some(roadcloud_csae::ReqInfo::SignalPriority(p)) if p.intersection_id.id.0 == node("c1"))
        })),
        "c1 was never reported passed"
    );
}
