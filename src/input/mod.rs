//! Recognises what kind of input `diagnose` was given and normalises it into [`Event`]s: a XAPI
//! error with its code and parameters, or a Xen Orchestra error without a code — each with the
//! evidence it came from and what it says about its subject (VM, SR, job, task).
//!
//! SMlog text and pool records are recognised here too, and handed to their own analysers.

use serde_json::Value;

use crate::catalog;
use crate::model::{Confidence, Evidence, InputKind, Params, Subject};

pub mod smlog;
mod inspect;
mod line_prefixes;
mod typed;
pub mod xapi;
pub mod xencenter;
pub mod xo_log;

/// The wire shape a XAPI error arrived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `["CODE", "param", …]` (XML-RPC `ErrorDescription`, task `error_info`, JSON-RPC 1.0 `error`).
    Array,
    /// `{"Status": "Failure", "ErrorDescription": [...]}` or the XML-RPC XML itself.
    XmlRpc,
    /// `{"result": null, "error": [...]}`.
    JsonRpc1,
    /// `{"jsonrpc": "2.0", "error": {"code": 1, "message": "CODE", "data": [...]}}`.
    JsonRpc2,
    /// An async task record with `error_info`.
    Task,
    /// Xen Orchestra's `XapiError` object `{code, params, call, …}`.
    XoXapiError,
    /// Xen Orchestra's message string `CODE(param, param)`.
    XoMessage,
    /// `xe` CLI output (`Error code:` / `Error parameters:`, or the documented message form).
    XeCli,
    /// XenCenter's (or XCP-ng Center's) own text for the code, its placeholders filled in
    /// (`The device xvdb is already attached to a VM`): the code is not in the text.
    XenCenter,
    /// A Python list repr `['CODE', 'param', …]` as the storage manager logs it.
    PythonList,
    /// `Raising exception [N, text]` from SMlog.
    SmRaise,
    /// The code found in free text.
    Text,
}

/// A XAPI error, whatever shape it came in.
#[derive(Debug, Clone, PartialEq)]
pub struct XapiError {
    /// The code as XAPI puts it on the wire (`LICENSE_RESTRICTION` is canonicalised to
    /// `LICENCE_RESTRICTION`).
    pub code: String,
    pub params: Vec<String>,
    pub shape: Shape,
    /// The XAPI call or task that failed, when the input says (`VM.snapshot`, a task name…).
    pub call: Option<String>,
    pub evidence: Vec<Evidence>,
    pub subject: Subject,
    pub confidence: Confidence,
    /// Facts found around the error (an SMlog space check's `freeBytes` and `neededBytes`…);
    /// they are added to the finding's params.
    pub extra: Params,
    /// What the structured input says around the error that no rule shows but a signature may
    /// need: the frames of its stack (Xen Orchestra's `stack`), which name the code path.
    pub context: String,
}

/// `param<n>`, the name of a parameter the catalogue does not name: a fixed text for the first
/// nine (`format!` of it was ~400 instructions and an allocation per unnamed parameter of every
/// error, e.g. `VDI_IO_ERROR`'s reason).
fn param_name(n: usize) -> std::borrow::Cow<'static, str> {
    const FIRST: [&str; 9] = ["param1", "param2", "param3", "param4", "param5", "param6", "param7", "param8", "param9"];
    match n.checked_sub(1).and_then(|i| FIRST.get(i)) {
        Some(name) => std::borrow::Cow::Borrowed(name),
        None => format!("param{n}").into(),
    }
}

impl XapiError {
    pub fn new(code: &str, params: Vec<String>, shape: Shape) -> XapiError {
        let confidence = match shape {
            Shape::Text => Confidence::Medium,
            _ => Confidence::High,
        };
        XapiError {
            code: catalog::canonical_code(code.trim()).to_string(),
            params,
            shape,
            call: None,
            evidence: Vec::new(),
            subject: Subject::default(),
            confidence,
            extra: Params::default(),
            context: String::new(),
        }
    }

    /// [`XapiError::new`] of a code the caller gives up: kept as it is when it is already the
    /// canonical spelling (the usual case) instead of copied.
    pub fn with_owned_code(code: String, params: Vec<String>, shape: Shape) -> XapiError {
        let mut e = XapiError::new("", params, shape);
        let canonical = catalog::canonical_code(code.trim());
        e.code = if canonical == code { code } else { canonical.to_string() };
        e
    }

    /// The `n` of `SR_BACKEND_FAILURE_<n>`.
    pub fn sr_value(&self) -> Option<u32> {
        catalog::sr_backend_failure_value(&self.code)
    }

    /// The storage manager's text of an SR backend failure (its second parameter).
    pub fn reason(&self) -> Option<&str> {
        if self.code.starts_with("SR_BACKEND_FAILURE") {
            self.params.get(1).map(String::as_str).filter(|s| !s.trim().is_empty())
        } else {
            None
        }
    }

    /// The `[opterr=…]` detail the storage manager appends to a failure's text.
    pub fn opterr(&self) -> Option<&str> {
        let reason = self.reason()?;
        // Most reasons have no `[` at all: a byte search, before building a substring searcher.
        memchr::memchr(b'[', reason.as_bytes())?;
        let start = reason.find("[opterr=")? + "[opterr=".len();
        // Closing brackets past the detail's own (`[opterr=['MAP', 'x']]`) are the wrapper's.
        let detail = reason[start..].trim_end();
        let unopened = detail.bytes().filter(|&b| b == b']').count().saturating_sub(detail.bytes().filter(|&b| b == b'[').count());
        let trailing = detail.bytes().rev().take_while(|&b| b == b']').count();
        Some(&detail[..detail.len() - unopened.min(trailing)])
    }

