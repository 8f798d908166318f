//! ASN.1 module `TestMsg` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `TestMsg ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence)]
#[allow(missing_docs)]
pub struct TestMsg {
    pub msg_cnt: MsgCount,
    #[asn(octets(1, 2048))]
    pub user_data: Vec<u8>,
}
