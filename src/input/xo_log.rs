//! Xen Orchestra backup-job logs (research/xo_log_format.md): a tree of tasks (`backup` →
//! `backup VM` → `snapshot` / `export` → `transfer`…) where a failed or skipped task stores its
//! error as `result`. Each failed or skipped task becomes an event tied to its VM, job and task;
//! an error a parent repeats from its sub-task is reported once, at the deepest task.

use serde_json::{Map, Value};

use super::xapi::{codes_in_line, from_array};
use super::{looks_like_code, params_of, Event, Shape, XapiError, XoError};
use crate::model::{Evidence, Subject};

/// The largest `data` of an error object added to what the signatures read (a few KiB of
/// fields; a bigger one is a dump of records, not an explanation).
const MAX_DATA_DETAIL: usize = 4096;

/// At most this many bytes of an error's stack frames are kept for the signatures.
const MAX_STACK_FRAMES: usize = 4096;

/// The frames of an error object's `stack` (`    at Foo (/path/file.mjs:1:2)` lines), without its
/// message lines, which the event already holds: the code path a signature of a known bug may
/// need. At most [`MAX_STACK_FRAMES`] bytes.
fn stack_frames(obj: &Map<String, Value>) -> String {
    obj.get("stack").and_then(Value::as_str).map(frames_of).unwrap_or_default()
}

/// The lines of a stack's text before its first frame (`    at …`), trimmed: its message; the
/// whole text when it has no frame.
fn message_before_frames(stack: &str) -> &str {
    let mut end = 0;
    for line in stack.split_inclusive('\n') {
        if line.trim_start().starts_with("at ") {
            break;
        }
        end += line.len();
    }
    match stack[..end].trim_end() {
        "" => stack,
        head => head,
    }
}

/// [`stack_frames`] of a stack's text (the typed reader's way in).
pub fn frames_of(stack: &str) -> String {
    let mut out = String::new();
    for frame in stack.lines().map(str::trim_start).filter(|l| l.starts_with("at ")) {
        if out.len() + frame.len() + 1 > MAX_STACK_FRAMES {
            break;
        }
        out.push_str(frame);
        out.push('\n');
    }
    out.pop();
    out
}

/// What the signatures read beside a XAPI error found in an error's message (a message with no
/// `code` field: `Error code: …` as `xe` printed it, a host's log line, `INTERNAL_ERROR(…)` and
/// the `call` it failed in): the whole message, then the stack's frames. The error's code and
/// parameters are only what the message's code form says; the words around it (the storage
/// manager's text, the method, the program that printed it) are what a signature recognises,
/// and a message pasted as text is read whole.
fn message_context(message: &str, frames: String) -> String {
    if frames.is_empty() {
        return message.to_string();
    }
    [message, "\n", &frames].concat()
}

/// A backup log, a list or map of them, or a single task of one.
pub fn is_xo_log(value: &Value) -> bool {
    match value {
        Value::Object(obj) => is_log_object(obj) || (!obj.is_empty() && obj.values().all(|v| v.as_object().is_some_and(is_log_object))),
        Value::Array(items) => !items.is_empty() && items.iter().all(|v| v.as_object().is_some_and(is_log_object)),
        _ => false,
    }
}

/// A backup log (`"message": "backup"`) or one task: a backup log's (named by `message`) or a
/// task of Xen Orchestra's task manager (named by `properties.name`: what the REST API serves at
/// `/rest/v0/tasks/<id>` and Xen Orchestra 6 shows), with a status and sub-tasks or a result.
pub(super) fn is_log_object(obj: &Map<String, Value>) -> bool {
    let is_backup = obj.get("message").and_then(Value::as_str) == Some("backup") && (obj.contains_key("tasks") || obj.contains_key("jobId"));
    let is_task = obj.get("status").is_some_and(Value::is_string)
        && (obj.contains_key("tasks") || obj.contains_key("result"))
        && (obj.contains_key("start") || obj.contains_key("message") || obj.get("properties").is_some_and(Value::is_object));
    is_backup || is_task
}

