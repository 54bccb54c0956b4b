//! The options of a corpus case that an example reads on stdin: its `context` (host version,
//! product…), when it has one. Shared by the examples that run the corpus (`#[path]` module).

pub fn of_case(case: &serde_json::Value) -> xapi_doctor::Options {
    let json = match case.get("context") {
        Some(c) if !c.is_null() => serde_json::json!({ "context": c }).to_string(),
        _ => String::new(),
    };
    xapi_doctor::Options::from_json(&json).expect("a case's context is valid options")
}
