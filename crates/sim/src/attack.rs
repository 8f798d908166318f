//! Attackers: vehicles that hold valid credentials and lie, as the VeReMi Extension catalogue
//! has them (Kamel et al., *VeReMi Extension: a dataset for comparable evaluation of
//! misbehavior detection in VANETs*, ICC 2020; F2MD's attack implementations and default
//! parameters), so that misbehaviour detection can be tested and measured.
//!
//! [`Attackers`] stands between a simulator's vehicles and their BSMs: each step the
//! simulator hands it every equipped vehicle's true state, and it returns what they send.
//! Honest vehicles send what their sensors read of it ([`crate::sensors`]); a share of
//! them, drawn from their ids, attack from [`AttackConfig::onset_s`] after they first send,
//! each with one attack of the catalogue (taken in turn, so that every attack has its
//! attackers), forging its lies from its own sensors' reading. Every attacker is labelled
//! ([`Label`]): the ids it sent under, its attack, when the attack began and when its lie
//! first showed.
//!
//! An attacker sends on its own OBU's topic (its authenticated link) whatever vehicle id its
//! BSMs carry: a Sybil's pseudonyms come through the one device that forges them, except
//! for the one holding other devices' credentials ([`Attack::GridSybilDevices`]).

use crate::messages::{self, VehicleState};
use crate::rng::Rng;
use crate::sensors;
use roadcloud_csae as csae;
use roadcloud_transport::{DeviceId, DeviceKind, MessageKind, Topic};
use roadcloud_world::{LocalFrame, Millis, Point};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// An attack of the VeReMi Extension catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Attack {
    /// Reports one fixed place (F2MD ConstPos).
    ConstantPosition,
    /// Reports its place shifted by a fixed offset of about 70 m each way (ConstPosOffset).
    ConstantPositionOffset,
    /// Reports a random place in the zone each time (RandomPos).
    RandomPosition,
    /// Reports its place shifted by a random offset of up to ±35 m each way
    /// (RandomPosOffset).
    RandomPositionOffset,
    /// Reports one fixed speed of up to 40 m/s each way (ConstSpeed).
    ConstantSpeed,
    /// Reports its speed with a fixed offset of about 7 m/s each way (ConstSpeedOffset).
    ConstantSpeedOffset,
    /// Reports a random speed each time (RandomSpeed).
    RandomSpeed,
    /// Reports its speed with a random offset each time (RandomSpeedOffset).
    RandomSpeedOffset,
    /// Reports itself stopped where it was at the onset, from then on (EventualStop).
    EventualStop,
    /// Reports a random neighbour's latest state as its own (Disruptive).
    Disruptive,
    /// Reports the nearest neighbour's latest state as its own (DataReplay).
    DataReplay,
    /// Sends its own reports a second late, with their own generation time
    /// (DelayedMessages).
    DelayedMessages,
    /// Sends its true reports four times as often (DoS).
    DoS,
    /// Sends random reports four times as often (DoSRandom).
    DoSRandom,
    /// Sends random neighbours' states as its own four times as often (DoSDisruptive).
    DoSDisruptive,
    /// Poses as six vehicles: itself and five ghosts in a grid behind and beside it
    /// (GridSybil).
    GridSybil,
    /// A grid Sybil holding five other devices' credentials (beyond VeReMi): each ghost
    /// sends under a device of its own, on that device's topic and signed with its key, so
    /// that no link ties the ghosts to the attacker.
    GridSybilDevices,
    /// Replays a neighbour's states under a new id for each neighbour it replays
    /// (DataReplaySybil).
    DataReplaySybil,
    /// Sends random reports four times as often, each under a new id (DoSRandomSybil).
    DoSRandomSybil,
    /// Sends random neighbours' states four times as often, each under a new id
    /// (DoSDisruptiveSybil).
    DoSDisruptiveSybil,
}

impl Attack {
    /// The catalogue, in VeReMi Extension's order (and the grid Sybil with several devices'
    /// credentials after the grid Sybil).
    pub const ALL: [Attack; 20] = [
        Attack::ConstantPosition,
        Attack::ConstantPositionOffset,
        Attack::RandomPosition,
        Attack::RandomPositionOffset,
        Attack::ConstantSpeed,
        Attack::ConstantSpeedOffset,
        Attack::RandomSpeed,
        Attack::RandomSpeedOffset,
        Attack::EventualStop,
        Attack::Disruptive,
        Attack::DataReplay,
        Attack::DelayedMessages,
        Attack::DoS,
        Attack::DoSRandom,
        Attack::DoSDisruptive,
        Attack::GridSybil,
        Attack::GridSybilDevices,
        Attack::DataReplaySybil,
        Attack::DoSRandomSybil,
        Attack::DoSDisruptiveSybil,
    ];