/// The `properties` of a task of Xen Orchestra's task manager (`@vates/task`), which the REST
/// API and Xen Orchestra 6 show in place of a backup log's `message` and `data`.
fn properties(obj: &Map<String, Value>) -> Option<&Map<String, Value>> {
    obj.get("properties").and_then(Value::as_object)
}

/// A task's name: a backup log's `message`, else the task manager's `properties.name`
/// (`backup run`, `backup VM`, `snapshot`, `REST API: snapshot VM`).
fn task_name(obj: &Map<String, Value>) -> &str {
    obj.get("message")
        .and_then(Value::as_str)
        .or_else(|| properties(obj).and_then(|p| p.get("name")).and_then(Value::as_str))
        .unwrap_or("task")
}

/// A string field of an object, or of its task manager's `properties`.
fn field_or_property(obj: &Map<String, Value>, key: &str) -> Option<String> {
    obj.get(key).or_else(|| properties(obj).and_then(|p| p.get(key))).and_then(Value::as_str).map(str::to_string)
}

/// The VM or SR a task is about: a backup log's `data` (`{"type": "VM", "id", "name_label"}`),
/// or the task manager's `properties`, with the same fields for a backup's tasks and
/// `objectType` / `objectId` for the REST API's actions (`REST API: snapshot VM`).
fn object_of(obj: &Map<String, Value>, subject: &mut Subject) {
    let fields = obj.get("data").and_then(Value::as_object).filter(|d| d.contains_key("type")).or_else(|| properties(obj));
    let Some(fields) = fields else { return };
    let text = |key: &str| fields.get(key).and_then(Value::as_str);
    let (kind, id) = match (text("type"), text("objectType")) {
        (Some(kind @ ("VM" | "SR")), _) => (kind, text("id")),
        (_, Some(kind @ ("VM" | "SR"))) => (kind, text("objectId")),
        _ => return,
    };
    if kind == "VM" {
        subject.vm_uuid = id.map(str::to_string);
        subject.vm_name = text("name_label").map(str::to_string);
    } else {
        subject.sr_uuid = id.map(str::to_string);
    }
}

/// The events of every failed or skipped task of one or more logs.
pub fn events(value: &Value) -> Vec<Event> {
    let mut out = Vec::new();
    match value {
        Value::Array(items) => items.iter().for_each(|log| walk_log(log, &mut out)),
        Value::Object(obj) if !is_log_object(obj) => obj.values().for_each(|log| walk_log(log, &mut out)),
        log => walk_log(log, &mut out),
    }
    out
}

fn walk_log(log: &Value, out: &mut Vec<Event>) {
    let mut subject = Subject::default();
    if let Some(obj) = log.as_object() {
        subject.job_id = field_or_property(obj, "jobId");
        subject.job_name = field_or_property(obj, "jobName");
    }
    walk_task(log, &subject, &[], out, 0);
}

