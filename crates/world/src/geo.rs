//! Positions: WGS-84 degrees at the edge, metres in a local east-north frame inside.

/// WGS-84 semi-major axis, metres.
const WGS84_A: f64 = 6_378_137.0;
/// WGS-84 first eccentricity squared.
const WGS84_E2: f64 = 6.694_379_990_141_316e-3;

/// A point in the local frame: metres east and north of the zone origin.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Point {
    /// Metres east of the origin.
    pub east_m: f64,
    /// Metres north of the origin.
    pub north_m: f64,
}

impl Point {
    /// Distance to `other`, metres.
    pub fn distance_to(self, other: Point) -> f64 {
        // Not `hypot`: its care for overflow costs several times a square root, and zone
        // coordinates are a few kilometres at most.
        self.distance2_to(other).sqrt()
    }

    /// The direction from here to `other`, degrees clockwise from north in [0, 360).
    pub fn heading_to_deg(self, other: Point) -> f64 {
        (other.east_m - self.east_m)
            .atan2(other.north_m - self.north_m)
            .to_degrees()
            .rem_euclid(360.0)
    }

    /// The square of the distance to `other`, m², for comparisons without a root.
    pub fn distance2_to(self, other: Point) -> f64 {
        let (de, dn) = (self.east_m - other.east_m, self.north_m - other.north_m);
        de * de + dn * dn
    }
}

/// The zone's local tangent frame: east and north metres around an origin.
///
/// A pilot zone spans a few kilometres, so the frame scales degrees by the WGS-84 radii of
/// curvature at the origin (meridional for north, prime vertical for east). Over 5 km from
/// the origin this stays within a few centimetres of a full geodetic conversion, well inside
/// GNSS error, and costs two multiplications.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalFrame {
    origin_lat_deg: f64,
    origin_lon_deg: f64,
    metres_per_deg_north: f64,
    metres_per_deg_east: f64,
}

impl LocalFrame {
    /// The frame around `(lat, lon)` in degrees.
    pub fn new(origin_lat_deg: f64, origin_lon_deg: f64) -> Self {
        let phi = origin_lat_deg.to_radians();
        let s2 = phi.sin().powi(2);
        let w = (1.0 - WGS84_E2 * s2).sqrt();
        let prime_vertical = WGS84_A / w;
        let meridional = WGS84_A * (1.0 - WGS84_E2) / (w * w * w);
        LocalFrame {
            origin_lat_deg,
            origin_lon_deg,
            metres_per_deg_north: meridional.to_radians(),
            metres_per_deg_east: (prime_vertical * phi.cos()).to_radians(),
        }
    }

    /// The origin, degrees (lat, lon).
    pub fn origin(&self) -> (f64, f64) {
        (self.origin_lat_deg, self.origin_lon_deg)
    }

    /// Degrees to the local frame.
    pub fn to_local(&self, lat_deg: f64, lon_deg: f64) -> Point {
        Point {
            east_m: (lon_deg - self.origin_lon_deg) * self.metres_per_deg_east,
            north_m: (lat_deg - self.origin_lat_deg) * self.metres_per_deg_north,
        }
    }

    /// The local frame to degrees (lat, lon).
    pub fn to_wgs84(&self, p: Point) -> (f64, f64) {
        (
            self.origin_lat_deg + p.north_m / self.metres_per_deg_north,
            self.origin_lon_deg + p.east_m / self.metres_per_deg_east,
        )
    }

    /// (lat, lon) in the standard's unit, 1e-7 degree (DE_Latitude, DE_Longitude), to the
    /// local frame.
    pub fn from_1e7(&self, (lat, lon): (i64, i64)) -> Point {
        self.to_local(
            crate::units::degrees_from_1e7(lat),
            crate::units::degrees_from_1e7(lon),
        )
    }

    /// Where an offset (DF_PositionOffsetLL) from a reference position (1e-7 degree) lies,
    /// local frame.
    pub fn at_offset(
        &self,
        (ref_lat, ref_lon): (i64, i64),
        o: &roadcloud_csae::PositionOffsetLL,
    ) -> Point {
        self.from_1e7(crate::units::resolve_offset_ll(ref_lat, ref_lon, o))
    }

    /// The local frame to (lat, lon) in the standard's unit, 1e-7 degree (DE_Latitude,
    /// DE_Longitude).
    pub fn to_1e7(&self, p: Point) -> (i64, i64) {
        let (lat, lon) = self.to_wgs84(p);
        (
            crate::units::degrees_to_1e7(lat),
            crate::units::degrees_to_1e7(lon),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_matches_known_distances() {
        // Anting, Jiading.
        let f = LocalFrame::new(31.2866, 121.1655);
        let p = f.to_local(31.2876, 121.1665);
        let (lat, lon) = f.to_wgs84(p);
        assert!((lat - 31.2876).abs() < 1e-12 && (lon - 121.1665).abs() < 1e-12);
        // 0.001 degree of latitude is about 110.9 m here, of longitude about 95.2 m.
        assert!((p.north_m - 110.88).abs() < 0.05, "{p:?}");
        assert!((p.east_m - 95.22).abs() < 0.05, "{p:?}");
    }
}
