//! ASN.1 module `Platooning` of T/CSAE 157-2020 (Day I types identical on the wire to
//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.

#[allow(unused_imports)]
use crate::*;

/// `CLPMM ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible, name = "CLPMM")]
#[allow(missing_docs)]
pub struct Clpmm {
    pub msg_cnt: MsgCount,
    pub id: [u8; 8],
    pub sec_mark: DSecond,
    pub pid: [u8; 17],
    pub role: RoleInPlatooning,
    pub status: StatusInPlatooning,
    pub leading_ext: Option<MemberManagement>,
}

/// `MemberManagement ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct MemberManagement {
    pub member_list: MemberList,
    pub joining_list: Option<MemberList>,
    pub leaving_list: Option<MemberList>,
    #[asn(integer(1, 32))]
    pub capacity: u8,
    pub open_to_join: bool,
}

/// `RoleInPlatooning ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum RoleInPlatooning {
    Leader = 0,
    Follower = 1,
    Tail = 2,
    #[asn(name = "free-vehicle")]
    FreeVehicle = 3,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `StatusInPlatooning ::= ENUMERATED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]
#[asn(enumerated, extensible)]
#[allow(missing_docs)]
#[repr(u32)]
pub enum StatusInPlatooning {
    Navigating = 0,
    BeginToDissmiss = 1,
    AskForJoining = 2,
    Joining = 3,
    Following = 4,
    AskForLeaving = 5,
    Leaving = 6,
    /// An extension value of a newer version of the standard, by its extension index.
    #[asn(unknown)]
    UnknownExtension(u32),
}

/// `MemberList ::= SEQUENCE (SIZE(1..32)) OF MemberNode`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(seq_of(1, 32))]
pub struct MemberList(pub Vec<MemberNode>);

/// `MemberNode ::= SEQUENCE`.
#[derive(Debug, Clone, PartialEq, Eq, Asn)]
#[asn(sequence, extensible)]
#[allow(missing_docs)]
pub struct MemberNode {
    pub vid: [u8; 8],
}
