//! A typed reader for the JSON shapes one XAPI error usually arrives in: the JSON-RPC 2.0
//! response `{jsonrpc, id, error: {code, message, data}}`, Xen Orchestra's `XapiError`
//! `{code, params, name, message}` and a backup-log task `{message, status, result: {…}}`.
//!
//! It reads an object of known keys (and its `error` or `result` object) into a fixed table of
//! slots instead of a `serde_json::Value` tree (whose maps, look-ups and drop were a fifth to a
//! third of such a call), and gives the very events [`super::parse_json_value`] would. Anything
//! else — another key, a duplicate key, deeper nesting, a code that is not one, invalid JSON —
//! returns `None`, and the caller reads the text as a `Value` as before, errors included. The
//! other values are read as `Value`s (never skipped: `IgnoredAny` would let through lone
//! surrogates and out-of-range numbers that `Value` rejects), so what this reader accepts, the
//! `Value` reader accepts too.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, Visitor};
use serde_json::Value;

use super::{looks_like_code, params_of, xo_log, Event, Parsed, Shape, XapiError};
use crate::model::{Evidence, InputKind, Subject};

const JSONRPC: usize = 0;
const ID: usize = 1;
const RESULT: usize = 2;
const ERROR: usize = 3;
const CODE: usize = 4;
const DATA: usize = 5;
const MESSAGE: usize = 6;
const PARAMS: usize = 7;
const NAME: usize = 8;
const STACK: usize = 9;
const STATUS: usize = 10;
const START: usize = 11;
const END: usize = 12;
const KEYS: [&str; 13] = ["jsonrpc", "id", "result", "error", "code", "data", "message", "params", "name", "stack", "status", "start", "end"];

/// A value: a JSON value, or the object of known keys of `error` or `result`.
enum Slot {
    V(Value),
    O(Box<Obj>),
}

/// An object of known keys, each at most once.
#[derive(Default)]
struct Obj([Option<Slot>; KEYS.len()]);

impl Obj {
    /// Whether every key present is one of `keys`.
    fn only(&self, keys: &[usize]) -> bool {
        self.0.iter().enumerate().all(|(i, s)| s.is_none() || keys.contains(&i))
    }
    fn value(&self, key: usize) -> Option<&Value> {
        match &self.0[key] {
            Some(Slot::V(v)) => Some(v),
            _ => None,
        }
    }
    fn str(&self, key: usize) -> Option<&str> {
        self.value(key).and_then(Value::as_str)
    }
    fn obj(&self, key: usize) -> Option<&Obj> {
        match &self.0[key] {
            Some(Slot::O(o)) => Some(o),
            _ => None,
        }
    }
    /// The value of `key`, moved out: the event takes the strings the reader made instead of
    /// copying them (each copy an allocation of every call).
    fn take(&mut self, key: usize) -> Option<Value> {
        match self.0[key].take() {
            Some(Slot::V(v)) => Some(v),
            other => {
                self.0[key] = other;
                None
            }
        }
    }
    fn take_str(&mut self, key: usize) -> Option<String> {
        match self.take(key)? {
            Value::String(s) => Some(s),
            other => {
                self.0[key] = Some(Slot::V(other));
                None
            }
        }
    }
    fn obj_mut(&mut self, key: usize) -> Option<&mut Obj> {
        match &mut self.0[key] {
            Some(Slot::O(o)) => Some(o),
            _ => None,
        }
    }
}

/// [`params_of`] of a value the caller gives up: its strings are moved, not copied.
fn params_of_owned(value: Option<Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => {
            items.into_iter().map(|v| if let Value::String(s) = v { s } else { super::value_as_param(&v) }).collect()
        }
        other => params_of(other.as_ref()),
    }
}

/// Reads an object into an [`Obj`]; `nested`: its `error` and `result` are read as [`Obj`]s too.
struct ObjReader {
    nested: bool,
}

