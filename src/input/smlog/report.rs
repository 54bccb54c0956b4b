//! The report of an SMlog analysis: findings, the coalesce summary per SR and VDI ("is
//! coalesce running, stuck, or out of space?"), and a timeline of the episodes.
//!
//! The [`Collector`] gathers what the analysis recognises, bounded whatever the input: repeated
//! episodes on one subject are grouped (one finding each, with a count), the timeline keeps its
//! first and latest entries, and the number of SRs and VDIs followed is capped. Findings are
//! rendered once, at the end.

use std::collections::VecDeque;

use std::collections::BTreeMap;

use serde::Serialize;

use super::incident::{Incident, IncidentGroup, IncidentKind, MAX_GROUP_VDIS};
use super::line::LogTime;
use crate::input::{Event, XapiError};
use crate::model::{Finding, Severity};
use crate::options::Options;

/// Distinct finding groups kept; beyond, new episodes join their kind's catch-all group.
const MAX_GROUPS: usize = 2000;
const MAX_XAPI_GROUPS: usize = 1000;
/// Timeline entries kept: the first ones and the latest ones.
const TIMELINE_HEAD: usize = 1000;
const TIMELINE_TAIL: usize = 3000;
/// Coalesce successes kept in the timeline (the latest ones).
const TIMELINE_SUCCESSES: usize = 500;
const MAX_SRS: usize = 256;
const MAX_VDIS_PER_SR: usize = 2048;
/// A VDI whose coalesce failed this many times in a row, without a success between, is stuck.
pub const STUCK_AFTER_FAILURES: u64 = 3;

/// A garbage-collector operation on a VDI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Merging a hidden VHD into its parent.
    Coalesce,
    /// Merging a VM's active (leaf) VHD into its parent.
    LeafCoalesce,
}

/// How a coalesce attempt (or a GC run) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
    /// Skipped, or failed, for lack of space on the SR.
    NoSpace,
    /// The GC ran and found nothing to do.
    NoWork,
}

/// What coalesce on an SR is doing, as far as the log tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CoalesceStatus {
    /// The same VDI keeps failing: garbage collection makes no progress on it.
    Stuck,
    /// The last attempts failed for lack of space.
    OutOfSpace,
    /// The last attempt failed.
    Failing,
    /// Garbage collection or coalesce is disabled on the SR.
    Disabled,
    /// A coalesce was under way when the log ends.
    Running,
    /// The last attempt succeeded, or there was nothing to do.
    Idle,
    /// No garbage-collector activity for this SR in the log.
    NotSeen,
}

/// Per-VDI coalesce history.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CoalesceVdi {
    /// The VDI as the log names it (first 8 characters of its uuid, or the full uuid).
    pub vdi: String,
    /// The full uuid, when the log gives it somewhere.
    pub vdi_uuid: Option<String>,
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub attempts: u64,
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub successes: u64,
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub failures: u64,
    /// Times the GC skipped it for lack of space.
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub no_space_skips: u64,
    /// Failures and no-space skips since its last success.
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub consecutive_failures: u64,
    pub stuck: bool,
    pub last_operation: Option<Operation>,
    pub last_outcome: Option<Outcome>,
    pub last_outcome_time: Option<LogTime>,
    pub last_outcome_line: Option<u32>,
    pub last_error: Option<String>,
}

/// A coalesce in progress when the log ends.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunningCoalesce {
    pub vdi: String,
    pub operation: Operation,
    pub since: Option<LogTime>,
    pub line: u32,
}

/// Per-SR garbage-collector summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CoalesceSr {
    /// The SR's uuid; `null` when the log never named the SR of these lines.
    pub sr_uuid: Option<String>,
    pub sr_name: Option<String>,
    pub status: CoalesceStatus,
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub gc_runs: u64,
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub coalesce_attempts: u64,
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub coalesce_successes: u64,
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub coalesce_failures: u64,
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub leaf_coalesce_attempts: u64,
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub leaf_coalesce_successes: u64,
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub leaf_coalesce_failures: u64,
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub no_space_skips: u64,
    /// Free bytes the GC last reported when it lacked space.
    pub last_free_bytes: Option<f64>,
    /// The longest VHD chain the GC's tree dumps showed (images, leaf included; the limit is 30).
    pub deepest_chain: Option<u32>,
    pub last_outcome: Option<Outcome>,
    pub last_outcome_time: Option<LogTime>,
    pub last_outcome_line: Option<u32>,
    /// The last garbage-collector line seen for this SR.
    pub last_activity_time: Option<LogTime>,
    pub last_activity_line: Option<u32>,
    pub running: Option<RunningCoalesce>,
    pub stuck: bool,
    pub vdis: Vec<CoalesceVdi>,
}

