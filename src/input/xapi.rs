//! Every wire shape of a XAPI error (research/xapi_wire.md): the bare array, XML-RPC (as JSON
//! or as the XML body), JSON-RPC 1.0 and 2.0 envelopes, an async task's `error_info`, Xen
//! Orchestra's `XapiError` object and its message string `CODE(p1, p2)`, `xe` CLI output, the
//! storage manager's Python list repr and `Raising exception [N, text]` — and the same codes
//! embedded in free text as users paste it (quote prefixes, stack traces, `CODE - description`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{looks_like_code, params_of, value_as_param, Event, Shape, XapiError, XoError};
use crate::catalog;
use crate::model::{Confidence, Evidence};

/// A XAPI error from a parsed JSON value, if the value is one of its JSON shapes.
pub fn from_json(value: &Value) -> Option<XapiError> {
    match value {
        Value::Array(items) => from_array(items, Shape::Array),
        Value::Object(obj) => {
            // XML-RPC response struct.
            if obj.get("Status").and_then(Value::as_str) == Some("Failure") {
                if let Some(Value::Array(items)) = obj.get("ErrorDescription") {
                    return from_array(items, Shape::XmlRpc);
                }
            }
            // JSON-RPC envelopes: 1.0 carries the array, 2.0 an error object.
            if obj.contains_key("jsonrpc") || obj.contains_key("id") || obj.contains_key("result") {
                match obj.get("error") {
                    Some(Value::Array(items)) => return from_array(items, Shape::JsonRpc1),
                    Some(err @ Value::Object(_)) => {
                        if let Some(e) = from_jsonrpc2_error(err) {
                            return Some(e);
                        }
                    }
                    _ => {}
                }
            }
            // The bare JSON-RPC 2.0 error object.
            if obj.contains_key("data") && !obj.contains_key("params") {
                if let Some(e) = from_jsonrpc2_error(value) {
                    return Some(e);
                }
            }
            // An async task record.
            if let Some(Value::Array(items)) = obj.get("error_info") {
                if let Some(mut e) = from_array(items, Shape::Task) {
                    e.call = obj.get("name_label").and_then(Value::as_str).map(str::to_string);
                    return Some(e);
                }
            }
            None
        }
        _ => None,
    }
}

/// `[code, params…]`: the first item must look like a code, the others are parameters.
pub fn from_array(items: &[Value], shape: Shape) -> Option<XapiError> {
    let code = items.first()?.as_str()?;
    if !looks_like_code(code) {
        return None;
    }
    let params = items[1..].iter().map(value_as_param).collect();
    let mut e = XapiError::new(code, params, shape);
    // The array's JSON text, written from the slice (as `Value::Array` writes it) without a copy of it.
    e.evidence.push(Evidence::owned(serde_json::to_string(items).unwrap_or_default()));
    Some(e)
}

/// `{"code": 1, "message": "CODE", "data": [...]}`.
fn from_jsonrpc2_error(err: &Value) -> Option<XapiError> {
    let code = err.get("message")?.as_str()?;
    if !looks_like_code(code) {
        return None;
    }
    let mut e = XapiError::new(code, params_of(err.get("data")), Shape::JsonRpc2);
    e.evidence.push(Evidence::owned(crate::model::json_text(err)));
    Some(e)
}

/// The XML-RPC response body itself: the `<value>` strings of `ErrorDescription`.
pub fn from_xmlrpc(xml: &str) -> Option<XapiError> {
    let start = xml.find("ErrorDescription")?;
    let after = &xml[start..];
    let data_start = after.find("<data>").map(|i| i + "<data>".len()).unwrap_or(0);
    let data_end = after.find("</data>").unwrap_or(after.len());
    if data_start > data_end {
        return None;
    }
    let data = &after[data_start..data_end];
    let mut values = Vec::new();
    let mut rest = data;
    while let Some(open) = rest.find("<value") {
        let tag_end = rest[open..].find('>')? + open;
        if rest[..tag_end].ends_with('/') {
            // `<value/>` is an empty string.
            values.push(String::new());
            rest = &rest[tag_end + 1..];
            continue;
        }
        let body_start = tag_end + 1;
        let close = rest[body_start..].find("</value>")? + body_start;
        let mut body = &rest[body_start..close];
        if let Some(inner) = body.strip_prefix("<string>").and_then(|b| b.strip_suffix("</string>")) {
            body = inner;
        } else if body == "<string/>" {
            body = "";
        }
        values.push(xml_unescape(body));
        rest = &rest[close + "</value>".len()..];
    }
    let code = values.first()?.clone();
    if !looks_like_code(&code) {
        return None;
    }
    let mut e = XapiError::new(&code, values[1..].to_vec(), Shape::XmlRpc);
    e.evidence.push(Evidence::text(format!("ErrorDescription: [{}]", values.join(", "))));
    Some(e)
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// A line without its quote marks and then without a log's prefix ([`without_log_prefix`]).
fn bare_pasted_line(line: &str) -> &str {
    let line = strip_quote_prefix(line);
    without_log_prefix(line).unwrap_or(line)
}

/// The message of a line a log wrote, after the prefix it put before it: syslog's and the
/// journal's `Mmm dd HH:MM:SS host tag[pid]: ` or an RFC 3339 timestamp and a space, as a
/// container's log (`docker logs -t`) puts it (`2026-12-07T10:11:12.123456789Z `). `None`
/// when the line has neither.
fn without_log_prefix(line: &str) -> Option<&str> {
    let bytes = line.as_bytes();
    let after_syslog_tag = |tag: &[u8]| {
        // (The tag is a slice of the line: its end is an offset into it.)
        let mut at = tag.as_ptr() as usize - bytes.as_ptr() as usize + tag.len();
        if bytes.get(at) == Some(&b'[') {
            at += 1 + bytes[at + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
            if bytes.get(at) != Some(&b']') {
                return None;
            }
            at += 1;
        }
        line.get(at..)?.strip_prefix(": ")
    };
    // (A timestamp alone, as a container's log writes it, may read as syslog's time, host and
    // tag with no `: ` after them: then the timestamp alone is taken off, below.)
    if let Some(message) = super::smlog::line::syslog_program(bytes).and_then(after_syslog_tag) {
        return Some(message);
    }
    // `YYYY-MM-DDTHH:MM:SS`, then fractions of a second and a zone, then a space.
    let shape = b"dddd-dd-ddTdd:dd:dd";
    let fits = bytes.len() > shape.len()
        && shape.iter().zip(bytes).all(|(s, b)| match s {
            b'd' => b.is_ascii_digit(),
            b'T' => *b == b'T' || *b == b' ',
            s => s == b,
        });
    if !fits {
        return None;
    }
    let end = shape.len() + bytes[shape.len()..].iter().take_while(|b| b.is_ascii_digit() || matches!(b, b'.' | b',' | b'Z' | b'+' | b'-' | b':')).count();
    line.get(end..)?.strip_prefix(' ')
}

/// `s` with every run of white space, line breaks included, made one space and none at its ends:
/// how the doc lines are compared with a paste that rewrapped or double-spaced them.
fn single_spaced(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Removes what pasting adds in front of a line: forum and e-mail quote marks (`> `, `>> `).
pub fn strip_quote_prefix(line: &str) -> &str {
    let mut l = line.trim_start();
    while let Some(rest) = l.strip_prefix('>') {
        l = rest.trim_start();
    }
    l
}

/// Parameters of Xen Orchestra's message string: its `params.join(', ')` split back.
/// An SR backend failure always has three (`status`, `reason`, `stderr`) and its reason may
/// itself contain ", ", so the middle parts are joined back into the reason.
pub fn split_message_params(code: &str, inner: &str) -> Vec<String> {
    if inner.is_empty() {
        return Vec::new();
    }
    let parts = split_comma_space(inner);
    let declared = if code.starts_with("SR_BACKEND_FAILURE") {
        3
    } else {
        catalog::api_error(code).map(|e| e.params.len()).unwrap_or(0)
    };
    if declared == 3 && code.starts_with("SR_BACKEND_FAILURE") && parts.len() > 3 {
        let last = parts.len() - 1;
        return vec![parts[0].to_string(), parts[1..last].join(", "), parts[last].to_string()];
    }
    if declared >= 1 && parts.len() > declared {
        let mut out: Vec<String> = parts[..declared - 1].iter().map(|s| s.to_string()).collect();
        out.push(parts[declared - 1..].join(", "));
        return out;
    }
    parts.into_iter().map(str::to_string).collect()
}

/// `text.split(", ")` collected: a byte search for the `,` and a look at the next byte, rather
/// than the two-way substring searcher `split` builds on every call (~600 instructions of a
/// one-line error's ~25,000; bench/README.md, perf11). `", "` cannot overlap itself, so the
/// parts are the same; the cuts are next to an ASCII `,`, so on character boundaries.
fn split_comma_space(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut from = 0;
    for comma in memchr::memchr_iter(b',', text.as_bytes()) {
        if text.as_bytes().get(comma + 1) == Some(&b' ') {
            parts.extend(text.get(from..comma));
            from = comma + 2;
        }
    }
    parts.extend(text.get(from..));
    parts
}

/// Parses a Python or JSON list of quoted strings starting at `s[0] == '['`:
/// `['SR_BACKEND_FAILURE_44', '', 'There is insufficient space', '']`.
pub fn parse_quoted_list(s: &str) -> Option<Vec<String>> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'[') {
        return None;
    }
    let mut items = Vec::new();
    let mut i = 1;
    loop {
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b',') {
            i += 1;
        }
        if i >= bytes.len() {
            return if items.is_empty() { None } else { Some(items) };
        }
        match bytes[i] {
            b']' => return Some(items),
            b'u' | b'b' if matches!(bytes.get(i + 1), Some(b'\'' | b'"')) => i += 1,
            b'\'' | b'"' => {
                let quote = bytes[i];
                let mut item = Vec::new();
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    if bytes[i] == b'\\' && i + 1 < bytes.len() {
                        i += 1;
                        item.push(match bytes[i] {
                            b'n' => b'\n',
                            b't' => b'\t',
                            other => other,
                        });
                    } else {
                        item.push(bytes[i]);
                    }
                    i += 1;
                }
                items.push(String::from_utf8_lossy(&item).into_owned());
                i += 1;
            }
            _ => {
                // An unquoted item (a number, None): take it up to the next comma or bracket.
                let start = i;
                while i < bytes.len() && bytes[i] != b',' && bytes[i] != b']' {
                    i += 1;
                }
                items.push(String::from_utf8_lossy(&bytes[start..i]).trim().to_string());
            }
        }
    }
}

