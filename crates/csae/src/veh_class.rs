//! ASN.1 module `VehClass` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `VehicleClassification ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct VehicleClassification {
    pub classification: BasicVehicleClass,
    pub fuel_type: Option<FuelType>,
}

/// `BasicVehicleClass ::= INTEGER (0..255)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 255))]
pub struct BasicVehicleClass(pub u8);

impl BasicVehicleClass {
    /// `unknownVehicleClass BasicVehicleClass ::= 0`.
    pub const UNKNOWN_VEHICLE_CLASS: Self = Self(0);
    /// `specialVehicleClass BasicVehicleClass ::= 1`.
    pub const SPECIAL_VEHICLE_CLASS: Self = Self(1);
    /// `passenger-Vehicle-TypeUnknown BasicVehicleClass ::= 10`.
    pub const PASSENGER_VEHICLE_TYPE_UNKNOWN: Self = Self(10);
    /// `passenger-Vehicle-TypeOther BasicVehicleClass ::= 11`.
    pub const PASSENGER_VEHICLE_TYPE_OTHER: Self = Self(11);
    /// `lightTruck-Vehicle-TypeUnknown BasicVehicleClass ::= 20`.
    pub const LIGHT_TRUCK_VEHICLE_TYPE_UNKNOWN: Self = Self(20);
    /// `lightTruck-Vehicle-TypeOther BasicVehicleClass ::= 21`.
    pub const LIGHT_TRUCK_VEHICLE_TYPE_OTHER: Self = Self(21);
    /// `truck-Vehicle-TypeUnknown BasicVehicleClass ::= 25`.
    pub const TRUCK_VEHICLE_TYPE_UNKNOWN: Self = Self(25);
    /// `truck-Vehicle-TypeOther BasicVehicleClass ::= 26`.
    pub const TRUCK_VEHICLE_TYPE_OTHER: Self = Self(26);
    /// `truck-axleCnt2 BasicVehicleClass ::= 27`.
    pub const TRUCK_AXLE_CNT2: Self = Self(27);
    /// `truck-axleCnt3 BasicVehicleClass ::= 28`.
    pub const TRUCK_AXLE_CNT3: Self = Self(28);
    /// `truck-axleCnt4 BasicVehicleClass ::= 29`.
    pub const TRUCK_AXLE_CNT4: Self = Self(29);
    /// `truck-axleCnt4Trailer BasicVehicleClass ::= 30`.
    pub const TRUCK_AXLE_CNT4_TRAILER: Self = Self(30);
    /// `truck-axleCnt5Trailer BasicVehicleClass ::= 31`.
    pub const TRUCK_AXLE_CNT5_TRAILER: Self = Self(31);
    /// `truck-axleCnt6Trailer BasicVehicleClass ::= 32`.
    pub const TRUCK_AXLE_CNT6_TRAILER: Self = Self(32);
    /// `truck-axleCnt5MultiTrailer BasicVehicleClass ::= 33`.
    pub const TRUCK_AXLE_CNT5_MULTI_TRAILER: Self = Self(33);
    /// `truck-axleCnt6MultiTrailer BasicVehicleClass ::= 34`.
    pub const TRUCK_AXLE_CNT6_MULTI_TRAILER: Self = Self(34);
    /// `truck-axleCnt7MultiTrailer BasicVehicleClass ::= 35`.
    pub const TRUCK_AXLE_CNT7_MULTI_TRAILER: Self = Self(35);
    /// `motorcycle-TypeUnknown BasicVehicleClass ::= 40`.
    pub const MOTORCYCLE_TYPE_UNKNOWN: Self = Self(40);
    /// `motorcycle-TypeOther BasicVehicleClass ::= 41`.
    pub const MOTORCYCLE_TYPE_OTHER: Self = Self(41);
    /// `motorcycle-Cruiser-Standard BasicVehicleClass ::= 42`.
    pub const MOTORCYCLE_CRUISER_STANDARD: Self = Self(42);
    /// `motorcycle-SportUnclad BasicVehicleClass ::= 43`.
    pub const MOTORCYCLE_SPORT_UNCLAD: Self = Self(43);
    /// `motorcycle-SportTouring BasicVehicleClass ::= 44`.
    pub const MOTORCYCLE_SPORT_TOURING: Self = Self(44);
    /// `motorcycle-SuperSport BasicVehicleClass ::= 45`.
    pub const MOTORCYCLE_SUPER_SPORT: Self = Self(45);
    /// `motorcycle-Touring BasicVehicleClass ::= 46`.
    pub const MOTORCYCLE_TOURING: Self = Self(46);
    /// `motorcycle-Trike BasicVehicleClass ::= 47`.
    pub const MOTORCYCLE_TRIKE: Self = Self(47);
    /// `motorcycle-wPassengers BasicVehicleClass ::= 48`.
    pub const MOTORCYCLE_W_PASSENGERS: Self = Self(48);
    /// `transit-TypeUnknown BasicVehicleClass ::= 50`.
    pub const TRANSIT_TYPE_UNKNOWN: Self = Self(50);
    /// `transit-TypeOther BasicVehicleClass ::= 51`.
    pub const TRANSIT_TYPE_OTHER: Self = Self(51);
    /// `transit-BRT BasicVehicleClass ::= 52`.
    pub const TRANSIT_BRT: Self = Self(52);
    /// `transit-ExpressBus BasicVehicleClass ::= 53`.
    pub const TRANSIT_EXPRESS_BUS: Self = Self(53);
    /// `transit-LocalBus BasicVehicleClass ::= 54`.
    pub const TRANSIT_LOCAL_BUS: Self = Self(54);
    /// `transit-SchoolBus BasicVehicleClass ::= 55`.
    pub const TRANSIT_SCHOOL_BUS: Self = Self(55);
    /// `transit-FixedGuideway BasicVehicleClass ::= 56`.
    pub const TRANSIT_FIXED_GUIDEWAY: Self = Self(56);
    /// `transit-Paratransit BasicVehicleClass ::= 57`.
    pub const TRANSIT_PARATRANSIT: Self = Self(57);
    /// `transit-Paratransit-Ambulance BasicVehicleClass ::= 58`.
    pub const TRANSIT_PARATRANSIT_AMBULANCE: Self = Self(58);
    /// `emergency-TypeUnknown BasicVehicleClass ::= 60`.
    pub const EMERGENCY_TYPE_UNKNOWN: Self = Self(60);
    /// `emergency-TypeOther BasicVehicleClass ::= 61`.
    pub const EMERGENCY_TYPE_OTHER: Self = Self(61);
    /// `emergency-Fire-Light-Vehicle BasicVehicleClass ::= 62`.
    pub const EMERGENCY_FIRE_LIGHT_VEHICLE: Self = Self(62);
    /// `emergency-Fire-Heavy-Vehicle BasicVehicleClass ::= 63`.
    pub const EMERGENCY_FIRE_HEAVY_VEHICLE: Self = Self(63);
    /// `emergency-Fire-Paramedic-Vehicle BasicVehicleClass ::= 64`.
    pub const EMERGENCY_FIRE_PARAMEDIC_VEHICLE: Self = Self(64);
    /// `emergency-Fire-Ambulance-Vehicle BasicVehicleClass ::= 65`.
    pub const EMERGENCY_FIRE_AMBULANCE_VEHICLE: Self = Self(65);
    /// `emergency-Police-Light-Vehicle BasicVehicleClass ::= 66`.
    pub const EMERGENCY_POLICE_LIGHT_VEHICLE: Self = Self(66);
    /// `emergency-Police-Heavy-Vehicle BasicVehicleClass ::= 67`.
    pub const EMERGENCY_POLICE_HEAVY_VEHICLE: Self = Self(67);
    /// `emergency-Other-Responder BasicVehicleClass ::= 68`.
    pub const EMERGENCY_OTHER_RESPONDER: Self = Self(68);
    /// `emergency-Other-Ambulance BasicVehicleClass ::= 69`.
    pub const EMERGENCY_OTHER_AMBULANCE: Self = Self(69);
    /// `otherTraveler-TypeUnknown BasicVehicleClass ::= 80`.
    pub const OTHER_TRAVELER_TYPE_UNKNOWN: Self = Self(80);
    /// `otherTraveler-TypeOther BasicVehicleClass ::= 81`.
    pub const OTHER_TRAVELER_TYPE_OTHER: Self = Self(81);
    /// `otherTraveler-Pedestrian BasicVehicleClass ::= 82`.
    pub const OTHER_TRAVELER_PEDESTRIAN: Self = Self(82);
    /// `otherTraveler-Visually-Disabled BasicVehicleClass ::= 83`.
    pub const OTHER_TRAVELER_VISUALLY_DISABLED: Self = Self(83);
    /// `otherTraveler-Physically-Disabled BasicVehicleClass ::= 84`.
    pub const OTHER_TRAVELER_PHYSICALLY_DISABLED: Self = Self(84);
    /// `otherTraveler-Bicycle BasicVehicleClass ::= 85`.
    pub const OTHER_TRAVELER_BICYCLE: Self = Self(85);
    /// `otherTraveler-Vulnerable-Roadworker BasicVehicleClass ::= 86`.
    pub const OTHER_TRAVELER_VULNERABLE_ROADWORKER: Self = Self(86);
    /// `infrastructure-TypeUnknown BasicVehicleClass ::= 90`.
    pub const INFRASTRUCTURE_TYPE_UNKNOWN: Self = Self(90);
    /// `infrastructure-Fixed BasicVehicleClass ::= 91`.
    pub const INFRASTRUCTURE_FIXED: Self = Self(91);
    /// `infrastructure-Movable BasicVehicleClass ::= 92`.
    pub const INFRASTRUCTURE_MOVABLE: Self = Self(92);
    /// `equipped-CargoTrailer BasicVehicleClass ::= 93`.
    pub const EQUIPPED_CARGO_TRAILER: Self = Self(93);
}

/// `FuelType ::= INTEGER (0..15)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(integer(0, 15))]
pub struct FuelType(pub u8);

impl FuelType {
    /// `unknownFuel FuelType ::= 0`.
    pub const UNKNOWN_FUEL: Self = Self(0);
    /// `gasoline FuelType ::= 1`.
    pub const GASOLINE: Self = Self(1);
    /// `ethanol FuelType ::= 2`.
    pub const ETHANOL: Self = Self(2);
    /// `diesel FuelType ::= 3`.
    pub const DIESEL: Self = Self(3);
    /// `electric FuelType ::= 4`.
    pub const ELECTRIC: Self = Self(4);
    /// `hybrid FuelType ::= 5`.
    pub const HYBRID: Self = Self(5);
    /// `hydrogen FuelType ::= 6`.
    pub const HYDROGEN: Self = Self(6);
    /// `natGasLiquid FuelType ::= 7`.
    pub const NAT_GAS_LIQUID: Self = Self(7);
    /// `natGasComp FuelType ::= 8`.
    pub const NAT_GAS_COMP: Self = Self(8);
    /// `propane FuelType ::= 9`.
    pub const PROPANE: Self = Self(9);
}
