//! What roadcloud expects a zone's devices to sign, per message: the AID (the PSID of
//! 1609.2) under which each message is sent, and what a certificate must permit.
//!
//! The AIDs are those of YD/T 3707-2020 (LTE-V2X network layer) as Chinese RSU and OBU
//! protocol stacks configure them: BSM 111-114 (ordinary or special vehicle, regular or event),
//! 3617 (after-market terminal), MAP 3618, SPAT 3619, RSI 3620-3622 (static, semi-static,
//! dynamic road information), RSM 3623. T/CSAE 157-2020's Day-2 messages have no AID in the
//! sources roadcloud has; [`AID_DAY2`] is roadcloud's stand-in until a zone's profile says
//! otherwise.

use crate::asn::Psid;

/// BSM of an ordinary vehicle, regular.
pub const AID_BSM: Psid = 111;
/// BSM of an ordinary vehicle, event.
pub const AID_BSM_EVENT: Psid = 112;
/// BSM of a special vehicle (emergency, priority), regular: only a certificate that permits it
/// may claim emergency status.
pub const AID_BSM_SPECIAL: Psid = 113;
/// BSM of a special vehicle, event.
pub const AID_BSM_SPECIAL_EVENT: Psid = 114;
/// BSM of an after-market terminal.
pub const AID_BSM_AFTERMARKET: Psid = 3617;
/// MAP.
pub const AID_MAP: Psid = 3618;
/// SPAT.
pub const AID_SPAT: Psid = 3619;
/// RSI, static road information.
pub const AID_RSI_STATIC: Psid = 3620;
/// RSI, semi-static road information.
pub const AID_RSI_SEMI_STATIC: Psid = 3621;
/// RSI, dynamic road information.
pub const AID_RSI_DYNAMIC: Psid = 3622;
/// RSM.
pub const AID_RSM: Psid = 3623;
/// The Day-2 messages (VIR, PSM, SSM, ...): roadcloud's stand-in (module docs).
pub const AID_DAY2: Psid = 3640;

/// The AIDs a vehicle's BSM may come under.
pub const BSM_AIDS: [Psid; 5] = [
    AID_BSM,
    AID_BSM_EVENT,
    AID_BSM_SPECIAL,
    AID_BSM_SPECIAL_EVENT,
    AID_BSM_AFTERMARKET,
];
/// The AIDs an RSI may come under.
pub const RSI_AIDS: [Psid; 3] = [AID_RSI_STATIC, AID_RSI_SEMI_STATIC, AID_RSI_DYNAMIC];

/// The message kinds of T/CSAE 53 and 157 as the profile sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Message {
    /// BSM.
    Bsm,
    /// MAP.
    Map,
    /// SPAT.
    Spat,
    /// RSI.
    Rsi,
    /// RSM.
    Rsm,
    /// A Day-2 message.
    Day2,
}

impl Message {
    /// Whether `aid` is one this message may be signed under.
    pub fn allows(self, aid: Psid) -> bool {
        match self {
            Message::Bsm => BSM_AIDS.contains(&aid),
            Message::Map => aid == AID_MAP,
            Message::Spat => aid == AID_SPAT,
            Message::Rsi => RSI_AIDS.contains(&aid),
            Message::Rsm => aid == AID_RSM,
            Message::Day2 => aid == AID_DAY2,
        }
    }
}

/// Whether a BSM signed under `aid` may claim a special vehicle's status (an emergency
/// vehicle's lights and siren, `vehicleClass` of an emergency vehicle).
pub fn may_claim_emergency(aid: Psid) -> bool {
    matches!(aid, AID_BSM_SPECIAL | AID_BSM_SPECIAL_EVENT)
}

/// What an OBU's pseudonym certificate permits: the ordinary BSMs and the Day-2 messages.
pub const OBU_AIDS: [Psid; 4] = [AID_BSM, AID_BSM_EVENT, AID_BSM_AFTERMARKET, AID_DAY2];
/// What an emergency vehicle's certificate adds.
pub const EMERGENCY_AIDS: [Psid; 2] = [AID_BSM_SPECIAL, AID_BSM_SPECIAL_EVENT];
/// What an RSU's certificate permits: the roadside messages (a BSM an RSU forwards keeps its
/// vehicle's signature).
pub const RSU_AIDS: [Psid; 7] = [
    AID_MAP,
    AID_SPAT,
    AID_RSI_STATIC,
    AID_RSI_SEMI_STATIC,
    AID_RSI_DYNAMIC,
    AID_RSM,
    AID_DAY2,
];
