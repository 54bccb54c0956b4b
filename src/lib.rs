//! xapi-doctor diagnoses why VM snapshots and backups fail on XenServer / XCP-ng.
//!
//! Hand it what the pool said — a XAPI error in any of its wire shapes, a Xen Orchestra error,
//! message or whole backup log, storage-manager log lines (`/var/log/SMlog`) — and
//! [`diagnose_text`] returns [`Finding`]s: what happened, why, what to do (with the `xe`
//! commands filled in) and the evidence.
//!
//! From the pool's records, [`check_vdi_chains`] replays Xen Orchestra's backup chain
//! protection (and says which base copy trips it), measures every disk's chain against the
//! storage manager's limit of 30 and each SR's coalesce backlog; [`plan_snapshot_space`] says
//! whether the snapshots a job takes at once fit in an SR. Both are in [`chain`].
//!
//! This crate is the plain-Rust core; `wasm.rs` is the thin WebAssembly boundary the npm
//! package is built from. Nothing here touches the network or the filesystem.

// A panic inside WebAssembly kills the module instance for the whole page: input-derived data
// is never unwrapped (clippy enforces it outside tests; `scripts/test.sh` runs clippy).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo, clippy::unimplemented))]

pub mod catalog;
pub mod chain;
#[cfg(not(target_arch = "wasm32"))]
pub mod docs;
pub mod error;
pub(crate) mod hash;
pub mod input;
pub mod json;
pub(crate) mod literals;
pub mod model;
pub mod options;
pub mod rules;
pub(crate) mod sort;

#[cfg(target_arch = "wasm32")]
mod wasm;

use serde::Serialize;
use std::borrow::Cow;

pub use chain::{ChainOptions, ChainReport, SpacePlan, Tolerance};
pub use error::Error;
pub use input::smlog::SmlogReport;
pub use model::{Category, Confidence, Evidence, Finding, InputKind, Severity, Step, Subject};
pub use options::{Context, Options, RecordLimits};
pub use rules::RuleInfo;

/// The package version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The result of [`diagnose_text`] and its siblings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    /// What the input was recognised as.
    pub kind: InputKind,
    /// The findings, most severe first.
    pub findings: Vec<Finding>,
    /// The full SMlog report when the input was SMlog text.
    pub smlog: Option<SmlogReport>,
    /// The chain check's report when the input was pool records (default tolerance 1).
    pub chains: Option<ChainReport>,
    /// The snapshot space plan when the input was `{ sr, vdis, … }`.
    pub space_plan: Option<SpacePlan>,
    /// Findings left out because there were more than `options.maxFindings` (0 almost always).
    #[serde(serialize_with = "model::as_js_number")]
    pub findings_omitted: u64,
}

impl Diagnosis {
    fn empty() -> Diagnosis {
        Diagnosis { kind: InputKind::Empty, findings: Vec::new(), smlog: None, chains: None, space_plan: None, findings_omitted: 0 }
    }
}

/// Diagnoses any text a user may paste: a XAPI error in any shape, a Xen Orchestra message,
/// error or backup log (JSON), SMlog lines, or free text mentioning error codes.
pub fn diagnose_text(text: &str, options: &Options) -> Result<Diagnosis, Error> {
    options.check_size(text.len())?;
    let text = pasted_text_made_plain(text);
    Ok(diagnose_parsed(input::parse_text(&text, rules::xo_markers_lower()), text.as_bytes(), &text, options))
}

/// Diagnoses bytes (a dropped file, a `Uint8Array`): invalid UTF-8 is decoded lossily.
pub fn diagnose_bytes(bytes: &[u8], options: &Options) -> Result<Diagnosis, Error> {
    options.check_size(bytes.len())?;
    let text = String::from_utf8_lossy(bytes);
    let plain = pasted_text_made_plain(&text);
    // The bytes as they came when nothing was made plain (invalid UTF-8 stays for the SMlog reader).
    let raw = if matches!(plain, Cow::Borrowed(_)) { bytes } else { plain.as_bytes() };
    Ok(diagnose_parsed(input::parse_text(&plain, rules::xo_markers_lower()), raw, &plain, options))
}

