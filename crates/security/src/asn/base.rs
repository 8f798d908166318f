//! `Ieee1609Dot2BaseTypes` (IEEE 1609.2-2016 clause 6.4 with 1609.2b), one Rust type per
//! ASN.1 type, and the SM2/SM3 extension alternatives IEEE 1609.2-2022 and YD/T 3957-2021
//! add (see the crate docs for how they are numbered).

use crate::oer::{Coer, Reader, Writer, decode_seq_of, encode_seq_of};
pub use roadcloud_per::UnknownExtension;
use roadcloud_per::{Error, ErrorKind, Result};

/// `Time32`: TAI seconds since 2004-01-01 00:00:00 UTC.
pub type Time32 = u32;
/// `Time64`: TAI microseconds since 2004-01-01 00:00:00 UTC.
pub type Time64 = u64;
/// `HashedId8`: the low-order 8 octets of a hash (a certificate's digest).
pub type HashedId8 = [u8; 8];
/// `HashedId3`: the low-order 3 octets of a hash.
pub type HashedId3 = [u8; 3];
/// `HashedId10`: the low-order 10 octets of a hash (CRL entries).
pub type HashedId10 = [u8; 10];
/// `Psid ::= INTEGER (0..MAX)`: the application (AID in Chinese standards) a message or a
/// permission is for.
pub type Psid = u64;
/// `CrlSeries ::= Uint16`.
pub type CrlSeries = u16;

/// The error for a value a type does not allow.
pub(crate) fn bad(kind: ErrorKind, r: &Reader<'_>) -> Error {
    Error::at_bit(kind, r.position() * 8)
}

/// Writes an extension alternative of a CHOICE that this implementation does not know as
/// it came (X.696 8.7, 20.2: its tag, then its encoding as an open type). `u.index` counts
/// among the extension alternatives, which begin at tag `first_extension`.
pub(crate) fn encode_unknown(u: &UnknownExtension, first_extension: u64, w: &mut Writer) {
    w.choice_tag(first_extension + u.index);
    w.octets_with_length(&u.encoding);
}

/// Reads the alternative of tag `tag`, at or beyond the CHOICE's `first_extension`, that this
/// implementation does not know; a root tag that is not defined is an error.
pub(crate) fn decode_unknown(
    tag: u64,
    first_extension: u64,
    r: &mut Reader<'_>,
) -> Result<UnknownExtension> {
    if tag < first_extension {
        return Err(bad(ErrorKind::UnknownAlternative { index: tag }, r));
    }
    Ok(UnknownExtension {
        index: tag - first_extension,
        encoding: r.open_type()?.to_vec(),
    })
}

/// `ValidityPeriod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidityPeriod {
    /// `start`.
    pub start: Time32,
    /// `duration`.
    pub duration: Duration,
}

impl Coer for ValidityPeriod {
    fn encode(&self, w: &mut Writer) {
        self.start.encode(w);
        self.duration.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(ValidityPeriod {
            start: u32::decode(r).map_err(|e| e.in_component("start"))?,
            duration: Duration::decode(r).map_err(|e| e.in_component("duration"))?,
        })
    }
}

impl ValidityPeriod {
    /// The end, in TAI seconds since the 1609.2 epoch (1609.2 6.4.14: years are 31,556,952 s).
    pub fn end(&self) -> u64 {
        u64::from(self.start) + self.duration.seconds()
    }

    /// Whether `time` (Time32) lies in the period.
    pub fn contains(&self, time: u64) -> bool {
        time >= u64::from(self.start) && time < self.end()
    }
}

/// `Duration` (not extensible).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Duration {
    Microseconds(u16),
    Milliseconds(u16),
    Seconds(u16),
    Minutes(u16),
    Hours(u16),
    SixtyHours(u16),
    Years(u16),
}

