//! roadcloud's world model.
//!
//! Messages arrive in the standard's units (1e-7 degree, 0.02 m/s, 0.0125 degree, secMark in
//! milliseconds of the minute). [`observe`] converts them once, at the edge, into
//! [`Observation`]s in SI units in a local east-north frame around the zone's origin
//! ([`geo::LocalFrame`]); everything after that speaks SI.

#![warn(missing_docs)]

pub mod events;
pub mod geo;
pub mod lanes;
pub mod map;
pub mod observe;
pub mod obstacles;
pub mod parking;
pub mod paths;
pub mod requests;
pub mod signals;
pub mod tiles;
pub mod time;
pub mod tracks;
pub mod units;

pub use geo::{LocalFrame, Point};
pub use lanes::{LaneIndex, LaneMatch, LaneRef, Turn};
pub use observe::{
    Motion, Observation, ObservationSource, ParticipantKind, VehicleStatus, observe_bsm,
    observe_psm, observe_rsm, observe_ssm,
};
pub use tiles::{TileGrid, TileId};
pub use time::{Millis, resolve_sec_mark};
pub use tracks::{
    AccelHistory, SourceKey, TileView, Track, TrackConfig, TrackId, Tracks, Trail, Update,
};