/// Walks one task; returns the error messages reported in its subtree, so that a parent that
/// only repeats one of them does not report it again.
fn walk_task(task: &Value, inherited: &Subject, path: &[String], out: &mut Vec<Event>, depth: usize) -> Vec<String> {
    let Some(obj) = task.as_object() else { return Vec::new() };
    if depth > 32 {
        return Vec::new();
    }
    let mut subject = inherited.clone();
    let message = task_name(obj);
    object_of(obj, &mut subject);
    let mut path = path.to_vec();
    path.push(message.to_string());

    let mut reported = Vec::new();
    if let Some(Value::Array(children)) = obj.get("tasks") {
        for child in children {
            reported.extend(walk_task(child, &subject, &path, out, depth + 1));
        }
    }

    let status = obj.get("status").and_then(Value::as_str).unwrap_or("");
    if is_failed_status(status) {
        if let Some(result) = obj.get("result") {
            let key = error_key(result);
            if !key.is_empty() && !reported.contains(&key) {
                let mut task_subject = subject.clone();
                task_subject.task_id = obj.get("id").and_then(value_str);
                task_subject.task = Some(message.to_string());
                task_subject.task_status = Some(status.to_string());
                let evidence = task_evidence(&path.join(" \u{203a} "), status, &key);
                if let Some(events) = serialized_error_events(result, &task_subject, &evidence) {
                    for mut e in events {
                        if let Event::Xo(x) = &mut e {
                            x.report_unrecognised = true;
                        }
                        out.push(e);
                    }
                }
                reported.push(key);
            }
        }
    }
    // Warnings of interest (a fall-back to a full, a writer dropped) only when a rule knows them.
    if let Some(Value::Array(warnings)) = obj.get("warnings") {
        for w in warnings {
            let Some(text) = w.get("message").and_then(Value::as_str) else { continue };
            if text.starts_with("Retry the VM") {
                continue; // the retried error is reported by the task itself
            }
            let mut e = XoError::new(text);
            e.subject = subject.clone();
            e.subject.task = Some(message.to_string());
            e.subject.task_status = Some("warning".to_string());
            e.evidence.push(Evidence::text(format!("{} (warning): {text}", path.join(" \u{203a} "))));
            out.push(Event::Xo(e));
        }
    }
    reported
}

