//! Xen Orchestra backup logs: task trees built from the vocabulary (statuses, results that are
//! XapiErrors, strings, AggregateErrors, warnings, deep nests), through `is_xo_log`, `events`
//! and the whole diagnosis. Input starting with `{` or `[` is JSON text as is.
#![no_main]
use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use xapi_doctor::input::xo_log;
use xapi_doctor_fuzz::{json_value, string, WORDS};

fn error(u: &mut Unstructured<'_>) -> Result<Value> {
    Ok(match u.int_in_range(0..=5)? {
        0 => json!(string(u)?),
        1 => json!({ "name": "XapiError", "code": *u.choose(WORDS)?, "params": [string(u)?, string(u)?, ""], "message": string(u)?,
                     "call": { "method": "VM.snapshot" } }),
        2 => json!({ "message": string(u)?, "name": "Error", "stack": "Error: x\n at y" }),
        3 => json!({ "name": "AggregateError", "message": "", "errors": [error(u)?, error(u)?] }),
        4 => json!({ "message": string(u)?, "task": { "name_label": "Async.VM.snapshot", "error_info": [*u.choose(WORDS)?, string(u)?] } }),
        _ => json_value(u, 3)?,
    })
}

fn task(u: &mut Unstructured<'_>, depth: u32) -> Result<Value> {
    let mut t = json!({
        "id": string(u)?,
        "message": *u.choose(&["backup", "backup VM", "snapshot", "export", "transfer", "clean-vm", "health check"])?,
        "start": 1_700_000_000_000u64,
        "status": *u.choose(&["success", "failure", "skipped", "interrupted", "pending"])?,
    });
    if u.ratio(1, 2)? {
        t["result"] = error(u)?;
    }
    if u.ratio(1, 3)? {
        t["data"] = json!({ "type": *u.choose(&["VM", "SR", "remote", "xo"])?, "id": *u.choose(WORDS)?, "name_label": string(u)? });
    }
    if u.ratio(1, 4)? {
        t["warnings"] = json!([{ "message": string(u)? }, { "message": "Retry the VM backup due to an error" }]);
    }
    let children = if depth < 5 { u.int_in_range(0..=3)? } else { 0 };
    let mut tasks = Vec::new();
    for _ in 0..children {
        tasks.push(task(u, depth + 1)?);
    }
    if !tasks.is_empty() || u.ratio(1, 2)? {
        t["tasks"] = Value::Array(tasks);
    }
    Ok(t)
}

fuzz_target!(|data: &[u8]| {
    let value = if matches!(data.first(), Some(b'{' | b'[')) {
        let Ok(v) = serde_json::from_slice::<Value>(data) else { return };
        v
    } else {
        let mut u = Unstructured::new(data);
        let Ok(mut log) = task(&mut u, 0) else { return };
        log["message"] = json!("backup");
        log["jobId"] = json!("1c9c5b8a");
        match u.int_in_range(0..=2).unwrap_or(0) {
            0 => log,
            1 => json!([log.clone(), log]),
            _ => json!({ "a": log }),
        }
    };
    if xo_log::is_xo_log(&value) {
        let _ = xo_log::events(&value);
    }
    // (Nests deeper than serde_json's limit are refused with INVALID_JSON.)
    if let Ok(d) = xapi_doctor::diagnose_json(&value.to_string(), &xapi_doctor::Options::default()) {
        serde_json::to_string(&d).expect("the diagnosis serialises");
    }
});