impl Duration {
    /// The length in whole seconds, rounded up.
    pub fn seconds(&self) -> u64 {
        match *self {
            Duration::Microseconds(v) => u64::from(v).div_ceil(1_000_000),
            Duration::Milliseconds(v) => u64::from(v).div_ceil(1_000),
            Duration::Seconds(v) => u64::from(v),
            Duration::Minutes(v) => u64::from(v) * 60,
            Duration::Hours(v) => u64::from(v) * 3_600,
            Duration::SixtyHours(v) => u64::from(v) * 216_000,
            Duration::Years(v) => u64::from(v) * 31_556_952,
        }
    }
}

impl Coer for Duration {
    fn encode(&self, w: &mut Writer) {
        let (i, v) = match *self {
            Duration::Microseconds(v) => (0, v),
            Duration::Milliseconds(v) => (1, v),
            Duration::Seconds(v) => (2, v),
            Duration::Minutes(v) => (3, v),
            Duration::Hours(v) => (4, v),
            Duration::SixtyHours(v) => (5, v),
            Duration::Years(v) => (6, v),
        };
        w.choice_tag(i);
        v.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let i = r.choice_tag()?;
        let v = u16::decode(r)?;
        Ok(match i {
            0 => Duration::Microseconds(v),
            1 => Duration::Milliseconds(v),
            2 => Duration::Seconds(v),
            3 => Duration::Minutes(v),
            4 => Duration::Hours(v),
            5 => Duration::SixtyHours(v),
            6 => Duration::Years(v),
            index => return Err(bad(ErrorKind::UnknownAlternative { index }, r)),
        })
    }
}

/// `TwoDLocation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TwoDLocation {
    /// `latitude`.
    pub latitude: Latitude,
    /// `longitude`.
    pub longitude: Longitude,
}

/// `NinetyDegreeInt`: latitude in units of 1e-7 degree (as T/CSAE 53's `Latitude`),
/// `900000001` unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Latitude(pub i32);
/// `OneEightyDegreeInt`: longitude in units of 1e-7 degree, `1800000001` unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Longitude(pub i32);

impl Coer for Latitude {
    fn encode(&self, w: &mut Writer) {
        w.octets(&self.0.to_be_bytes());
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let v = i32::from_be_bytes(r.array()?);
        if !(-900_000_000..=900_000_001).contains(&v) {
            return Err(bad(
                ErrorKind::OutOfRange {
                    value: i128::from(v),
                    lo: -900_000_000,
                    hi: 900_000_001,
                },
                r,
            ));
        }
        Ok(Latitude(v))
    }
}

impl Coer for Longitude {
    fn encode(&self, w: &mut Writer) {
        w.octets(&self.0.to_be_bytes());
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let v = i32::from_be_bytes(r.array()?);
        if !(-1_799_999_999..=1_800_000_001).contains(&v) {
            return Err(bad(
                ErrorKind::OutOfRange {
                    value: i128::from(v),
                    lo: -1_799_999_999,
                    hi: 1_800_000_001,
                },
                r,
            ));
        }
        Ok(Longitude(v))
    }
}

impl Coer for TwoDLocation {
    fn encode(&self, w: &mut Writer) {
        self.latitude.encode(w);
        self.longitude.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(TwoDLocation {
            latitude: Latitude::decode(r).map_err(|e| e.in_component("latitude"))?,
            longitude: Longitude::decode(r).map_err(|e| e.in_component("longitude"))?,
        })
    }
}

/// `ThreeDLocation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreeDLocation {
    /// `latitude`.
    pub latitude: Latitude,
    /// `longitude`.
    pub longitude: Longitude,
    /// `elevation` (`ElevInt ::= Uint16`, 0.1 m, offset as 1609.2 6.4.20 says).
    pub elevation: u16,
}

impl Coer for ThreeDLocation {
    fn encode(&self, w: &mut Writer) {
        self.latitude.encode(w);
        self.longitude.encode(w);
        self.elevation.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(ThreeDLocation {
            latitude: Latitude::decode(r).map_err(|e| e.in_component("latitude"))?,
            longitude: Longitude::decode(r).map_err(|e| e.in_component("longitude"))?,
            elevation: u16::decode(r).map_err(|e| e.in_component("elevation"))?,
        })
    }
}

