//! The common finding model: every capability (XAPI errors, Xen Orchestra logs, SMlog, VDI
//! chains, space plans) reports what it found as [`Finding`]s of this one shape, so a UI renders
//! them all the same way. Field names serialise in camelCase; absent values serialise as `null`.

use std::borrow::Cow;
use std::collections::btree_map::{BTreeMap, Entry};

use serde::{Serialize, Serializer};

/// What kind of problem a finding is about (the public `category` enum of DESIGN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// The SR lacks space for a snapshot, clone, inflate or coalesce.
    InsufficientSpace,
    /// The VHD chain reached the storage manager's limit.
    ChainTooLong,
    /// Coalesce / garbage collection is failing or has not caught up.
    CoalesceFailure,
    /// The disk is attached, locked or busy in another operation.
    VdiInUse,
    /// Reading or writing disk data failed, or a transfer stream broke.
    IoError,
    /// The operation is restricted by the host's licence or edition.
    License,
    /// An incremental backup or replication lost its base.
    MissingBaseVm,
    /// The backup target has no space or quota left.
    RemoteFull,
    /// The backup target (NFS, SMB, S3, a local path) cannot be mounted, reached, read or
    /// written: refused, timed out, wrong path, permissions, credentials.
    RemoteUnreachable,
    /// Xen Orchestra, a proxy or a tool cannot reach the pool's hosts, or the connection broke.
    Network,
    /// A smart backup job selected no VM.
    NoMatchingVms,
    /// A host, Xen Orchestra or tool version is too old, too new or mismatched, or has a known
    /// bug that an update fixes.
    XapiVersion,
    /// A lock could not be taken or an operation timed out.
    LockOrTimeout,
    /// The storage or the SR cannot be reached or attached.
    StorageUnreachable,
    /// A VHD or metadata is damaged.
    Corruption,
    /// The VM's, pool's or Xen Orchestra's setup forbids the operation.
    Configuration,
    /// Still running normally (a long coalesce that progresses): wait.
    InProgress,
    /// Looks alarming but is normal; information only.
    Benign,
    /// Recognised, with no more specific category.
    Other,
}

impl Category {
    /// In the order of the public enum (build/knowledge.rs lists the same names in this order).
    pub const ALL: [Category; 19] = [
        Category::InsufficientSpace,
        Category::ChainTooLong,
        Category::CoalesceFailure,
        Category::VdiInUse,
        Category::IoError,
        Category::License,
        Category::MissingBaseVm,
        Category::RemoteFull,
        Category::RemoteUnreachable,
        Category::Network,
        Category::NoMatchingVms,
        Category::XapiVersion,
        Category::LockOrTimeout,
        Category::StorageUnreachable,
        Category::Corruption,
        Category::Configuration,
        Category::InProgress,
        Category::Benign,
        Category::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::InsufficientSpace => "insufficient_space",
            Category::ChainTooLong => "chain_too_long",
            Category::CoalesceFailure => "coalesce_failure",
            Category::VdiInUse => "vdi_in_use",
            Category::IoError => "io_error",
            Category::License => "license",
            Category::MissingBaseVm => "missing_base_vm",
            Category::RemoteFull => "remote_full",
            Category::RemoteUnreachable => "remote_unreachable",
            Category::Network => "network",
            Category::NoMatchingVms => "no_matching_vms",
            Category::XapiVersion => "xapi_version",
            Category::LockOrTimeout => "lock_or_timeout",
            Category::StorageUnreachable => "storage_unreachable",
            Category::Corruption => "corruption",
            Category::Configuration => "configuration",
            Category::InProgress => "in_progress",
            Category::Benign => "benign",
            Category::Other => "other",
        }
    }
}

/// How bad it is. Declared from the most to the least severe, so sorting ascending ranks the
/// most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Data is at risk.
    Critical,
    /// The operation failed.
    Error,
    /// It will fail soon, or it degrades.
    Warning,
    /// Information only.
    Info,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Critical, Severity::Error, Severity::Warning, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// Parses `critical`, `error`, `warning` or `info`.
    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// How sure the diagnosis is: `high` when the input carried the error code in a structured
