//! The catch-alls that make sure nothing goes unexplained: any `SR_BACKEND_FAILURE_<n>` decodes
//! to its name and official text from the catalogue (with the older meanings of a reused value),
//! any XAPI code to its documentation and named parameters, and a failed Xen Orchestra task
//! with an unknown message is still reported. The storage manager's unexpected Python
//! exception (error 1200) gets its own pointer to the traceback.

use super::space::detail_suffix;
use super::{Facts, Matcher, Rule, RuleInfo};
use crate::catalog::{self, HistoryStatus};
use crate::input::{XapiError, XoError};
use crate::model::{Category, Confidence, Finding, Severity};

pub static SR000: RuleInfo = RuleInfo {
    id: "SR000",
    name: "sr-backend-failure",
    title: "Storage backend failure",
    category: Category::Other,
    severity: Severity::Error,
    trigger: "any `SR_BACKEND_FAILURE_<n>` no specific rule covers, and the bare `SR_BACKEND_FAILURE`",
    description: "Decodes the storage manager's error number with the catalogue of every SR error code (upstream \
                  and XCP-ng), says when the number meant something else in older releases, and points to the \
                  traceback in SMlog.",
    example: "SR_BACKEND_FAILURE_78(, VDI Creation failed [opterr=error 5], )",
};

pub static SR1200: RuleInfo = RuleInfo {
    id: "SR1200",
    name: "sm-python-exception",
    title: "The storage manager hit an unexpected error",
    category: Category::Other,
    severity: Severity::Error,
    trigger: "`SR_BACKEND_FAILURE_1200` (SM has thrown a generic python exception), `_202` (General backend error)",
    description: "A storage-manager driver raised an exception it does not translate into a specific error; only \
                  its traceback in SMlog says what failed.",
    example: r#"["SR_BACKEND_FAILURE_1200", "", "'NoneType' object has no attribute 'split'", ""]"#,
};

pub static XA000: RuleInfo = RuleInfo {
    id: "XA000",
    name: "xapi-error",
    title: "XAPI error",
    category: Category::Other,
    severity: Severity::Error,
    trigger: "any XAPI error code no specific rule covers",
    description: "Decodes the code with XAPI's catalogue: its documentation, its parameters by name, and whether \
                  it was removed from newer releases.",
    example: r#"["VM_HAS_PCI_ATTACHED", "OpaqueRef:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"]"#,
};

pub static XO000: RuleInfo = RuleInfo {
    id: "XO000",
    name: "unrecognised-backup-error",
    title: "Backup task failed",
    category: Category::Other,
    severity: Severity::Error,
    trigger: "a failed or skipped Xen Orchestra task whose error no rule recognises",
    description: "Every failed task of a backup log gets a finding, even when xapi-doctor does not know the \
                  message: it shows the message, the VM and the task, and where to look.",
    example: r#"{"message": "permission denied while writing the backup metadata of the VM", "name": "Error", "stack": "Error: permission denied while writing the backup metadata of the VM"}"#,
};

pub static TX000: RuleInfo = RuleInfo {
    id: "TX000",
    name: "unrecognised-error-text",
    title: "An error xapi-doctor does not recognise",
    category: Category::Other,
    severity: Severity::Info,
    trigger: "pasted text or an SMlog with lines that report an error (error, failed, exception, cannot, unable to…; a command's usage or option list aside), or pasted text that is only an error's stack, when nothing else in it is recognised (or only harmless lines, away from which the failure is printed)",
    description: "Rather than saying nothing, shows which lines of the paste look like the failure, so that the reader \
                  knows xapi-doctor read them and has no diagnosis for them.",
    example: "frobnicator: unable to reticulate the splines (code 7)",
};

pub static RULES: &[Rule] = &[
    Rule { info: &SR1200, matcher: Matcher::Xapi { codes: &[], sr_values: &[1200, 202], build: python_exception } },
    Rule { info: &SR000, matcher: Matcher::External },
    Rule { info: &XA000, matcher: Matcher::External },
    Rule { info: &XO000, matcher: Matcher::External },
    Rule { info: &TX000, matcher: Matcher::External },
];

/// Words of a line that reports a failure, lower-case. (Stop 44: a kernel's or a daemon's
/// `…, aborting!`, `Kernel panic`, `Assertion … failed` say no "error" either.)
const ERROR_WORDS: &[&str] = &[
    "error", "failed", "failure", "exception", "fatal", "cannot ", "can't ", "could not", "couldn't", "unable to", "denied", "refused", "invalid",
    "aborting", "panic", "assertion",
];