    /// Its name in labels and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Attack::ConstantPosition => "constant_position",
            Attack::ConstantPositionOffset => "constant_position_offset",
            Attack::RandomPosition => "random_position",
            Attack::RandomPositionOffset => "random_position_offset",
            Attack::ConstantSpeed => "constant_speed",
            Attack::ConstantSpeedOffset => "constant_speed_offset",
            Attack::RandomSpeed => "random_speed",
            Attack::RandomSpeedOffset => "random_speed_offset",
            Attack::EventualStop => "eventual_stop",
            Attack::Disruptive => "disruptive",
            Attack::DataReplay => "data_replay",
            Attack::DelayedMessages => "delayed_messages",
            Attack::DoS => "dos",
            Attack::DoSRandom => "dos_random",
            Attack::DoSDisruptive => "dos_disruptive",
            Attack::GridSybil => "grid_sybil",
            Attack::GridSybilDevices => "grid_sybil_devices",
            Attack::DataReplaySybil => "data_replay_sybil",
            Attack::DoSRandomSybil => "dos_random_sybil",
            Attack::DoSDisruptiveSybil => "dos_disruptive_sybil",
        }
    }

    /// The attack named `s`.
    pub fn parse(s: &str) -> Option<Attack> {
        Attack::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Whether it lies about its own position or speed under its own id (and its lie shows
    /// only once that is off the truth: [`Label::visible_ms`]).
    fn lies_in_own_motion(self) -> bool {
        matches!(
            self,
            Attack::ConstantPosition
                | Attack::ConstantPositionOffset
                | Attack::RandomPosition
                | Attack::RandomPositionOffset
                | Attack::ConstantSpeed
                | Attack::ConstantSpeedOffset
                | Attack::RandomSpeed
                | Attack::RandomSpeedOffset
                | Attack::EventualStop
        )
    }

    /// Reports sent per true report (F2MD's DosMultipleFreq: 4).
    fn copies(self) -> usize {
        match self {
            Attack::DoS
            | Attack::DoSRandom
            | Attack::DoSDisruptive
            | Attack::DoSRandomSybil
            | Attack::DoSDisruptiveSybil => 4,
            _ => 1,
        }
    }
}

/// F2MD's defaults (F2MDParameters.h): random places within this of the true one, metres
/// (its playground is some kilometres wide; a zone's RSU-covered area, 500 m around the
/// vehicle, keeps the lie in the zone).
const RANDOM_POSITION_M: f64 = 500.0;
/// RandomPosOffsetX/Y, metres.
const POSITION_OFFSET_M: f64 = 70.0;
/// RandomSpeedX/Y, m/s.
const RANDOM_SPEED_MPS: f64 = 40.0;
/// RandomSpeedOffsetX/Y, m/s.
const SPEED_OFFSET_MPS: f64 = 7.0;
/// SybilVehNumber: ghosts of a grid Sybil.
const SYBIL_GHOSTS: usize = 5;
/// SybilDistanceX/Y: gaps between a grid Sybil's ghosts, metres (behind, beside).
const SYBIL_GAP_M: (f64, f64) = (5.0, 2.0);
/// How late a delayed attacker sends, milliseconds (within admission's 2 s window, which
/// drops anything older as stale).
const DELAY_MS: Millis = 1_000;
/// Neighbours are the vehicles within radio range, metres.
const RANGE_M: f64 = 300.0;
/// A data-replay Sybil takes a new neighbour (and id) this often, milliseconds.
const REPLAY_TARGET_MS: Millis = 3_000;

/// How long an id's MsgCount is kept after its last message, milliseconds.
const COUNTS_KEPT_MS: Millis = 60_000;

/// Which vehicles attack, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct AttackConfig {
    /// The share of vehicles that attack, 0 to 1 (drawn from their ids: the same in every
    /// run).
    pub share: f64,
    /// The attacks, taken in turn by the attackers as they first send.
    pub attacks: Vec<Attack>,
    /// How long an attacker sends the truth before it lies, seconds (its track is
    /// established, as an insider's is).
    pub onset_s: f64,
}

impl AttackConfig {
    /// `share` of the vehicles attacking with `attacks` (all of the catalogue when empty).
    pub fn new(share: f64, attacks: &[Attack]) -> Self {
        AttackConfig {
            share,
            attacks: if attacks.is_empty() {
                Attack::ALL.to_vec()
            } else {
                attacks.to_vec()
            },
            ..AttackConfig::default()
        }
    }
}

impl Default for AttackConfig {
    fn default() -> Self {
        AttackConfig {
            share: 0.0,
            attacks: Attack::ALL.to_vec(),
            onset_s: 5.0,
        }
    }
}

/// One attacker, for the evaluation: who, how, from when, and under which ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// Its own id (and its OBU's, whose topic carries all it sends).
    pub device: [u8; 8],
    /// Its attack.
    pub attack: Attack,
    /// When the attack began, ms since the epoch.
    pub onset_ms: Millis,
    /// Every vehicle id it sent under (its own and its pseudonyms), in order of first use.
    pub ids: Vec<[u8; 8]>,
    /// Whether it began to lie (an attacker gone before its onset never did).
    pub lied: bool,
    /// When its lie first showed, ms since the epoch: for an attack on its own position or
    /// speed, the first report further from the truth than a sensor errs
    /// ([`VISIBLE_POSITION_M`], [`VISIBLE_SPEED_MPS`]); for the others, its onset. A speed
    /// offset added to the speed vector can leave the speed it reports within a metre a
    /// second of the truth while the car keeps its course, and a car standing still that
    /// says so at its onset (`eventual_stop`) does not lie until it drives on.
    pub visible_ms: Option<Millis>,
}