    /// All parameter text in one lower-case string, for rules that look for a word in it.
    pub fn params_lower(&self) -> String {
        self.params.join(" ").to_ascii_lowercase()
    }

    /// The parameters by name: the catalogue's names for the code (`VDI_IN_USE` → `vdi`,
    /// `operation`); `status`, `reason`, `stderr` (and `opterr`) for SR backend failures;
    /// `param<N>` for parameters beyond the declared ones or of unknown codes.
    pub fn named_params(&self) -> Params {
        // Sized for every parameter, an `opterr` and the two names `rules::name_sr_codes` adds
        // to an SR error's finding: one allocation (with room for one, SR044's params were
        // reallocated on every call).
        let n = self.params.len() + self.extra.0.len();
        let mut out = Params(Vec::with_capacity(if n == 0 { 0 } else { n + 3 }));
        let names = self.param_names();
        for (i, value) in self.params.iter().enumerate() {
            match names.get(i) {
                Some(name) => out.insert_static(name, value.clone()),
                // `param<N>` names are distinct from each other and from the declared names (a
                // push, not an insert: an error with 100,000 parameters stays linear).
                None => out.0.push((param_name(i + 1), value.clone().into())),
            }
        }
        if let Some(opterr) = self.opterr() {
            out.insert_static("opterr", opterr.to_string());
        }
        for (k, v) in &self.extra.0 {
            out.insert(k.clone(), v.clone());
        }
        out
    }

    /// One parameter of [`XapiError::named_params`] by its name, without building them all.
    pub fn param(&self, name: &str) -> Option<&str> {
        if let Some(value) = self.extra.get(name) {
            return Some(value);
        }
        if name == "opterr" {
            if let Some(opterr) = self.opterr() {
                return Some(opterr);
            }
        }
        let names = self.param_names();
        let i = match names.iter().position(|n| *n == name) {
            Some(i) => i,
            None => name.strip_prefix("param")?.parse::<usize>().ok()?.checked_sub(1).filter(|&i| i >= names.len())?,
        };
        self.params.get(i).map(String::as_str)
    }

    /// The names of the parameters by position: an SR error's three, else the catalogue's.
    fn param_names(&self) -> &'static [&'static str] {
        if self.code.starts_with("SR_BACKEND_FAILURE_") {
            &["status", "reason", "stderr"]
        } else {
            catalog::api_error(&self.code).map(|e| e.params).unwrap_or(&[])
        }
    }
}

/// A Xen Orchestra error or message without a XAPI code (`unhealthy VDI chain`, `ENOSPC: …`).
#[derive(Debug, Clone, PartialEq)]
pub struct XoError {
    pub message: String,
    /// The error's class name (`Error`, `AssertionError`, `BodyTimeoutError`…).
    pub name: Option<String>,
    /// A Node or undici error code (`ENOSPC`, `ERR_ASSERTION`, `UND_ERR_BODY_TIMEOUT`…).
    pub code: Option<String>,
    pub evidence: Vec<Evidence>,
    pub subject: Subject,
    pub confidence: Confidence,
    /// When no rule recognises it, still report it (a failed task of a backup log must always
    /// show something); free-text fragments are not reported.
    pub report_unrecognised: bool,
    /// The rest of the error object's text (a failed command's `stderr`, `stdout` and
    /// `command`), where the signatures often find the cause the message leaves out.
    pub detail: String,
}

impl XoError {
    pub fn new(message: impl Into<String>) -> XoError {
        XoError {
            message: message.into(),
            name: None,
            code: None,
            evidence: Vec::new(),
            subject: Subject::default(),
            confidence: Confidence::High,
            report_unrecognised: false,
            detail: String::new(),
        }
    }
}

/// One normalised input event the rules look at.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Xapi(XapiError),
    Xo(XoError),
}

impl Event {
    /// The event's own text, as the signatures read it: a XAPI error's code and parameters, a
    /// Xen Orchestra error's message and detail.
    pub fn text(&self) -> String {
        match self {
            Event::Xapi(e) => {
                let mut t = e.code.clone();
                for p in &e.params {
                    t.push('\n');
                    t.push_str(p);
                }
                // The call that failed and the code path (a known bug of one method or of one
                // step of Xen Orchestra's backup is told apart by them).
                for extra in e.call.iter().chain(Some(&e.context).filter(|c| !c.is_empty())) {
                    t.push('\n');
                    t.push_str(extra);
                }
                t
            }
            Event::Xo(e) => {
                // One of Xen Orchestra's numbered API errors reads as xo-cli and the API's
                // JSON-RPC form print it (`code 18 message: host offline`), whichever shape it
                // came in (a toast's bare message, the REST API's body): its signatures know that.
                let api = e.code.as_deref().and_then(|c| c.parse::<u32>().ok()).and_then(|n| catalog::xo_api_error(n, &e.message));
                let mut t = match api {
                    Some(api) if !e.message.starts_with("code ") => format!("code {} message: {}", api.number, e.message),
                    _ => e.message.clone(),
                };
                if !e.detail.is_empty() {
                    t.push('\n');
                    t.push_str(&e.detail);
                }
                t
            }
        }
    }