/// The lines of a paste that look like the failure, when nothing else in it is recognised.
pub fn unrecognised_text(text: &str, facts: &Facts) -> Option<Finding> {
    let Some((mut f, failure_lines)) = failure_lines(text, facts, &|_| false) else {
        return stack_without_message(text, facts);
    };
    f.cause = "The message is not in xapi-doctor's knowledge yet. The codes and lines above are the places to look; \
               the host's logs (SMlog, xensource.log) or Xen Orchestra's log around that time usually say more."
        .into();
    f.step("If the failure concerns the pool (a VM, disk or SR operation), paste the matching part of SMlog or xensource.log from the time of the failure: xapi-doctor reads those too.");
    super::wording::apply(&mut f, failure_lines.iter().copied());
    Some(f)
}

/// Lines around a benign finding's evidence line that a rule other than a signature (whose own
/// `near` says) may have read too.
pub const BENIGN_NEAR: u32 = 6;

/// The same as [`unrecognised_text`] for a paste in which only benign findings were recognised:
/// the lines their finding read are left out — within the given distance of each evidence line
/// of `benign` (a signature's `near`: a one-line harmless message explains its own line only) —
/// and so are the repeats of an evidence line (the same text, digits aside: a daemon that logs
/// its harmless retry every ten seconds prints more of them than a finding keeps as evidence).
pub fn unrecognised_beside_benign(text: &str, facts: &Facts, benign: &[(&crate::model::Evidence, u32)]) -> Option<Finding> {
    // One flag per line (1-based): a daemon repeating its harmless line can fill a whole log.
    let mut explained = vec![false; text.lines().count() + 1];
    for (l, near) in benign.iter().filter_map(|(e, near)| Some((e.line?, *near))) {
        for n in l.saturating_sub(near).max(1)..=l.saturating_add(near) {
            if let Some(flag) = explained.get_mut(n as usize) {
                *flag = true;
            }
        }
    }
    let digits_aside = |t: &str| t.chars().filter(|c| !c.is_ascii_digit()).collect::<String>();
    // (A few dozen at most: a finding keeps 20 evidence lines.)
    let messages: Vec<String> = benign.iter().map(|(e, _)| digits_aside(&e.text)).collect();
    for (i, line) in text.lines().enumerate() {
        // (Compared as the evidence keeps a line: trimmed and clipped.)
        if messages.contains(&digits_aside(&crate::model::Evidence::at_line(line.trim(), 0).text)) {
            if let Some(flag) = explained.get_mut(i + 1) {
                *flag = true;
            }
        }
    }
    let (mut f, failure_lines) = failure_lines(text, facts, &|n| explained.get(n as usize).is_some_and(|&e| e))?;
    f.cause = "The message is not in xapi-doctor's knowledge yet (the harmless lines found beside it do not explain it). \
               The codes and lines above are the places to look; the host's logs (SMlog, xensource.log) or Xen \
               Orchestra's log around that time usually say more."
        .into();
    super::wording::apply(&mut f, failure_lines.iter().copied());
    Some(f)
}

/// A paste that is only the stack of an error (a JavaScript error's `at …` frames, a Python
/// traceback's `File "…", line …` frames) without its message: no line of it reads as a failure,
/// yet it shows one, and saying nothing would leave the reader guessing. Two frames at least.
fn stack_without_message(text: &str, facts: &Facts) -> Option<Finding> {
    let frames: Vec<(usize, &str)> = text.lines().enumerate().filter(|(_, line)| is_stack_frame(line)).take(400).collect();
    if frames.len() < 2 {
        return None;
    }
    let mut f = Finding::of(&TX000, facts);
    f.priority = -2;
    f.confidence = Confidence::Low;
    for &(i, line) in frames.iter().take(3) {
        super::push_evidence(&mut f.evidence, crate::model::Evidence::at_line(line.trim(), u32::try_from(i + 1).unwrap_or(u32::MAX)));
    }
    let in_xo = frames.iter().any(|(_, line)| ["xo-server", "@xen-orchestra/", "xen-orchestra/", "@vates/"].iter().any(|m| line.contains(m)));
    let in_sm = frames.iter().any(|(_, line)| ["/opt/xensource/sm/", "/sm/", "site-packages/sm"].iter().any(|m| line.contains(m)));
    let program = if in_xo {
        " in Xen Orchestra"
    } else if in_sm {
        " in the storage manager"
    } else {
        ""
    };
    f.title = "The stack of an error, without its message".into();
    f.summary = format!("These lines are the stack of an error{program}, without the error's message.").into();
    f.cause = "A stack lists the places in the program's code the error went through, not what failed. The message \
               was left out of the paste: a JavaScript error prints it on the line above its first `at`, a Python \
               traceback on the line after its last frame."
        .into();
    f.step("Paste the error with its message: in Xen Orchestra, the whole error of the failed task (its details, or Settings → Logs); from a host's log, the lines around the stack.");
    Some(f)
}