impl<'de> Visitor<'de> for ObjReader {
    type Value = Obj;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Obj, A::Error> {
        let mut obj = Obj::default();
        while let Some(key) = map.next_key_seed(KeyReader)? {
            if obj.0[key].is_some() {
                return Err(A::Error::custom("duplicate key"));
            }
            // `error` and `result` must be objects (else the caller reads the text as a `Value`).
            obj.0[key] = Some(if self.nested && (key == ERROR || key == RESULT) {
                Slot::O(Box::new(map.next_value_seed(ObjReader { nested: false })?))
            } else {
                Slot::V(map.next_value::<Value>()?)
            });
        }
        Ok(obj)
    }
}

impl<'de> DeserializeSeed<'de> for ObjReader {
    type Value = Obj;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Obj, D::Error> {
        d.deserialize_map(self)
    }
}

/// A key's index in [`KEYS`].
struct KeyReader;

impl<'de> Visitor<'de> for KeyReader {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a known key")
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<usize, E> {
        KEYS.iter().position(|k| *k == s).ok_or_else(|| E::custom("unknown key"))
    }
}

impl<'de> DeserializeSeed<'de> for KeyReader {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_str(self)
    }
}

/// The events of `json` when it is one of the shapes above, as `parse_json_value` gives them.
pub fn parse(json: &str) -> Option<Parsed> {
    // Not an object: no error to build (an array's refusal cost ~0.5 µs).
    if !json.trim_start_matches([' ', '\t', '\n', '\r']).starts_with('{') {
        return None;
    }
    let mut de = serde_json::Deserializer::from_str(json);
    let mut top = ObjReader { nested: true }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    if top.0[ERROR].is_some() {
        let event = jsonrpc(&mut top)?;
        Some(Parsed::Events { kind: InputKind::XapiError, events: vec![event], omitted: 0 })
    } else if top.0[STATUS].is_some() {
        task(&mut top)
    } else {
        if !top.only(&[CODE, PARAMS, NAME, MESSAGE, STACK]) {
            return None;
        }
        let event = xo_xapi_error(&mut top, Subject::default(), None)?;
        Some(Parsed::Events { kind: InputKind::XapiError, events: vec![event], omitted: 0 })
    }
}

/// `xapi::from_json` of a JSON-RPC 2.0 response.
fn jsonrpc(top: &mut Obj) -> Option<Event> {
    if !top.only(&[JSONRPC, ID, RESULT, ERROR]) || (top.0[JSONRPC].is_none() && top.0[ID].is_none() && top.0[RESULT].is_none()) {
        return None;
    }
    let err = top.obj_mut(ERROR)?;
    if !err.only(&[CODE, DATA, MESSAGE]) {
        return None;
    }
    let code = err.str(MESSAGE)?;
    if !looks_like_code(code) {
        return None;
    }
    let mut e = XapiError::new(code, Vec::new(), Shape::JsonRpc2);
    // The error object's JSON text, its keys in the order of `Value`'s map, written in one buffer.
    let mut text = Vec::with_capacity(128);
    text.push(b'{');
    for key in [CODE, DATA, MESSAGE] {
        if let Some(v) = err.value(key) {
            if text.len() > 1 {
                text.push(b',');
            }
            text.push(b'"');
            text.extend_from_slice(KEYS[key].as_bytes());
            text.extend_from_slice(b"\":");
            serde_json::to_writer(&mut text, v).ok()?;
        }
    }
    text.push(b'}');
    let text = String::from_utf8(text).ok()?;
    e.evidence.push(Evidence::owned(text));
    e.params = params_of_owned(err.take(DATA));
    Some(Event::Xapi(e))
}

/// `xo_log::serialized_error_events` of a `XapiError` (keys `code`, `params`, `name`,
/// `message`, `stack`) whose code is XAPI's; `evidence` is the task's line inside a log, `None`
/// for a bare error.
fn xo_xapi_error(x: &mut Obj, subject: Subject, evidence: Option<Evidence>) -> Option<Event> {
    // (A refused error refuses the whole text, which is then read as a `Value`: what was moved
    // out of `x` is not missed.)
    let code = x.take_str(CODE)?;
    if !xo_log::is_xapi_error_code(&code, x.value(PARAMS), x.str(NAME)) {
        return None;
    }
    let mut e = XapiError::with_owned_code(code, params_of_owned(x.take(PARAMS)), Shape::XoXapiError);
    e.subject = subject;
    e.evidence = match evidence {
        Some(ev) => vec![ev],
        None => x.take_str(MESSAGE).filter(|m| !m.is_empty()).map(Evidence::owned).into_iter().collect(),
    };
    Some(Event::Xapi(e))
}

