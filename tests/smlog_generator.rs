//! The SMlog analysis against the benchmark generator's ground truth (`tests/tools/gen_smlog.py`,
//! a copy of `../shared/bench/gen_smlog.py`): every one of its 23 failure kinds must be
//! recognised, each episode where it happened, and none of its benign noise may be reported as a failure.
//! Files are generated at test time into a temporary directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use xapi_doctor::input::smlog::{IncidentKind, SmlogReport, TimelineEntry};
use xapi_doctor::{analyze_smlog, Options, Severity, SmlogScanner};

/// The timeline kind (and XAPI code) that stands for each generator kind.
const EXPECTED: &[(&str, &str, Option<&str>)] = &[
    ("snapshot_chain_too_long", "sm_error", Some("SR_BACKEND_FAILURE_109")),
    ("snapshot_no_space", "sm_error", Some("SR_BACKEND_FAILURE_44")),
    ("clone_enospc_file", "sm_error", Some("SR_BACKEND_FAILURE_81")),
    ("snapshot_pause_failed", "sm_error", Some("SR_BACKEND_FAILURE_82")),
    ("gc_coalesce_failed", "coalesce_failed", None),
    ("gc_coalesce_enospc", "coalesce_out_of_space", None),
    ("gc_vhd_corrupted", "vhd_corrupted", None),
    ("gc_leaf_coalesce_gave_up", "leaf_coalesce_gave_up", None),
    ("gc_leaf_snapshot_failed", "leaf_coalesce_failed", None),
    ("gc_live_leaf_timeout", "live_leaf_coalesce_timeout", None),
    ("gc_no_space", "coalesce_no_space", None),
    ("gc_no_space_leaf", "leaf_coalesce_no_space", None),
    ("gc_sr_lock_timeout", "gc_lock_timeout", None),
    ("gc_parent_not_found", "parent_missing", None),
    ("vdi_lock_timeout", "sm_error", Some("SR_BACKEND_FAILURE_46")),
    ("nfs_mount_failed", "sm_error", Some("SR_BACKEND_FAILURE_73")),
    ("iscsi_login_failed", "sm_error", Some("SR_BACKEND_FAILURE_68")),
    ("lv_activate_failed", "sm_error", Some("SR_BACKEND_FAILURE_46")),
    ("lvm_provision_attach", "sm_error", Some("SR_BACKEND_FAILURE_180")),
    ("tapdisk_failed", "sm_error", Some("SR_BACKEND_FAILURE_453")),
    ("unpause_failed", "unpause_failed", None),
    ("long_lvm_call", "long_lvm_call", None),
    ("lvremove_retry", "lv_busy_retry", None),
];

fn generator() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/gen_smlog.py");
    let python = Command::new("python3").arg("--version").output().is_ok();
    (path.exists() && python).then_some(path)
}

