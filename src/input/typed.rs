//! A typed reader for the JSON shapes one XAPI error usually arrives in: the JSON-RPC 2.0
//! response `{jsonrpc, id, error: {code, message, data}}`, Xen Orchestra's `XapiError`
//! `{code, params, name, message}` and a backup-log task `{message, status, result: {…}}`.
//!
//! It reads an object of known keys (and its `error` or `result` object) into a fixed table of
//! slots straight from the bytes, instead of a `serde_json::Value` tree (whose maps, look-ups
//! and drop were a fifth to a third of such a call) or `serde_json`'s deserializer with
//! visitors (a `Value` per value, then the error's evidence written back from them: ~8,000
//! instructions of the JSON-RPC and task shapes; bench/README.md, perf10), and gives the very
//! events [`super::parse_json_value`] would. Anything else — another key, a duplicate key,
//! deeper nesting, a number that is not a plain integer, a code that is not one, invalid JSON —
//! returns `None`, and the caller reads the text as a `Value` as before, errors included. Every
//! value is checked as the `Value` reader checks it (never skipped), so what this reader
//! accepts, the `Value` reader accepts too.

use std::borrow::Cow;

use serde_json::Value;

use super::{looks_like_code, xo_log, Event, Parsed, Shape, XapiError};
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

/// A value as read from the text.
enum Val<'a> {
    /// A string: the input's own bytes when it has no escape.
    Str(Cow<'a, str>),
    /// An integer of at most 18 digits without a leading zero (`-0` excepted): its text is
    /// what `serde_json` writes for the number it reads from it.
    Int(&'a str),
    /// An array of strings, integers, booleans and nulls.
    Arr(Vec<Val<'a>>),
    /// `true`, `false` or `null`.
    Literal(&'static str),
    /// `error` or `result`: the object of known keys read into [`Top::inner`].
    Inner,
}

impl Val<'_> {
    fn is_array(&self) -> bool {
        matches!(self, Val::Arr(_))
    }
    /// The parameter of this value (as [`super::value_as_param`]).
    fn into_param(self) -> String {
        match self {
            Val::Str(s) => s.into_owned(),
            Val::Int(n) => n.to_string(),
            // (`value_as_param`'s: nothing for `null`, the JSON text of the others.)
            Val::Literal("null") => String::new(),
            Val::Literal(text) => text.to_string(),
            // (Not in a flat array.)
            Val::Arr(_) | Val::Inner => String::new(),
        }
    }
}

/// The parameters of an error from its array of values (as [`params_of`]): the strings the
/// reader made are moved, not copied.
fn params_of_val(value: Option<Val>) -> Vec<String> {
    match value {
        Some(Val::Arr(items)) => items.into_iter().map(Val::into_param).collect(),
        _ => Vec::new(),
    }
}

/// An object of known keys, each at most once.
#[derive(Default)]
struct Obj<'a>([Option<Val<'a>>; KEYS.len()]);

impl<'a> Obj<'a> {
    /// Whether every key present is one of `keys`.
    fn only(&self, keys: &[usize]) -> bool {
        self.0.iter().enumerate().all(|(i, s)| s.is_none() || keys.contains(&i))
    }
    fn str(&self, key: usize) -> Option<&str> {
        match &self.0[key] {
            Some(Val::Str(s)) => Some(s),
            _ => None,
        }
    }
    /// The value of `key`, moved out: the event takes the strings the reader made.
    fn take(&mut self, key: usize) -> Option<Val<'a>> {
        self.0[key].take()
    }
    fn take_str(&mut self, key: usize) -> Option<String> {
        match self.0[key].take()? {
            Val::Str(s) => Some(s.into_owned()),
            other => {
                self.0[key] = Some(other);
                None
            }
        }
    }
}

/// The object read: its keys, and the object of known keys of its `error` or `result`.
#[derive(Default)]
struct Top<'a> {
    obj: Obj<'a>,
    inner: Obj<'a>,
}

