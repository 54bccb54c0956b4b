//! Storage-manager logs (`/var/log/SMlog`): recognition, and the analysis that turns lines into
//! findings, a coalesce summary and a timeline.
//!
//! The input may be ten pasted lines or a whole 1 GB file, as text or bytes (invalid UTF-8 is
//! decoded lossily), whole ([`analyze`]) or in chunks cut anywhere ([`SmlogScanner`]); both give
//! the same report. The pipeline:
//!
//! - `scanner`: splits the byte stream into logical lines (bounded memory; joins lines broken by
//!   a terminal wrap, splits `#012`-encoded newlines);
//! - `line`: parses each line's prefix (classic syslog, RFC 3339, pasted fragments);
//! - `assemble`: follows each process id and recognises multi-line episodes (tracebacks, GC
//!   banners, failed commands, coalesce attempts), producing XAPI errors and [`incident`]s;
//! - `messages`: what the one-line messages mean (`data/smlog_messages.toml`, compiled in), asked
//!   by `assemble` about every message it does not skip as routine;
//! - `report`: groups them, has them rendered into findings by the [`Interpreter`] the caller
//!   hands in (the rules layer's `smlog_*` families and, for XAPI errors, the same rules as any
//!   other XAPI error), and builds the coalesce summary and the timeline.

use serde::Serialize;

use crate::model::Finding;
use crate::options::Options;

mod assemble;
pub mod incident;
pub mod line;
mod messages;
pub mod report;
mod scanner;

pub use incident::{Incident, IncidentGroup, IncidentKind};
pub use line::LogTime;
pub use report::{CoalesceSr, CoalesceStatus, CoalesceSummary, CoalesceVdi, Operation, Outcome, RunningCoalesce, TimelineEntry};

/// Counts of what was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SmlogStats {
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub bytes: u64,
    /// Physical lines (a last line without a newline counts).
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub lines: u64,
    /// Non-blank lines without a syslog prefix (read as bare messages).
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub unparsed_lines: u64,
    /// Lines longer than 64 KiB, of which only the first 64 KiB were read.
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub truncated_lines: u64,
    /// Timeline entries left out: failures between the first 1000 and the latest 3000, and
    /// coalesce successes before the latest 500.
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub timeline_dropped: u64,
    /// Findings left out beyond `options.maxFindings`.
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub findings_omitted: u64,
}

/// The analysis of an SMlog.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SmlogReport {
    /// Most severe first.
    pub findings: Vec<Finding>,
    pub coalesce: CoalesceSummary,
    /// The episodes in log order.
    pub timeline: Vec<TimelineEntry>,
    pub stats: SmlogStats,
}

/// What the rules layer lends the SMlog analyser to turn the facts it assembled into findings.
/// The analyser does not import the rules above it: `lib.rs` hands this in
/// (`rules::smlog::INTERPRETER`).
#[derive(Clone, Copy)]
pub struct Interpreter {
    /// The rule that covers an incident of this kind (its id and severity go into the timeline).
    pub rule_of: fn(IncidentKind) -> Option<&'static crate::model::RuleInfo>,
    /// The findings of a XAPI error met in the log (`Raising exception`, a XenAPI failure).
    pub xapi_error: fn(&crate::input::Event, &Options) -> Vec<Finding>,
    /// The finding of a group of incidents.
    pub group: fn(&IncidentGroup, &Options) -> Option<Finding>,
    /// The findings of the signatures on a whole log of at most [`SIGNATURE_SCAN_BYTES`].
    pub text: fn(&str, &Options) -> Vec<Finding>,
    /// What such a log's failure-looking lines point to, when no failure in it was recognised,
    /// leaving out the lines (1-based) the other findings explain.
    pub unrecognised: fn(&str, &[u32], &Options) -> Option<Finding>,
    /// Fills the placeholders of the findings' steps (`<sr-uuid>`, `<vdi-uuid>`…) from a text.
    pub fill: fn(&mut [Finding], &str),
    /// Drops the findings another one makes redundant (a code's generic decoding beside the
    /// signature that explains the same code).
    pub drop_redundant: fn(&mut Vec<Finding>),
}

