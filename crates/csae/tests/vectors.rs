//! Every public vector decodes to exactly its value and re-encodes to exactly its octets.

mod common;

use roadcloud_csae::{Day2Message, MessageFrame, decode, encode};
use roadcloud_per::{from_json, to_json};

#[test]
fn every_vector_decodes_to_its_value_and_reencodes_to_its_bytes() {
    for v in common::all() {
        let frame: MessageFrame =
            decode(&v.bytes).unwrap_or_else(|e| panic!("{}: decode failed: {e}", v.name));
        assert_eq!(
            to_json(&frame),
            common::expected_json(&v),
            "{}: JSON differs",
            v.name
        );
        assert_eq!(
            encode(&frame).unwrap(),
            v.bytes,
            "{}: re-encoding differs",
            v.name
        );
    }
}

#[test]
fn every_vector_value_encodes_to_its_bytes_from_json() {
    for v in common::all() {
        // As published (Day II value as hex) and in roadcloud's typed form.
        for json in [v.json["value"].clone(), common::expected_json(&v)] {
            let frame: MessageFrame =
                from_json(&json).unwrap_or_else(|e| panic!("{}: from JSON failed: {e}", v.name));
            assert_eq!(encode(&frame).unwrap(), v.bytes, "{}", v.name);
        }
    }
}

#[test]
fn sensor_sharing_decodes_through_the_frame_into_a_typed_value() {
    let ssm: Vec<_> = common::all()
        .into_iter()
        .filter(|v| v.name.starts_with("ssm"))
        .collect();
    assert_eq!(ssm.len(), 2);
    for v in ssm {
        let MessageFrame::MsgFrameExt(ext) = decode(&v.bytes).unwrap() else {
            panic!("{}: not msgFrameExt", v.name)
        };
        assert_eq!(ext.message_id().0, 12);
        let Day2Message::SensorSharing(msg) = &ext.value else {
            panic!("{}: not a SensorSharingMsg", v.name)
        };
        // The inner PDU alone decodes to the same value.
        let inner = common::unhex(v.json["inner"]["uper_hex"].as_str().unwrap());
        let alone: roadcloud_csae::SensorSharingMsg = decode(&inner).unwrap();
        assert_eq!(&alone, msg);
        assert_eq!(encode(&alone).unwrap(), inner);
    }
}