/// A pasted text as its program printed it: invisible characters of a web page's or a mail's copy
/// made plain, then the file names and line numbers of `grep` or `cat -n` taken off its lines.
fn pasted_text_made_plain(text: &str) -> Cow<'_, str> {
    match input::plain_pasted_text(text) {
        Cow::Borrowed(text) => input::without_line_prefixes(text),
        Cow::Owned(plain) => match input::without_line_prefixes(&plain) {
            Cow::Owned(stripped) => Cow::Owned(stripped),
            Cow::Borrowed(_) => Cow::Owned(plain),
        },
    }
}

/// Diagnoses JSON text that must be valid JSON (a JavaScript object passed to `diagnose`).
pub fn diagnose_json(json: &str, options: &Options) -> Result<Diagnosis, Error> {
    options.check_size(json.len())?;
    let parsed = input::parse_json_text(json, rules::xo_markers_lower())?;
    Ok(diagnose_parsed(parsed, json.as_bytes(), json, options))
}

/// `text` is `raw` decoded (lossily): the callers hold it already, and decoding it again here
/// validated every byte of every input once more.
fn diagnose_parsed(parsed: input::Parsed, raw: &[u8], text: &str, options: &Options) -> Diagnosis {
    let chain_options = ChainOptions { limits: options.record_limits(), ..ChainOptions::default() };
    match parsed {
        input::Parsed::Empty => Diagnosis::empty(),
        input::Parsed::Events { kind, events, omitted } => {
            let events = input::expand_nested(events);
            // A backup log is read task by task; anything else is also read as a whole.
            let whole_text = (kind != InputKind::XoLog).then_some(text);
            let (mut findings, findings_omitted) = rules::evaluate(&events, whole_text, options);
            // The values the steps leave as placeholders, when the input names them (a backup
            // log too: one remote or server for the whole log).
            rules::placeholders::fill(&mut findings, text);
            Diagnosis { kind, findings, findings_omitted: findings_omitted + omitted, ..Diagnosis::empty() }
        }
        input::Parsed::Smlog => {
            let report = input::smlog::analyze(raw, options, rules::smlog::INTERPRETER);
            Diagnosis {
                kind: InputKind::Smlog,
                findings: report.findings.clone(),
                findings_omitted: report.stats.findings_omitted,
                smlog: Some(report),
                ..Diagnosis::empty()
            }
        }
        // Records that the chain check cannot use give an empty diagnosis, not an error: the
        // dedicated entry point reports why. The input text itself is read again when it is the
        // records' JSON (the usual case), else the parsed value.
        input::Parsed::Records(value) => match std::str::from_utf8(raw)
            .ok()
            .and_then(|text| chain::check_json(text, &chain_options, rules::chain_findings).ok())
            .map_or_else(|| chain::check_value(&value, &chain_options, rules::chain_findings), Ok)
        {
            Ok(report) => Diagnosis {
                kind: InputKind::Records,
                findings: report.findings.clone(),
                chains: Some(report),
                ..Diagnosis::empty()
            },
            Err(_) => Diagnosis { kind: InputKind::Records, ..Diagnosis::empty() },
        },
        input::Parsed::SpacePlan(value) => {
            match chain::space::plan_value(&value, options.context.host_version.as_deref(), &options.record_limits()).map(rules::with_space_findings) {
                Ok(plan) => Diagnosis {
                    kind: InputKind::Records,
                    findings: plan.findings.clone(),
                    space_plan: Some(plan),
                    ..Diagnosis::empty()
                },
                Err(_) => Diagnosis { kind: InputKind::Records, ..Diagnosis::empty() },
            }
        }
    }
}

/// Checks the VDI chains of pool records `{ VM, VBD, VDI, SR }` (XAPI records keyed by opaque
/// ref, or arrays of xo-server objects): Xen Orchestra's chain-protection verdict per VM and
/// the base copy that trips it, chain depth against the limit of 30, pending coalesces, missing
/// parents, orphans, loops, the SRs' "VDIs to coalesce", findings and a graph.
pub fn check_vdi_chains(records_json: &str, options: &ChainOptions) -> Result<ChainReport, Error> {
    chain::check_json(records_json, options, rules::chain_findings)
}

