//! The shapes real text arrives in (quotes, indentation, fences, CRLF, an XO backup log,
//! xo-web's copy of a failed call, the backup report's markdown, xo-server's journal,
//! util.inspect, xensource.log `#012`, prefixes, typographic quotes, an 80-column wrap, no-break spaces, zero-width breaks, trailing blanks, grep's and cat -n's prefixes), shared
//! by tests/shapes.rs (every rule's example) and tests/shapes_real.rs (the development cases of
//! the corpus) as a `#[path]` module.
#![allow(dead_code)]

/// A shape: its name and how it wraps a message.
#[derive(Clone, Copy)]
pub struct Shape {
    pub name: &'static str,
    pub wrap: fn(&str) -> String,
    /// The shape is a structured input whose tasks are read one by one: a signature that reads
    /// only pasted text (`inputs` without "event") is rightly not looked for there.
    pub structured: bool,
}

/// Each line of `text` with `prefix` in front.
fn each_line(text: &str, prefix: &str) -> String {
    text.lines().map(|l| format!("{prefix}{l}")).collect::<Vec<_>>().join("\n")
}

/// `Error: ` in front of a message that does not already start with an error class's name, as
/// Node's `String(error)` (and so a stack's first line, xo-server's `=!>`) prints it.
fn with_error_class(line: &str) -> String {
    let class = line.split_once(": ").map(|(head, _)| head).filter(|h| h.ends_with("Error") && !h.contains(' '));
    match class {
        Some(_) => line.to_string(),
        None => format!("Error: {line}"),
    }
}

/// A failed backup job's log as Xen Orchestra's backup log (the layout of
/// tests/fixtures/xo-backup-log.json and tests/corpus/cases/xo/gh-xo-7131-…): the message is the
/// failed snapshot task's and the VM task's `result.message`, its stack `Error: <message>` and
/// frames.
fn xo_backup_log(message: &str) -> String {
    let stack = format!(
        "{}\n    at Xapi._snapshotVm (file:///opt/xo/xo-builds/xen-orchestra/@xen-orchestra/xapi/vm.mjs:430:15)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
        with_error_class(message)
    );
    let result = serde_json::json!({ "message": message, "name": "Error", "stack": stack });
    let log = serde_json::json!({
        "data": { "mode": "delta", "reportWhen": "failure" },
        "id": "1764982800012",
        "jobId": "6b1c2d3e-1111-4a5b-9c8d-0123456789ab",
        "jobName": "Nightly delta",
        "message": "backup",
        "scheduleId": "2f4158c9-3a5b-4a37-af4f-af950aeeafc6",
        "start": 1764982800012u64,
        "status": "failure",
        "infos": [{ "data": { "vms": ["8ebe6c89-003a-6e25-eb10-3d791ca3c3ae"] }, "message": "vms" }],
        "tasks": [{
            "data": { "type": "VM", "id": "8ebe6c89-003a-6e25-eb10-3d791ca3c3ae", "name_label": "web-01" },
            "id": "0me9x1k2a-4f9q2l1x7c",
            "message": "backup VM",
            "start": 1764982801187u64,
            "status": "failure",
            "tasks": [{
                "id": "0me9x1k9c-1q2w3e4r5t",
                "message": "snapshot",
                "start": 1764982801502u64,
                "status": "failure",
                "end": 1764982804206u64,
                "result": result
            }],
            "end": 1764982804300u64,
            "result": result
        }],
        "end": 1764982804400u64
    });
    serde_json::to_string_pretty(&log).unwrap_or_default()
}