/// A reported position off the truth by more than this shows a lie, metres: a GNSS fix's
/// error (the detector's `position_tolerance_m`).
pub const VISIBLE_POSITION_M: f64 = 3.0;
/// A reported speed off the truth by more than this shows a lie, m/s: what positions a
/// second apart tell a speed to, with the 1.5 m error of a displacement between two fixes
/// (the detector's `displacement_tolerance_m`).
pub const VISIBLE_SPEED_MPS: f64 = 1.5;

/// A vehicle's id, scrambled: whether it attacks, and the seed of its lies (the same
/// attacker lies the same way in every run).
fn hash(id: [u8; 8]) -> u64 {
    Rng(u64::from_be_bytes(id)).next()
}

/// What one attacker keeps between steps.
#[derive(Debug, Clone)]
struct Liar {
    label: Label,
    draw: Rng,
    /// Fixed lies drawn at the onset: a place, an offset, a speed vector.
    fixed_place: Point,
    fixed_offset: (f64, f64),
    fixed_speed: (f64, f64),
    /// Where it stood at the onset (eventual stop).
    stopped: Option<VehicleState>,
    /// Its own states of the last seconds, with their times (delayed messages).
    past: VecDeque<(VehicleState, Millis)>,
    /// The neighbour it replays, its id for it, and since when.
    target: Option<([u8; 8], [u8; 8], Millis)>,
    ghosts: Vec<[u8; 8]>,
    pseudonyms: u32,
}

impl Liar {
    fn pseudonym(&mut self) -> [u8; 8] {
        self.pseudonyms += 1;
        let d = self.label.device;
        // 0xA5, the attacker's last three octets, a counter: apart from SUMO's hashed ids.
        let n = self.pseudonyms.to_be_bytes();
        let id = [0xA5, d[5], d[6], d[7], n[0], n[1], n[2], n[3]];
        self.label.ids.push(id);
        id
    }
}

/// One BSM to send: what it says, when it was generated, and the OBU whose link carries it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sent {
    /// What it says (its `id` is the vehicle id it is sent under).
    pub state: VehicleState,
    /// Its generation time, ms since the epoch.
    pub generated_at: Millis,
    /// The OBU that sends it.
    pub link: [u8; 8],
}

/// The vehicles' BSMs, a share of them lies (module docs).
#[derive(Debug, Clone)]
pub struct Attackers {
    config: AttackConfig,
    /// Every vehicle seen: when it first and last sent.
    present: HashMap<[u8; 8], (Millis, Millis)>,
    liars: HashMap<[u8; 8], Liar>,
    /// The honest states of the last step (what neighbours hear), by id.
    last_step: Vec<VehicleState>,
    /// Each id's last MsgCount and when it was last sent under: ids silent a minute are
    /// forgotten (a demo runs for days; a Sybil makes a new id per message).
    counts: HashMap<[u8; 8], (u8, Millis)>,
    counts_pruned_at: Millis,
    assigned: usize,
}

impl Attackers {
    /// Attackers as `config` has them.
    pub fn new(config: AttackConfig) -> Self {
        Attackers {
            config,
            present: HashMap::new(),
            liars: HashMap::new(),
            last_step: Vec::new(),
            counts: HashMap::new(),
            counts_pruned_at: Millis::MIN / 2,
            assigned: 0,
        }
    }

    /// The attackers so far, labelled.
    pub fn labels(&self) -> impl Iterator<Item = &Label> {
        self.liars.values().map(|l| &l.label)
    }

    /// When each vehicle that sent was first and last seen (its true id), ms since the
    /// epoch.
    pub fn present(&self) -> &HashMap<[u8; 8], (Millis, Millis)> {
        &self.present
    }

    /// Whether vehicle `id` is drawn to attack.
    fn drawn(&self, id: [u8; 8]) -> bool {
        (hash(id) >> 11) as f64 / (1u64 << 53) as f64 <= self.config.share
            && self.config.share > 0.0
            && !self.config.attacks.is_empty()
    }