    pub fn subject(&self) -> &Subject {
        match self {
            Event::Xapi(e) => &e.subject,
            Event::Xo(e) => &e.subject,
        }
    }

    pub fn subject_mut(&mut self) -> &mut Subject {
        match self {
            Event::Xapi(e) => &mut e.subject,
            Event::Xo(e) => &mut e.subject,
        }
    }
}

/// What `diagnose` does with an input.
#[derive(Debug)]
pub enum Parsed {
    /// Errors to run the rules on, and how many distinct errors were left out beyond the
    /// limit of free text ([`xapi::MAX_TEXT_EVENTS`]).
    Events { kind: InputKind, events: Vec<Event>, omitted: u64 },
    /// Storage-manager log text: run the SMlog analyser.
    Smlog,
    /// Pool records: run the chain check.
    Records(Value),
    /// `{ sr, vdis, … }`: run the snapshot space plan.
    SpacePlan(Value),
    /// Nothing to diagnose.
    Empty,
}

/// Recognises free text (anything a user may paste). `xo_markers`: see [`xapi::from_text_counted`].
pub fn parse_text(text: &str, xo_markers: &[String]) -> Parsed {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Parsed::Empty;
    }
    if trimmed.starts_with('{') {
        if let Some(parsed) = typed::parse(trimmed) {
            return parsed;
        }
    }
    if trimmed.starts_with('{') || trimmed.starts_with('[') || trimmed.starts_with('"') {
        if let Ok(value) = serde_json::from_str::<Value>(trimmed) {
            return parse_json_value(&value, xo_markers);
        }
        if let Some(logs) = ndjson_logs(trimmed) {
            return Parsed::Events { kind: InputKind::XoLog, events: xo_log::events(&logs), omitted: 0 };
        }
    }
    if trimmed.starts_with(|c: char| c.is_ascii_digit() || c == '\u{2716}') {
        if let Some(body) = xo_cli_error_body(trimmed) {
            return parse_json_value(&body, xo_markers);
        }
    }
    if may_be_inspect_print(trimmed) {
        if let Some(value) = inspect::to_value(trimmed) {
            return parse_json_value(&value, xo_markers);
        }
    }
    if trimmed.starts_with('<') {
        if let Some(e) = xapi::from_xmlrpc(trimmed) {
            return Parsed::Events { kind: InputKind::XapiError, events: vec![Event::Xapi(e)], omitted: 0 };
        }
    }
    if could_be_smlog(text) && smlog::looks_like_smlog(text) {
        return Parsed::Smlog;
    }
    let (events, omitted) = xapi::from_text_counted(text, xo_markers);
    Parsed::Events { kind: text_kind(text, &events), events, omitted }
}

/// `xo-cli rest`'s print of a call the REST API refused (vatesfr/xen-orchestra@9ef53890
/// `packages/xo-cli/rest.mjs` `exec`, `index.mjs`): the HTTP status line (`500 Internal Server
/// Error`), then `✖ ` and the answer's body as it came, `{"error": …}`. The body, when the text
/// is only that.
fn xo_cli_error_body(text: &str) -> Option<Value> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut line = lines.next()?;
    let is_status = |l: &str| {
        let (number, reason) = l.split_once(' ').unwrap_or((l, ""));
        number.len() == 3 && number.bytes().all(|b| b.is_ascii_digit()) && reason.bytes().all(|b| b.is_ascii_alphabetic() || b == b' ' || b == b'-')
    };
    if is_status(line) {
        line = lines.next()?;
    }
    let body = line.strip_prefix('\u{2716}')?.trim_start();
    if !body.starts_with('{') || lines.next().is_some() {
        return None;
    }
    let value: Value = serde_json::from_str(body).ok()?;
    value.get("error").is_some().then_some(value)
}

/// Whether the text can be Node's `util.inspect` print of an object ([`inspect`]): it starts
/// like one — a brace or bracket JSON did not read, `<ref *1>`, or `✖ ` / an error's name and
/// `: ` (an error print, xo-cli's `✖ ` before it).
fn may_be_inspect_print(text: &str) -> bool {
    let text = text.strip_prefix('\u{2716}').map_or(text, str::trim_start);
    match text.as_bytes().first() {
        Some(b'{' | b'[' | b'<') => true,
        Some(b) if b.is_ascii_alphabetic() => {
            // The first `: `, when it starts within the first 80 bytes (a longer head is no
            // error's name): looked for there only, a `:` at a time (`split_once(": ")` built a
            // two-way searcher and ran it over the whole text, ~600 instructions for every
            // one-line error).
            let window = &text.as_bytes()[..text.len().min(81)];
            let colon = memchr::memchr_iter(b':', window).find(|&at| window.get(at + 1) == Some(&b' '));
            colon.is_some_and(|at| at < 80 && text.get(..at).and_then(inspect::error_header_name).is_some())
        }
        _ => false,
    }
}

/// Tasks or backup logs one JSON object a line, as the REST API answers `?ndjson=true` (and
/// `xo-cli rest get tasks ndjson=true --json` prints them): the array of them, when every line
/// is one and there are two or more; `None` at the first line that is not.
fn ndjson_logs(text: &str) -> Option<Value> {
    let mut logs = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !line.starts_with('{') {
            return None;
        }
        let value: Value = serde_json::from_str(line).ok()?;
        if !value.as_object().is_some_and(xo_log::is_log_object) {
            return None;
        }
        logs.push(value);
    }
    (logs.len() > 1).then_some(Value::Array(logs))
}