/// A line of a stack: `at fn (/path/file.js:12:34)`, `at /path/file.js:12:34`, `at
/// Generator.next (<anonymous>)`, `File "/opt/xensource/sm/util.py", line 12, in pread`. Quote
/// marks and a code span's backquote before it are allowed.
fn is_stack_frame(line: &str) -> bool {
    let t = line.trim_start_matches([' ', '\t', '`', '>']);
    if let Some(rest) = t.strip_prefix("at ") {
        return [".js:", ".mjs:", ".cjs:", ".ts:", "(<anonymous>)", "(native)", "(node:"].iter().any(|m| rest.contains(m));
    }
    t.starts_with("File \"") && t.contains("\", line ")
}

/// The same for an SMlog in which no failure was recognised: its lines that other findings
/// (routine notes such as a lock taken on a retry) already explain, `explained` (1-based), are
/// left out.
pub fn unrecognised_smlog(text: &str, explained: &[u32], options: &crate::options::Options) -> Option<Finding> {
    let (mut f, failure_lines) = failure_lines(text, &Facts::new(&crate::model::Subject::default(), options), &|n| explained.contains(&n))?;
    f.cause = "The message is not in xapi-doctor's knowledge yet. The lines of the same process before it say what \
               the storage manager was doing; XAPI's log at the same time says which operation it was."
        .into();
    let pid = failure_lines.first().and_then(|line| syslog_pid(line)).unwrap_or("<pid>");
    f.step_cmd("Read the lines of the same process around it in SMlog.", format!("grep -n -F '[{pid}]' /var/log/SMlog | tail -n 60"));
    super::wording::apply(&mut f, failure_lines.iter().copied());
    Some(f)
}

/// The catch-all finding with the lines of `text` that read as a failure (the first five as its
/// evidence), and those lines; none when no line does. The lines `explained` tells (1-based) are
/// left out.
fn failure_lines<'a>(text: &'a str, facts: &Facts, explained: &dyn Fn(u32) -> bool) -> Option<(Finding, Vec<&'a str>)> {
    let mut f = Finding::of(&TX000, facts);
    f.priority = -2;
    f.confidence = Confidence::Low;
    let failure_lines = numbered_failure_lines(text, explained);
    for &(i, line) in failure_lines.iter().take(5) {
        super::push_evidence(&mut f.evidence, crate::model::Evidence::at_line(line.trim(), u32::try_from(i + 1).unwrap_or(u32::MAX)));
    }
    if f.evidence.is_empty() {
        return None;
    }
    f.summary = "These lines report a failure that xapi-doctor has no signature or rule for.".into();
    Some((f, failure_lines.into_iter().map(|(_, line)| line).collect()))
}

/// The lines (0-based index, text) of `text` that a catch-all reads as the failure, the lines
/// `explained` tells (1-based) left out; 400 at most.
fn numbered_failure_lines<'a>(text: &'a str, explained: &dyn Fn(u32) -> bool) -> Vec<(usize, &'a str)> {
    // A line reads as a failure by its general words, or by the vocabulary of a wording cue
    // ("No such device", "No route to host", "timed out" carry no word like "error"); the lines
    // of a command's help ("--debug-on-fail  Enable debug output only on failure") describe
    // what could happen, not what did.
    let help = help_lines(text);
    let failure_lines = text.lines().enumerate().filter(|(i, line)| {
        if explained(u32::try_from(i + 1).unwrap_or(u32::MAX)) || is_shell_command(line) || help.get(*i).is_some_and(|&h| h) {
            return false;
        }
        let lower = without_zero_counts(&line.to_ascii_lowercase());
        ERROR_WORDS.iter().any(|w| lower.contains(w)) || super::wording::any_reads(&lower)
    });
    failure_lines.take(400).collect()
}

/// The lines of `text` a catch-all finding reads as the failure when nothing in it is
/// recognised: what the resemblance hint weighs, and so what it learns from the corpus's
/// development cases (tests/resemblance_cases.rs).
pub fn catch_all_lines(text: &str) -> Vec<&str> {
    numbered_failure_lines(text, &|_| false).into_iter().map(|(_, line)| line).collect()
}

