//! Whether a position lies in a certificate's `GeographicRegion` (IEEE 1609.2-2016 6.4.17 to
//! 6.4.22; positions in 1e-7 degree as both 1609.2 and T/CSAE 53 give them).

use crate::asn::{GeographicRegion, IdentifiedRegion, TwoDLocation};

/// Mean Earth radius, metres (1609.2 6.4.18 leaves the model to the implementation; at the
/// scale of a zone the sphere is within a few metres of WGS-84).
const EARTH_RADIUS_M: f64 = 6_371_008.8;

fn degrees(v: i32) -> f64 {
    f64::from(v) * 1e-7
}

/// The great-circle distance between two points, metres.
pub fn distance_m(a: (i32, i32), b: (i32, i32)) -> f64 {
    let (la1, lo1) = (degrees(a.0).to_radians(), degrees(a.1).to_radians());
    let (la2, lo2) = (degrees(b.0).to_radians(), degrees(b.1).to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().asin()
}

fn point(l: &TwoDLocation) -> (i32, i32) {
    (l.latitude.0, l.longitude.0)
}

/// Whether `(lat, lon)` (1e-7 degree) lies in `region`. Identified regions (countries) are
/// taken as containing every position: roadcloud has no country borders, and a zone lies in
/// one country (docs/security.md says so). An unknown alternative contains nothing.
pub fn contains(region: &GeographicRegion, lat: i32, lon: i32) -> bool {
    match region {
        GeographicRegion::CircularRegion(c) => {
            distance_m(point(&c.center), (lat, lon)) <= f64::from(c.radius)
        }
        GeographicRegion::RectangularRegion(rects) => rects.iter().any(|r| {
            let (n, w) = point(&r.north_west);
            let (s, e) = point(&r.south_east);
            (s..=n).contains(&lat) && (w..=e).contains(&lon)
        }),
        GeographicRegion::PolygonalRegion(points) => {
            // Ray casting on the plane of latitude and longitude, as 1609.2 6.4.21 permits for
            // regions this small.
            let mut inside = false;
            let n = points.len();
            for i in 0..n {
                let (ya, xa) = point(&points[i]);
                let (yb, xb) = point(&points[(i + n - 1) % n]);
                let (ya, xa, yb, xb) = (f64::from(ya), f64::from(xa), f64::from(yb), f64::from(xb));
                let (y, x) = (f64::from(lat), f64::from(lon));
                if (ya > y) != (yb > y) && x < (xb - xa) * (y - ya) / (yb - ya) + xa {
                    inside = !inside;
                }
            }
            inside
        }
        GeographicRegion::IdentifiedRegion(ids) => ids
            .iter()
            .any(|i| !matches!(i, IdentifiedRegion::Unknown(_))),
        GeographicRegion::Unknown(_) => false,
    }
}

/// Whether `inner` lies within `outer`, as far as can be told from `inner`'s corners (and, for
/// a circle, the corners of the square around it).
pub fn within(inner: &GeographicRegion, outer: &GeographicRegion) -> bool {
    if matches!(outer, GeographicRegion::IdentifiedRegion(_)) {
        return contains(outer, 0, 0);
    }
    let corners: Vec<(i32, i32)> = match inner {
        GeographicRegion::CircularRegion(c) => {
            let (lat, lon) = point(&c.center);
            let dlat = (f64::from(c.radius) / 111_195.0 / 1e-7) as i32;
            let dlon = (f64::from(dlat) / degrees(lat).to_radians().cos().max(0.01)) as i32;
            vec![
                (lat + dlat, lon - dlon),
                (lat + dlat, lon + dlon),
                (lat - dlat, lon - dlon),
                (lat - dlat, lon + dlon),
            ]
        }
        GeographicRegion::RectangularRegion(rects) => rects
            .iter()
            .flat_map(|r| {
                let (n, w) = point(&r.north_west);
                let (s, e) = point(&r.south_east);
                [(n, w), (n, e), (s, w), (s, e)]
            })
            .collect(),
        GeographicRegion::PolygonalRegion(points) => points.iter().map(point).collect(),
        GeographicRegion::IdentifiedRegion(_) | GeographicRegion::Unknown(_) => return false,
    };
    corners.iter().all(|(lat, lon)| contains(outer, *lat, *lon))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asn::{CircularRegion, Latitude, Longitude, RectangularRegion};

    fn at(lat: f64, lon: f64) -> TwoDLocation {
        TwoDLocation {
            latitude: Latitude((lat * 1e7) as i32),
            longitude: Longitude((lon * 1e7) as i32),
        }
    }

    #[test]
    fn a_circle_around_jiading() {
        let c = GeographicRegion::CircularRegion(CircularRegion {
            center: at(31.2915, 121.1643),
            radius: 5_000,
        });
        assert!(contains(&c, 313_000_000, 1_211_643_000));
        assert!(!contains(&c, 314_000_000, 1_211_643_000));
        let rect = GeographicRegion::RectangularRegion(vec![RectangularRegion {
            north_west: at(31.4, 121.0),
            south_east: at(31.2, 121.3),
        }]);
        assert!(within(&c, &rect));
        assert!(!within(&rect, &c));
        let triangle = GeographicRegion::PolygonalRegion(vec![
            at(31.0, 121.0),
            at(31.5, 121.0),
            at(31.0, 121.5),
        ]);
        assert!(contains(&triangle, 311_000_000, 1_211_000_000));
        assert!(!contains(&triangle, 314_000_000, 1_214_000_000));
    }
}
