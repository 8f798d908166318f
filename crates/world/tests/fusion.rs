//! Association, fusion, expiry and prediction of tracks.

use roadcloud_world::observe::{Motion, Observation, ObservationSource, ParticipantKind};
use roadcloud_world::tracks::predict;
use roadcloud_world::{Point, TileId, TrackConfig, Tracks, Update};

const T0: i64 = 1_728_952_200_000;

fn motion(speed: f64, heading: f64) -> Motion {
    Motion {
        speed_mps: Some(speed),
        heading_deg: Some(heading),
        accel_long_mps2: Some(0.0),
        accel_lat_mps2: Some(0.0),
        yaw_rate_dps: Some(0.0),
    }
}

fn obs(source: ObservationSource, east: f64, north: f64, m: Motion, t: i64) -> Observation {
    Observation {
        source,
        kind: ParticipantKind::Vehicle,
        vehicle_class: Some(10),
        position: Point {
            east_m: east,
            north_m: north,
        },
        elevation_m: None,
        motion: m,
        width_m: Some(1.8),
        length_m: Some(4.5),
        status: Default::default(),
        generated_at: t,
        received_at: t + 20,
    }
}

fn bsm(v: u8, east: f64, north: f64, t: i64) -> Observation {
    obs(
        ObservationSource::SelfReport { vehicle: [v; 8] },
        east,
        north,
        motion(10.0, 0.0),
        t,
    )
}

fn rsm(rsu: u8, ptc: u16, east: f64, north: f64, t: i64) -> Observation {
    obs(
        ObservationSource::Roadside {
            rsu: [rsu; 8],
            ptc_id: ptc,
            vehicle: None,
        },
        east,
        north,
        motion(10.2, 2.0),
        t,
    )
}

#[test]
fn a_vehicle_reported_by_itself_and_two_rsus_is_one_track() {
    let mut tracks = Tracks::new(TrackConfig::default());
    let Update::Created(id) = tracks.update(bsm(1, 0.0, 0.0, T0)) else {
        panic!()
    };
    // Two RSUs see it 50 ms later, a little off (sensor noise), where it has moved 0.5 m.
    assert_eq!(
        tracks.update(rsm(7, 101, 0.8, 0.3, T0 + 50)),
        Update::Updated(id)
    );
    assert_eq!(
        tracks.update(rsm(8, 5, -0.6, 0.9, T0 + 50)),
        Update::Updated(id)
    );
    assert_eq!(tracks.len(), 1);
    let t = tracks.get(id).unwrap();
    assert_eq!(t.sources.len(), 3);
    assert!(t.self_reported() && t.roadside_detected());
    // Fused: the mean of the three, each at T0 + 50.
    assert!(
        (t.position.north_m - (0.5 + 0.3 + 0.9) / 3.0).abs() < 0.05,
        "{:?}",
        t.position
    );
    // The RSUs' participant ids stay bound: their next reports join without gating.
    assert_eq!(
        tracks.update(rsm(7, 101, 2.5, 1.3, T0 + 150)),
        Update::Updated(id)
    );
}

#[test]
fn two_close_but_distinct_vehicles_stay_two() {
    let mut tracks = Tracks::new(TrackConfig::default());
    // Side by side in adjacent lanes, 3.5 m apart, both sending BSMs.
    tracks.update(bsm(1, 0.0, 0.0, T0));
    tracks.update(bsm(2, 3.5, 0.0, T0));
    assert_eq!(tracks.len(), 2);
    // One RSU detects both: each detection joins the nearer, never both the same.
    let Update::Updated(a) = tracks.update(rsm(7, 1, 0.4, 0.1, T0)) else {
        panic!()
    };
    let Update::Updated(b) = tracks.update(rsm(7, 2, 3.2, 0.1, T0)) else {
        panic!()
    };
    assert_ne!(a, b);
    // A detection far from both (a third, unequipped car) is a track of its own.
    assert!(matches!(
        tracks.update(rsm(7, 3, 0.0, 25.0, T0)),
        Update::Created(_)
    ));
    // Two detections by one RSU of two participants close together are never merged.
    assert!(matches!(
        tracks.update(rsm(7, 4, 0.0, 26.5, T0)),
        Update::Created(_)
    ));
    assert_eq!(tracks.len(), 4);
}

#[test]
fn oncoming_traffic_does_not_pass_the_heading_gate() {
    let mut tracks = Tracks::new(TrackConfig::default());
    tracks.update(bsm(1, 0.0, 0.0, T0));
    let mut o = rsm(7, 1, 0.5, 0.0, T0);
    o.motion.heading_deg = Some(180.0);
    assert!(matches!(tracks.update(o), Update::Created(_)));
}