/// `GeographicRegion` (extensible).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum GeographicRegion {
    CircularRegion(CircularRegion),
    RectangularRegion(Vec<RectangularRegion>),
    /// `PolygonalRegion ::= SEQUENCE SIZE(3..MAX) OF TwoDLocation`.
    PolygonalRegion(Vec<TwoDLocation>),
    IdentifiedRegion(Vec<IdentifiedRegion>),
    Unknown(UnknownExtension),
}

impl Coer for GeographicRegion {
    fn encode(&self, w: &mut Writer) {
        match self {
            GeographicRegion::CircularRegion(v) => {
                w.choice_tag(0);
                v.encode(w);
            }
            GeographicRegion::RectangularRegion(v) => {
                w.choice_tag(1);
                encode_seq_of(w, v);
            }
            GeographicRegion::PolygonalRegion(v) => {
                w.choice_tag(2);
                encode_seq_of(w, v);
            }
            GeographicRegion::IdentifiedRegion(v) => {
                w.choice_tag(3);
                encode_seq_of(w, v);
            }
            GeographicRegion::Unknown(u) => encode_unknown(u, 4, w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.choice_tag()? {
            0 => GeographicRegion::CircularRegion(
                CircularRegion::decode(r).map_err(|e| e.in_component("circularRegion"))?,
            ),
            1 => GeographicRegion::RectangularRegion(
                decode_seq_of(r, 16).map_err(|e| e.in_component("rectangularRegion"))?,
            ),
            2 => {
                let points: Vec<TwoDLocation> =
                    decode_seq_of(r, 8).map_err(|e| e.in_component("polygonalRegion"))?;
                if points.len() < 3 {
                    return Err(bad(
                        ErrorKind::SizeOutOfRange {
                            size: points.len() as u64,
                            lo: 3,
                            hi: None,
                        },
                        r,
                    )
                    .in_component("polygonalRegion"));
                }
                GeographicRegion::PolygonalRegion(points)
            }
            3 => GeographicRegion::IdentifiedRegion(
                decode_seq_of(r, 3).map_err(|e| e.in_component("identifiedRegion"))?,
            ),
            index => GeographicRegion::Unknown(decode_unknown(index, 4, r)?),
        })
    }
}

/// `CircularRegion`: `radius` in metres.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct CircularRegion {
    pub center: TwoDLocation,
    pub radius: u16,
}

impl Coer for CircularRegion {
    fn encode(&self, w: &mut Writer) {
        self.center.encode(w);
        self.radius.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(CircularRegion {
            center: TwoDLocation::decode(r)?,
            radius: u16::decode(r)?,
        })
    }
}

/// `RectangularRegion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct RectangularRegion {
    pub north_west: TwoDLocation,
    pub south_east: TwoDLocation,
}

impl Coer for RectangularRegion {
    fn encode(&self, w: &mut Writer) {
        self.north_west.encode(w);
        self.south_east.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(RectangularRegion {
            north_west: TwoDLocation::decode(r)?,
            south_east: TwoDLocation::decode(r)?,
        })
    }
}

/// `IdentifiedRegion` (extensible): countries by their ISO 3166-1 numeric code (China 156).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum IdentifiedRegion {
    CountryOnly(u16),
    CountryAndRegions {
        country_only: u16,
        regions: Vec<u8>,
    },
    CountryAndSubregions {
        country: u16,
        region_and_subregions: Vec<RegionAndSubregions>,
    },
    Unknown(UnknownExtension),
}

/// `RegionAndSubregions`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct RegionAndSubregions {
    pub region: u8,
    pub subregions: Vec<u16>,
}

