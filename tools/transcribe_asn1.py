#!/usr/bin/env python3
"""Bootstrap transcription of the C-V2X ASN.1 modules into roadcloud-csae's Rust types.

Used once to lay out crates/csae/src/*.rs from the T/CSAE 157-2020 modules (a superset, wire
compatible with T/CSAE 53-2020 for Day I messages). The Rust files are the project's own source
from then on and are edited by hand; this script documents how they were laid out and lets a
reviewer regenerate them to diff against the standard.

    python3 -m venv /tmp/asn && /tmp/asn/bin/pip install asn1tools==0.169.0
    /tmp/asn/bin/python tools/transcribe_asn1.py ../shared/reference/asn1/csae157-2020 OUT_DIR

Needs the four GBK modules in their utf8-transcoded/ form (taken automatically).
"""
import glob
import os
import re
import shutil
import sys
import tempfile

import asn1tools

KEYWORDS = {"type", "ref", "move", "mod", "match", "loop", "use", "self", "crate", "struct",
            "enum", "fn", "impl", "trait", "where", "in", "as", "box", "priv", "final", "override",
            "static", "const", "let", "mut", "pub", "return", "super", "true", "false", "yield",
            "async", "await", "dyn", "abstract", "become", "do", "macro", "typeof", "unsized",
            "virtual", "try", "gen"}

SNAKE_OVERRIDES = {"currGNSSstatus": "curr_gnss_status", "eventABSactivated": "event_abs_activated"}

# Module file names, in the order a reader meets them in the standard.
MODULE_FILES = {
    "MsgFrame": "msg_frame", "BSM": "bsm", "Map": "map", "RSM": "rsm",
    "SignalPhaseAndTiming": "spat", "RSI": "rsi", "DefAcceleration": "def_acceleration",
    "DefMotion": "def_motion", "DefPosition": "def_position",
    "DefPositionOffset": "def_position_offset", "DefTime": "def_time", "VehBrake": "veh_brake",
    "VehClass": "veh_class", "VehEmgExt": "veh_emg_ext", "VehSafetyExt": "veh_safety_ext",
    "VehSize": "veh_size", "VehStatus": "veh_status", "SensorSharing": "sensor_sharing",
    "VIR": "vir", "RSC": "rsc", "PAM": "pam", "PSM": "psm", "Platooning": "platooning",
    "VPM": "vpm", "RTCM": "rtcm", "TestMsg": "test_msg",
}
HANDWRITTEN = {("MsgDayII", "MessageFrameExt"), ("MsgDayII", "ExtMsgID"), ("MsgFrame", "MessageFrame")}


def rust_type(name):
    parts = name.split("-")
    s = "".join(p[:1].upper() + p[1:] for p in parts)
    if re.fullmatch(r"[A-Z0-9]+", s):
        s = s[:1] + s[1:].lower()
    return s


