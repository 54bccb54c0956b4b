//! The placeholders measure's Rust side (`node tests/tools/placeholders.mjs`): reads a JSON array
//! of `{ "name", "body", "context" }` on stdin (the corpus's development cases), adds every rule's
//! and signature's documented example, and prints for each input its text and every step command
//! of its findings, as the package would return them.

#[path = "shared/cases.rs"]
mod corpus;

fn main() {
    let cases = corpus::from_stdin();
    let mut out = Vec::new();
    let commands = |d: &xapi_doctor::Diagnosis| -> Vec<serde_json::Value> {
        d.findings
            .iter()
            .map(|f| {
                let commands: Vec<&str> = f.remediation.iter().filter_map(|s| s.command.as_deref()).collect();
                serde_json::json!({ "rule": f.rule, "commands": commands })
            })
            .collect()
    };
    for case in &cases {
        let body = case.get("body").and_then(|b| b.as_str()).unwrap_or("");
        let options = corpus::options_of(case);
        let findings = xapi_doctor::diagnose_text(body, &options).map(|d| commands(&d)).unwrap_or_default();
        out.push(serde_json::json!({ "name": case["name"], "text": body, "findings": findings }));
    }
    for rule in xapi_doctor::list_rules() {
        // An example with options is `{"input": <text or JSON>, "options": …}`: its input is the text.
        let text = match serde_json::from_str::<serde_json::Value>(rule.example) {
            Ok(v) if rule.example.starts_with("{\"input\"") => match &v["input"] {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            },
            _ => rule.example.to_string(),
        };
        let findings = xapi_doctor::docs::run_example(rule.example).map(|d| commands(&d)).unwrap_or_default();
        out.push(serde_json::json!({ "name": format!("example {}", rule.id), "text": text, "findings": findings }));
    }
    println!("{}", serde_json::Value::Array(out));
}