impl Coer for RegionAndSubregions {
    fn encode(&self, w: &mut Writer) {
        self.region.encode(w);
        encode_seq_of(w, &self.subregions);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(RegionAndSubregions {
            region: u8::decode(r)?,
            subregions: decode_seq_of(r, 2)?,
        })
    }
}

impl Coer for IdentifiedRegion {
    fn encode(&self, w: &mut Writer) {
        match self {
            IdentifiedRegion::CountryOnly(c) => {
                w.choice_tag(0);
                c.encode(w);
            }
            IdentifiedRegion::CountryAndRegions {
                country_only,
                regions,
            } => {
                w.choice_tag(1);
                country_only.encode(w);
                encode_seq_of(w, regions);
            }
            IdentifiedRegion::CountryAndSubregions {
                country,
                region_and_subregions,
            } => {
                w.choice_tag(2);
                country.encode(w);
                encode_seq_of(w, region_and_subregions);
            }
            IdentifiedRegion::Unknown(u) => encode_unknown(u, 3, w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.choice_tag()? {
            0 => IdentifiedRegion::CountryOnly(u16::decode(r)?),
            1 => IdentifiedRegion::CountryAndRegions {
                country_only: u16::decode(r)?,
                regions: decode_seq_of(r, 1)?,
            },
            2 => IdentifiedRegion::CountryAndSubregions {
                country: u16::decode(r)?,
                region_and_subregions: decode_seq_of(r, 2)?,
            },
            index => IdentifiedRegion::Unknown(decode_unknown(index, 3, r)?),
        })
    }
}

/// `EccP256CurvePoint`: a point of a 256-bit curve (NIST P-256, brainpoolP256r1 or, in
/// 1609.2-2022, the SM2 curve), compressed or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum EccP256CurvePoint {
    XOnly([u8; 32]),
    Fill,
    CompressedY0([u8; 32]),
    CompressedY1([u8; 32]),
    Uncompressed { x: [u8; 32], y: [u8; 32] },
}

impl EccP256CurvePoint {
    /// The SEC 1 encoding (0x02/0x03 compressed, 0x04 uncompressed); `None` for `x-only` and
    /// `fill`, which do not name a point by themselves.
    pub fn to_sec1(&self) -> Option<Vec<u8>> {
        match self {
            EccP256CurvePoint::CompressedY0(x) => Some([&[2u8][..], x].concat()),
            EccP256CurvePoint::CompressedY1(x) => Some([&[3u8][..], x].concat()),
            EccP256CurvePoint::Uncompressed { x, y } => Some([&[4u8][..], x, y].concat()),
            _ => None,
        }
    }

    /// The point of a SEC 1 encoding (33 or 65 octets).
    pub fn from_sec1(bytes: &[u8]) -> Option<Self> {
        let x = |s: &[u8]| -> Option<[u8; 32]> { s.try_into().ok() };
        match (bytes.first(), bytes.len()) {
            (Some(2), 33) => Some(EccP256CurvePoint::CompressedY0(x(&bytes[1..])?)),
            (Some(3), 33) => Some(EccP256CurvePoint::CompressedY1(x(&bytes[1..])?)),
            (Some(4), 65) => Some(EccP256CurvePoint::Uncompressed {
                x: x(&bytes[1..33])?,
                y: x(&bytes[33..])?,
            }),
            _ => None,
        }
    }

    /// The x coordinate, when the point carries one.
    pub fn x(&self) -> Option<&[u8; 32]> {
        match self {
            EccP256CurvePoint::XOnly(x)
            | EccP256CurvePoint::CompressedY0(x)
            | EccP256CurvePoint::CompressedY1(x)
            | EccP256CurvePoint::Uncompressed { x, .. } => Some(x),
            EccP256CurvePoint::Fill => None,
        }
    }
}

