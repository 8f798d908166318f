//! roadcloud's store: what the platform keeps after the moment has passed.
//!
//! One SQLite database in WAL mode (`roadcloud.db` under the data directory) holds
//! - road events and signs as they appear, change and end ([`EventRecord`]),
//! - device status changes, online and offline ([`DeviceStatus`]),
//! - trajectories sampled at 1 Hz ([`TrajectoryPoint`]),
//! - advisories ([`AdvisoryRecord`]),
//! - who may get in: the device registry, operator accounts, the audit log ([`registry`]).
//!
//! Writes go through one [`Writer`] thread, which commits a transaction per batch and only then
//! counts the rows as stored ([`Stored`]): a count the API reports is durable, since a
//! committed WAL transaction survives the process being killed (`synchronous = FULL` makes it
//! survive power loss too). Reads use their own connection; WAL lets them run beside the
//! writer.

#![warn(missing_docs)]

pub mod registry;

pub use registry::{AuditEntry, Registry};

use rusqlite::{Connection, params};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// A store error, with what was being done.
#[derive(Debug)]
pub struct Error {
    context: String,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.context, self.source)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// A store result.
pub type Result<T> = std::result::Result<T, Error>;

trait Context<T> {
    fn context(self, what: impl Into<String>) -> Result<T>;
}

impl<T> Context<T> for rusqlite::Result<T> {
    fn context(self, what: impl Into<String>) -> Result<T> {
        self.map_err(|source| Error {
            context: what.into(),
            source: Box::new(source),
        })
    }
}

/// One sample of a participant's trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct TrajectoryPoint {
    /// The participant's public id (vehicle id in hex, or `track-N`).
    pub participant: String,
    /// `vehicle`, `pedestrian`, `cyclist` or `unknown`.
    pub kind: String,
    /// The instant the sample refers to.
    pub at: Millis,
    /// WGS-84 latitude, degrees.
    pub lat: f64,
    /// WGS-84 longitude, degrees.
    pub lon: f64,
    /// Speed, m/s.
    pub speed_mps: Option<f64>,
    /// Heading, degrees clockwise from north.
    pub heading_deg: Option<f64>,
    /// The matched lane, as the API writes it.
    pub lane: Option<String>,
}

/// A road event or sign appearing, changing or ending.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    /// The announcing RSU, hex.
    pub rsu: String,
    /// `event` or `sign`.
    pub kind: String,
    /// Its id within the RSU's messages.
    pub local_id: u8,
    /// `eventType` or `signType`.
    pub code: u16,
    /// `appeared`, `changed` or `ended`.
    pub change: String,
    /// When the change was seen.
    pub at: Millis,
    /// WGS-84 latitude, degrees.
    pub lat: f64,
    /// WGS-84 longitude, degrees.
    pub lon: f64,
    /// Radius of its zone, metres.
    pub radius_m: Option<f64>,
    /// Its text.
    pub description: Option<String>,
    /// When it starts.
    pub start: Option<Millis>,
    /// When it ends.
    pub end: Option<Millis>,
}

/// A device going online or offline.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceStatus {
    /// The device id, hex.
    pub device: String,
    /// `rsu` or `obu`.
    pub kind: String,
    /// `online` or `offline`.
    pub status: String,
    /// When.
    pub at: Millis,
}

/// An advisory sent to a vehicle: its key columns, and its whole JSON form.
#[derive(Debug, Clone, PartialEq)]
pub struct AdvisoryRecord {
    /// The scenario id, e.g. `FCW`.
    pub scenario: String,
    /// The target vehicle, hex.
    pub target: String,
    /// The instant it refers to.
    pub at: Millis,
    /// Where the target was, WGS-84 degrees.
    pub lat: f64,
    /// Where the target was, WGS-84 degrees.
    pub lon: f64,
    /// The advisory as published.
    pub json: String,
}

