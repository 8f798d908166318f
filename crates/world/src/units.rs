//! The standard's units, converted in one place. Each function names the data element of
//! T/CSAE 53-2020 it reads and returns `None` for the value the standard reserves for
//! "unavailable". Scales are applied by dividing by their exact integer inverse, so a value
//! reads back as the decimal the standard means (625 x 0.02 m/s is exactly 12.5).

use roadcloud_csae as csae;

/// `Latitude`/`Longitude`: 1e-7 degree.
pub fn degrees_from_1e7(v: i64) -> f64 {
    v as f64 / 1e7
}

/// Degrees to `Latitude`/`Longitude` units (1e-7 degree), rounded.
pub fn degrees_to_1e7(deg: f64) -> i64 {
    (deg * 1e7).round() as i64
}

/// `Speed`: 0.02 m/s; 8191 means unavailable.
pub fn speed_mps(s: csae::Speed) -> Option<f64> {
    (s.0 != 8191).then(|| f64::from(s.0) / 50.0)
}

/// `Heading`: 0.0125 degree clockwise from true north, 0..=28799; 28800 means unavailable.
pub fn heading_deg(h: csae::Heading) -> Option<f64> {
    (h.0 < 28800).then(|| f64::from(h.0) / 80.0)
}

/// `Acceleration`: 0.01 m/s²; 2001 means unavailable.
pub fn acceleration_mps2(a: csae::Acceleration) -> Option<f64> {
    (a.0 != 2001).then(|| f64::from(a.0) / 100.0)
}

/// `YawRate`: 0.01 degree/s, positive clockwise (as the heading turns).
pub fn yaw_rate_dps(y: csae::YawRate) -> f64 {
    f64::from(y.0) / 100.0
}

/// `Elevation`: 0.1 m; -4096 means unknown.
pub fn elevation_m(e: csae::Elevation) -> Option<f64> {
    (e.0 != -4096).then(|| f64::from(e.0) / 10.0)
}

/// `VehicleWidth`/`VehicleLength`: centimetres; 0 means unavailable.
pub fn size_cm_to_m(cm: u16) -> Option<f64> {
    (cm != 0).then(|| f64::from(cm) / 100.0)
}

/// `VehicleHeight`: 5 cm.
pub fn height_m(h: csae::VehicleHeight) -> f64 {
    f64::from(h.0) / 20.0
}

/// The other way, for devices roadcloud simulates: m/s to `Speed` (0.02 m/s, 0..=8190).
pub fn speed_from_mps(v: f64) -> csae::Speed {
    csae::Speed((v * 50.0).round().clamp(0.0, 8190.0) as u16)
}

/// Degrees (any) to `Heading` (0.0125 degree, 0..=28799).
pub fn heading_from_deg(h: f64) -> csae::Heading {
    csae::Heading(((h.rem_euclid(360.0) * 80.0).round() as u16) % 28_800)
}

/// m/s² to `Acceleration` (0.01 m/s², -2000..=2000).
pub fn acceleration_from_mps2(a: f64) -> csae::Acceleration {
    csae::Acceleration((a * 100.0).round().clamp(-2000.0, 2000.0) as i16)
}

/// Degrees/s to `YawRate` (0.01 degree/s, -32767..=32767).
pub fn yaw_rate_from_dps(y: f64) -> csae::YawRate {
    csae::YawRate((y * 100.0).round().clamp(-32767.0, 32767.0) as i16)
}

/// The position a `PositionOffsetLL` gives relative to a reference position, all in 1e-7
/// degree as (lat, lon). The six `position-LLn` forms are offsets of growing range in that unit;
/// `position-LatLon` is an absolute position (DE_PositionOffsetLL, T/CSAE 53-2020).
pub fn resolve_offset_ll(ref_lat: i64, ref_lon: i64, o: &csae::PositionOffsetLL) -> (i64, i64) {
    use csae::PositionOffsetLL as P;
    let (d_lat, d_lon): (i64, i64) = match o {
        P::PositionLL1(p) => (p.lat.0.into(), p.lon.0.into()),
        P::PositionLL2(p) => (p.lat.0.into(), p.lon.0.into()),
        P::PositionLL3(p) => (p.lat.0.into(), p.lon.0.into()),
        P::PositionLL4(p) => (p.lat.0.into(), p.lon.0.into()),
        P::PositionLL5(p) => (p.lat.0.into(), p.lon.0.into()),
        P::PositionLL6(p) => (p.lat.0.into(), p.lon.0.into()),
        P::PositionLatLon(p) => return (p.lat.0.into(), p.lon.0.into()),
    };
    (ref_lat + d_lat, ref_lon + d_lon)
}