/// A reader of the bytes of one JSON object of known keys, by the grammar of JSON (RFC 8259, as
/// `serde_json` reads it), whose values are strings, integers, `true`, `false`, `null` and
/// arrays of those. Anything else (a fraction, an exponent, an object or an array inside a
/// value, an escape in a key, a second inner object, invalid JSON) it refuses: the caller then
/// reads the text as a `Value`, which gives every answer its own way. What it reads itself is
/// what that reader reads: a string with an escape is decoded by `serde_json` (the same escapes,
/// the same refusal of lone surrogates).
struct Reader<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }
    /// Skips JSON's white space and returns the next byte.
    fn next_token(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
        self.peek()
    }
    /// Skips white space and `byte`, or refuses.
    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.next_token()? == byte).then(|| self.i += 1)
    }

    /// A string at `"`. Without an escape it is the input's slice; with one, `serde_json`
    /// decodes it (the same escapes and the same refusal of lone surrogates).
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let bytes = self.s.as_bytes();
        let start = self.i + 1;
        let mut j = string_stop(bytes, start)?;
        match bytes[j] {
            b'"' => {
                self.i = j + 1;
                return Some(Cow::Borrowed(self.s.get(start..j)?));
            }
            b'\\' => {}
            // A control character must be escaped.
            _ => return None,
        }
        // An escape: find the closing quote, then decode the whole literal.
        while j < bytes.len() {
            match bytes[j] {
                b'\\' => j += 2,
                b'"' => {
                    // (As a `Value`: its reader is in the build already.)
                    let Ok(Value::String(text)) = serde_json::from_str(self.s.get(start - 1..=j)?) else { return None };
                    self.i = j + 1;
                    return Some(Cow::Owned(text));
                }
                _ => j += 1,
            }
        }
        None
    }

    /// A key at `"`: its index in [`KEYS`] (a key with an escape is refused).
    fn key(&mut self) -> Option<usize> {
        let rest = self.s.as_bytes().get(self.i + 1..)?;
        let len = memchr::memchr(b'"', rest)?;
        let key = &rest[..len];
        let index = KEYS.iter().position(|k| k.as_bytes() == key)?;
        self.i += len + 2;
        Some(index)
    }

    /// An integer of at most 18 digits (`serde_json` reads it exactly); any other number (a
    /// fraction, an exponent, a leading zero, `-0`, more digits) is refused.
    fn number(&mut self) -> Option<Val<'a>> {
        let bytes = self.s.as_bytes();
        let negative = bytes[self.i] == b'-';
        let digits_at = self.i + usize::from(negative);
        let digits = bytes[digits_at..].iter().take_while(|b| b.is_ascii_digit()).count();
        let end = digits_at + digits;
        let simple = (1..=18).contains(&digits)
            && (bytes[digits_at] != b'0' || digits == 1 && !negative)
            && !matches!(bytes.get(end), Some(b'.' | b'e' | b'E'));
        if !simple {
            return None;
        }
        let text = self.s.get(self.i..end)?;
        self.i = end;
        Some(Val::Int(text))
    }

    /// One of JSON's literals.
    fn literal(&mut self, word: &'static str) -> Option<Val<'a>> {
        self.s.as_bytes()[self.i..].starts_with(word.as_bytes()).then(|| {
            self.i += word.len();
            Val::Literal(word)
        })
    }

    /// A scalar value; `None` for `[` and `{` as for invalid JSON.
    fn scalar(&mut self) -> Option<Val<'a>> {
        match self.next_token()? {
            b'"' => self.string().map(Val::Str),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => None,
        }
    }

    /// A value of an object: a scalar or an array of scalars.
    fn value(&mut self) -> Option<Val<'a>> {
        match self.next_token()? {
            b'[' => self.flat_array(),
            _ => self.scalar(),
        }
    }

    /// An array of scalars at `[`.
    fn flat_array(&mut self) -> Option<Val<'a>> {
        self.i += 1;
        let mut items = Vec::new();
        if self.next_token()? == b']' {
            self.i += 1;
            return Some(Val::Arr(items));
        }
        loop {
            items.push(self.scalar()?);
            match self.next_token()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(Val::Arr(items));
                }
                _ => return None,
            }
        }
    }

    /// An object of known keys at `{` into `obj`; with `inner`, its `error` or `result` (one of
    /// them, an object) is read into `inner`.
    fn object(&mut self, obj: &mut Obj<'a>, mut inner: Option<&mut Obj<'a>>) -> Option<()> {
        self.eat(b'{')?;
        if self.next_token()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            if self.next_token()? != b'"' {
                return None;
            }
            let key = self.key()?;
            self.eat(b':')?;
            // A duplicate key: the `Value` reader keeps the last; leave it to it.
            if obj.0[key].is_some() {
                return None;
            }
            let value = match inner.take() {
                Some(into) if key == ERROR || key == RESULT => {
                    self.object(into, None)?;
                    Val::Inner
                }
                // `error` and `result` must be objects, and only one is read.
                None if key == ERROR || key == RESULT => return None,
                other => {
                    inner = other;
                    self.value()?
                }
            };
            obj.0[key] = Some(value);
            match self.next_token()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

/// Where the first `"`, `\` or control character (under 0x20) is in `bytes` from `at`: the
/// end of a string without escapes, or where it needs a closer look.
fn string_stop(bytes: &[u8], mut at: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Eight bytes at a time (a string is read at 2 instructions a byte instead of 7): the
    // classic "has a zero byte" test, `(x - 0x01…) & !x & 0x80…`, of the bytes XORed with `"`
    // and with `\`, and its "has a byte under n" form for the control characters. It can flag a
    // byte after a true hit, never miss one; the byte loop below finds the exact place.
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let control = w.wrapping_sub(ONES * 0x20) & !w;
        let flags = (control | (quote.wrapping_sub(ONES) & !quote) | (backslash.wrapping_sub(ONES) & !backslash)) & HIGHS;
        if flags != 0 {
            break;
        }
        at += 8;
    }
    Some(at + bytes.get(at..)?.iter().position(|&b| b < 0x20 || b == b'"' || b == b'\\')?)
}