    /// What the vehicles in `honest` (their true states) send at `now_ms`.
    pub fn send(&mut self, honest: &[VehicleState], now_ms: Millis) -> Vec<Sent> {
        let mut out = Vec::with_capacity(honest.len());
        // What each vehicle's sensors read: what it sends, and what an attacker forges from.
        let read: Vec<VehicleState> = honest
            .iter()
            .map(|s| sensors::measured(s, now_ms))
            .collect();
        for (truth, s) in honest.iter().zip(&read) {
            let seen = self.present.entry(s.id).or_insert((now_ms, now_ms));
            seen.1 = now_ms;
            let first = seen.0;
            let onset = first + (self.config.onset_s * 1_000.0) as Millis;
            if !self.liars.contains_key(&s.id) && self.drawn(s.id) {
                let attack = self.config.attacks[self.assigned % self.config.attacks.len()];
                self.assigned += 1;
                let mut draw = Rng(hash(s.id) ^ 0x5eed);
                let liar = Liar {
                    label: Label {
                        device: s.id,
                        attack,
                        onset_ms: onset,
                        ids: vec![],
                        lied: false,
                        visible_ms: None,
                    },
                    fixed_place: Point {
                        east_m: s.position.east_m
                            + draw.uniform(-RANDOM_POSITION_M, RANDOM_POSITION_M),
                        north_m: s.position.north_m
                            + draw.uniform(-RANDOM_POSITION_M, RANDOM_POSITION_M),
                    },
                    fixed_offset: (
                        draw.uniform(0.8, 1.2) * POSITION_OFFSET_M,
                        draw.uniform(0.8, 1.2) * POSITION_OFFSET_M,
                    ),
                    fixed_speed: (
                        draw.uniform(0.0, RANDOM_SPEED_MPS),
                        draw.uniform(0.0, RANDOM_SPEED_MPS),
                    ),
                    draw,
                    stopped: None,
                    past: VecDeque::new(),
                    target: None,
                    ghosts: vec![],
                    pseudonyms: 0,
                };
                self.liars.insert(s.id, liar);
            }
            let Some(mut liar) = self.liars.remove(&s.id) else {
                out.push(Sent {
                    state: *s,
                    generated_at: now_ms,
                    link: s.id,
                });
                continue;
            };
            if now_ms < onset {
                out.push(Sent {
                    state: *s,
                    generated_at: now_ms,
                    link: s.id,
                });
            } else {
                let from = out.len();
                self.lie(&mut liar, s, now_ms, &mut out);
                if liar.label.visible_ms.is_none()
                    && (!liar.label.attack.lies_in_own_motion()
                        || out[from..].iter().any(|sent| {
                            sent.state.position.distance_to(truth.position) > VISIBLE_POSITION_M
                                || (sent.state.speed_mps - truth.speed_mps).abs()
                                    > VISIBLE_SPEED_MPS
                        }))
                {
                    liar.label.visible_ms = Some(now_ms);
                }
            }
            if !liar.label.ids.contains(&s.id) {
                // Its own id: sent under before the onset, or by the attack.
                liar.label.ids.insert(0, s.id);
            }
            liar.past.push_back((*s, now_ms));
            while liar
                .past
                .front()
                .is_some_and(|(_, at)| now_ms - at > DELAY_MS + 200)
            {
                liar.past.pop_front();
            }
            self.liars.insert(s.id, liar);
        }
        self.last_step = read;
        out
    }

