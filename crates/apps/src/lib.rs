//! The cooperative applications: every Day-1 scenario of T/CSAE 53-2020 that a cloud can
//! serve, each a pure function of a tile's [`Scene`] that returns [`Advisory`]s.
//!
//! An application sees the participants of one tile (and the neighbours' near its border),
//! all predicted to one instant, with the lanes, signal states and road events it needs. It
//! does no I/O, reads no clock and keeps no state: the same scene gives the same advisories,
//! so each is tested from a table of scenes and can be replayed. The [`Registry`] holds them
//! all; each can be switched on or off and re-parameterised at run time without touching the
//! others. What reaches a vehicle goes through the [`gate::AdvisoryGate`], which turns a
//! condition that persists into one advisory refreshed at a bounded rate.
//!
//! The logic of each application, its parameters and its sources: `docs/apps.md`.

#![warn(missing_docs)]

pub mod cip;
pub mod clc;
pub mod dlm;
pub mod gate;
pub mod gspa;
pub mod pvp;
pub mod scene;
pub mod sds;

mod avw;
mod bsw_lcw;
mod clw;
mod dnpw;
mod ebw;
mod evw;
mod fcw;
mod glosa;
mod hlw;
mod icw;
mod ivs;
mod lta;
mod rlvw;
mod slw;
mod tjw;
mod vrucw;

pub use scene::{ParticipantId, Scene, SceneParticipant};

use roadcloud_world::{Millis, Point};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// How urgent an advisory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Information: a sign, a speed advice, a jam ahead.
    Info,
    /// A warning: act soon.
    Warning,
    /// An alert: act now.
    Alert,
}

impl Severity {
    /// The name in advisories.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Alert => "alert",
        }
    }
}

/// Another participant an advisory is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Other {
    /// Its id, as the API names it.
    pub id: ParticipantId,
    /// `vehicle`, `pedestrian`, `cyclist`, `unknown`, or `event` / `sign` for RSI.
    pub kind: &'static str,
    /// Where it is at the advisory's instant.
    pub position: Point,
}

/// An application as [`Registry::describe`] lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Description {
    /// Its id (`FCW`, ...; `BSW/LCW`).
    pub id: &'static str,
    /// Its title.
    pub title: &'static str,
    /// Whether it runs.
    pub enabled: bool,
    /// Its parameters by name, units in the names.
    pub params: serde_json::Map<String, Value>,
}

/// What an application tells one vehicle.
#[derive(Debug, Clone, PartialEq)]
pub struct Advisory {
    /// The scenario's id (`FCW`, `ICW`, ... as in T/CSAE 53-2020; `BSW` or `LCW`).
    pub scenario: &'static str,
    /// How urgent.
    pub severity: Severity,
    /// The vehicle it is for (its id, as in its topic).
    pub target: [u8; 8],
    /// Where the target is at `at`.
    pub position: Point,
    /// The participants, events or signs it is about.
    pub others: Vec<Other>,
    /// Time to collision (or to the conflict), seconds, where it applies.
    pub ttc_s: Option<f64>,
    /// Distance to the other participant, the hazard or the stop line, metres.
    pub distance_m: Option<f64>,
    /// Advised speed band, m/s (GLOSA; the limit for SLW).
    pub advised_speed_mps: Option<(f64, f64)>,
    /// The generation time of the target's newest report it rests on, ms since the epoch
    /// (what the vehicle can match to its own BSMs; the delay of the advice is measured from
    /// it).
    pub reported_at: Millis,
    /// The instant it refers to, ms since the epoch.
    pub at: Millis,
    /// When it no longer holds unless renewed, ms since the epoch.
    pub expires_at: Millis,
    /// A sentence for people.
    pub detail: String,
}

impl Advisory {
    /// The key a repeated condition is recognised by: scenario, target and the first
    /// other participant.
    pub fn key(&self) -> (&'static str, [u8; 8], Option<ParticipantId>) {
        (
            self.scenario,
            self.target,
            self.others.first().map(|o| o.id.clone()),
        )
    }
}

impl Advisory {
    /// An advisory of `scenario` for the vehicle `hv` (whose id is `target`) at the scene's
    /// instant, standing for `valid_ms`.
    pub(crate) fn new(
        scenario: &'static str,
        severity: Severity,
        hv: &SceneParticipant,
        target: [u8; 8],
        scene: &Scene,
        valid_ms: Millis,
    ) -> Advisory {
        Advisory {
            scenario,
            severity,
            target,
            position: hv.position,
            others: Vec::new(),
            ttc_s: None,
            distance_m: None,
            advised_speed_mps: None,
            reported_at: hv.track.at,
            at: scene.now,
            expires_at: scene.now + valid_ms,
            detail: String::new(),
        }
    }

    pub(crate) fn about(mut self, other: Other) -> Self {
        self.others.push(other);
        self
    }

    pub(crate) fn ttc(mut self, ttc_s: f64) -> Self {
        self.ttc_s = Some(ttc_s);
        self
    }

    pub(crate) fn distance(mut self, distance_m: f64) -> Self {
        self.distance_m = Some(distance_m);
        self
    }

    pub(crate) fn detail(mut self, detail: String) -> Self {
        self.detail = detail;
        self
    }
}

/// One application.
pub trait App: Send + Sync {
    /// Its id (`FCW`, ..., `BSW/LCW`).
    fn id(&self) -> &'static str;
    /// What it does, in a few words.
    fn title(&self) -> &'static str;
    /// Its parameters, as JSON.
    fn params(&self) -> Value;
    /// Replaces the parameters given in `changes` (a JSON object with some of the keys of
    /// [`params`](Self::params)); an unknown key or a wrong type changes nothing and says
    /// why.
    fn set_params(&mut self, changes: &Value) -> Result<(), String>;
    /// The advisories for the scene's vehicles.
    fn evaluate(&self, scene: &Scene, out: &mut Vec<Advisory>);
}

