//! xapi-doctor diagnoses why VM snapshots and backups fail on XenServer / XCP-ng.
//!
//! Hand it what the pool said — a XAPI error in any of its wire shapes, a Xen Orchestra error,
//! message or whole backup log, storage-manager log lines (`/var/log/SMlog`) — and
//! [`diagnose_text`] returns [`Finding`]s: what happened, why, what to do (with the `xe`
//! commands filled in) and the evidence.
//!
//! This crate is the plain-Rust core; `wasm.rs` is the thin WebAssembly boundary the npm
//! package is built from. Nothing here touches the network or the filesystem.

// A panic inside WebAssembly kills the module instance for the whole page: input-derived data
// is never unwrapped (clippy enforces it outside tests; `scripts/test.sh` runs clippy).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo, clippy::unimplemented))]

pub mod catalog;
#[cfg(not(target_arch = "wasm32"))]
pub mod docs;
pub mod error;
pub mod input;
pub mod model;
pub mod options;
pub mod rules;

#[cfg(target_arch = "wasm32")]
mod wasm;

use serde::Serialize;

pub use error::Error;
pub use input::smlog::SmlogReport;
pub use model::{Category, Confidence, Evidence, Finding, InputKind, Severity, Step, Subject};
pub use options::{Context, Options};
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
}

impl Diagnosis {
    fn empty() -> Diagnosis {
        Diagnosis { kind: InputKind::Empty, findings: Vec::new(), smlog: None }
    }
}

fn check_size(len: usize, options: &Options) -> Result<(), Error> {
    let size = len as u64;
    let limit = options.max_input_bytes();
    if size > limit {
        return Err(Error::InputTooLarge { size, limit });
    }
    Ok(())
}

/// Diagnoses any text a user may paste: a XAPI error in any shape, a Xen Orchestra message,
/// error or backup log (JSON), SMlog lines, or free text mentioning error codes.
pub fn diagnose_text(text: &str, options: &Options) -> Result<Diagnosis, Error> {
    check_size(text.len(), options)?;
    Ok(diagnose_parsed(input::parse_text(text), text.as_bytes(), options))
}

/// Diagnoses bytes (a dropped file, a `Uint8Array`): invalid UTF-8 is decoded lossily.
pub fn diagnose_bytes(bytes: &[u8], options: &Options) -> Result<Diagnosis, Error> {
    check_size(bytes.len(), options)?;
    let text = String::from_utf8_lossy(bytes);
    Ok(diagnose_parsed(input::parse_text(&text), bytes, options))
}

/// Diagnoses JSON text that must be valid JSON (a JavaScript object passed to `diagnose`).
pub fn diagnose_json(json: &str, options: &Options) -> Result<Diagnosis, Error> {
    check_size(json.len(), options)?;
    let parsed = input::parse_json_text(json)?;
    Ok(diagnose_parsed(parsed, json.as_bytes(), options))
}

fn diagnose_parsed(parsed: input::Parsed, raw: &[u8], options: &Options) -> Diagnosis {
    match parsed {
        input::Parsed::Empty => Diagnosis::empty(),
        input::Parsed::Events { kind, events } => {
            let events = input::expand_nested(events);
            Diagnosis { kind, findings: rules::evaluate(&events, options), smlog: None }
        }
        input::Parsed::Smlog => {
            let report = input::smlog::analyze(raw, options);
            Diagnosis { kind: InputKind::Smlog, findings: report.findings.clone(), smlog: Some(report) }
        }
        input::Parsed::Records(_) => Diagnosis { kind: InputKind::Records, findings: Vec::new(), smlog: None },
    }
}

/// Every rule, in documentation order.
pub fn list_rules() -> Vec<RuleInfo> {
    rules::registry().map(|r| *r.info).collect()
}