/// The same failure as Xen Orchestra's task manager records it (`@vates/task` and
/// `@xen-orchestra/mixins/Tasks.mjs`): what the REST API serves at `/rest/v0/tasks/<id>` and
/// Xen Orchestra 6 shows. Each task is named by `properties.name` (`backup run`, `backup VM`,
/// `snapshot`), the VM task carries the VM in `properties`, the job in the root's `properties`
/// (vatesfr/xen-orchestra@9ef53890 `@xen-orchestra/backups/_runners/VmsXapi.mjs`,
/// `packages/xo-server/src/xo-mixins/backups-ng/index.mjs`).
fn xo_task(message: &str) -> String {
    let stack = format!(
        "{}\n    at Xapi._snapshotVm (file:///opt/xo/xo-builds/xen-orchestra/@xen-orchestra/xapi/vm.mjs:430:15)",
        with_error_class(message)
    );
    let result = serde_json::json!({ "message": message, "name": "Error", "stack": stack });
    let task = serde_json::json!({
        "id": "0me9x1k0a-7h6g5f4d3s",
        "properties": {
            "name": "backup run",
            "data": { "mode": "delta", "reportWhen": "failure" },
            "jobId": "6b1c2d3e-1111-4a5b-9c8d-0123456789ab",
            "jobName": "Nightly delta",
            "scheduleId": "2f4158c9-3a5b-4a37-af4f-af950aeeafc6",
            "type": "backup"
        },
        "start": 1764982800012u64,
        "status": "failure",
        "updatedAt": 1764982804400u64,
        "tasks": [{
            "id": "0me9x1k2a-4f9q2l1x7c",
            "properties": { "id": "8ebe6c89-003a-6e25-eb10-3d791ca3c3ae", "name": "backup VM", "type": "VM", "name_label": "web-01" },
            "start": 1764982801187u64,
            "status": "failure",
            "tasks": [{
                "id": "0me9x1k9c-1q2w3e4r5t",
                "properties": { "name": "snapshot" },
                "start": 1764982801502u64,
                "status": "failure",
                "end": 1764982804206u64,
                "result": result
            }],
            "end": 1764982804300u64,
            "result": result
        }],
        "end": 1764982804400u64
    });
    serde_json::to_string_pretty(&task).unwrap_or_default()
}

/// The same task as `xo-cli rest get tasks/<id>` prints it without `--json`: Node's
/// `util.inspect(result, { depth: null, sorted: true })` (vatesfr/xen-orchestra@9ef53890
/// `packages/xo-cli/index.mjs`): keys bare and sorted, strings in `'` with a string of several
/// lines cut after each `\n` and joined by `+`, short objects on one line.
fn xo_cli_task_print(message: &str) -> String {
    let task: serde_json::Value = serde_json::from_str(&xo_task(message)).unwrap_or_default();
    let mut out = String::new();
    inspect_print(&task, 0, &mut out);
    out
}

/// A call xo-server refused, as `xo-cli` prints it without `--json`: `✖ ` and
/// `util.inspect` of the `JsonRpcError` (its stack, then `code` and `data`); for an admin,
/// xo-server puts the whole serialised error in `data`
/// (vatesfr/xen-orchestra@9ef53890 `packages/xo-server/src/xo-mixins/api.mjs` `callApiMethod`,
/// `packages/xo-cli/index.mjs`).
fn xo_cli_error_print(message: &str) -> String {
    let stack = format!(
        "{}\n    at Xapi._snapshotVm (file:///opt/xo/xo-builds/xen-orchestra/@xen-orchestra/xapi/vm.mjs:430:15)",
        with_error_class(message)
    );
    let data = serde_json::json!({ "message": message, "name": "Error", "stack": stack });
    let mut out = format!(
        "\u{2716} JsonRpcError: {}\n    at Peer._callee$ (/usr/local/lib/node_modules/xo-cli/node_modules/json-rpc-peer/dist/index.js:139:44) {{\n  code: -32000,\n  data: ",
        message.lines().collect::<Vec<_>>().join("\n")
    );
    inspect_print(&data, 2, &mut out);
    out.push_str("\n}");
    out
}

