//! Known codes outside XAPI: Linux errno names and the negative numbers Node reports for them
//! (`ENOSPC`, `errno: -13`, `Unknown system error -122`) or blktap prints them (`tap-err:… (-28)`), the NTSTATUS names and values an SMB
//! target answers with (`STATUS_FILE_CLOSED`, `0xC0000128`), the error codes of an S3 service
//! (`NoSuchBucket`, `SlowDown`: CamelCase words, read only where an error's code stands, see
//! [`s3_place`]), mount's exit statuses, and the errors of the toolstack's internal interfaces
//! (xenopsd's `Does_not_exist`, the storage layer's `Sr_not_attached`, the database's
//! `Read_missing_uuid`: read only in the forms the toolstack prints them, see [`toolstack_in_line`]). Backup
//! tools pass these through from the remote, the network or the host; the catalogue
//! (`data/code_meanings.json`) gives each a category and a meaning, so a code no signature
//! explains is still decoded and filed where it belongs. These findings rank below any
//! signature or rule about the same text: they are the symptom's name, rarely its cause.

use super::{Facts, Matcher, Rule, RuleInfo};
use crate::catalog;
use crate::model::{Category, Confidence, Evidence, Finding, Severity};

pub static CD001: RuleInfo = RuleInfo {
    id: "CD001",
    name: "system-error",
    title: "System error",
    category: Category::Other,
    severity: Severity::Error,
    trigger: "a Linux errno name (`EACCES`, `ENOSPC`…), Node's numeric form (`errno: -122`, `Unknown system error -122`), blktap's negated errno (`tap-err:… (-28)`) or a Node.js, undici or OpenSSL error code (`ENOTFOUND`, `ELOCKED`, `UND_ERR_BODY_TIMEOUT`, `SELF_SIGNED_CERT_IN_CHAIN`) in the input",
    description: "Names the operating-system error a backup tool or the host passed on, with what it usually means \
                  for a backup (most come from the backup remote or the network) and its category.",
    example: "Error: EACCES, permission denied '/run/xo-server/mounts/4b7c/xo-vm-backups/.lock'",
};

pub static CD002: RuleInfo = RuleInfo {
    id: "CD002",
    name: "smb-status",
    title: "SMB server error",
    category: Category::RemoteUnreachable,
    severity: Severity::Error,
    trigger: "an NTSTATUS name (`STATUS_ACCESS_DENIED`, `STATUS_FILE_CLOSED`…) or value (`0xC0000128`) in the input",
    description: "Decodes the status an SMB server answered with: a share that refuses the credentials, a file closed \
                  under the writer, a full disk.",
    example: "Error: STATUS_INVALID_NETWORK_RESPONSE (0xC00000C3): The network responded incorrectly",
};

pub static CD003: RuleInfo = RuleInfo {
    id: "CD003",
    name: "mount-failed",
    title: "A mount command failed",
    category: Category::RemoteUnreachable,
    severity: Severity::Error,
    trigger: "`Command failed with exit code <n>: mount …` (or `\"exitCode\": <n>` with a mount command) when no signature explains the mount's own message",
    description: "Decodes mount's exit status (32: the mount itself failed; 1: bad usage or permissions; 2: a system \
                  error…) for a remote whose mount failed with a message xapi-doctor does not know.",
    example: "Error: Command failed with exit code 32: mount -t cifs //192.0.2.5/backups /run/xo-server/mounts/4b7c -o vers=3.0",
};

pub static CD004: RuleInfo = RuleInfo {
    id: "CD004",
    name: "s3-error",
    title: "S3 service error",
    category: Category::RemoteUnreachable,
    severity: Severity::Error,
    trigger: "an S3 error code (`NoSuchBucket`, `SignatureDoesNotMatch`, `SlowDown`, MinIO's `XMinioStorageFull`…) where an error's code stands: `<Code>…</Code>`, `Code: …`, `\"code\": \"…\"`, `name: '…'`, `An error occurred (…)`, `api error …`, or, for the names only S3 uses, heading a message (`NoSuchBucket: The specified bucket does not exist`)",
    description: "Decodes the error code an S3 remote (Amazon S3 or an S3-compatible service such as MinIO or Ceph) answered \
                  with: credentials, a bucket or a region it refuses, a full bucket, throttling or a failure on its side, \
                  or a request it cannot take.",
    example: "{\"name\": \"OperationAborted\", \"$fault\": \"client\", \"Code\": \"OperationAborted\", \"message\": \"A conflicting conditional operation is currently in progress against this resource. Try again.\"}",
};

pub static CD005: RuleInfo = RuleInfo {
    id: "CD005",
    name: "toolstack-interface-error",
    title: "Toolstack internal error",
    category: Category::Other,
    severity: Severity::Error,
    trigger: "an error of the toolstack's internal interfaces by its OCaml name, in the forms xapi, xenopsd and Xen Orchestra print: \
              `Xenopsd_error([S(Does_not_exist);…`, `Xenopsd_error (Cancelled …`, `Storage_error ([S(Sr_not_attached);…`, \
              `Storage_interface.Vdi_does_not_exist`, `Xenops_interface.Bad_power_state`, `Db_exn.Read_missing_uuid`, `Sm.Unknown_driver` \
              (the names that only carry another error, `Backend_error` and `Internal_error`, are left to that error)",
    description: "Decodes an error xenopsd, the storage layer or XAPI's database raised inside the toolstack (an object gone \
                  meanwhile, a VM in the wrong power state, an SR not attached on the host, not enough memory…): its meaning and \
                  its category, with where to read more in xensource.log. An INTERNAL_ERROR carrying one takes its category.",
    example: "Xenops_interface.Xenopsd_error([S(Does_not_exist);[S(VM);S(2b6f8a4e-1c3d-4e5f-8a9b-0c1d2e3f4a5b)]])",
};

pub static RULES: &[Rule] = &[
    Rule { info: &CD001, matcher: Matcher::External },
    Rule { info: &CD002, matcher: Matcher::External },
    Rule { info: &CD003, matcher: Matcher::External },
    Rule { info: &CD004, matcher: Matcher::External },
    Rule { info: &CD005, matcher: Matcher::External },
];