#[test]
fn sources_expire_and_then_the_track() {
    let mut tracks = Tracks::new(TrackConfig::default());
    let Update::Created(id) = tracks.update(bsm(1, 0.0, 0.0, T0)) else {
        panic!()
    };
    tracks.update(rsm(7, 1, 0.0, 10.5, T0 + 1_000));
    assert!(tracks.expire(T0 + 1_500).is_empty());
    assert_eq!(tracks.get(id).unwrap().sources.len(), 1);
    assert!(!tracks.get(id).unwrap().self_reported());
    assert_eq!(tracks.expire(T0 + 2_100), vec![id]);
    assert!(tracks.is_empty());
}

#[test]
fn an_older_report_of_a_source_is_ignored() {
    let mut tracks = Tracks::new(TrackConfig::default());
    let Update::Created(id) = tracks.update(bsm(1, 0.0, 1.0, T0 + 100)) else {
        panic!()
    };
    assert_eq!(tracks.update(bsm(1, 0.0, 0.0, T0)), Update::Stale(id));
    assert_eq!(tracks.get(id).unwrap().position.north_m, 1.0);
}

#[test]
fn prediction_uses_speed_acceleration_and_yaw_rate() {
    let p = Point::default();
    // Straight north at 10 m/s for 2 s.
    let q = predict(p, &motion(10.0, 0.0), 2.0);
    assert!((q.north_m - 20.0).abs() < 1e-9 && q.east_m.abs() < 1e-9);
    // Braking at 5 m/s^2 from 10 m/s stops after 10 m and stays there.
    let mut m = motion(10.0, 90.0);
    m.accel_long_mps2 = Some(-5.0);
    let q = predict(p, &m, 5.0);
    assert!((q.east_m - 10.0).abs() < 1e-6, "{q:?}");
    // Turning at 9 degree/s for 10 s at 10 m/s: a quarter circle of radius 63.66 m.
    let mut m = motion(10.0, 0.0);
    m.yaw_rate_dps = Some(9.0);
    let q = predict(p, &m, 10.0);
    let r = 10.0 / 9f64.to_radians();
    assert!(
        (q.east_m - r).abs() < 0.05 && (q.north_m - r).abs() < 0.05,
        "{q:?} r={r}"
    );
}

/// Tracks in tiles of 100 m, mirrored 20 m across their borders.
fn small_tiles() -> Tracks {
    Tracks::new(TrackConfig {
        tile_size_m: 100.0,
        mirror_margin_m: 20.0,
        ..TrackConfig::default()
    })
}

#[test]
fn tracks_move_between_tiles_and_border_tracks_are_mirrored_to_the_neighbour() {
    let mut tracks = small_tiles();
    let (west, east) = (TileId { east: 0, north: 0 }, TileId { east: 1, north: 0 });
    // One vehicle 5 m west of the border, one deep inside the west tile.
    tracks.update(bsm(1, 95.0, 50.0, T0));
    tracks.update(bsm(2, 30.0, 50.0, T0));
    let v = tracks.view(east);
    assert!(v.own.is_empty());
    assert_eq!(v.mirrored.len(), 1, "only the one near the border");
    assert_eq!(v.mirrored[0].vehicle, Some([1; 8]));
    assert_eq!(tracks.view(west).own.len(), 2);
    // It crosses the border: now the east tile's own, mirrored back to the west.
    tracks.update(bsm(1, 101.0, 50.0, T0 + 100));
    assert_eq!(tracks.in_tile(east).count(), 1);
    assert_eq!(tracks.in_tile(west).count(), 1);
    let back = tracks.view(west);
    assert_eq!((back.own.len(), back.mirrored.len()), (1, 1));
    // A roadside detection of it, reported from across the border, still joins its track.
    let r = tracks.update(rsm(9, 1, 99.5, 50.5, T0 + 100));
    assert!(matches!(r, Update::Updated(_)), "{r:?}");
    assert_eq!(tracks.len(), 2);
    // Expiry empties the tiles.
    tracks.expire(T0 + 10_000);
    assert_eq!(tracks.tiles().count(), 0);
}