/// Coalesce across the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CoalesceSummary {
    /// The most worrying status of any SR.
    pub status: CoalesceStatus,
    /// Some VDI keeps failing to coalesce.
    pub stuck: bool,
    pub srs: Vec<CoalesceSr>,
}

/// One episode of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    pub time: Option<LogTime>,
    pub line: u32,
    pub last_line: u32,
    pub pid: Option<u32>,
    pub kind: IncidentKind,
    /// The XAPI error code for `sm_error` entries (`SR_BACKEND_FAILURE_44`).
    pub code: Option<String>,
    /// The rule of the finding that covers it (`null` for successes).
    pub rule: Option<&'static str>,
    pub severity: Severity,
    pub sr_uuid: Option<String>,
    pub vdi: Option<String>,
    pub text: String,
    #[serde(skip)]
    xapi_group: Option<usize>,
}

struct XapiGroup {
    error: XapiError,
    count: u64,
}

#[derive(Default)]
struct SrTrack {
    summary: Option<CoalesceSr>,
    vdi_index: BTreeMap<String, usize>,
    active: bool,
    disabled: bool,
}

/// The coalesce history per SR and VDI.
#[derive(Default)]
pub struct CoalesceTracker {
    srs: Vec<SrTrack>,
    index: BTreeMap<String, usize>,
}

impl CoalesceTracker {
    fn sr(&mut self, sr: Option<&str>) -> Option<&mut SrTrack> {
        let key = sr.unwrap_or("");
        let idx = match self.index.get(key) {
            Some(i) => *i,
            None => {
                let key = key.to_string();
                if self.srs.len() >= MAX_SRS {
                    return None;
                }
                self.srs.push(SrTrack {
                    summary: Some(CoalesceSr {
                        sr_uuid: sr.map(str::to_string),
                        sr_name: None,
                        status: CoalesceStatus::NotSeen,
                        gc_runs: 0,
                        coalesce_attempts: 0,
                        coalesce_successes: 0,
                        coalesce_failures: 0,
                        leaf_coalesce_attempts: 0,
                        leaf_coalesce_successes: 0,
                        leaf_coalesce_failures: 0,
                        no_space_skips: 0,
                        last_free_bytes: None,
                        deepest_chain: None,
                        last_outcome: None,
                        last_outcome_time: None,
                        last_outcome_line: None,
                        last_activity_time: None,
                        last_activity_line: None,
                        running: None,
                        stuck: false,
                        vdis: Vec::new(),
                    }),
                    ..SrTrack::default()
                });
                self.index.insert(key, self.srs.len() - 1);
                self.srs.len() - 1
            }
        };
        self.srs.get_mut(idx)
    }

    fn touch(&mut self, sr: Option<&str>, line: u32, time: Option<LogTime>) -> Option<&mut SrTrack> {
        let t = self.sr(sr)?;
        if let Some(s) = t.summary.as_mut() {
            s.last_activity_line = Some(line);
            s.last_activity_time = time;
        }
        Some(t)
    }

    pub fn gc_run(&mut self, sr: &str, line: u32, time: Option<LogTime>) {
        if let Some(t) = self.touch(Some(sr), line, time) {
            t.active = true;
            t.disabled = false;
            if let Some(s) = t.summary.as_mut() {
                s.gc_runs += 1;
            }
        }
    }

    pub fn gc_active(&mut self, sr: Option<&str>, line: u32, time: Option<LogTime>) {
        if let Some(t) = self.touch(sr, line, time) {
            t.active = true;
        }
    }

    pub fn gc_exit(&mut self, sr: Option<&str>, line: u32, time: Option<LogTime>) {
        if let Some(t) = self.touch(sr, line, time) {
            t.active = false;
            if let Some(s) = t.summary.as_mut() {
                s.running = None;
            }
        }
    }

