//! Glue between the SMlog analysis and its rules (the `smlog_*` families): which rule renders
//! which kind of episode, and what every SMlog finding shares — its subject (SR, VDI, host),
//! its params (the facts the log gave), its evidence and how often it was seen.
//!
//! XAPI errors found in SMlog do not come here: they go through [`super::evaluate_event`]
//! like any other XAPI error.

use super::{Facts, RuleInfo};
use crate::input::smlog::{IncidentGroup, IncidentKind};
use crate::model::{Finding, Subject};
use crate::options::Options;

/// How one kind of SMlog episode becomes a finding.
pub struct SmRule {
    pub kind: IncidentKind,
    pub info: &'static RuleInfo,
    pub render: fn(&IncidentGroup, &Facts) -> Finding,
}

static TABLES: &[&[SmRule]] = &[
    super::smlog_coalesce::KINDS,
    super::smlog_space::KINDS,
    super::smlog_vhd::KINDS,
    super::smlog_locks::KINDS,
    super::smlog_gc::KINDS,
    super::smlog_tapdisk::KINDS,
    super::smlog_lvm::KINDS,
    super::smlog_calls::KINDS,
    super::smlog_benign::KINDS,
];

fn sm_rule(kind: IncidentKind) -> Option<&'static SmRule> {
    TABLES.iter().flat_map(|t| t.iter()).find(|r| r.kind == kind)
}

/// The rule that reports this kind of episode.
pub fn smlog_rule_of(kind: IncidentKind) -> Option<&'static RuleInfo> {
    sm_rule(kind).map(|r| r.info)
}

/// The finding of a group of episodes.
pub fn render_smlog_group(group: &IncidentGroup, options: &Options) -> Option<Finding> {
    let rule = sm_rule(group.first.kind)?;
    let facts = Facts::new(&subject_of(group), options);
    let mut f = (rule.render)(group, &facts);
    super::name_sr_codes(&mut f);
    Some(f)
}

/// What the SMlog analyser is handed to write its findings with (see
/// `input::smlog::Interpreter`).
pub const INTERPRETER: crate::input::smlog::Interpreter = crate::input::smlog::Interpreter {
    rule_of: smlog_rule_of,
    xapi_error: super::evaluate_event,
    group: render_smlog_group,
    text: smlog_signatures,
    unrecognised: super::generic::unrecognised_smlog,
    fill: super::placeholders::fill,
    drop_redundant: drop_explained_decodings,
};

/// A XAPI code's generic decoding (XA000) says nothing once another finding (a signature met in
/// the log) explains the same code: dropped, as `rules::evaluate` does for the other inputs.
fn drop_explained_decodings(findings: &mut Vec<Finding>) {
    let explained_by_other = |f: &Finding| {
        super::is_explained_decoding(f, |code| findings.iter().any(|other| other.rule != f.rule && other.codes.iter().any(|c| c == code)))
    };
    let keep: Vec<bool> = findings.iter().map(|f| !explained_by_other(f)).collect();
    let mut keep = keep.into_iter();
    findings.retain(|_| keep.next().unwrap_or(true));
    crate::model::drop_explained_decodings(findings);
}

/// The signatures of data/signatures/*.toml that fire on a (short) SMlog.
fn smlog_signatures(text: &str, options: &Options) -> Vec<Finding> {
    super::signatures::scan_input(text, super::signatures::INPUT_SMLOG, options)
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36 && crate::model::uuid_prefix(s).is_some()
}

fn subject_of(g: &IncidentGroup) -> Subject {
    Subject {
        sr_uuid: g.first.sr.clone().filter(|s| is_uuid(s)),
        vdi_uuid: g.first.vdi_uuid.clone().or_else(|| g.first.vdi.clone().filter(|v| is_uuid(v))),
        host: g.first.host.clone(),
        ..Subject::default()
    }
}

/// A finding of `info` for `g`: subject, evidence and params filled; the rule writes the prose.
pub fn base(info: &'static RuleInfo, g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = Finding::of(info, facts);
    f.evidence = g.evidence.clone();
    if let Some(sr) = &g.first.sr {
        f.params.insert("sr", sr.clone());
    }
    if let Some(v) = &g.first.vdi {
        f.params.insert("vdi", v.clone());
    }
    if g.vdis.len() > 1 {
        f.params.insert("vdis", g.vdis.join(", "));
    }
    if let Some(d) = g.latest_detail.as_ref().or(g.first.detail.as_ref()) {
        f.params.insert("detail", d.clone());
    }
    for (k, v) in &g.latest_facts.0 {
        if k != "confirmation" {
            f.params.insert(k.clone(), v.clone());
        }
    }
    f.params.insert("occurrences", g.count.to_string());
    if let Some(t) = &g.first.time {
        f.params.insert("firstSeen", t.text.clone());
    }
    if let Some(t) = &g.last_time {
        f.params.insert("lastSeen", t.text.clone());
    }
    f
}

/// `" (3 times between Jan 14 02:00:01 and Jan 14 04:09:41)"`, or `""` for one occurrence.
pub fn times(g: &IncidentGroup) -> String {
    if g.count <= 1 {
        return String::new();
    }
    match (&g.first.time, &g.last_time) {
        (Some(a), Some(b)) if a.text != b.text => format!(" ({} times between {} and {})", g.count, a.text, b.text),
        _ => format!(" ({} times)", g.count),
    }
}

/// `the VDI 8341e744` / `a VDI` for prose.
pub fn vdi_phrase(g: &IncidentGroup) -> String {
    match (&g.first.vdi_uuid, &g.first.vdi) {
        (Some(u), _) => format!("the VDI {u}"),
        (None, Some(v)) => format!("the VDI {v}"),
        _ => "a VDI".to_string(),
    }
}

/// `the SR 5b1c…` / `the SR` for prose.
pub fn sr_phrase(g: &IncidentGroup) -> String {
    match &g.first.sr {
        Some(s) => format!("the SR {s}"),
        None => "the SR".to_string(),
    }
}

/// `: detail` or `""`.
pub fn detail_suffix(g: &IncidentGroup) -> String {
    match g.latest_detail.as_ref().or(g.first.detail.as_ref()) {
        Some(d) if !d.is_empty() => format!(": {}", one_line(d)),
        _ => String::new(),
    }
}

/// A log text on one line, at most 300 characters.
pub fn one_line(s: &str) -> String {
    let flat = s.split('\n').map(str::trim_end).collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 300 {
        let cut: String = flat.chars().take(300).collect();
        format!("{cut}\u{2026}")
    } else {
        flat
    }
}

/// The grep that shows this SR's garbage-collector activity.
pub fn gc_grep(sr: &str) -> String {
    format!("grep -E 'SMGC|{sr}' /var/log/SMlog | tail -n 200")
}
