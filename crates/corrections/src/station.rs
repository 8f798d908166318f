//! Where the corrections come from: the reference station's antenna reference point, as
//! its stationary RTK reference station ARP messages give it (RTCM 10403.x message types
//! 1005 and 1006: DF025 to DF027, ECEF in 0.0001 m), in WGS 84 latitude and longitude.
//! Corrections from one station serve receivers near it only (the baseline), so the relay
//! sends them to the RSUs and vehicles within a distance of it.

use crate::rtcm3::Frame;

/// WGS 84 semi-major axis, m.
const A: f64 = 6_378_137.0;
/// WGS 84 flattening.
const F: f64 = 1.0 / 298.257_223_563;

/// A reference station's position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Station {
    /// Its reference station id (DF003).
    pub id: u16,
    /// Latitude, degrees (WGS 84).
    pub lat_deg: f64,
    /// Longitude, degrees (WGS 84).
    pub lon_deg: f64,
    /// Height above the ellipsoid, m.
    pub height_m: f64,
}

impl Station {
    /// The station a 1005 or 1006 frame gives; `None` for any other frame or one too short.
    pub fn of(frame: &Frame) -> Option<Station> {
        let n = frame.message_number()?;
        if n != 1005 && n != 1006 {
            return None;
        }
        let mut bits = Bits {
            data: frame.payload(),
            at: 12,
        };
        let id = bits.take(12)? as u16;
        // DF021 ITRF year (6), DF022-024 GPS, GLONASS, Galileo (3), DF141 (1).
        bits.take(10)?;
        let x = bits.signed(38)?;
        // DF142 single receiver oscillator, DF001 reserved.
        bits.take(2)?;
        let y = bits.signed(38)?;
        // DF364 quarter cycle indicator.
        bits.take(2)?;
        let z = bits.signed(38)?;
        let (lat_deg, lon_deg, height_m) =
            geodetic_of_ecef(x as f64 * 1e-4, y as f64 * 1e-4, z as f64 * 1e-4);
        Some(Station {
            id,
            lat_deg,
            lon_deg,
            height_m,
        })
    }
}

/// MSB-first bit fields of a payload.
struct Bits<'a> {
    data: &'a [u8],
    at: usize,
}

impl Bits<'_> {
    fn take(&mut self, n: usize) -> Option<u64> {
        if self.at + n > self.data.len() * 8 {
            return None;
        }
        let mut v = 0u64;
        for i in self.at..self.at + n {
            v = (v << 1) | u64::from((self.data[i / 8] >> (7 - i % 8)) & 1);
        }
        self.at += n;
        Some(v)
    }

    /// A two's complement field of `n` bits.
    fn signed(&mut self, n: usize) -> Option<i64> {
        let v = self.take(n)?;
        Some(((v << (64 - n)) as i64) >> (64 - n))
    }
}

/// Latitude and longitude (degrees) and height (m) of an ECEF point, WGS 84, by Bowring's
/// iteration (converges to well under a millimetre in a few steps near the surface).
pub fn geodetic_of_ecef(x: f64, y: f64, z: f64) -> (f64, f64, f64) {
    let e2 = F * (2.0 - F);
    let p = x.hypot(y);
    let lon = y.atan2(x);
    let mut lat = z.atan2(p * (1.0 - e2));
    let mut h = 0.0;
    for _ in 0..6 {
        let n = A / (1.0 - e2 * lat.sin().powi(2)).sqrt();
        h = if lat.cos().abs() > 1e-9 {
            p / lat.cos() - n
        } else {
            z.abs() - n * (1.0 - e2)
        };
        lat = z.atan2(p * (1.0 - e2 * n / (n + h)));
    }
    (lat.to_degrees(), lon.to_degrees(), h)
}

/// The ECEF point of a latitude and longitude (degrees) and height (m), WGS 84.
pub fn ecef_of_geodetic(lat_deg: f64, lon_deg: f64, height_m: f64) -> (f64, f64, f64) {
    let e2 = F * (2.0 - F);
    let (lat, lon) = (lat_deg.to_radians(), lon_deg.to_radians());
    let n = A / (1.0 - e2 * lat.sin().powi(2)).sqrt();
    (
        (n + height_m) * lat.cos() * lon.cos(),
        (n + height_m) * lat.cos() * lon.sin(),
        (n * (1.0 - e2) + height_m) * lat.sin(),
    )
}

/// A 1005 message (stationary RTK reference station ARP) for a station at a latitude and
/// longitude (degrees) and height (m): GPS, GLONASS and Galileo, ITRF year 0. For
/// simulators and tests.
pub fn arp_1005(id: u16, lat_deg: f64, lon_deg: f64, height_m: f64) -> Frame {
    let (x, y, z) = ecef_of_geodetic(lat_deg, lon_deg, height_m);
    let fields: [(u64, usize); 13] = [
        (1005, 12),
        (u64::from(id & 0x0FFF), 12),
        (0, 6),
        (1, 1),
        (1, 1),
        (1, 1),
        (0, 1),
        (((x * 1e4).round() as i64 as u64) & ((1 << 38) - 1), 38),
        (0, 1),
        (0, 1),
        (((y * 1e4).round() as i64 as u64) & ((1 << 38) - 1), 38),
        (0, 2),
        (((z * 1e4).round() as i64 as u64) & ((1 << 38) - 1), 38),
    ];
    let mut payload = vec![0u8; 19];
    let mut at = 0;
    for (v, n) in fields {
        for i in 0..n {
            if (v >> (n - 1 - i)) & 1 == 1 {
                payload[(at + i) / 8] |= 0x80 >> ((at + i) % 8);
            }
        }
        at += n;
    }
    Frame::encode(&payload).expect("19 octets fit a frame")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecef_and_geodetic_are_inverse() {
        for (lat, lon, h) in [
            (31.2837, 121.1655, 12.0),
            (-33.9, 18.4, 1500.0),
            (89.99, 0.0, 0.0),
            (0.0, -179.5, -30.0),
        ] {
            let (x, y, z) = ecef_of_geodetic(lat, lon, h);
            let (la, lo, he) = geodetic_of_ecef(x, y, z);
            assert!((la - lat).abs() < 1e-9, "{la} {lat}");
            assert!((lo - lon).abs() < 1e-9, "{lo} {lon}");
            assert!((he - h).abs() < 1e-3, "{he} {h}");
        }
    }

    #[test]
    fn a_known_point() {
        // The equator at the prime meridian is one semi-major axis along X.
        let (x, y, z) = ecef_of_geodetic(0.0, 0.0, 0.0);
        assert!((x - A).abs() < 1e-6 && y.abs() < 1e-6 && z.abs() < 1e-6);
    }

    #[test]
    fn a_1005_gives_its_station_and_others_none() {
        let f = arp_1005(2301, 31.2837, 121.1655, 12.0);
        assert_eq!(f.message_number(), Some(1005));
        let s = Station::of(&f).unwrap();
        assert_eq!(s.id, 2301);
        // 0.1 mm ECEF steps: far below a metre in latitude and longitude.
        assert!((s.lat_deg - 31.2837).abs() < 1e-8 && (s.lon_deg - 121.1655).abs() < 1e-8);
        assert!((s.height_m - 12.0).abs() < 1e-3);
        assert_eq!(Station::of(&Frame::encode(&[0x43, 0x50, 0]).unwrap()), None);
        // A 1005 cut short.
        assert_eq!(
            Station::of(&Frame::encode(&f.payload()[..10]).unwrap()),
            None
        );
    }
}
