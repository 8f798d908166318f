//! The public reference vectors, all of them with their JSON (the folder comes from
//! `roadcloud_testkit::vectors_dir`).

#![allow(dead_code)]

use roadcloud_per::serde_json::Value;

pub struct Vector {
    pub name: String,
    pub bytes: Vec<u8>,
    pub json: Value,
}

pub fn unhex(s: &str) -> Vec<u8> {
    roadcloud_per::jer::unhex(s.trim()).expect("vector hex")
}

/// Every vector of both folders; panics (failing the test) if the folder is missing or empty.
pub fn all() -> Vec<Vector> {
    let dir = roadcloud_testkit::vectors_dir();
    let mut out = Vec::new();
    for sub in ["csae53-2020", "csae157-2020"] {
        let d = dir.join(sub);
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .unwrap_or_else(|e| panic!("reference vectors not found at {}: {e}", d.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        entries.sort();
        for p in entries {
            let json: Value =
                roadcloud_per::serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            let hex_path = p.with_extension("uper.hex");
            let bytes = unhex(&std::fs::read_to_string(&hex_path).unwrap());
            out.push(Vector {
                name: json["name"].as_str().unwrap().to_owned(),
                bytes,
                json,
            });
        }
    }
    assert!(
        out.len() >= 14,
        "expected the 14 public vectors, found {}",
        out.len()
    );
    out
}

/// The vector's value in roadcloud's JSON form: Day II open types typed (from `inner.value`),
/// not hex.
pub fn expected_json(v: &Vector) -> Value {
    let mut value = v.json["value"].clone();
    if let Some(inner) = v.json.get("inner") {
        value["msgFrameExt"]["value"] = inner["value"].clone();
    }
    value
}
