//! ASN.1 module `PSM` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `PersonalSafetyMessage ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct PersonalSafetyMessage {
    pub msg_cnt: MsgCount,
    pub id: [u8; 8],
    pub sec_mark: DSecond,
    pub time_confidence: Option<TimeConfidence>,
    pub pos: Position3D,
    pub pos_accuracy: PositionalAccuracy,
    pub speed: Speed,
    pub heading: Heading,
    pub accel_set: Option<AccelerationSet4Way>,
    pub path_history: Option<PathHistory>,
    #[asn(name = "path-Planning")]
    pub path_planning: Option<PathPlanning>,
    #[asn(integer(0, 200))]
    pub overall_radius: u8,
    #[asn(name = "non-motorData")]
    pub non_motor_data: NonMotorData,
}

/// `Non-motorData ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible, name = "Non-motorData")]
#[allow(missing_docs)]
pub struct NonMotorData {
    pub basic_type: PersonalDeviceUserType,
    pub propulsion: Option<PropelledInformation>,
    pub cluster_size: Option<NumberOfParticipantsInCluster>,
    pub attachment: Option<Attachment>,
    pub personal_ext: Option<PersonalExtensions>,
    pub road_worker_ext: Option<RoadWorkerExtensions>,
    pub personal_req: Option<PersonalRequest>,
}

/// `PersonalDeviceUserType ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum PersonalDeviceUserType {
    Unavailable = 0,
    #[asn(name = "aPEDESTRIAN")]
    Apedestrian = 1,
    #[asn(name = "aPEDALCYCLIST")]
    Apedalcyclist = 2,
    #[asn(name = "aROADWORKER")]
    Aroadworker = 3,
    AnANIMAL = 4,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `PropelledInformation ::= CHOICE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(choice, extensible)]
#[allow(missing_docs)]
pub enum PropelledInformation {
    Human(HumanPropelledType),
    Animal(AnimalPropelledType),
    Motor(MotorizedPropelledType),
    /// An extension alternative of a newer version of the standard, as it came.
    #[asn(unknown)]
    UnknownExtension(roadcloud_per::UnknownExtension),
}

/// `HumanPropelledType ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum HumanPropelledType {
    Unavailable = 0,
    OtherTypes = 1,
    OnFoot = 2,
    Skateboard = 3,
    PushOrKickScooter = 4,
    Wheelchair = 5,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `AnimalPropelledType ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum AnimalPropelledType {
    Unavailable = 0,
    OtherTypes = 1,
    AnimalMounted = 2,
    AnimalDrawnCarriage = 3,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `MotorizedPropelledType ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum MotorizedPropelledType {
    Unavailable = 0,
    OtherTypes = 1,
    WheelChair = 2,
    Bicycle = 3,
    Scooter = 4,
    SelfBalancingDevice = 5,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `NumberOfParticipantsInCluster ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum NumberOfParticipantsInCluster {
    Unavailable = 0,
    Small = 1,
    Medium = 2,
    Large = 3,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `Attachment ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum Attachment {
    Unavailable = 0,
    Stroller = 1,
    BicycleTrailer = 2,
    Cart = 3,
    Wheelchair = 4,
    OtherWalkAssistAttachments = 5,
    Pet = 6,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `PersonalExtensions ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct PersonalExtensions {
    pub use_state: Option<PersonalDeviceUsageState>,
    pub assist_type: Option<PersonalAssistive>,
}

/// `PersonalDeviceUsageState ::= BIT STRING (SIZE(9, ...))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(9, 9, ext))]
pub struct PersonalDeviceUsageState(pub BitString);

impl PersonalDeviceUsageState {
    /// Bit `unavailable`.
    pub const UNAVAILABLE: usize = 0;
    /// Bit `other`.
    pub const OTHER: usize = 1;
    /// Bit `idle`.
    pub const IDLE: usize = 2;
    /// Bit `listeningToAudio`.
    pub const LISTENING_TO_AUDIO: usize = 3;
    /// Bit `typing`.
    pub const TYPING: usize = 4;
    /// Bit `calling`.
    pub const CALLING: usize = 5;
    /// Bit `playingGames`.
    pub const PLAYING_GAMES: usize = 6;
    /// Bit `reading`.
    pub const READING: usize = 7;
    /// Bit `viewing`.
    pub const VIEWING: usize = 8;
}

/// `PersonalAssistive ::= BIT STRING (SIZE(6, ...))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(6, 6, ext))]
pub struct PersonalAssistive(pub BitString);

impl PersonalAssistive {
    /// Bit `unavailable`.
    pub const UNAVAILABLE: usize = 0;
    /// Bit `otherType`.
    pub const OTHER_TYPE: usize = 1;
    /// Bit `vision`.
    pub const VISION: usize = 2;
    /// Bit `hearing`.
    pub const HEARING: usize = 3;
    /// Bit `movement`.
    pub const MOVEMENT: usize = 4;
    /// Bit `cognition`.
    pub const COGNITION: usize = 5;
}

/// `RoadWorkerExtensions ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct RoadWorkerExtensions {
    pub worker_type: Option<RoadWorkerType>,
    pub activity_type: Option<RoadWorkerActivityType>,
}

/// `RoadWorkerType ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum RoadWorkerType {
    Unavailable = 0,
    TrafficPolice = 1,
    ConstructionPersonnel = 2,
    PoliceOfficers = 3,
    TrafficControlPersons = 4,
    RailroadCrossingGuards = 5,
    EmergencyOrganizationPersonnel = 6,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `RoadWorkerActivityType ::= BIT STRING (SIZE(6, ...))`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Asn)]
#[asn(bits(6, 6, ext))]
pub struct RoadWorkerActivityType(pub BitString);

impl RoadWorkerActivityType {
    /// Bit `unavailable`.
    pub const UNAVAILABLE: usize = 0;
    /// Bit `workingOnRoad`.
    pub const WORKING_ON_ROAD: usize = 1;
    /// Bit `settingUpClosures`.
    pub const SETTING_UP_CLOSURES: usize = 2;
    /// Bit `respondingToEvents`.
    pub const RESPONDING_TO_EVENTS: usize = 3;
    /// Bit `directingTraffic`.
    pub const DIRECTING_TRAFFIC: usize = 4;
    /// Bit `otherActivities`.
    pub const OTHER_ACTIVITIES: usize = 5;
}

/// `PersonalRequest ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct PersonalRequest {
    pub crossing: Option<PersonalCrossing>,
}

/// `PersonalCrossing ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum PersonalCrossing {
    Unavailable = 0,
    Request = 1,
    Crossing = 2,
    Finish = 3,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}
