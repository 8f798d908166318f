//! Random valid values of every message type round-trip through UPER and through JSON.

use proptest::prelude::*;
use roadcloud_csae::*;
use roadcloud_per::arbitrary::Unstructured;
use roadcloud_per::{AsnType, Generate, Jer, Uper, from_json, from_uper, to_json, to_uper};

fn roundtrip<T>(seed: &[u8]) -> Result<(), TestCaseError>
where
    T: Generate + Uper + Jer + AsnType + PartialEq + std::fmt::Debug,
{
    let mut u = Unstructured::new(seed);
    let value = T::generate(&mut u).expect("generation never fails");
    let bytes = to_uper(&value).map_err(|e| TestCaseError::fail(format!("encode: {e}")))?;
    let back: T = from_uper(&bytes).map_err(|e| TestCaseError::fail(format!("decode: {e}")))?;
    prop_assert_eq!(&back, &value, "UPER round trip of {}", T::NAME);
    let json = to_json(&value);
    let back: T = from_json(&json).map_err(|e| TestCaseError::fail(format!("from JSON: {e}")))?;
    prop_assert_eq!(&back, &value, "JSON round trip of {}", T::NAME);
    Ok(())
}

macro_rules! roundtrip_tests {
    ($($name:ident: $ty:ty),* $(,)?) => {
        proptest! {
            #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]
            $(
                #[test]
                fn $name(seed in prop::collection::vec(any::<u8>(), 0..2048)) {
                    roundtrip::<$ty>(&seed)?;
                }
            )*
        }
    };
}

roundtrip_tests! {
    message_frame: MessageFrame,
    message_frame_ext: MessageFrameExt,
    bsm: BasicSafetyMessage,
    map: MapData,
    rsm: RoadsideSafetyMessage,
    spat: Spat,
    rsi: RoadSideInformation,
    ssm: SensorSharingMsg,
    vir: VehIntentionAndRequest,
    rsc: RoadsideCoordination,
    pam: PAMData,
    psm: PersonalSafetyMessage,
    clpmm: Clpmm,
    vpm: VehiclePaymentMessage,
    rtcm: RTCMcorrections,
    test_msg: TestMsg,
}

#[test]
fn out_of_range_values_are_errors_naming_their_path() {
    let bytes = common_bsm();
    let MessageFrame::BsmFrame(mut bsm) = decode::<MessageFrame>(&bytes).unwrap() else {
        unreachable!()
    };
    bsm.pos.lat = Latitude(900_000_002);
    let e = encode(&MessageFrame::BsmFrame(bsm)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "MessageFrame.bsmFrame.pos.lat: value 900000002 out of range -900000000..900000001"
    );
}

#[test]
fn decode_errors_name_path_and_bit() {
    // Latitude is 31 bits: an offset past its range must be reported where lat starts.
    let bytes = common_bsm();
    let MessageFrame::BsmFrame(bsm) = decode::<MessageFrame>(&bytes).unwrap() else {
        unreachable!()
    };
    // Find lat's bit offset by encoding the frame up to it: 4 (choice) + 1 (ext) + 7 (optional
    // bit-map) + 7 (msgCnt) + 64 (id) + 16 (secMark) + 6 (timeConfidence, present here) + 1
    // (Position3D's bit-map for elevation).
    assert!(bsm.time_confidence.is_some());
    let lat_bit = 4 + 1 + 7 + 7 + 64 + 16 + 6 + 1;
    let mut forged = bytes.clone();
    for i in 0..31 {
        let bit = lat_bit + i; // all ones: offset 2^31 - 1, far past the range
        forged[bit / 8] |= 0x80 >> (bit % 8);
    }
    let e = decode::<MessageFrame>(&forged).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "MessageFrame.bsmFrame.pos.lat: value 1247483647 out of range -900000000..900000001 at bit {lat_bit}"
        )
    );
}

fn common_bsm() -> Vec<u8> {
    let s = "07e22b43e78fc01436586607266425807c59c11b0f88170a0783e86a509c5c203e78d7587d57f7ff0ff02a59723b6790a47800058448100189800c62804180028fc00c7147b8bf9d70800958a512f0fffeb44100";
    roadcloud_per::jer::unhex(s).unwrap()
}

#[test]
fn an_unknown_day2_message_id_keeps_its_octets() {
    let frame = MessageFrame::MsgFrameExt(MessageFrameExt {
        value: Day2Message::Unknown {
            message_id: ExtMsgId(99),
            octets: vec![0xde, 0xad, 0xbe, 0xef],
        },
    });
    let bytes = encode(&frame).unwrap();
    assert_eq!(decode::<MessageFrame>(&bytes).unwrap(), frame);
    let json = to_json(&frame);
    assert_eq!(
        json.to_string(),
        r#"{"msgFrameExt":{"messageId":99,"value":"deadbeef"}}"#
    );
    assert_eq!(from_json::<MessageFrame>(&json).unwrap(), frame);
}