    pub fn no_work(&mut self, sr: Option<&str>, line: u32, time: Option<LogTime>) {
        if let Some(t) = self.touch(sr, line, time.clone()) {
            if let Some(s) = t.summary.as_mut() {
                s.running = None;
                if s.last_outcome.is_none() || s.last_outcome == Some(Outcome::Success) || s.last_outcome == Some(Outcome::NoWork) {
                    s.last_outcome = Some(Outcome::NoWork);
                    s.last_outcome_line = Some(line);
                    s.last_outcome_time = time;
                }
            }
        }
    }

    pub fn disabled(&mut self, sr: Option<&str>, line: u32, time: Option<LogTime>) {
        if let Some(t) = self.touch(sr, line, time) {
            t.disabled = true;
        }
    }

    pub fn sr_name(&mut self, sr: &str, name: &str) {
        if let Some(s) = self.sr(Some(sr)).and_then(|t| t.summary.as_mut()) {
            if s.sr_name.is_none() {
                s.sr_name = Some(name.to_string());
            }
        }
    }

    pub fn chain_depth(&mut self, sr: Option<&str>, depth: u32) {
        if let Some(s) = self.sr(sr).and_then(|t| t.summary.as_mut()) {
            s.deepest_chain = Some(s.deepest_chain.unwrap_or(0).max(depth));
        }
    }