/// The error of `Raising exception [N, text]` (the storage manager's log of every failure).
pub fn from_raising_exception(message: &str) -> Option<XapiError> {
    // A searcher built once: `str::find` builds one per call, which cost more than the search
    // of a one-line error.
    static RAISING: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    const MARKER: &str = "Raising exception [";
    let start = RAISING.get_or_init(|| memchr::memmem::Finder::new(MARKER)).find(message.as_bytes())? + MARKER.len();
    let rest = &message[start..];
    let comma = rest.find(',')?;
    let value: u32 = rest[..comma].trim().parse().ok()?;
    let text = rest[comma + 1..].trim_start();
    let text = text.strip_suffix(']').unwrap_or(text);
    // sm's iSCSI helper lists the sessions with `iscsiadm -m session` through `exn_on_failure`, which
    // logs this raise when iscsiadm exits 21 because there is no session yet, and both callers catch
    // it and go on with an empty list (xcp-ng/sm drivers/iscsilib.py@62ed4ad `_checkTGT`,
    // `_checkAnyTGT`; the only uses of `-m session` there). Not a failure of the operation.
    if value == 202 && text.contains("rc: 21,") && text.contains("stderr: iscsiadm: No active sessions") {
        return None;
    }
    Some(XapiError::new(&format!("SR_BACKEND_FAILURE_{value}"), vec![String::new(), text.to_string(), String::new()], Shape::SmRaise))
}

/// Official texts distinctive enough to name their code when a user pastes only the text.
const TELLTALE_TEXTS: &[(&str, &str)] = &[
    ("there is insufficient space", "SR_BACKEND_FAILURE_44"),
    ("snapshot chain is too long", "SR_BACKEND_FAILURE_109"),
    ("volume group out of space", "SR_BACKEND_FAILURE_180"),
];

/// Free text yields at most this many distinct errors (the first ones, in input order); the
/// others are counted (`findingsOmitted`). Memory stays bounded whatever the text.
pub const MAX_TEXT_EVENTS: usize = 20_000;

/// Every XAPI error and Xen Orchestra message found in free text, one event per distinct
/// error, each with the lines it was seen on as evidence.
pub fn from_text(text: &str, xo_markers: &[String]) -> Vec<Event> {
    from_text_counted(text, xo_markers).0
}

/// The searchers of a line: one automaton for all the Xen Orchestra markers (ASCII
/// case-insensitive, so the line is not lower-cased first), and one searcher per telltale text.
/// Searching a line for the 35 markers one after the other was 15 % of `diagnose` of one error.
type Finders = (Option<MarkerSearch>, Vec<(memchr::memmem::Finder<'static>, &'static str)>);

/// Whether a line contains any of a fixed set of lower-case ASCII markers, ignoring ASCII case:
/// `line.to_ascii_lowercase().contains(marker)` for any marker, in one pass.
#[derive(Clone)]
pub struct MarkerSearch(crate::literals::Literals);

impl MarkerSearch {
    /// `None` when the automaton cannot be built (it can always be for a few short markers).
    pub fn new<P: AsRef<[u8]>>(markers: &[P]) -> Option<MarkerSearch> {
        let markers: Vec<&[u8]> = markers.iter().map(AsRef::as_ref).collect();
        crate::literals::Literals::new(&markers, true).map(MarkerSearch)
    }

    pub fn is_match(&self, haystack: &str) -> bool {
        // The search the signatures already use (`crate::literals`): one more search routine
        // would add ~4 KB gzipped to the module.
        self.0.is_match(haystack.as_bytes())
    }
}

/// The searchers of the Xen Orchestra markers and of the telltale texts. The markers the
/// library passes are always the same static list, so its searchers are built once; any other
/// list gets its own.
fn text_finders(xo_markers: &[String]) -> std::borrow::Cow<'static, Finders> {
    static CACHED: std::sync::OnceLock<(usize, usize, Finders)> = std::sync::OnceLock::new();
    let build = |markers: &[String]| -> Finders {
        (
            MarkerSearch::new(markers),
            TELLTALE_TEXTS.iter().map(|(text, code)| (memchr::memmem::Finder::new(text.as_bytes()).into_owned(), *code)).collect(),
        )
    };
    let (ptr, len, finders) = CACHED.get_or_init(|| (xo_markers.as_ptr() as usize, xo_markers.len(), build(xo_markers)));
    if *ptr == xo_markers.as_ptr() as usize && *len == xo_markers.len() {
        std::borrow::Cow::Borrowed(finders)
    } else {
        std::borrow::Cow::Owned(build(xo_markers))
    }
}

/// How many lines an `xe` error's parameters may go on over (their text can hold newlines).
const MAX_PARAM_CONTINUATION_LINES: usize = 16;

/// How many more `[` than `]` the text has (negative when it closes more than it opens).
fn bracket_balance(text: &str) -> isize {
    text.bytes().map(|b| match b {
        b'[' => 1,
        b']' => -1,
        _ => 0,
    }).sum()
}