/// form, `medium` when it was found in free text, `low` when only a description matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

/// One line (or fragment) of the input that supports a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub text: String,
    /// 1-based line number in the whole input, where the input has lines.
    pub line: Option<u32>,
    /// Process id of an SMlog line.
    pub pid: Option<u32>,
}

/// The longest evidence text kept, in bytes: a longer text is cut at a character boundary and
/// ends with `…` (a pasted 100 MB line must not be copied into every finding it supports).
pub const MAX_EVIDENCE_TEXT: usize = 1000;

/// `text` cut to at most `max` bytes at a character boundary, with `…` when it was cut (only the
/// kept part is copied).
pub fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut out = String::with_capacity(cut + 3);
    out.push_str(text.get(..cut).unwrap_or_default());
    out.push('\u{2026}');
    out
}

impl Evidence {
    pub fn text(text: impl AsRef<str>) -> Self {
        Evidence { text: clip(text.as_ref(), MAX_EVIDENCE_TEXT), line: None, pid: None }
    }

    /// [`Evidence::text`] of a text the caller gives up (a `String` it built): kept as it is
    /// when short enough (the usual case) instead of copied.
    pub fn owned(text: String) -> Self {
        let text = if text.len() <= MAX_EVIDENCE_TEXT { text } else { clip(&text, MAX_EVIDENCE_TEXT) };
        Evidence { text, line: None, pid: None }
    }

    pub fn at_line(text: impl AsRef<str>, line: u32) -> Self {
        Evidence { text: clip(text.as_ref(), MAX_EVIDENCE_TEXT), line: Some(line), pid: None }
    }
}

/// One step of a remediation: what to do, and the command to run when there is one. Most are
/// the rules' own literals, borrowed rather than copied into every finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub text: Cow<'static, str>,
    pub command: Option<Cow<'static, str>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub title: Cow<'static, str>,
    pub url: Cow<'static, str>,
}