/// A log up to this size (a pasted excerpt, a day's log) also has the signatures run over it;
/// the analyser's own episodes cover logs of any size. The scanner keeps the first bytes until
/// the total goes past this, so a stream and the whole input give the same report.
pub const SIGNATURE_SCAN_BYTES: usize = 4 << 20;

/// Reads an SMlog in chunks of any size, cut anywhere.
pub struct Scanner {
    options: Options,
    interpreter: Interpreter,
    splitter: scanner::LineSplitter,
    analyzer: assemble::Analyzer,
    finished: bool,
    /// The input so far while it is at most [`SIGNATURE_SCAN_BYTES`] long.
    head: Option<Head>,
    /// `grep`'s or `cat -n`'s prefixes, taken off each line before the splitter sees it.
    prefixes: super::StreamedLinePrefixes,
    /// Bytes pushed, as they came (some may wait in `prefixes`): what `maxInputBytes` limits.
    pushed: u64,
}

/// The first bytes of the input, kept in segments that are never regrown: a `Vec` doubled
/// from 1 to 4 MiB copied the first chunks of every big stream once or twice more and touched
/// 5 MiB more of fresh WebAssembly memory (the first touch of a page costs 0.3–1 ms per MiB on
/// the benchmark machine; each growth of the memory is also a garbage collection in V8), only
/// to drop them at the fifth chunk. Joined at `finish()`, when the whole input fitted.
#[derive(Default)]
struct Head {
    segments: Vec<Vec<u8>>,
    len: usize,
}

/// Smallest segment allocated after the first: small pushes (text in pieces) fill one segment
/// after another.
const HEAD_SEGMENT_BYTES: usize = 64 << 10;

impl Head {
    fn push(&mut self, chunk: &[u8]) {
        self.len += chunk.len();
        let mut rest = chunk;
        if let Some(last) = self.segments.last_mut() {
            let n = rest.len().min(last.capacity() - last.len());
            last.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
        }
        if !rest.is_empty() {
            // The first segment is the first chunk's size (a whole input pushed at once).
            let size = if self.segments.is_empty() { rest.len() } else { rest.len().max(HEAD_SEGMENT_BYTES) };
            let mut segment = Vec::with_capacity(size);
            segment.extend_from_slice(rest);
            self.segments.push(segment);
        }
    }

    fn into_bytes(mut self) -> Vec<u8> {
        if self.segments.len() == 1 {
            return self.segments.pop().unwrap_or_default();
        }
        self.segments.concat()
    }
}

/// Keeps `chunk` in the head while the input is short enough, and splits it into lines for the analyser.
fn read(chunk: &[u8], head: &mut Option<Head>, splitter: &mut scanner::LineSplitter, analyzer: &mut assemble::Analyzer) {
    if let Some(kept) = head {
        if kept.len.saturating_add(chunk.len()) <= SIGNATURE_SCAN_BYTES {
            kept.push(chunk);
        } else {
            *head = None;
        }
    }
    splitter.push(chunk, analyzer);
}

impl Scanner {
    pub fn new(options: Options, interpreter: Interpreter) -> Scanner {
        let splitter = scanner::LineSplitter::new(options.max_line_bytes());
        Scanner { options, interpreter, splitter, analyzer: assemble::Analyzer::default(), finished: false, head: Some(Head::default()), prefixes: Default::default(), pushed: 0 }
    }

