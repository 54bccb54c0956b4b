//! Runs a corpus of inputs through the Rust core and prints one JSON line per case: the result
//! (serde_json) or the error `{ "code", "message" }`. tests/js/determinism.test.mjs runs the
//! same corpus through the WebAssembly package and compares them byte for byte:
//! `cargo run --example corpus -- CORPUS.json`.
//!
//! A case is `{ "kind", "input", "options" }`: `kind` is `text`, `json` (JSON text, as
//! `JSON.stringify` gives it), `bytes` (hex), `smlog` (text), `chains` or `plan` (JSON text);
//! `options` is the options object as JSON text, or null.
use serde_json::{json, Value};
use xapi_doctor::{ChainOptions, Options, RecordLimits};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2).filter_map(|i| s.get(2 * i..2 * i + 2)).filter_map(|b| u8::from_str_radix(b, 16).ok()).collect()
}

/// The result as JSON text, in the field order of the types (serde_json's `Value` would sort it).
fn run(kind: &str, input: &str, options: &str) -> Result<String, xapi_doctor::Error> {
    let text = |r: Result<String, serde_json::Error>| r.unwrap_or_else(|e| json!({ "serialisation error": e.to_string() }).to_string());
    Ok(match kind {
        "text" => text(serde_json::to_string(&xapi_doctor::diagnose_text(input, &Options::from_json(options)?)?)),
        "json" => text(serde_json::to_string(&xapi_doctor::diagnose_json(input, &Options::from_json(options)?)?)),
        "bytes" => text(serde_json::to_string(&xapi_doctor::diagnose_bytes(&hex(input), &Options::from_json(options)?)?)),
        "smlog" => {
            let options = Options::from_json(options)?;
            options.check_size(input.len())?;
            text(serde_json::to_string(&xapi_doctor::analyze_smlog(input.as_bytes(), &options)))
        }
        "chains" => text(serde_json::to_string(&xapi_doctor::check_vdi_chains(input, &ChainOptions::from_json(options)?)?)),
        "plan" => {
            let limits = match serde_json::from_str::<Value>(options).ok().and_then(|v| v.as_object().cloned()) {
                Some(o) => RecordLimits::from_json(&o)?,
                None => RecordLimits::default(),
            };
            text(serde_json::to_string(&xapi_doctor::plan_snapshot_space_with(input, &limits)?))
        }
        "rules" => text(serde_json::to_string(&xapi_doctor::list_rules())),
        other => json!({ "unknown kind": other }).to_string(),
    })
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: corpus CORPUS.json");
    let corpus: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).expect("reading the corpus")).expect("a JSON array");
    for case in corpus {
        let kind = case["kind"].as_str().unwrap_or("");
        let input = case["input"].as_str().unwrap_or("");
        let options = case["options"].as_str().unwrap_or("null");
        let out = match run(kind, input, options) {
            Ok(text) => text,
            Err(e) => json!({ "error": { "code": e.code(), "message": e.to_string() } }).to_string(),
        };
        println!("{out}");
    }
}