    /// The lies `liar` (truly in state `s`) tells at `now_ms`.
    fn lie(&self, liar: &mut Liar, s: &VehicleState, now_ms: Millis, out: &mut Vec<Sent>) {
        let attack = liar.label.attack;
        liar.label.lied = true;
        let link = s.id;
        let copies = attack.copies();
        for k in 0..copies {
            // DoS: the copies spread over the step (100 ms).
            let at = now_ms + (k * 100 / copies) as Millis;
            let d = &mut liar.draw;
            let heading = s.heading_deg.to_radians();
            let with_speed_vector = |mut st: VehicleState, (ve, vn): (f64, f64)| {
                // F2MD lies in the speed vector; a BSM carries its length, the heading
                // stays the true one.
                st.speed_mps = ve.hypot(vn);
                st
            };
            let true_vector = (s.speed_mps * heading.sin(), s.speed_mps * heading.cos());
            let random_state = |d: &mut Rng| {
                let mut st = *s;
                st.position = Point {
                    east_m: s.position.east_m + d.uniform(-RANDOM_POSITION_M, RANDOM_POSITION_M),
                    north_m: s.position.north_m + d.uniform(-RANDOM_POSITION_M, RANDOM_POSITION_M),
                };
                st.speed_mps = d
                    .uniform(0.0, RANDOM_SPEED_MPS)
                    .hypot(d.uniform(0.0, RANDOM_SPEED_MPS));
                st.heading_deg = d.uniform(0.0, 360.0);
                st
            };
            let sent: Option<VehicleState> = match attack {
                Attack::ConstantPosition => Some(VehicleState {
                    position: liar.fixed_place,
                    ..*s
                }),
                Attack::ConstantPositionOffset => Some(VehicleState {
                    position: Point {
                        east_m: s.position.east_m + liar.fixed_offset.0,
                        north_m: s.position.north_m + liar.fixed_offset.1,
                    },
                    ..*s
                }),
                Attack::RandomPosition => Some(VehicleState {
                    position: Point {
                        east_m: s.position.east_m
                            + d.uniform(-RANDOM_POSITION_M, RANDOM_POSITION_M),
                        north_m: s.position.north_m
                            + d.uniform(-RANDOM_POSITION_M, RANDOM_POSITION_M),
                    },
                    ..*s
                }),
                Attack::RandomPositionOffset => Some(VehicleState {
                    position: Point {
                        east_m: s.position.east_m
                            + d.uniform(-POSITION_OFFSET_M, POSITION_OFFSET_M) / 2.0,
                        north_m: s.position.north_m
                            + d.uniform(-POSITION_OFFSET_M, POSITION_OFFSET_M) / 2.0,
                    },
                    ..*s
                }),
                Attack::ConstantSpeed => Some(with_speed_vector(*s, liar.fixed_speed)),
                Attack::ConstantSpeedOffset => {
                    let o = (
                        SPEED_OFFSET_MPS * (liar.fixed_offset.0 / POSITION_OFFSET_M),
                        SPEED_OFFSET_MPS * (liar.fixed_offset.1 / POSITION_OFFSET_M),
                    );
                    Some(with_speed_vector(
                        *s,
                        (true_vector.0 + o.0, true_vector.1 + o.1),
                    ))
                }
                Attack::RandomSpeed => Some(with_speed_vector(
                    *s,
                    (
                        d.uniform(0.0, RANDOM_SPEED_MPS),
                        d.uniform(0.0, RANDOM_SPEED_MPS),
                    ),
                )),
                Attack::RandomSpeedOffset => {
                    let o = (
                        d.sign() * d.uniform(0.8, 1.2) * SPEED_OFFSET_MPS,
                        d.sign() * d.uniform(0.8, 1.2) * SPEED_OFFSET_MPS,
                    );
                    Some(with_speed_vector(
                        *s,
                        (true_vector.0 + o.0, true_vector.1 + o.1),
                    ))
                }
                Attack::EventualStop => {
                    let stop = *liar.stopped.get_or_insert(VehicleState {
                        speed_mps: 0.0,
                        accel_mps2: 0.0,
                        yaw_rate_dps: 0.0,
                        ..*s
                    });
                    Some(VehicleState { id: s.id, ..stop })
                }
                Attack::Disruptive | Attack::DoSDisruptive | Attack::DoSDisruptiveSybil => {
                    let near = self.neighbours(s);
                    (!near.is_empty()).then(|| {
                        let pick = (d.next() % near.len() as u64) as usize;
                        VehicleState {
                            id: s.id,
                            ..*near[pick]
                        }
                    })
                }
                Attack::DataReplay | Attack::DataReplaySybil => {
                    let near = self.neighbours(s);
                    let kept = liar.target.and_then(|(t, id, since)| {
                        let fresh =
                            attack == Attack::DataReplay || now_ms - since < REPLAY_TARGET_MS;
                        near.iter().find(|n| n.id == t && fresh).map(|n| (**n, id))
                    });
                    let chosen = kept.or_else(|| {
                        // The nearest neighbour; a Sybil takes a new id for it.
                        let n = near.iter().min_by(|a, b| {
                            a.position
                                .distance_to(s.position)
                                .total_cmp(&b.position.distance_to(s.position))
                        })?;
                        let id = if attack == Attack::DataReplaySybil {
                            liar.pseudonym()
                        } else {
                            s.id
                        };
                        liar.target = Some((n.id, id, now_ms));
                        Some((**n, id))
                    });
                    chosen.map(|(n, id)| VehicleState { id, ..n })
                }
                Attack::DelayedMessages => {
                    // Its report of a second ago, with that report's time.
                    if let Some((old, old_at)) = liar
                        .past
                        .iter()
                        .find(|(_, at)| now_ms - at <= DELAY_MS)
                        .copied()
                    {
                        out.push(Sent {
                            state: old,
                            generated_at: old_at,
                            link,
                        });
                    }
                    None
                }
                Attack::DoS => Some(*s),
                Attack::DoSRandom => Some(random_state(d)),
                Attack::DoSRandomSybil => {
                    let st = random_state(&mut liar.draw);
                    Some(VehicleState {
                        id: liar.pseudonym(),
                        ..st
                    })
                }
                Attack::GridSybil | Attack::GridSybilDevices => {
                    if liar.ghosts.is_empty() {
                        liar.ghosts = (0..SYBIL_GHOSTS).map(|_| liar.pseudonym()).collect();
                    }
                    out.push(Sent {
                        state: *s,
                        generated_at: at,
                        link,
                    });
                    let (w, l) = s.size_m;
                    for (g, &ghost) in liar.ghosts.iter().enumerate() {
                        // F2MD's grid: ghost g+1 sits (g+1)/2 vehicle lengths back and
                        // (g+1)%2 widths aside, jittered by a tenth of the gaps.
                        let back = g.div_ceil(2) as f64 * (l + SYBIL_GAP_M.0)
                            + liar.draw.uniform(-0.5, 0.5);
                        let aside = ((g + 1) % 2) as f64 * (w + SYBIL_GAP_M.1)
                            + liar.draw.uniform(-0.2, 0.2);
                        let (sin, cos) = heading.sin_cos();
                        out.push(Sent {
                            state: VehicleState {
                                id: ghost,
                                position: Point {
                                    east_m: s.position.east_m - back * sin + aside * cos,
                                    north_m: s.position.north_m - back * cos - aside * sin,
                                },
                                ..*s
                            },
                            generated_at: at,
                            // With stolen credentials, each ghost on its own device's link.
                            link: if attack == Attack::GridSybilDevices {
                                ghost
                            } else {
                                link
                            },
                        });
                    }
                    None
                }
            };
            if let Some(state) = sent {
                let state = if attack == Attack::DoSDisruptiveSybil {
                    VehicleState {
                        id: liar.pseudonym(),
                        ..state
                    }
                } else {
                    state
                };
                out.push(Sent {
                    state,
                    generated_at: at,
                    link,
                });
            }
        }
    }