/// [`from_text`], and how many distinct errors were left out beyond [`MAX_TEXT_EVENTS`].
///
/// `xo_markers` are the lower-case messages of Xen Orchestra's code-less errors that the rules
/// know (`unhealthy vdi chain`…): a line containing one becomes a Xen Orchestra error event.
pub fn from_text_counted(text: &str, xo_markers: &[String]) -> (Vec<Event>, u64) {
    // Typographic quotes (a forum editor's, GNU tools' in a UTF-8 locale) read as the ASCII ones
    // xapi writes, as the signatures read them: `xe`'s doc lines (`the VM's handle`) and quoted
    // parameters are then found (one SIMD search in a text without any).
    let plain = super::ascii_quotes(text);
    let text = plain.as_deref().unwrap_or(text);
    let mut found = Found::default();
    let lines: Vec<&str> = text.lines().collect();
    // Substring searchers (SIMD), built once per process: building them costs more than
    // searching a one-line error.
    let finders = text_finders(xo_markers);
    let (markers, telltales) = (&finders.0, &finders.1);
    // A toast or a dialog copied whole is a few lines; a line of a log that happens to read like
    // an API error's message is not one.
    let short_text = lines.iter().filter(|l| !l.trim().is_empty()).take(5).count() <= 4;
    let mut i = 0;
    while i < lines.len() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let line = strip_quote_prefix(lines[i]);
        let evidence = Evidence::at_line(lines[i].trim(), line_no);

        // `xe` output for codes outside the datamodel: two lines.
        if let Some(code) = line.strip_prefix("Error code:").map(str::trim) {
            if looks_like_code(code) {
                let mut params = Vec::new();
                let mut ev = vec![evidence.clone()];
                if let Some(next) = lines.get(i + 1).map(|l| strip_quote_prefix(l)) {
                    if let Some(p) = next.strip_prefix("Error parameters:") {
                        let mut p = p.strip_prefix(' ').unwrap_or(p).to_string();
                        ev.push(Evidence::at_line(lines[i + 1].trim(), line_no + 1));
                        i += 1;
                        // A parameter holding newlines (an SR driver's `[opterr=…]` text) goes
                        // on over the next lines: follow them while its bracket is open.
                        let mut taken = 0;
                        let mut open = bracket_balance(&p);
                        while taken < MAX_PARAM_CONTINUATION_LINES && open > 0 {
                            let Some(more) = lines.get(i + 1).map(|l| strip_quote_prefix(l)) else { break };
                            if more.trim().is_empty() || more.starts_with("Error code:") {
                                break;
                            }
                            p.push('\n');
                            p.push_str(more);
                            open += bracket_balance(more);
                            i += 1;
                            taken += 1;
                            ev.push(Evidence::at_line(lines[i].trim(), u32::try_from(i + 1).unwrap_or(u32::MAX)));
                        }
                        // xe ends the list with `, ` for an empty last parameter; a paste often
                        // loses the trailing space, which would glue the last two together.
                        if p.ends_with(',') {
                            p.push(' ');
                        }
                        params = split_message_params(code, &p);
                    }
                }
                let mut e = XapiError::new(code, params, Shape::XeCli);
                e.evidence = ev;
                found.add(e);
                i += 1;
                continue;
            }
        }

        // `xe` output for documented codes: the official doc line, then `name: value` lines. A
        // script's output kept by the journal or by a container's log has a prefix on every line
        // (`Dec  7 10:11:12 host backup.sh[812]: `, `2026-12-07T10:11:12.123Z `): read without it.
        let documented = documented_message(line, |k| lines.get(i + k).map(|l| strip_quote_prefix(l))).map(|found| (found, false)).or_else(|| {
            let bare = without_log_prefix(line)?;
            documented_message(bare, |k| lines.get(i + k).map(|l| bare_pasted_line(l))).map(|found| (found, true))
        });
        if let Some(((entry, extra), prefixed)) = documented {
            let mut params = Vec::new();
            let mut ev = vec![evidence.clone()];
            for k in 1..=extra {
                ev.push(Evidence::at_line(lines[i + k].trim(), line_no + u32::try_from(k).unwrap_or(u32::MAX)));
            }
            // The `name: value` lines, in the order of the code's parameters; a paste may have
            // dropped some (the handle of `vm:`), which are left empty.
            let first_param = i + 1 + extra;
            let mut taken = 0;
            while let Some(next) = lines.get(first_param + taken).map(|l| if prefixed { bare_pasted_line(l) } else { strip_quote_prefix(l) }) {
                let at = params.len();
                let Some((k, value)) =
                    entry.params.iter().enumerate().skip(at).find_map(|(k, name)| Some((k, next.strip_prefix(*name)?.strip_prefix(':')?)))
                else {
                    break;
                };
                params.resize(k, String::new());
                params.push(without_own_code(entry.code, value.trim()).to_string());
                ev.push(Evidence::at_line(next.trim(), u32::try_from(first_param + taken + 1).unwrap_or(u32::MAX)));
                taken += 1;
            }
            let consumed = taken + extra;
            let mut e = XapiError::new(entry.code, params, Shape::XeCli);
            e.evidence = ev;
            found.add(e);
            i += 1 + consumed;
            continue;
        }

        let mut line_has_code = false;
        if let Some(e) = from_raising_exception(line) {
            found.add_seen_at(e, &evidence);
            line_has_code = true;
        }
        // (Looked for once, on the first code of the line: most lines have none.)
        let mut call: Option<Option<&str>> = None;
        let wrapped = wrapped_code_list(line, lines.get(i + 1..).unwrap_or_default());
        let scanned = wrapped.as_ref().map_or(line, |(joined, _)| joined.as_str());
        // (One code at a time: a 100 MB line of codes builds no list of them.)
        each_code_in_line(scanned, |mut e| {
            if e.call.is_none() {
                e.call = call.get_or_insert_with(|| failed_api_call(line)).map(str::to_string);
            }
            match &wrapped {
                // The error goes on over the lines joined to this one: they are its lines too, so
                // a reading of its message on one of them reads the same error.
                Some((_, joined)) => {
                    e.evidence.push(evidence.clone());
                    for (k, more) in lines.iter().enumerate().skip(i + 1).take(*joined) {
                        e.evidence.push(Evidence::at_line(more.trim(), u32::try_from(k + 1).unwrap_or(u32::MAX)));
                    }
                    found.add(e);
                }
                None => found.add_seen_at(e, &evidence),
            }
            line_has_code = true;
        });
        // XenCenter shows its own text for an error, not the code: a line that is one of its
        // texts stands for that code (input/xencenter.rs).
        if !line_has_code {
            if let Some(e) = super::xencenter::error_of_line(line) {
                found.add_seen_at(e, &evidence);
                line_has_code = true;
            }
        }
        if !line_has_code {
            if let Some(code) = java_exception_code(line) {
                let mut e = XapiError::new(code, Vec::new(), Shape::Text);
                e.confidence = Confidence::Medium;
                found.add_seen_at(e, &evidence);
                line_has_code = true;
            }
        }
        if !line_has_code {
            if let Some(entry) = quoted_documented_message(line) {
                let mut e = XapiError::new(entry.code, Vec::new(), Shape::Text);
                e.confidence = Confidence::Medium;
                found.add_seen_at(e, &evidence);
                line_has_code = true;
            }
        }
        // (Only in a short paste: every line of a long log would be searched for a doc line
        // at each of its words.)
        if !line_has_code && short_text {
            if let Some((entry, params)) = glued_documented_message(line) {
                let mut e = XapiError::new(entry.code, params, Shape::XeCli);
                e.evidence = vec![evidence.clone()];
                found.add(e);
                line_has_code = true;
            }
        }
        let has_marker = match markers {
            Some(search) => search.is_match(line),
            // (Unreachable in practice: the markers always build an automaton.)
            None => {
                let lower = line.to_ascii_lowercase();
                xo_markers.iter().any(|m| memchr::memmem::find(lower.as_bytes(), m.as_bytes()).is_some())
            }
        };
        if has_marker {
            let mut e = XoError::new(line.trim());
            e.evidence.push(evidence.clone());
            e.confidence = Confidence::Medium;
            found.add_xo(e);
        } else if short_text {
            // xo-web's error toast: the action's title, then the API error's message alone.
            if let Some(api) = catalog::xo_api_error_whole_line(line) {
                let mut e = XoError::new(line.trim());
                e.code = Some(api.number.to_string());
                e.evidence.push(evidence.clone());
                e.confidence = Confidence::Medium;
                e.report_unrecognised = true;
                found.add_xo(e);
            }
        }
        if !line_has_code {
            let lower = line.to_ascii_lowercase();
            for (telltale, code) in telltales.iter() {
                if telltale.find(lower.as_bytes()).is_some() {
                    found.telltales.push((code, evidence.clone()));
                }
            }
        }
        i += 1 + wrapped.map_or(0, |(_, joined_lines)| joined_lines);
    }
    found.finish()
}

/// A value of xe's `name: value` lines that holds the error again in xapi's own rendering
/// (`message: INTERNAL_ERROR: [ Not_found ]`): what the brackets hold, else the value.
fn without_own_code<'a>(code: &str, value: &'a str) -> &'a str {
    let Some(rest) = value.strip_prefix(code) else { return value };
    let rest = rest.trim_start();
    let rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
    match rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')).map(str::trim) {
        Some(inner) if !inner.is_empty() => inner,
        _ => value,
    }
}

/// The API method of a failed call as xo-server's log writes it
/// (`xo:api admin | vm.migrate(...) [44s] =!> XapiError: …`, `VM.pool_migrate(...) [20ms] =!> …`).
fn failed_api_call(line: &str) -> Option<&str> {
    // (A searcher built once, as in `from_raising_exception`: `memmem::find` builds one per call.)
    static ARROW: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    let before = &line[..ARROW.get_or_init(|| memchr::memmem::Finder::new("=!>")).find(line.as_bytes())?];
    let open = before.find("(...)").or_else(|| before.find('('))?;
    let is_name_byte = |b: &u8| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'_';
    // (Scanning bytes back over ASCII name characters always stops on a character boundary.)
    let start = before.as_bytes()[..open].iter().rposition(|b| !is_name_byte(b)).map_or(0, |i| i + 1);
    let method = &before[start..open];
    (method.contains('.') && method.len() > 2).then_some(method)
}

/// The `xe` CLI prints a documented error as its doc line: find the code of such a line, by
/// today's doc or by one an older xapi had (an older host's `xe` prints its own). A doc with a
/// line break in the datamodel comes out on two lines, and a paste wrapped at a fixed width (a
/// commit message, a mail) spreads it over several: `next(k)` is the k-th line after, and the
/// answer says how many of those lines the doc took (0: it fitted on `line`). Across lines, runs
/// of spaces count as one (older docs put two after a full stop).
fn documented_message<'a>(line: &str, next: impl Fn(usize) -> Option<&'a str>) -> Option<(&'static catalog::ApiErrorCode, usize)> {
    whole_documented_message(line, &next)
        .or_else(|| {
            // Older xapi put two spaces after a full stop inside a doc line; today's catalogue has one.
            let squeezed = line.contains("  ").then(|| single_spaced(line))?;
            whole_documented_message(&squeezed, &next)
        })
        .or_else(|| cut_documented_message(line, &next))
}