/// Named parameters of an error, in their declared order (serialised as a plain object). The
/// names are mostly the catalogue's, borrowed, and so are the values that are literals of the
/// program (an SR error's name and text from the catalogue).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Params(pub Vec<(Cow<'static, str>, Cow<'static, str>)>);

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_ref())
    }

    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Cow<'static, str>>) {
        self.insert_named(Cow::Owned(name.into()), value.into());
    }

    /// [`Params::insert`] under a name that is a literal (the catalogue's parameter names):
    /// borrowed, not copied.
    pub fn insert_static(&mut self, name: &'static str, value: impl Into<Cow<'static, str>>) {
        self.insert_named(Cow::Borrowed(name), value.into());
    }

    fn insert_named(&mut self, name: Cow<'static, str>, value: Cow<'static, str>) {
        match self.0.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Params {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// What a finding is about, as far as the input tells: the VM, disk, SR, backup job and task.
/// Every field is `null` when unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    pub vm_uuid: Option<String>,
    pub vm_name: Option<String>,
    pub vdi_uuid: Option<String>,
    pub sr_uuid: Option<String>,
    pub sr_name: Option<String>,
    pub host: Option<String>,
    pub job_id: Option<String>,
    pub job_name: Option<String>,
    pub task_id: Option<String>,
    /// The Xen Orchestra task name (`snapshot`, `transfer`, `backup VM`…) or the XAPI call.
    pub task: Option<String>,
    /// `failure` or `skipped` for a Xen Orchestra task.
    pub task_status: Option<String>,
}

impl Subject {
    /// Whether every field is unknown (the same as `== Subject::default()`, without building and
    /// dropping a default to compare with: the wire form asks it of every finding).
    pub fn is_empty(&self) -> bool {
        let Subject { vm_uuid, vm_name, vdi_uuid, sr_uuid, sr_name, host, job_id, job_name, task_id, task, task_status } = self;
        [vm_uuid, vm_name, vdi_uuid, sr_uuid, sr_name, host, job_id, job_name, task_id, task, task_status].iter().all(|f| f.is_none())
    }

    /// Fills the fields this subject lacks from `other`.
    pub fn fill_from(&mut self, other: &Subject) {
        fn fill(slot: &mut Option<String>, from: &Option<String>) {
            if slot.is_none() {
                slot.clone_from(from);
            }
        }
        fill(&mut self.vm_uuid, &other.vm_uuid);
        fill(&mut self.vm_name, &other.vm_name);
        fill(&mut self.vdi_uuid, &other.vdi_uuid);
        fill(&mut self.sr_uuid, &other.sr_uuid);
        fill(&mut self.sr_name, &other.sr_name);
        fill(&mut self.host, &other.host);
        fill(&mut self.job_id, &other.job_id);
        fill(&mut self.job_name, &other.job_name);
        fill(&mut self.task_id, &other.task_id);
        fill(&mut self.task, &other.task);
        fill(&mut self.task_status, &other.task_status);
    }
}

/// One diagnosis: what happened, why, what to do, and the evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// Stable rule id, e.g. `SR044`.
    pub rule: &'static str,
    /// The rule's kebab-case name, e.g. `sr-insufficient-space`.
    pub rule_name: &'static str,
    /// The rule's title, or a text the rule built (borrowed when it is a literal of the program,
    /// as are `summary` and `cause` when the rule wrote one: no copy per call).
    pub title: Cow<'static, str>,
    pub category: Category,
    pub severity: Severity,
    /// Error codes involved, as sent on the wire (`SR_BACKEND_FAILURE_44`, `VDI_IN_USE`…).
    pub codes: Vec<String>,
    /// The error's parameters by name (`VDI_IN_USE` → `vdi`, `operation`).
    pub params: Params,
    /// One sentence: what happened.
    pub summary: Cow<'static, str>,
    /// Why it happens.
    pub cause: Cow<'static, str>,
    /// What to do, in order.
    pub remediation: Vec<Step>,
    pub links: Vec<Link>,
    pub evidence: Vec<Evidence>,
    pub confidence: Confidence,
    pub subject: Subject,
    /// How close to the root cause this kind of finding usually is, among findings of the same
    /// severity: a failed mount outranks the `ENOENT` it caused. The rules' findings and
    /// signatures are 1 unless they say otherwise (a root cause 2 to 4, a symptom 0); a bare
    /// code's decoding is -1. Used for ranking only, not serialised.
    #[serde(skip)]
    pub priority: i8,
    /// The lines of the XAPI error the finding reads, when it reads one: a finding that quotes
    /// any of them reads the same error (`drop_repeated_readings`). Not serialised.
    #[serde(skip)]
    pub quotation: Option<Quotation>,
    /// The catch-all reading of an error (XA019's `INTERNAL_ERROR` with no named exception):
    /// a reading closer to the cause that quotes the same error says more, whatever category it
    /// gives (`drop_repeated_readings`). Not serialised.
    #[serde(skip)]
    pub catch_all: bool,
}

/// The lines of one XAPI error (its code, its parameters, a backtrace…), which the readers of
/// the error quote in part (a signature its one line, the code's reading the code and message
/// lines): one quotation, from its first line to its last, in one SMlog process when one
/// logged them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotation {
    pub first: u32,
    pub last: u32,
    pub pid: Option<u32>,
}

impl Quotation {
    /// The quotation of an error's evidence: none when it has no line, or when its lines come
    /// from several processes (other processes' lines between them are not the error's).
    pub fn of(evidence: &[Evidence]) -> Option<Quotation> {
        let mut lines = evidence.iter().filter(|e| e.line.is_some());
        let pid = lines.clone().next()?.pid;
        if lines.clone().any(|e| e.pid != pid) {
            return None;
        }
        let (first, last) = lines.try_fold((u32::MAX, 0), |(lo, hi), e| e.line.map(|l| (lo.min(l), hi.max(l))))?;
        Some(Quotation { first, last, pid })
    }

    /// Whether the evidence is one of the error's lines.
    pub fn holds(&self, e: &Evidence) -> bool {
        e.line.is_some_and(|l| self.first <= l && l <= self.last) && (self.pid.is_none() || e.pid == self.pid)
    }
}