/// Where the toolstack names an interface's error: after the exception (`Xenopsd_error`,
/// `Storage_error`, then its printer's `(`, `[`, `S(`, a quote) or as a qualified constructor
/// (`Storage_interface.Vdi_does_not_exist`, `Db_exn.Read_missing_uuid`). The interface, and
/// whether the printer's punctuation may stand between the marker and the name.
const TOOLSTACK_MARKERS: &[(&str, &str, bool)] = &[
    ("Xenopsd_error", "xenops", true),
    ("Storage_error", "storage", true),
    ("Xenops_interface.", "xenops", false),
    ("Storage_interface.", "storage", false),
    ("Db_exn.", "db", false),
    ("Sm.", "sm", false),
];

/// How the toolstack qualifies an interface's errors, for the finding's code: the qualified
/// marker of [`TOOLSTACK_MARKERS`] for that interface.
pub fn toolstack_prefix(interface: &str) -> &'static str {
    TOOLSTACK_MARKERS.iter().find(|(_, i, punctuated)| *i == interface && !punctuated).map_or("", |(marker, _, _)| marker)
}

/// The toolstack interface errors named in `line`, in the forms of [`TOOLSTACK_MARKERS`] only:
/// `Does_not_exist` in a sentence, or after another word, is not one. Names that only carry
/// another error (`Backend_error`, `Internal_error`) are included; callers skip them.
pub fn toolstack_in_line(line: &str) -> Vec<&'static catalog::ToolstackError> {
    let bytes = line.as_bytes();
    let mut out: Vec<&'static catalog::ToolstackError> = Vec::new();
    for &(marker, interface, punctuated) in TOOLSTACK_MARKERS {
        for (at, _) in line.match_indices(marker) {
            // A qualified name starts a word (`Xapi_sm.` is another module than `Sm.`).
            if !punctuated && at > 0 && is_word_byte(bytes[at - 1]) {
                continue;
            }
            let mut i = at + marker.len();
            if punctuated {
                // The printers' punctuation: ` (`, `([`, `S(`, quotes, a colon.
                loop {
                    match bytes.get(i) {
                        Some(b' ' | b'(' | b'[' | b'"' | b'\'' | b'\\' | b':') => i += 1,
                        Some(b'S') if bytes.get(i + 1) == Some(&b'(') => i += 2,
                        _ => break,
                    }
                }
            }
            if !bytes.get(i).is_some_and(u8::is_ascii_uppercase) {
                continue;
            }
            let name = std::str::from_utf8(word_at(bytes, i)).unwrap_or("");
            if let Some(e) = catalog::toolstack_error(interface, name) {
                if !out.iter().any(|x| std::ptr::eq(*x, e)) {
                    out.push(e);
                }
            }
        }
    }
    out
}

/// The first toolstack interface error in `text` that is a diagnosis by itself (not one that
/// only carries another error), for a finding that wraps it (XA019's INTERNAL_ERROR).
pub fn toolstack_error_in(text: &str) -> Option<&'static catalog::ToolstackError> {
    if !has_toolstack_marker(text.as_bytes()) {
        return None;
    }
    text.lines().flat_map(toolstack_in_line).find(|e| !e.wraps)
}

/// Whether `b` holds any of [`TOOLSTACK_MARKERS`] (one substring search each), the test before
/// a line is read word by word for them.
fn has_toolstack_marker(b: &[u8]) -> bool {
    // Every marker starts with `Xe`, `St`, `Db` or `Sm`: a line without any of these pairs
    // (most error lines) is answered by one pass over its bytes instead of six searches.
    // (A byte search for the three capitals, then the next byte: `windows(2)` with a slice
    // pattern cost ~11 instructions a byte natively, on every line with a capital letter.)
    let starts_pair = |at: usize| matches!((b[at], b.get(at + 1)), (b'X', Some(b'e')) | (b'S', Some(b't' | b'm')) | (b'D', Some(b'b')));
    if !memchr::memchr3_iter(b'X', b'S', b'D', b).any(starts_pair) {
        return false;
    }
    // (Searchers built once: `memmem::find` builds one per call, and this runs on every line of
    // every error that has a capital letter.)
    static FINDERS: std::sync::OnceLock<Vec<memchr::memmem::Finder<'static>>> = std::sync::OnceLock::new();
    let finders = FINDERS.get_or_init(|| TOOLSTACK_MARKERS.iter().map(|(m, _, _)| memchr::memmem::Finder::new(m.as_bytes())).collect());
    finders.iter().any(|f| f.find(b).is_some())
}

/// The exit status of a failed mount command in `text` (`exit code 32: mount`, or a JSON
/// `"exitCode": 32` next to a `mount` command), with the line it is on.
fn mount_exit_status(text: &str) -> Option<(u32, u32, &str)> {
    // Both forms contain `exit` in some case: without it no line is lower-cased and searched.
    if !contains_ignore_case_by(text.as_bytes(), b"exit", 1) {
        return None;
    }
    let has_mount_command = text.contains("mount ");
    for (i, line) in text.lines().enumerate() {
        let lower = line.to_ascii_lowercase();
        let status = if let Some(at) = lower.find("exit code ") {
            let rest = &lower[at + "exit code ".len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            rest[digits.len()..].starts_with(": mount").then(|| digits.parse().ok()).flatten()
        } else if let Some(at) = lower.find("\"exitcode\":") {
            let rest = &lower[at + "\"exitcode\":".len()..];
            let digits: String = rest.trim_start().chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok().filter(|_| has_mount_command)
        } else {
            None
        };
        if let Some(status) = status {
            return Some((status, u32::try_from(i + 1).unwrap_or(u32::MAX), line));
        }
    }
    None
}

/// A finding for a mount's exit status, when the input has one.
pub fn mount_failure(text: &str, facts: &Facts, confidence: Confidence) -> Option<Finding> {
    let (status, line, line_text) = mount_exit_status(text)?;
    let known = catalog::mount_exit(status);
    let mut f = Finding::of(&CD003, facts);
    f.priority = -1;
    f.confidence = confidence;
    if let Some(k) = known {
        f.category = k.category;
    }
    f.summary = match known {
        Some(k) => format!("mount exited with status {status}: {}", k.meaning).into(),
        None => format!("mount exited with status {status}.").into(),
    };
    f.cause = "The mount helper's own message (the lines after the command: `mount.nfs: …`, `mount error(N): …`) says \
               why; the most common causes are a wrong address or path, credentials the server refuses, or a protocol \
               version the server does not offer."
        .into();
    f.evidence.push(Evidence::at_line(line_text.trim(), line));
    steps(&mut f, Category::RemoteUnreachable);
    Some(f)
}

/// The kind of code a [`Found`] is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    /// An errno or a Node.js code (CD001).
    System,
    /// An NTSTATUS (CD002).
    Smb,
    /// An S3 error code (CD004).
    S3,
    /// A toolstack interface error (CD005).
    Toolstack,
}