/// A query of stored advisories.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AdvisoryQuery {
    /// Only this scenario (`FCW`, ...).
    pub scenario: Option<String>,
    /// Only for this vehicle (hex id).
    pub target: Option<String>,
    /// From, ms since the epoch.
    pub from: Millis,
    /// To, ms since the epoch.
    pub to: Millis,
    /// Only within (min_lon, min_lat, max_lon, max_lat), degrees.
    pub bbox: Option<(f64, f64, f64, f64)>,
    /// At most this many.
    pub limit: u32,
}

/// A misbehaviour report: its key columns, and its whole JSON form (detail, evidence, trust).
#[derive(Debug, Clone, PartialEq)]
pub struct MisbehaviourRecord {
    /// The vehicle id it was sent under, hex.
    pub device: String,
    /// The check that failed (`position_consistency`, ...).
    pub kind: String,
    /// When, ms since the epoch.
    pub at: Millis,
    /// What it led to: `none`, `flagged` or `quarantined`.
    pub action: String,
    /// The report as the API gives it.
    pub json: String,
}

/// A query of stored misbehaviour reports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MisbehaviourQuery {
    /// Only about this vehicle (hex id).
    pub device: Option<String>,
    /// Only of this kind.
    pub kind: Option<String>,
    /// From, ms since the epoch.
    pub from: Millis,
    /// To, ms since the epoch.
    pub to: Millis,
    /// At most this many.
    pub limit: u32,
}

/// Anything the store keeps.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// A trajectory sample.
    Trajectory(TrajectoryPoint),
    /// An event change.
    Event(EventRecord),
    /// A device status change.
    DeviceStatus(DeviceStatus),
    /// An advisory.
    Advisory(AdvisoryRecord),
    /// A misbehaviour report.
    Misbehaviour(MisbehaviourRecord),
}

/// Rows committed so far, per table: what the store vouches for.
#[derive(Debug, Default)]
pub struct Stored {
    /// Trajectory samples.
    pub trajectories: AtomicU64,
    /// Event changes.
    pub events: AtomicU64,
    /// Device status changes.
    pub device_status: AtomicU64,
    /// Advisories.
    pub advisories: AtomicU64,
    /// Misbehaviour reports.
    pub misbehaviour: AtomicU64,
    /// Batches that failed to commit (their rows are not counted).
    pub failed_batches: AtomicU64,
    /// When the last batch committed, ms since the epoch (0: none yet).
    pub last_commit_at: AtomicI64,
}

/// Counts of rows stored, per table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Trajectory samples.
    pub trajectories: u64,
    /// Event changes.
    pub events: u64,
    /// Device status changes.
    pub device_status: u64,
    /// Advisories.
    pub advisories: u64,
    /// Misbehaviour reports.
    pub misbehaviour: u64,
}