/// An error's official text quoted whole inside a line of another program's log, in brackets or
/// double quotes or after a colon (`Exception caught while setting VM configuration: [You tried
/// to add a key-value pair to a map, but that key is already there.]`): a client that logs the
/// message it received, not the code. Only the whole text counts, so a sentence that begins like
/// one is not taken for it.
fn quoted_documented_message(line: &str) -> Option<&'static catalog::ApiErrorCode> {
    /// The shortest doc line taken out of a longer line: shorter ones are common phrases.
    const MIN_DOC: usize = 30;
    /// Longer than every doc line (286 bytes today; a test keeps it so): a closing bracket or
    /// quote is looked for this far only, so a 100 MB line is not scanned again per opening.
    const MAX_DOC: usize = 400;
    let bytes = line.as_bytes();
    if bytes.len() < MIN_DOC || memchr::memchr3(b'[', b'"', b':', bytes).is_none() {
        return None;
    }
    // The whole quoted text must be a doc line: `whole_documented_message` with no line after it.
    // (Older xapi put two spaces after a full stop inside a doc line, as in `documented_message`;
    // only such a text is squeezed: a log's columns of spaces are not copied for nothing.)
    let whole = |quoted: &str| {
        whole_documented_message(quoted, |_| None)
            .or_else(|| {
                let b = quoted.as_bytes();
                let two_spaces = memchr::memchr_iter(b'.', b).any(|i| b.get(i + 1..i + 3) == Some(b"  "));
                let squeezed = two_spaces.then(|| single_spaced(quoted))?;
                whole_documented_message(&squeezed, |_| None)
            })
            .map(|(entry, _)| entry)
    };
    let lookup = |quoted: &str| {
        let quoted = quoted.trim();
        if quoted.len() < MIN_DOC {
            return None;
        }
        whole(quoted).or_else(|| documented_message_with_params(quoted, whole))
    };
    // (At most the first few openings: a line of many quotes is data, not a message.)
    memchr::memchr3_iter(b'[', b'"', b':', bytes).take(8).find_map(|open| {
        let rest = &line[open + 1..];
        let window = &rest.as_bytes()[..rest.len().min(MAX_DOC)];
        // (The closer is ASCII, so the slice up to it ends on a character boundary.)
        match bytes[open] {
            b'[' => lookup(&rest[..memchr::memchr(b']', window)?]),
            b'"' => lookup(&rest[..memchr::memchr(b'"', window)?]),
            _ => lookup(rest),
        }
    })
}

/// A doc line followed on the same line by that code's parameters as `name: value`: the `xe`
/// CLI prints an error as its doc line and then one `name: value` line per parameter (xen-api
/// ocaml/xapi-cli-server/cli_util.ml@0cf353ce `server_error`), and a script that keeps that output in a variable and
/// prints it unquoted (`echo $out`) joins those lines with spaces (`[The host joining the pool
/// must have the same database schema as the pool master. host_db_schema: 5.602
/// master_db_schema: 5.603]`). Taken only when the text after a doc line's full stop begins with
/// one of that code's parameter names and every `name:` in it is one of them: a doc line followed
/// by prose is not.
fn documented_message_with_params(
    quoted: &str,
    whole: impl Fn(&str) -> Option<&'static catalog::ApiErrorCode>,
) -> Option<&'static catalog::ApiErrorCode> {
    // (At most the first few full stops: the doc lines have one or two sentences.)
    memchr::memchr_iter(b'.', quoted.as_bytes()).take(4).find_map(|dot| {
        let (doc, rest) = (quoted[..=dot].trim(), quoted[dot + 1..].trim());
        if rest.is_empty() || !rest.as_bytes()[0].is_ascii_lowercase() {
            return None;
        }
        let entry = whole(doc)?;
        let is_param = |name: &str| entry.params.contains(&name);
        let first = rest.split_once(": ")?.0;
        // Every word that ends in a colon names one of the code's parameters.
        let names_ok = rest
            .split_whitespace()
            .filter_map(|w| w.strip_suffix(':'))
            .filter(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()))
            .all(is_param);
        (is_param(first) && names_ok).then_some(entry)
    })
}

/// `xe`'s error output with its lines joined onto one, after whatever came before it on that
/// line: a paste that lost its line breaks puts the command and its output on one line (`$ xe
/// vm-migrate vm=… host=… You attempted an operation on a VM … vm: 1234 expected: running
/// actual: halted`). A doc line, whole or cut after a word, that begins at a word of the line (at
/// most the first few that start with a capital) is taken only when its code's `name:`
/// parameters follow it, the first at once, each one of the code's names in order or `xe`'s
/// `<extra>:` (a value the catalogue of the host's version did not name, taken as the next one);
/// the values between the names are the parameters. A doc line followed by prose, or by no
/// parameter, is not taken: a sentence of a post could be one.
fn glued_documented_message(line: &str) -> Option<(&'static catalog::ApiErrorCode, Vec<String>)> {
    /// The shortest doc line taken out of a longer line, as in [`quoted_documented_message`].
    const MIN_DOC: usize = 30;
    /// Words that start with a capital looked at, at most: the output follows a short command.
    const MAX_STARTS: usize = 24;
    /// A doc line cut short is taken from this length, as in [`cut_documented_message`].
    const MIN_CUT_DOC: usize = 40;
    /// Longer lines are not looked at: a command and its output joined are a few hundred bytes,
    /// and a 100 MB line is not copied to squeeze its spaces.
    const MAX_LINE: usize = 16 * 1024;
    if line.len() > MAX_LINE {
        return None;
    }
    let squeezed;
    let line = if line.contains("  ") {
        squeezed = single_spaced(line);
        squeezed.as_str()
    } else {
        line.trim()
    };
    if line.len() < MIN_DOC || !line.contains(": ") {
        return None;
    }
    let bytes = line.as_bytes();
    let mut starts = (0..bytes.len()).filter(|&i| bytes[i].is_ascii_uppercase() && (i == 0 || bytes[i - 1] == b' ')).take(MAX_STARTS);
    let by_doc = docs_sorted();
    starts.find_map(|start| {
        let rest = &line[start..];
        // The doc lines that `rest` begins with share its first MIN_DOC bytes: one range of the
        // sorted docs.
        let head = rest.get(..MIN_DOC)?;
        let at = by_doc.partition_point(|(doc, _)| *doc < head);
        by_doc[at..].iter().take_while(|(doc, _)| doc.starts_with(head)).find_map(|&(doc, entry)| {
            let same = doc.bytes().zip(rest.bytes()).take_while(|(a, b)| a == b).count();
            let after = if same == doc.len() {
                rest[same..].strip_prefix(' ')?
            } else if same >= MIN_CUT_DOC && doc.as_bytes()[same - 1] == b' ' {
                // The doc line cut after a word, as xe's first line of it (a paste of the
                // first lines of a long doc): its parameters follow that word.
                &rest[same..]
            } else {
                return None;
            };
            Some((entry, glued_params(entry, after)?))
        })
    })
}

/// The values of `name: value` pairs written one after another on a line, for the code's
/// parameters in their order (`<extra>` for the next one); `None` unless the text begins with
/// such a name.
fn glued_params(entry: &catalog::ApiErrorCode, text: &str) -> Option<Vec<String>> {
    let mut params: Vec<String> = Vec::new();
    let mut value: Option<Vec<&str>> = None;
    let mut next_name = 0;
    for word in text.split(' ') {
        let named = word.strip_suffix(':').and_then(|name| {
            if name == "<extra>" {
                return Some(next_name);
            }
            entry.params.iter().skip(next_name).position(|p| *p == name).map(|k| next_name + k)
        });
        match (named, value.as_mut()) {
            (Some(k), _) => {
                if let Some(words) = value.take() {
                    params.push(without_own_code(entry.code, &words.join(" ")).to_string());
                }
                params.resize(k, String::new());
                next_name = k + 1;
                value = Some(Vec::new());
            }
            (None, Some(words)) => words.push(word),
            (None, None) => return None,
        }
    }
    params.push(without_own_code(entry.code, &value?.join(" ")).to_string());
    Some(params)
}

/// The code of a XAPI error the Java SDK raised as its own exception class, named in a line by
/// its class name (`Catch Exception com.xensource.xenapi.Types$VmBadPowerState when stop VM…`,
/// as CloudStack and other Java tools log `e.getClass().getName()`). The SDK names each error's
/// class after its code, every `_`-separated word capitalised (xen-api
/// ocaml/sdk-gen/java/main.ml `exception_class_case`), and that exception's text is the code's
/// doc line, not the code: the class name is all that names it. Its parameters are fields the
/// logs do not print. `Types$XenAPIException` (a code the SDK has no class for, logged with the
/// code glued to its text) and the SDK's other classes name no code.
fn java_exception_code(line: &str) -> Option<&'static str> {
    static TYPES: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    let finder = TYPES.get_or_init(|| memchr::memmem::Finder::new("xenapi.Types"));
    // (At most the first few mentions: a stack trace names the class once per line.)
    finder.find_iter(line.as_bytes()).take(4).find_map(|at| {
        let rest = &line[at + "xenapi.Types".len()..];
        let rest = rest.strip_prefix('$').or_else(|| rest.strip_prefix('.'))?;
        let len = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
        let class = &rest[..len];
        if class.len() < 4 || !class.as_bytes()[0].is_ascii_uppercase() {
            return None;
        }
        java_class_code(class)
    })
}

