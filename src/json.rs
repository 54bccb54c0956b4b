//! The JSON text of a [`Diagnosis`], written by hand: the bytes serde_json writes for it (the
//! tests compare both), in a third of the time. `diagnose()` of one error sends this text
//! across the WebAssembly boundary on every call, and serde_json spent most of its time there
//! escaping every key of every struct and copying one `"`, `:` or `,` at a time; here the keys
//! and punctuation are literals and a string is escaped only when a byte of it needs it.
//!
//! The SMlog report, the chain report and the space plan (large, rare in `diagnose()`) are
//! still written by serde_json, into the same buffer.

use crate::model::{Confidence, Evidence, Finding, Link, Params, Step, Subject};
use crate::Diagnosis;

/// `diagnosis` as JSON text, appended to `out`: exactly `serde_json::to_writer`'s bytes.
pub fn write_diagnosis(out: &mut Vec<u8>, d: &Diagnosis) -> Result<(), serde_json::Error> {
    put(out, b"{\"kind\":\"");
    put(out, d.kind.as_str().as_bytes());
    put(out, b"\",\"findings\":[");
    for (i, f) in d.findings.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_finding(out, f);
    }
    put(out, b"],\"smlog\":");
    serde_or_null(out, d.smlog.as_ref())?;
    put(out, b",\"chains\":");
    serde_or_null(out, d.chains.as_ref())?;
    put(out, b",\"spacePlan\":");
    serde_or_null(out, d.space_plan.as_ref())?;
    put(out, b",\"findingsOmitted\":");
    let mut number = serde_json::Serializer::new(&mut *out);
    crate::model::as_js_number(&d.findings_omitted, &mut number)?;
    out.push(b'}');
    Ok(())
}

fn serde_or_null<T: serde::Serialize>(out: &mut Vec<u8>, value: Option<&T>) -> Result<(), serde_json::Error> {
    match value {
        Some(v) => serde_json::to_writer(&mut *out, v),
        None => {
            put(out, b"null");
            Ok(())
        }
    }
}

/// One finding, with its fields in the order of the struct (serde's order).
pub fn write_finding(out: &mut Vec<u8>, f: &Finding) {
    put(out, b"{\"rule\":");
    string(out, f.rule);
    put(out, b",\"ruleName\":");
    string(out, f.rule_name);
    put(out, b",\"title\":");
    string(out, &f.title);
    put(out, b",\"category\":\"");
    put(out, f.category.as_str().as_bytes());
    put(out, b"\",\"severity\":\"");
    put(out, f.severity.as_str().as_bytes());
    put(out, b"\",\"codes\":[");
    for (i, c) in f.codes.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, c);
    }
    put(out, b"],\"params\":");
    params(out, &f.params);
    put(out, b",\"summary\":");
    string(out, &f.summary);
    put(out, b",\"cause\":");
    string(out, &f.cause);
    put(out, b",\"remediation\":[");
    for (i, Step { text, command }) in f.remediation.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        put(out, b"{\"text\":");
        string(out, text);
        put(out, b",\"command\":");
        optional(out, command.as_deref());
        out.push(b'}');
    }
    put(out, b"],\"links\":[");
    for (i, Link { title, url }) in f.links.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        put(out, b"{\"title\":");
        string(out, title);
        put(out, b",\"url\":");
        string(out, url);
        out.push(b'}');
    }
    put(out, b"],\"evidence\":[");
    for (i, Evidence { text, line, pid }) in f.evidence.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        put(out, b"{\"text\":");
        string(out, text);
        put(out, b",\"line\":");
        number(out, *line);
        put(out, b",\"pid\":");
        number(out, *pid);
        out.push(b'}');
    }
    put(out, b"],\"confidence\":\"");
    put(out, confidence(f.confidence).as_bytes());
    put(out, b"\",\"subject\":");
    subject(out, &f.subject);
    out.push(b'}');
}

fn confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

fn params(out: &mut Vec<u8>, p: &Params) {
    out.push(b'{');
    for (i, (k, v)) in p.0.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, k);
        out.push(b':');
        string(out, v);
    }
    out.push(b'}');
}

