//! What every fuzz target checks: decoding hostile octets or JSON never panics, and whatever
//! decodes re-encodes to something that decodes to the same value.

use roadcloud_per::{AsnType, Jer, Uper, from_json, from_uper, to_json, to_uper};

/// Decodes `data` as one `T` PDU; a value that decodes must survive a round trip.
pub fn uper_roundtrip<T>(data: &[u8])
where
    T: Uper + Jer + AsnType + PartialEq + std::fmt::Debug,
{
    if let Ok(value) = from_uper::<T>(data) {
        let bytes = to_uper(&value).expect("a decoded value encodes");
        let again: T = from_uper(&bytes).expect("its encoding decodes");
        assert_eq!(again, value);
        let json = to_json(&value);
        let back: T = from_json(&json).expect("its JSON reads back");
        assert_eq!(back, value);
    }
}

/// Reads `data` as JSON text of one `T`; a value that reads must encode and decode back.
pub fn json_roundtrip<T>(data: &[u8])
where
    T: Uper + Jer + AsnType + PartialEq + std::fmt::Debug,
{
    let Ok(json) = roadcloud_per::serde_json::from_slice(data) else {
        return;
    };
    if let Ok(value) = from_json::<T>(&json) {
        let bytes = to_uper(&value).expect("a value read from JSON satisfies its constraints");
        let again: T = from_uper(&bytes).expect("its encoding decodes");
        assert_eq!(again, value);
    }
}