    fn vdi<'a>(t: &'a mut SrTrack, vdi: &str) -> Option<&'a mut CoalesceVdi> {
        // (lookups by &str: a key is allocated only for a new VDI)
        let s = t.summary.as_mut()?;
        let idx = match t.vdi_index.get(vdi) {
            Some(i) => *i,
            None => {
                if s.vdis.len() >= MAX_VDIS_PER_SR {
                    return None;
                }
                s.vdis.push(CoalesceVdi {
                    vdi: vdi.to_string(),
                    vdi_uuid: (vdi.len() == 36).then(|| vdi.to_string()),
                    attempts: 0,
                    successes: 0,
                    failures: 0,
                    no_space_skips: 0,
                    consecutive_failures: 0,
                    stuck: false,
                    last_operation: None,
                    last_outcome: None,
                    last_outcome_time: None,
                    last_outcome_line: None,
                    last_error: None,
                });
                t.vdi_index.insert(vdi.to_string(), s.vdis.len() - 1);
                s.vdis.len() - 1
            }
        };
        s.vdis.get_mut(idx)
    }

    pub fn attempt(&mut self, sr: Option<&str>, vdi: &str, op: Operation, line: u32, time: Option<LogTime>) {
        let Some(t) = self.touch(sr, line, time.clone()) else { return };
        t.active = true;
        if let Some(s) = t.summary.as_mut() {
            match op {
                Operation::Coalesce => s.coalesce_attempts += 1,
                Operation::LeafCoalesce => s.leaf_coalesce_attempts += 1,
            }
            s.running = Some(RunningCoalesce { vdi: vdi.to_string(), operation: op, since: time, line });
        }
        if let Some(v) = Self::vdi(t, vdi) {
            v.attempts += 1;
            v.last_operation = Some(op);
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn outcome(&mut self, sr: Option<&str>, vdi: &str, op: Operation, outcome: Outcome, error: Option<String>, line: u32, time: Option<LogTime>) {
        let Some(t) = self.touch(sr, line, time.clone()) else { return };
        if let Some(s) = t.summary.as_mut() {
            s.running = None;
            match (op, outcome) {
                (Operation::Coalesce, Outcome::Success) => s.coalesce_successes += 1,
                (Operation::Coalesce, _) => s.coalesce_failures += 1,
                (Operation::LeafCoalesce, Outcome::Success) => s.leaf_coalesce_successes += 1,
                (Operation::LeafCoalesce, _) => s.leaf_coalesce_failures += 1,
            }
            s.last_outcome = Some(outcome);
            s.last_outcome_line = Some(line);
            s.last_outcome_time = time.clone();
        }
        if let Some(v) = Self::vdi(t, vdi) {
            v.last_operation = Some(op);
            v.last_outcome = Some(outcome);
            v.last_outcome_line = Some(line);
            v.last_outcome_time = time;
            if outcome == Outcome::Success {
                v.successes += 1;
                v.consecutive_failures = 0;
            } else {
                v.failures += 1;
                v.consecutive_failures += 1;
                v.last_error = error;
            }
        }
    }

    pub fn no_space(&mut self, sr: Option<&str>, vdi: Option<&str>, op: Operation, free: Option<u64>, line: u32, time: Option<LogTime>) {
        let Some(t) = self.touch(sr, line, time.clone()) else { return };
        if let Some(s) = t.summary.as_mut() {
            s.no_space_skips += 1;
            s.last_free_bytes = free.map(|f| f as f64);
            s.last_outcome = Some(Outcome::NoSpace);
            s.last_outcome_line = Some(line);
            s.last_outcome_time = time.clone();
        }
        if let Some(v) = vdi.and_then(|v| Self::vdi(t, v)) {
            v.no_space_skips += 1;
            v.consecutive_failures += 1;
            v.last_operation = Some(op);
            v.last_outcome = Some(Outcome::NoSpace);
            v.last_outcome_line = Some(line);
            v.last_outcome_time = time;
            v.last_error = Some("not enough free space on the SR".to_string());
        }
    }

    /// Fills in full uuids the log gave after naming the VDI by its prefix.
    fn resolve(&mut self, full_uuid: &dyn Fn(&str) -> Option<String>) {
        for t in &mut self.srs {
            if let Some(s) = t.summary.as_mut() {
                for v in &mut s.vdis {
                    if v.vdi_uuid.is_none() {
                        v.vdi_uuid = full_uuid(&v.vdi);
                    }
                }
            }
        }
    }

    fn build(self) -> CoalesceSummary {
        let mut srs = Vec::new();
        for t in self.srs {
            let Some(mut s) = t.summary else { continue };
            for v in &mut s.vdis {
                v.stuck = v.consecutive_failures >= STUCK_AFTER_FAILURES;
            }
            s.stuck = s.vdis.iter().any(|v| v.stuck);
            let seen = s.gc_runs + s.coalesce_attempts + s.leaf_coalesce_attempts + s.no_space_skips > 0 || s.last_outcome.is_some() || t.active || t.disabled;
            s.status = if s.stuck {
                CoalesceStatus::Stuck
            } else if t.disabled {
                CoalesceStatus::Disabled
            } else if s.running.is_some() {
                CoalesceStatus::Running
            } else {
                match s.last_outcome {
                    Some(Outcome::NoSpace) => CoalesceStatus::OutOfSpace,
                    Some(Outcome::Failure) => CoalesceStatus::Failing,
                    _ if t.active => CoalesceStatus::Running,
                    _ if seen => CoalesceStatus::Idle,
                    _ => CoalesceStatus::NotSeen,
                }
            };
            if s.status == CoalesceStatus::NotSeen && s.deepest_chain.is_none() {
                continue;
            }
            srs.push(s);
        }
        let status = srs.iter().map(|s| s.status).min().unwrap_or(CoalesceStatus::NotSeen);
        let stuck = srs.iter().any(|s| s.stuck);
        CoalesceSummary { status, stuck, srs }
    }

    /// VDIs that keep failing, for the "coalesce stuck" finding: (sr, vdi summary).
    fn stuck_vdis(&self) -> Vec<(Option<String>, CoalesceVdi)> {
        let mut out = Vec::new();
        for t in &self.srs {
            if let Some(s) = &t.summary {
                for v in &s.vdis {
                    if v.consecutive_failures >= STUCK_AFTER_FAILURES {
                        out.push((s.sr_uuid.clone(), v.clone()));
                    }
                }
            }
        }
        out
    }
}

/// Everything the analysis found, until the report is built.
#[derive(Default)]
pub struct Collector {
    pub coalesce: CoalesceTracker,
    groups: Vec<IncidentGroup>,
    /// (kind, SR, VDI) → the group (a [`crate::sort::Key`]).
    group_index: BTreeMap<String, usize>,
    xapi: Vec<XapiGroup>,
    xapi_index: BTreeMap<String, usize>,
    timeline_head: Vec<TimelineEntry>,
    timeline_tail: VecDeque<TimelineEntry>,
    successes: VecDeque<TimelineEntry>,
    pub timeline_dropped: u64,
}

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\u{2026}", &s[..end])
}

impl Collector {
    /// The incident groups so far, in the order they were made.
    #[cfg(test)]
    pub fn groups(&self) -> &[IncidentGroup] {
        &self.groups
    }

    fn push_timeline(&mut self, entry: TimelineEntry) {
        if entry.kind.is_success() {
            // Successes are many in a long log: only the latest are kept, apart from failures.
            if self.successes.len() >= TIMELINE_SUCCESSES {
                self.successes.pop_front();
                self.timeline_dropped += 1;
            }
            self.successes.push_back(entry);
            return;
        }
        if self.timeline_head.len() < TIMELINE_HEAD {
            self.timeline_head.push(entry);
            return;
        }
        if self.timeline_tail.len() >= TIMELINE_TAIL {
            self.timeline_tail.pop_front();
            self.timeline_dropped += 1;
        }
        self.timeline_tail.push_back(entry);
    }

