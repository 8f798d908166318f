//! docs/apps.md states each application's parameters with their defaults: it must say what
//! the code does.

#[test]
fn every_parameter_and_default_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/apps.md"))
        .expect("docs/apps.md");
    let mut missing = Vec::new();
    for app in roadcloud_apps::Registry::new().describe() {
        let id = app.id;
        let heading = format!("### {id}:");
        let Some(start) = doc.find(&heading) else {
            missing.push(format!("no section {heading}"));
            continue;
        };
        let section = &doc[start..];
        let section = &section[..section[4..].find("\n### ").map_or(section.len(), |e| e + 4)];
        let params = &app.params;
        for (name, default) in params {
            let row = format!("| `{name}` | {default} |");
            if !section.contains(&row) {
                missing.push(format!("{id}: {row}"));
            }
        }
        let rows = section.matches("\n| `").count();
        if rows != params.len() {
            missing.push(format!(
                "{id}: {rows} parameter rows for {} parameters",
                params.len()
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "docs/apps.md is not the code:\n{}",
        missing.join("\n")
    );
}
