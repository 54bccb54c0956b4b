//! What the SMlog analysis recognises that is not a XAPI error: storage-manager and
//! garbage-collector episodes ("coalesce failed on this VDI", "no space to coalesce on that SR",
//! "LVM call took 40 s"), each with where it was seen and the facts the log gave. The rules
//! layer's `smlog_*` families turn groups of them into findings (through
//! `super::Interpreter`).

use serde::Serialize;

use super::line::LogTime;
use crate::model::{Evidence, Params};

/// The kinds of episode the analysis recognises. Serialised in snake_case in the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    /// A storage-manager call failed with an SR error (the XAPI error it returned).
    SmError,
    CoalesceFailed,
    /// `vhd-util coalesce` ran out of space (ENOSPC) while merging.
    CoalesceOutOfSpace,
    /// The GC skipped a coalesce because the SR lacks the space it needs.
    CoalesceNoSpace,
    /// The GC skipped a leaf-coalesce because the SR lacks the space it needs.
    LeafCoalesceNoSpace,
    LeafCoalesceFailed,
    LeafCoalesceGaveUp,
    LiveLeafCoalesceTimeout,
    /// The GC kept failing on the same VDI (derived at the end of the log).
    CoalesceStuck,
    VhdCorrupted,
    /// A VHD the chain needs (a parent, or the VDI of an interrupted operation) is missing.
    ParentMissing,
    ScanError,
    GcLockTimeout,
    GcRunFailed,
    GcDisabled,
    UnpauseFailed,
    PauseFailed,
    SrLockWait,
    LongLvmCall,
    LvBusyRetry,
    CommandFailed,
    ChainNearLimit,
    SnapshotCleanupFailed,
    LongSnapshotPause,
    /// A storage-manager call failed and the log does not say which SR error it returned.
    SmCallFailed,
    BenignLockContention,
    BenignGcAlreadyRunning,
    BenignLvCheck,
    /// `vgs --readonly <VG>` failed with "not found": sm asking whether a volume group exists.
    BenignVgCheck,
    CoalesceSucceeded,
    LeafCoalesceSucceeded,
}

impl IncidentKind {
    /// Benign kinds are findings of category `benign` and do not appear in the timeline.
    pub fn is_benign(self) -> bool {
        matches!(self, IncidentKind::BenignLockContention | IncidentKind::BenignGcAlreadyRunning | IncidentKind::BenignLvCheck | IncidentKind::BenignVgCheck)
    }

    /// Successes feed the timeline and the coalesce summary, never a finding.
    pub fn is_success(self) -> bool {
        matches!(self, IncidentKind::CoalesceSucceeded | IncidentKind::LeafCoalesceSucceeded)
    }

    /// Kinds that are grouped per SR (the VDIs concerned are listed in the group) rather than
    /// per VDI.
    pub fn groups_per_sr(self) -> bool {
        matches!(self, IncidentKind::CoalesceNoSpace | IncidentKind::LeafCoalesceNoSpace | IncidentKind::GcLockTimeout | IncidentKind::GcDisabled)
            || self.is_benign()
    }
}

/// One recognised episode.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub kind: IncidentKind,
    /// The first line that shows it (1-based, in the whole input).
    pub line: u32,
    pub last_line: u32,
    pub pid: Option<u32>,
    pub time: Option<LogTime>,
    /// The SR's full uuid, or as the log names it.
    pub sr: Option<String>,
    /// The VDI as the log names it (8-character prefix or full uuid).
    pub vdi: Option<String>,
    /// The VDI's full uuid when the log gives it somewhere.
    pub vdi_uuid: Option<String>,
    pub host: Option<String>,
    /// The cause as the log words it (exception text, stderr of the failed command…).
    pub detail: Option<String>,
    /// Named facts (`freeBytes`, `attempts`, `seconds`, `reason`…), shown as the finding's params.
    pub facts: Params,
    pub evidence: Vec<Evidence>,
}

impl Incident {
    pub fn new(kind: IncidentKind, line: u32, pid: Option<u32>) -> Incident {
        Incident {
            kind,
            line,
            last_line: line,
            pid,
            time: None,
            sr: None,
            vdi: None,
            vdi_uuid: None,
            host: None,
            detail: None,
            facts: Params::default(),
            evidence: Vec::new(),
        }
    }

    pub fn fact(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        let value: String = value.into();
        self.facts.insert(name, value);
        self
    }

    pub fn add_evidence(&mut self, ev: Evidence) {
        if let Some(line) = ev.line {
            self.last_line = self.last_line.max(line);
        }
        if !has_evidence(&self.evidence, &ev) {
            crate::model::push_evidence(&mut self.evidence, ev);
        }
    }
}

/// Whether `list` already holds `ev`: line and pid compared first, the text only when they match.
pub fn has_evidence(list: &[Evidence], ev: &Evidence) -> bool {
    list.iter().any(|e| e.line == ev.line && e.pid == ev.pid && e.text == ev.text)
}

/// Every occurrence of one kind of episode on one subject (SR, VDI): rendered as one finding.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentGroup {
    /// The first occurrence (its subject and facts).
    pub first: Incident,
    /// The facts and detail of the latest occurrence.
    pub latest_facts: Params,
    pub latest_detail: Option<String>,
    pub last_time: Option<LogTime>,
    pub last_line: u32,
    pub count: u64,
    /// VDIs concerned, for groups kept per SR.
    pub vdis: Vec<String>,
    pub evidence: Vec<Evidence>,
}

/// The most VDIs one per-SR group lists.
pub const MAX_GROUP_VDIS: usize = 12;
