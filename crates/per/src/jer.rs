//! The JSON form of values, as the reference vectors use it (a JER-like form, X.697 in
//! spirit): INTEGER as a number, ENUMERATED as its identifier, SEQUENCE as an object of the
//! present components, SEQUENCE OF as an array, CHOICE as a one-member object, OCTET STRING as
//! lowercase hex, IA5String as a string, BIT STRING as `{"value": hex, "length": bits}`.

use crate::bit_string::BitString;
use crate::error::{Error, ErrorKind, Result};
use crate::uper::{Size, check_ia5, check_integer};
use serde_json::{Map, Value};

#[cold]
fn expected(what: &'static str) -> Error {
    Error::new(ErrorKind::Json { expected: what })
}

fn check_size(n: usize, size: Size) -> Result<()> {
    let in_root = n >= size.lo as usize && size.hi.is_none_or(|hi| n <= hi as usize);
    if size.ext || in_root {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::SizeOutOfRange {
            size: n as u64,
            lo: size.lo,
            hi: size.hi,
        }))
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Octets from a hex string (either case).
pub fn unhex(s: &str) -> Result<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let s = s.as_bytes();
    if !s.len().is_multiple_of(2) {
        return Err(Error::new(ErrorKind::InvalidHex));
    }
    s.chunks(2)
        .map(|p| match (nibble(p[0]), nibble(p[1])) {
            (Some(h), Some(l)) => Ok(h << 4 | l),
            _ => Err(Error::new(ErrorKind::InvalidHex)),
        })
        .collect()
}

/// An INTEGER as a JSON number.
pub fn integer_to(v: i64) -> Value {
    Value::from(v)
}

/// An INTEGER from a JSON number, checked against `lo..=hi` (unless extensible).
pub fn integer_from(v: &Value, lo: i64, hi: i64, ext: bool) -> Result<i64> {
    let n = v.as_i64().ok_or_else(|| match v.as_u64() {
        Some(big) => Error::new(ErrorKind::OutOfRange {
            value: i128::from(big),
            lo,
            hi,
        }),
        None => expected("an integer"),
    })?;
    check_integer(n, lo, hi, ext)?;
    Ok(n)
}

/// An OCTET STRING as a hex string.
pub fn octets_to(b: &[u8]) -> Value {
    Value::String(hex(b))
}

/// An OCTET STRING from a hex string, checked against its SIZE.
pub fn octets_from(v: &Value, size: Size) -> Result<Vec<u8>> {
    let s = v.as_str().ok_or_else(|| expected("a hex string"))?;
    let b = unhex(s)?;
    check_size(b.len(), size)?;
    Ok(b)
}

/// A BIT STRING as `{"value": hex, "length": bits}`.
pub fn bits_to(b: &BitString) -> Value {
    let mut m = Map::new();
    m.insert("value".into(), Value::String(hex(&b.to_bytes())));
    m.insert("length".into(), Value::from(b.len()));
    Value::Object(m)
}

/// A BIT STRING from `{"value": hex, "length": bits}`, checked against its SIZE.
pub fn bits_from(v: &Value, size: Size) -> Result<BitString> {
    const SHAPE: &str = "an object {\"value\": hex, \"length\": bits}";
    let o = v.as_object().ok_or_else(|| expected(SHAPE))?;
    let len = o
        .get("length")
        .and_then(Value::as_u64)
        .ok_or_else(|| expected(SHAPE))?;
    let bytes = unhex(
        o.get("value")
            .and_then(Value::as_str)
            .ok_or_else(|| expected(SHAPE))?,
    )?;
    if o.len() != 2 {
        return Err(expected(SHAPE));
    }
    let len = usize::try_from(len).map_err(|_| expected(SHAPE))?;
    if bytes.len() != len.div_ceil(8) {
        return Err(expected(
            "a hex value of exactly length/8 octets, rounded up",
        ));
    }
    check_size(len, size)?;
    BitString::from_bytes(&bytes, len).ok_or_else(|| expected(SHAPE))
}

/// An IA5String as a JSON string.
pub fn ia5_to(s: &str) -> Value {
    Value::String(s.to_owned())
}

/// An IA5String from a JSON string, checked against its alphabet and SIZE.
pub fn ia5_from(v: &Value, size: Size) -> Result<String> {
    let s = v.as_str().ok_or_else(|| expected("a string"))?;
    check_ia5(s)?;
    check_size(s.len(), size)?;
    Ok(s.to_owned())
}

/// A BOOLEAN.
pub fn bool_from(v: &Value) -> Result<bool> {
    v.as_bool().ok_or_else(|| expected("true or false"))
}

/// A SEQUENCE OF as an array.
pub fn seq_of_to<T>(items: &[T], f: impl Fn(&T) -> Value) -> Value {
    Value::Array(items.iter().map(f).collect())
}

/// A SEQUENCE OF from an array, checked against its SIZE.
pub fn seq_of_from<T>(v: &Value, size: Size, f: impl Fn(&Value) -> Result<T>) -> Result<Vec<T>> {
    let a = v.as_array().ok_or_else(|| expected("an array"))?;
    check_size(a.len(), size)?;
    a.iter()
        .enumerate()
        .map(|(i, x)| f(x).map_err(|e| e.in_element(i)))
        .collect()
}

/// A SEQUENCE's object, with no members but `known`.
pub fn sequence<'a>(v: &'a Value, known: &[&str]) -> Result<&'a Map<String, Value>> {
    let o = v.as_object().ok_or_else(|| expected("an object"))?;
    if let Some(k) = o.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(Error::new(ErrorKind::UnknownComponent { name: k.clone() }));
    }
    Ok(o)
}

/// A mandatory SEQUENCE component.
pub fn required<'a>(o: &'a Map<String, Value>, name: &'static str) -> Result<&'a Value> {
    o.get(name)
        .ok_or_else(|| Error::new(ErrorKind::MissingComponent).in_component(name))
}

/// A CHOICE's one member: the alternative's identifier and its value.
pub fn choice(v: &Value) -> Result<(&str, &Value)> {
    match v.as_object() {
        Some(o) if o.len() == 1 => {
            let (k, x) = o.iter().next().expect("one member");
            Ok((k.as_str(), x))
        }
        _ => Err(expected(
            "an object with exactly one member, the chosen alternative",
        )),
    }
}

/// An ENUMERATED or CHOICE identifier that the type does not define.
#[cold]
pub fn unknown_identifier(name: &str) -> Error {
    Error::new(ErrorKind::UnknownIdentifier {
        name: name.to_owned(),
    })
}

/// An ENUMERATED value's identifier.
pub fn identifier(v: &Value) -> Result<&str> {
    v.as_str().ok_or_else(|| expected("an identifier string"))
}