impl Stored {
    /// The counts now.
    pub fn counts(&self) -> Counts {
        Counts {
            trajectories: self.trajectories.load(Ordering::Acquire),
            events: self.events.load(Ordering::Acquire),
            device_status: self.device_status.load(Ordering::Acquire),
            advisories: self.advisories.load(Ordering::Acquire),
            misbehaviour: self.misbehaviour.load(Ordering::Acquire),
        }
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS trajectories (
    participant TEXT NOT NULL,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    speed_mps REAL,
    heading_deg REAL,
    lane TEXT
);
CREATE INDEX IF NOT EXISTS trajectories_participant_at ON trajectories (participant, at);
CREATE INDEX IF NOT EXISTS trajectories_at ON trajectories (at);
CREATE TABLE IF NOT EXISTS events (
    rsu TEXT NOT NULL,
    kind TEXT NOT NULL,
    local_id INTEGER NOT NULL,
    code INTEGER NOT NULL,
    change TEXT NOT NULL,
    at INTEGER NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    radius_m REAL,
    description TEXT,
    start_at INTEGER,
    end_at INTEGER
);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
CREATE TABLE IF NOT EXISTS device_status (
    device TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS device_status_at ON device_status (at);
CREATE TABLE IF NOT EXISTS advisories (
    scenario TEXT NOT NULL,
    target TEXT NOT NULL,
    at INTEGER NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS advisories_at ON advisories (at);
CREATE INDEX IF NOT EXISTS advisories_target_at ON advisories (target, at);
CREATE TABLE IF NOT EXISTS misbehaviour (
    device TEXT NOT NULL,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    action TEXT NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS misbehaviour_at ON misbehaviour (at);
CREATE INDEX IF NOT EXISTS misbehaviour_device_at ON misbehaviour (device, at);
";

/// The tables with a time column `at`, which retention prunes.
const TABLES: [&str; 5] = [
    "trajectories",
    "events",
    "device_status",
    "advisories",
    "misbehaviour",
];

fn open_connection(path: &Path) -> Result<Connection> {
    let c = Connection::open(path).context(format!(
        "cannot open the database {} (is --data-dir writable?)",
        path.display()
    ))?;
    // WAL: readers never block the writer. FULL: a commit is on disk before it is counted.
    c.pragma_update(None, "journal_mode", "WAL")
        .context("cannot switch the database to WAL mode")?;
    c.pragma_update(None, "synchronous", "FULL")
        .context("cannot set synchronous = FULL")?;
    c.busy_timeout(std::time::Duration::from_secs(5))
        .context("cannot set the busy timeout")?;
    Ok(c)
}

/// The store: the database, its writer thread and a reading connection.
pub struct Store {
    path: PathBuf,
    stored: Arc<Stored>,
    reader: Mutex<Connection>,
}

/// Sends batches to the writer thread. Bounded: a caller that outpaces the disk waits.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::SyncSender<Vec<Record>>,
}

impl Writer {
    /// Queues a batch; waits while the queue is full. Fails only when the writer has stopped.
    pub fn write(&self, batch: Vec<Record>) -> std::result::Result<(), Vec<Record>> {
        if batch.is_empty() {
            return Ok(());
        }
        self.tx.send(batch).map_err(|e| e.0)
    }
}

impl Store {
    /// Opens (or creates) `roadcloud.db` under `dir`, and starts the writer thread. The
    /// writer stops when every [`Writer`] is dropped; join the handle to wait for its last
    /// commit.
    pub fn open(dir: &Path) -> Result<(Store, Writer, JoinHandle<()>)> {
        std::fs::create_dir_all(dir).map_err(|e| Error {
            context: format!("cannot create the data directory {}", dir.display()),
            source: Box::new(e),
        })?;
        let path = dir.join("roadcloud.db");
        let writer_conn = open_connection(&path)?;
        writer_conn
            .execute_batch(SCHEMA)
            .context("cannot create the tables")?;
        let reader = open_connection(&path)?;
        let stored = Arc::new(Stored::default());
        for (table, counter) in [
            ("trajectories", &stored.trajectories),
            ("events", &stored.events),
            ("device_status", &stored.device_status),
            ("advisories", &stored.advisories),
            ("misbehaviour", &stored.misbehaviour),
        ] {
            let n: i64 = reader
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                .context(format!("cannot count {table}"))?;
            counter.store(n as u64, Ordering::Release);
        }
        // Room for a few seconds of batches; beyond that the pipeline's sampler waits.
        let (tx, rx) = mpsc::sync_channel::<Vec<Record>>(64);
        let s = stored.clone();
        let handle = std::thread::Builder::new()
            .name("roadcloud-store".into())
            .spawn(move || write_loop(writer_conn, rx, &s))
            .expect("spawn the store writer");
        Ok((
            Store {
                path,
                stored,
                reader: Mutex::new(reader),
            },
            Writer { tx },
            handle,
        ))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rows committed so far.
    pub fn stored(&self) -> &Stored {
        &self.stored
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>, what: &str) -> Result<T> {
        let c = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        f(&c).context(what.to_string())
    }

    /// A participant's trajectory between `from` and `to` (inclusive), oldest first, at most
    /// `limit` samples.
    pub fn trajectory(
        &self,
        participant: &str,
        from: Millis,
        to: Millis,
        limit: u32,
    ) -> Result<Vec<TrajectoryPoint>> {
        self.read(
            |c| {
                let mut st = c.prepare_cached(
                    "SELECT participant, kind, at, lat, lon, speed_mps, heading_deg, lane
                     FROM trajectories WHERE participant = ?1 AND at BETWEEN ?2 AND ?3
                     ORDER BY at LIMIT ?4",
                )?;
                st.query_map(params![participant, from, to, limit], |r| {
                    Ok(TrajectoryPoint {
                        participant: r.get(0)?,
                        kind: r.get(1)?,
                        at: r.get(2)?,
                        lat: r.get(3)?,
                        lon: r.get(4)?,
                        speed_mps: r.get(5)?,
                        heading_deg: r.get(6)?,
                        lane: r.get(7)?,
                    })
                })?
                .collect()
            },
            "cannot read the trajectory",
        )
    }

    /// Event changes between `from` and `to`, newest first, at most `limit`.
    pub fn events(&self, from: Millis, to: Millis, limit: u32) -> Result<Vec<EventRecord>> {
        self.read(
            |c| {
                let mut st = c.prepare_cached(
                    "SELECT rsu, kind, local_id, code, change, at, lat, lon, radius_m,
                            description, start_at, end_at
                     FROM events WHERE at BETWEEN ?1 AND ?2 ORDER BY at DESC, rowid DESC
                     LIMIT ?3",
                )?;
                st.query_map(params![from, to, limit], |r| {
                    Ok(EventRecord {
                        rsu: r.get(0)?,
                        kind: r.get(1)?,
                        local_id: r.get(2)?,
                        code: r.get(3)?,
                        change: r.get(4)?,
                        at: r.get(5)?,
                        lat: r.get(6)?,
                        lon: r.get(7)?,
                        radius_m: r.get(8)?,
                        description: r.get(9)?,
                        start: r.get(10)?,
                        end: r.get(11)?,
                    })
                })?
                .collect()
            },
            "cannot read the events",
        )
    }

    /// Device status changes between `from` and `to`, of one device or all, newest first.
    pub fn device_status(
        &self,
        device: Option<&str>,
        from: Millis,
        to: Millis,
        limit: u32,
    ) -> Result<Vec<DeviceStatus>> {
        self.read(
            |c| {
                let mut st = c.prepare_cached(
                    "SELECT device, kind, status, at FROM device_status
                     WHERE (?1 IS NULL OR device = ?1) AND at BETWEEN ?2 AND ?3
                     ORDER BY at DESC, rowid DESC LIMIT ?4",
                )?;
                st.query_map(params![device, from, to, limit], |r| {
                    Ok(DeviceStatus {
                        device: r.get(0)?,
                        kind: r.get(1)?,
                        status: r.get(2)?,
                        at: r.get(3)?,
                    })
                })?
                .collect()
            },
            "cannot read the device status changes",
        )
    }

    /// Advisories between `from` and `to` (newest first), optionally of one scenario, for
    /// one vehicle, or in a box `(min_lon, min_lat, max_lon, max_lat)`.
    pub fn advisories(&self, q: &AdvisoryQuery) -> Result<Vec<AdvisoryRecord>> {
        let bbox = q.bbox.unwrap_or((-180.0, -90.0, 180.0, 90.0));
        self.read(
            |c| {
                let mut st = c.prepare_cached(
                    "SELECT scenario, target, at, lat, lon, json FROM advisories
                     WHERE at BETWEEN ?1 AND ?2 AND (?3 IS NULL OR scenario = ?3)
                       AND (?4 IS NULL OR target = ?4)
                       AND lon BETWEEN ?5 AND ?7 AND lat BETWEEN ?6 AND ?8
                     ORDER BY at DESC, rowid DESC LIMIT ?9",
                )?;
                st.query_map(
                    params![
                        q.from, q.to, q.scenario, q.target, bbox.0, bbox.1, bbox.2, bbox.3, q.limit
                    ],
                    |r| {
                        Ok(AdvisoryRecord {
                            scenario: r.get(0)?,
                            target: r.get(1)?,
                            at: r.get(2)?,
                            lat: r.get(3)?,
                            lon: r.get(4)?,
                            json: r.get(5)?,
                        })
                    },
                )?
                .collect()
            },
            "cannot read the advisories",
        )
    }

    /// Misbehaviour reports between `from` and `to` (newest first), optionally about one
    /// vehicle or of one kind.
    pub fn misbehaviour(&self, q: &MisbehaviourQuery) -> Result<Vec<MisbehaviourRecord>> {
        self.read(
            |c| {
                let mut st = c.prepare_cached(
                    "SELECT device, kind, at, action, json FROM misbehaviour
                     WHERE at BETWEEN ?1 AND ?2 AND (?3 IS NULL OR device = ?3)
                       AND (?4 IS NULL OR kind = ?4)
                     ORDER BY at DESC, rowid DESC LIMIT ?5",
                )?;
                st.query_map(params![q.from, q.to, q.device, q.kind, q.limit], |r| {
                    Ok(MisbehaviourRecord {
                        device: r.get(0)?,
                        kind: r.get(1)?,
                        at: r.get(2)?,
                        action: r.get(3)?,
                        json: r.get(4)?,
                    })
                })?
                .collect()
            },
            "cannot read the misbehaviour reports",
        )
    }

    /// Up to `limit` misbehaviour reports stored after the one numbered `after`, oldest
    /// first, each with its number: a cursor for whoever forwards them (the export to a
    /// misbehaviour authority), which survives restarts.
    pub fn misbehaviour_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<(i64, MisbehaviourRecord)>> {
        self.read(
            |c| {
                let mut st = c.prepare_cached(
                    "SELECT rowid, device, kind, at, action, json FROM misbehaviour
                     WHERE rowid > ?1 ORDER BY rowid LIMIT ?2",
                )?;
                st.query_map(params![after, limit], |r| {
                    Ok((
                        r.get(0)?,
                        MisbehaviourRecord {
                            device: r.get(1)?,
                            kind: r.get(2)?,
                            at: r.get(3)?,
                            action: r.get(4)?,
                            json: r.get(5)?,
                        },
                    ))
                })?
                .collect()
            },
            "cannot read the misbehaviour reports",
        )
    }

    /// The participants with a trajectory sample between `from` and `to`, with how many.
    pub fn participants_seen(&self, from: Millis, to: Millis) -> Result<Vec<(String, u64)>> {
        self.read(
            |c| {
                let mut st = c.prepare_cached(
                    "SELECT participant, COUNT(*) FROM trajectories WHERE at BETWEEN ?1 AND ?2
                     GROUP BY participant ORDER BY participant",
                )?;
                st.query_map(params![from, to], |r| {
                    Ok((r.get(0)?, r.get::<_, i64>(1)? as u64))
                })?
                .collect()
            },
            "cannot read the participants",
        )
    }

    /// Deletes every row older than `before`, in every table; returns how many went.
    /// (The counts in [`Stored`] are of rows ever committed and do not go down.)
    pub fn prune(&self, before: Millis) -> Result<u64> {
        let c = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        let mut n = 0;
        for t in TABLES {
            n += c
                .execute(&format!("DELETE FROM {t} WHERE at < ?1"), [before])
                .context(format!("cannot prune {t}"))? as u64;
        }
        Ok(n)
    }
}

fn write_loop(mut c: Connection, rx: mpsc::Receiver<Vec<Record>>, stored: &Stored) {
    while let Ok(mut batch) = rx.recv() {
        // Whatever else is queued goes into the same transaction: one fsync for all.
        while let Ok(more) = rx.try_recv() {
            batch.extend(more);
        }
        match commit(&mut c, &batch) {
            Ok(n) => {
                stored
                    .trajectories
                    .fetch_add(n.trajectories, Ordering::AcqRel);
                stored.events.fetch_add(n.events, Ordering::AcqRel);
                stored
                    .device_status
                    .fetch_add(n.device_status, Ordering::AcqRel);
                stored.advisories.fetch_add(n.advisories, Ordering::AcqRel);
                stored
                    .misbehaviour
                    .fetch_add(n.misbehaviour, Ordering::AcqRel);
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64);
                stored.last_commit_at.store(now, Ordering::Release);
            }
            Err(e) => {
                stored.failed_batches.fetch_add(1, Ordering::AcqRel);
                eprintln!(
                    "roadcloud-store: a batch of {} rows was not stored: {e}",
                    batch.len()
                );
            }
        }
    }
}

fn commit(c: &mut Connection, batch: &[Record]) -> Result<Counts> {
    let tx = c.transaction().context("cannot begin a transaction")?;
    let mut n = Counts::default();
    {
        let mut traj = tx
            .prepare_cached(
                "INSERT INTO trajectories (participant, kind, at, lat, lon, speed_mps, heading_deg, lane)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .context("cannot prepare the trajectory insert")?;
        let mut event = tx
            .prepare_cached(
                "INSERT INTO events (rsu, kind, local_id, code, change, at, lat, lon, radius_m,
                                     description, start_at, end_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .context("cannot prepare the event insert")?;
        let mut status = tx
            .prepare_cached(
                "INSERT INTO device_status (device, kind, status, at) VALUES (?1, ?2, ?3, ?4)",
            )
            .context("cannot prepare the device status insert")?;
        let mut advisory = tx
            .prepare_cached(
                "INSERT INTO advisories (scenario, target, at, lat, lon, json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .context("cannot prepare the advisory insert")?;
        let mut misbehaviour = tx
            .prepare_cached(
                "INSERT INTO misbehaviour (device, kind, at, action, json)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .context("cannot prepare the misbehaviour insert")?;
        for r in batch {
            match r {
                Record::Trajectory(p) => {
                    traj.execute(params![
                        p.participant,
                        p.kind,
                        p.at,
                        p.lat,
                        p.lon,
                        p.speed_mps,
                        p.heading_deg,
                        p.lane
                    ])
                    .context("cannot store a trajectory sample")?;
                    n.trajectories += 1;
                }
                Record::Event(e) => {
                    event
                        .execute(params![
                            e.rsu,
                            e.kind,
                            e.local_id,
                            e.code,
                            e.change,
                            e.at,
                            e.lat,
                            e.lon,
                            e.radius_m,
                            e.description,
                            e.start,
                            e.end
                        ])
                        .context("cannot store an event")?;
                    n.events += 1;
                }
                Record::DeviceStatus(d) => {
                    status
                        .execute(params![d.device, d.kind, d.status, d.at])
                        .context("cannot store a device status")?;
                    n.device_status += 1;
                }
                Record::Advisory(a) => {
                    advisory
                        .execute(params![a.scenario, a.target, a.at, a.lat, a.lon, a.json])
                        .context("cannot store an advisory")?;
                    n.advisories += 1;
                }
                Record::Misbehaviour(m) => {
                    misbehaviour
                        .execute(params![m.device, m.kind, m.at, m.action, m.json])
                        .context("cannot store a misbehaviour report")?;
                    n.misbehaviour += 1;
                }
            }
        }
    }
    tx.commit().context("cannot commit")?;
    Ok(n)
}