/// `lower` without the key–value pairs that count no failure (`"errors": []`, `"Failed Devices":
/// "0"`, `errors=0`, `"error": null`): a report or a JSON answer that lists zero errors reads as
/// healthy, not as a failure.
fn without_zero_counts(lower: &str) -> String {
    let bytes = lower.as_bytes();
    let mut out = String::with_capacity(lower.len());
    // `copied`: the end of what is already in `out`.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b':' && bytes[i] != b'=' {
            i += 1;
            continue;
        }
        // The key before the separator: a quoted string, or the word just before it.
        let mut key_end = i;
        while key_end > copied && bytes[key_end - 1] == b' ' {
            key_end -= 1;
        }
        let key_start = if key_end > copied && bytes[key_end - 1] == b'"' {
            lower[copied..key_end - 1].rfind('"').map(|q| copied + q)
        } else {
            let start = lower[copied..key_end]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .map_or(copied, |p| copied + p + lower[copied + p..].chars().next().map_or(1, char::len_utf8));
            (start < key_end).then_some(start)
        };
        // The value after it: `[]`, `{}`, a quoted string, or a word.
        let mut v = i + 1;
        while v < bytes.len() && bytes[v] == b' ' {
            v += 1;
        }
        let value_end = match bytes.get(v) {
            Some(b'[') if bytes.get(v + 1) == Some(&b']') => Some(v + 2),
            Some(b'{') if bytes.get(v + 1) == Some(&b'}') => Some(v + 2),
            Some(b'"') => lower[v + 1..].find('"').map(|q| v + 1 + q + 1),
            Some(_) => Some(lower[v..].find(|c: char| !c.is_ascii_alphanumeric()).map_or(bytes.len(), |q| v + q)),
            None => None,
        };
        if let (Some(key_start), Some(value_end)) = (key_start, value_end) {
            let key = &lower[key_start..key_end];
            let value = lower[v..value_end].trim_matches('"');
            // A bare word ends the pair only when nothing but a separator follows it: "Error: no
            // RFB console found" is a message that starts with "no", not a count of none.
            let ends_pair = bytes.get(v) == Some(&b'"')
                || lower[value_end..].trim_start().chars().next().is_none_or(|c| matches!(c, ',' | ';' | '}' | ']' | ')' | '|'));
            let zero = matches!(value, "" | "0" | "[]" | "{}" | "null" | "none" | "false" | "no") && ends_pair;
            if zero && value_end > v && ERROR_WORDS.iter().any(|w| key.contains(w.trim_end())) {
                out.push_str(&lower[copied..key_start]);
                copied = value_end;
                i = value_end;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&lower[copied..]);
    out
}

/// Which lines of `text` are a command's usage or help text: its `Usage:` line, a heading of an
/// option list (`Options:`, `Flags:`, `Commands:`…), the entries of that list (`  -d, --debug
/// Enable debug output`, `[ --nossl ]  Disable SSL/TLS`, `--exit-status=N  …`) and the lines that
/// continue an entry's description (indented eight columns or more). Entries count only when
/// the text is help: it has a usage line or a heading, or two entries or more. All false when it
/// has none (the usual case: no allocation beyond the vector).
fn help_lines(text: &str) -> Vec<bool> {
    let heading = |t: &str| {
        let lower = t.trim().to_ascii_lowercase();
        lower.starts_with("usage:")
            || matches!(
                lower.trim_end_matches(':'),
                "options" | "global options" | "flags" | "global flags" | "commands" | "available commands" | "optional arguments" | "positional arguments" | "arguments"
            ) && lower.ends_with(':')
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut help = vec![false; lines.len()];
    if lines.iter().filter(|l| is_option_entry(l)).count() < 2 && !lines.iter().any(|l| heading(l)) {
        return help;
    }
    let mut in_list = false;
    for (h, line) in help.iter_mut().zip(&lines) {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        if heading(line) || is_option_entry(line) {
            (*h, in_list) = (true, true);
        } else if in_list && !line.trim().is_empty() && (indent >= 8 || line.starts_with('\t')) {
            *h = true;
        } else {
            in_list = false;
        }
    }
    help
}

/// An entry of a command's option list: `-d, --debug  Enable…`, `--name=VALUE  …`, `[ -s <server> ]
/// …`, `--retry N  …`: after an optional `[`, one or two dashes, a letter, letters, digits, `-` or
/// `_` (and maybe an argument in capitals), then the end of the line, `,`, `=`, `]`, ` <`, ` [`,
/// or two spaces or a tab before the description.
/// "-bash: xe: command not found" and a "- failed" bullet are no entries.
fn is_option_entry(line: &str) -> bool {
    let t = line.trim_start();
    let t = t.strip_prefix('[').map_or(t, str::trim_start);
    let Some(rest) = t.strip_prefix("--").or_else(|| t.strip_prefix('-')) else { return false };
    if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return false;
    }
    let name_end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(rest.len());
    let after = &rest[name_end..];
    // `--retry N  …`, `-f FILE  …`: an argument named in capitals.
    let after = match after.strip_prefix(' ') {
        Some(arg) if arg.starts_with(|c: char| c.is_ascii_uppercase()) => {
            let end = arg.find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')).unwrap_or(arg.len());
            if arg[end..].is_empty() || arg[end..].starts_with("  ") || arg[end..].starts_with('\t') { "" } else { after }
        }
        _ => after,
    };
    after.is_empty()
        || after.starts_with([',', '=', ']', '\t'])
        || after.starts_with("  ")
        || after.starts_with(" <")
        || after.starts_with(" [")
        || after.starts_with(" ]")
}

