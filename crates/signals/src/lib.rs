//! roadcloud's interface to junctions' signal controllers (issue 18, priority vehicles).
//!
//! T/CSAE 157-2020 defines what a vehicle asks (VIR `Req-SignalPriority`) and what it is
//! told (RSC), not how the road's side reaches the signal controller: in a pilot zone the
//! junction's RSU or MEC sits beside the controller and speaks its protocol (GB/T 20999,
//! NTCIP 1211). roadcloud sends its decisions to the RSU of the junction (the device whose
//! SPAT announces it) as a [`PriorityCommand`], JSON on `V2X/RSU/{rsuId}/PRIORITY/DOWN`; the
//! RSU's side implements [`SignalController`] for its controller. The SUMO co-simulation
//! is one implementation (over TraCI); docs/signals.md maps the commands to NTCIP 1211's
//! priority requests.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The largest command accepted, octets: a command is a few hundred; a bigger payload is
/// not one.
pub const MAX_COMMAND_LEN: usize = 4_096;

/// A junction as MAP and SPAT name it (DF_NodeReferenceID: region and id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Junction {
    /// The road regulator's region (0 when the MAP gives none).
    pub region: u16,
    /// The node id.
    pub id: u16,
}

/// What the controller is to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Preemption (an emergency vehicle on a call): clear the junction as the plan clears
    /// it (yellow, all red) and turn `phase_id` green, until released or `hold_until_ms`.
    Preempt,
    /// Extension (a bus): if `phase_id` is green now, keep it green until released or
    /// `hold_until_ms`; a red is not cut short.
    Extend,
    /// The vehicle has passed (or the grant ended): back to the plan.
    Release,
}

/// One decision for one junction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityCommand {
    /// The junction.
    pub junction: Junction,
    /// The signal group to serve: the phase id MAP's connections and SPAT's phases carry
    /// (DE_PhaseID, 1 to 255).
    pub phase_id: u8,
    /// What to do.
    pub action: Action,
    /// The vehicle it is for (16 hex digits, as in its topics).
    pub vehicle: String,
    /// The vehicle's request id (`reqID`).
    pub request_id: u8,
    /// The latest the junction is held, ms since the Unix epoch: a controller that hears
    /// no release by then returns to its plan by itself.
    pub hold_until_ms: i64,
    /// When roadcloud decided, ms since the Unix epoch.
    pub issued_at_ms: i64,
}

/// Why a command could not be read or carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControllerError {
    /// The payload is not a command.
    Malformed(String),
    /// The controller has no such junction or signal group.
    Unknown(String),
    /// The controller refused or failed.
    Failed(String),
}

impl fmt::Display for ControllerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControllerError::Malformed(e) => write!(f, "not a priority command: {e}"),
            ControllerError::Unknown(e) => write!(f, "unknown to this controller: {e}"),
            ControllerError::Failed(e) => write!(f, "the controller failed: {e}"),
        }
    }
}

impl std::error::Error for ControllerError {}

impl PriorityCommand {
    /// The command as it goes on the downlink.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a command serialises")
    }

    /// Reads a command from a downlink's payload (network input: bounded, never a panic).
    pub fn from_json(payload: &[u8]) -> Result<PriorityCommand, ControllerError> {
        if payload.len() > MAX_COMMAND_LEN {
            return Err(ControllerError::Malformed(format!(
                "{} octets, more than {MAX_COMMAND_LEN}",
                payload.len()
            )));
        }
        let c: PriorityCommand = serde_json::from_slice(payload)
            .map_err(|e| ControllerError::Malformed(e.to_string()))?;
        if c.phase_id == 0 {
            return Err(ControllerError::Malformed(
                "phase_id 0 is DE_PhaseID's invalid value".into(),
            ));
        }
        Ok(c)
    }
}

/// A junction's signal controller, as roadcloud's priority commands drive it.
///
/// An implementation carries out each command for the junctions it controls: preemption
/// through the plan's own clearance (never a green cut without its yellow and all-red),
/// extension only of a green already shown, release back to the plan, and by itself at
/// `hold_until_ms`.
pub trait SignalController {
    /// Carries out `command`.
    fn command(&mut self, command: &PriorityCommand) -> Result<(), ControllerError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_round_trip_and_bad_payloads_are_errors() {
        let c = PriorityCommand {
            junction: Junction { region: 1, id: 7 },
            phase_id: 3,
            action: Action::Preempt,
            vehicle: "00112233aabbccdd".into(),
            request_id: 4,
            hold_until_ms: 1_000,
            issued_at_ms: 0,
        };
        assert_eq!(PriorityCommand::from_json(&c.to_json()), Ok(c.clone()));
        let text = String::from_utf8(c.to_json()).unwrap();
        assert!(text.contains("\"action\":\"preempt\""), "{text}");
        for bad in [
            &b"{"[..],
            b"[]",
            &text
                .replace("\"phase_id\":3", "\"phase_id\":0")
                .into_bytes(),
            &text.replace("}", ",\"extra\":1}").into_bytes(),
            &vec![b' '; MAX_COMMAND_LEN + 1],
        ] {
            assert!(
                matches!(
                    PriorityCommand::from_json(bad),
                    Err(ControllerError::Malformed(_))
                ),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