/// One code found in a text, with the line it is on.
struct Found {
    name: &'static str,
    /// The qualifier of a toolstack error's name (`Db_exn.`), empty for the other families.
    prefix: &'static str,
    category: Category,
    meaning: &'static str,
    family: Family,
    line: u32,
    text: String,
}

fn is_word_byte(b: u8) -> bool {
    WORD_BYTES[usize::from(b)]
}

/// [`is_word_byte`] as a table: one load per byte where the scan of every input's lines
/// walks its words (the tests were ~10 instructions a byte natively).
static WORD_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = (b as u8).is_ascii_alphanumeric() || b as u8 == b'_';
        b += 1;
    }
    table
};

/// The upper-case word (letters, digits, `_`) starting at `i`.
fn word_at(bytes: &[u8], i: usize) -> &[u8] {
    let end = bytes[i..].iter().position(|&b| !is_word_byte(b)).map_or(bytes.len(), |n| i + n);
    &bytes[i..end]
}

/// A negative number right after `prefix` in `line` (`errno: -122` → 122).
fn number_after(line: &str, prefix: &str) -> Option<i64> {
    // Not lower-cased and searched unless it holds the prefix in some case (a line with `rr`,
    // as every JSON error has in `XapiError` or `"error"`, mostly does not).
    if !contains_ignore_case(line.as_bytes(), prefix.as_bytes()) {
        return None;
    }
    let lower = line.to_ascii_lowercase();
    let at = lower.find(prefix)? + prefix.len();
    let rest = line[at..].trim_start_matches([' ', ':', '=']);
    let digits: String = rest.chars().take_while(|c| *c == '-' || c.is_ascii_digit()).collect();
    digits.parse().ok().filter(|n: &i64| *n < 0)
}

/// The upper-case letters the errnos start with, and those the Node codes start with (bit
/// `b - b'A'`, a mask per table): a word starting with another letter (`VDI_IN_USE`, `OpaqueRef`)
/// is not looked up in that table. Two masks, not one: every errno starts with `E`, so
/// `SR_BACKEND_FAILURE_44` (`S`, as one Node code) is looked up in the Node codes only.
fn code_initials() -> (u32, u32) {
    static INITIALS: std::sync::OnceLock<(u32, u32)> = std::sync::OnceLock::new();
    *INITIALS.get_or_init(|| {
        let mask = |names: &mut dyn Iterator<Item = &str>| names.filter_map(|n| n.bytes().next().filter(u8::is_ascii_uppercase)).fold(0, |m, b| m | 1 << (b - b'A'));
        (mask(&mut catalog::errnos().iter().map(|e| e.name)), mask(&mut catalog::node_codes().iter().map(|n| n.name)))
    })
}

/// Whether a name of the table whose initials are `initials` (see [`code_initials`]) may start
/// with `b`.
fn may_start(initials: u32, b: u8) -> bool {
    !b.is_ascii_uppercase() || initials & (1 << (b - b'A')) != 0
}

/// Whether `haystack` contains `needle` (lower-case ASCII, not empty), ASCII
/// case-insensitively: a byte search for its first letter, then a comparison.
pub(super) fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    contains_ignore_case_by(haystack, needle, 0)
}

/// [`contains_ignore_case`], the byte search made for `needle[k]` instead of its first letter:
/// a rarer letter (the `x` of `exit`) stops at fewer places than a common one (an error's JSON
/// has a dozen `e`, each a comparison and a restart of the search).
fn contains_ignore_case_by(haystack: &[u8], needle: &[u8], k: usize) -> bool {
    let Some(&letter) = needle.get(k) else { return needle.is_empty() };
    memchr::memchr2_iter(letter, letter.to_ascii_uppercase(), haystack).any(|at| {
        at.checked_sub(k).and_then(|start| haystack.get(start..start + needle.len())).is_some_and(|w| w.eq_ignore_ascii_case(needle))
    })
}

/// Where a CamelCase word stands in its line, as far as S3 error codes go.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum S3Place {
    /// The value of an error's code field: `<Code>NoSuchBucket</Code>`, `Code: NoSuchBucket`,
    /// `"code": "NoSuchBucket"`, `ErrorCode=NoSuchBucket`, AWS SDK v3's `name: 'NoSuchBucket'`,
    /// boto's `An error occurred (NoSuchBucket) when…`, the Go SDK's `api error NoSuchBucket:`.
    Field,
    /// The head of a message, `NoSuchBucket: The specified bucket…`: at the start of a line, or
    /// after `Error: ` or a `message` key. Only the names no other API uses count there.
    Head,
}

/// Where the word `bytes[start..end]` stands (see [`S3Place`]), or `None` when it is not where
/// an S3 service's code is written: ordinary prose (`the InternalError counter`) never is.
/// A few byte comparisons around the word, no allocation.
fn s3_place(bytes: &[u8], start: usize, end: usize) -> Option<S3Place> {
    let before = &bytes[..start];
    let after = &bytes[end..];
    if before.ends_with(b"<Code>") || before.ends_with(b"api error ") {
        return Some(S3Place::Field);
    }
    if before.ends_with(b"error occurred (") {
        return (after.first() == Some(&b')')).then_some(S3Place::Field);
    }
    let is_quote = |b: &u8| *b == b'"' || *b == b'\'';
    let heads_message = after.starts_with(b": ") && after.get(2).is_some_and(|b| !b.is_ascii_whitespace());
    let mut p = before.strip_suffix(b"\"").or_else(|| before.strip_suffix(b"'")).unwrap_or(before);
    p = p.trim_ascii_end();
    if p.iter().all(|b| b.is_ascii_whitespace() || is_quote(b)) {
        return heads_message.then_some(S3Place::Head);
    }
    p = p.strip_suffix(b":").or_else(|| p.strip_suffix(b"=")).map(<[u8]>::trim_ascii_end)?;
    p = p.strip_suffix(b"\"").or_else(|| p.strip_suffix(b"'")).unwrap_or(p);
    let key_len = p.iter().rev().take_while(|b| b.is_ascii_alphanumeric()).count();
    let key = &p[p.len() - key_len..];
    let ends_with = |suffix: &[u8]| key.len() >= suffix.len() && key[key.len() - suffix.len()..].eq_ignore_ascii_case(suffix);
    if ends_with(b"code") || key.eq_ignore_ascii_case(b"name") {
        Some(S3Place::Field)
    } else if heads_message && (ends_with(b"error") || ends_with(b"exception") || key.eq_ignore_ascii_case(b"message")) {
        Some(S3Place::Head)
    } else {
        None
    }
}