/// Writes `value` as `serde_json::to_writer` writes its `Value`.
fn write_json(out: &mut Vec<u8>, value: &Val) -> Option<()> {
    match value {
        // Nothing to escape: the text between quotes as it is (what the input had).
        Val::Str(s) if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') => {
            out.push(b'"');
            out.extend_from_slice(s.as_bytes());
            out.push(b'"');
        }
        Val::Str(s) => serde_json::to_writer(&mut *out, s.as_ref()).ok()?,
        Val::Arr(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(out, item)?;
            }
            out.push(b']');
        }
        Val::Int(text) | Val::Literal(text) => out.extend_from_slice(text.as_bytes()),
        Val::Inner => return None,
    }
    Some(())
}

/// The events of `json` when it is one of the shapes above, as `parse_json_value` gives them.
pub fn parse(json: &str) -> Option<Parsed> {
    let mut reader = Reader { s: json, i: 0 };
    // Not an object: no error to build.
    if reader.next_token()? != b'{' {
        return None;
    }
    let mut top = Top::default();
    reader.object(&mut top.obj, Some(&mut top.inner))?;
    if reader.next_token().is_some() {
        return None;
    }
    if top.obj.0[ERROR].is_some() {
        let event = jsonrpc(&mut top)?;
        Some(Parsed::Events { kind: InputKind::XapiError, events: vec![event], omitted: 0 })
    } else if top.obj.0[STATUS].is_some() {
        task(&mut top)
    } else {
        if !top.obj.only(&[CODE, PARAMS, NAME, MESSAGE, STACK]) {
            return None;
        }
        let event = xo_xapi_error(&mut top.obj, Subject::default(), None)?;
        Some(Parsed::Events { kind: InputKind::XapiError, events: vec![event], omitted: 0 })
    }
}

/// `xapi::from_json` of a JSON-RPC 2.0 response.
fn jsonrpc(top: &mut Top) -> Option<Event> {
    let obj = &top.obj;
    if !obj.only(&[JSONRPC, ID, RESULT, ERROR]) || (obj.0[JSONRPC].is_none() && obj.0[ID].is_none() && obj.0[RESULT].is_none()) {
        return None;
    }
    // The inner object is the error's (a `result` object beside it is refused as a second).
    let err = &mut top.inner;
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
        if let Some(v) = &err.0[key] {
            if text.len() > 1 {
                text.push(b',');
            }
            text.push(b'"');
            text.extend_from_slice(KEYS[key].as_bytes());
            text.extend_from_slice(b"\":");
            write_json(&mut text, v)?;
        }
    }
    text.push(b'}');
    let text = String::from_utf8(text).ok()?;
    e.evidence.push(Evidence::owned(text));
    e.params = params_of_val(err.take(DATA));
    Some(Event::Xapi(e))
}

/// `xo_log::serialized_error_events` of a `XapiError` (keys `code`, `params`, `name`,
/// `message`, `stack`) whose code is XAPI's; `evidence` is the task's line inside a log, `None`
/// for a bare error.
fn xo_xapi_error(x: &mut Obj, subject: Subject, evidence: Option<Evidence>) -> Option<Event> {
    // (A refused error refuses the whole text, which is then read as a `Value`: what was moved
    // out of `x` is not missed.)
    let code = x.take_str(CODE)?;
    let params_are_array = x.0[PARAMS].as_ref().is_some_and(Val::is_array);
    if !xo_log::is_xapi_error_code_by(&code, params_are_array, x.str(NAME)) {
        return None;
    }
    let mut e = XapiError::with_owned_code(code, params_of_val(x.take(PARAMS)), Shape::XoXapiError);
    e.context = x.str(STACK).map(xo_log::frames_of).unwrap_or_default();
    e.subject = subject;
    e.evidence = match evidence {
        Some(ev) => vec![ev],
        None => x.take_str(MESSAGE).filter(|m| !m.is_empty()).map(Evidence::owned).into_iter().collect(),
    };
    Some(Event::Xapi(e))
}

