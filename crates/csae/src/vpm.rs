//! ASN.1 module `VPM` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `VehiclePaymentMessage ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct VehiclePaymentMessage {
    pub msg_cnt: MsgCount,
    pub payment: VehiclePaymentMessagePayment,
}

/// The type written inline for `payment` in `VehiclePaymentMessage`: CHOICE.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(choice, extensible)]
#[allow(missing_docs)]
pub enum VehiclePaymentMessagePayment {
    #[asn(name = "initialzation-request")]
    InitialzationRequest(Rst),
    #[asn(name = "initialzation-response")]
    InitialzationResponse(Vsi),
    #[asn(name = "action-request")]
    ActionRequest(ActionRequest),
    #[asn(name = "action-response")]
    ActionResponse(ActionResponse),
    /// An extension alternative of a newer version of the standard, as it came.
    #[asn(unknown)]
    UnknownExtension(roadcloud_per::UnknownExtension),
}

/// `RST ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible, name = "RST")]
#[allow(missing_docs)]
pub struct Rst {
    pub time: DDateTime,
    pub id: [u8; 8],
    pub payment_list: PaymentList,
}

/// `PaymentList ::= SEQUENCE (SIZE(1..16)) OF ApplicationParameter`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 16))]
pub struct PaymentList(pub Vec<ApplicationParameter>);

/// `ApplicationParameter ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct ApplicationParameter {
    pub pid: PaymentEntityID,
    pub payment_info: PaymentInfo,
}

/// `PaymentInfo ::= CHOICE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(choice, extensible)]
#[allow(missing_docs)]
pub enum PaymentInfo {
    PaymentInfoType1(PaymentInfoType1),
    /// An extension alternative of a newer version of the standard, as it came.
    #[asn(unknown)]
    UnknownExtension(roadcloud_per::UnknownExtension),
}

/// `PaymentEntityID ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum PaymentEntityID {
    System = 0,
    Freeflow = 1,
    Enclosed = 2,
    Congestion = 3,
    Charging = 4,
    Parking = 5,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `PaymentInfoType1 ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct PaymentInfoType1 {
    pub tolling_node_info: Option<TollingNodeInfo>,
    pub toll_info: Option<TollInfo>,
    #[asn(octets(1, 512))]
    pub service_info: Option<Vec<u8>>,
}

/// `TollingNodeInfo ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct TollingNodeInfo {
    pub id: Option<StationOrGantryId>,
    pub pos: Option<Position3D>,
    pub tolling_node_type: Option<TollingNodeType>,
    pub tolling_direction: Option<TollingDirection>,
}

/// `StationOrGantryId ::= INTEGER (0..4294967295, ...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 4294967295, ext))]
pub struct StationOrGantryId(pub i64);

/// `TollingNodeType ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum TollingNodeType {
    EntranceStation = 0,
    ExitStation = 1,
    EntranceAndExitStation = 2,
    Gantry = 3,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `TollingDirection ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum TollingDirection {
    North = 0,
    Northeast = 1,
    East = 2,
    Southeast = 3,
    South = 4,
    Southwest = 5,
    West = 6,
    Northwest = 7,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `TollInfo ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct TollInfo {
    #[asn(integer(0, 424967295))]
    pub price: Option<u32>,
    pub entrance_pos: Option<PositionOffsetLLV>,
    pub exit_pos: Option<PositionOffsetLLV>,
    #[asn(seq_of(2, 256))]
    pub toll_road: Option<Vec<NodeReferenceID>>,
    pub toll_path: Option<ReferencePath>,
    pub time_begin: Option<DDateTime>,
    pub time_end: Option<DDateTime>,
}

/// `VSI ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible, name = "VSI")]
#[allow(missing_docs)]
pub struct Vsi {
    pub time: DDateTime,
    pub obu_id: [u8; 8],
    pub target_id: Option<[u8; 8]>,
    pub obu_info: Option<OBUInfo>,
    pub vpapplication_list: Option<VPApplicationList>,
    #[asn(name = "rndOBU")]
    pub rnd_obu: Option<RandStr8>,
}

/// `VPApplicationList ::= SEQUENCE (SIZE(1..16)) OF VPApplicationParameter`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 16))]
pub struct VPApplicationList(pub Vec<VPApplicationParameter>);

/// `VPApplicationParameter ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct VPApplicationParameter {
    pub pid: PaymentEntityID,
    pub obu_payment_info: OBUPaymentInfo,
}

/// `OBUPaymentInfo ::= CHOICE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(choice, extensible)]
#[allow(missing_docs)]
#[expect(
    clippy::large_enum_variant,
    reason = "the one alternative the standard defines is the one a payment carries"
)]
pub enum OBUPaymentInfo {
    ObuPaymentInfoType1(OBUPaymentInfoType1),
    /// An extension alternative of a newer version of the standard, as it came.
    #[asn(unknown)]
    UnknownExtension(roadcloud_per::UnknownExtension),
}