fn scan_line(line: &str, line_no: u32, out: &mut Vec<Found>) {
    let bytes = line.as_bytes();
    let mut i = 0;
    // Word by word (runs of letters, digits and `_`): only a word's first byte can start a code.
    while i < bytes.len() {
        if !is_word_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let w = word_at(bytes, i);
        i += w.len();
        // Every code below starts with a capital letter, or `0x`: the other words are passed.
        if !(w[0].is_ascii_uppercase() || w[0] == b'0') {
            continue;
        }
        // Samba's tools print NTSTATUS names with an `NT_` prefix (`NT_STATUS_ACCESS_DENIED`).
        if w.starts_with(b"NT_STATUS_") {
            if let Some(s) = std::str::from_utf8(&w[3..]).ok().and_then(catalog::smb_status) {
                out.push(Found { prefix: "", name: s.name, category: s.category, meaning: s.meaning, family: Family::Smb, line: line_no, text: line.to_string() });
            }
        } else if w[0].is_ascii_uppercase() && w.len() >= 5 && w.iter().any(u8::is_ascii_lowercase) && !w.contains(&b'_') {
            // A CamelCase word: an S3 error code only where an error's code stands.
            let place = s3_place(bytes, i - w.len(), i);
            let code = place.and_then(|_| std::str::from_utf8(w).ok()).and_then(catalog::s3_code);
            if let Some(c) = code.filter(|c| c.distinct || place == Some(S3Place::Field)) {
                out.push(Found { prefix: "", name: c.name, category: c.category, meaning: c.meaning, family: Family::S3, line: line_no, text: line.to_string() });
            }
        } else if w[0].is_ascii_uppercase() && !w.starts_with(b"STATUS_") {
            let (errno_initials, node_initials) = code_initials();
            if (3..=40).contains(&w.len()) && (w[0] == b'E' || w.contains(&b'_')) && may_start(errno_initials | node_initials, w[0]) {
                let name = std::str::from_utf8(w).ok();
                if let Some(e) = name.filter(|_| may_start(errno_initials, w[0])).and_then(catalog::errno) {
                    out.push(Found { prefix: "", name: e.name, category: e.category, meaning: e.meaning, family: Family::System, line: line_no, text: line.to_string() });
                } else if let Some(n) = name.filter(|_| may_start(node_initials, w[0])).and_then(catalog::node_code) {
                    out.push(Found { prefix: "", name: n.name, category: n.category, meaning: n.meaning, family: Family::System, line: line_no, text: line.to_string() });
                }
            }
        } else if w.starts_with(b"STATUS_") {
            if let Some(s) = std::str::from_utf8(w).ok().and_then(catalog::smb_status) {
                out.push(Found { prefix: "", name: s.name, category: s.category, meaning: s.meaning, family: Family::Smb, line: line_no, text: line.to_string() });
            }
        } else if w.len() == 10 && w[0] == b'0' && (w[1] == b'x' || w[1] == b'X') {
            let value = std::str::from_utf8(&w[2..]).ok().and_then(|h| u32::from_str_radix(h, 16).ok());
            if let Some(s) = value.filter(|v| v >> 28 == 0xC).and_then(catalog::smb_status_by_value) {
                out.push(Found { prefix: "", name: s.name, category: s.category, meaning: s.meaning, family: Family::Smb, line: line_no, text: line.to_string() });
            }
        }
    }
    // Both prefixes contain `rr`: most lines do not, and are tested once for them both. What
    // `number_after` reads is a negative number: a line without a `-` has none (an error's JSON
    // has `rr` in `XapiError` or `"error"`, and no `-`), and is not searched for the prefixes.
    let may_hold = memchr::memchr(b'-', line.as_bytes()).is_some() && contains_ignore_case(line.as_bytes(), b"rr");
    let prefixes: &[&str] = if may_hold { &["unknown system error", "errno"] } else { &[] };
    // tapdisk's attach prints the -1 that tapdisk_vbd_lock returns after its own log line
    // ("Failed to open VBD marker file", blktap drivers/tapdisk-vbd.c: "Already logged"), not
    // -EPERM: that -1 names no errno.
    let not_an_errno = |n: &i64| *n == -1 && line.contains("errno -1 at tapdisk_control_attach_vbd");
    // A kernel driver's `errno=-16` (libata's `COMRESET failed (errno=-16)`) is the driver's own
    // return code about its device, not a system call's error: its lines are read by the
    // signatures of the driver's messages. (Asked only of a line that has such a number.)
    let numbers = prefixes
        .iter()
        .filter_map(|&prefix| number_after(line, prefix))
        .filter(|n| !not_an_errno(n) && !is_kernel_line(line))
        .chain(blktap_errno(line));
    for e in numbers.filter_map(catalog::errno_by_number) {
        if !out.iter().any(|f| f.line == line_no && f.name == e.name) {
            out.push(Found { prefix: "", name: e.name, category: e.category, meaning: e.meaning, family: Family::System, line: line_no, text: line.to_string() });
        }
    }
}

/// The negative errno a blktap line ends its message with, in parentheses: tapdisk's and
/// tap-ctl's `tap-err:` lines print the error as a negated errno (`… dropping request (-28)`,
/// `Unable to open [/var/run/sr-mount/…] (-22)!`). Only in those lines: elsewhere `(-28)` can be
/// anything (an offset, a temperature).
fn blktap_errno(line: &str) -> Option<i64> {
    let bytes = line.as_bytes();
    // (Byte searches, not `memmem`: a one-line error is checked for `(-` on every call, and
    // building a substring searcher costs more than the search.)
    let at = memchr::memrchr_iter(b'(', bytes).find(|&at| bytes.get(at + 1) == Some(&b'-'))?;
    let holds = |word: &[u8]| memchr::memchr_iter(b't', bytes).any(|i| bytes[i..].starts_with(word));
    if !holds(b"tap-err") && !holds(b"tapdisk") {
        return None;
    }
    let digits = &line[at + 2..];
    let len = digits.bytes().take_while(u8::is_ascii_digit).count();
    if len == 0 || len > 3 || digits.as_bytes().get(len) != Some(&b')') {
        return None;
    }
    digits[..len].parse::<i64>().ok().map(|n| -n)
}