fn generate(args: &[&str], name: &str) -> Option<(Vec<u8>, Value)> {
    let gen = generator()?;
    let dir = std::env::temp_dir().join(format!("xapi-doctor-smlog-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let log = dir.join(name);
    let truth = dir.join(format!("{name}.episodes.json"));
    let status = Command::new("python3")
        .arg(gen)
        .args(args)
        .arg("--episodes-json")
        .arg(&truth)
        .arg("-o")
        .arg(&log)
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    assert!(status.success(), "gen_smlog.py failed");
    let bytes = std::fs::read(&log).ok()?;
    let truth: Value = serde_json::from_slice(&std::fs::read(&truth).ok()?).ok()?;
    let _ = std::fs::remove_file(&log);
    Some((bytes, truth))
}

fn kind_name(k: IncidentKind) -> String {
    serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

fn is_failure(e: &TimelineEntry) -> bool {
    matches!(e.severity, Severity::Critical | Severity::Error | Severity::Warning)
}

struct Score {
    missed: Vec<String>,
    kinds_found: Vec<String>,
    false_alarms: Vec<String>,
}

fn score(report: &SmlogReport, truth: &Value) -> Score {
    let episodes = truth["episodes"].as_array().cloned().unwrap_or_default();
    let within = |e: &TimelineEntry, ep: &Value| {
        let first = ep["first_line"].as_u64().unwrap_or(0) as u32;
        let last = ep["last_line"].as_u64().unwrap_or(0) as u32;
        let pids: Vec<u32> = ep["pids"].as_array().map(|a| a.iter().filter_map(|p| p.as_u64()).map(|p| p as u32).collect()).unwrap_or_default();
        e.line >= first && e.line <= last && e.pid.is_none_or(|p| pids.contains(&p))
    };
    let mut missed = Vec::new();
    let mut kinds_found = Vec::new();
    for ep in &episodes {
        let kind = ep["kind"].as_str().unwrap_or("");
        let Some((_, want, code)) = EXPECTED.iter().find(|(k, _, _)| *k == kind) else {
            missed.push(format!("unknown kind {kind}"));
            continue;
        };
        let found = report.timeline.iter().any(|e| kind_name(e.kind) == *want && e.code.as_deref() == *code && within(e, ep));
        if found {
            if !kinds_found.iter().any(|k| k == kind) {
                kinds_found.push(kind.to_string());
            }
        } else {
            missed.push(format!("{kind} at lines {}-{}", ep["first_line"], ep["last_line"]));
        }
    }
    let false_alarms = report
        .timeline
        .iter()
        .filter(|e| is_failure(e) && !episodes.iter().any(|ep| within(e, ep)))
        .map(|e| format!("{:?} at line {}: {}", e.kind, e.line, e.text))
        .collect();
    Score { missed, kinds_found, false_alarms }
}

#[test]
fn all_generator_failure_kinds_are_recognised_without_false_alarms() {
    let Some((bytes, truth)) = generate(&["--size-mb", "5", "--seed", "7", "--profile", "all-failures"], "dense.log") else {
        eprintln!("skipped: python3 not available");
        return;
    };
    let report = analyze_smlog(&bytes, &Options::default());
    assert_eq!(report.stats.timeline_dropped, 0, "the timeline must hold every episode of this file");
    let s = score(&report, &truth);
    assert!(s.missed.is_empty(), "missed {} episodes: {:#?}", s.missed.len(), &s.missed[..s.missed.len().min(20)]);
    assert_eq!(s.kinds_found.len(), 23, "kinds found: {:?}", s.kinds_found);
    assert!(s.false_alarms.is_empty(), "false alarms: {:#?}", &s.false_alarms[..s.false_alarms.len().min(20)]);
    // Every kind also has its finding.
    let rules: Vec<&str> = report.findings.iter().map(|f| f.rule).collect();
    for id in ["SR109", "SR044", "SR081", "SR082", "SM001", "SM002", "SM008", "SM005", "SM004", "SM006", "SM003", "SM011", "SM009", "SR046", "SR073", "SR180", "SR453", "SM015", "SM017", "SM018"] {
        assert!(rules.contains(&id), "{id} missing from {rules:?}");
    }
}

#[test]
fn normal_log_benign_noise_is_never_a_failure_and_streaming_matches() {
    let Some((bytes, truth)) = generate(&["--size-mb", "5", "--seed", "3"], "normal.log") else {
        eprintln!("skipped: python3 not available");
        return;
    };
    let report = analyze_smlog(&bytes, &Options::default());
    let s = score(&report, &truth);
    assert!(s.missed.is_empty(), "missed: {:?}", s.missed);
    assert!(s.false_alarms.is_empty(), "false alarms: {:?}", s.false_alarms);
    // The benign noise the generator injected is reported as benign information.
    let noise = &truth["benign_noise"];
    if noise["lock_contention_first_attempt"].as_u64().unwrap_or(0) > 0 {
        let f = report.findings.iter().find(|f| f.rule == "SM024").expect("lock contention is reported as benign");
        assert_eq!(f.params.get("occurrences").and_then(|n| n.parse::<u64>().ok()), noise["lock_contention_first_attempt"].as_u64());
    }
    for f in &report.findings {
        for e in &f.evidence {
            let benign_text = e.text.contains("on first attempt, blocked by PID")
                || e.text.contains("GC instance already")
                || e.text.contains("Scan found hidden leaf");
            if benign_text {
                assert_eq!(f.category, xapi_doctor::Category::Benign, "{} reported {}", f.rule, e.text);
            }
        }
    }
    // 1 MiB and odd-sized chunks give the same report.
    for chunk in [1 << 20, 4093, 65_537] {
        let mut scanner = SmlogScanner::new(Options::default());
        for c in bytes.chunks(chunk) {
            scanner.push(c).expect("no size limit");
        }
        assert!(scanner.finish().unwrap() == report, "chunks of {chunk} bytes differ");
    }
}
