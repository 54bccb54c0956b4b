//! Storage-manager logs (`/var/log/SMlog`): recognition, and the analysis that turns lines into
//! findings, a coalesce summary and a timeline.
//!
//! This first version recognises SMlog text and diagnoses the XAPI errors it records
//! (`Raising exception [N, text]`, XenAPI failure lists); the streaming scanner, the event
//! assembly and the storage-manager rules build on it.

use serde::Serialize;

use crate::model::Finding;
use crate::options::Options;

/// Counts of what was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SmlogStats {
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub bytes: u64,
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub lines: u64,
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub unparsed_lines: u64,
}

/// The analysis of an SMlog.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SmlogReport {
    pub findings: Vec<Finding>,
    pub stats: SmlogStats,
}

/// Whether this text is (or contains) storage-manager log lines.
pub fn looks_like_smlog(text: &str) -> bool {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .take(400)
        .any(|l| l.contains(" SM: [") || l.contains(" SMGC: [") || l.contains("*~*~*~*~") || l.contains("fairlock["))
}

/// Analyses a whole SMlog.
pub fn analyze(bytes: &[u8], options: &Options) -> SmlogReport {
    let text = String::from_utf8_lossy(bytes);
    let events = crate::input::xapi::from_text(&text);
    let findings = crate::rules::evaluate(&events, options);
    let lines = text.lines().count() as u64;
    SmlogReport {
        findings,
        stats: SmlogStats { bytes: bytes.len() as u64, lines, unparsed_lines: 0 },
    }
}