/// The code whose Java exception class is `class` (`VmBadPowerState` → `VM_BAD_POWER_STATE`): the
/// code whose letters and digits, its underscores left out, are the class name's in any case.
/// (A scan of the catalogue, only for the rare line that names an SDK class: no table is kept.)
fn java_class_code(class: &str) -> Option<&'static str> {
    let same = |code: &str| code.bytes().filter(|b| *b != b'_').map(|b| b.to_ascii_lowercase()).eq(class.bytes().map(|b| b.to_ascii_lowercase()));
    let mut codes = catalog::api_errors().iter().map(|e| e.code).filter(|code| same(code));
    let code = codes.next()?;
    // Two codes that differ only by their underscores would share a class name: neither is taken.
    codes.all(|other| other == code).then_some(code)
}

/// A doc line and the code it documents.
type Doc = (&'static str, &'static catalog::ApiErrorCode);

/// The doc lines sorted once (stably: the first code of a shared doc line wins, as in a scan of
/// the catalogue); a linear scan of the ~700 codes was a tenth of `diagnose` of one error.
fn docs_sorted() -> &'static [Doc] {
    static BY_DOC: std::sync::OnceLock<Vec<Doc>> = std::sync::OnceLock::new();
    BY_DOC.get_or_init(|| {
        let today = catalog::api_errors().iter().filter(|e| e.documented && e.removed.is_none()).map(|e| (e.doc, e));
        let earlier = catalog::earlier_api_error_docs().filter_map(|(code, doc)| Some((doc, catalog::api_error(code)?)));
        let mut v: Vec<Doc> = today.chain(earlier).collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v
    })
}

/// A doc line a paste cut short (`You attempted an operation on a VM that was not in an
/// appropriate power state`, the rest of the sentence dropped), taken for its code only when the
/// next line is `name: value` for one of that code's parameters: the prefix alone could be prose.
fn cut_documented_message<'a>(line: &str, next: impl Fn(usize) -> Option<&'a str>) -> Option<(&'static catalog::ApiErrorCode, usize)> {
    /// Shorter beginnings are too common in prose to name a code, even with a parameter line.
    const MIN_PREFIX: usize = 40;
    let l = line.trim();
    if l.len() < MIN_PREFIX || !l.as_bytes()[0].is_ascii_uppercase() {
        return None;
    }
    let name = next(1)?.split_once(':')?.0.trim();
    let by_doc = docs_sorted();
    let at = by_doc.partition_point(|(doc, _)| *doc < l);
    let mut codes = by_doc[at..]
        .iter()
        .take_while(|(doc, _)| doc.starts_with(l))
        .filter(|(doc, entry)| doc.as_bytes().get(l.len()).is_some_and(|b| !b.is_ascii_alphanumeric()) && entry.params.contains(&name))
        .map(|&(_, entry)| entry);
    let entry = codes.next()?;
    codes.all(|other| other.code == entry.code).then_some((entry, 0))
}

/// [`documented_message`] for a doc line that is whole, on one line or wrapped over several.
fn whole_documented_message<'a>(line: &str, next: impl Fn(usize) -> Option<&'a str>) -> Option<(&'static catalog::ApiErrorCode, usize)> {
    /// At most this many lines after the first are joined to it.
    const MAX_EXTRA: usize = 8;
    let l = line.trim();
    if l.len() < 20 || !l.as_bytes()[0].is_ascii_uppercase() {
        return None;
    }
    let by_doc = docs_sorted();
    let at = by_doc.partition_point(|(doc, _)| *doc < l);
    let candidates: Vec<Doc> = by_doc[at..].iter().take_while(|(doc, _)| doc.starts_with(l)).copied().collect();
    let &(doc, entry) = candidates.first()?;
    if doc == l {
        return Some((entry, 0));
    }
    // The rest of each candidate after `line`, its spaces collapsed, and the lines that follow,
    // joined one at a time until one candidate's rest is used up exactly.
    let rests: Vec<(String, &'static catalog::ApiErrorCode)> =
        candidates.iter().filter(|(doc, _)| doc[l.len()..].starts_with(' ')).map(|&(doc, entry)| (single_spaced(&doc[l.len()..]), entry)).collect();
    let mut joined = String::new();
    for k in 1..=MAX_EXTRA {
        let more = single_spaced(next(k)?);
        if more.is_empty() {
            return None;
        }
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(&more);
        if let Some(&(_, entry)) = rests.iter().find(|(rest, _)| *rest == joined) {
            return Some((entry, k));
        }
        if !rests.iter().any(|(rest, _)| rest.starts_with(joined.as_str()) && rest.as_bytes().get(joined.len()) == Some(&b' ')) {
            return None;
        }
    }
    None
}

/// The codes in one line of free text, with their parameters when the line has them in one of
/// the known forms (`CODE(p, p)`, `['CODE', 'p']`, `CODE: text`, `CODE - text`).
pub fn codes_in_line(line: &str) -> Vec<XapiError> {
    let mut out = Vec::new();
    each_code_in_line(line, |e| out.push(e));
    out
}

/// [`codes_in_line`], handing each code to `out` as it is found.
fn each_code_in_line(line: &str, mut out: impl FnMut(XapiError)) {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if !(c.is_ascii_uppercase() && boundary) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_uppercase() || bytes[i].is_ascii_digit() || bytes[i] == b'_') {
            i += 1;
        }
        let before_lower = i < bytes.len() && bytes[i].is_ascii_lowercase();
        if let Some(end) = glued_code(&line[start..i], before_lower) {
            // The Java binding's rendering: the code and its parameters with no separator.
            let code = &line[start..start + end];
            // The reason is what follows, up to a bound: a line of many glued codes must not
            // copy the rest of the line for each of them.
            let params = match clip(line[start + end..].trim(), GLUED_REASON_MAX) {
                d if !d.is_empty() && code.starts_with("SR_BACKEND_FAILURE_") => vec![String::new(), d.to_string(), String::new()],
                _ => Vec::new(),
            };
            out(XapiError::new(code, params, Shape::Text));
            continue;
        }
        if before_lower {
            // Part of a longer word such as `SR_BACKEND_FAILUREx`.
            continue;
        }
        let token = &line[start..i];
        let known = catalog::is_known_code(token);
        let before = &line[..start];
        let after = &line[i..];
        // In a list repr: `['CODE', …]`, `["CODE", …]`, `[u'CODE', …]`.
        let list_start = before
            .strip_suffix('\'')
            .or_else(|| before.strip_suffix('"'))
            .map(|b| b.strip_suffix('u').unwrap_or(b))
            .and_then(|b| b.strip_suffix('['))
            .map(|b| b.len());
        if let Some(open) = list_start {
            if known || looks_like_code(token) {
                if let Some(items) = parse_quoted_list(&line[open..]) {
                    if items.first().map(String::as_str) == Some(token) {
                        let shape = if before.ends_with('"') { Shape::Array } else { Shape::PythonList };
                        out(XapiError::new(token, items[1..].to_vec(), shape));
                        i = skip_past_list(line, open);
                        continue;
                    }
                }
            }
        }
        // Xen Orchestra's message form `CODE(p, p)`.
        if let Some(inner_and_rest) = after.strip_prefix('(') {
            if known || looks_like_code(token) {
                let (inner, consumed) = balanced_parens(inner_and_rest);
                out(XapiError::new(token, split_message_params(token, inner), Shape::XoMessage));
                i += 1 + consumed;
                continue;
            }
        }
        if !known {
            continue;
        }
        // XAPI's own rendering of an error in its logs and nested messages: `CODE: [ p1; p2 ]`
        // or `CODE [ p1; p2 ]` (xapi and xenopsd print a `Server_error` that way).
        let bracketed = after.strip_prefix(": [").or_else(|| after.strip_prefix(" ["));
        if let Some(rest) = bracketed {
            let (inner, consumed) = balanced_brackets(rest);
            let arity = catalog::api_error(token).map_or(usize::MAX, |c| c.params.len());
            out(XapiError::new(token, split_ocaml_params(inner, arity), Shape::Text));
            i += after.len() - rest.len() + consumed;
            continue;
        }
        // `CODE: description` or `CODE - description`: keep the text as the SR failure reason.
        let description = after
            .strip_prefix(": ")
            .or_else(|| after.strip_prefix(" - "))
            .or_else(|| after.strip_prefix(" – "))
            .map(str::trim)
            .filter(|d| !d.is_empty());
        let params = match description {
            Some(d) if token.starts_with("SR_BACKEND_FAILURE_") => vec![String::new(), d.to_string(), String::new()],
            _ => Vec::new(),
        };
        out(XapiError::new(token, params, Shape::Text));
    }
}

