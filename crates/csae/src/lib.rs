//! The Chinese C-V2X application-layer message set, as Rust types that mirror the ASN.1 one to
//! one, with UPER (the wire format) and JSON codecs.
//!
//! - T/CSAE 53-2020 (= YD/T 3709-2020), Day I: [`MessageFrame`] with [`BasicSafetyMessage`]
//!   (BSM), [`MapData`] (MAP), [`RoadsideSafetyMessage`] (RSM), [`Spat`] (SPAT) and
//!   [`RoadSideInformation`] (RSI).
//! - T/CSAE 157-2020, Day II, inside [`MessageFrame::MsgFrameExt`]: [`SensorSharingMsg`] (SSM),
//!   [`VehIntentionAndRequest`] (VIR), [`RoadsideCoordination`] (RSC), [`PAMData`] (PAM),
//!   [`PersonalSafetyMessage`] (PSM), [`Clpmm`] (platooning), [`VehiclePaymentMessage`] (VPM),
//!   [`RTCMcorrections`] and [`TestMsg`].
//!
//! The types follow the 157-2020 modules, which extend the 53-2020 ones only by extension
//! additions, so every 53-2020 message decodes and re-encodes to the same octets. One Rust
//! module per ASN.1 module; each type's doc gives its ASN.1 definition. Values keep the
//! standard's units (1e-7 degree, 0.02 m/s, 0.0125 degree, ...): conversion to SI happens once,
//! where messages enter the world model.
//!
//! ```
//! use roadcloud_csae::{MessageFrame, decode, encode};
//! let bytes = hex_literal();
//! let frame: MessageFrame = decode(&bytes).unwrap();
//! assert!(matches!(frame, MessageFrame::BsmFrame(_)));
//! assert_eq!(encode(&frame).unwrap(), bytes);
//! # fn hex_literal() -> Vec<u8> {
//! #     let s = "000000000000000000003d4be90965fb16704727e40000001f41f41fdfffc00b41cc02c0";
//! #     (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
//! # }
//! ```

#![warn(missing_docs)]

pub use roadcloud_per::{Asn, BitString, Error, ErrorKind};

mod bsm;
mod def_acceleration;
mod def_motion;
mod def_position;
mod def_position_offset;
mod def_time;
mod map;
mod msg_day2;
mod msg_frame;
mod pam;
mod platooning;
mod psm;
mod rsc;
mod rsi;
mod rsm;
mod rtcm;
mod sensor_sharing;
mod spat;
mod test_msg;
mod veh_brake;
mod veh_class;
mod veh_emg_ext;
mod veh_safety_ext;
mod veh_size;
mod veh_status;
mod vir;
mod vpm;

pub use bsm::*;
pub use def_acceleration::*;
pub use def_motion::*;
pub use def_position::*;
pub use def_position_offset::*;
pub use def_time::*;
pub use map::*;
pub use msg_day2::*;
pub use msg_frame::*;
pub use pam::*;
pub use platooning::*;
pub use psm::*;
pub use rsc::*;
pub use rsi::*;
pub use rsm::*;
pub use rtcm::*;
pub use sensor_sharing::*;
pub use spat::*;
pub use test_msg::*;
pub use veh_brake::*;
pub use veh_class::*;
pub use veh_emg_ext::*;
pub use veh_safety_ext::*;
pub use veh_size::*;
pub use veh_status::*;
pub use vir::*;
pub use vpm::*;

/// Decodes one complete UPER-encoded [`MessageFrame`] (or any other PDU type).
pub fn decode<T: roadcloud_per::Uper + roadcloud_per::AsnType>(bytes: &[u8]) -> Result<T, Error> {
    roadcloud_per::from_uper(bytes)
}

/// Encodes a [`MessageFrame`] (or any other PDU type) to UPER octets.
pub fn encode<T: roadcloud_per::Uper + roadcloud_per::AsnType>(
    value: &T,
) -> Result<Vec<u8>, Error> {
    roadcloud_per::to_uper(value)
}