/// `xo_log::events` of one failed task whose result is a `XapiError`.
fn task(top: &mut Top) -> Option<Parsed> {
    let t = &mut top.obj;
    if !t.only(&[MESSAGE, STATUS, START, END, ID, RESULT]) || !matches!(t.0[RESULT], Some(Val::Inner)) {
        return None;
    }
    let (message, status, result) = (t.str(MESSAGE)?, t.str(STATUS)?, &top.inner);
    if !xo_log::is_failed_status(status) || !result.only(&[CODE, PARAMS, NAME, MESSAGE, STACK]) {
        return None;
    }
    let key = result.str(MESSAGE).or_else(|| result.str(CODE)).unwrap_or("");
    if key.is_empty() {
        return None;
    }
    let evidence = xo_log::task_evidence(message, status, key);
    let task_id = match &t.0[ID] {
        Some(Val::Str(s)) => Some(s.to_string()),
        Some(Val::Int(n)) => Some(n.to_string()),
        _ => None,
    };
    let subject = Subject { task_id, task: t.take_str(MESSAGE), task_status: t.take_str(STATUS), ..Subject::default() };
    let event = xo_xapi_error(&mut top.inner, subject, Some(evidence))?;
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
            r#"{"error":{"data":[1,null,true,false,-25,0],"message":"VDI_IN_USE","code":null},"id":null}"#,
            r#"{"jsonrpc":"2.0","id":-12,"error":{"code":-32000,"message":"VDI_IN_USE","data":["a\"b\\c\u00e9\n\/","\u0001","é—😀",""]}}"#,
            r#"{ "id" : 1 , "error" : { "message" : "VDI_IN_USE" ,
                "data" : [ "a" , 2 ] } }"#,
            r#"{"code":"VDI_IN_USE","params":["OpaqueRef:9a1b","snapshot"],"name":"XapiError","message":"VDI_IN_USE(OpaqueRef:9a1b, snapshot)"}"#,
            r#"{"message":"m","code":"UNKNOWN_CODE_X","name":"XapiError","stack":"XapiError: m\n    at f (x.js:1:2)"}"#,
            r#"{"code":"UNKNOWN_CODE_X","params":[]}"#,
            r#"{"code":"VDI_IN_USE","params":[null,true,123456789012345678,"\ud83d\ude00"],"message":""}"#,
            "\t{\"code\":\"VDI_IN_USE\"}\r\n",
            r#"{"message":"snapshot","status":"failure","start":1,"end":2,"result":{"code":"VDI_IO_ERROR","params":["Device I/O errors"],"name":"XapiError","message":"VDI_IO_ERROR(Device I/O errors)"}}"#,
            r#"{"result":{"params":[],"code":"SR_BACKEND_FAILURE_44"},"status":"skipped","id":42,"message":"transfer"}"#,
            r#"{"id":"0abc","message":"m\u00e9","status":"interrupted","result":{"code":"VDI_IO_ERROR","params":["x"]}}"#,
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
            // Left to the `Value` reader: nesting, numbers other than plain integers, escaped keys,
            // two inner objects.
            r#"{"error":{"data":[1,null,true,2.5,{"a":[1]}],"message":"VDI_IN_USE","code":null},"id":null}"#,
            r#"{"message":"m","code":"UNKNOWN_CODE_X","name":"XapiError","stack":{"a":1}}"#,
            r#"{"code":"VDI_IN_USE","params":[1.5]}"#,
            r#"{"code":"VDI_IN_USE","params":[1e3]}"#,
            r#"{"code":"VDI_IN_USE","params":[-0]}"#,
            r#"{"code":"VDI_IN_USE","params":[1234567890123456789]}"#,
            r#"{"c\u006fde":"VDI_IN_USE"}"#,
            r#"{"error":{"message":"VDI_IN_USE"},"result":{},"id":1}"#,
            // Invalid JSON.
            r#"{"code":"VDI_IN_USE","params":[01]}"#,
            r#"{"code":"VDI_IN_USE","params":[-]}"#,
            r#"{"code":"VDI_IN_USE","params":["a"],}"#,
            r#"{"code":"VDI_IN_USE","params":["a",]}"#,
            r#"{"code":"VDI_IN_USE" "params":[]}"#,
            r#"{"code":"VDI_IN_USE","params":[tru]}"#,
            r#"{"code":"VDI_IN_USE","params":[nulls]}"#,
            r#"{"code":"VDI_IN_USE","params":["a\q"]}"#,
            "{\"code\":\"VDI_IN_USE\",\"params\":[\"a\u{1}\"]}",
            r#"{"code":"VDI_IN_USE","params":["a"#,
            r#"{"code":"VDI_IN_USE","params":["a\"#,
            r#"{"code":"VDI_IN_USE""#,
            r#"{"#,
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