/// A command the person typed at a shell prompt (`[root@host ~]# grep -i error …`, `$ xe …`):
/// its words name what was searched for, not a failure.
fn is_shell_command(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("$ ") || t.starts_with("# ") || line.contains("]# ") || line.contains("]$ ")
}

/// The process id of a syslog line, `…: [1234] message` → `1234`.
fn syslog_pid(line: &str) -> Option<&str> {
    let open = line.find(": [")? + 3;
    let len = line[open..].find(']')?;
    let pid = &line[open..open + len];
    (!pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())).then_some(pid)
}

/// SMlog's record of an SR failure: `Raising exception [n, …` (the grep pattern for a value).
fn smlog_grep(value: u32) -> String {
    format!("grep -B 5 -A 30 'Raising exception \\[{value},' /var/log/SMlog")
}

fn python_exception(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&SR1200, e, facts);
    let reason = e.reason().unwrap_or("");
    f.summary = format!("A storage-manager driver failed with an unexpected exception{}.", detail_suffix(reason)).into();
    f.cause = "The driver met a condition it has no specific error for (a missing file or volume, a parsing \
               problem, a bug). The exception's class and traceback in SMlog name the failing step."
        .into();
    f.step_cmd("Find the exception and its traceback in SMlog on the host that ran the operation.", "grep -A 30 'EXCEPTION' /var/log/SMlog | tail -n 80");
    f.step("Paste that SMlog excerpt into xapi-doctor: it reads the traceback and the events around it.");
    f.step_cmd("Rescan the SR and retry once: transient states often clear.", format!("xe sr-scan uuid={}", facts.sr_uuid()));
    super::wording::apply(&mut f, e.params.iter().flat_map(|p| p.lines()));
    Some(f)
}

/// The finding for a XAPI error no specific rule claimed.
pub fn decode_xapi(e: &XapiError, facts: &Facts) -> Option<Finding> {
    if e.code.starts_with("SR_BACKEND_FAILURE") {
        Some(decode_sr(e, facts))
    } else {
        Some(decode_api(e, facts))
    }
}

fn decode_sr(e: &XapiError, facts: &Facts) -> Finding {
    let mut f = Finding::of_xapi(&SR000, e, facts);
    let reason = e.reason().unwrap_or("");
    let Some(value) = e.sr_value() else {
        // The bare code: XAPI could not run or understand the storage plugin.
        let p = e.named_params();
        let status = p.get("status").unwrap_or("");
        f.title = "The storage plugin could not be run".into();
        f.summary = format!("XAPI could not run the storage manager's plugin or read its answer{}.", detail_suffix(status)).into();
        f.cause = "The driver crashed, was killed by a signal, exited with an error, or printed something that is not \
                   a valid answer; its output and log are in the error's parameters and in SMlog."
            .into();
        f.step_cmd("Read the end of SMlog on the host at the time of the failure.", "tail -n 200 /var/log/SMlog");
        f.step("Check the host's storage packages are consistent (a partial update can break the drivers).");
        super::wording::apply(&mut f, e.params.iter().flat_map(|p| p.lines()));
        return f;
    };
    let entry = catalog::sr_error(value);
    let history = catalog::sr_error_history(value);
    f.category = entry.map_or(Category::Other, |c| c.category);
    f.priority = -1;
    match entry {
        Some(c) => {
            f.title = format!("Storage error {value} ({}): {}", c.name, c.description.trim()).into();
            f.summary = format!(
                "The storage manager failed with error {value}, {}: \u{201c}{}\u{201d}{}.",
                c.name,
                c.description.trim(),
                detail_suffix(e.opterr().unwrap_or(""))
            ).into();
            f.cause = format!(
                "Error {value} is the storage manager's `{}` (shown by XAPI as SR_BACKEND_FAILURE_{value}). The detail \
                 in brackets, and the traceback in SMlog, say which step failed.",
                c.name
            ).into();
            if !c.meaning.is_empty() {
                f.cause = format!("{} {}", c.meaning, f.cause).into();
            }
            if !c.upstream {
                f.cause.to_mut().push_str(" This code exists only in XCP-ng's storage manager.");
            }
        }
        None => {
            f.title = format!("Storage error {value}").into();
            f.summary = format!(
                "The storage manager failed with error {value}, a number no known release of the storage manager \
                 defines{}.",
                detail_suffix(reason)
            ).into();
            f.cause = "The number may come from a third-party or newer storage driver; its text is the only \
                       description."
                .into();
            f.confidence = f.confidence.min(Confidence::Medium);
        }
    }
    for h in history {
        let old = format!("{} (\u{201c}{}\u{201d}, {} to {})", h.name, h.description.trim(), h.first_seen, h.last_seen);
        let note = match (h.status, h.value_now_used_by, entry) {
            (HistoryStatus::Removed, Some(now), _) => format!(" Older storage managers used {value} for {old}; it now means {now}."),
            (HistoryStatus::Removed, None, None) => format!(" {value} was {old}, a code removed since."),
            (HistoryStatus::Removed, None, Some(_)) => format!(" {value} once also meant {old}."),
            (HistoryStatus::Changed, _, _) => format!(" The text of this code changed over the years; it was {old}."),
        };
        let reason_matches_old = !reason.is_empty() && reason.starts_with(h.description.trim());
        if reason_matches_old {
            f.cause.to_mut().push_str(&format!(" The text of this error matches the old meaning:{note}"));
            if entry.is_none() || matches!(h.status, HistoryStatus::Removed) {
                f.title = format!("Storage error {value} ({}, older release): {}", h.name, h.description.trim()).into();
            }
        } else {
            f.cause.to_mut().push_str(&note);
        }
    }
    f.step_cmd("Find the failure and its traceback in SMlog on the host that ran the operation.", smlog_grep(value));
    f.step("Paste that SMlog excerpt into xapi-doctor: it reads the failed commands and tracebacks around the error.");
    if f.category == Category::Other {
        super::wording::apply(&mut f, e.params.iter().flat_map(|p| p.lines()));
    }
    f
}