fn inspect_print(value: &serde_json::Value, indent: usize, out: &mut String) {
    use serde_json::Value;
    let pad = " ".repeat(indent + 2);
    match value {
        Value::String(s) => {
            let quoted = |part: &str| format!("'{}'", part.replace('\\', "\\\\").replace('\'', "\\'").replace('\n', "\\n"));
            let parts: Vec<&str> = s.split_inclusive('\n').collect();
            if parts.len() > 1 && s.len() > 16 {
                out.push_str(&parts.iter().map(|p| quoted(p)).collect::<Vec<_>>().join(&format!(" +\n{pad}")));
            } else {
                out.push_str(&quoted(s));
            }
        }
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(|v| { let mut o = String::new(); inspect_print(v, indent + 2, &mut o); o }).collect();
            join_inspect(&parts, '[', ']', indent, out);
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| {
                    let bare = k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') && !k.starts_with(|c: char| c.is_ascii_digit());
                    let mut o = if bare { format!("{k}: ") } else { format!("'{k}': ") };
                    inspect_print(&map[*k], indent + 2, &mut o);
                    o
                })
                .collect();
            join_inspect(&parts, '{', '}', indent, out);
        }
        other => out.push_str(&other.to_string()),
    }
}

/// `{ a, b }` on one line when it is short and flat, else one entry a line.
fn join_inspect(parts: &[String], open: char, close: char, indent: usize, out: &mut String) {
    if parts.is_empty() {
        out.push(open);
        out.push(close);
        return;
    }
    let one_line = parts.join(", ");
    if !one_line.contains('\n') && indent + one_line.len() + 4 <= 76 {
        out.push_str(&format!("{open} {one_line} {close}"));
    } else {
        let pad = " ".repeat(indent + 2);
        out.push_str(&format!("{open}\n{pad}{}\n{}{close}", parts.join(&format!(",\n{pad}")), " ".repeat(indent)));
    }
}

/// The REST API's answer to a failed synchronous call (`@xen-orchestra/rest-api`
/// `generic-error-handler.middleware.mts`): `{"error": <message>}` (a `XapiError` adds a fixed
/// `info` sentence, left out here), as `xo-cli rest` prints it after the status line
/// (`packages/xo-cli/rest.mjs` `exec`, `index.mjs`: `✖ ` and the body).
fn rest_error_body(message: &str) -> String {
    let body = serde_json::json!({ "error": message });
    format!("500 Internal Server Error\n\u{2716} {body}")
}

/// Xen Orchestra 6's copy of a failed task's error details in a backup log's panel
/// (`BackupLogResultsCard.vue`: `JSON.stringify(result.stack, null, 2)`): the stack as one JSON
/// string, its newlines as `\n`.
fn xo6_stack_copy(message: &str) -> String {
    let stack = format!(
        "{}\n    at Xapi._snapshotVm (file:///opt/xo/xo-builds/xen-orchestra/@xen-orchestra/xapi/vm.mjs:430:15)",
        with_error_class(message)
    );
    serde_json::to_string(&stack).unwrap_or_default()
}

/// The same log cut off after the failed task's error, as posts often quote it (no longer JSON:
/// read as text, the message with its JSON escapes: `\n`, `\"`).
fn xo_backup_log_cut(message: &str) -> String {
    let log = xo_backup_log(message);
    let lines: Vec<&str> = log.lines().collect();
    let end = lines.iter().position(|l| l.trim_start().starts_with("\"stack\":")).map_or(lines.len(), |i| i + 1);
    lines[..end].join("\n")
}