fn subject(out: &mut Vec<u8>, s: &Subject) {
    // Most subjects are all null (one error, no context): one literal.
    if *s == Subject::default() {
        put(
            out,
            b"{\"vmUuid\":null,\"vmName\":null,\"vdiUuid\":null,\"srUuid\":null,\"srName\":null,\"host\":null,\
              \"jobId\":null,\"jobName\":null,\"taskId\":null,\"task\":null,\"taskStatus\":null}",
        );
        return;
    }
    let fields: [(&[u8], &Option<String>); 11] = [
        (b"{\"vmUuid\":", &s.vm_uuid),
        (b",\"vmName\":", &s.vm_name),
        (b",\"vdiUuid\":", &s.vdi_uuid),
        (b",\"srUuid\":", &s.sr_uuid),
        (b",\"srName\":", &s.sr_name),
        (b",\"host\":", &s.host),
        (b",\"jobId\":", &s.job_id),
        (b",\"jobName\":", &s.job_name),
        (b",\"taskId\":", &s.task_id),
        (b",\"task\":", &s.task),
        (b",\"taskStatus\":", &s.task_status),
    ];
    for (key, value) in fields {
        put(out, key);
        optional(out, value.as_deref());
    }
    out.push(b'}');
}

fn optional(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => put(out, b"null"),
    }
}

fn number(out: &mut Vec<u8>, n: Option<u32>) {
    match n {
        Some(n) => {
            let mut digits = [0u8; 10];
            let mut at = digits.len();
            let mut n = n;
            loop {
                at -= 1;
                digits[at] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            put(out, &digits[at..]);
        }
        None => put(out, b"null"),
    }
}

/// Whether serde_json escapes this byte: `"`, `\` and the control characters.
const fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// A JSON string, escaped as serde_json escapes it (`\"`, `\\`, `\b \f \n \r \t`, other control
/// characters as `\u00XX`; nothing else).
fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !needs_escape(b) {
            continue;
        }
        put(out, &bytes[start..i]);
        match b {
            b'"' => put(out, b"\\\""),
            b'\\' => put(out, b"\\\\"),
            b'\n' => put(out, b"\\n"),
            b'\r' => put(out, b"\\r"),
            b'\t' => put(out, b"\\t"),
            0x08 => put(out, b"\\b"),
            0x0c => put(out, b"\\f"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                put(out, &[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
            }
        }
        start = i + 1;
    }
    put(out, &bytes[start..]);
    out.push(b'"');
}

/// Appends bytes. A short slice is copied byte by byte: in WebAssembly `extend_from_slice`
/// is a `memory.copy`, which V8 runs as a call out of the module's code (see `wasm.rs`).
#[inline]
fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.len() <= 16 {
        out.reserve(bytes.len());
        for &b in bytes {
            out.push(b);
        }
    } else {
        out.extend_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, Subject};

    fn same_as_serde(d: &Diagnosis) {
        let mut ours = Vec::new();
        write_diagnosis(&mut ours, d).expect("written");
        let serde = serde_json::to_vec(d).expect("serialised");
        assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&serde));
    }

    #[test]
    fn every_rule_example_is_written_as_serde_json_writes_it() {
        let mut checked = 0;
        for rule in crate::rules::registry() {
            let example = rule.info.example;
            let (input, options) = match serde_json::from_str::<serde_json::Value>(example) {
                Ok(v) if v.get("input").is_some() && v.get("options").is_some() => (
                    v["input"].as_str().map(str::to_string).unwrap_or_else(|| v["input"].to_string()),
                    Options::from_json(&v["options"].to_string()).unwrap_or_default(),
                ),
                _ => (example.to_string(), Options::default()),
            };
            if let Ok(d) = crate::diagnose_text(&input, &options) {
                same_as_serde(&d);
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked}");
    }

    #[test]
    fn escapes_numbers_subjects_and_omitted_counts_as_serde_json() {
        let mut d = crate::diagnose_text("SR_BACKEND_FAILURE_44(, There is insufficient space, )", &Options::default()).expect("diagnosed");
        let f = &mut d.findings[0];
        f.summary = "quote \" backslash \\ nl \n cr \r tab \t bs \u{8} ff \u{c} nul \u{0} us \u{1f} del \u{7f} é \u{2028} </script>".to_string();
        f.subject = Subject { vm_uuid: Some("a\"b".into()), task_status: Some(String::new()), ..Subject::default() };
        f.evidence[0].line = Some(u32::MAX);
        f.evidence[0].pid = Some(0);
        f.params.insert("k\u{1}", "v\\");
        d.findings_omitted = (1 << 53) + 7;
        same_as_serde(&d);
        d.findings_omitted = 12_345;
        d.findings.clear();
        same_as_serde(&d);
    }

    #[test]
    fn smlog_and_records_results_keep_their_reports() {
        let smlog = "Jan 10 10:00:00 host SM: [123] ***** generic exception: vdi_snapshot: EXCEPTION <class 'SR.SROSError'>, There is insufficient space\n";
        same_as_serde(&crate::diagnose_text(smlog, &Options::default()).expect("diagnosed"));
        let records = r#"{"VM":{},"VBD":{},"VDI":{},"SR":{}}"#;
        same_as_serde(&crate::diagnose_text(records, &Options::default()).expect("diagnosed"));
    }
}