fn decode_api(e: &XapiError, facts: &Facts) -> Finding {
    let mut f = Finding::of_xapi(&XA000, e, facts);
    let code = &e.code;
    f.title = format!("XAPI error {code}").into();
    f.priority = -1;
    match catalog::api_error(code) {
        Some(entry) => {
            f.category = entry.category;
            if entry.category == Category::InProgress {
                // Refused only until what is under way ends (a host still starting): a retry later
                // succeeds, so it is worth a look, not an error.
                f.severity = f.severity.max(Severity::Warning);
            }
            f.summary = if entry.doc.is_empty() {
                format!("XAPI reported {code}.").into()
            } else {
                format!("XAPI reported {code}: {}", entry.doc).into()
            };
            f.cause = match entry.removed {
                Some(r) => format!(
                    "{code} was removed from XAPI after {}, but hosts running older releases still send it.",
                    r.last_seen
                ).into(),
                None if !entry.documented => format!("{code} is one of the codes XAPI raises without documentation.").into(),
                None => format!("{code} comes from XAPI itself; its parameters name the objects involved.").into(),
            };
            if !entry.meaning.is_empty() {
                f.cause = format!("{} {}", entry.meaning, f.cause).into();
            }
        }
        None => {
            f.summary = format!("XAPI reported {code}, a code that is not in XAPI's catalogue.").into();
            f.cause = "It may come from a newer XAPI release or from a plug-in.".into();
            f.confidence = f.confidence.min(Confidence::Medium);
        }
    }
    if let Some(call) = &e.call {
        f.summary.to_mut().push_str(&format!(" (during {call})"));
    }
    f.step_cmd(
        "On the pool master, find the failing call and what preceded it in XAPI's log.",
        format!("grep -B 10 '{code}' /var/log/xensource.log | tail -n 60"),
    );
    f
}

/// The finding for a failed Xen Orchestra task whose message no rule knows.
pub fn unrecognised_xo(e: &XoError, facts: &Facts) -> Option<Finding> {
    if e.message.trim().is_empty() && e.code.is_none() {
        return None;
    }
    let mut f = Finding::of_xo(&XO000, e, facts);
    f.priority = -1;
    let xo_api = e.code.as_deref().and_then(|c| c.parse::<u32>().ok()).and_then(|n| catalog::xo_api_error(n, &e.message));
    if let Some(known) = e.code.as_deref().and_then(catalog::errno) {
        f.category = known.category;
    } else if let Some(api) = xo_api {
        f.category = api.category;
    }
    let skipped = facts.subject.task_status.as_deref() == Some("skipped");
    // A task of a backup log, or an error that names its job, is a backup's; an error object
    // pasted alone may come from any call.
    let of_backup = facts.subject.task_status.is_some() || facts.subject.job_id.is_some() || facts.subject.job_name.is_some();
    if skipped {
        f.severity = Severity::Warning;
        f.title = "Backup task skipped".into();
    } else if !of_backup {
        f.title = "Xen Orchestra reported an error".into();
    }
    let what = facts.subject.task.as_deref().map(|t| format!(" at its `{t}` step")).unwrap_or_default();
    f.summary = if of_backup {
        format!(
            "The backup of {} {}{what}: \u{201c}{}\u{201d}.",
            facts.vm_phrase(),
            if skipped { "was skipped" } else { "failed" },
            e.message.trim()
        )
    } else {
        format!("Xen Orchestra answered with an error: \u{201c}{}\u{201d}.", e.message.trim())
    }
    .into();
    f.cause = "xapi-doctor has no specific rule for this message; the error as logged is in the evidence.".into();
    if let Some(api) = xo_api {
        f.cause.to_mut().push_str(&format!(" It is Xen Orchestra's API error {} ({}): {}", api.number, api.name, api.meaning));
    } else if let Some(code) = &e.code {
        match catalog::errno(code) {
            Some(known) => f.cause.to_mut().push_str(&format!(" The error code is {code}: {}", known.meaning)),
            None => f.cause.to_mut().push_str(&format!(" The error code is {code}.")),
        }
    }
    if of_backup {
        f.step("Open the task's details in the backup log (or download the log's JSON) for the full error and its stack.");
    } else {
        f.step("Find the failed call in Xen Orchestra (Settings → Logs, or the task's details) for the full error, its data and its stack.");
    }
    xo_server_log_step!(f, "Read xo-server's log around the time of the failure", "tail -n 200");
    if f.category == Category::Other {
        super::wording::apply(&mut f, e.message.lines());
    }
    Some(f)
}