/// [`offset_ll`] as a `PositionOffsetLLV` without a vertical offset.
pub fn offset_llv(ref_lat: i64, ref_lon: i64, lat: i64, lon: i64) -> csae::PositionOffsetLLV {
    csae::PositionOffsetLLV {
        offset_ll: offset_ll(ref_lat, ref_lon, lat, lon),
        offset_v: None,
    }
}

/// A `PositionConfidenceSet` that says nothing: the position's confidence unavailable, no
/// elevation's.
pub const NO_POSITION_CONFIDENCE: csae::PositionConfidenceSet = csae::PositionConfidenceSet {
    pos: csae::PositionConfidence::Unavailable,
    elevation: None,
};

/// The shortest `PositionOffsetLL` that takes a reference position to a position, both in
/// 1e-7 degree as (lat, lon): the inverse of [`resolve_offset_ll`]. Offsets beyond the widest
/// form (`position-LL6`, 24 bits, about ±90 km) are written as `position-LatLon`.
pub fn offset_ll(ref_lat: i64, ref_lon: i64, lat: i64, lon: i64) -> csae::PositionOffsetLL {
    use csae::PositionOffsetLL as P;
    let (d_lat, d_lon) = (lat - ref_lat, lon - ref_lon);
    let fits = |bits: u32| {
        let half = 1i64 << (bits - 1);
        (-half..half).contains(&d_lat) && (-half..half).contains(&d_lon)
    };
    // Each cast below is checked by `fits` for its form's width.
    let (la, lo) = (d_lat as i32, d_lon as i32);
    if fits(12) {
        P::PositionLL1(csae::PositionLL24B {
            lon: csae::OffsetLLB12(lo as i16),
            lat: csae::OffsetLLB12(la as i16),
        })
    } else if fits(14) {
        P::PositionLL2(csae::PositionLL28B {
            lon: csae::OffsetLLB14(lo as i16),
            lat: csae::OffsetLLB14(la as i16),
        })
    } else if fits(16) {
        P::PositionLL3(csae::PositionLL32B {
            lon: csae::OffsetLLB16(lo as i16),
            lat: csae::OffsetLLB16(la as i16),
        })
    } else if fits(18) {
        P::PositionLL4(csae::PositionLL36B {
            lon: csae::OffsetLLB18(lo),
            lat: csae::OffsetLLB18(la),
        })
    } else if fits(22) {
        P::PositionLL5(csae::PositionLL44B {
            lon: csae::OffsetLLB22(lo),
            lat: csae::OffsetLLB22(la),
        })
    } else if fits(24) {
        P::PositionLL6(csae::PositionLL48B {
            lon: csae::OffsetLLB24(lo),
            lat: csae::OffsetLLB24(la),
        })
    } else {
        P::PositionLatLon(csae::PositionLLmD64b {
            lon: csae::Longitude(lon.clamp(-1_799_999_999, 1_800_000_001) as i32),
            lat: csae::Latitude(lat.clamp(-900_000_000, 900_000_001) as i32),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_values_are_none() {
        assert_eq!(speed_mps(csae::Speed(8191)), None);
        assert_eq!(speed_mps(csae::Speed(625)), Some(12.5));
        assert_eq!(heading_deg(csae::Heading(28800)), None);
        assert_eq!(heading_deg(csae::Heading(14400)), Some(180.0));
        assert_eq!(acceleration_mps2(csae::Acceleration(2001)), None);
        assert_eq!(elevation_m(csae::Elevation(-4096)), None);
        assert_eq!(size_cm_to_m(0), None);
    }

    #[test]
    fn offsets_take_the_shortest_form_and_resolve_back() {
        let r = (312_866_000_i64, 1_211_655_000_i64);
        for (d_lat, d_lon, form) in [
            (0, 0, 1),
            (2_047, -2_048, 1),
            (2_048, 0, 2),
            (-8_192, 8_191, 2),
            (30_000, -1, 3),
            (100_000, 5, 4),
            (-2_000_000, 5, 5),
            (8_000_000, -8_000_000, 6),
            (9_000_000, 0, 7),
        ] {
            let o = offset_ll(r.0, r.1, r.0 + d_lat, r.1 + d_lon);
            let got = match o {
                csae::PositionOffsetLL::PositionLL1(_) => 1,
                csae::PositionOffsetLL::PositionLL2(_) => 2,
                csae::PositionOffsetLL::PositionLL3(_) => 3,
                csae::PositionOffsetLL::PositionLL4(_) => 4,
                csae::PositionOffsetLL::PositionLL5(_) => 5,
                csae::PositionOffsetLL::PositionLL6(_) => 6,
                csae::PositionOffsetLL::PositionLatLon(_) => 7,
            };
            assert_eq!(got, form, "({d_lat}, {d_lon})");
            assert_eq!(resolve_offset_ll(r.0, r.1, &o), (r.0 + d_lat, r.1 + d_lon));
        }
    }
}