/// `false` only when [`smlog::looks_like_smlog`] is sure to say no: a text of one line (no
/// `\n`) without `[` or `*`. Every way that function says yes for a single line needs a
/// storage-manager pid (`[1234]`), `fairlock[`, or one of the `*`-banners of an exception; the
/// only yes without them needs two lines. A one-line error spends its ~2,000 instructions of line
/// parsing and marker search (7 % of `diagnose` of the text shape) for nothing; this is one
/// SIMD pass, and an SMlog stops it at the end of its first line.
fn could_be_smlog(text: &str) -> bool {
    let maybe = memchr::memchr3(b'\n', b'[', b'*', text.as_bytes()).is_some();
    // Checked under the fuzzers and the tests, which build with debug assertions.
    debug_assert!(maybe || !smlog::looks_like_smlog(text), "could_be_smlog ruled out an SMlog: {text:?}");
    maybe
}

/// Recognises JSON text that must be JSON (what JavaScript passed as an object).
pub fn parse_json_text(json: &str, xo_markers: &[String]) -> Result<Parsed, crate::Error> {
    // The usual shapes of one error, read without a `Value` tree (the same events).
    if let Some(parsed) = typed::parse(json) {
        return Ok(parsed);
    }
    let value: Value = serde_json::from_str(json).map_err(|e| crate::Error::InvalidJson(describe_json_error(&e)))?;
    Ok(parse_json_value(&value, xo_markers))
}

fn describe_json_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    if msg.contains("recursion limit") {
        format!("nested more than 128 levels deep ({msg})")
    } else {
        msg
    }
}

/// Whether a JSON value is a space-plan input: `{ sr: {...}, vdis: [...] | {...} }`.
pub fn is_space_plan_input(value: &serde_json::Value) -> bool {
    let Some(o) = value.as_object() else { return false };
    o.get("sr").is_some_and(|v| v.is_object()) && o.get("vdis").is_some_and(|v| v.is_array() || v.is_object())
}

/// Recognises a parsed JSON value: every JSON shape of a XAPI error, Xen Orchestra errors and
/// backup logs, and pool records; anything else has its strings searched like free text.
pub fn parse_json_value(value: &Value, xo_markers: &[String]) -> Parsed {
    if let Some(e) = xapi::from_json(value) {
        return Parsed::Events { kind: InputKind::XapiError, events: vec![Event::Xapi(e)], omitted: 0 };
    }
    if is_records(value) {
        return Parsed::Records(value.clone());
    }
    if is_space_plan_input(value) {
        return Parsed::SpacePlan(value.clone());
    }
    if xo_log::is_xo_log(value) {
        return Parsed::Events { kind: InputKind::XoLog, events: xo_log::events(value), omitted: 0 };
    }
    // A string of several lines is text quoted as JSON (Xen Orchestra 6 copies a failed task's
    // stack so, `"Error: …\n    at …"`): read as the text it is, like the same text pasted.
    if let Value::String(s) = value {
        if s.trim().contains('\n') {
            return parse_text(s, xo_markers);
        }
    }
    if let Some(mut events) = xo_log::serialized_error_events(value, &Subject::default(), &Evidence::text("")) {
        // A whole error object was handed over: say something even if no rule knows it.
        for e in events.iter_mut() {
            if let Event::Xo(x) = e {
                x.report_unrecognised = !matches!(value, Value::String(_));
            }
        }
        let kind = if events.iter().any(|e| matches!(e, Event::Xapi(_))) { InputKind::XapiError } else { InputKind::XoError };
        return Parsed::Events { kind, events, omitted: 0 };
    }
    if let Value::String(s) = value {
        return parse_text(s, xo_markers);
    }
    // Unknown JSON: search every string in it.
    let mut text = String::new();
    collect_strings(value, &mut text, 0);
    let (events, omitted) = xapi::from_text_counted(&text, xo_markers);
    Parsed::Events { kind: InputKind::Text, events, omitted }
}

/// The pool records of the chain check: an object with `VDI` (and usually `VM`, `VBD`, `SR`)
/// as maps keyed by opaque ref or as arrays of xo-server objects.
pub fn is_records(value: &Value) -> bool {
    let Some(obj) = value.as_object() else { return false };
    let table = |k: &str| obj.get(k).is_some_and(|v| v.is_object() || v.is_array());
    table("VDI") && (table("VM") || table("VBD") || table("SR"))
}

const MAX_COLLECTED_TEXT: usize = 4 * 1024 * 1024;

fn collect_strings(value: &Value, out: &mut String, depth: usize) {
    if out.len() > MAX_COLLECTED_TEXT || depth > 64 {
        return;
    }
    match value {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out, depth + 1)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, out, depth + 1)),
        _ => {}
    }
}

/// `xapi_error` or `xo_error` when a short text is exactly one error; `text` otherwise.
fn text_kind(text: &str, events: &[Event]) -> InputKind {
    let lines = text.lines().filter(|l| !l.trim().is_empty()).take(4).count();
    if lines <= 3 && events.len() == 1 {
        match &events[0] {
            Event::Xapi(e) if e.shape != Shape::Text => return InputKind::XapiError,
            Event::Xo(_) => return InputKind::XoError,
            _ => {}
        }
    }
    InputKind::Text
}

/// A JSON value as a string parameter: strings as they are, anything else as JSON text.
pub fn value_as_param(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => crate::model::json_text(other),
    }
}