    /// A recognised episode.
    /// Records an incident; returns the index of the group it went to (none for a success).
    pub fn incident(&mut self, inc: Incident) -> Option<usize> {
        if !inc.kind.is_benign() {
            self.timeline_entry(&inc);
        }
        if inc.kind.is_success() {
            return None;
        }
        Some(self.group(inc))
    }

    #[inline(never)]
    fn timeline_entry(&mut self, inc: &Incident) {
        {
            // The rule and its severity are filled in by `build`, which has the interpreter.
            let text = describe(inc);
            self.push_timeline(TimelineEntry {
                time: inc.time.clone(),
                line: inc.line,
                last_line: inc.last_line,
                pid: inc.pid,
                kind: inc.kind,
                code: None,
                rule: None,
                severity: Severity::Info,
                sr_uuid: inc.sr.clone(),
                vdi: inc.vdi.clone(),
                text,
                xapi_group: None,
            });
        }
    }

    #[inline(never)]
    fn group(&mut self, inc: Incident) -> usize {
        let vdi_key = if inc.kind.groups_per_sr() { None } else { inc.vdi.clone() };
        let sr_key = if inc.kind.is_benign() { None } else { inc.sr.clone() };
        let group_key = |sr: Option<&str>, vdi: Option<&str>| crate::sort::Key::default().num(inc.kind as u64).opt(sr).opt(vdi).done();
        let mut key = group_key(sr_key.as_deref(), vdi_key.as_deref());
        if !self.group_index.contains_key(&key) && self.groups.len() >= MAX_GROUPS {
            key = group_key(None, None);
        }
        match self.group_index.get(&key) {
            Some(&i) => {
                self.update_group(i, inc);
                i
            }
            None => {
                self.new_group(key, inc);
                self.groups.len() - 1
            }
        }
    }

    #[inline(never)]
    fn update_group(&mut self, i: usize, inc: Incident) {
        let Some(g) = self.groups.get_mut(i) else { return };
        if inc.facts.get("confirmation").is_none() {
            g.count += 1;
        }
        g.last_line = g.last_line.max(inc.last_line);
        g.last_time = inc.time.clone().or(g.last_time.take());
        for (k, v) in &inc.facts.0 {
            g.latest_facts.insert(k.clone(), v.clone());
        }
        if inc.detail.is_some() {
            g.latest_detail = inc.detail.clone();
        }
        if let Some(v) = &inc.vdi {
            if !g.vdis.contains(v) && g.vdis.len() < MAX_GROUP_VDIS {
                g.vdis.push(v.clone());
            }
        }
        for ev in inc.evidence {
            if !super::incident::has_evidence(&g.evidence, &ev) {
                crate::model::push_evidence(&mut g.evidence, ev);
            }
        }
    }

    #[inline(never)]
    fn new_group(&mut self, key: String, inc: Incident) {
        let count = u64::from(inc.facts.get("confirmation").is_none());
        let group = IncidentGroup {
            latest_facts: inc.facts.clone(),
            latest_detail: inc.detail.clone(),
            last_time: inc.time.clone(),
            last_line: inc.last_line,
            count: count.max(1),
            vdis: inc.vdi.iter().cloned().collect(),
            evidence: inc.evidence.clone(),
            first: inc,
        };
        self.groups.push(group);
        self.group_index.insert(key, self.groups.len() - 1);
    }

    /// Tree-dump lines of a too-long chain: grouped like any episode.
    pub fn chain_line(&mut self, inc: Incident) {
        self.incident(inc);
    }

