//! Messages from a newer version of the message set (X.691 14.3 and 23.8): an extension
//! value of an ENUMERATED, or an extension alternative of a CHOICE, that T/CSAE 53-2020 does
//! not define decodes as an unknown value, the rest of the message with it, and re-encodes
//! exactly as it came.

use roadcloud_csae::{MessageFrame, ParticipantType, TimeChangeDetails, decode, encode};
use roadcloud_per::{UnknownExtension, from_json, to_json};

fn roundtrip(frame: &MessageFrame) -> Vec<u8> {
    let bytes = encode(frame).expect("encodes");
    let back: MessageFrame = decode(&bytes).expect("decodes");
    assert_eq!(&back, frame);
    assert_eq!(encode(&back).unwrap(), bytes, "re-encodes as it came");
    let json = to_json(&back);
    let again: MessageFrame = from_json(&json).expect("its JSON reads back");
    assert_eq!(&again, frame);
    bytes
}

/// ENUMERATED: an RSM whose second participant's `ptcType` is an extension value (as a newer
/// message set might add one) keeps all three participants.
#[test]
fn an_unknown_enumerated_value_keeps_the_rest_of_the_message() {
    let MessageFrame::RsmFrame(mut rsm) = roadcloud_testkit::vector53("rsm_01_three_participants")
    else {
        panic!()
    };
    rsm.participants.0[1].ptc_type = ParticipantType::UnknownExtension(2);
    let frame = MessageFrame::RsmFrame(rsm.clone());
    let bytes = roundtrip(&frame);
    let MessageFrame::RsmFrame(back) = decode::<MessageFrame>(&bytes).unwrap() else {
        panic!()
    };
    assert_eq!(back.participants.0.len(), 3);
    assert_eq!(back.participants.0[0], rsm.participants.0[0]);
    assert_eq!(back.participants.0[2], rsm.participants.0[2]);
    let json = to_json(&frame);
    assert_eq!(
        json["rsmFrame"]["participants"][1]["ptcType"],
        roadcloud_per::serde_json::json!({"unknownExtension": 2}),
        "{json}"
    );
    // The same bits with the root value put back decode as the vector's participant.
    assert_ne!(back.participants.0[1].ptc_type, ParticipantType::Motor);
}

/// CHOICE: a SPAT phase whose timing is an alternative a newer version adds, and a whole
/// MessageFrame of a message this version does not know.
#[test]
fn an_unknown_choice_alternative_is_kept_as_it_came() {
    let MessageFrame::SpatFrame(mut spat) = roadcloud_testkit::vector53("spat_01_anting_counting")
    else {
        panic!()
    };
    let unknown = UnknownExtension {
        index: 3,
        encoding: vec![0x81, 0x02, 0xff],
    };
    spat.intersections.0[0].phases.0[0].phase_states.0[0].timing =
        Some(TimeChangeDetails::UnknownExtension(unknown.clone()));
    roundtrip(&MessageFrame::SpatFrame(spat));

    let frame = MessageFrame::UnknownExtension(UnknownExtension {
        index: 9,
        encoding: vec![1, 2, 3, 4, 5],
    });
    let bytes = roundtrip(&frame);
    assert_eq!(
        to_json(&frame),
        roadcloud_per::serde_json::json!({"unknownExtension": {"index": 9, "encoding": "0102030405"}})
    );
    // Damaged (the open type's length past the end), it is an error, not a guess.
    assert!(decode::<MessageFrame>(&bytes[..bytes.len() - 1]).is_err());
}
