//! Prints every application's id, title and default parameters as JSON.

fn main() {
    let r = roadcloud_apps::Registry::new();
    println!(
        "{}",
        serde_json::to_string_pretty(&r.describe()).expect("JSON")
    );
}