    /// A XAPI error the storage manager returned (or the GC received).
    pub fn xapi(&mut self, error: XapiError, line: u32, pid: Option<u32>, time: Option<LogTime>) {
        let mut key = format!(
            "{}\u{1}{}\u{1}{}\u{1}{}",
            error.code,
            error.params.join("\u{2}"),
            error.subject.sr_uuid.as_deref().unwrap_or(""),
            error.subject.vdi_uuid.as_deref().unwrap_or("")
        );
        if !self.xapi_index.contains_key(&key) && self.xapi.len() >= MAX_XAPI_GROUPS {
            key = error.code.clone();
        }
        let text = match error.reason() {
            Some(r) => clip(&format!("{}: {}", error.code, r.replace('\n', " ")), 300),
            None => error.code.clone(),
        };
        let entry = TimelineEntry {
            time,
            line,
            last_line: error.evidence.iter().filter_map(|e| e.line).max().unwrap_or(line).max(line),
            pid,
            kind: IncidentKind::SmError,
            code: Some(error.code.clone()),
            rule: None,
            severity: Severity::Error,
            sr_uuid: error.subject.sr_uuid.clone(),
            vdi: error.subject.vdi_uuid.clone(),
            text,
            xapi_group: None,
        };
        let idx = match self.xapi_index.get(&key) {
            Some(&i) => {
                let g = &mut self.xapi[i];
                g.count += 1;
                for ev in error.evidence {
                    if !super::incident::has_evidence(&g.error.evidence, &ev) {
                        crate::model::push_evidence(&mut g.error.evidence, ev);
                    }
                }
                for (k, v) in error.extra.0 {
                    g.error.extra.insert(k, v);
                }
                i
            }
            None => {
                self.xapi.push(XapiGroup { error, count: 1 });
                self.xapi_index.insert(key, self.xapi.len() - 1);
                self.xapi.len() - 1
            }
        };
        self.push_timeline(TimelineEntry { xapi_group: Some(idx), ..entry });
    }

    /// Full uuids of VDIs the log named by their first 8 characters.
    pub fn resolve_vdis(&mut self, full_uuid: &dyn Fn(&str) -> Option<String>) {
        self.coalesce.resolve(full_uuid);
        for g in &mut self.groups {
            if g.first.vdi_uuid.is_none() {
                if let Some(v) = &g.first.vdi {
                    g.first.vdi_uuid = full_uuid(v);
                }
            }
        }
    }