    /// Feeds the next chunk. After `finish()` it fails with `ScannerFinished`. When
    /// `options.maxInputBytes` was given and the chunks would exceed it in total, it fails with
    /// `InputTooLarge` and the chunk is not read (`finish()` still reports what was). Without
    /// that option a stream has no size limit: memory stays bounded whatever its length.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), crate::Error> {
        if self.finished {
            return Err(crate::Error::ScannerFinished);
        }
        if let Some(limit) = self.options.max_input_bytes {
            crate::options::check_size(self.pushed.saturating_add(chunk.len() as u64), limit)?;
        }
        self.pushed += chunk.len() as u64;
        let chunk = self.prefixes.push(chunk);
        read(chunk, &mut self.head, &mut self.splitter, &mut self.analyzer);
        Ok(())
    }

    /// Whether `finish()` was called.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Ends the input and returns the report. A second call fails with `ScannerFinished`.
    pub fn finish(&mut self) -> Result<SmlogReport, crate::Error> {
        if self.finished {
            return Err(crate::Error::ScannerFinished);
        }
        self.finished = true;
        read(self.prefixes.finish(), &mut self.head, &mut self.splitter, &mut self.analyzer);
        self.splitter.finish(&mut self.analyzer);
        self.analyzer.finish();
        let analyzer = std::mem::take(&mut self.analyzer);
        let timeline_dropped = analyzer.out.timeline_dropped;
        let head = self.head.take().map(Head::into_bytes).filter(|h| !h.is_empty());
        let head = head.as_deref().map(String::from_utf8_lossy);
        let signature_findings = match &head {
            Some(text) => (self.interpreter.text)(text, &self.options),
            None => Vec::new(),
        };
        let (mut findings, findings_omitted, coalesce, timeline) = analyzer.out.build(&self.options, &self.interpreter, signature_findings);
        // Only notes (a lock retry, a benign check) found: the failure-looking lines they do not
        // explain are still shown, at info.
        if let (true, Some(text)) = (findings.iter().all(|f| f.severity == crate::model::Severity::Info), &head) {
            let explained: Vec<u32> = findings.iter().flat_map(|f| f.evidence.iter().filter_map(|e| e.line)).collect();
            findings.extend((self.interpreter.unrecognised)(text, &explained, &self.options));
        }
        (self.interpreter.drop_redundant)(&mut findings);
        // The values the steps leave as placeholders, read from each finding's own evidence: the
        // lines it quotes name its SR or disk, and they are the same whether the log came whole
        // or in chunks (the input itself is not kept).
        for f in &mut findings {
            let evidence: Vec<&str> = f.evidence.iter().map(|e| e.text.as_str()).collect();
            let evidence = evidence.join("\n");
            (self.interpreter.fill)(std::slice::from_mut(f), &evidence);
        }
        let s = &self.splitter;
        Ok(SmlogReport {
            findings,
            coalesce,
            timeline,
            stats: SmlogStats {
                bytes: s.bytes,
                lines: s.lines,
                unparsed_lines: s.unparsed_lines,
                truncated_lines: s.truncated_lines,
                timeline_dropped,
                findings_omitted,
            },
        })
    }
}

/// Analyses a whole SMlog (text or bytes; invalid UTF-8 is read lossily).
pub fn analyze(bytes: &[u8], options: &Options, interpreter: Interpreter) -> SmlogReport {
    // The whole input's size was checked by the caller; the stream needs no limit of its own.
    let mut scanner = Scanner::new(Options { max_input_bytes: None, ..options.clone() }, interpreter);
    // A fresh scanner without a size limit takes any chunk and finishes once.
    let _ = scanner.push(bytes);
    scanner.finish().unwrap_or_else(|_| empty_report())
}

fn empty_report() -> SmlogReport {
    SmlogReport {
        findings: Vec::new(),
        coalesce: CoalesceSummary { status: CoalesceStatus::NotSeen, stuck: false, srs: Vec::new() },
        timeline: Vec::new(),
        stats: SmlogStats::default(),
    }
}