/// Every known code of `text` ([`scan`]) and a failed mount's exit status ([`mount_failure`]).
pub fn scan_all(text: &str, facts: &Facts, confidence: Confidence) -> Vec<Finding> {
    let mut out = scan(text, facts, confidence);
    out.extend(mount_failure(text, facts, confidence));
    out
}

/// A finding for every distinct errno and NTSTATUS in `text`, with the lines they are on.
pub fn scan(text: &str, facts: &Facts, confidence: Confidence) -> Vec<Finding> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        // Cheap test first: most lines have no candidate at all.
        let b = line.as_bytes();
        let candidate = b.iter().any(u8::is_ascii_uppercase) || memchr::memmem::find(b, b"rrno").is_some();
        if candidate {
            let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
            scan_line(line, line_no, &mut found);
            if has_toolstack_marker(b) {
                for e in toolstack_in_line(line).into_iter().filter(|e| !e.wraps) {
                    let prefix = toolstack_prefix(e.interface);
                    found.push(Found { prefix, name: e.name, category: e.category, meaning: e.meaning, family: Family::Toolstack, line: line_no, text: line.to_string() });
                }
            }
        }
        if found.len() > 10_000 {
            break;
        }
    }
    let mut out: Vec<Finding> = Vec::new();
    for f in found {
        let code = format!("{}{}", f.prefix, f.name);
        if let Some(existing) = out.iter_mut().find(|x| x.codes.first() == Some(&code)) {
            super::push_evidence(&mut existing.evidence, Evidence::at_line(f.text.trim(), f.line));
            continue;
        }
        let (info, title) = match f.family {
            Family::System => (&CD001, "System error"),
            Family::Smb => (&CD002, "SMB server error"),
            Family::S3 => (&CD004, "S3 service error"),
            Family::Toolstack => (&CD005, "Toolstack internal error"),
        };
        let mut finding = Finding::of(info, facts);
        finding.priority = -1;
        finding.confidence = confidence;
        finding.codes.push(code);
        finding.title = format!("{title} {}", f.name).into();
        finding.evidence.push(Evidence::at_line(f.text.trim(), f.line));
        if f.family == Family::Toolstack {
            toolstack_advice(&mut finding, &f);
        } else if f.family == Family::S3 {
            finding.category = f.category;
            finding.summary = format!("{}: {}", f.name, f.meaning).into();
            s3_advice(&mut finding, f.name, f.category);
        } else if f.name == "ENOENT" && names_kernel_interface(&f.text) {
            // Daemons probe sysfs and procfs for what a device supports; a file missing there is
            // an answer (a virtual NIC has no PCI ids, a card without SR-IOV no VF count).
            finding.category = Category::Benign;
            finding.severity = Severity::Info;
            finding.summary = "ENOENT on a file of the kernel's interfaces (/sys, /proc): the device or the kernel does not offer it.".into();
            finding.cause = "Toolstack daemons read sysfs and procfs to learn what a device supports; a file that is not there \
                             means the feature is absent (a virtual or USB network card has no PCI vendor file, a card without \
                             SR-IOV no VF count), which they handle. Only a failure the log reports beside it needs attention."
                .into();
        } else if f.family == Family::Smb && is_samba_session_end(&f.text, f.name) {
            // smbd logs why each client's session ended (source3/smbd/server_exit.c); a client that
            // closed its connection is the normal end, not a refusal.
            finding.category = Category::Benign;
            finding.severity = Severity::Info;
            finding.summary = format!("{}: Samba's smbd ended a client's session because the client closed its connection.", f.name).into();
            finding.cause = "smbd logs the reason each session ended; a reset, a disconnection or the end of the stream means \
                             the client (a backup tool unmounting the share, a machine going to sleep) went away, which is the \
                             normal end of a session. Only a failure the client reports at that time needs attention."
                .into();
        } else if f.family == Family::System && is_system_service_line(&f.text) {
            // logrotate, cron, the package manager…: the machine's own disk or limits, on a host
            // or on the Xen Orchestra VM alike, not the backup target the catalogue's meaning names.
            finding.category = host_category(f.category);
            finding.summary = format!("{}: a system service of this machine (logrotate, cron, the package manager…) got this system error.", f.name).into();
            finding.cause = "The operating system refused or failed an operation of a service on the machine that wrote the \
                             line: its own file systems (a full /var or /var/log), limits or files, not a backup target."
                .into();
            finding.step_cmd("See the free space and inodes of that machine's file systems.", "df -h; df -i");
        } else if f.family == Family::System && is_ocaml_unix_error(&f.text) && !is_host_log_line(&f.text) {
            // OCaml's `Unix.Unix_error(Unix.ENOSPC, "write", "")` without a log prefix: a system
            // call of an OCaml program (xapi and its daemons in dom0, or xe where it ran) failed
            // on that machine's own files or sockets; the catalogue's meanings are the backup
            // target's, and no backup tool prints this form.
            finding.category = host_category(f.category);
            finding.summary = format!(
                "{}: a system call of an OCaml program (XAPI or one of its daemons in dom0, or the xe command where it ran) got this system error.",
                f.name
            )
            .into();
            finding.cause = "The operating system refused or failed an operation of the program that printed the error, on that \
                             machine's own files, file systems or sockets (for XAPI, the host's dom0), not on a backup target; \
                             the log lines around it (xensource.log on the host) name the operation."
                .into();
            if f.category == Category::RemoteFull {
                finding.step_cmd("On the machine that printed it (for XAPI, the host), see which file system is full, in space or in inodes.", "df -h; df -i");
            }
            finding.step_cmd(
                "On a host, read XAPI's log around the error for the operation that failed.",
                format!("grep -n -B5 -A5 -e '{}' /var/log/xensource.log | tail -n 80", f.name),
            );
        } else if f.family == Family::System && is_host_log_line(&f.text) {
            // The catalogue's meanings are written for backup tools; on a host the same errno is
            // about the host's own disks and processes.
            finding.category = host_category(f.category);
            if let Some(severity) = severity_of_daemon_level(&f.text) {
                finding.severity = severity;
            }
            finding.summary = format!("{}: a process on the host (tapdisk, the storage manager, xapi or the kernel) got this system error.", f.name).into();
            finding.cause = "The operating system refused or failed the host's own operation on a disk, a device or a \
                             process; the lines around it name the operation and the disk."
                .into();
            finding.step_cmd(
                "Read the host's logs around the error for the operation that failed.",
                format!("grep -n -B5 -A5 -e '{}' -e 'errno' /var/log/SMlog /var/log/daemon.log | tail -n 80", f.name),
            );
        } else {
            let category = if f.name == "ERR_ASSERTION" { assertion_category(text, f.line) } else { f.category };
            finding.category = category;
            finding.summary = format!("{}: {}", f.name, f.meaning).into();
            if is_node_code(f.name) {
                // Node's own codes (ERR_…, undici's UND_ERR_…) are raised by the runtime or its
                // libraries, not by a system call: the program's code, its Node release or its
                // TLS peer, never the operating system, is what the meaning is about.
                finding.title = format!("Node.js error {}", f.name).into();
                finding.cause = "Node.js (the JavaScript runtime of Xen Orchestra, xo-cli and other tools) raised this error \
                                 itself, not the operating system: the meaning above says what the program met."
                    .into();
            } else if f.family == Family::Smb && own_description(category).is_none() {
                // An NTSTATUS is the SMB server's answer, not an error of the local system.
                finding.cause = "The SMB server answered the operation with this status: the meaning above says what it \
                                 refused or failed; the server's own log has the details."
                    .into();
            } else {
                finding.cause = describe(category).into();
            }
            steps(&mut finding, category);
        }
        out.push(finding);
    }
    out
}

