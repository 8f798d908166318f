//! `docs/openapi.json` is the document a node serves, generated from its handlers and the
//! types of roadcloud-api; this keeps the copy in the repository true to the code.
//! After changing the API, write it again with
//! `ROADCLOUD_WRITE_OPENAPI=1 cargo test -p roadcloud-node --test openapi`.

use std::path::Path;

#[test]
fn docs_openapi_json_is_the_generated_document() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let generated = roadcloud_node::openapi_json() + "\n";
    if std::env::var_os("ROADCLOUD_WRITE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).expect("docs/openapi.json written");
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        kept == generated,
        "docs/openapi.json is not the document the API serves: write it again with \
         ROADCLOUD_WRITE_OPENAPI=1 cargo test -p roadcloud-node --test openapi"
    );
}

#[test]
fn every_operation_is_described_with_its_answers() {
    let doc: serde_json::Value =
        serde_json::from_str(&roadcloud_node::openapi_json()).expect("the document is JSON");
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths.len() >= 30, "{} paths", paths.len());
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let what = format!("{method} {path}");
            assert!(
                op["description"].as_str().is_some_and(|d| !d.is_empty())
                    || op["summary"].as_str().is_some_and(|d| !d.is_empty()),
                "{what} has no description"
            );
            let answers = op["responses"].as_object().expect("responses");
            assert!(!answers.is_empty(), "{what} has no responses");
            // OpenAPI 3.1 §4.8.17: a response's description is required.
            for (status, answer) in answers {
                assert!(
                    answer["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{what}: answer {status} has no description"
                );
            }
            // A JSON answer names its schema (a type of roadcloud-api), except the document
            // itself.
            if let Some(ok) = answers.get("200")
                && let Some(json) = ok["content"].get("application/json")
                && path != "/api/v1/openapi.json"
            {
                assert!(json.get("schema").is_some(), "{what}: 200 without a schema");
            }
        }
    }
    // Every schema referred to is in the document.
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for r in text.split("\"#/components/schemas/").skip(1) {
        let name = &r[..r.find('"').unwrap()];
        assert!(
            schemas.contains_key(name),
            "schema {name} referred to, not defined"
        );
    }
}