/// [`check_vdi_chains`] on the flat records of the JavaScript wrapper (`chain::flat`): the
/// report, and its VMs and graph (when `options.graph`) as columns (the report's `vms` are
/// left empty and its `graph` `None`).
pub fn check_vdi_chains_flat(
    words: &[u32],
    numbers: &[f64],
    text: &[u8],
    ends: &[u32],
    field_names: &str,
    options: &ChainOptions,
) -> Result<(ChainReport, chain::flat::Columns), Error> {
    let text = std::str::from_utf8(text).map_err(|_| Error::InvalidRecords("malformed flat records: text".to_string()))?;
    let strings = chain::flat::Strings::new(text, ends)?;
    let mut arena = chain::flat::FieldArena::new();
    let raw = chain::flat::decode(words, numbers, &strings, field_names, options.limits.max_records(), &mut arena)?;
    let (mut report, columns) = chain::check_with(&raw, options, rules::chain_findings, |parts| chain::flat::columns(parts, &strings))?;
    report.vms = Vec::new();
    Ok((report, columns))
}

/// [`check_vdi_chains`] on records already parsed.
pub fn check_vdi_chains_value(records: &serde_json::Value, options: &ChainOptions) -> Result<ChainReport, Error> {
    chain::check_value(records, options, rules::chain_findings)
}

/// Plans the snapshots a job takes at once on one SR: `{ sr, vdis, concurrency?, hostVersion?,
/// srVdis? }` — the space each needs (storage-manager formulas), whether they fit, the largest
/// concurrency that fits, unreclaimed space, and findings.
pub fn plan_snapshot_space(input_json: &str) -> Result<SpacePlan, Error> {
    plan_snapshot_space_with(input_json, &RecordLimits::default())
}

/// [`plan_snapshot_space`] with `maxInputBytes` and `maxRecords`.
pub fn plan_snapshot_space_with(input_json: &str, limits: &RecordLimits) -> Result<SpacePlan, Error> {
    chain::space::plan_json(input_json, None, limits).map(rules::with_space_findings)
}

/// Analyses storage-manager log text or bytes (a pasted excerpt or a whole `/var/log/SMlog`):
/// findings, the coalesce summary and the timeline. Invalid UTF-8 is read lossily. For input that
/// arrives in pieces, use [`SmlogScanner`]: it gives the same report.
pub fn analyze_smlog(bytes: &[u8], options: &Options) -> SmlogReport {
    input::smlog::analyze(bytes, options, rules::smlog::INTERPRETER)
}

/// Reads an SMlog in chunks of any size, cut anywhere, and gives the report of
/// [`analyze_smlog`] on the whole: `push` the chunks (bytes; invalid UTF-8 is read lossily),
/// then `finish`. Memory stays bounded whatever the stream's length.
pub struct SmlogScanner {
    inner: input::smlog::Scanner,
}

impl SmlogScanner {
    pub fn new(options: Options) -> SmlogScanner {
        SmlogScanner { inner: input::smlog::Scanner::new(options, rules::smlog::INTERPRETER) }
    }

    /// Feeds the next chunk. After `finish()` it fails with `ScannerFinished`. When
    /// `options.maxInputBytes` was given and the chunks would exceed it in total, it fails with
    /// `InputTooLarge` and the chunk is not read (`finish()` still reports what was).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), Error> {
        self.inner.push(chunk)
    }

    /// Whether `finish()` was called.
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    /// Ends the input and returns the report. A second call fails with `ScannerFinished`.
    pub fn finish(&mut self) -> Result<SmlogReport, Error> {
        self.inner.finish()
    }
}

/// Every rule, in documentation order.
pub fn list_rules() -> Vec<RuleInfo> {
    rules::registry()
        .map(|r| match r.matcher {
            rules::Matcher::Signature(s) => rules::signatures::with_trigger(s),
            _ => *r.info,
        })
        .collect()
}