#[cfg(test)]
mod stack_tests {
    use super::*;

    /// Facts of an input that names nothing (the other test modules of this file use it too).
    pub(super) fn facts() -> Facts {
        Facts::new(&crate::model::Subject::default(), &crate::options::Options::default())
    }

    #[test]
    fn a_stack_without_its_message_is_said_to_be_one() {
        let stack = "`at /opt/xen-orchestra/packages/xo-server/src/xapi/index.js:2000:12\n    at Generator.next (<anonymous>)\n    at asyncGeneratorStep (/opt/xen-orchestra/packages/xo-server/dist/xapi/index.js:94:103)";
        let f = unrecognised_text(stack, &facts()).unwrap_or_else(|| panic!("no finding"));
        assert_eq!(f.rule, "TX000");
        assert!(f.summary.contains("in Xen Orchestra"), "{}", f.summary);
        assert_eq!(f.evidence.len(), 3);
        let python = "  File \"/opt/xensource/sm/SRCommand.py\", line 110, in run\n  File \"/opt/xensource/sm/util.py\", line 292, in pread";
        assert!(unrecognised_text(python, &facts()).is_some_and(|f| f.summary.contains("storage manager")));
    }

    /// Stop 44: a kernel's or a daemon's failure that says no "error" is still shown.
    #[test]
    fn aborting_panic_and_assertion_read_as_failures() {
        for line in ["drbd r0/0 drbd1205: Sync handshake went wrong, aborting!", "Kernel panic - not syncing: VFS", "Assertion `n > 0' in frob.c:12"] {
            assert!(unrecognised_text(line, &facts()).is_some_and(|f| f.rule == "TX000"), "{line}");
        }
        assert!(unrecognised_text("drbd r0/0 drbd1205: Began resync as SyncTarget", &facts()).is_none());
    }

    #[test]
    fn a_failure_away_from_harmless_lines_is_still_shown() {
        let mut text = String::from("sd 0:0:0:0: [sda] Assuming drive cache: write through\n");
        for i in 0..8 {
            text.push_str(&format!("kernel: routine line {i}\n"));
        }
        text.push_str("foo-daemon[123]: fatal: cannot open frobnicator\n");
        let first = crate::model::Evidence::at_line("sd 0:0:0:0: [sda] Assuming drive cache: write through", 1);
        let f = unrecognised_beside_benign(&text, &facts(), &[(&first, BENIGN_NEAR)]).unwrap_or_else(|| panic!("no finding"));
        assert!(f.evidence.iter().any(|e| e.line == Some(10)), "{:?}", f.evidence);
        // the lines a benign signature read (its `near`) are its own
        let near = "systemd[1]: Failed to insert module 'autofs4'\nkernel: could not load autofs4\n";
        let autofs = crate::model::Evidence::at_line("systemd[1]: Failed to insert module 'autofs4'", 1);
        assert!(unrecognised_beside_benign(near, &facts(), &[(&autofs, BENIGN_NEAR)]).is_none());
        // but a one-line harmless message (`near` 0) read only its own line: the next one is shown
        let f = unrecognised_beside_benign(near, &facts(), &[(&autofs, 0)]).unwrap_or_else(|| panic!("no finding"));
        assert_eq!(f.evidence.iter().filter_map(|e| e.line).collect::<Vec<_>>(), [2]);
        // and so are its repeats further down, beyond the evidence a finding keeps
        let retry = |m: u32| format!("Feb 15 11:{m:02}:06 host1 xcp-rrdd-gpumon: [error||0 ||xcp-rrdd-gpumon] Unexpected error (Failure \"not enough memory\"), sleeping for 10 seconds...");
        let log: String = (10..60).map(|m| retry(m) + "\n").collect();
        let kept = crate::model::Evidence::at_line(retry(10), 1);
        assert!(unrecognised_beside_benign(&log, &facts(), &[(&kept, BENIGN_NEAR)]).is_none(), "a repeat of the harmless line is no failure");
        let with_failure = log + "foo-daemon[123]: fatal: cannot open frobnicator\n";
        let f = unrecognised_beside_benign(&with_failure, &facts(), &[(&kept, BENIGN_NEAR)]).unwrap_or_else(|| panic!("no finding"));
        assert_eq!(f.evidence.iter().filter_map(|e| e.line).collect::<Vec<_>>(), [51]);
    }

