//! The corpus scorer's native mode (`node tests/corpus/score.mjs --native`): reads a JSON array
//! of `{ "body": …, "context": … }` on stdin and prints, for each, the diagnosis's findings as
//! the package would return them — straight from the Rust core, so a signature can be tried
//! without rebuilding the WebAssembly package.

#[path = "shared/cases.rs"]
mod corpus;

fn main() {
    let cases = corpus::from_stdin();
    let mut out = Vec::new();
    for case in &cases {
        let body = case.get("body").and_then(|b| b.as_str()).unwrap_or("");
        let options = corpus::options_of(case);
        out.push(match xapi_doctor::diagnose_text(body, &options) {
            Ok(d) => serde_json::json!({ "findings": d.findings }),
            Err(e) => serde_json::json!({ "error": { "code": e.code(), "message": e.to_string() } }),
        });
    }
    println!("{}", serde_json::Value::Array(out));
}