/// Which kind of input `diagnose` recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputKind {
    /// A XAPI error in one of its wire shapes (array, XML-RPC, JSON-RPC, task, XapiError, `xe`).
    XapiError,
    /// A Xen Orchestra error or message without a XAPI code.
    XoError,
    /// A Xen Orchestra backup-job log.
    XoLog,
    /// Storage-manager log lines (`/var/log/SMlog`).
    Smlog,
    /// Pool records (VM, VBD, VDI, SR) for the chain check.
    Records,
    /// Free text, searched for known codes and messages.
    Text,
    /// Nothing to diagnose (empty or blank input).
    Empty,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::XapiError => "xapi_error",
            InputKind::XoError => "xo_error",
            InputKind::XoLog => "xo_log",
            InputKind::Smlog => "smlog",
            InputKind::Records => "records",
            InputKind::Text => "text",
            InputKind::Empty => "empty",
        }
    }
}

// These enums are written as their `as_str()` names: a derived `Serialize` compiled a match of
// its own beside `as_str`'s, per serialiser (docs/size.md).
macro_rules! serialize_as_str {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    )*};
}
serialize_as_str!(Category, Severity, InputKind);

/// Sorts findings most severe first, then closest to the root cause ([`Finding::priority`]),
/// then those that name a kind of problem before those filed under `other`, then most
/// confident, then by where the evidence starts.
///
/// `other` means "recognised, with no more specific category": between two findings of the same
/// severity and priority (typically two codes' generic decodings, or a catch-all beside a decoded
/// code), the one whose category says what kind of failure it is tells the reader more, wherever
/// its line stands.
pub fn rank(findings: &mut [Finding]) {
    // (severity, priority highest first, uncategorised last, confidence, first evidence line)
    // packed into one key.
    crate::sort::sort_by_u64_key(findings, |f| {
        let line = f.evidence.iter().filter_map(|e| e.line).min().unwrap_or(u32::MAX);
        let priority_descending = (127 - i16::from(f.priority)) as u64;
        let uncategorised = u64::from(f.category == Category::Other);
        (f.severity as u64) << 48 | priority_descending << 40 | uncategorised << 36 | (f.confidence as u64) << 32 | u64::from(line)
    });
}

/// Serialises a count (bytes, lines) as a JavaScript-safe number: above 2^53 it loses
/// precision instead of failing the whole result.
pub fn as_js_number<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    const MAX_SAFE: u64 = (1 << 53) - 1;
    if *value <= MAX_SAFE {
        serializer.serialize_u64(*value)
    } else {
        serializer.serialize_f64(*value as f64)
    }
}

/// The most evidence lines one finding keeps (the first ones, then the last one).
pub const MAX_EVIDENCE: usize = 20;

/// Appends evidence, keeping at most [`MAX_EVIDENCE`] items: the first ones and the latest.
pub fn push_evidence(list: &mut Vec<Evidence>, ev: Evidence) {
    if list.len() < MAX_EVIDENCE {
        list.push(ev);
    } else if let Some(last) = list.last_mut() {
        *last = ev;
    }
}