/// The most of a glued code's reason that is kept (bytes).
const GLUED_REASON_MAX: usize = 300;

/// `s` cut to at most `max` bytes, at a character boundary.
fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Where a known code ends inside `run` (a run of capitals, digits and `_` that is not itself a
/// code) when the rest is the start of its first parameter glued to it. XAPI's Java binding
/// (`com.xensource.xenapi.Types.XenAPIException.toString`, which CloudStack and other Java tools
/// log) joins the error description's elements with no separator: `VDI_IO_ERRORDevice I/O
/// errors`, `SR_BACKEND_FAILURE_44There is insufficient space`, `SR_BACKEND_FAILURE_73NFS mount
/// error`. Only two joins are unambiguous: the run's last capital starting a lowercase word
/// (`lower_follows`), and the digits of `SR_BACKEND_FAILURE_<n>` followed by a capital; a run
/// such as `HANDLE_INVALIDATED` is left alone.
fn glued_code(run: &str, lower_follows: bool) -> Option<usize> {
    let b = run.as_bytes();
    if b.len() < 4 || catalog::is_known_code(run) {
        return None;
    }
    if lower_follows {
        let end = b.len() - 1;
        let code = &run[..end];
        if b[end].is_ascii_uppercase() && b[end - 1] != b'_' && code.contains('_') && catalog::is_known_code(code) {
            return Some(end);
        }
    }
    let digits_from = "SR_BACKEND_FAILURE_".len();
    if run.starts_with("SR_BACKEND_FAILURE_") && b.len() > digits_from {
        let end = b[digits_from..].iter().position(|c| !c.is_ascii_digit()).map(|k| k + digits_from)?;
        if end > digits_from && b[end].is_ascii_uppercase() && catalog::is_known_code(&run[..end]) {
            return Some(end);
        }
    }
    None
}

/// The index of the `close` that ends a group whose `open` was just consumed, skipping nested
/// groups; `None` when the group is not closed in `s`.
fn closing(s: &str, open: char, close: char) -> Option<usize> {
    let mut depth = 0usize;
    for (idx, ch) in s.char_indices() {
        if ch == open {
            depth += 1;
        } else if ch == close {
            if depth == 0 {
                return Some(idx);
            }
            depth -= 1;
        }
    }
    None
}

/// The text inside parentheses whose `(` was just consumed, and how many bytes it spans
/// including the closing `)`. Unbalanced: up to the last `)` of the line, or the whole rest.
fn balanced_parens(s: &str) -> (&str, usize) {
    match closing(s, '(', ')').or_else(|| s.rfind(')')) {
        Some(idx) => (&s[..idx], idx + 1),
        None => (s.trim_end(), s.len()),
    }
}

/// The text inside square brackets whose `[` was just consumed, and how many bytes it spans
/// including the closing `]`. Unbalanced (a cut-off paste): the rest of the line.
fn balanced_brackets(s: &str) -> (&str, usize) {
    match closing(s, '[', ']') {
        Some(idx) => (&s[..idx], idx + 1),
        None => (s, s.len()),
    }
}

/// The parameters of `[ p1; p2 ]`: split at the `; ` outside nested brackets, unless the code
/// has at most one parameter (an INTERNAL_ERROR's message holds `; ` of its own).
fn split_ocaml_params(inner: &str, arity: usize) -> Vec<String> {
    if inner.trim().is_empty() {
        return Vec::new();
    }
    if arity <= 1 {
        return vec![inner.trim().to_string()];
    }
    let mut params = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    let bytes = inner.as_bytes();
    for (idx, &b) in bytes.iter().enumerate() {
        match b {
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            b';' if depth == 0 && matches!(bytes.get(idx + 1), Some(b' ') | None) => {
                params.push(inner[start..idx].trim().to_string());
                start = idx + 1;
            }
            _ => {}
        }
    }
    let last = inner[start..].trim();
    if !last.is_empty() || params.is_empty() {
        params.push(last.to_string());
    }
    params
}

/// The index just after the list starting at `open`.
fn skip_past_list(line: &str, open: usize) -> usize {
    list_end(line, open).unwrap_or(line.len())
}

/// The index just after the `]` that closes the list starting at `open` (brackets inside its
/// quoted items do not count), if the text closes it.
fn list_end(text: &str, open: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    let bytes = text.as_bytes();
    let mut i = open + 1;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if b == b']' => return Some(i + 1),
            None => {}
        }
        i += 1;
    }
    None
}

/// Where a list of an error opens on this line (`['CODE'`, `["CODE"`, `[u'CODE'`), when the line
/// does not close it.
fn unclosed_code_list(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(at) = memchr::memchr(b'[', &bytes[from..]) {
        let open = from + at;
        let rest = &bytes[open + 1..];
        let rest = rest.strip_prefix(b"u").unwrap_or(rest);
        from = open + 1;
        if matches!(rest, [b'\'' | b'"', first, ..] if first.is_ascii_uppercase()) {
            // (Resuming after a closed list keeps a long line's scan linear.)
            match list_end(line, open) {
                Some(end) => from = end,
                None => return Some(open),
            }
        }
    }
    None
}

/// The longest error list joined from wrapped lines (bytes): a real one is a few hundred.
const MAX_WRAPPED_LIST: usize = 16 * 1024;

/// A list of an error that a logger or a paste wrapped over several lines (Python prints a long
/// `Failure([...])` that way): the line joined with the lines that close the list, and how many
/// lines were joined to it. `None` when the list does not close within
/// [`MAX_PARAM_CONTINUATION_LINES`] lines (a cut paste: the line is then read alone).
fn wrapped_code_list(first: &str, following: &[&str]) -> Option<(String, usize)> {
    if first.len() > MAX_WRAPPED_LIST {
        return None;
    }
    let Some(open) = unclosed_code_list(first) else { return cut_code_call(first, following) };
    let mut joined = first.to_string();
    for (k, more) in following.iter().take(MAX_PARAM_CONTINUATION_LINES).enumerate() {
        let more = strip_quote_prefix(more).trim();
        if more.is_empty() || joined.len() + more.len() > MAX_WRAPPED_LIST {
            return None;
        }
        joined.push(' ');
        joined.push_str(more);
        if list_end(&joined, open).is_some() {
            return Some((joined, k + 1));
        }
    }
    None
}

/// Where an error in its call form (`SR_BACKEND_FAILURE_46(…`, `VDI_IN_USE(…`) opens on this
/// line, when the line does not close it.
fn unclosed_code_call(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut from = 0;
    while let Some(at) = memchr::memchr(b'(', &bytes[from..]) {
        let open = from + at;
        from = open + 1;
        let code = bytes[..open].iter().rev().take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || **b == b'_').count();
        if code >= 4 && bytes[open - code].is_ascii_uppercase() && bytes[open - code..open].contains(&b'_') {
            // (Resuming after a closed call keeps a long line's scan linear.)
            match closing(&line[open + 1..], '(', ')') {
                Some(end) => from = open + 1 + end + 1,
                None => return Some(open),
            }
        }
    }
    None
}

/// An error in its call form that a terminal cut at [`super::WRAP_COLUMNS`] (an `xe` or Xen
/// Orchestra error in a console, copied as it shows): the line joined with the lines after it,
/// without a space (the cut falls anywhere: in a word, in a uuid), up to the one that closes the
/// call, and how many lines were joined. Only lines cut at exactly that width lead on: an error a
/// paste merely cut off keeps its line alone, and prose after it never joins.
fn cut_code_call(first: &str, following: &[&str]) -> Option<(String, usize)> {
    if !super::is_cut_line(first) {
        return None;
    }
    let open = unclosed_code_call(first)?;
    let mut joined = first.strip_suffix('\r').unwrap_or(first).to_string();
    let mut previous = first;
    for (k, more) in following.iter().take(MAX_PARAM_CONTINUATION_LINES).enumerate() {
        let more = more.strip_suffix('\r').unwrap_or(more);
        if !super::is_cut_line(previous) || more.is_empty() {
            return None;
        }
        joined.push_str(more);
        if closing(&joined[open + 1..], '(', ')').is_some() {
            return Some((joined, k + 1));
        }
        previous = more;
    }
    None
}

/// Collects events, merging repeats of the same error (a stack trace repeats its message).
/// Indexed, so that text with a hundred thousand distinct errors costs n log n, not n², and
/// bounded at [`MAX_TEXT_EVENTS`] distinct events.
#[derive(Default)]
struct Found {
    events: Vec<Event>,
    telltales: Vec<(&'static str, Evidence)>,
    /// Code → the first event with that code.
    first_of_code: BTreeMap<String, usize>,
    /// (code, params) → its event (each pair has one event: a repeat merges into it).
    by_params: BTreeMap<(String, Vec<String>), usize>,
    /// Xen Orchestra message → its event.
    by_message: BTreeMap<String, usize>,
    /// Distinct errors left out beyond the limit.
    omitted: u64,
    /// Whether the three maps are in use (beyond [`LINEAR_UP_TO`] events).
    indexed: bool,
}

/// Up to this many events, [`Found`] finds a repeat by comparing in place.
const LINEAR_UP_TO: usize = 16;

impl Found {
    fn add(&mut self, e: XapiError) {
        self.add_with(e, None);
    }