impl Coer for EccP256CurvePoint {
    fn encode(&self, w: &mut Writer) {
        match self {
            EccP256CurvePoint::XOnly(x) => {
                w.choice_tag(0);
                w.octets(x);
            }
            EccP256CurvePoint::Fill => w.choice_tag(1),
            EccP256CurvePoint::CompressedY0(x) => {
                w.choice_tag(2);
                w.octets(x);
            }
            EccP256CurvePoint::CompressedY1(x) => {
                w.choice_tag(3);
                w.octets(x);
            }
            EccP256CurvePoint::Uncompressed { x, y } => {
                w.choice_tag(4);
                w.octets(x);
                w.octets(y);
            }
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.choice_tag()? {
            0 => EccP256CurvePoint::XOnly(r.array()?),
            1 => EccP256CurvePoint::Fill,
            2 => EccP256CurvePoint::CompressedY0(r.array()?),
            3 => EccP256CurvePoint::CompressedY1(r.array()?),
            4 => EccP256CurvePoint::Uncompressed {
                x: r.array()?,
                y: r.array()?,
            },
            index => return Err(bad(ErrorKind::UnknownAlternative { index }, r)),
        })
    }
}

/// `EcdsaP256Signature`: `rSig` as a curve point (usually x-only), `sSig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct EcdsaP256Signature {
    pub r_sig: EccP256CurvePoint,
    pub s_sig: [u8; 32],
}

impl Coer for EcdsaP256Signature {
    fn encode(&self, w: &mut Writer) {
        self.r_sig.encode(w);
        w.octets(&self.s_sig);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(EcdsaP256Signature {
            r_sig: EccP256CurvePoint::decode(r).map_err(|e| e.in_component("rSig"))?,
            s_sig: r.array().map_err(|e| e.in_component("sSig"))?,
        })
    }
}

/// `EcsigP256Signature` (1609.2-2022): an SM2 signature's `r` and `s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct EcsigP256Signature {
    pub r_sig: [u8; 32],
    pub s_sig: [u8; 32],
}

impl Coer for EcsigP256Signature {
    fn encode(&self, w: &mut Writer) {
        w.octets(&self.r_sig);
        w.octets(&self.s_sig);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(EcsigP256Signature {
            r_sig: r.array()?,
            s_sig: r.array()?,
        })
    }
}

/// `Signature`: root alternatives 0 and 1; extension alternatives 2
/// (`ecdsaBrainpoolP384r1Signature`, kept unparsed), 3 (`ecdsaNistP384Signature`, 2022, kept
/// unparsed) and 4 (`sm2Signature`, 1609.2-2022 / YD/T 3957-2021).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Signature {
    EcdsaNistP256Signature(EcdsaP256Signature),
    EcdsaBrainpoolP256r1Signature(EcdsaP256Signature),
    Sm2Signature(EcsigP256Signature),
    Unknown(UnknownExtension),
}

/// The index of `sm2Signature` in `Signature`.
pub const SIGNATURE_SM2: u64 = 4;

impl Coer for Signature {
    fn encode(&self, w: &mut Writer) {
        match self {
            Signature::EcdsaNistP256Signature(s) => {
                w.choice_tag(0);
                s.encode(w);
            }
            Signature::EcdsaBrainpoolP256r1Signature(s) => {
                w.choice_tag(1);
                s.encode(w);
            }
            Signature::Sm2Signature(s) => {
                w.choice_tag(SIGNATURE_SM2);
                w.open_type(|w| s.encode(w));
            }
            Signature::Unknown(u) => encode_unknown(u, 2, w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.choice_tag()? {
            0 => Signature::EcdsaNistP256Signature(EcdsaP256Signature::decode(r)?),
            1 => Signature::EcdsaBrainpoolP256r1Signature(EcdsaP256Signature::decode(r)?),
            SIGNATURE_SM2 => Signature::Sm2Signature(r.open()?),
            index => Signature::Unknown(decode_unknown(index, 2, r)?),
        })
    }
}

/// `HashAlgorithm` (extensible ENUMERATED): `sha256`, then the additions `sha384` and
/// (1609.2-2022 / YD/T 3957-2021) `sm3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SM3 (GB/T 32905).
    Sm3,
    /// A value this implementation does not know.
    Unknown(u8),
}