def snake(name):
    if name in SNAKE_OVERRIDES:
        return SNAKE_OVERRIDES[name]
    s = name.replace("-", "_")
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = re.sub(r"([A-Z])([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"_+", "_", s).lower()
    return "r#" + s if s in KEYWORDS else s


def variant(name):
    parts = name.split("-")
    out = parts[0][:1].upper() + parts[0][1:]
    for p in parts[1:]:
        if out[-1].isdigit() and p[:1].isdigit():
            out += "_" + p
        else:
            out += p[:1].upper() + p[1:]
    if re.fullmatch(r"[A-Z0-9_]+", out) and len(out) > 1:
        out = out[:1] + out[1:].lower()
    return out


def lower_camel(ident):
    """Mirror of the derive's default naming (roadcloud-per-derive::lower_camel)."""
    s = ident[2:] if ident.startswith("r#") else ident
    out, upper = "", False
    for i, c in enumerate(s):
        if c == "_":
            upper = True
        elif upper:
            out += c.upper()
            upper = False
        elif i == 0:
            out += c.lower()
        else:
            out += c
    return out


def prim(lo, hi, ext):
    if ext:
        return "i64"
    if lo >= 0:
        for t, m in (("u8", 255), ("u16", 65535), ("u32", 4294967295)):
            if hi <= m:
                return t
        return "i64"
    for t, m in (("i8", 127), ("i16", 32767), ("i32", 2147483647)):
        if lo >= -m - 1 and hi <= m:
            return t
    return "i64"


def size_args(size):
    """asn1tools size list -> (lo, hi, ext, fixed)."""
    ext = len(size) > 1 and size[-1] is None
    root = size[0]
    if isinstance(root, (list, tuple)):
        lo, hi = root
    else:
        lo = hi = root
    return lo, hi, ext


def size_attr(kind, size):
    if size is None:
        return f"{kind}(unbounded)"
    lo, hi, ext = size_args(size)
    return f"{kind}({lo}, {hi}{', ext' if ext else ''})"


def int_args(t):
    r = t["restricted-to"]
    ext = len(r) > 1 and r[-1] is None
    lo, hi = r[0]
    return lo, hi, ext


def asn_text(t):
    """A one-line ASN.1 rendering of a type, for docs."""
    k = t["type"]
    if k == "INTEGER":
        lo, hi, ext = int_args(t)
        return f"INTEGER ({lo}..{hi}{', ...' if ext else ''})"
    if k in ("OCTET STRING", "IA5String", "BIT STRING"):
        if "size" not in t:
            return k
        lo, hi, ext = size_args(t["size"])
        sz = f"{lo}" if lo == hi else f"{lo}..{hi}"
        return f"{k} (SIZE({sz}{', ...' if ext else ''}))"
    if k == "SEQUENCE OF":
        inner = asn_text(t["element"])
        if "size" not in t:
            return f"SEQUENCE OF {inner}"
        lo, hi, ext = size_args(t["size"])
        return f"SEQUENCE (SIZE({lo}..{hi}{', ...' if ext else ''})) OF {inner}"
    return k


class Gen:
    def __init__(self, spec):
        self.spec = spec
        self.out = {}  # module -> list of text blocks
        self.named = {}
        for m, v in spec.items():
            for t in v["types"]:
                self.named[t] = m

    def field(self, owner, member, blocks):
        """Rust type and attributes for a component/alternative."""
        t = member
        k = t["type"]
        attrs = []
        if k == "INTEGER":
            lo, hi, ext = int_args(t)
            attrs.append(f"integer({lo}, {hi}{', ext' if ext else ''})")
            return prim(lo, hi, ext), attrs
        if k == "BOOLEAN":
            return "bool", attrs
        if k == "OCTET STRING":
            lo, hi, ext = size_args(t["size"])
            if lo == hi and not ext:
                return f"[u8; {lo}]", attrs
            attrs.append(size_attr("octets", t["size"]))
            return "Vec<u8>", attrs
        if k == "IA5String":
            attrs.append(size_attr("ia5", t.get("size")))
            return "String", attrs
        if k == "BIT STRING":
            attrs.append(size_attr("bits", t.get("size")))
            return "BitString", attrs
        if k == "SEQUENCE OF":
            el, el_attrs = self.field(owner, t["element"], blocks)
            assert not el_attrs, (owner, t)
            attrs.append(size_attr("seq_of", t.get("size")))
            return f"Vec<{el}>", attrs
        if k in ("CHOICE", "SEQUENCE", "ENUMERATED"):
            name = owner + rust_type(member["name"])
            blocks.append(self.typedef(name, None, t, inline_of=(owner, member["name"])))
            return name, attrs
        assert k in self.named, (owner, k)
        return rust_type(k), attrs

    def typedef(self, rname, asn_name, t, inline_of=None, values=()):
        k = t["type"]
        lines = []
        extra = []
        if inline_of:
            doc = f"The type written inline for `{inline_of[1]}` in `{inline_of[0]}`: {asn_text(t)}."
        else:
            doc = f"`{asn_name} ::= {asn_text(t)}`."
        lines.append(f"/// {doc}")
        name_attr = "" if (asn_name is None or asn_name == rname) else f', name = "{asn_name}"'
        if k in ("SEQUENCE", "CHOICE"):
            members = t["members"]
            extensible = None in members
            kind = "sequence" if k == "SEQUENCE" else "choice"
            derives = "Debug, Clone, PartialEq, Eq, Asn"
            lines.append(f"#[derive({derives})]")
            lines.append(f"#[asn({kind}{', extensible' if extensible else ''}{name_attr})]")
            after_marker = False
            body = []
            for m in members:
                if m is None:
                    after_marker = not after_marker if kind == "sequence" else True
                    continue
                owner = rname
                ty, attrs = self.field(owner, m, extra)
                if kind == "sequence":
                    ident = snake(m["name"])
                    if lower_camel(ident) != m["name"]:
                        attrs.insert(0, f'name = "{m["name"]}"')
                    if after_marker:
                        attrs.append("extension")
                    if m.get("optional") or after_marker:
                        ty = f"Option<{ty}>"
                    attr = f"    #[asn({', '.join(attrs)})]\n" if attrs else ""
                    body.append(f"{attr}    pub {ident}: {ty},")
                else:
                    v = variant(m["name"])
                    vattrs = []
                    if lower_camel(v) != m["name"]:
                        vattrs.append(f'name = "{m["name"]}"')
                    if after_marker:
                        vattrs.append("extension")
                    vattr = f"    #[asn({', '.join(vattrs)})]\n" if vattrs else ""
                    fattr = f"#[asn({', '.join(attrs)})] " if attrs else ""
                    body.append(f"{vattr}    {v}({fattr}{ty}),")
            opener = "pub struct" if kind == "sequence" else "pub enum"
            # Components and alternatives keep the standard's names and meaning.
            lines.append("#[allow(missing_docs)]")
            lines.append(f"{opener} {rname} {{")
            lines.extend(body)
            lines.append("}")
        elif k == "ENUMERATED":
            vals = t["values"]
            extensible = None in vals
            lines.append("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn)]")
            lines.append(f"#[asn(enumerated{', extensible' if extensible else ''}{name_attr})]")
            lines.append("#[allow(missing_docs)]")
            lines.append(f"pub enum {rname} {{")
            seen = set()
            for v in vals:
                if v is None:
                    continue
                n, num = v
                vn = variant(n)
                assert vn not in seen, (rname, vn)
                seen.add(vn)
                a = f'    #[asn(name = "{n}")]\n' if lower_camel(vn) != n else ""
                lines.append(f"{a}    {vn} = {num},")
            lines.append("}")
        else:
            derives = "Debug, Clone, PartialEq, Eq, Asn"
            inner, attrs = None, []
            if k == "INTEGER":
                lo, hi, ext = int_args(t)
                inner = prim(lo, hi, ext)
                attrs = [f"integer({lo}, {hi}{', ext' if ext else ''})"]
                derives = "Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Asn"
            else:
                inner, attrs = self.field(rname, t, extra)
                if not attrs:
                    attrs = ["transparent"]
                if inner.startswith("[u8;"):
                    derives = "Debug, Clone, Copy, PartialEq, Eq, Hash, Asn"
                elif k in ("OCTET STRING", "BIT STRING", "IA5String"):
                    derives = "Debug, Clone, PartialEq, Eq, Hash, Asn"
            if name_attr:
                attrs.append(name_attr[2:])
            lines.append(f"#[derive({derives})]")
            lines.append(f"#[asn({', '.join(attrs)})]")
            lines.append(f"pub struct {rname}(pub {inner});")
            if k == "BIT STRING" and t.get("named-bits"):
                consts = [f"impl {rname} {{"]
                for bn, bi in t["named-bits"]:
                    cn = re.sub(r"[^A-Za-z0-9]", "_", snake(bn).replace("r#", "")).upper()
                    consts.append(f"    /// Bit `{bn}`.")
                    consts.append(f"    pub const {cn}: usize = {bi};")
                consts.append("}")
                extra.append("\n".join(consts))
            if values:
                consts = [f"impl {rname} {{"]
                for vn, v in values:
                    cn = re.sub(r"[^A-Za-z0-9]", "_", snake(vn).replace("r#", "")).upper()
                    consts.append(f"    /// `{vn} {asn_name} ::= {v}`.")
                    consts.append(f"    pub const {cn}: Self = Self({v});")
                consts.append("}")
                extra.append("\n".join(consts))
        return "\n".join(lines + [""] + [e + "\n" for e in extra]).rstrip() + "\n"

    def module(self, m):
        v = self.spec[m]
        blocks = []
        for tn, t in v["types"].items():
            if (m, tn) in HANDWRITTEN:
                continue
            values = [(vn, vv["value"]) for vn, vv in v.get("values", {}).items() if vv["type"] == tn]
            blocks.append(self.typedef(rust_type(tn), tn, t, values=values))
        return blocks


def main():
    src, out = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp()
    for f in glob.glob(os.path.join(src, "*.asn")):
        b = os.path.basename(f)
        u = os.path.join(src, "utf8-transcoded", b)
        shutil.copy(u if os.path.exists(u) else f, os.path.join(tmp, b))
    spec = asn1tools.parse_files(sorted(glob.glob(os.path.join(tmp, "*.asn"))))
    g = Gen(spec)
    os.makedirs(out, exist_ok=True)
    for m, fname in MODULE_FILES.items():
        blocks = g.module(m)
        if not blocks:
            continue
        header = (f"//! ASN.1 module `{m}` of T/CSAE 157-2020 (Day I types identical on the wire to\n"
                  f"//! T/CSAE 53-2020). Components keep the standard's names; see each type's doc.\n\n"
                  "#[allow(unused_imports)]\nuse crate::*;\n\n")
        with open(os.path.join(out, fname + ".rs"), "w") as fh:
            fh.write(header + "\n".join(blocks))


if __name__ == "__main__":
    main()