/// An application made of a parameter set and a pure evaluation function.
struct Plugin<P> {
    id: &'static str,
    title: &'static str,
    params: P,
    evaluate: fn(&P, &Scene, &mut Vec<Advisory>),
}

impl<P: Serialize + DeserializeOwned + Send + Sync> App for Plugin<P> {
    fn id(&self) -> &'static str {
        self.id
    }

    fn title(&self) -> &'static str {
        self.title
    }

    fn params(&self) -> Value {
        serde_json::to_value(&self.params).expect("parameters serialise")
    }

    fn set_params(&mut self, changes: &Value) -> Result<(), String> {
        let Value::Object(changes) = changes else {
            return Err("parameters must be a JSON object".into());
        };
        let mut merged = self.params();
        let known = merged.as_object_mut().expect("parameters are an object");
        for (k, v) in changes {
            if !known.contains_key(k) {
                let names: Vec<&str> = known.keys().map(String::as_str).collect();
                return Err(format!(
                    "{} has no parameter {k} (it has: {})",
                    self.id,
                    names.join(", ")
                ));
            }
            known.insert(k.clone(), v.clone());
        }
        self.params = serde_json::from_value(merged).map_err(|e| format!("{}: {e}", self.id))?;
        Ok(())
    }

    fn evaluate(&self, scene: &Scene, out: &mut Vec<Advisory>) {
        (self.evaluate)(&self.params, scene, out)
    }
}

fn plugin<P: Serialize + DeserializeOwned + Default + Send + Sync + 'static>(
    id: &'static str,
    title: &'static str,
    evaluate: fn(&P, &Scene, &mut Vec<Advisory>),
) -> Box<dyn App> {
    Box::new(Plugin {
        id,
        title,
        params: P::default(),
        evaluate,
    })
}

/// Every application, with its defaults, in the order of T/CSAE 53-2020's list.
pub fn all() -> Vec<Box<dyn App>> {
    vec![
        fcw::app(),
        icw::app(),
        lta::app(),
        bsw_lcw::app(),
        dnpw::app(),
        ebw::app(),
        avw::app(),
        clw::app(),
        hlw::app(),
        slw::app(),
        rlvw::app(),
        vrucw::app(),
        glosa::app(),
        ivs::app(),
        tjw::app(),
        evw::app(),
        sds::app(),
        pvp::app(),
        clc::lane_change_app(),
        clc::merge_app(),
        dlm::app(),
        cip::app(),
        gspa::app(),
    ]
}

struct Entry {
    app: Box<dyn App>,
    enabled: bool,
}

/// The applications and whether each is on.
pub struct Registry {
    entries: Vec<Entry>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

impl Registry {
    /// Every application, all on, with default parameters.
    pub fn new() -> Self {
        Registry {
            entries: all()
                .into_iter()
                .map(|app| Entry { app, enabled: true })
                .collect(),
        }
    }

    /// The id of the application `name` names: case-insensitive, and `BSW-LCW` for
    /// `BSW/LCW`, where a slash cannot stand (a URL path).
    pub fn id_of(&self, name: &str) -> Result<&'static str, String> {
        let wanted = name.replace('-', "/");
        let known: Vec<&'static str> = self.entries.iter().map(|e| e.app.id()).collect();
        known
            .iter()
            .copied()
            .find(|id| id.eq_ignore_ascii_case(&wanted))
            .ok_or_else(|| format!("no application {wanted} (known: {})", known.join(", ")))
    }

    fn entry_mut(&mut self, name: &str) -> Result<&mut Entry, String> {
        let id = self.id_of(name)?;
        Ok(self
            .entries
            .iter_mut()
            .find(|e| e.app.id() == id)
            .expect("id_of names a registered application"))
    }

    /// Switches an application on or off and changes some of its parameters; nothing
    /// changes when anything is wrong.
    pub fn configure(
        &mut self,
        id: &str,
        enabled: Option<bool>,
        params: Option<&Value>,
    ) -> Result<(), String> {
        let e = self.entry_mut(id)?;
        if let Some(p) = params {
            e.app.set_params(p)?;
        }
        if let Some(on) = enabled {
            e.enabled = on;
        }
        Ok(())
    }

    /// Each application: id, title, on or off, parameters.
    pub fn describe(&self) -> Vec<Description> {
        self.entries
            .iter()
            .map(|e| Description {
                id: e.app.id(),
                title: e.app.title(),
                enabled: e.enabled,
                // Every application's parameters are a struct, so an object.
                params: match e.app.params() {
                    Value::Object(params) => params,
                    _ => serde_json::Map::new(),
                },
            })
            .collect()
    }

    /// An application's parameters as its type `P`, when it is on; `None` when it is off
    /// or unknown.
    pub fn params<P: DeserializeOwned>(&self, id: &str) -> Option<P> {
        let e = self
            .entries
            .iter()
            .find(|e| e.app.id() == id && e.enabled)?;
        serde_json::from_value(e.app.params()).ok()
    }

    /// Whether an application is on.
    pub fn enabled(&self, id: &str) -> Option<bool> {
        self.entries
            .iter()
            .find(|e| e.app.id() == id)
            .map(|e| e.enabled)
    }

    /// The advisories of every application that is on, for one scene.
    pub fn evaluate(&self, scene: &Scene, out: &mut Vec<Advisory>) {
        for e in self.entries.iter().filter(|e| e.enabled) {
            e.app.evaluate(scene, out);
        }
    }
}