#[test]
fn a_view_of_several_tiles_holds_each_track_once() {
    let mut tracks = small_tiles();
    let (west, east) = (TileId { east: 0, north: 0 }, TileId { east: 1, north: 0 });
    let far = TileId { east: 4, north: 0 };
    // One in each tile, one just north of the border between them (in the margin of both),
    // one beyond the margin, one in a far tile.
    tracks.update(bsm(1, 50.0, 50.0, T0));
    tracks.update(bsm(2, 150.0, 50.0, T0));
    tracks.update(bsm(3, 100.0, 110.0, T0));
    tracks.update(bsm(4, 150.0, 130.0, T0));
    tracks.update(bsm(5, 450.0, 50.0, T0));
    let ids = |v: &[&roadcloud_world::Track]| {
        let mut ids: Vec<u8> = v.iter().map(|t| t.vehicle.unwrap()[0]).collect();
        ids.sort_unstable();
        ids
    };
    let both = tracks.view_of(&[west, east]);
    assert_eq!(both.tiles, vec![west, east]);
    assert_eq!(ids(&both.own), vec![1, 2]);
    assert_eq!(ids(&both.mirrored), vec![3], "once, though near both");
    // What each tile alone sees, together.
    let (w, e) = (tracks.view(west), tracks.view(east));
    assert_eq!(ids(&w.mirrored), vec![3]);
    assert_eq!(ids(&e.mirrored), vec![3]);
    // Tiles apart: each with its own.
    let apart = tracks.view_of(&[west, far]);
    assert_eq!(ids(&apart.own), vec![1, 5]);
    assert_eq!(ids(&apart.mirrored), vec![3]);
}

#[test]
fn a_roadside_track_seen_before_the_vehicle_reported_itself_merges_into_its_track() {
    let mut tracks = Tracks::new(TrackConfig::default());
    // The RSU sees the car first: a roadside-only track.
    let Update::Created(early) = tracks.update(rsm(9, 4, 0.3, 0.0, T0)) else {
        panic!("a new track")
    };
    // Its first BSM starts its own track (a BSM joins by id alone).
    let Update::Created(own) = tracks.update(bsm(1, 0.0, 1.0, T0 + 100)) else {
        panic!("a new track")
    };
    assert_eq!(tracks.len(), 2);
    // The RSU's next detection passes the gates of the BSM track: the two become one.
    let r = tracks.update(rsm(9, 4, 0.2, 2.1, T0 + 200));
    assert_eq!(r, Update::Updated(own));
    assert_eq!(tracks.len(), 1);
    let t = tracks.get(own).unwrap();
    assert!(t.self_reported() && t.roadside_detected());
    // Later detections go straight to it; the merged track is reported gone once.
    assert_eq!(
        tracks.update(rsm(9, 4, 0.2, 3.1, T0 + 300)),
        Update::Updated(own)
    );
    assert_eq!(tracks.expire(T0 + 300), vec![early]);
    assert!(tracks.expire(T0 + 400).is_empty());
}

/// A vehicle that changes its pseudonym (and its BSM id) mid-drive stays one track; a
/// vehicle that appears beside a silent one in the next lane, or while the other still
/// reports, is another.
#[test]
fn a_pseudonym_change_continues_the_track() {
    let mut tracks = Tracks::new(TrackConfig::default());
    // Vehicle 1 at 10 m/s north, reporting at 10 Hz for a second.
    let Update::Created(id) = tracks.update(bsm(1, 0.0, 0.0, T0)) else {
        panic!()
    };
    for i in 1..=10 {
        tracks.update(bsm(1, 0.0, i as f64, T0 + i * 100));
    }
    // From the next beacon on it calls itself 2, where it would be.
    assert_eq!(
        tracks.update(bsm(2, 0.1, 11.0, T0 + 1_100)),
        Update::Updated(id)
    );
    assert_eq!(tracks.len(), 1);
    let t = tracks.get(id).unwrap();
    assert_eq!(t.vehicle, Some([2; 8]));
    assert_eq!(t.sources.len(), 1, "the old id's report is dropped");
    assert!(tracks.by_vehicle([1; 8]).is_none());
    assert_eq!(tracks.by_vehicle([2; 8]).unwrap().id, id);

    // A vehicle appearing 3.5 m to the side (the next lane) is not it.
    tracks.update(bsm(2, 0.0, 12.0, T0 + 1_200));
    let Update::Created(other) = tracks.update(bsm(3, 3.5, 13.0, T0 + 1_350)) else {
        panic!("a vehicle in the next lane is another participant")
    };
    assert_ne!(other, id);
    // Nor is one appearing where it is while it still reports (silent only 20 ms).
    tracks.update(bsm(2, 0.0, 14.0, T0 + 1_400));
    assert!(matches!(
        tracks.update(bsm(4, 0.0, 14.2, T0 + 1_420)),
        Update::Created(_)
    ));
}