/// xo-web's copy of a failed API call (tests/corpus/cases/xo/gh-ronivay-docker-48-…,
/// gh-xcp-556-…): the method, its arguments, then the error object as JSON whose strings keep
/// their quotes escaped but show their newlines as line breaks.
fn xo_web_api_error(message: &str) -> String {
    let shown = |s: &str| {
        let json = serde_json::to_string(s).unwrap_or_default();
        let mut out = String::with_capacity(json.len());
        let mut chars = json.chars();
        while let Some(c) = chars.next() {
            match (c, c == '\\') {
                (_, true) => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some(other) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => out.push('\\'),
                },
                (c, false) => out.push(c),
            }
        }
        out
    };
    let stack = format!("{}\n    at Api.#callApiMethod (file:///opt/xo/xo-builds/xen-orchestra/packages/xo-server/src/xo-mixins/api.mjs:402:20)", with_error_class(message));
    format!(
        "backupNg.runJob\n{{\n  \"id\": \"6b1c2d3e-1111-4a5b-9c8d-0123456789ab\",\n  \"schedule\": \"2f4158c9-3a5b-4a37-af4f-af950aeeafc6\"\n}}\n{{\n  \"message\": {},\n  \"name\": \"Error\",\n  \"stack\": {}\n}}",
        shown(message),
        shown(&stack)
    )
}

/// Xen Orchestra's backup report (xo-server-backup-reports: `- **Error**: ${message}` under the
/// VM's heading; a task's error is indented one level).
fn xo_backup_report(message: &str) -> String {
    format!(
        "##  Global status: failure 🚨\n\n- **Job ID**: 6b1c2d3e-1111-4a5b-9c8d-0123456789ab\n- **Run ID**: 1764982800012\n- **mode**: delta\n- **Start time**: Sunday, December 6th 2026, 1:00:00 am\n- **End time**: Sunday, December 6th 2026, 1:00:04 am\n- **Duration**: a few seconds\n- **Successes**: 0 / 1\n\n---\n\n## 1 Failure\n\n### web-01\n\n- **UUID**: 8ebe6c89-003a-6e25-eb10-3d791ca3c3ae\n- **Start time**: Sunday, December 6th 2026, 1:00:01 am\n- **End time**: Sunday, December 6th 2026, 1:00:04 am\n- **Duration**: a few seconds\n- **Snapshot**\n  - **Start time**: Sunday, December 6th 2026, 1:00:01 am\n  - **End time**: Sunday, December 6th 2026, 1:00:04 am\n  - **Duration**: a few seconds\n  - **Error**: {message}\n- **Error**: {message}\n"
    )
}

/// xo-server's journal (tests/corpus/cases/xo/gh-tfxo-57-…): the failed API call with `=!>` and
/// the error's first line; its other lines under the journal's prefix.
fn xo_server_journal(message: &str) -> String {
    let prefix = "Dec 06 01:02:03 xoa xo-server[501]: ";
    let mut lines = message.lines();
    let first = lines.next().unwrap_or("");
    let mut out = format!(
        "{prefix}2026-12-06T01:02:03.833Z xo:api WARN admin@admin.net | backupNg.runJob(...) [1s] =!> {}",
        with_error_class(first)
    );
    for l in lines {
        out.push('\n');
        out.push_str(prefix);
        out.push_str(l);
    }
    out
}

/// xo-server's log of an error object as older Node's `util.inspect` printed it
/// (tests/corpus/cases/xo/gh-jarli-installer-54-…, xo/gh-xo-1900-…: `message: 'Cannot read property
/// \'length\' of undefined'`): the message single-quoted, its quotes and newlines escaped, then the
/// error with its first line.
fn xo_server_inspect(message: &str) -> String {
    let prefix = "Dec 06 01:02:03 xoa xo-server[501]: ";
    let escaped = message.replace('\\', "\\\\").replace('\'', "\\'").replace('\n', "\\n");
    let first = message.lines().next().unwrap_or("");
    format!(
        "{prefix}2026-12-06T01:02:03.833Z xo:backups:VmBackup WARN backup error {{\n{prefix}  message: '{escaped}',\n{prefix}  error:\n{prefix}   {{ {}\n{prefix}     at Xapi._snapshotVm (/opt/xo/xo-builds/xen-orchestra/@xen-orchestra/xapi/vm.js:430:15) }} }}",
        with_error_class(first)
    )
}