/// Extension additions of a SEQUENCE kept as they came (each present one's open type),
/// so a value with additions this implementation does not know re-encodes unchanged (a
/// certificate's digest and a signature cover them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extensions(pub Vec<Option<Vec<u8>>>);

impl Extensions {
    /// Whether any addition is present (the SEQUENCE's extension bit).
    pub fn present(&self) -> bool {
        self.0.iter().any(Option::is_some)
    }

    /// Writes the presence bitmap and the additions; call only when [`Self::present`].
    /// The bitmap is as long as `self.0`: X.696 makes it as long as the number of additions
    /// the encoder's version of the type has, so one received is kept at its length.
    pub fn encode(&self, w: &mut Writer) {
        let bits: Vec<bool> = self.0.iter().map(Option::is_some).collect();
        w.extension_bitmap(&bits);
        for v in self.0.iter().flatten() {
            w.octets_with_length(v);
        }
    }

    /// Reads the bitmap and additions.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let bitmap = r.extension_bitmap()?;
        if !bitmap.iter().any(|b| *b) {
            // The extension bit said additions follow.
            return Err(bad(ErrorKind::InvalidLength, r));
        }
        let mut out = Vec::with_capacity(bitmap.len().min(r.remaining()));
        for present in bitmap {
            out.push(if present {
                Some(r.open_type()?.to_vec())
            } else {
                None
            });
        }
        Ok(Extensions(out))
    }
}

impl Coer for HashAlgorithm {
    fn encode(&self, w: &mut Writer) {
        w.u8(match self {
            HashAlgorithm::Sha256 => 0,
            HashAlgorithm::Sha384 => 1,
            HashAlgorithm::Sm3 => 2,
            HashAlgorithm::Unknown(v) => *v,
        });
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.enumerated()? {
            0 => HashAlgorithm::Sha256,
            1 => HashAlgorithm::Sha384,
            2 => HashAlgorithm::Sm3,
            v => HashAlgorithm::Unknown(v),
        })
    }
}

/// `PublicVerificationKey`: `ecdsaNistP256`, `ecdsaBrainpoolP256r1`, then the additions
/// `ecdsaBrainpoolP384r1`, `ecdsaNistP384` (kept unparsed) and `ecsigSm2` (index 4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum PublicVerificationKey {
    EcdsaNistP256(EccP256CurvePoint),
    EcdsaBrainpoolP256r1(EccP256CurvePoint),
    EcsigSm2(EccP256CurvePoint),
    Unknown(UnknownExtension),
}

/// The index of `ecsigSm2` in `PublicVerificationKey`.
pub const KEY_SM2: u64 = 4;

impl Coer for PublicVerificationKey {
    fn encode(&self, w: &mut Writer) {
        match self {
            PublicVerificationKey::EcdsaNistP256(p) => {
                w.choice_tag(0);
                p.encode(w);
            }
            PublicVerificationKey::EcdsaBrainpoolP256r1(p) => {
                w.choice_tag(1);
                p.encode(w);
            }
            PublicVerificationKey::EcsigSm2(p) => {
                w.choice_tag(KEY_SM2);
                w.open_type(|w| p.encode(w));
            }
            PublicVerificationKey::Unknown(u) => encode_unknown(u, 2, w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.choice_tag()? {
            0 => PublicVerificationKey::EcdsaNistP256(EccP256CurvePoint::decode(r)?),
            1 => PublicVerificationKey::EcdsaBrainpoolP256r1(EccP256CurvePoint::decode(r)?),
            KEY_SM2 => PublicVerificationKey::EcsigSm2(r.open()?),
            index => PublicVerificationKey::Unknown(decode_unknown(index, 2, r)?),
        })
    }
}

/// `PublicEncryptionKey`: `supportedSymmAlg` (`SymmAlgorithm`, 0 = aes128Ccm; 1609.2-2022
/// adds sm4Ccm as 1) and `publicKey`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicEncryptionKey {
    /// `supportedSymmAlg`, as its ENUMERATED value.
    pub supported_symm_alg: u8,
    /// `publicKey` (`BasePublicEncryptionKey`): the alternative's index and point; extension
    /// alternatives are kept unparsed.
    pub public_key: BasePublicEncryptionKey,
}