/// Whether `b` is a canonical UUID: 36 bytes, `8-4-4-4-12` hex digits.
pub(crate) fn has_uuid_shape(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(k, c)| match k {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The canonical UUID that `s` starts with, if it starts with one.
pub fn uuid_prefix(s: &str) -> Option<&str> {
    s.get(..36).filter(|u| has_uuid_shape(u.as_bytes()))
}

/// Where a storage path names an SR: the SR's uuid follows, then `/` and the disk's.
pub const STORAGE_PATH_MARKERS: [&str; 3] = ["sr-mount/", "VG_XenStorage-", "RBD_XenStorage-"];

/// The SR, and the disk when the path goes on to it, of every storage path in `text`:
/// `sr-mount/<sr>/<vdi>.vhd` (a file SR), `VG_XenStorage-<sr>/VHD-<vdi>` (an LVM SR) and
/// `RBD_XenStorage-<sr>/VHD-<vdi>` (the Ceph pool and image of the third-party RBDSR driver).
pub fn storage_paths(text: &str) -> impl Iterator<Item = (&str, Option<&str>)> {
    STORAGE_PATH_MARKERS.into_iter().zip(["", "VHD-", "VHD-"]).flat_map(move |(marker, disk_prefix)| {
        text.match_indices(marker).filter_map(move |(at, _)| {
            let rest = &text[at + marker.len()..];
            let sr = uuid_prefix(rest)?;
            // (36 ASCII bytes found: index 36 is a character boundary.)
            let disk = rest[36..].strip_prefix('/').map(|r| r.strip_prefix(disk_prefix).unwrap_or(r)).and_then(uuid_prefix);
            Some((sr, disk))
        })
    })
}

/// The first canonical UUID (`8-4-4-4-12` hex digits) in `text`.
pub fn find_uuid(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    if b.len() < 36 {
        return None;
    }
    (0..=b.len() - 36).find_map(|i| {
        let shape_ok = has_uuid_shape(&b[i..i + 36]);
        let bounded = (i == 0 || !b[i - 1].is_ascii_hexdigit()) && b.get(i + 36).is_none_or(|c| !c.is_ascii_hexdigit());
        (shape_ok && bounded).then(|| &text[i..i + 36])
    })
}

/// A JSON value as compact JSON text, as `value.to_string()` writes it. Through the serialiser
/// the crate already has for `serde_json::to_string` (the chain check's input): `Display`
/// compiled a second and a third copy of it, for its formatter adaptor (docs/size.md).
pub fn json_text(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Formats a byte count for prose: `21.5 GiB`, `512 MiB`, `900 B`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value >= 100.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Everything documentation and UIs need to know about a rule.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleInfo {
    /// Stable id: a family prefix and a number (`SR044`, `XA001`, `XO001`, `SM010`, `CH001`…).
    pub id: &'static str,
    /// Kebab-case name of the problem (not of the fix).
    pub name: &'static str,
    pub title: &'static str,
    pub category: Category,
    /// The usual severity; a rule may raise or lower it for a given input.
    pub severity: Severity,
    /// What makes it fire, in prose (codes, messages, log lines, record shapes).
    pub trigger: &'static str,
    /// What it detects and why it matters.
    pub description: &'static str,
    /// An input that fires the rule. It is a test, and RULES.md shows its diagnosis. A rule
    /// that needs options gives `{"input": …, "options": …}`.
    pub example: &'static str,
}

/// Findings merged as they come: a finding equal to one already there (same rule, subject,
/// codes and params) is the same problem seen again and only adds its evidence. An ordered
/// index finds the equal finding, so an input with a hundred thousand distinct errors costs
/// n log n, not n².
///
/// At most `limit` findings are returned: the most severe (ranked as [`crate::model::rank`]
/// does). To bound memory, at most [`CONSIDERED_PER_RETURNED`] × `limit` distinct findings are
/// considered (the first ones, in input order); everything left out is counted.
pub struct Findings {
    list: Vec<Finding>,
    index: BTreeMap<(&'static str, Subject, Vec<String>, Params), usize>,
    limit: usize,
    omitted: u64,
}

/// Distinct findings considered per finding returned (see [`Findings`]).
pub const CONSIDERED_PER_RETURNED: usize = 4;

/// Up to this many distinct findings, [`Findings`] finds an equal one by comparing in place.
const LINEAR_UP_TO: usize = 16;

impl Findings {
    pub fn new(limit: usize) -> Findings {
        Findings { list: Vec::new(), index: BTreeMap::new(), limit, omitted: 0 }
    }

    pub fn push(&mut self, f: Finding) {
        // A handful of findings (one error's) are compared in place: the index's keys are
        // copies of four fields of each finding, which cost more than the comparisons.
        if self.list.len() < LINEAR_UP_TO && self.index.is_empty() {
            let same = |e: &Finding| e.rule == f.rule && e.subject == f.subject && e.codes == f.codes && e.params == f.params;
            if let Some(existing) = self.list.iter_mut().find(|e| same(e)) {
                merge(existing, f);
            } else if self.list.len() < self.limit.saturating_mul(CONSIDERED_PER_RETURNED) {
                self.list.push(f);
            } else {
                self.omitted += 1;
            }
            return;
        }
        if self.index.is_empty() {
            for (i, e) in self.list.iter().enumerate() {
                self.index.insert((e.rule, e.subject.clone(), e.codes.clone(), e.params.clone()), i);
            }
        }
        match self.index.entry((f.rule, f.subject.clone(), f.codes.clone(), f.params.clone())) {
            Entry::Occupied(slot) => {
                if let Some(existing) = self.list.get_mut(*slot.get()) {
                    merge(existing, f);
                }
            }
            Entry::Vacant(slot) if self.list.len() < self.limit.saturating_mul(CONSIDERED_PER_RETURNED) => {
                slot.insert(self.list.len());
                self.list.push(f);
            }
            Entry::Vacant(_) => self.omitted += 1,
        }
    }

    /// No finding so far.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// When every finding so far is benign (at least one), their evidence lines, each with its
    /// finding's rule: a paste can hold a harmless line and, away from it, a failure nothing
    /// recognises.
    pub fn only_benign_evidence(&self) -> Option<Vec<(&'static str, &Evidence)>> {
        if self.list.is_empty() || self.list.iter().any(|f| f.category != Category::Benign) {
            return None;
        }
        Some(self.list.iter().flat_map(|f| f.evidence.iter().filter(|e| e.line.is_some()).map(|e| (f.rule, e))).collect())
    }

    /// Whether a finding so far reports a failure (warning or worse).
    pub fn has_failure(&self) -> bool {
        self.list.iter().any(|f| f.severity <= Severity::Warning)
    }

    /// Whether a finding so far, other than one of `rule`, carries `code`.
    pub fn has_code_beside(&self, code: &str, rule: &str) -> bool {
        self.list.iter().any(|f| f.rule != rule && f.codes.iter().any(|c| c == code))
    }

    /// Pushes each finding.
    pub fn extend(&mut self, findings: impl IntoIterator<Item = Finding>) {
        for f in findings {
            self.push(f);
        }
    }

    /// The most severe findings, ranked, and how many were left out.
    pub fn finish(self) -> (Vec<Finding>, u64) {
        let mut list = self.list;
        for f in &mut list {
            end_sentence_once(&mut f.summary);
        }
        quiet_explained_codes(&mut list);
        drop_explained_decodings(&mut list);
        drop_remote_readings_of_sr_lines(&mut list);
        drop_readings_of_other_readers(&mut list);
        rank(&mut list);
        drop_repeated_readings(&mut list);
        let dropped = list.len().saturating_sub(self.limit);
        list.truncate(self.limit);
        (list, self.omitted + dropped as u64)
    }
}

/// A summary built as "{official text}." ends with two full stops when the official text (an SR
/// error's description, a log message) already had one: keep one, but leave an ellipsis alone.
/// A quote cut short ends with "…": no full stop after it either.
fn end_sentence_once(summary: &mut Cow<'static, str>) {
    if (summary.ends_with("..") && !summary.ends_with("...")) || summary.ends_with("\u{2026}.") {
        summary.to_mut().pop();
    }
}

/// A code's bare decoding (priority below 0: "System error EACCES", "XAPI error X", "Storage
/// error 40") says nothing more once a finding that reads the situation (priority 0 or more)
/// carries each of its codes: it is dropped, whatever category each gives. Otherwise a remote's
/// refusal showed twice, once as the backup target refusing a write and once as a bare EACCES.
pub fn drop_explained_decodings(list: &mut Vec<Finding>) {
    let is_decoding = |f: &Finding| f.priority < 0 && !f.codes.is_empty();
    if !list.iter().any(is_decoding) {
        return;
    }
    let explained = |code: &String| list.iter().any(|other| other.priority >= 0 && other.codes.contains(code));
    let keep: Vec<bool> = list.iter().map(|f| !is_decoding(f) || !f.codes.iter().all(explained)).collect();
    let mut keep = keep.into_iter();
    list.retain(|_| keep.next().unwrap_or(true));
}

/// Two findings that quote the same lines and file them under the same category tell the reader
/// the same thing twice (a remote's "full" and the bare `ENOSPC` decoded as a full remote; a
/// toolstack error read by a signature and decoded by its code's meaning). After ranking, a finding whose lines are all
/// quoted by a finding of its category that reads them closer to the root cause is dropped when
/// it is a symptom or a bare decoding (priority 0 or less), and its codes move to that one.
/// The lines of one XAPI error count as one quotation ([`Quotation`]): the catch-all reading of
/// an `INTERNAL_ERROR` quotes its code and message lines, a signature the message line alone.
/// Readings of other lines, or of the same lines under another category, stay: they say
/// something else; but the catch-all reading of an error ([`Finding::catch_all`]) goes under a
/// reading of the same error in any category, which names what the catch-all could only guess. Only the 64 best-ranked findings before each are compared, so a long SMlog's
/// report stays linear.
fn drop_repeated_readings(list: &mut Vec<Finding>) {
    const LOOK_BACK: usize = 64;
    if list.len() < 2 {
        return;
    }
    let has_lines = |f: &Finding| f.evidence.iter().any(|e| e.line.is_some());
    // The lines of one XAPI error are one quotation: a signature that reads the error's message
    // line quotes the error as much as the code's reading that quotes its code line too.
    let quotes_all = |better: &Finding, f: &Finding| {
        let same_error = f.quotation.filter(|q| better.evidence.iter().any(|b| q.holds(b)));
        f.evidence
            .iter()
            .filter(|e| e.line.is_some())
            .all(|e| same_error.is_some_and(|q| q.holds(e)) || better.evidence.iter().any(|b| b.line == e.line))
    };
    // (dropped, the finding it repeats), in rank order; no allocation until one is found.
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    for (i, f) in list.iter().enumerate().skip(1) {
        // Only a symptom or a bare decoding (priority 0 or less) is a repetition: a reading
        // that says what was affected (a clean-up that could not list a folder) stays beside
        // the one that says why.
        if f.priority > 0 || !has_lines(f) {
            continue;
        }
        let kept = |j: &usize| !repeats.iter().any(|&(dropped, _)| dropped == *j);
        let by = (0..i).rev().filter(kept).take(LOOK_BACK).find(|&j| {
            let better = &list[j];
            (better.category == f.category || f.catch_all) && better.priority > f.priority.max(0) && has_lines(better) && quotes_all(better, f)
        });
        if let Some(j) = by {
            repeats.push((i, j));
        }
    }
    if repeats.is_empty() {
        return;
    }
    for &(from, to) in &repeats {
        for code in std::mem::take(&mut list[from].codes) {
            if !list[to].codes.contains(&code) {
                list[to].codes.push(code);
            }
        }
    }
    let mut index = 0;
    list.retain(|_| {
        let keep = !repeats.iter().any(|&(dropped, _)| dropped == index);
        index += 1;
        keep
    });
}

/// A mount or write failure reads as a backup remote's or as an SR's by its words alone; when a
/// finding about the SR's storage quotes the same lines (its signature saw the SR's mount point
/// or the storage manager around them), the lines are the SR's, and the backup-remote reading of
/// them is dropped rather than shown as a second, wrong explanation.
pub fn drop_remote_readings_of_sr_lines(list: &mut Vec<Finding>) {
    let is_remote = |f: &Finding| matches!(f.category, Category::RemoteUnreachable | Category::RemoteFull);
    let sr_lines: Vec<u32> = list
        .iter()
        .filter(|f| matches!(f.category, Category::StorageUnreachable | Category::InsufficientSpace))
        .flat_map(|f| f.evidence.iter().filter_map(|e| e.line))
        .collect();
    if sr_lines.is_empty() || !list.iter().any(is_remote) {
        return;
    }
    list.retain(|f| {
        let lines: Vec<u32> = f.evidence.iter().filter_map(|e| e.line).collect();
        !(is_remote(f) && !lines.is_empty() && lines.iter().all(|l| sr_lines.contains(l)))
    });
}

/// Words that one rule reads as a failure of one transfer, printed by another reader: a finding
/// of `rule` whose lines are all quoted by a finding of one of `readers` is dropped. XO008 reads
/// @vates/read-chunk's "stream has ended …" as a host's export cut short; the same reader serves
/// Xen Orchestra's VMware import (nbdkit and VDDK, no host export at all: XB953, XB975, KI651)
/// and the NBD client's handshake, which fails before any disk data is asked for (NW939–NW941).
/// NW005 reads a TLS certificate refusal as the pool's or any server's; when RM902 saw the S3
/// remote around it (the AWS SDK's `$metadata`, xo-server's `xo:fs:s3`), it is the remote's.
/// XO004 reads Node's ENOSPC as the backup repository's; yarn's (KI739) is the disk of the
/// machine building Xen Orchestra from its sources.
const READ_BY_ANOTHER: &[(&str, &[&str])] =
    &[("XO008", &["XB953", "XB975", "KI651", "NW939", "NW940", "NW941"]), ("NW005", &["RM902"]), ("XO004", &["KI739"])];

/// Drops the readings [`READ_BY_ANOTHER`] names when a finding of the program that really
/// printed the words quotes the same lines.
fn drop_readings_of_other_readers(list: &mut Vec<Finding>) {
    let mut keep = Vec::with_capacity(list.len());
    for f in list.iter() {
        let readers = READ_BY_ANOTHER.iter().find(|(rule, _)| *rule == f.rule).map(|(_, by)| *by);
        let lines: Vec<u32> = f.evidence.iter().filter_map(|e| e.line).collect();
        let quoted = readers.is_some_and(|by| {
            !lines.is_empty()
                && list.iter().any(|o| by.contains(&o.rule) && lines.iter().all(|l| o.evidence.iter().any(|e| e.line == Some(*l))))
        });
        keep.push(!quoted);
    }
    let mut keep = keep.into_iter();
    list.retain(|_| keep.next().unwrap_or(true));
}

/// A signature that recognises a normal situation (benign, in progress) explains the codes it
/// carries: the bare decoding of those same codes (an `ECONNREFUSED` of a plug-in that retries
/// by design, the `SR_BACKEND_FAILURE_101` an `sr-probe` answers with) is dropped, and so is a
/// rule's finding about those codes seen only on the lines the normal situation covers.
fn quiet_explained_codes(list: &mut Vec<Finding>) {
    let calm: Vec<&Finding> =
        list.iter().filter(|f| f.priority >= 0 && matches!(f.category, Category::Benign | Category::InProgress)).collect();
    if calm.iter().all(|f| f.codes.is_empty()) {
        return;
    }
    let explained: Vec<String> = calm.iter().flat_map(|f| f.codes.iter().cloned()).collect();
    let calm_lines: Vec<u32> = calm.iter().flat_map(|f| f.evidence.iter().filter_map(|e| e.line)).collect();
    let keep: Vec<bool> = list
        .iter()
        .map(|f| {
            let is_calm = f.priority >= 0 && matches!(f.category, Category::Benign | Category::InProgress);
            let codes_explained = !f.codes.is_empty() && f.codes.iter().all(|c| explained.contains(c));
            let on_calm_lines = f.evidence.iter().all(|e| e.line.is_some_and(|l| calm_lines.contains(&l)));
            is_calm || !codes_explained || (f.priority >= 0 && !on_calm_lines)
        })
        .collect();
    let mut i = 0;
    list.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

fn merge(existing: &mut Finding, f: Finding) {
    for ev in f.evidence {
        if !existing.evidence.contains(&ev) {
            push_evidence(&mut existing.evidence, ev);
        }
    }
    existing.confidence = existing.confidence.min(f.confidence);
    existing.severity = existing.severity.min(f.severity);
    // The same reading of two errors: each of its lines is then quoted for itself.
    if existing.quotation != f.quotation {
        existing.quotation = None;
    }
}