/// What a vehicle said of itself is undone when its reports turn out forged: the track keeps
/// what the roadside sees, or goes when nothing else holds it.
#[test]
fn a_vehicle_forgotten_leaves_its_track_to_the_roadside_or_ends_it() {
    let mut tracks = Tracks::new(TrackConfig::default());
    let Update::Created(seen) = tracks.update(bsm(1, 0.0, 0.0, T0)) else {
        panic!()
    };
    assert_eq!(
        tracks.update(rsm(7, 101, 0.8, 0.3, T0 + 50)),
        Update::Updated(seen)
    );
    let Update::Created(alone) = tracks.update(bsm(2, 100.0, 0.0, T0)) else {
        panic!()
    };
    assert_eq!(tracks.forget_vehicle([1; 8]), Some(seen));
    let t = tracks.get(seen).expect("the roadside still sees it");
    assert!(!t.self_reported() && t.roadside_detected() && t.vehicle.is_none());
    assert!(tracks.by_vehicle([1; 8]).is_none());
    assert_eq!(tracks.forget_vehicle([2; 8]), Some(alone));
    assert!(tracks.get(alone).is_none());
    assert_eq!(tracks.forget_vehicle([2; 8]), None);
    // Reported gone at the next expiry, as merged tracks are.
    assert_eq!(tracks.expire(T0 + 100), vec![alone]);
    assert_eq!(tracks.len(), 1);
}

/// `Tracks::near` finds exactly the tracks within the radius, by cells for a small search
/// and by tiles for a wide one, while the tracks move across cells and tiles, and after
/// some of them expire.
#[test]
fn near_finds_exactly_the_tracks_within_the_radius_as_they_move() {
    let mut tracks = Tracks::new(TrackConfig::default());
    // 200 vehicles on a 20 x 10 grid 23 m apart (cells are 32 m, tiles 300 m), each
    // reporting twice, the second time 41 m further east and 17 m north.
    let place = |i: usize, step: f64| {
        (
            -220.0 + (i % 20) as f64 * 23.0 + step * 41.0,
            -110.0 + (i / 20) as f64 * 23.0 + step * 17.0,
        )
    };
    for step in [0.0, 1.0] {
        for i in 0..200 {
            let (e, n) = place(i, step);
            let t = T0 + (step as i64) * 500;
            tracks.update(bsm_of(i as u16, e, n, t));
        }
    }
    // The second half report again, 10 m on; 50 newcomers appear; the first half, silent,
    // expire.
    for i in 100..200 {
        let (e, n) = place(i, 1.0);
        tracks.update(bsm_of(i as u16, e + 10.0, n, T0 + 1_500));
    }
    for i in 0..50 {
        let (e, n) = place(i, 1.0);
        tracks.update(bsm_of(1_000 + i as u16, e + 3.0, n - 5.0, T0 + 1_600));
    }
    let gone = tracks.expire(T0 + 1_600 + 20);
    assert_eq!((gone.len(), tracks.len()), (100, 150));
    let mut searches = 0;
    for (pe, pn) in [(0.0, 0.0), (-150.5, 33.3), (95.0, -64.0), (301.0, 299.0)] {
        for radius in [0.5, 3.0, 31.9, 64.0, 130.0, 400.0] {
            let p = Point {
                east_m: pe,
                north_m: pn,
            };
            let mut found: Vec<u64> = tracks.near(p, radius).map(|t| t.id.0).collect();
            let mut expected: Vec<u64> = tracks
                .iter()
                .filter(|t| t.position.distance_to(p) <= radius)
                .map(|t| t.id.0)
                .collect();
            found.sort_unstable();
            expected.sort_unstable();
            assert_eq!(found, expected, "near ({pe}, {pn}) within {radius} m");
            searches += usize::from(!expected.is_empty());
        }
    }
    assert!(searches > 10, "most searches find something: {searches}");
}

/// A vehicle `v` (two octets of id) reporting itself at (east, north) at `t`.
fn bsm_of(v: u16, east: f64, north: f64, t: i64) -> Observation {
    let [a, b] = v.to_be_bytes();
    obs(
        ObservationSource::SelfReport {
            vehicle: [a, b, 0, 0, 0, 0, 0, 1],
        },
        east,
        north,
        motion(10.0, 0.0),
        t,
    )
}