/// Words of the code that reads a stored disk or backup file (Xen Orchestra's `vhd-lib`, an XVA,
/// VMDK or qcow2 reader, a footer or checksum it compares).
const STORED_DATA_READERS: &[&str] = &["vhd", "footer", "checksum", "xva", "vmdk", "qcow"];

/// The category of a Node `AssertionError` (`ERR_ASSERTION`) whose code is on line `line`
/// (1-based) of `text`. An assertion is a program checking its own invariants: when the check is
/// on data read from a stored file (the stack or the message names a disk-image or backup-file
/// reader, within a few lines), a failed one means the file is damaged; anywhere else (an HTTP
/// client's state, the pool's cached objects, a plug-in's own bookkeeping) it is a bug of the
/// version in use, which an update fixes.
fn assertion_category(text: &str, line: u32) -> Category {
    let from = usize::try_from(line).unwrap_or(usize::MAX).saturating_sub(4);
    let reads_stored_data = text.lines().skip(from).take(16).any(|l| {
        let lower = l.to_ascii_lowercase();
        STORED_DATA_READERS.iter().any(|m| lower.contains(m))
    });
    if reads_stored_data {
        Category::Corruption
    } else {
        Category::XapiVersion
    }
}

/// A toolstack interface error's finding: its meaning and category, the severity of the
/// daemon's line (one logged at debug level was handled), where to read more.
fn toolstack_advice(f: &mut Finding, found: &Found) {
    let component = match found.prefix {
        "Xenops_interface." => "xenopsd (the daemon that runs the VMs' domains)",
        "Storage_interface." => "the storage layer (XAPI's SMAPI and the SR drivers)",
        "Db_exn." => "XAPI's database",
        _ => "XAPI's table of storage drivers",
    };
    f.category = found.category;
    if let Some(severity) = severity_of_daemon_level(&found.text) {
        f.severity = severity;
    }
    if is_backtrace_line(&found.text) {
        // XAPI logs a backtrace for every exception that leaves a wrapped call, handled ones
        // too (a lookup by uuid that is allowed to fail, a database not loaded yet); a failure
        // that mattered is reported by the operation's own error (an INTERNAL_ERROR).
        f.severity = Severity::Info;
    }
    f.summary = format!("{} ({component}): {}", found.name, found.meaning).into();
    f.cause = format!(
        "An error {component} raised inside the toolstack; XAPI passes it on (often inside an INTERNAL_ERROR) when it has \
         no public error code for it. {}",
        match found.category {
            Category::Configuration => "The VM's or the host's settings or state do not allow the operation as asked.",
            Category::StorageUnreachable => "The SR is not reachable or not set up on the host the operation ran on.",
            Category::VdiInUse => "The disk or device is held by another VM, host or operation.",
            Category::LockOrTimeout => "Something did not happen in time, or the task was cancelled.",
            Category::XapiVersion => "The toolstack's components do not support the operation together (versions or SR type).",
            _ => "The meaning above says where to look.",
        }
    ).into();
    f.step_cmd(
        "Read the operation around this error in the pool master's (and the VM's host's) XAPI log.",
        format!("grep -n -B 10 -A 10 '{}' /var/log/xensource.log | tail -n 80", found.name),
    );
    match found.category {
        Category::StorageUnreachable => {
            f.step("Check that the SR is plugged on every host (its PBDs attached), repair it from Xen Orchestra or XenCenter if not, then retry.");
        }
        Category::Configuration => {
            f.step("Bring the VM or the host into the state the operation needs (power state, free memory, devices), then retry.");
        }
        Category::VdiInUse => {
            f.step("Find which VM, host or task still holds the disk or device, let it finish or release it, then retry.");
        }
        _ => {
            f.step("Retry the operation once; if it fails the same way, the log's lines before the error name what went wrong first.");
        }
    }
}

/// A line of a backtrace XAPI logged: its `|backtrace]` tag, or the printer's `Raised …`,
/// `Re-raised …`, `… failed with exception …`, `Called from …` lines pasted without it (quoted
/// `> ` in a forum or an e-mail too).
fn is_backtrace_line(line: &str) -> bool {
    let t = crate::input::xapi::strip_quote_prefix(line);
    line.contains("|backtrace]")
        || line.contains("failed with exception ")
        || ["Raised ", "Re-raised ", "Called from "].iter().any(|p| t.starts_with(p))
}