/// An error's parameters from its array of values (`params`, JSON-RPC's `data`); none when the
/// value is missing or not an array.
pub fn params_of(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().map(value_as_param).collect(),
        _ => Vec::new(),
    }
}

/// Does this string look like a XAPI error code (`SR_BACKEND_FAILURE_44`, `VDI_IN_USE`)?
/// Catalogued codes always do; an unknown one must be upper-case words joined by `_`.
pub fn looks_like_code(s: &str) -> bool {
    let s = s.trim();
    if catalog::is_known_code(s) {
        return true;
    }
    let b = s.as_bytes();
    b.len() >= 3
        && b.len() <= 80
        && b[0].is_ascii_uppercase()
        && b.contains(&b'_')
        && b.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
        && !s.ends_with('_')
}

/// Adds the errors wrapped inside another error's parameters (an `INTERNAL_ERROR` whose message
/// is `Storage_error ([S(Backend_error);[S(SR_BACKEND_FAILURE_46);…`): the wrapped code is the
/// real cause and gets its own diagnosis.
pub fn expand_nested(events: Vec<Event>) -> Vec<Event> {
    // Until an event wraps another (most inputs: none does), the events stay where they are:
    // no new list, no move of each event into it.
    let Some((at, first)) = events.iter().enumerate().map(|(i, e)| (i, nested_in(e))).find(|(_, n)| !n.is_empty()) else {
        return events;
    };
    let mut first = Some(first);
    let mut out = Vec::with_capacity(events.len() + 1);
    for (i, event) in events.into_iter().enumerate() {
        let nested = match i.cmp(&at) {
            std::cmp::Ordering::Less => Vec::new(),
            std::cmp::Ordering::Equal => first.take().unwrap_or_default(),
            std::cmp::Ordering::Greater => nested_in(&event),
        };
        out.push(event);
        out.extend(nested);
    }
    out
}

/// The errors `event` wraps (see [`expand_nested`]), in order.
fn nested_in(event: &Event) -> Vec<Event> {
    let mut nested = Vec::new();
    let Event::Xapi(e) = event else { return nested };
    // An INTERNAL_ERROR's message, an SR failure's `[opterr=['MAP_DUPLICATE_KEY', …]]`, and
    // host.assert_can_evacuate's CANNOT_EVACUATE_HOST, whose one parameter is the reason of each
    // VM that cannot move, `CODE,param,…` joined by `|` (xen-api ocaml/xapi/xapi_host.ml): the
    // toolstack's own print (`[ VM_HAS_VUSBS,OpaqueRef:… ]`) is read code by code, and so are
    // Xen Orchestra's `CANNOT_EVACUATE_HOST(VM_HAS_VUSBS,OpaqueRef:…)` and the JSON forms.
    let wraps = e.code == "INTERNAL_ERROR"
        || e.code == "CANNOT_EVACUATE_HOST"
        || e.code.starts_with("SR_BACKEND_FAILURE")
        || e.params.iter().any(|p| p.contains("SR_BACKEND_FAILURE_"));
    if !wraps {
        return nested;
    }
    for p in &e.params {
        for mut inner in xapi::codes_in_line(p) {
            if inner.code == e.code {
                continue;
            }
            inner.subject = e.subject.clone();
            inner.evidence = e.evidence.clone();
            inner.confidence = e.confidence.min(Confidence::Medium);
            inner.call = e.call.clone();
            nested.push(Event::Xapi(inner));
        }
    }
    nested
}

/// `text` with typographic quotes made ASCII (`‘…’` → `'…'`, `“…”` → `"…"`), when it has any;
/// `None` otherwise (most texts: one SIMD search). GNU tools in a UTF-8 locale quote with
/// `‘…’`, and editors that "smarten" pasted text turn a message's quotes typographic: a
/// literal written with the program's ASCII quotes (no literal has typographic ones) is then
/// not found. The lines stay the text's; an evidence line shows the ASCII quotes.
pub(crate) fn ascii_quotes(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    // U+2018, U+2019, U+201C, U+201D are E2 80 98 / 99 / 9C / 9D in UTF-8.
    // (memchr, not memmem: a one-line error's call would build a searcher for nothing.)
    let typographic = memchr::memchr_iter(0xe2, bytes).any(|at| bytes.get(at + 1) == Some(&0x80) && matches!(bytes.get(at + 2), Some(0x98 | 0x99 | 0x9c | 0x9d)));
    typographic.then(|| {
        text.chars()
            .map(|c| match c {
                '\u{2018}' | '\u{2019}' => '\'',
                '\u{201c}' | '\u{201d}' => '"',
                c => c,
            })
            .collect()
    })
}

/// `text` with the invisible characters of a copy from a web page, a mail or a chat made plain:
/// no-break spaces (U+00A0, U+2007, U+202F) become spaces, and zero-width spaces (U+200B), word
/// joiners (U+2060), byte-order marks (U+FEFF) and soft hyphens (U+00AD) are dropped. An HTML
/// mail or a rich-text editor turns a log's spaces into no-break spaces, and some pages and chats
/// put zero-width breaks into long words: a literal, a code or a JSON document is then no longer
/// found. A terminal's escape sequences are taken out first ([`without_terminal_escapes`]), then
/// HTML's character references are read ([`without_html_references`]) and typographic quotes
/// made ASCII ([`ascii_quotes`]: an SMlog excerpt pasted through an editor that "smartens"
/// quotes is read by the SMlog analyser, which knows the storage manager's ASCII ones only).
/// Borrowed when there are none (most texts: four SIMD searches).
pub fn plain_pasted_text(text: &str) -> std::borrow::Cow<'_, str> {
    fn typographic_quotes_made_ascii(text: &str) -> std::borrow::Cow<'_, str> {
        ascii_quotes(text).map_or(std::borrow::Cow::Borrowed(text), std::borrow::Cow::Owned)
    }
    let steps: [fn(&str) -> std::borrow::Cow<'_, str>; 4] =
        [without_terminal_escapes, without_invisible_characters, without_html_references, typographic_quotes_made_ascii];
    let mut plain = std::borrow::Cow::Borrowed(text);
    for step in steps {
        // (A step that changes nothing hands back what it was given: no copy.)
        if let std::borrow::Cow::Owned(changed) = step(&plain) {
            plain = std::borrow::Cow::Owned(changed);
        }
    }
    plain
}