    /// The vehicles within radio range of `s`, as they sent last step.
    fn neighbours(&self, s: &VehicleState) -> Vec<&VehicleState> {
        self.last_step
            .iter()
            .filter(|n| n.id != s.id && n.position.distance_to(s.position) <= RANGE_M)
            .collect()
    }

    /// [`send`](Self::send), as BSMs on their senders' OBU topics.
    pub fn bsms(
        &mut self,
        frame: &LocalFrame,
        honest: &[VehicleState],
        now_ms: Millis,
    ) -> Vec<(String, csae::MessageFrame)> {
        if now_ms - self.counts_pruned_at >= COUNTS_KEPT_MS / 6 {
            self.counts_pruned_at = now_ms;
            self.counts
                .retain(|_, (_, last)| now_ms - *last <= COUNTS_KEPT_MS);
        }
        self.send(honest, now_ms)
            .into_iter()
            .map(|sent| {
                let (count, last) = self.counts.entry(sent.state.id).or_insert((0, now_ms));
                *count = (*count + 1) % 128;
                *last = now_ms;
                (
                    Topic::uplink(DeviceKind::Obu, DeviceId(sent.link), MessageKind::Bsm),
                    csae::MessageFrame::BsmFrame(messages::bsm(
                        frame,
                        &sent.state,
                        *count,
                        sent.generated_at,
                    )),
                )
            })
            .collect()
    }
}

/// A misbehaviour report, as the evaluation reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reported {
    /// The vehicle id it is about.
    pub vehicle: [u8; 8],
    /// The detector that made it.
    pub kind: String,
    /// When, ms since the epoch.
    pub at_ms: Millis,
}

/// How one attack fared against the detector.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttackScore {
    /// Attackers that began to lie.
    pub attackers: usize,
    /// Of them, reported (under any of their ids) after their onset.
    pub detected: usize,
    /// Of them, reported within a second of their onset.
    pub within_1s: usize,
    /// Attackers whose lie showed ([`Label::visible_ms`]).
    pub shown: usize,
    /// Of them, reported within a second of its showing.
    pub within_1s_of_showing: usize,
    /// Each detected attacker's time from onset to its first report, milliseconds.
    pub delays_ms: Vec<Millis>,
    /// The reports about them, by kind.
    pub kinds: BTreeMap<String, usize>,
}

impl AttackScore {
    /// The share of attackers reported within a second of their onset.
    pub fn rate_within_1s(&self) -> Option<f64> {
        (self.attackers > 0).then(|| self.within_1s as f64 / self.attackers as f64)
    }

    /// The share of the attackers whose lie showed reported within a second of its showing.
    pub fn rate_within_1s_of_showing(&self) -> Option<f64> {
        (self.shown > 0).then(|| self.within_1s_of_showing as f64 / self.shown as f64)
    }

    /// The median time to detection, milliseconds.
    pub fn median_delay_ms(&self) -> Option<Millis> {
        let mut d = self.delays_ms.clone();
        d.sort_unstable();
        d.get(d.len() / 2).copied()
    }
}

/// The detector against labelled attackers: detection per attack, false positives on the
/// honest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Score {
    /// Each attack's figures.
    pub attacks: BTreeMap<Attack, AttackScore>,
    /// Honest vehicles that sent.
    pub honest: usize,
    /// Of them, reported at least once.
    pub honest_reported: usize,
    /// Reports about honest vehicles (and about attackers before their onset).
    pub false_reports: usize,
    /// The honest vehicles' time in the run, hours.
    pub honest_hours: f64,
    /// The false reports, by kind.
    pub false_kinds: BTreeMap<String, usize>,
}

impl Score {
    /// Scores `reports` against `labels`; `present` is when each vehicle id that sent was
    /// first and last seen (ms since the epoch).
    pub fn of(
        labels: &[Label],
        reports: &[Reported],
        present: &HashMap<[u8; 8], (Millis, Millis)>,
    ) -> Score {
        let mut score = Score::default();
        let mut attacker_of: HashMap<[u8; 8], usize> = HashMap::new();
        for (i, l) in labels.iter().enumerate() {
            for id in &l.ids {
                attacker_of.insert(*id, i);
            }
        }
        let mut first: Vec<Option<Millis>> = vec![None; labels.len()];
        let mut honest_reported = std::collections::HashSet::new();
        for r in reports {
            match attacker_of.get(&r.vehicle) {
                Some(&i) if r.at_ms >= labels[i].onset_ms => {
                    let f = &mut first[i];
                    *f = Some(f.map_or(r.at_ms, |f| f.min(r.at_ms)));
                    *score
                        .attacks
                        .entry(labels[i].attack)
                        .or_default()
                        .kinds
                        .entry(r.kind.clone())
                        .or_default() += 1;
                }
                Some(_) => {}
                None => {
                    honest_reported.insert(r.vehicle);
                }
            }
            if attacker_of
                .get(&r.vehicle)
                .is_none_or(|&i| r.at_ms < labels[i].onset_ms)
            {
                score.false_reports += 1;
                *score.false_kinds.entry(r.kind.clone()).or_default() += 1;
            }
        }
        for (l, first) in labels.iter().zip(first) {
            if !l.lied {
                continue;
            }
            let a = score.attacks.entry(l.attack).or_default();
            a.attackers += 1;
            if let Some(at) = first {
                let delay = at - l.onset_ms;
                a.detected += 1;
                a.within_1s += usize::from(delay <= 1_000);
                a.delays_ms.push(delay);
            }
            if let Some(shown) = l.visible_ms {
                a.shown += 1;
                a.within_1s_of_showing += usize::from(first.is_some_and(|at| at - shown <= 1_000));
            }
        }
        for (id, (from, to)) in present {
            if !attacker_of.contains_key(id) {
                score.honest += 1;
                score.honest_hours += (to - from).max(0) as f64 / 3_600_000.0;
            }
        }
        score.honest_reported = honest_reported.len();
        score
    }