    /// Adds an error seen on the line `evidence` (cloned only when the event lacks it).
    fn add_seen_at(&mut self, e: XapiError, evidence: &Evidence) {
        self.add_with(e, Some(evidence));
    }

    /// The same code seen again with the same parameters, or with none (a bare mention), adds
    /// evidence only; seen with parameters after a bare mention, it gives the mention its
    /// parameters. (Of the events of one code, only the first can lack parameters: a bare
    /// mention after it merges into it.)
    fn add_with(&mut self, mut e: XapiError, line: Option<&Evidence>) {
        self.index_when_many();
        let target = match self.first_of_code(&e.code) {
            None => None,
            Some(first) if e.params.is_empty() || self.xapi(first).is_some_and(|x| x.params.is_empty()) => Some(first),
            Some(_) => self.with_params(&e.code, &e.params),
        };
        let Some(i) = target else {
            if self.events.len() >= MAX_TEXT_EVENTS {
                self.omitted += 1;
                return;
            }
            e.evidence.extend(line.cloned());
            let i = self.events.len();
            if self.indexed {
                self.first_of_code.entry(e.code.clone()).or_insert(i);
                self.by_params.insert((e.code.clone(), e.params.clone()), i);
            }
            self.events.push(Event::Xapi(e));
            return;
        };
        let Some(Event::Xapi(x)) = self.events.get_mut(i) else { return };
        let upgrade = x.params.is_empty() && !e.params.is_empty();
        if upgrade {
            x.params = e.params;
            x.shape = e.shape;
            x.confidence = x.confidence.min(e.confidence);
        }
        merge_evidence(&mut x.evidence, e.evidence);
        if let Some(ev) = line {
            if !x.evidence.contains(ev) {
                crate::model::push_evidence(&mut x.evidence, ev.clone());
            }
        }
        if upgrade && self.indexed {
            self.by_params.insert((x.code.clone(), x.params.clone()), i);
        }
    }

    /// The first event with this code.
    fn first_of_code(&self, code: &str) -> Option<usize> {
        if self.indexed {
            return self.first_of_code.get(code).copied();
        }
        self.events.iter().position(|e| matches!(e, Event::Xapi(x) if x.code == code))
    }

    /// The event with this code and these parameters.
    fn with_params(&self, code: &str, params: &[String]) -> Option<usize> {
        if self.indexed {
            return self.by_params.get(&(code.to_string(), params.to_vec())).copied();
        }
        self.events.iter().position(|e| matches!(e, Event::Xapi(x) if x.code == code && x.params == params))
    }

    /// The event with this Xen Orchestra message.
    fn with_message(&self, message: &str) -> Option<usize> {
        if self.indexed {
            return self.by_message.get(message).copied();
        }
        self.events.iter().position(|e| matches!(e, Event::Xo(x) if x.message == message))
    }

    /// Up to [`LINEAR_UP_TO`] events are found by comparing them in place (one error's text
    /// has one or two: the maps' keys, copies of codes and parameters, cost more); beyond, the
    /// maps are built from the events and kept up to date.
    fn index_when_many(&mut self) {
        if self.indexed || self.events.len() < LINEAR_UP_TO {
            return;
        }
        for (i, e) in self.events.iter().enumerate() {
            match e {
                Event::Xapi(x) => {
                    self.first_of_code.entry(x.code.clone()).or_insert(i);
                    self.by_params.insert((x.code.clone(), x.params.clone()), i);
                }
                Event::Xo(x) => {
                    self.by_message.insert(x.message.clone(), i);
                }
            }
        }
        self.indexed = true;
    }

    fn xapi(&self, i: usize) -> Option<&XapiError> {
        match self.events.get(i) {
            Some(Event::Xapi(x)) => Some(x),
            _ => None,
        }
    }

    fn add_xo(&mut self, e: XoError) {
        self.index_when_many();
        if let Some(i) = self.with_message(&e.message) {
            if let Some(Event::Xo(x)) = self.events.get_mut(i) {
                merge_evidence(&mut x.evidence, e.evidence);
            }
            return;
        }
        if self.events.len() >= MAX_TEXT_EVENTS {
            self.omitted += 1;
            return;
        }
        if self.indexed {
            self.by_message.insert(e.message.clone(), self.events.len());
        }
        self.events.push(Event::Xo(e));
    }

    fn finish(mut self) -> (Vec<Event>, u64) {
        for (code, evidence) in std::mem::take(&mut self.telltales) {
            if self.first_of_code(code).is_some() {
                continue;
            }
            let mut e = XapiError::new(code, Vec::new(), Shape::Text);
            e.confidence = Confidence::Low;
            e.evidence.push(evidence);
            self.add(e);
        }
        (self.events, self.omitted)
    }
}

fn merge_evidence(into: &mut Vec<Evidence>, from: Vec<Evidence>) {
    for ev in from {
        if !into.contains(&ev) {
            crate::model::push_evidence(into, ev);
        }
    }
}

#[cfg(test)]
mod tests {
    /// The hand-made split gives what `str::split(", ")` gives, edges included.
    #[test]
    fn split_comma_space_is_split() {
        for text in ["", ",", ", ", ",,  ,", "a, b", ", There is insufficient space, ", "a,b, c,, d, ", "é, ü,ß , ", ", , ,", "a ,b"] {
            assert_eq!(super::split_comma_space(text), text.split(", ").collect::<Vec<_>>(), "{text:?}");
        }
    }

    /// An official text quoted whole inside another program's log line is read as its code; a
    /// sentence that only begins like one, or a text not set apart, is not.
    #[test]
    fn an_official_text_quoted_in_a_log_line_is_its_code() {
        let code = |line: &str| super::quoted_documented_message(line).map(|e| e.code);
        let doc = "You tried to add a key-value pair to a map, but that key is already there.";
        assert_eq!(code(&format!("ERROR [agent] (worker-3:ctx-1) (logid:9f) Exception while configuring the VM: [{doc}]")), Some("MAP_DUPLICATE_KEY"));
        assert_eq!(code(&format!("warning: call failed with \"{doc}\" after 2 tries")), Some("MAP_DUPLICATE_KEY"));
        assert_eq!(code(&format!("job 12 failed: {doc}")), Some("MAP_DUPLICATE_KEY"));
        assert_eq!(code(&format!("note: [{doc} Retrying with set.]")), None);
        assert_eq!(code(&format!("The docs say {doc}")), None);
        assert_eq!(code("[a]\"b\":c:d:e:f:g:h: [The MAC address specified still exists on this server.]"), None, "past the first openings");
        assert_eq!(code(""), None);
        let longest = super::docs_sorted().iter().map(|(doc, _)| doc.len()).max().unwrap_or(0);
        assert!(longest < 400, "MAX_DOC in quoted_documented_message must exceed the longest doc line ({longest})");
    }

    /// Stop 49: `xe`'s output kept by the journal or a container's log, a prefix on every line,
    /// is read as it is without one (its code and its parameters); the prefixes alone are taken off.
    #[test]
    fn xe_output_behind_a_log_prefix_is_read() {
        assert_eq!(super::without_log_prefix("Dec  7 10:11:12 host backup.sh[812]: vm: 1"), Some("vm: 1"));
        assert_eq!(super::without_log_prefix("Dec 17 10:11:12 host cron: expected: running"), Some("expected: running"));
        assert_eq!(super::without_log_prefix("2026-12-07T10:11:12.123456789Z actual: halted"), Some("actual: halted"));
        assert_eq!(super::without_log_prefix("2026-12-07 10:11:12,123+01:00 x"), Some("x"));
        for plain in ["You attempted an operation", "Dec  7 10:11:12 host no colon after the tag", "2026-12-07T10:11", "12026-12-07T10:11:12 x"] {
            assert_eq!(super::without_log_prefix(plain), None, "{plain}");
        }
        let xe = "You attempted an operation on a VM that was not in an appropriate power\nstate at the time; for example, you attempted to start a VM that was\nalready running.  The parameters returned are the VM's handle, and the\nexpected and actual VM state at the time of the call.\nvm: a890044e-6503-2c38-e330-e4e0e749b857 (vm-1)\nexpected: running\nactual: halted";
        for prefix in ["", "Dec  7 10:11:12 host backup.sh[812]: ", "2026-12-07T10:11:12.123456789Z "] {
            let text: String = xe.lines().map(|l| format!("{prefix}{l}\n")).collect();
            let events = super::from_text(&text, &[]);
            let e = events.iter().find_map(|e| if let super::Event::Xapi(x) = e { Some(x) } else { None });
            let e = e.unwrap_or_else(|| panic!("{prefix:?}: {events:?}"));
            assert_eq!(e.code, "VM_BAD_POWER_STATE", "{prefix:?}");
            assert_eq!(e.params[1..], ["running".to_string(), "halted".to_string()], "{prefix:?}");
        }
    }

