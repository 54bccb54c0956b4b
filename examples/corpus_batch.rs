//! The corpus scorer's native mode (`node tests/corpus/score.mjs --native`): reads a JSON array
//! of `{ "body": …, "context": … }` on stdin and prints, for each, the diagnosis's findings as
//! the package would return them — straight from the Rust core, so a signature can be tried
//! without rebuilding the WebAssembly package.

#[path = "shared/case_options.rs"]
mod case_options;

use std::io::Read;

fn main() {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).expect("reading stdin");
    let cases: Vec<serde_json::Value> = serde_json::from_str(&input).expect("a JSON array");
    let mut out = Vec::new();
    for case in &cases {
        let body = case.get("body").and_then(|b| b.as_str()).unwrap_or("");
        let options = case_options::of_case(case);
        out.push(match xapi_doctor::diagnose_text(body, &options) {
            Ok(d) => serde_json::json!({ "findings": d.findings }),
            Err(e) => serde_json::json!({ "error": { "code": e.code(), "message": e.to_string() } }),
        });
    }
    println!("{}", serde_json::Value::Array(out));
}