/// Messages only the storage manager and its garbage collector write: two of them (or one
/// syslog line tagged `SM`/`SMGC`, or a GC banner) make a text SMlog even without prefixes.
const SM_MARKERS: &[&str] = &[
    "Raising exception [",
    ": EXCEPTION <class '",
    "FAILED in util.pread",
    "  pread SUCCESS",
    "lock: opening lock file /var/lock/sm/",
    "lock: acquired /var/lock/sm/",
    "lock: released /var/lock/sm/",
    "lock: tried lock /var/lock/sm/",
    "Not enough space! free space:",
    "SR locked, retrying",
    "No space to coalesce",
    "No space to leaf-coalesce",
    "Coalesce failed, skipping",
    "Leaf-coalesce failed on",
    "could not be coalesced",
    "Could not coalesce due to a lack of space",
    "Aborted coalesce",
    "Leaf-coalescing ",
    "Coalescing ",
    "Will finish as PID [",
    "Kicking SMGC@",
    "GC process exiting",
    "Another GC instance already active",
    "Failed to lock /var/lock/sm/",
    "Ignoring exception for LV check",
    "***** Long LVM call of",
    "*** lvremove failed on attempt",
    "[VHD](",
    "{'sr_uuid': '",
    "'command': 'vdi_",
    "'command': 'sr_",
    "LVHDVDI.",
    "FileVDI.",
    "Pause request for ",
    "Unpause request for ",
    "* * * * * SR ",
];

/// Whether `line` contains `fairlock[`, a GC banner or one of [`SM_MARKERS`] (one automaton,
/// built once per process).
fn has_any_marker(line: &str) -> bool {
    use crate::literals::Literals;
    static SEARCH: std::sync::OnceLock<Option<Literals>> = std::sync::OnceLock::new();
    let search = SEARCH.get_or_init(|| {
        let texts: Vec<&[u8]> = ["fairlock[", "*~*~*~*~", "*  E X C E P T I O N  *"].iter().chain(SM_MARKERS).map(|t| t.as_bytes()).collect();
        Literals::new(&texts, false)
    });
    match search {
        // (The search of `rules::signatures`: no second search routine in the module.)
        Some(search) => search.is_match(line.as_bytes()),
        None => true, // (never: the texts are fixed) the checks below then search each text
    }
}

/// Whether this text is (or contains) storage-manager log lines. Pasted fragments without
/// syslog prefixes count when two different lines carry messages only the storage manager
/// writes; ordinary text and other programs' stack traces do not.
pub fn looks_like_smlog(text: &str) -> bool {
    let mut marker_lines = 0;
    let mut distinct: Vec<usize> = Vec::new();
    for l in text.lines().filter(|l| !l.trim().is_empty()).take(400) {
        let parts = line::parse(l.as_bytes());
        if parts.has_prefix && matches!(parts.tag, line::Tag::Sm | line::Tag::Smgc) && parts.pid.is_some() {
            return true;
        }
        // One pass tells whether the line holds any of the texts below; most lines of what is
        // not an SMlog hold none, and searching each text in turn was a tenth of `diagnose`'s
        // time for a one-line error.
        if !has_any_marker(l) {
            continue;
        }
        if parts.has_prefix && parts.tag == line::Tag::Other && l.contains("fairlock[") {
            return true;
        }
        if l.contains("*~*~*~*~") || l.contains("*  E X C E P T I O N  *") {
            return true;
        }
        if let Some(i) = SM_MARKERS.iter().position(|m| l.contains(m)) {
            marker_lines += 1;
            if !distinct.contains(&i) {
                distinct.push(i);
            }
        }
        if marker_lines >= 2 && distinct.len() >= 2 {
            return true;
        }
    }
    // A single distinctive line with the storage manager's own `[pid] ` in front.
    marker_lines >= 1
        && text.lines().filter(|l| !l.trim().is_empty()).take(400).any(|l| {
            let p = line::parse(l.as_bytes());
            !p.has_prefix && p.pid.is_some()
        })
}

#[cfg(test)]
mod tests;