/// A xensource.log line (tests/corpus/cases/host_log/…-vhd-tool-… and the `[error|…|backtrace]`
/// lines of the corpus): syslog writes the message's newlines as `#012`.
fn xensource(message: &str) -> String {
    format!(
        "Dec  6 01:02:03 xcp-host1 xapi: [error||1234 HTTPS 192.0.2.10->|dispatch:VM.snapshot D:0f1e2d3c4b5a|backtrace] {}",
        message.lines().collect::<Vec<_>>().join("#012")
    )
}

/// ASCII quotes as typographic ones, opening and closing in turn: GNU tools in a UTF-8 locale
/// (`cannot create directory ‘/mnt/remote’`, tests/corpus/cases/text/gh-linode-docs-pr7159-…)
/// and forum editors that "smarten" pasted text (`“Disk is still attached to DOM0 VM”`,
/// tests/corpus/cases/xo/gh-xo-7912-…).
fn typographic_quotes(text: &str) -> String {
    let (mut single, mut double) = (false, false);
    text.chars()
        .map(|c| match c {
            '\'' => {
                single = !single;
                if single { '\u{2018}' } else { '\u{2019}' }
            }
            '"' => {
                double = !double;
                if double { '\u{201c}' } else { '\u{201d}' }
            }
            c => c,
        })
        .collect()
}

/// Every space a no-break space (U+00A0), as an HTML mail or a rich-text editor keeps a text's
/// spaces (`&nbsp;`) when the text is copied out of it again.
fn no_break_spaces(text: &str) -> String {
    text.replace(' ', "\u{a0}")
}

/// Blanks after every line, as a terminal's copy (PuTTY, the Windows console) or an editor pads them.
fn trailing_blanks(text: &str) -> String {
    text.lines().map(|l| format!("{l}   ")).collect::<Vec<_>>().join("\n")
}

/// A zero-width space (U+200B) after each `_`, `/` and `.`, where wikis and chats let long words
/// break; invisible once pasted.
fn zero_width_breaks(text: &str) -> String {
    text.chars().flat_map(|c| if matches!(c, '_' | '/' | '.') { vec![c, '\u{200b}'] } else { vec![c] }).collect()
}

/// Each line cut at 80 columns, as a terminal (or a mail client) breaks a long line.
fn wrap80(text: &str) -> String {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while rest.chars().count() > 80 {
            let cut = rest.char_indices().nth(80).map_or(rest.len(), |(i, _)| i);
            out.push(&rest[..cut]);
            rest = &rest[cut..];
        }
        out.push(rest);
    }
    out.join("\n")
}

/// `grep` over a log and its rotation (`grep … /var/log/SMlog*`): each line after its file's name,
/// the first half from `SMlog.1`, the rest from `SMlog`.
fn grep_over_files(text: &str) -> String {
    let half = text.lines().count() / 2;
    text.lines().enumerate().map(|(i, l)| format!("/var/log/SMlog{}:{l}", if i < half { ".1" } else { "" })).collect::<Vec<_>>().join("\n")
}

/// `grep -n -C1` over one file: each line after its number, a match's with `:`, a context line's with `-`.
fn grep_numbered(text: &str) -> String {
    text.lines().enumerate().map(|(i, l)| format!("{}{}{l}", 1201 + 2 * i, if i % 2 == 0 { ':' } else { '-' })).collect::<Vec<_>>().join("\n")
}

/// `grep -Hn` over a log: the file's name and the line's number before each line.
fn grep_named_numbered(text: &str) -> String {
    text.lines().enumerate().map(|(i, l)| format!("/var/log/xensource.log:{}:{l}", 36728 + i)).collect::<Vec<_>>().join("\n")
}

/// `cat -n`: each line after its number right-aligned in six columns and a tab.
fn cat_numbered(text: &str) -> String {
    text.lines().enumerate().map(|(i, l)| format!("{:>6}\t{l}", i + 1)).collect::<Vec<_>>().join("\n")
}

