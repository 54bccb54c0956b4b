//! The corpus cases an example reads on stdin (a JSON array of `{ "body", "context", … }`) and
//! each case's options (its `context`: host version, product…). Shared by the examples that run
//! the corpus, as a `#[path]` module.

use std::io::Read;

pub fn from_stdin() -> Vec<serde_json::Value> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).expect("reading stdin");
    serde_json::from_str(&input).expect("a JSON array")
}

pub fn options_of(case: &serde_json::Value) -> xapi_doctor::Options {
    let json = match case.get("context") {
        Some(c) if !c.is_null() => serde_json::json!({ "context": c }).to_string(),
        _ => String::new(),
    };
    xapi_doctor::Options::from_json(&json).expect("a case's context is valid options")
}
