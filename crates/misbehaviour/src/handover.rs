//! A sender's record crossing to another detector: in a cluster (docs/scale.md) each node
//! judges the reports made in its own tiles, so a vehicle driving into another node's
//! tiles meets a detector that has never heard of it. Without its record, a liar
//! quarantined on one node would start afresh, trusted, a few metres on; and the checks
//! that compare a report with the ones before it (position against speed, beacon
//! frequency, the Kalman filter) would have nothing to compare its first reports there
//! with. So each node hands the records of the senders near another node's tiles to that
//! node with its border mirrors, and the node taking one over goes on where the other
//! left off.

use crate::checks::Reported;
use crate::kalman::Kalman;
use crate::{Detector, HISTORY_MAX, Mode, QuarantineChange, Sender, cell_of};
use roadcloud_world::{Millis, Point};
use std::collections::VecDeque;

/// What a detector knows of one sender that another detector needs to go on judging it.
/// Left behind: when each kind was last reported (the next node may report a finding once
/// more), and what the sender overlapped or visited last (about its neighbours there,
/// which the next node sees for itself).
#[derive(Debug, Clone, PartialEq)]
pub struct SenderRecord {
    /// The vehicle id.
    pub device: [u8; 8],
    /// Its trust score, 0 to 1.
    pub trust: f64,
    /// When the score was last brought up to date, ms since the epoch (generation time).
    pub trust_at: Millis,
    /// Whether it is quarantined.
    pub quarantined: bool,
    /// How often it has been quarantined.
    pub quarantines: u32,
    /// Where it said it was when last quarantined.
    pub quarantined_where: Option<Point>,
    /// When its last report arrived, ms since the epoch: of two records of one sender, the
    /// one with the later arrival wins.
    pub last_seen: Millis,
    /// When it was first heard (since it was last forgotten), ms.
    pub since: Millis,
    /// Since when it has been where a camera looks without being seen, ms.
    pub unseen_since: Option<Millis>,
    /// Since when every report of it has arrived late, ms.
    pub late_since: Option<Millis>,
    /// The vehicles that drove through it while it stood, with when they last did.
    pub driven_through_by: Vec<([u8; 8], Millis)>,
    /// Its reports of the last seconds, oldest first.
    pub recent: Vec<Reported>,
}

impl Detector {
    /// The records of the senders whose last report lies where `pick` says something (its
    /// position in this node's tiles, near another node's: which nodes), each with what it
    /// said. A record is copied only once picked.
    pub fn records_where<T>(&self, pick: impl Fn(Point) -> Option<T>) -> Vec<(T, SenderRecord)> {
        self.senders
            .iter()
            .filter_map(|(id, s)| Some((id, s, pick(s.history.last()?.position)?)))
            .map(|(id, s, picked)| {
                (
                    picked,
                    SenderRecord {
                        device: *id,
                        trust: s.trust,
                        trust_at: s.trust_at,
                        quarantined: s.quarantined,
                        quarantines: s.quarantines,
                        quarantined_where: s.quarantined_where,
                        last_seen: s.last_seen,
                        since: s.history.since,
                        unseen_since: s.history.unseen_since,
                        late_since: s.history.late_since,
                        driven_through_by: s.history.driven_through_by.to_vec(),
                        recent: s.history.recent.iter().copied().collect(),
                    },
                )
            })
            .collect()
    }

    /// Takes in another detector's record of a sender, unless this one heard from it since
    /// (its last report arrived no earlier). Whether it was taken. A record comes from
    /// another node of the cluster, which is trusted, but its figures are bounded all the
    /// same: at most the history's usual length, in generation order, trust within 0 to 1.
    /// A sender it puts in quarantine (or releases) is a [`QuarantineChange`] here too, so
    /// that this node's map and store follow.
    pub fn adopt(&mut self, record: SenderRecord) -> bool {
        if self.config.mode == Mode::Off
            || self
                .senders
                .get(&record.device)
                .is_some_and(|s| s.last_seen >= record.last_seen)
        {
            return false;
        }
        let mut recent = record.recent;
        recent.sort_by_key(|r| r.generated_at);
        recent.dedup_by_key(|r| r.generated_at);
        let recent: VecDeque<Reported> = recent
            .into_iter()
            .rev()
            .take(HISTORY_MAX)
            .rev()
            .filter(|r| r.position.east_m.is_finite() && r.position.north_m.is_finite())
            .collect();
        let Some(last) = recent.back() else {
            return false;
        };
        let id = record.device;
        let old = self.senders.remove(&id);
        // What this node filed of the sender already stays filed; what it had not, is.
        let filed_until = old
            .as_ref()
            .and_then(|s| s.history.last())
            .map_or(Millis::MIN, |r| r.generated_at);
        for r in recent.iter().filter(|r| r.generated_at > filed_until) {
            self.replays.insert(id, r);
            self.lockstep.insert(id, record.since, r);
        }
        let mut kalman: Option<Kalman> = None;
        for r in &recent {
            match &mut kalman {
                Some(k) => k.update(r.position, r.generated_at),
                None => kalman = Some(Kalman::new(r.position, r.generated_at)),
            }
        }
        let cell = cell_of(last.position);
        let was_quarantined = old.as_ref().is_some_and(|s| s.quarantined);
        let mut sender = old.unwrap_or_else(|| Sender::new(record.since, record.last_seen));
        if sender.cell != cell {
            if let Some(ids) = self.cells.get_mut(&sender.cell) {
                ids.retain(|i| *i != id);
            }
            self.cells.entry(cell).or_default().push(id);
            sender.cell = cell;
        }
        sender.trust = if record.trust.is_finite() {
            record.trust.clamp(0.0, 1.0)
        } else {
            0.0
        };
        sender.trust_at = record.trust_at;
        sender.quarantined = record.quarantined;
        sender.quarantines = record.quarantines;
        sender.quarantined_where = record.quarantined_where;
        sender.last_seen = record.last_seen;
        let h = &mut sender.history;
        h.since = record.since;
        h.unseen_since = record.unseen_since;
        h.late_since = record.late_since;
        h.driven_through_by = record.driven_through_by.into_iter().take(8).collect();
        h.recent = recent;
        h.kalman = kalman;
        if record.quarantined != was_quarantined {
            self.changes.push(QuarantineChange {
                device: id,
                quarantined: record.quarantined,
                at: record.last_seen,
            });
        }
        self.senders.insert(id, sender);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Around, Verdict};
    use roadcloud_world::Observation;
    use roadcloud_world::observe::{Motion, ObservationSource, ParticipantKind};