pub const SHAPES: &[Shape] = &[
    Shape { name: "as is", wrap: |t| t.to_string(), structured: false },
    Shape { name: "quoted `> `", wrap: |t| each_line(t, "> "), structured: false },
    Shape { name: "quoted `>> `", wrap: |t| each_line(t, ">> "), structured: false },
    Shape { name: "indented 4", wrap: |t| each_line(t, "    "), structured: false },
    Shape { name: "``` fence", wrap: |t| format!("```\n{t}\n```"), structured: false },
    Shape { name: "CRLF", wrap: |t| t.lines().collect::<Vec<_>>().join("\r\n") + "\r\n", structured: false },
    Shape { name: "XO backup log JSON", wrap: xo_backup_log, structured: true },
    Shape { name: "XO backup log, cut", wrap: xo_backup_log_cut, structured: false },
    Shape { name: "XO task (REST API, XO 6) JSON", wrap: xo_task, structured: true },
    Shape { name: "xo-cli print of a task (util.inspect)", wrap: xo_cli_task_print, structured: true },
    Shape { name: "xo-cli print of a refused call (util.inspect)", wrap: xo_cli_error_print, structured: false },
    Shape { name: "REST API error body (xo-cli)", wrap: rest_error_body, structured: false },
    Shape { name: "XO 6 stack copy", wrap: xo6_stack_copy, structured: false },
    Shape { name: "xo-web API error copy", wrap: xo_web_api_error, structured: false },
    Shape { name: "XO backup report", wrap: xo_backup_report, structured: false },
    Shape { name: "xo-server journal", wrap: xo_server_journal, structured: false },
    Shape { name: "xo-server util.inspect", wrap: xo_server_inspect, structured: false },
    Shape { name: "xensource.log #012", wrap: xensource, structured: false },
    Shape { name: "syslog prefix", wrap: |t| each_line(t, "Dec  6 01:02:03 host1 backup[1234]: "), structured: false },
    Shape { name: "docker compose prefix", wrap: |t| each_line(t, "xen-orchestra  | "), structured: false },
    Shape { name: "ISO timestamp", wrap: |t| each_line(t, "2026-12-06T01:02:03.456Z "), structured: false },
    Shape { name: "typographic quotes", wrap: typographic_quotes, structured: false },
    Shape { name: "wrapped at 80", wrap: wrap80, structured: false },
    Shape { name: "no-break spaces", wrap: no_break_spaces, structured: false },
    Shape { name: "zero-width breaks", wrap: zero_width_breaks, structured: false },
    Shape { name: "trailing blanks", wrap: trailing_blanks, structured: false },
    Shape { name: "grep over files", wrap: grep_over_files, structured: false },
    Shape { name: "grep -n", wrap: grep_numbered, structured: false },
    Shape { name: "grep -Hn", wrap: grep_named_numbered, structured: false },
    Shape { name: "cat -n", wrap: cat_numbered, structured: false },
];

/// The shapes a log excerpt takes when pasted: those of [`SHAPES`] that keep its lines whole.
pub const EXCERPT_SHAPE_NAMES: &[&str] = &["as is", "quoted `> `", "quoted `>> `", "indented 4", "``` fence", "CRLF", "typographic quotes", "no-break spaces", "zero-width breaks", "trailing blanks", "grep over files", "grep -n", "grep -Hn", "cat -n", "wrapped at 80"];

pub fn excerpt_shapes() -> Vec<Shape> {
    SHAPES.iter().filter(|s| EXCERPT_SHAPE_NAMES.contains(&s.name)).copied().collect()
}


/// `Dec  6 01:02:03`, `2026-12-06 01:02:03`, `2026-12-06T…`, `[2026-12-06 …`: a log line.
pub fn starts_with_timestamp(line: &str) -> bool {
    let l = line.trim_start_matches(['[', ' ']);
    let b = l.as_bytes();
    let iso = b.len() > 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-';
    let months = ["Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ", "Jul ", "Aug ", "Sep ", "Oct ", "Nov ", "Dec "];
    let syslog = months.iter().any(|m| l.starts_with(m)) && l.get(6..12).is_some_and(|t| t.contains(':'));
    iso || syslog
}