pub(super) fn value_str(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What identifies an error across a parent and its sub-task: its message, else its code.
fn error_key(result: &Value) -> String {
    match result {
        Value::String(s) => s.clone(),
        Value::Object(o) => o
            .get("message")
            .and_then(Value::as_str)
            .or_else(|| o.get("code").and_then(Value::as_str))
            .unwrap_or("")
            .to_string(),
        _ => String::new(),
    }
}

/// A task status that ends in an error the log carries in the task's `result`.
pub(super) fn is_failed_status(status: &str) -> bool {
    matches!(status, "failure" | "skipped" | "interrupted")
}

/// The evidence of a failed task: where it is in the log, its status, and its error's key.
pub(super) fn task_evidence(path: &str, status: &str, key: &str) -> Evidence {
    // (`concat`, not `format!`: one allocation of the exact size, without the formatting
    // machinery, on every failed task; bench/README.md, perf6.)
    Evidence::owned([path, " (", status, "): ", key].concat())
}

/// Whether the `code` of a serialized error is XAPI's. Node and undici errors also carry an
/// upper-case `code` (`ENOSPC`, `UND_ERR_BODY_TIMEOUT`): only a catalogued code, or one that
/// comes with an array of `params` or from a `XapiError`, is XAPI's.
pub(super) fn is_xapi_error_code(code: &str, params: Option<&Value>, name: Option<&str>) -> bool {
    is_xapi_error_code_by(code, params.is_some_and(Value::is_array), name)
}

/// [`is_xapi_error_code`] where the caller knows whether `params` is an array.
pub(super) fn is_xapi_error_code_by(code: &str, params_are_array: bool, name: Option<&str>) -> bool {
    crate::catalog::is_known_code(code) || (looks_like_code(code) && (params_are_array || name == Some("XapiError")))
}

/// The REST API's error body, `{"error": "incorrect state", "data": {…}}`: one of Xen
/// Orchestra's API errors by its message alone (the body has no number), read as the numbered
/// error it is, with its `data` as the detail.
fn rest_api_error(obj: &Map<String, Value>, subject: &Subject) -> Option<XoError> {
    let message = obj.get("error").and_then(Value::as_str)?;
    let known = crate::catalog::xo_api_error_by_message(message)?;
    let mut e = XoError::new(message);
    e.code = Some(known.number.to_string());
    e.subject = subject.clone();
    e.evidence = vec![Evidence::text(message)];
    push_data_detail(&mut e.detail, obj.get("data"));
    Some(e)
}

/// The `data` of Xen Orchestra's API errors says what the message leaves out (the check that
/// failed, the object, the expected and actual state): added to the detail the signatures read.
fn push_data_detail(detail: &mut String, data: Option<&Value>) {
    if let Some(data @ Value::Object(_)) = data {
        let text = data.to_string();
        if text.len() <= MAX_DATA_DETAIL {
            detail.push_str(&text);
            detail.push('\n');
        }
    }
}

/// The events of a serialized error (`@vates/task`'s `serializeError`, `XapiError`, an
/// `AggregateError` with `errors[]`), or `None` when the value is not an error.
pub fn serialized_error_events(value: &Value, subject: &Subject, evidence: &Evidence) -> Option<Vec<Event>> {
    // Inside a log, the task's own line (path, status, message) is the evidence; a bare error
    // object is its own evidence.
    let with_evidence = |ev: Vec<Evidence>| if evidence.text.is_empty() { ev } else { vec![evidence.clone()] };
    match value {
        Value::String(message) => {
            // A whole stack as one string (Xen Orchestra 6 copies a failed task's details so:
            // `"Error: <message>\n    at …"`): the message is what comes before the frames,
            // which go to the detail.
            let head = message_before_frames(message);
            let mut found: Vec<Event> = codes_in_line(message)
                .into_iter()
                .map(|mut e| {
                    e.context = message_context(message, String::new());
                    e.subject = subject.clone();
                    e.evidence = with_evidence(vec![Evidence::text(head)]);
                    Event::Xapi(e)
                })
                .collect();
            if found.is_empty() {
                let mut e = XoError::new(head);
                e.detail = frames_of(message);
                e.subject = subject.clone();
                e.evidence = with_evidence(vec![Evidence::text(head)]);
                found.push(Event::Xo(e));
            }
            Some(found)
        }
        Value::Object(obj) => {
            let message = obj.get("message").and_then(Value::as_str);
            let code = obj.get("code");
            let params = obj.get("params");
            if message.is_none() && code.is_none() {
                if let Some(e) = rest_api_error(obj, subject) {
                    return Some(vec![Event::Xo(e)]);
                }
                // The REST API's body for the pool's own error (`{"error": "CODE(params)",
                // "info": …}`, a `XapiError`'s message): the XAPI error it is.
                let is_xapi_message = |t: &str| t.split_once('(').is_some_and(|(code, _)| looks_like_code(code));
                let error = obj.get("error").filter(|e| e.as_str().is_some_and(is_xapi_message))?;
                return serialized_error_events(error, subject, evidence);
            }
            let message_text = message.unwrap_or("");
            let own_evidence = || {
                let mut ev = Vec::new();
                if !message_text.is_empty() {
                    ev.push(Evidence::text(message_text));
                }
                with_evidence(ev)
            };
            // XapiError: `code` is the XAPI code, `params` its parameters. Node and undici errors
            // also carry an upper-case `code` (`ENOSPC`, `UND_ERR_BODY_TIMEOUT`): only a
            // catalogued code, or one that comes with `params` or from a `XapiError`, is XAPI's.
            let name = obj.get("name").and_then(Value::as_str);
            if let Some(code) = code.and_then(Value::as_str).filter(|c| is_xapi_error_code(c, params, name)) {
                let mut e = XapiError::new(code, params_of(params), Shape::XoXapiError);
                e.call = obj
                    .get("call")
                    .and_then(|c| c.get("method"))
                    .and_then(Value::as_str)
                    .or_else(|| obj.get("task").and_then(|t| t.get("name_label")).and_then(Value::as_str))
                    .map(str::to_string);
                e.context = stack_frames(obj);
                e.subject = subject.clone();
                e.evidence = own_evidence();
                return Some(vec![Event::Xapi(e)]);
            }
            // A XAPI task record carried by the error.
            if let Some(Value::Array(info)) = obj.get("task").and_then(|t| t.get("error_info")) {
                if let Some(mut e) = from_array(info, Shape::Task) {
                    e.subject = subject.clone();
                    e.evidence = own_evidence();
                    return Some(vec![Event::Xapi(e)]);
                }
            }
            // AggregateError: every target failed; diagnose each.
            if let Some(Value::Array(errors)) = obj.get("errors") {
                let mut all = Vec::new();
                for err in errors {
                    if let Some(evs) = serialized_error_events(err, subject, evidence) {
                        all.extend(evs);
                    }
                }
                if !all.is_empty() {
                    let mut e = XoError::new(message_text);
                    e.subject = subject.clone();
                    e.evidence = own_evidence();
                    all.insert(0, Event::Xo(e));
                    return Some(all);
                }
            }
            message?;
            // A message in the XapiError string form without the object fields.
            let from_message: Vec<XapiError> = codes_in_line(message_text);
            if !from_message.is_empty() {
                let context = message_context(message_text, stack_frames(obj));
                return Some(
                    from_message
                        .into_iter()
                        .map(|mut e| {
                            e.context = context.clone();
                            e.subject = subject.clone();
                            e.evidence = own_evidence();
                            Event::Xapi(e)
                        })
                        .collect(),
                );
            }
            // Only an object that looks like an error (not any object with a message).
            let looks_like_error = obj.contains_key("name") || obj.contains_key("stack") || code.is_some();
            if !looks_like_error {
                return None;
            }
            // Xen Orchestra's `operationFailed` names the pool's own error in `data.code` when
            // the failure was the pool's.
            let data = obj.get("data");
            if let Some(inner) = data.and_then(|d| d.get("code")).and_then(Value::as_str).filter(|c| crate::catalog::is_known_code(c)) {
                let mut e = XapiError::new(inner, params_of(data.and_then(|d| d.get("params"))), Shape::XoXapiError);
                e.subject = subject.clone();
                e.evidence = own_evidence();
                return Some(vec![Event::Xapi(e)]);
            }
            let mut e = XoError::new(message_text);
            e.name = obj.get("name").and_then(Value::as_str).map(str::to_string);
            e.code = code.and_then(value_str);
            e.subject = subject.clone();
            e.evidence = own_evidence();
            for key in ["stderr", "stdout", "command", "reason"] {
                if let Some(text) = obj.get(key).and_then(Value::as_str).filter(|t| !t.is_empty()) {
                    e.detail.push_str(text);
                    e.detail.push('\n');
                }
            }
            // Node's code (`ERR_OUT_OF_RANGE`) when the message does not say it, then the frames.
            if let Some(c) = e.code.as_deref().filter(|c| !message_text.contains(c)) {
                e.detail.push_str(c);
                e.detail.push('\n');
            }
            // An S3 service's answer (the AWS SDK's exception) carries its code in `Code` and
            // `name`, and the service's own text as the message ("Access Denied", "Please reduce
            // your request rate."), which seldom names the code: the code is read as its field.
            let s3 = ["Code", "name"].iter().filter_map(|k| obj.get(*k).and_then(Value::as_str)).find(|c| crate::catalog::s3_code(c).is_some());
            if let Some(c) = s3.filter(|c| !message_text.contains(c)) {
                e.detail.push_str("Code: ");
                e.detail.push_str(c);
                e.detail.push('\n');
            }
            let frames = stack_frames(obj);
            if !frames.is_empty() {
                e.detail.push_str(&frames);
                e.detail.push('\n');
            }
            push_data_detail(&mut e.detail, data);
            Some(vec![Event::Xo(e)])
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subjects(value: &Value) -> Vec<(String, Subject)> {
        events(value)
            .into_iter()
            .map(|e| match e {
                Event::Xapi(x) => (x.code, x.subject),
                Event::Xo(x) => (x.message, x.subject),
            })
            .collect()
    }

    #[test]
    fn a_task_manager_task_is_named_by_its_properties() {
        // @vates/task's log of a task (what /rest/v0/tasks/<id> serves): no `message`.
        let run = serde_json::json!({
            "id": "0m1", "properties": { "name": "backup run", "jobId": "j1", "jobName": "nightly" },
            "start": 1, "status": "failure",
            "tasks": [{
                "id": "0m2", "properties": { "id": "vm-1", "name": "backup VM", "type": "VM", "name_label": "web01" },
                "start": 2, "status": "failure",
                "tasks": [{ "id": "0m3", "properties": { "name": "snapshot" }, "start": 3, "status": "failure",
                            "result": { "message": "no hosts available", "name": "Error" } }],
                "result": { "message": "no hosts available", "name": "Error" }
            }]
        });
        assert!(is_xo_log(&run));
        let found = subjects(&run);
        assert_eq!(found.len(), 1, "{found:?}");
        let s = &found[0].1;
        assert_eq!(s.task.as_deref(), Some("snapshot"));
        assert_eq!((s.vm_uuid.as_deref(), s.vm_name.as_deref()), (Some("vm-1"), Some("web01")));
        assert_eq!((s.job_id.as_deref(), s.job_name.as_deref()), (Some("j1"), Some("nightly")));
    }

    #[test]
    fn a_rest_api_action_names_its_object() {
        let task = serde_json::json!({
            "id": "0m4", "properties": { "name": "REST API: snapshot VM", "objectId": "vm-2", "objectType": "VM", "type": "xo:rest-api:action" },
            "start": 1, "status": "failure",
            "result": { "code": "VDI_IO_ERROR", "params": ["Device I/O errors"], "message": "VDI_IO_ERROR(Device I/O errors)", "name": "XapiError" }
        });
        let found = subjects(&task);
        assert_eq!(found[0].0, "VDI_IO_ERROR");
        assert_eq!((found[0].1.task.as_deref(), found[0].1.vm_uuid.as_deref()), (Some("REST API: snapshot VM"), Some("vm-2")));
        // Without `start`, `properties` still marks a task (a REST answer cut by `fields=`).
        let cut = serde_json::json!({ "properties": { "name": "snapshot VM" }, "status": "failure", "result": { "message": "x" } });
        assert!(is_xo_log(&cut));
        // A backup log's `data` still names its VM, and an object with `properties` but no status is no task.
        assert!(!is_xo_log(&serde_json::json!({ "properties": { "name": "x" }, "result": {} })));
    }

    #[test]
    fn a_stack_as_one_string_has_its_message_before_the_frames() {
        assert_eq!(message_before_frames("Error: Parse Error\n    at f (a.js:1:2)\n    at g (b.js:3:4)"), "Error: Parse Error");
        assert_eq!(message_before_frames("line one\nline two\n  at f (a.js:1:2)"), "line one\nline two");
        assert_eq!(message_before_frames("no frames here"), "no frames here");
        assert_eq!(message_before_frames("    at f (a.js:1:2)"), "    at f (a.js:1:2)");
        let events = serialized_error_events(&Value::String("Error: Parse Error\n    at f (a.js:1:2)".into()), &Subject::default(), &Evidence::text("")).unwrap();
        let Event::Xo(e) = &events[0] else { panic!("{events:?}") };
        assert_eq!((e.message.as_str(), e.detail.as_str()), ("Error: Parse Error", "at f (a.js:1:2)"));
    }

    #[test]
    fn the_rest_api_body_of_a_xapi_error_is_that_error() {
        let body = serde_json::json!({ "error": "SR_BACKEND_FAILURE_44(, There is insufficient space, )", "info": "This is a XenServer/XCP-ng error, not an XO error" });
        let events = serialized_error_events(&body, &Subject::default(), &Evidence::text("")).unwrap();
        let Event::Xapi(e) = &events[0] else { panic!("{events:?}") };
        assert_eq!(e.code, "SR_BACKEND_FAILURE_44");
        // A body whose message is no XAPI error and no API error of Xen Orchestra's is not one here.
        assert!(serialized_error_events(&serde_json::json!({ "error": "something (else)" }), &Subject::default(), &Evidence::text("")).is_none());
    }
}
