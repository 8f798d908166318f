//! Observations from the public BSM and RSM vectors: positions and units as the standard means.

use roadcloud_csae::MessageFrame;
use roadcloud_world::{LocalFrame, ObservationSource, ParticipantKind, observe_bsm, observe_rsm};

/// The demo intersection node 310/1001.
fn frame() -> LocalFrame {
    LocalFrame::new(31.2866, 121.1655)
}

const MINUTE: i64 = roadcloud_testkit::VECTORS_MINUTE;

#[test]
fn bsm_gives_position_speed_heading_and_time_in_si() {
    let MessageFrame::BsmFrame(bsm) = roadcloud_testkit::vector53("bsm_01_passenger_car") else {
        panic!()
    };
    let o = observe_bsm(&frame(), &bsm, MINUTE + 12_400).unwrap();
    assert_eq!(o.source, ObservationSource::SelfReport { vehicle: bsm.id });
    assert_eq!(o.kind, ParticipantKind::Vehicle);
    // 312875000 and 1211655200 in 1e-7 degree: 0.0009 degree north (99.8 m), 0.00002 east.
    assert!(
        (o.position.north_m - 99.79).abs() < 0.05,
        "{:?}",
        o.position
    );
    assert!((o.position.east_m - 1.90).abs() < 0.05, "{:?}", o.position);
    assert_eq!(o.motion.speed_mps, Some(12.5)); // 625 x 0.02 m/s
    assert_eq!(o.motion.heading_deg, Some(180.0)); // 14400 x 0.0125 degree: southbound
    assert_eq!(o.motion.accel_long_mps2, Some(-1.2)); // -120 x 0.01 m/s^2
    assert_eq!(o.width_m, Some(1.85));
    assert_eq!(o.length_m, Some(4.75));
    assert_eq!(o.elevation_m, Some(4.6));
    assert_eq!(o.generated_at, MINUTE + 12_345);
}

#[test]
fn rsm_gives_one_observation_per_participant_at_its_offset() {
    let MessageFrame::RsmFrame(rsm) = roadcloud_testkit::vector53("rsm_01_three_participants")
    else {
        panic!()
    };
    let obs = observe_rsm(&frame(), &rsm, MINUTE + 30_000);
    assert_eq!(obs.len(), rsm.participants.0.len());
    for (o, p) in obs.iter().zip(&rsm.participants.0) {
        let ObservationSource::Roadside { rsu, ptc_id, .. } = o.source else {
            panic!()
        };
        assert_eq!((rsu, ptc_id), (rsm.id, p.ptc_id));
        let (lat, lon) = roadcloud_world::units::resolve_offset_ll(
            rsm.ref_pos.lat.0.into(),
            rsm.ref_pos.long.0.into(),
            &p.pos.offset_ll,
        );
        let expect = frame().to_local(lat as f64 / 1e7, lon as f64 / 1e7);
        assert!(o.position.distance_to(expect) < 1e-9);
        assert_eq!(o.motion.speed_mps, Some(f64::from(p.speed.0) / 50.0));
    }
    let kinds: Vec<_> = obs.iter().map(|o| o.kind).collect();
    assert!(kinds.contains(&ParticipantKind::Pedestrian), "{kinds:?}");
}

/// An RSM from a newer message set whose second participant is of a type T/CSAE 53-2020 does
/// not know (an extension value of `ParticipantType`): every participant is observed, that
/// one as of unknown kind.
#[test]
fn a_participant_of_an_unknown_type_is_observed_as_unknown() {
    let MessageFrame::RsmFrame(mut rsm) = roadcloud_testkit::vector53("rsm_01_three_participants")
    else {
        panic!()
    };
    rsm.participants.0[1].ptc_type = roadcloud_csae::ParticipantType::UnknownExtension(1);
    rsm.participants.0[1].vehicle_class = None;
    let bytes = roadcloud_csae::encode(&MessageFrame::RsmFrame(rsm)).unwrap();
    let MessageFrame::RsmFrame(rsm) = roadcloud_csae::decode(&bytes).unwrap() else {
        panic!()
    };
    let obs = observe_rsm(&frame(), &rsm, MINUTE + 30_000);
    assert_eq!(obs.len(), 3);
    assert_eq!(obs[1].kind, ParticipantKind::Unknown);
    assert_ne!(obs[0].kind, ParticipantKind::Unknown);
}

#[test]
fn position_latlon_is_absolute_not_an_offset() {
    use roadcloud_csae::{
        Latitude, Longitude, OffsetLLB12, PositionLL24B, PositionLLmD64b, PositionOffsetLL,
    };
    use roadcloud_world::units::resolve_offset_ll;
    let abs = PositionOffsetLL::PositionLatLon(PositionLLmD64b {
        lon: Longitude(1211655000),
        lat: Latitude(312866000),
    });
    assert_eq!(resolve_offset_ll(1, 2, &abs), (312866000, 1211655000));
    let rel = PositionOffsetLL::PositionLL1(PositionLL24B {
        lon: OffsetLLB12(-5),
        lat: OffsetLLB12(7),
    });
    assert_eq!(resolve_offset_ll(100, 200, &rel), (107, 195));
}