/// `OBUPaymentInfoType1 ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct OBUPaymentInfoType1 {
    pub equipment_class: Option<EquipmentClass>,
    #[asn(name = "gbiCCInfo")]
    pub gbi_cc_info: Option<GBICCInfo>,
    pub sys_info: Option<SysInfo>,
    pub vehicle_info: Option<VehicleInfo>,
    pub passed_sites_info: Option<PassedSitesInfo>,
}

/// `EquipmentClass ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum EquipmentClass {
    OnechipOBU = 0,
    IccOBU = 1,
    CpcOBU = 2,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `GBICCInfo ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct GBICCInfo {
    #[asn(octets(0, 127, ext))]
    pub icc_issue_info: Vec<u8>,
    #[asn(octets(0, 127, ext))]
    pub icc_uni_toll_info: Vec<u8>,
    #[asn(octets(0, 127, ext))]
    pub icc_balance: Vec<u8>,
}

/// `OBUInfo ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct OBUInfo {
    pub obu_type: OBUType,
    pub obu_motion_status: Option<OBUMotionStatus>,
}

/// `OBUType ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum OBUType {
    OemObu = 0,
    AftermarketObu = 1,
    MobilePhone = 2,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `OBUMotionStatus ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct OBUMotionStatus {
    pub pos: Option<Position3D>,
    pub heading: Option<Heading>,
    pub speed: Option<Speed>,
}

/// `RandStr8 ::= OCTET STRING (SIZE(8))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Asn)]
#[asn(transparent)]
pub struct RandStr8(pub [u8; 8]);

/// `SysInfo ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct SysInfo {
    pub contract_provider: [u8; 8],
    #[asn(integer(0, 127, ext))]
    pub contract_type: i64,
    #[asn(integer(0, 127, ext))]
    pub contract_version: i64,
    pub contract_serial_numer: [u8; 8],
    pub contract_signed_date: Date,
    pub contract_expired_date: Date,
    pub reserved: [u8; 64],
}

/// `VehicleInfo ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct VehicleInfo {
    pub vehicle_licence_plate_number: [u8; 12],
    pub vehicle_licence_plate_color: [u8; 2],
    #[asn(integer(0, 127, ext))]
    pub vehicle_tolling_class: i64,
    #[asn(integer(0, 127, ext))]
    pub vehicle_user_type: i64,
    pub vehicle_dimensions: VehicleDimensions,
    #[asn(integer(0, 127))]
    pub vehicle_wheels: u8,
    #[asn(integer(0, 127))]
    pub vehicle_axles: u8,
    #[asn(integer(0, 65535))]
    pub vehicle_wheel_bases: u16,
    #[asn(integer(0, 16777215))]
    pub vehicle_weight_limits: u32,
    pub vehicle_specific_information: [u8; 16],
    pub vehicle_engine_number: [u8; 16],
    #[asn(octets(1, 256))]
    pub description: Option<Vec<u8>>,
}

/// `VehicleDimensions ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct VehicleDimensions {
    #[asn(integer(0, 65535))]
    pub vehicle_length: u16,
    #[asn(integer(0, 255))]
    pub vehicle_width: u8,
    #[asn(integer(0, 255))]
    pub vehicle_heigth: u8,
}

/// `TollingPos ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct TollingPos {
    pub id: StationOrGantryId,
    pub pos: Option<Position3D>,
}

/// `PassedPos ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct PassedPos {
    pub tolling_pos: TollingPos,
    pub tolling_time: DDateTime,
    pub tolling_amount: Option<[u8; 4]>,
}

/// `PassedSitesInfo ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct PassedSitesInfo {
    pub entrance_info: Option<PassedPos>,
    #[asn(seq_of(2, 512))]
    pub passed_pos: Option<Vec<PassedPos>>,
}

/// `Date ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct Date {
    pub year: DYear,
    pub month: DMonth,
    pub day: DDay,
}

/// `Action-Request ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible, name = "Action-Request")]
#[allow(missing_docs)]
pub struct ActionRequest {
    pub time: DDateTime,
    pub mode: bool,
    pub source_id: [u8; 8],
    pub target_id: Option<[u8; 8]>,
    pub payment_entity_id: PaymentEntityID,
    pub action_parameter: TransInfo,
    pub access_credentials: Option<[u8; 8]>,
}

/// `Action-Response ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible, name = "Action-Response")]
#[allow(missing_docs)]
pub struct ActionResponse {
    pub time: DDateTime,
    pub source_id: [u8; 8],
    pub target_id: Option<[u8; 8]>,
    pub payment_entity_id: PaymentEntityID,
    pub response_parameter: Option<TransInfo>,
    pub ret: ReturnStatus,
}