/// Why an S3 code of this category shows up in a backup, and what to do about it.
fn s3_advice(f: &mut Finding, name: &str, category: Category) {
    f.cause = match category {
        Category::RemoteUnreachable => {
            "The S3 service (Amazon S3 or a compatible one: MinIO, Ceph, Wasabi…) refused the request to the backup \
             bucket: the endpoint, region, bucket or keys the client uses are not what it expects, or the key lacks a \
             right the backup needs."
        }
        Category::RemoteFull => "The storage or the quota behind the bucket is used up, so the S3 service refuses new writes.",
        Category::Network => {
            "The S3 service could not serve the request at that moment (a failure on its side, throttling, or an upload \
             that stalled or broke on the way). Backups retry such errors; a job that still fails met them repeatedly."
        }
        Category::Configuration => "A setting on the sending side or of the account keeps the S3 service from accepting the request.",
        Category::LockOrTimeout => "Another operation on the same bucket or object was under way and the S3 service refused this one meanwhile.",
        _ => {
            "The S3 service refused the request itself as invalid or not supported: a bug of the client, or a feature \
             an S3-compatible service does not offer."
        }
    }
    .into();
    match category {
        Category::RemoteUnreachable => {
            f.step("For a Xen Orchestra remote, test it (Settings → Remotes → Test).");
            f.step("Check the endpoint (for a Xen Orchestra remote, a host name without https://), region, bucket name and keys the client uses, and that the key may list, read, write and delete in the bucket.");
        }
        Category::RemoteFull => {
            f.step("Free space in the bucket or raise its quota on the S3 service (old backups, retention settings), then run the job again.");
        }
        Category::Network => {
            f.step("Run the job again; if the error comes back, check the S3 service's status and the network between the client (Xen Orchestra or its proxy, for a backup remote) and the endpoint.");
            f.step_cmd("From the machine that sends the requests:", "curl -sv https://<s3-endpoint>/ -o /dev/null");
        }
        Category::Configuration if name == "RequestTimeTooSkewed" => {
            f.step_cmd("Check the clock of the machine that sends the requests (for a Xen Orchestra remote, the Xen Orchestra machine and its proxy) and keep it synchronised.", "timedatectl");
        }
        _ => {
            f.step("Update the client that sent the request (Xen Orchestra, or the other tool), and check that the S3 service supports what it uses (multipart uploads, batch deletes, checksums).");
            xo_server_log_step!(f, "If Xen Orchestra sent it, read xo-server's log around the time of the failure", "tail -n 200");
        }
    }
}

/// A code of Node.js itself (`ERR_…`) or of its HTTP client undici (`UND_ERR_…`), not an errno.
fn is_node_code(name: &str) -> bool {
    name.starts_with("ERR_") || name.starts_with("UND_ERR_")
}

/// A line naming a file of the kernel's interfaces: a path under `/sys/` or `/proc/`.
fn names_kernel_interface(line: &str) -> bool {
    ["/sys/", "/proc/"].iter().any(|dir| {
        line.match_indices(dir).any(|(at, _)| at == 0 || matches!(line.as_bytes()[at - 1], b' ' | b'"' | b'\'' | b'(' | b'=' | b':'))
    })
}

/// A line of a host's own logs (SMlog, daemon.log with tapdisk, kern.log, xensource.log and the
/// other toolstack daemons' logs). tapdisk's lines carry its syslog ident `tapdisk[<pid>]`
/// (blktap's tapdisk_syslog_ident) or its functions' names (`__tapdisk_vbd_…`): the bare word
/// may be part of a path of anything (a remote's `/mnt/nfs/tapdisk/…`).
pub(super) fn is_host_log_line(line: &str) -> bool {
    ["tapdisk[", "__tapdisk_", "tapdisk_vbd", "tap-err", "tap-ctl", "SM: [", "SMGC: [", "kernel:", "xapi: [", "xenopsd", "blktap"].iter().any(|m| line.contains(m))
        || daemon_level(line).is_some()
}

/// OCaml's print of a failed system call, `Unix.Unix_error(Unix.ENOSPC, "write", "")` (the
/// exception's constructor and the errno's constructor, as Printexc writes them).
fn is_ocaml_unix_error(line: &str) -> bool {
    line.contains("Unix.Unix_error(") || line.contains("Unix_error(Unix.")
}

/// Samba's note of a session ended by its client: `Server exit (NT_STATUS_CONNECTION_RESET)`
/// (or the connection's disconnection, or the end of its stream).
fn is_samba_session_end(line: &str, status: &str) -> bool {
    line.contains("Server exit (") && matches!(status, "STATUS_CONNECTION_RESET" | "STATUS_CONNECTION_DISCONNECTED" | "STATUS_END_OF_FILE")
}

/// The system services whose syslog lines are about the machine that logged them (its own
/// disks, its own scheduler), never about a backup target, whichever machine that is (compared
/// in any case: cron logs as `CROND` on some systems).
const SYSTEM_SERVICES: &[&str] = &[
    "logrotate", "systemd", "systemd-journald", "journald", "rsyslogd", "syslog-ng", "crond", "cron", "anacron", "yum",
    "dnf", "rpm", "apt", "dpkg", "sshd", "dbus-daemon", "auditd", "chronyd", "ntpd",
];

/// A syslog line (`Mmm dd HH:MM:SS host program[pid]: …`) that one of [`SYSTEM_SERVICES`] wrote.
pub(super) fn is_system_service_line(line: &str) -> bool {
    crate::input::smlog::line::syslog_program(line.as_bytes())
        .is_some_and(|program| SYSTEM_SERVICES.iter().any(|service| service.as_bytes().eq_ignore_ascii_case(program)))
}

/// A line the kernel logged: `dmesg`'s `[ 1234.567890] …`, or a syslog line of `kernel`.
fn is_kernel_line(line: &str) -> bool {
    let dmesg_stamp = line.trim_start().strip_prefix('[').and_then(|rest| rest.split_once(']')).is_some_and(|(stamp, _)| {
        let stamp = stamp.trim_start();
        stamp.split_once('.').is_some_and(|(secs, micros)| {
            !secs.is_empty() && !micros.is_empty() && secs.bytes().all(|b| b.is_ascii_digit()) && micros.bytes().all(|b| b.is_ascii_digit())
        })
    });
    dmesg_stamp || crate::input::smlog::line::syslog_program(line.as_bytes()) == Some(b"kernel")
}

/// The level a toolstack daemon (xapi, xenopsd, xcp-networkd, squeezed, xcp-rrdd…) wrote a line
/// at: they all write `<daemon>: [<level>|<host>|…]`, the level padded to five characters.
fn daemon_level(line: &str) -> Option<&'static str> {
    ["[debug|", "[ info|", "[ warn|", "[error|"].into_iter().find(|level| line.contains(level))
}

/// What an errno on a daemon's line weighs, from the level the daemon gave the line: one it
/// logged as debug or information is something it handled (a file it probed and did not find,
/// a retry), one it logged as a warning is worth a look, not an error.
fn severity_of_daemon_level(line: &str) -> Option<Severity> {
    match daemon_level(line)? {
        "[debug|" | "[ info|" => Some(Severity::Info),
        "[ warn|" => Some(Severity::Warning),
        _ => None,
    }
}