    #[test]
    fn one_frame_or_prose_is_no_stack() {
        assert!(unrecognised_text("    at Generator.next (<anonymous>)", &facts()).is_none());
        assert!(unrecognised_text("We met at noon (see notes.txt)\nand left at 3 (native time)", &facts()).is_none());
    }
}

#[cfg(test)]
mod zero_count_tests {
    use super::without_zero_counts;

    fn reads_as_failure(line: &str) -> bool {
        let lower = without_zero_counts(&line.to_ascii_lowercase());
        super::ERROR_WORDS.iter().any(|w| lower.contains(w))
    }

    #[test]
    fn zero_error_counts_are_not_failures() {
        assert!(!reads_as_failure("  \"errors\": [],"));
        assert!(!reads_as_failure("{\"raid\": {\"Working Devices\": \"2\", \"Failed Devices\": \"0\", \"State\": \"clean\"}}"));
        assert!(!reads_as_failure("Errors: 0, warnings: 0"));
        assert!(!reads_as_failure("sync done errors=0"));
        assert!(!reads_as_failure("\"error\": null"));
        assert!(!reads_as_failure("état→errors: 0"));
    }

    #[test]
    fn failures_with_or_beside_zero_counts_still_read() {
        assert!(reads_as_failure("\"errors\": [\"node r620-s2 is offline\"],"));
        assert!(reads_as_failure("Failed Devices : 1"));
        assert!(reads_as_failure("backup failed with errors: 0"));
        assert!(reads_as_failure("errors: 3"));
        assert!(reads_as_failure("Error: connect ECONNREFUSED 192.0.2.20:443"));
        assert!(reads_as_failure("error: error running shared postrotate script"));
        assert!(reads_as_failure("\"error\": \"\" , \"status\": \"failure\""));
        // a message that starts with "no" is no count
        assert!(reads_as_failure("Error: no RFB console found"));
        assert!(reads_as_failure("=!> Error: no log found with runId=\"1765000923456\""));
        assert!(!reads_as_failure("errors: no, warnings: 2"));
        assert!(!reads_as_failure("Errors: none"));
    }
}

#[cfg(test)]
mod help_tests {
    use super::stack_tests::facts;
    use super::*;

    #[test]
    fn a_commands_help_text_is_no_failure() {
        // xe's usage text (corpus case xapi/gh-xenapi-commit-ea84aae-…), read by the general
        // check, HL633 aside.
        let xe = "Usage:\n  xe <command>\n    [ -s <server> ]            XenServer host\n    [ -p <port> ]              XenServer port number\n    [ --nossl ]                Disable SSL/TLS\n    [ --debug ]                Enable debug output\n    [ --debug-on-fail ]        Enable debug output only on failure\n    [ <other arguments> ... ]  Command-specific options\n";
        assert!(unrecognised_text(xe, &facts()).is_none());
        // A GNU-style option list, a description continued on the next line.
        let gnu = "Usage: vm-backup [OPTION]... VM\nOptions:\n  -d, --debug            print every step\n  -e, --exit-status=N    exit status on failure\n                         (default 1); an error of the\n                         export is always fatal\n  -h, --help             display this help and exit\n";
        assert!(unrecognised_text(gnu, &facts()).is_none());
        // Two entries make a list even without a heading.
        assert!(unrecognised_text("  --retry N      retries before the job is failed\n  --quiet        print errors only\n", &facts()).is_none());
    }

    #[test]
    fn a_failure_beside_or_like_help_text_still_reads() {
        // The error that made the tool print its help is a failure line.
        let text = "vm-backup: error: unknown option '--exprt'\nUsage: vm-backup [OPTION]... VM\n  -d, --debug            print every step\n  -e, --exit-status=N    exit status on failure\n";
        let f = unrecognised_text(text, &facts()).unwrap();
        assert_eq!(f.evidence.len(), 1);
        assert!(f.evidence[0].text.contains("unknown option"), "{:?}", f.evidence);
        // Lines that open with a dash but list no option.
        assert!(!is_option_entry("-bash: xe: command not found"));
        assert!(!is_option_entry("- failed to attach the VDI"));
        assert!(!is_option_entry("--- a/drivers/util.py"));
        assert!(!is_option_entry("-ERR the export failed"));
        assert!(unrecognised_text("- failed to attach the VDI\n- the export failed too\n", &facts()).is_some());
        // One option-like line without a heading is not a help text.
        assert!(unrecognised_text("--force  failed: the SR is not empty\n", &facts()).is_some());
    }
}