/// `text` without a terminal's escape sequences: colours and cursor moves (`ESC [ … m`, ECMA-48's
/// control sequences), window titles and links (`ESC ] … BEL` or `ESC ] … ESC \`) and the other
/// control strings (`ESC P`, `ESC X`, `ESC ^`, `ESC _`, ended the same way), a character set's
/// choice (`ESC ( B`, which `tput sgr0` prints). A log saved from a program that colours its
/// output (a container's log, a CI job's, `script`, `less -R`) keeps them, and a code glued to a
/// colour (`ESC[31mVDI_IO_ERROR`) is then no word of its own. Taking them out also keeps them out
/// of every evidence line (a streamed SMlog keeps its lines as they are, and the renderers show a
/// control character escaped). Borrowed when there are none (one SIMD search).
fn without_terminal_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    const ESC: u8 = 0x1b;
    let bytes = text.as_bytes();
    let Some(first) = memchr::memchr(ESC, bytes) else { return std::borrow::Cow::Borrowed(text) };
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..first]);
    let mut i = first;
    while i < bytes.len() {
        if bytes[i] != ESC {
            let next = memchr::memchr(ESC, &bytes[i..]).map_or(bytes.len(), |n| i + n);
            out.extend_from_slice(&bytes[i..next]);
            i = next;
            continue;
        }
        i += 1;
        match bytes.get(i) {
            // Parameters (0x30–0x3F), intermediates (0x20–0x2F), then one final byte (0x40–0x7E).
            Some(b'[') => {
                i += 1;
                while bytes.get(i).is_some_and(|b| (0x20..=0x3f).contains(b)) {
                    i += 1;
                }
                if bytes.get(i).is_some_and(|b| (0x40..=0x7e).contains(b)) {
                    i += 1;
                }
            }
            // A string up to BEL or ESC \ (at most a line: an unended one takes nothing more):
            // OSC (`]`), DCS (`P`), SOS (`X`), PM (`^`), APC (`_`).
            Some(b']' | b'P' | b'X' | b'^' | b'_') => {
                let line_end = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                let end = bytes[i..line_end].iter().position(|&b| b == 0x07 || b == ESC).map(|n| i + n);
                i = match end {
                    Some(at) if bytes[at] == 0x07 => at + 1,
                    Some(at) if bytes.get(at + 1) == Some(&b'\\') => at + 2,
                    _ => i + 1,
                };
            }
            Some(b'(' | b')' | b'*' | b'+') => i += 1 + usize::from(bytes.get(i + 1).is_some_and(u8::is_ascii_graphic)),
            _ => {}
        }
    }
    // (Only whole ASCII sequences were taken out, each starting at an ESC byte: the rest is the
    // text's own UTF-8.)
    std::borrow::Cow::Owned(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// `text` without the invisible characters [`plain_pasted_text`] names.
fn without_invisible_characters(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    // U+00A0 = C2 A0, U+00AD = C2 AD; U+2007 = E2 80 87, U+200B = E2 80 8B, U+202F = E2 80 AF,
    // U+2060 = E2 81 A0; U+FEFF = EF BB BF.
    let invisible = memchr::memchr3_iter(0xc2, 0xe2, 0xef, bytes).any(|at| {
        matches!(
            (bytes.get(at).copied(), bytes.get(at + 1).copied(), bytes.get(at + 2).copied()),
            (Some(0xc2), Some(0xa0 | 0xad), _)
                | (Some(0xe2), Some(0x80), Some(0x87 | 0x8b | 0xaf))
                | (Some(0xe2), Some(0x81), Some(0xa0))
                | (Some(0xef), Some(0xbb), Some(0xbf))
        )
    });
    if !invisible {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .filter_map(|c| match c {
            '\u{a0}' | '\u{2007}' | '\u{202f}' => Some(' '),
            '\u{200b}' | '\u{2060}' | '\u{feff}' | '\u{ad}' => None,
            c => Some(c),
        })
        .collect::<String>()
        .into()
}

/// `text` with HTML's character references read (`&quot;` → `"`, `&#39;` → `'`, `&lt;` → `<`,
/// `&amp;` → `&`, `&nbsp;` → a space, and every numeric one, `&#34;`, `&#x27;`), once, left to
/// right (`&amp;quot;` becomes `&quot;`). Text copied from a page's source, an HTML mail's part,
/// an exported ticket or an API that escapes what it returns comes with them: a Python list of
/// codes (`[&#39;SR_BACKEND_FAILURE_46&#39;, …]`) or a JSON error is then neither. Other named
/// references (`&eacute;`) stay as they are: no error text needs them. A text whose only
/// references are `&amp;` is left as it is: a program prints that itself when it copies an
/// address out of XML or HTML without decoding it (a patching script's download URL), and that
/// is then the fault to see, while an escaped paste has its quotes or brackets escaped too.
/// Borrowed when the text has none (one SIMD search for `&`).
fn without_html_references(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    // Where the text not yet copied to `out` starts, and whether a reference other than `&amp;`
    // was read (an escaped paste).
    let (mut copied_to, mut escaped_paste) = (0, false);
    for at in memchr::memchr_iter(b'&', bytes) {
        if at < copied_to {
            continue;
        }
        let Some((decoded, len)) = html_reference(&bytes[at..]) else { continue };
        escaped_paste |= decoded != '&';
        let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
        o.push_str(&text[copied_to..at]);
        o.push(decoded);
        copied_to = at + len;
    }
    match out {
        Some(mut o) if escaped_paste => {
            o.push_str(&text[copied_to..]);
            std::borrow::Cow::Owned(o)
        }
        _ => std::borrow::Cow::Borrowed(text),
    }
}

/// The character a reference at the start of `at` (which starts with `&`) stands for, and the
/// reference's length in bytes; `None` when it is not one [`without_html_references`] reads.
fn html_reference(at: &[u8]) -> Option<(char, usize)> {
    /// `&#x10FFFF;` is the longest numeric reference of a character; `&nbsp;` the longest name.
    const LONGEST: usize = 10;
    let end = at.iter().take(LONGEST).position(|&b| b == b';')?;
    let name = &at[1..end];
    let decoded = match name {
        b"quot" => '"',
        b"apos" => '\'',
        b"lt" => '<',
        b"gt" => '>',
        b"amp" => '&',
        b"nbsp" => ' ',
        [b'#', b'x' | b'X', hex @ ..] if !hex.is_empty() && hex.iter().all(u8::is_ascii_hexdigit) => {
            char::from_u32(u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?)?
        }
        [b'#', dec @ ..] if !dec.is_empty() && dec.iter().all(u8::is_ascii_digit) => char::from_u32(std::str::from_utf8(dec).ok()?.parse().ok()?)?,
        _ => return None,
    };
    // A no-break space is a space, as in [`without_invisible_characters`]. A reference to a
    // control character (`&#0;`, `&#27;`) is left as written: it is not text a program printed
    // for a reader, and it must not bring back what the other steps took out.
    let decoded = if decoded == '\u{a0}' { ' ' } else { decoded };
    (!decoded.is_control() || matches!(decoded, '\n' | '\t')).then_some((decoded, end + 1))
}

pub use line_prefixes::{without_line_prefixes, StreamedLinePrefixes};

/// The width at which a terminal (or a mail client set to break lines hard) cuts a long line.
pub(crate) const WRAP_COLUMNS: usize = 80;

/// Does `text` start with a count and a word (`0 of resource`, `12 files`)? After a wrap that cut
/// just before one space, such a line goes on with the cut one; a number followed by anything
/// else (a time, a column of figures, an address) starts a line of its own.
pub(crate) fn is_counted_word(text: &[u8]) -> bool {
    let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
    (1..=6).contains(&digits) && text.get(digits) == Some(&b' ') && text.get(digits + 1).is_some_and(u8::is_ascii_lowercase)
}

/// A line as a terminal cut it: exactly [`WRAP_COLUMNS`] characters (a `\r` aside), no tab.
pub(crate) fn is_cut_line(line: &str) -> bool {
    let line = line.strip_suffix('\r').unwrap_or(line);
    line.len() >= WRAP_COLUMNS && !line.contains('\t') && line.chars().count() == WRAP_COLUMNS
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stop 48: a log saved from a program that colours its output keeps the terminal's escape
    /// sequences; they are taken out, and nothing else is.
    #[test]
    fn terminal_escape_sequences_are_taken_out() {
        let coloured = "\u{1b}[31mVDI_IO_ERROR\u{1b}[39m(Device I/O errors) \u{1b}[1;33mWARN\u{1b}[0m \u{1b}]8;;https://x\u{7}link\u{1b}]8;;\u{1b}\\ \u{1b}(Bé\u{1b}[K\u{1b}P+q\u{1b}\\.";
        assert_eq!(plain_pasted_text(coloured), "VDI_IO_ERROR(Device I/O errors) WARN link é.");
        // A lone or cut sequence takes no more than its own bytes; multibyte text after it stays.
        assert_eq!(plain_pasted_text("a\u{1b}b\u{1b}[12"), "ab");
        assert_eq!(plain_pasted_text("\u{1b}(é \u{1b}]no end\nnext"), "é no end\nnext");
        assert!(matches!(plain_pasted_text("[31m is text without its ESC"), std::borrow::Cow::Borrowed(_)));
    }

    /// Stop 44: a copy out of an HTML mail, a rich-text editor or a wiki keeps its spaces as
    /// no-break spaces and its long words broken by zero-width spaces; both are made plain.
    #[test]
    fn pasted_invisible_characters_are_made_plain() {
        let pasted = "SR_BACKEND_FAILURE_44,\u{a0}\u{a0}There\u{a0}is\u{202f}insufficient space\u{200b}_x\u{2060}\u{feff}\u{ad}";
        assert_eq!(plain_pasted_text(pasted), "SR_BACKEND_FAILURE_44,  There is insufficient space_x");
        // Other non-ASCII characters (an ellipsis, emoji, invalid-looking lead bytes at the end)
        // are left as they are, and borrowed.
        for kept in ["plain text", "… ⚠️ ✅ é", "ends with a lead byte \u{c2}", "\u{e2}\u{80}"] {
            assert!(matches!(plain_pasted_text(kept), std::borrow::Cow::Borrowed(_)), "{kept:?}");
        }
    }

    /// Stop 49: a copy of a page's source, an HTML mail's part or an escaping API's answer keeps
    /// HTML's character references, and an editor "smartens" quotes; both are read back, once.
    #[test]
    fn html_references_and_typographic_quotes_are_read_back() {
        let escaped = "[&#39;SR_BACKEND_FAILURE_46&#39;, &#x27;&#X27;, &quot;The VDI is not available&quot;] &lt;x&gt; a&amp;b&nbsp;&#160;c";
        assert_eq!(plain_pasted_text(escaped), "['SR_BACKEND_FAILURE_46', '', \"The VDI is not available\"] <x> a&b  c");
        // One level only; a control character's reference, an unknown name, a bare `&` and a
        // reference with no `;` stay as written.
        assert_eq!(plain_pasted_text("&lt;&amp;quot; &#27;[31m &#0; &eacute; R&D &#x110000; &#39"), "<&quot; &#27;[31m &#0; &eacute; R&D &#x110000; &#39");
        assert_eq!(plain_pasted_text("line&#10;next"), "line\nnext");
        assert!(matches!(plain_pasted_text("R&D, a & b, &unknown;"), std::borrow::Cow::Borrowed(_)));
        // `&amp;` alone is what a program printed (an address copied out of XML undecoded).
        assert!(matches!(plain_pasted_text("Downloading XS62ESP1030.zip&amp;noAuth=true"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(plain_pasted_text("x.zip&amp;noAuth=true failed: &quot;no zip&quot;"), "x.zip&noAuth=true failed: \"no zip\"");
        // Typographic quotes made ASCII (an SMlog excerpt's `['/usr/bin/vhd-util', …]` too).
        assert_eq!(plain_pasted_text("[‘/usr/bin/vhd-util’, “x”]"), "['/usr/bin/vhd-util', \"x\"]");
    }

    /// leads43: CANNOT_EVACUATE_HOST's reasons are read as their own codes in Xen Orchestra's
    /// `CODE(params)` print and in a JSON array, as in the toolstack's `[ … ]` print.
    #[test]
    fn an_evacuation_refusal_wraps_each_vms_reason() {
        let codes = |text: &str| {
            let events = expand_nested(xapi::from_text(text, &[]));
            events.iter().filter_map(|e| if let Event::Xapi(x) = e { Some(x.code.clone()) } else { None }).collect::<Vec<_>>()
        };
        let r = "OpaqueRef:5d1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";
        let got = codes(&format!("CANNOT_EVACUATE_HOST(OTHER_OPERATION_IN_PROGRESS,{r},VM,clean_shutdown|OPERATION_BLOCKED,{r},maintenance)"));
        assert!(got.iter().any(|c| c == "CANNOT_EVACUATE_HOST"), "{got:?}");
        assert!(got.iter().any(|c| c == "OTHER_OPERATION_IN_PROGRESS"), "{got:?}");
        assert!(got.iter().any(|c| c == "OPERATION_BLOCKED"), "{got:?}");
        let got = codes(&format!("[\"CANNOT_EVACUATE_HOST\", \"VM_BAD_POWER_STATE,{r},running,halted\"]"));
        assert!(got.iter().any(|c| c == "VM_BAD_POWER_STATE"), "{got:?}");
        // Another error's parameters that name a code are not its reasons.
        let got = codes(&format!("VM_REQUIRES_SR({r}, {r})"));
        assert_eq!(got, vec!["VM_REQUIRES_SR".to_string()]);
    }

    #[test]
    fn tasks_one_a_line_are_read_as_a_list_of_them() {
        let line = |name: &str| format!(r#"{{"id":"0m1","properties":{{"name":"{name}"}},"start":1,"status":"failure","result":{{"message":"no hosts available"}}}}"#);
        let text = format!("{}\n{}\n", line("REST API: snapshot VM"), line("REST API: start VM"));
        assert!(matches!(ndjson_logs(&text), Some(Value::Array(a)) if a.len() == 2));
        // One object alone is plain JSON; a line that is no task stops it.
        assert!(ndjson_logs(&line("x")).is_none());
        assert!(ndjson_logs(&format!("{}\n{{\"a\":1}}", line("x"))).is_none());
        assert!(ndjson_logs(&format!("{}\nnot json", line("x"))).is_none());
    }

    #[test]
    fn xo_clis_print_of_a_refused_call_is_its_body() {
        let body = xo_cli_error_body("500 Internal Server Error\n\u{2716} {\"error\":\"incorrect state\"}");
        assert_eq!(body.and_then(|b| b["error"].as_str().map(str::to_string)).as_deref(), Some("incorrect state"));
        assert!(xo_cli_error_body("\u{2716} {\"error\":\"x\"}").is_some());
        // A body that is no REST error, more text after it, or no `✖ `: not this shape.
        assert!(xo_cli_error_body("500 Internal Server Error\n\u{2716} {\"message\":\"x\"}").is_none());
        assert!(xo_cli_error_body("500 Internal Server Error\n\u{2716} {\"error\":\"x\"}\nmore").is_none());
        assert!(xo_cli_error_body("500 Internal Server Error\n{\"error\":\"x\"}").is_none());
    }
}