/// The category of an errno met on a host: the backup-target categories become the host's own.
fn host_category(category: Category) -> Category {
    match category {
        Category::RemoteFull => Category::InsufficientSpace,
        Category::RemoteUnreachable => Category::Other,
        other => other,
    }
}

/// What an error of this category means for a file operation, when the category has a sentence
/// of its own (the backup target's, the network's, a device's, a lock's).
fn own_description(category: Category) -> Option<&'static str> {
    Some(match category {
        Category::RemoteFull => "The backup target (the remote) ran out of space or quota while the backup was written to it.",
        Category::RemoteUnreachable => {
            "The backup target refused or could not serve the file operation: a path that does not exist, missing \
             permissions for the user the backup runs as (xo-server's, for Xen Orchestra), or a share that went away."
        }
        Category::Network => "The connection between the backup tool and the host or the remote could not be made or broke.",
        Category::IoError => "The device or file system under the file answered with an I/O error.",
        Category::LockOrTimeout => "The resource was busy or locked by another process.",
        _ => return None,
    })
}

/// Why a code of this category usually shows up in a backup: [`own_description`], or the
/// fallback (the operating system refused the operation).
fn describe(category: Category) -> &'static str {
    own_description(category).unwrap_or("The operating system refused the operation with this error.")
}

fn steps(f: &mut Finding, category: Category) {
    match category {
        Category::RemoteFull | Category::RemoteUnreachable => {
            f.step("For a Xen Orchestra remote, test it (Settings → Remotes → Test) to see whether it is mounted, writable and has space.");
            f.step_cmd("On the Xen Orchestra machine, check the remote's mount and free space.", "df -h /run/xo-server/mounts/*");
        }
        Category::Network => {
            f.step("Check that the Xen Orchestra machine (or its proxy) reaches the pool master on port 443.");
            f.step_cmd("From the Xen Orchestra machine:", "curl -kv https://<pool-master-address>/ -o /dev/null");
        }
        _ => {
            xo_server_log_step!(f, "If Xen Orchestra printed the error, read xo-server's log around the time of the failure", "tail -n 200");
        }
    }
}

#[cfg(test)]
mod pair_test {
    /// `has_toolstack_marker` answers `false` for a line without the markers' first two bytes:
    /// a marker added with another start must be added to its pre-test too.
    #[test]
    fn every_marker_starts_with_a_pair_of_the_pre_test() {
        for (marker, _, _) in super::TOOLSTACK_MARKERS {
            assert!(["Xe", "St", "Sm", "Db"].iter().any(|p| marker.starts_with(p)), "{marker}");
            assert!(super::has_toolstack_marker(marker.as_bytes()), "{marker}");
        }
        assert!(!super::has_toolstack_marker(b"SR_BACKEND_FAILURE_44(, There is insufficient space, )"));
    }

    /// leads43: OCaml's `Unix.Unix_error(Unix.ENOSPC, …)` without a log prefix is a full file
    /// system of the machine whose OCaml program printed it, never a backup remote's; a Node
    /// error's ENOSPC keeps the catalogue's meaning.
    #[test]
    fn an_ocaml_unix_error_is_the_machines_own() {
        let category = |text: &str| {
            let d = crate::diagnose_text(text, &crate::options::Options::default()).expect("diagnosis");
            d.findings.iter().find(|f| f.rule == "CD001" && f.codes.iter().any(|c| c == "ENOSPC")).map(|f| f.category)
        };
        assert_eq!(category("Unix.Unix_error(Unix.ENOSPC, \"write\", \"\")"), Some(crate::model::Category::InsufficientSpace));
        // (Node's own form is XO004's, which the decoding then stands beside or behind.)
        assert_ne!(category("Error: ENOSPC: no space left on device, write '/mnt/backup/x.json'"), Some(crate::model::Category::InsufficientSpace));
    }

    /// tapdisk's attach prints tapdisk_vbd_lock's literal -1, which is no EPERM; other errnos of
    /// tapdisk's lines are still read.
    #[test]
    fn a_kernel_drivers_errno_is_its_own() {
        let ebusy = |text: &str| {
            let d = crate::diagnose_text(text, &crate::options::Options::default()).expect("diagnosis");
            d.findings.iter().any(|f| f.rule == "CD001" && f.codes.iter().any(|c| c == "EBUSY"))
        };
        assert!(!ebusy("[  123.456789] ata3: COMRESET failed (errno=-16)"));
        assert!(!ebusy("Dec  6 01:02:03 xcp1 kernel: [  123.456789] ata3: COMRESET failed (errno=-16)"));
        // A program's errno stays decoded.
        assert!(ebusy("Dec  6 01:02:03 xo node[812]: Error: errno: -16"));
    }

    #[test]
    fn tapdisk_attach_minus_one_is_no_errno() {
        let rules = |text: &str| {
            let d = crate::diagnose_text(text, &crate::options::Options::default()).expect("diagnosis");
            d.findings.iter().map(|f| (f.rule, f.title.to_string())).collect::<Vec<_>>()
        };
        let attach = rules("tapdisk[30111]: ERROR: errno -1 at tapdisk_control_attach_vbd: Failed to lock VBD marker file for 7");
        assert!(!attach.iter().any(|(r, t)| *r == "CD001" && t.contains("EPERM")), "{attach:?}");
        let stale = rules("tapdisk[21954]: ERROR: errno -116 at __tapdisk_vbd_complete_td_request: req tap-7.0: write 0x0008 secs @ 0x00b8c800 - Stale file handle");
        assert!(stale.iter().any(|(r, t)| *r == "CD001" && t.contains("ESTALE")), "{stale:?}");
    }

    #[test]
    fn an_assertion_is_a_bug_unless_it_checks_a_stored_file() {
        let vhd = "AssertionError [ERR_ASSERTION]: footer1 !== footer2\n    at Vhd.readHeaderAndFooter (vhd-lib/src/vhd.js:161:7)";
        assert_eq!(super::assertion_category(vhd, 1), super::Category::Corruption);
        let http = "AssertionError [ERR_ASSERTION]: assert(!this.paused)\n    at Parser.finish (undici/lib/dispatcher/client-h1.js:302:5)";
        assert_eq!(super::assertion_category(http, 1), super::Category::XapiVersion);
    }
}