    /// Renders the findings and builds the report parts.
    /// Also returns how many distinct findings `options.maxFindings` left out.
    pub fn build(
        mut self,
        options: &Options,
        interpreter: &super::Interpreter,
        signature_findings: Vec<Finding>,
    ) -> (Vec<Finding>, u64, CoalesceSummary, Vec<TimelineEntry>) {
        let mut findings = crate::model::Findings::new(options.max_findings());
        findings.extend(signature_findings);
        let mut xapi_rule: Vec<Option<(&'static str, Severity)>> = Vec::with_capacity(self.xapi.len());
        for g in &self.xapi {
            let events = crate::input::expand_nested(vec![Event::Xapi(g.error.clone())]);
            let mut first = None;
            for event in &events {
                for f in (interpreter.xapi_error)(event, options) {
                    if first.is_none() {
                        first = Some((f.rule, f.severity));
                    }
                    findings.push(f);
                }
            }
            let _ = g.count;
            xapi_rule.push(first);
        }
        // Coalesce that keeps failing on the same VDI. The groups that name each VDI, indexed
        // once (in group order) instead of searched for every stuck VDI.
        // (VDI → its list in `lists`: maps from String to usize share one copy of the B-tree code.)
        let mut groups_of_vdi: BTreeMap<String, usize> = BTreeMap::new();
        let mut lists: Vec<Vec<usize>> = Vec::new();
        let mut list_of = |vdi: &str, lists: &mut Vec<Vec<usize>>| -> usize {
            *groups_of_vdi.entry(vdi.to_string()).or_insert_with(|| {
                lists.push(Vec::new());
                lists.len() - 1
            })
        };
        for (i, g) in self.groups.iter().enumerate() {
            for v in g.first.vdi.iter().chain(&g.vdis) {
                let at = list_of(v, &mut lists);
                let list = &mut lists[at];
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
        for (sr, v) in self.coalesce.stuck_vdis() {
            let mut inc = Incident::new(IncidentKind::CoalesceStuck, v.last_outcome_line.unwrap_or(0), None);
            inc.time = v.last_outcome_time.clone();
            inc.sr = sr;
            inc.vdi = Some(v.vdi.clone());
            inc.vdi_uuid = v.vdi_uuid.clone();
            inc.detail = v.last_error.clone();
            inc.fact("consecutiveFailures", v.consecutive_failures.to_string());
            inc.fact("attempts", (v.attempts + v.no_space_skips).to_string());
            if let Some(op) = v.last_operation {
                inc.fact("operation", if op == Operation::Coalesce { "coalesce" } else { "leaf-coalesce" });
            }
            // Evidence: the lines of that VDI's failures, taken from their findings' groups.
            let at = list_of(&v.vdi, &mut lists);
            for g in lists[at].iter().filter_map(|&i| self.groups.get(i)) {
                for e in g.evidence.iter().take(6) {
                    inc.add_evidence(e.clone());
                }
            }
            // The group this incident joins names the VDI too (for the same VDI in another SR).
            if let Some(i) = self.incident(inc) {
                let names = self.groups.get(i).is_some_and(|g| g.first.vdi.as_deref() == Some(v.vdi.as_str()) || g.vdis.contains(&v.vdi));
                let list = &mut lists[at];
                if names {
                    if let Err(at) = list.binary_search(&i) {
                        list.insert(at, i);
                    }
                }
            }
        }
        for g in &self.groups {
            if let Some(f) = (interpreter.group)(g, options) {
                findings.push(f);
            }
        }
        let (findings, omitted) = findings.finish();

        let mut timeline: Vec<TimelineEntry> = self.timeline_head.into_iter().chain(self.timeline_tail).chain(self.successes).collect();
        for e in &mut timeline {
            if !e.kind.is_success() {
                if let Some(r) = (interpreter.rule_of)(e.kind) {
                    e.rule = Some(r.id);
                    e.severity = r.severity;
                }
            }
            if let Some(i) = e.xapi_group {
                if let Some(Some((rule, severity))) = xapi_rule.get(i) {
                    e.rule = Some(rule);
                    e.severity = *severity;
                }
            }
        }
        super::assemble::sort_by_line(&mut timeline, |e| Some(e.line));
        (findings, omitted, self.coalesce.build(), timeline)
    }
}

/// One line of text for a timeline entry.
fn describe(inc: &Incident) -> String {
    let what = match inc.kind {
        IncidentKind::SmError => "Storage-manager call failed",
        IncidentKind::CoalesceFailed => "Coalesce failed",
        IncidentKind::CoalesceOutOfSpace => "Coalesce ran out of space",
        IncidentKind::CoalesceNoSpace => "No space to coalesce",
        IncidentKind::LeafCoalesceNoSpace => "No space to leaf-coalesce",
        IncidentKind::LeafCoalesceFailed => "Leaf-coalesce failed",
        IncidentKind::LeafCoalesceGaveUp => "Leaf-coalesce gave up",
        IncidentKind::LiveLeafCoalesceTimeout => "Live leaf-coalesce timed out",
        IncidentKind::CoalesceStuck => "Coalesce keeps failing",
        IncidentKind::VhdCorrupted => "VHD corrupted",
        IncidentKind::ParentMissing => "VHD missing from the chain",
        IncidentKind::ScanError => "SR scan could not read a VHD",
        IncidentKind::GcLockTimeout => "Garbage collector could not get the SR lock",
        IncidentKind::GcRunFailed => "Garbage-collector run failed",
        IncidentKind::GcDisabled => "Garbage collection disabled",
        IncidentKind::UnpauseFailed => "Failed to unpause a disk",
        IncidentKind::PauseFailed => "Failed to pause a disk",
        IncidentKind::SrLockWait => "Waited for the SR lock",
        IncidentKind::LongLvmCall => "Slow LVM command",
        IncidentKind::LvBusyRetry => "Logical volume busy, retried",
        IncidentKind::CommandFailed => "Storage command failed",
        IncidentKind::ChainNearLimit => "VHD chain near the limit",
        IncidentKind::SnapshotCleanupFailed => "Failed snapshot left debris",
        IncidentKind::LongSnapshotPause => "Snapshot paused the VM a long time",
        IncidentKind::SmCallFailed => "Storage-manager call failed",
        IncidentKind::BenignLockContention => "Lock contention",
        IncidentKind::BenignGcAlreadyRunning => "Garbage collector already running",
        IncidentKind::BenignLvCheck => "Ignored LV check",
        IncidentKind::BenignVgCheck => "Volume group existence check",
        IncidentKind::CoalesceSucceeded => "Coalesce succeeded",
        IncidentKind::LeafCoalesceSucceeded => "Leaf-coalesce succeeded",
    };
    let mut s = what.to_string();
    if let Some(v) = &inc.vdi {
        s.push_str(" on ");
        s.push_str(v);
    }
    if let Some(d) = &inc.detail {
        s.push_str(": ");
        s.push_str(&clip(&d.replace('\n', " "), 240));
    }
    s
}