    /// False reports per honest vehicle-hour.
    pub fn false_per_hour(&self) -> Option<f64> {
        (self.honest_hours > 0.0).then(|| self.false_reports as f64 / self.honest_hours)
    }

    /// The share of honest vehicles reported at least once.
    pub fn honest_reported_share(&self) -> Option<f64> {
        (self.honest > 0).then(|| self.honest_reported as f64 / self.honest as f64)
    }

    /// The figures as a table.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<26} {:>9} {:>9} {:>11} {:>16} {:>14}  kinds\n",
            "attack", "attackers", "detected", "within 1 s", "1 s of showing", "median delay"
        );
        let percent = |r: Option<f64>| r.map_or("-".into(), |r| format!("{:.0} %", 100.0 * r));
        for (attack, a) in &self.attacks {
            let kinds: Vec<String> = a.kinds.iter().map(|(k, n)| format!("{k} {n}")).collect();
            out += &format!(
                "{:<26} {:>9} {:>9} {:>11} {:>16} {:>14}  {}\n",
                attack.as_str(),
                a.attackers,
                a.detected,
                percent(a.rate_within_1s()),
                percent(a.rate_within_1s_of_showing()),
                a.median_delay_ms()
                    .map_or("-".into(), |d| format!("{d} ms")),
                kinds.join(", ")
            );
        }
        out += &format!(
            "honest vehicles: {}, reported: {} ({}); false reports: {} ({} per vehicle-hour over {:.2} vehicle-hours)\n",
            self.honest,
            self.honest_reported,
            self.honest_reported_share()
                .map_or("-".into(), |s| format!("{:.1} %", 100.0 * s)),
            self.false_reports,
            self.false_per_hour()
                .map_or("-".into(), |f| format!("{f:.1}")),
            self.honest_hours
        );
        if !self.false_kinds.is_empty() {
            let kinds: Vec<String> = self
                .false_kinds
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            out += &format!("false reports by kind: {}\n", kinds.join(", "));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn car(i: u8, east_m: f64) -> VehicleState {
        VehicleState::car(
            [i; 8],
            Point {
                east_m,
                north_m: 0.0,
            },
            90.0,
            10.0,
        )
    }

    #[test]
    fn names_round_trip() {
        for a in Attack::ALL {
            assert_eq!(Attack::parse(a.as_str()), Some(a));
        }
    }

    #[test]
    fn no_share_sends_the_truth() {
        let mut attackers = Attackers::new(AttackConfig::default());
        let cars = [car(1, 0.0), car(2, 20.0)];
        for step in 0..100 {
            let now = 1_000 + step * 100;
            let sent = attackers.send(&cars, now);
            assert_eq!(sent.len(), 2);
            assert!(
                sent.iter()
                    .zip(&cars)
                    .all(|(s, c)| s.state == sensors::measured(c, now) && s.link == c.id)
            );
        }
        assert_eq!(attackers.labels().count(), 0);
    }

    /// Every vehicle attacking with `attack`, 60 of them 10 m apart: what vehicle 0 sends
    /// at 6 s, after its onset at 5 s.
    fn sent_by_one(attack: Attack) -> (Vec<Sent>, Label) {
        let mut attackers = Attackers::new(AttackConfig {
            share: 1.0,
            attacks: vec![attack],
            onset_s: 5.0,
        });
        let cars: Vec<VehicleState> = (0..60).map(|i| car(i, 10.0 * i as f64)).collect();
        let mut last = vec![];
        for step in 0..=60 {
            last = attackers.send(&cars, step * 100);
        }
        let label = attackers
            .labels()
            .find(|l| l.device == [0; 8])
            .unwrap()
            .clone();
        (
            // On its own link, and on the devices' whose credentials it holds.
            last.into_iter()
                .filter(|s| label.ids.contains(&s.link))
                .collect(),
            label,
        )
    }

    #[test]
    fn each_attack_lies_after_its_onset_on_its_own_link_or_a_stolen_one() {
        for attack in Attack::ALL {
            let (sent, label) = sent_by_one(attack);
            assert_eq!(label.attack, attack);
            assert_eq!(label.onset_ms, 5_000);
            assert!(!sent.is_empty(), "{attack:?} sent nothing");
            let truth = sensors::measured(&car(0, 0.0), 6_000);
            assert!(
                sent.iter()
                    .any(|s| s.state != truth || s.generated_at != 6_000)
                    || attack == Attack::DoS,
                "{attack:?} told the truth: {sent:?}"
            );
            assert!(sent.iter().all(|s| label.ids.contains(&s.state.id)));
            let expected = match attack {
                Attack::GridSybil | Attack::GridSybilDevices => 6,
                a => a.copies(),
            };
            assert_eq!(sent.len(), expected, "{attack:?}");
        }
    }

    /// A car standing at a red light when its `eventual_stop` begins says what is true
    /// until it drives on; a Sybil's lie shows at its onset.
    #[test]
    fn a_lie_shows_when_it_departs_from_the_truth() {
        let mut attackers = Attackers::new(AttackConfig {
            share: 1.0,
            attacks: vec![Attack::EventualStop, Attack::GridSybil],
            onset_s: 1.0,
        });
        let standing = |i: u8| VehicleState {
            speed_mps: 0.0,
            ..car(i, 100.0 * f64::from(i))
        };
        for step in 0..30 {
            attackers.send(&[standing(0), standing(1)], step * 100);
        }
        let shown =
            |a: &Attackers, d: u8| a.labels().find(|l| l.device == [d; 8]).unwrap().visible_ms;
        assert_eq!(shown(&attackers, 0), None);
        assert_eq!(shown(&attackers, 1), Some(1_000));
        // It drives off at 2 m/s² from 3 s: 1.5 m/s off what it says at 3.8 s.
        for step in 30..60 {
            let t = (step - 30) as f64 / 10.0;
            let mut moving = car(0, 0.5 * 2.0 * t * t);
            moving.speed_mps = 2.0 * t;
            attackers.send(&[moving, standing(1)], step * 100);
        }
        assert_eq!(shown(&attackers, 0), Some(3_800));
    }

    #[test]
    fn sybils_send_under_new_ids_and_replays_repeat_a_neighbour() {
        let (sent, _) = sent_by_one(Attack::DoSRandomSybil);
        let ids: std::collections::HashSet<_> = sent.iter().map(|s| s.state.id).collect();
        assert_eq!(ids.len(), 4);
        assert!(sent.iter().all(|s| s.link == [0; 8]));
        let (sent, _) = sent_by_one(Attack::GridSybilDevices);
        assert!(sent.iter().all(|s| s.link == s.state.id));
        let (sent, _) = sent_by_one(Attack::DataReplay);
        assert_eq!(sent[0].state.position, car(1, 10.0).position);
        let (sent, _) = sent_by_one(Attack::DelayedMessages);
        assert_eq!(sent[0].generated_at, 5_000);
    }

    #[test]
    fn a_score_counts_detections_per_attack_and_false_reports_on_the_honest() {
        let label = |d: u8, attack, ids: Vec<[u8; 8]>| Label {
            device: [d; 8],
            attack,
            onset_ms: 10_000,
            ids,
            lied: true,
            visible_ms: Some(10_000),
        };
        let labels = vec![
            label(1, Attack::DoS, vec![[1; 8]]),
            label(2, Attack::DoS, vec![[2; 8]]),
            label(3, Attack::GridSybil, vec![[3; 8], [0xa5; 8]]),
            // Its speed lie within a sensor's error until 14 s.
            Label {
                visible_ms: Some(14_000),
                ..label(4, Attack::ConstantSpeedOffset, vec![[4; 8]])
            },
            // Never off the truth by more.
            Label {
                visible_ms: None,
                ..label(5, Attack::ConstantSpeedOffset, vec![[5; 8]])
            },
        ];
        let report = |v: u8, at_ms| Reported {
            vehicle: [v; 8],
            kind: "beacon_frequency".into(),
            at_ms,
        };
        let reports = vec![
            report(1, 10_400),
            report(1, 9_000), // before its onset: false
            report(0xa5, 12_000),
            report(4, 14_500),
            report(9, 20_000), // honest
        ];
        let present: HashMap<[u8; 8], (Millis, Millis)> = [
            ([9; 8], (0, 1_800_000)),
            ([8; 8], (0, 1_800_000)),
            ([1; 8], (0, 1_800_000)),
        ]
        .into();
        let s = Score::of(&labels, &reports, &present);
        let dos = &s.attacks[&Attack::DoS];
        assert_eq!((dos.attackers, dos.detected, dos.within_1s), (2, 1, 1));
        assert_eq!(dos.median_delay_ms(), Some(400));
        let grid = &s.attacks[&Attack::GridSybil];
        assert_eq!((grid.attackers, grid.detected, grid.within_1s), (1, 1, 0));
        assert_eq!((grid.shown, grid.within_1s_of_showing), (1, 0));
        let offset = &s.attacks[&Attack::ConstantSpeedOffset];
        assert_eq!(
            (offset.attackers, offset.detected, offset.within_1s),
            (2, 1, 0)
        );
        assert_eq!((offset.shown, offset.within_1s_of_showing), (1, 1));
        assert_eq!((s.honest, s.honest_reported, s.false_reports), (2, 1, 2));
        assert_eq!(s.false_per_hour(), Some(2.0));
    }
}