    fn report(east_m: f64, speed_mps: f64, at: Millis) -> Observation {
        Observation {
            source: ObservationSource::SelfReport { vehicle: [9; 8] },
            kind: ParticipantKind::Vehicle,
            vehicle_class: None,
            position: Point {
                east_m,
                north_m: 0.0,
            },
            elevation_m: None,
            motion: Motion {
                speed_mps: Some(speed_mps),
                heading_deg: Some(90.0),
                accel_long_mps2: Some(0.0),
                accel_lat_mps2: None,
                yaw_rate_dps: None,
            },
            width_m: Some(1.8),
            length_m: Some(4.5),
            status: Default::default(),
            generated_at: at,
            received_at: at + 20,
        }
    }

    /// A liar quarantined by one detector is quarantined by the next from its first report
    /// there, and the next one's checks compare that report with the ones the first saw.
    #[test]
    fn a_quarantined_sender_stays_quarantined_on_the_detector_it_crosses_to() {
        let (mut west, mut east) = (Detector::default(), Detector::default());
        let around = Around::default();
        let id = [9; 8];
        // Claims 120 m/s while it moves 1.5 m a tenth of a second.
        for i in 0..5 {
            west.judge(
                id,
                &report(-10.0 + 1.5 * i as f64, 120.0, 1_000 + 100 * i),
                &around,
            );
        }
        assert!(west.is_quarantined(id));
        let records = west.records_where(|p| (p.east_m > -20.0).then_some(()));
        assert_eq!(records.len(), 1);
        assert!(east.adopt(records[0].1.clone()));
        assert!(east.take_changes().iter().any(|c| c.quarantined));
        let honest = report(-2.5, 15.0, 1_500);
        assert_eq!(east.judge(id, &honest, &around), Verdict::Quarantined);
        // A record older than what this detector has heard since is not taken.
        assert!(!east.adopt(records[0].1.clone()));

        // Without the record, the next detector trusts it.
        let mut fresh = Detector::default();
        assert_eq!(fresh.judge(id, &honest, &around), Verdict::Trusted);
    }

    /// The history crosses too: a jump between the last report on one detector and the
    /// first on the next is a finding there.
    #[test]
    fn the_next_detector_compares_the_first_report_with_the_last_one_before() {
        let around = Around::default();
        let id = [9; 8];
        let mut west = Detector::default();
        for i in 0..10 {
            west.judge(id, &report(1.5 * i as f64, 15.0, 1_000 + 100 * i), &around);
        }
        let mut east = Detector::default();
        east.adopt(west.records_where(|_| Some(())).remove(0).1);
        // 100 m on in a tenth of a second.
        east.judge(id, &report(113.5, 15.0, 2_000), &around);
        assert!(
            east.trust(id).is_some_and(|t| t < 1.0),
            "{:?}",
            east.trust(id)
        );
        let mut fresh = Detector::default();
        fresh.judge(id, &report(113.5, 15.0, 2_000), &around);
        assert_eq!(fresh.trust(id), Some(1.0));
    }

    #[test]
    fn a_record_from_another_node_is_bounded() {
        let mut d = Detector::default();
        let r = Reported::from(&report(0.0, 10.0, 0));
        let record = SenderRecord {
            device: [1; 8],
            trust: f64::NAN,
            trust_at: 0,
            quarantined: false,
            quarantines: 0,
            quarantined_where: None,
            last_seen: 10_000,
            since: 0,
            unseen_since: None,
            late_since: None,
            driven_through_by: vec![([2; 8], 0); 100],
            recent: (0..1_000)
                .rev()
                .map(|i| Reported {
                    generated_at: i,
                    ..r
                })
                .collect(),
        };
        assert!(d.adopt(record));
        let back = d.records_where(|_| Some(())).remove(0).1;
        assert_eq!(back.trust, 0.0);
        assert_eq!(back.recent.len(), HISTORY_MAX);
        assert!(
            back.recent
                .windows(2)
                .all(|w| w[0].generated_at < w[1].generated_at)
        );
        assert!(back.driven_through_by.len() <= 8);
    }
}