/// `ReturnStatus ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum ReturnStatus {
    NoError = 0,
    AccessDenied = 1,
    ArgumnetError = 2,
    ComplexityLimitation = 3,
    ProcessingFailure = 4,
    Processing = 5,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `TransInfo ::= CHOICE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(choice, extensible)]
#[allow(missing_docs)]
pub enum TransInfo {
    GetTollDataRq(GetTollDataRq),
    GetTollDataRs(GetTollDataRs),
    GetSecureRq(GetSecureRq),
    GetSecureRs(GetSecureRs),
    SetTollDataRq(SetTollDataRq),
    SetTollDataRs(SetTollDataRs),
    TransferChannelRq(ChannelRq),
    TransferChannelRs(ChannelRs),
    SetMMIRq(SetMMIRq),
    /// An extension alternative of a newer version of the standard, as it came.
    #[asn(unknown)]
    UnknownExtension(roadcloud_per::UnknownExtension),
}

/// `GetTollDataRq ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct GetTollDataRq {
    pub vehicle_info: RangeOfFile,
    pub toll_info: Option<RangeOfFile>,
    #[asn(name = "keyIdForAC", integer(0, 255))]
    pub key_id_for_ac: Option<u8>,
}

/// `GetTollDataRs ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct GetTollDataRs {
    pub vehicle_info: File,
    pub toll_info: Option<File>,
}

/// `RangeOfFile ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct RangeOfFile {
    #[asn(integer(0, 32767))]
    pub offset: u16,
    #[asn(integer(0, 127))]
    pub length: u8,
}

/// `File ::= OCTET STRING (SIZE(127))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Asn)]
#[asn(transparent)]
pub struct File(pub [u8; 127]);

/// `PartOfFile ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct PartOfFile {
    #[asn(integer(0, 32767))]
    pub offset: u16,
    #[asn(integer(0, 127))]
    pub length: u8,
    pub file_content: File,
}

/// `GetSecureRq ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct GetSecureRq {
    pub vehicle_info: RangeOfFile,
    pub rnd_rsu_for_authen: RandStr8,
    #[asn(integer(0, 255))]
    pub key_id_for_authen: u8,
    #[asn(integer(0, 255))]
    pub key_id_for_encrypt: Option<u8>,
}

/// `GetSecureRs ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct GetSecureRs {
    pub file: RangeOfFile,
    pub authenticator: [u8; 8],
}

/// `SetTollDataRq ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct SetTollDataRq {
    #[asn(name = "rndRSU")]
    pub rnd_rsu: Option<RandStr8>,
    pub trans_para: Option<TransPara>,
    pub toll_info: Option<PartOfFile>,
    pub tolling_pos: Option<TollingPos>,
    #[asn(integer(0, 255))]
    pub key_id_for_authen: Option<u8>,
}

/// `TransPara ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct TransPara {
    pub trans_amount: [u8; 4],
    pub trans_type: [u8; 1],
    #[asn(name = "terminalID")]
    pub terminal_id: [u8; 6],
    #[asn(name = "transSN")]
    pub trans_sn: [u8; 4],
    pub trans_time: [u8; 7],
    #[asn(name = "transStationID")]
    pub trans_station_id: [u8; 3],
}

/// `SetTollDataRs ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct SetTollDataRs {
    pub tac_info: Option<[u8; 4]>,
    pub authenticator: Option<[u8; 8]>,
    pub account_info: Option<AccountInfo>,
    pub trans_credential: Option<TransCredential>,
}

/// `SetMMIRq ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct SetMMIRq {
    pub toll: TollResult,
}

/// `TollResult ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum TollResult {
    Ok = 0,
    Nok = 1,
    ContactOperator = 2,
}

/// `AccountInfo ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct AccountInfo {
    #[asn(octets(2, 32))]
    pub account: Vec<u8>,
}

/// `TransCredential ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct TransCredential {
    #[asn(octets(32, 32, ext))]
    pub tc: Vec<u8>,
}

/// `ChannelRq ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct ChannelRq {
    pub channelid: ChannelID,
    pub apdu: ApduList,
}

/// `ChannelRs ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct ChannelRs {
    pub channelid: ChannelID,
    pub apdu: ApduList,
}

/// `ChannelID ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated)]
#[allow(missing_docs)]
pub enum ChannelID {
    Obu = 0,
    Esam = 1,
    Icc = 2,
    Hmi = 3,
    Beeper = 4,
}

/// `ApduList ::= SEQUENCE OF OCTET STRING (SIZE(127))`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(unbounded))]
pub struct ApduList(pub Vec<[u8; 127]>);