    /// `xe`'s doc line and its `name: value` lines joined into one by a script (`echo $out`) are
    /// read as the code when every name is one of the code's parameters; a doc line followed by
    /// prose, or by names the code does not have, is not.
    #[test]
    fn an_xe_error_flattened_onto_one_line_is_its_code() {
        let code = |line: &str| super::quoted_documented_message(line).map(|e| e.code);
        let today = "The host joining the pool must have the same database schema as the pool coordinator.";
        let earlier = "The host joining the pool must have the same database schema as the pool master.";
        assert_eq!(code(&format!("ERROR : cannot join pool [{earlier} host_db_schema: 5.602 master_db_schema: 5.603] - abort")), Some("POOL_JOINING_HOST_MUST_HAVE_SAME_DB_SCHEMA"));
        assert_eq!(code(&format!("join failed: {today} host_db_schema: 5.771 master_db_schema: 5.786")), Some("POOL_JOINING_HOST_MUST_HAVE_SAME_DB_SCHEMA"));
        assert_eq!(code(&format!("[{today} host_db_schema: 5.771]")), Some("POOL_JOINING_HOST_MUST_HAVE_SAME_DB_SCHEMA"), "a parameter the paste lost");
        assert_eq!(code(&format!("[{today} retrying in: 10s]")), None, "a name the code does not have");
        assert_eq!(code(&format!("[{today} so the installer stops here]")), None, "prose after the doc line");
        assert_eq!(code(&format!("[{today} vm: 1234 host_db_schema: 5.771]")), None, "a name of another code");
    }

    /// `xe`'s output glued onto the command that printed it (a paste that lost its line breaks)
    /// is read as its code and parameters, its doc line whole or cut after a word; a doc line
    /// followed by prose or by another code's names is not, nor one in a long log.
    #[test]
    fn xe_output_glued_onto_its_command_is_read() {
        let read = |line: &str| super::glued_documented_message(line).map(|(e, params)| (e.code, params));
        let doc = "You attempted an operation on a VM that was not in an appropriate power state at the time; for example, you attempted to start a VM that was already running. The parameters returned are the VM's handle, and the expected and actual VM state at the time of the call.";
        let (code, params) = read(&format!("$ xe vm-migrate vm=web01 host=h2 {doc} vm: 0a1b (web01) expected: running actual: halted")).unwrap();
        assert_eq!((code, params.as_slice()), ("VM_BAD_POWER_STATE", ["0a1b (web01)", "running", "halted"].map(String::from).as_slice()));
        let (code, params) = read("# xe vgpu-create vm-uuid=1 You attempted an operation on a VM that was not in an appropriate power state expected: halted actual: running").unwrap();
        assert_eq!((code, params.as_slice()), ("VM_BAD_POWER_STATE", ["", "halted", "running"].map(String::from).as_slice()), "a doc cut short");
        let (code, params) = read("# xe vbd-create vm-uuid=2 device=autodetect Another operation involving the object is currently in progress class: VM object: 2 (demo) <extra>: pool_migrate").unwrap();
        assert_eq!((code, params.as_slice()), ("OTHER_OPERATION_IN_PROGRESS", ["VM", "2 (demo)", "pool_migrate"].map(String::from).as_slice()), "xe's <extra> name");
        assert_eq!(read(&format!("$ xe vm-migrate vm=web01 {doc} so I started it first")), None, "prose after the doc");
        assert_eq!(read(&format!("$ xe vm-migrate vm=web01 {doc} host_db_schema: 5.771")), None, "another code's name");
        assert_eq!(read("# xe vm-start You attempted an operation on a VM expected: halted"), None, "too short a beginning");
        // Inside a long text the search is not made (from_text: short pastes only).
        let long = format!("a\nb\nc\nd\ne\n$ xe vm-migrate vm=web01 {doc} vm: 1 expected: running actual: halted");
        assert!(super::from_text(&long, &[]).iter().all(|e| !matches!(e, super::Event::Xapi(x) if x.code == "VM_BAD_POWER_STATE")));
        assert_eq!(read(&format!("$ xe vm-migrate {} {doc} vm: 1 expected: running actual: halted", "x=1 ".repeat(5000))), None, "a line too long to be a command");
        let short = format!("$ xe vm-migrate vm=web01 {doc} vm: 1 expected: running actual: halted");
        assert!(super::from_text(&short, &[]).iter().any(|e| matches!(e, super::Event::Xapi(x) if x.code == "VM_BAD_POWER_STATE")));
    }

    /// A list of an error wrapped over lines is read whole; one the paste cut off is read from its
    /// first line; an unclosed list on a long line costs one pass over it.
    #[test]
    fn an_error_cut_at_80_columns_is_read_whole() {
        let whole = "Error: SR_BACKEND_FAILURE_46(, The VDI is not available [opterr=VDI 1f2e3d4c-5b6a-4978-8a1b-2c3d4e5f6a7b not detached cleanly], )";
        let cut = format!("{}\n{}", &whole[..80], &whole[80..]);
        let events = super::from_text(&cut, &[]);
        let Some(crate::input::Event::Xapi(e)) = events.first() else { panic!("no error read") };
        assert_eq!(e.code, "SR_BACKEND_FAILURE_46");
        assert!(e.params.iter().any(|p| p.contains("1f2e3d4c-5b6a-4978-8a1b-2c3d4e5f6a7b not detached cleanly")), "{:?}", e.params);
        assert_eq!(e.evidence.len(), 2, "both lines are its evidence");
        // Cut off (not at 80 columns), or followed by prose: the line is read alone.
        let short = format!("{}\n{}", &whole[..70], &whole[70..]);
        let Some(crate::input::Event::Xapi(e)) = super::from_text(&short, &[]).into_iter().next() else { panic!("no error read") };
        assert!(!e.params.iter().any(|p| p.contains("not detached")), "{:?}", e.params);
        assert_eq!(super::unclosed_code_call("VDI_IN_USE(OpaqueRef:a, destroy) then INTERNAL_ERROR(x"), Some(52));
        assert_eq!(super::unclosed_code_call("f(x) and (y) and VDI_IN_USE(a, b)"), None);
    }

    #[test]
    fn an_error_list_wrapped_over_lines_is_read_whole() {
        let params = |text: &str| -> Vec<Vec<String>> {
            super::from_text(text, &[]).into_iter().filter_map(|e| match e {
                crate::input::Event::Xapi(x) => Some(x.params),
                _ => None,
            }).collect()
        };
        let wrapped = "Failure: ['XENAPI_PLUGIN_FAILURE', 'upload_vhd', 'error',\n\t\t\"(110, 'Connection timed out')\"]\nnext line";
        assert_eq!(params(wrapped), vec![vec!["upload_vhd".to_string(), "error".into(), "(110, 'Connection timed out')".into()]]);
        let cut = "Failure: ['XENAPI_PLUGIN_FAILURE', 'upload_vhd', 'error',\n\nFailure: ['HOST_OFFLINE', 'OpaqueRef:NULL']";
        let got = params(cut);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1], vec!["OpaqueRef:NULL".to_string()]);
        let long = "['A".repeat(200_000);
        assert_eq!(super::unclosed_code_list(&long), Some(0));
        assert!(super::wrapped_code_list(&long, &["']"]).is_none(), "too long to join");
    }

    /// A XAPI error the Java SDK raised as its own class is read from the class name a Java tool
    /// logs (CloudStack's `Catch Exception <class> …`); the SDK's other classes name no code.
    #[test]
    fn a_java_sdk_exception_class_names_its_code() {
        let code = super::java_exception_code;
        let line = "2024-03-12 10:15:42,118 DEBUG [c.c.h.x.r.w.x.CitrixStopCommandWrapper] (DirectAgent-112:ctx-4f2a) Catch exception com.xensource.xenapi.Types$VmBadPowerState when stop VM:i-2-41-VM due to You attempted";
        assert_eq!(code(line), Some("VM_BAD_POWER_STATE"));
        assert_eq!(code("Caused by: com.xensource.xenapi.Types$HostNotEnoughFreeMemory"), Some("HOST_NOT_ENOUGH_FREE_MEMORY"));
        assert_eq!(code("at com.xensource.xenapi.Types.checkResponse(Types.java:1691)"), None);
        assert_eq!(code("Catch Exception com.xensource.xenapi.Types$XenAPIException due to SR_BACKEND_FAILURE_44There is insufficient space"), None);
        assert_eq!(code("com.xensource.xenapi.Types$BadServerResponse"), None);
        assert_eq!(code("com.xensource.xenapi.Types$VdiIoError: Device I/O errors"), Some("VDI_IO_ERROR"));
        assert_eq!(code("com.xensource.xenapi.Types$"), None);
        let Some(crate::input::Event::Xapi(e)) = super::from_text(line, &[]).into_iter().next() else { panic!("no error read") };
        assert_eq!(e.code, "VM_BAD_POWER_STATE");
    }
}