/// `BasePublicEncryptionKey`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum BasePublicEncryptionKey {
    EciesNistP256(EccP256CurvePoint),
    EciesBrainpoolP256r1(EccP256CurvePoint),
    Unknown(UnknownExtension),
}

impl Coer for PublicEncryptionKey {
    fn encode(&self, w: &mut Writer) {
        w.u8(self.supported_symm_alg);
        match &self.public_key {
            BasePublicEncryptionKey::EciesNistP256(p) => {
                w.choice_tag(0);
                p.encode(w);
            }
            BasePublicEncryptionKey::EciesBrainpoolP256r1(p) => {
                w.choice_tag(1);
                p.encode(w);
            }
            BasePublicEncryptionKey::Unknown(u) => encode_unknown(u, 2, w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let supported_symm_alg = r.enumerated()?;
        let public_key = match r.choice_tag()? {
            0 => BasePublicEncryptionKey::EciesNistP256(EccP256CurvePoint::decode(r)?),
            1 => BasePublicEncryptionKey::EciesBrainpoolP256r1(EccP256CurvePoint::decode(r)?),
            index => BasePublicEncryptionKey::Unknown(decode_unknown(index, 2, r)?),
        };
        Ok(PublicEncryptionKey {
            supported_symm_alg,
            public_key,
        })
    }
}

/// `PsidSsp`: an application and, optionally, what within it the holder may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PsidSsp {
    /// `psid`.
    pub psid: Psid,
    /// `ssp`.
    pub ssp: Option<ServiceSpecificPermissions>,
}

impl Coer for PsidSsp {
    fn encode(&self, w: &mut Writer) {
        w.preamble(None, &[self.ssp.is_some()]);
        w.uint_var(self.psid);
        if let Some(s) = &self.ssp {
            s.encode(w);
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let [has_ssp] = r.preamble::<1>()?;
        Ok(PsidSsp {
            psid: r.uint_var().map_err(|e| e.in_component("psid"))?,
            ssp: has_ssp
                .then(|| ServiceSpecificPermissions::decode(r))
                .transpose()
                .map_err(|e| e.in_component("ssp"))?,
        })
    }
}

/// `ServiceSpecificPermissions`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum ServiceSpecificPermissions {
    Opaque(Vec<u8>),
    /// `BitmapSsp ::= OCTET STRING (SIZE(0..31))` (extension alternative 1).
    BitmapSsp(Vec<u8>),
    Unknown(UnknownExtension),
}

impl ServiceSpecificPermissions {
    /// The permission octets, whichever form carries them.
    pub fn octets(&self) -> &[u8] {
        match self {
            ServiceSpecificPermissions::Opaque(v) | ServiceSpecificPermissions::BitmapSsp(v) => v,
            ServiceSpecificPermissions::Unknown(_) => &[],
        }
    }
}

impl Coer for ServiceSpecificPermissions {
    fn encode(&self, w: &mut Writer) {
        match self {
            ServiceSpecificPermissions::Opaque(v) => {
                w.choice_tag(0);
                w.octets_with_length(v);
            }
            ServiceSpecificPermissions::BitmapSsp(v) => {
                w.choice_tag(1);
                w.open_type(|w| w.octets_with_length(v));
            }
            ServiceSpecificPermissions::Unknown(u) => encode_unknown(u, 1, w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.choice_tag()? {
            0 => ServiceSpecificPermissions::Opaque(r.octets_with_length(0, usize::MAX)?.to_vec()),
            1 => {
                let inner = r.open_type()?;
                let mut ir = Reader::new(inner);
                let v = ir.octets_with_length(0, 31)?.to_vec();
                ir.finish()?;
                ServiceSpecificPermissions::BitmapSsp(v)
            }
            index => ServiceSpecificPermissions::Unknown(decode_unknown(index, 1, r)?),
        })
    }
}

/// `PsidSspRange`: an application a CA may certify and, optionally, which SSPs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PsidSspRange {
    /// `psid`.
    pub psid: Psid,
    /// `sspRange`.
    pub ssp_range: Option<SspRange>,
}

impl Coer for PsidSspRange {
    fn encode(&self, w: &mut Writer) {
        w.preamble(None, &[self.ssp_range.is_some()]);
        w.uint_var(self.psid);
        if let Some(s) = &self.ssp_range {
            s.encode(w);
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let [has] = r.preamble::<1>()?;
        Ok(PsidSspRange {
            psid: r.uint_var()?,
            ssp_range: has.then(|| SspRange::decode(r)).transpose()?,
        })
    }
}

/// `SspRange`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum SspRange {
    Opaque(Vec<Vec<u8>>),
    All,
    BitmapSspRange {
        ssp_value: Vec<u8>,
        ssp_bitmask: Vec<u8>,
    },
    Unknown(UnknownExtension),
}

struct OctetString(Vec<u8>);

impl Coer for OctetString {
    fn encode(&self, w: &mut Writer) {
        w.octets_with_length(&self.0);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(OctetString(r.octets_with_length(0, usize::MAX)?.to_vec()))
    }
}

impl Coer for SspRange {
    fn encode(&self, w: &mut Writer) {
        match self {
            SspRange::Opaque(v) => {
                w.choice_tag(0);
                w.quantity(v.len());
                for o in v {
                    w.octets_with_length(o);
                }
            }
            SspRange::All => w.choice_tag(1),
            SspRange::BitmapSspRange {
                ssp_value,
                ssp_bitmask,
            } => {
                w.choice_tag(2);
                w.open_type(|w| {
                    w.octets_with_length(ssp_value);
                    w.octets_with_length(ssp_bitmask);
                });
            }
            SspRange::Unknown(u) => encode_unknown(u, 2, w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.choice_tag()? {
            0 => SspRange::Opaque(
                decode_seq_of::<OctetString>(r, 1)?
                    .into_iter()
                    .map(|o| o.0)
                    .collect(),
            ),
            1 => SspRange::All,
            2 => {
                let inner = r.open_type()?;
                let mut ir = Reader::new(inner);
                let ssp_value = ir.octets_with_length(1, 32)?.to_vec();
                let ssp_bitmask = ir.octets_with_length(1, 32)?.to_vec();
                ir.finish()?;
                SspRange::BitmapSspRange {
                    ssp_value,
                    ssp_bitmask,
                }
            }
            index => SspRange::Unknown(decode_unknown(index, 2, r)?),
        })
    }
}

/// `LinkageData` of a pseudonym certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkageData {
    /// `iCert` (`IValue`): the time period the linkage value belongs to.
    pub i_cert: u16,
    /// `linkage-value`.
    pub linkage_value: [u8; 9],
    /// `group-linkage-value`: `jValue` and `value`.
    pub group_linkage_value: Option<([u8; 4], [u8; 9])>,
}

impl Coer for LinkageData {
    fn encode(&self, w: &mut Writer) {
        w.preamble(None, &[self.group_linkage_value.is_some()]);
        self.i_cert.encode(w);
        w.octets(&self.linkage_value);
        if let Some((j, v)) = &self.group_linkage_value {
            w.octets(j);
            w.octets(v);
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let [has_group] = r.preamble::<1>()?;
        Ok(LinkageData {
            i_cert: u16::decode(r)?,
            linkage_value: r.array()?,
            group_linkage_value: if has_group {
                Some((r.array()?, r.array()?))
            } else {
                None
            },
        })
    }
}
