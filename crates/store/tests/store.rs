//! The store keeps what it counted, across reopening, and prunes by age.

use roadcloud_store::{DeviceStatus, EventRecord, Record, Store, TrajectoryPoint};

fn sample(participant: &str, at: i64) -> Record {
    Record::Trajectory(TrajectoryPoint {
        participant: participant.into(),
        kind: "vehicle".into(),
        at,
        lat: 31.28,
        lon: 121.16,
        speed_mps: Some(12.5),
        heading_deg: None,
        lane: Some("1/3".into()),
    })
}

fn wait_for(store: &Store, trajectories: u64) {
    for _ in 0..500 {
        if store.stored().counts().trajectories >= trajectories {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("the writer did not commit {trajectories} samples");
}

#[test]
fn what_is_counted_is_read_back_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (store, writer, handle) = Store::open(dir.path()).unwrap();
        writer
            .write(
                (0..10)
                    .map(|i| sample("00000000000000aa", 1_000 + i * 1_000))
                    .collect(),
            )
            .unwrap();
        writer
            .write(vec![
                Record::Event(EventRecord {
                    rsu: "0000000000000001".into(),
                    kind: "event".into(),
                    local_id: 3,
                    code: 401,
                    change: "appeared".into(),
                    at: 5_000,
                    lat: 31.0,
                    lon: 121.0,
                    radius_m: Some(50.0),
                    description: Some("road works".into()),
                    start: None,
                    end: Some(9_000),
                }),
                Record::DeviceStatus(DeviceStatus {
                    device: "0000000000000001".into(),
                    kind: "rsu".into(),
                    status: "online".into(),
                    at: 4_000,
                }),
            ])
            .unwrap();
        wait_for(&store, 10);
        let t = store
            .trajectory("00000000000000aa", 0, i64::MAX, 100)
            .unwrap();
        assert_eq!(t.len(), 10);
        assert_eq!(
            t[0],
            match sample("00000000000000aa", 1_000) {
                Record::Trajectory(p) => p,
                _ => unreachable!(),
            }
        );
        drop(writer);
        handle.join().unwrap();
        assert_eq!(store.stored().counts().events, 1);
    }
    let (store, _writer, _h) = Store::open(dir.path()).unwrap();
    let c = store.stored().counts();
    assert_eq!((c.trajectories, c.events, c.device_status), (10, 1, 1));
    assert_eq!(
        store.events(0, i64::MAX, 10).unwrap()[0]
            .description
            .as_deref(),
        Some("road works")
    );
    assert_eq!(
        store
            .device_status(Some("0000000000000001"), 0, i64::MAX, 10)
            .unwrap()
            .len(),
        1
    );
    assert!(
        store
            .device_status(Some("0000000000000002"), 0, i64::MAX, 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.participants_seen(0, i64::MAX).unwrap(),
        vec![("00000000000000aa".to_string(), 10)]
    );
    // Retention: everything before 5.5 s goes (5 samples, the event at 5 s, the status at 4 s).
    assert_eq!(store.prune(5_500).unwrap(), 7);
    assert_eq!(
        store
            .trajectory("00000000000000aa", 0, i64::MAX, 100)
            .unwrap()
            .len(),
        5
    );
}

#[test]
fn an_unwritable_data_dir_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = Store::open(&file)
        .err()
        .expect("a file is not a data directory");
    assert!(err.to_string().contains("data directory"), "{err}");
}