/// `xo_log::events` of one failed task whose result is a `XapiError`.
fn task(t: &mut Obj) -> Option<Parsed> {
    if !t.only(&[MESSAGE, STATUS, START, END, ID, RESULT]) {
        return None;
    }
    let (message, status, result) = (t.str(MESSAGE)?, t.str(STATUS)?, t.obj(RESULT)?);
    if !xo_log::is_failed_status(status) || !result.only(&[CODE, PARAMS, NAME, MESSAGE, STACK]) {
        return None;
    }
    let key = result.str(MESSAGE).or_else(|| result.str(CODE)).unwrap_or("");
    if key.is_empty() {
        return None;
    }
    let evidence = xo_log::task_evidence(message, status, key);
    let subject = Subject {
        task_id: t.value(ID).and_then(xo_log::value_str),
        task: t.take_str(MESSAGE),
        task_status: t.take_str(STATUS),
        ..Subject::default()
    };
    let event = xo_xapi_error(t.obj_mut(RESULT)?, subject, Some(evidence))?;
    Some(Parsed::Events { kind: InputKind::XoLog, events: vec![event], omitted: 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events_of(p: Parsed) -> (InputKind, Vec<Event>) {
        match p {
            Parsed::Events { kind, events, omitted: 0 } => (kind, events),
            other => panic!("not events: {other:?}"),
        }
    }

    /// Whatever this reader accepts gives the events of the `Value` reader; the benchmark's
    /// shapes are accepted.
    #[test]
    fn same_events_as_the_value_reader() {
        let accepted = [
            r#"{"jsonrpc":"2.0","id":7,"error":{"code":1,"message":"VDI_IN_USE","data":["OpaqueRef:9a1b","snapshot"]}}"#,
            r#"{"error":{"data":[1,null,true,2.5,{"a":[1]}],"message":"VDI_IN_USE","code":null},"id":null}"#,
            r#"{"code":"VDI_IN_USE","params":["OpaqueRef:9a1b","snapshot"],"name":"XapiError","message":"VDI_IN_USE(OpaqueRef:9a1b, snapshot)"}"#,
            r#"{"message":"m","code":"UNKNOWN_CODE_X","name":"XapiError","stack":{"a":1}}"#,
            r#"{"message":"snapshot","status":"failure","start":1,"end":2,"result":{"code":"VDI_IO_ERROR","params":["Device I/O errors"],"name":"XapiError","message":"VDI_IO_ERROR(Device I/O errors)"}}"#,
            r#"{"result":{"params":[],"code":"SR_BACKEND_FAILURE_44"},"status":"skipped","id":42,"message":"transfer"}"#,
        ];
        let refused = [
            r#"{"jsonrpc":"2.0","id":7,"error":{"code":1,"message":"not a code"}}"#,
            r#"{"error":{"message":"VDI_IN_USE"}}"#,
            r#"{"code":"VDI_IN_USE","code":"VDI_IO_ERROR"}"#,
            r#"{"code":"UNKNOWN_CODE_X","message":"m"}"#,
            r#"{"code":"VDI_IN_USE","call":{"method":"VM.snapshot"}}"#,
            r#"{"message":"snapshot","status":"success","result":{"code":"VDI_IO_ERROR"}}"#,
            r#"{"message":"snapshot","status":"failure","result":["VDI_IO_ERROR"]}"#,
            r#"{"code":"VDI_IN_USE","params":["\ud800"]}"#,
            r#"{"jsonrpc":"2.0","id":1e400,"error":{"message":"VDI_IN_USE"}}"#,
            r#"["VDI_IN_USE"]"#,
            r#"{"code":"VDI_IN_USE"} x"#,
        ];
        for json in accepted.iter().chain(refused.iter()) {
            let typed = parse(json);
            assert_eq!(typed.is_some(), accepted.contains(json), "{json}");
            if let Some(typed) = typed {
                let value: Value = serde_json::from_str(json).unwrap();
                assert_eq!(events_of(typed), events_of(super::super::parse_json_value(&value, &[])), "{json}");
            }
        }
    }
}
