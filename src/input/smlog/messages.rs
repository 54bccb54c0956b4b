//! The storage manager's one-line messages that mean an episode on their own ("Failed to pause
//! VDI…", "ERROR deactivating LVs…"), compiled from `data/smlog_messages.toml` by `build.rs`.
//! The assembler keeps the log's structure (processes, tracebacks, coalesce attempts) in code
//! and asks [`recognise`] about every message it does not skip as routine, before reading its
//! structure (so an entry's literal must not claim a structural message); what the entry says to
//! capture is applied by `Analyzer::declared`.

use super::assemble::{find, starts};
use super::incident::IncidentKind;

/// One entry of `data/smlog_messages.toml` (its header documents the fields).
#[derive(Debug)]
pub(super) struct Message {
    pub starts: &'static str,
    pub kind: IncidentKind,
    pub detail: bool,
    pub sr_after: Option<&'static str>,
    pub vdi_after: Option<&'static str>,
    /// false: the incident's SR is only what `sr_after` reads, never the process's.
    pub sr_from_process: bool,
    /// false: the incident's VDI is only what `vdi_after` reads, never the process's.
    pub vdi_from_process: bool,
    pub word_fact: Option<&'static str>,
    /// `(fact, literal)`: the fact takes the decimal number right after the literal.
    pub number_after: &'static [(&'static str, &'static str)],
    pub facts: &'static [(&'static str, &'static str)],
    pub gc_context: bool,
    /// The message explains the process's last failed command: the incident takes its evidence.
    pub takes_failed_command: bool,
    /// The message says garbage collection (or a part of it) is off on the SR.
    pub sr_gc_disabled: bool,
}

include!(concat!(env!("OUT_DIR"), "/smlog_messages_data.rs"));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::smlog::assemble::Analyzer;
    use crate::input::smlog::scanner::LineSplitter;
    use crate::input::smlog::IncidentGroup;

    /// The incident groups the assembler makes of `text`.
    fn groups_of(text: &str) -> Vec<IncidentGroup> {
        let mut analyzer = Analyzer::default();
        let mut splitter = LineSplitter::new(crate::options::Options::default().max_line_bytes());
        splitter.push(format!("{text}\n").as_bytes(), &mut analyzer);
        splitter.finish(&mut analyzer);
        analyzer.finish();
        analyzer.out.groups().to_vec()
    }

    #[test]
    fn every_entry_recognises_its_example_with_what_it_declares() {
        assert_eq!(EXAMPLES.len(), MESSAGES.len());
        for &(i, example, _) in EXAMPLES {
            let m = &MESSAGES[i];
            let groups = groups_of(example);
            let Some(g) = groups.iter().find(|g| g.first.kind == m.kind) else {
                panic!("{:?}: its example gives no {:?} incident (shadowed by the assembler's structure or its routine filter?)", m.starts, m.kind)
            };
            let inc = &g.first;
            assert_eq!(inc.line, 1, "{:?}", m.starts);
            assert!(!inc.evidence.is_empty(), "{:?}: no evidence", m.starts);
            let message = &example[example.find("] ").map_or(0, |i| i + 2)..];
            assert_eq!(inc.detail.as_deref(), if m.detail { Some(message) } else { None }, "{:?}: detail", m.starts);
            if m.sr_after.is_some() {
                assert!(inc.sr.is_some(), "{:?}: no SR read", m.starts);
            }
            if m.vdi_after.is_some() {
                assert!(inc.vdi.is_some(), "{:?}: no VDI read", m.starts);
            }
            if let Some(name) = m.word_fact {
                assert!(inc.facts.get(name).is_some_and(|v| !v.is_empty()), "{:?}: no {name}", m.starts);
            }
            for (name, _) in m.number_after {
                assert!(inc.facts.get(name).is_some_and(|v| v.parse::<u64>().is_ok()), "{:?}: no number {name}", m.starts);
            }
            for (name, value) in m.facts {
                assert_eq!(inc.facts.get(name), Some(*value), "{:?}: fact {name}", m.starts);
            }
        }
    }

    const CALL_SR: &str = "0f9e8d7c-55aa-4e11-8c1b-3d2e1f0a9b88";
    const CALL_VDI: &str = "c0ffee00-1111-4222-8333-444455556666";

    /// `example` after `context` messages, each written with the example's own syslog prefix
    /// (so by the same process).
    fn in_context(example: &str, context: &[String]) -> String {
        let prefix = &example[..example.find("] ").map_or(0, |i| i + 2)];
        context.iter().map(|m| format!("{prefix}{m}\n")).collect::<String>() + example
    }

    /// The report of `text` without findings: the coalesce summary needs no rule (and the
    /// analyser's tests do not import the rules layer above it).
    fn analyze_without_rules(text: &str) -> crate::input::smlog::SmlogReport {
        let no_rules = crate::input::smlog::Interpreter { rule_of: |_| None, xapi_error: |_, _| Vec::new(), group: |_, _| None, text: |_, _| Vec::new(), unrecognised: |_, _, _| None, fill: |_, _| {}, drop_redundant: |_| {} };
        crate::input::smlog::analyze(text.as_bytes(), &crate::options::Options::default(), no_rules)
    }

    /// The first incident of `kind` the assembler makes of `text`.
    fn incident_of(text: &str, kind: IncidentKind) -> crate::input::smlog::incident::Incident {
        let groups = groups_of(text);
        groups.into_iter().find(|g| g.first.kind == kind).unwrap_or_else(|| panic!("no {kind:?} in {text}")).first
    }

    #[test]
    fn every_entry_takes_the_processs_subject_unless_it_says_not_to() {
        let call = format!("vdi_snapshot {{'sr_uuid': '{CALL_SR}', 'vdi_uuid': '{CALL_VDI}', 'command': 'vdi_snapshot'}}");
        for &(i, example, _) in EXAMPLES {
            let m = &MESSAGES[i];
            let inc = incident_of(&in_context(example, std::slice::from_ref(&call)), m.kind);
            if !m.sr_from_process {
                assert_ne!(inc.sr.as_deref(), Some(CALL_SR), "{:?}: the call's SR", m.starts);
            } else if m.sr_after.is_none() {
                assert_eq!(inc.sr.as_deref(), Some(CALL_SR), "{:?}: not the call's SR", m.starts);
            }
            if !m.vdi_from_process {
                assert_ne!(inc.vdi.as_deref(), Some(CALL_VDI), "{:?}: the call's VDI", m.starts);
            } else if m.vdi_after.is_none() {
                assert_eq!(inc.vdi.as_deref(), Some(CALL_VDI), "{:?}: not the call's VDI", m.starts);
            }
        }
    }

    #[test]
    fn an_entry_that_explains_a_failed_command_takes_it_and_no_other_does() {
        let failed = "FAILED in util.pread: (rc 5) stdout: '', stderr: '  Failed to find logical volume'".to_string();
        for &(i, example, _) in EXAMPLES {
            let m = &MESSAGES[i];
            let text = in_context(example, std::slice::from_ref(&failed));
            let inc = incident_of(&text, m.kind);
            let reported_alone = groups_of(&text).iter().any(|g| g.first.kind == IncidentKind::CommandFailed);
            let taken = inc.evidence.iter().any(|e| e.line == Some(1));
            assert_eq!((taken, reported_alone), (m.takes_failed_command, !m.takes_failed_command), "{:?}", m.starts);
        }
    }

    #[test]
    fn an_entry_that_switches_gc_off_marks_the_srs_coalesce_disabled_and_no_other_does() {
        use crate::input::smlog::CoalesceStatus;
        for &(i, example, _) in EXAMPLES {
            let m = &MESSAGES[i];
            let text = in_context(example, &[format!("=== SR {CALL_SR}: gc ===")]);
            let report = analyze_without_rules(&text);
            let status = report.coalesce.srs.iter().find(|s| s.sr_uuid.as_deref() == Some(CALL_SR)).map(|s| s.status);
            assert_eq!(status == Some(CoalesceStatus::Disabled), m.sr_gc_disabled, "{:?}: {status:?}", m.starts);
        }
    }

    // The messages that needed a capture of their own, each in the context it meets in a log.

    const SR: &str = "5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21";
    const VDI: &str = "8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12";

    #[test]
    fn a_lock_contention_names_the_lock_files_sr_the_blocking_pid_and_never_the_calls_subject() {
        let call = format!("Jan 14 02:00:00 h SM: [14502] vdi_snapshot {{'sr_uuid': '{CALL_SR}', 'vdi_uuid': '{CALL_VDI}', 'command': 'vdi_snapshot'}}\n");
        let sr_lock = format!("{call}Jan 14 02:00:01 h SM: [14502] Failed to lock /var/lock/sm/{SR}/sr on first attempt, blocked by PID 14488");
        let inc = incident_of(&sr_lock, IncidentKind::BenignLockContention);
        assert_eq!((inc.sr.as_deref(), inc.vdi.as_deref(), inc.facts.get("blockedBy")), (Some(SR), None, Some("14488")));
        // The LVM lock belongs to no SR; the pid is read as a number.
        let lvm_lock = format!("{call}Jan 14 02:00:01 h SM: [14502] Failed to lock /var/lock/sm/.nil/lvm on first attempt, blocked by PID 027183");
        let inc = incident_of(&lvm_lock, IncidentKind::BenignLockContention);
        assert_eq!((inc.sr.as_deref(), inc.vdi.as_deref(), inc.facts.get("blockedBy")), (None, None, Some("27183")));
        let no_pid = format!("{call}Jan 14 02:00:01 h SM: [14502] Failed to lock /var/lock/sm/{SR}/sr on first attempt");
        assert_eq!(incident_of(&no_pid, IncidentKind::BenignLockContention).facts.get("blockedBy"), None);
        let not_first = format!("{call}Jan 14 02:00:01 h SM: [14502] Failed to lock /var/lock/sm/{SR}/sr after 10 attempts, blocked by PID 1");
        assert!(groups_of(&not_first).iter().all(|g| g.first.kind != IncidentKind::BenignLockContention));
    }

    #[test]
    fn an_ignored_lv_check_takes_the_failed_lvs_before_it_even_when_its_stderr_spills_over() {
        let text = format!(
            "Jan 14 02:00:01 h SM: [14502] ['/sbin/lvs', '--noheadings', '/dev/VG_XenStorage-{SR}/{VDI}.cbtlog']\n\
             Jan 14 02:00:01 h SM: [14502] FAILED in util.pread: (rc 5) stdout: '', stderr: '  Failed to find logical volume\n\
             Jan 14 02:00:01 h SM: [14502] \"VG_XenStorage-{SR}/{VDI}.cbtlog\"'\n\
             Jan 14 02:00:01 h SM: [14502] Ignoring exception for LV check: /dev/VG_XenStorage-{SR}/{VDI}.cbtlog !\n\
             Jan 14 02:00:02 h SM: [14502] Ignoring exception for LV check: /dev/VG_XenStorage-{SR}/{VDI}.cbtlog !"
        );
        let groups = groups_of(&text);
        assert!(groups.iter().all(|g| g.first.kind != IncidentKind::CommandFailed));
        let lv_check = groups.iter().find(|g| g.first.kind == IncidentKind::BenignLvCheck).expect("an ignored LV check");
        let lines: Vec<Option<u32>> = lv_check.first.evidence.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(1), Some(2), Some(3), Some(4)]);
        // The second check has no failure left to take.
        assert_eq!(lv_check.count, 2);
    }

    #[test]
    fn switches_off_for_the_sr_name_no_vdi_even_inside_a_coalesce_attempt() {
        for (message, what) in [
            ("GC is disabled for this SR, abort", "garbage collection"),
            ("Coalesce disabled for this SR", "coalesce"),
            ("Leaf-coalesce disabled for this SR", "leaf-coalesce"),
        ] {
            let text = format!(
                "Jan 14 03:51:00 h SMGC: [9200] === SR {SR}: gc ===\n\
                 Jan 14 03:51:02 h SMGC: [9200] Coalescing *8341e744[VHD](20.000G//1.000G|n) -> *0f9e8d7c[VHD](20.000G//19.000G|n)\n\
                 Jan 14 03:51:02 h SMGC: [9200] {message}"
            );
            let inc = incident_of(&text, IncidentKind::GcDisabled);
            assert_eq!((inc.sr.as_deref(), inc.vdi.as_deref(), inc.facts.get("what")), (Some(SR), None, Some(what)), "{message}");
            let report = analyze_without_rules(&text);
            assert_eq!(report.coalesce.status, crate::input::smlog::CoalesceStatus::Disabled, "{message}");
        }
    }

    #[test]
    fn leaf_coalesce_disabled_for_a_vdi_names_that_vdi_only() {
        let attempt = format!(
            "Jan 14 03:51:00 h SMGC: [9200] === SR {SR}: gc ===\n\
             Jan 14 03:51:01 h SMGC: [9200] Leaf-coalescing *0f9e8d7c[VHD](20.000G//1.000G|n)\n"
        );
        let named = format!("{attempt}Jan 14 03:51:02 h SMGC: [9200] Leaf-coalesce disabled for *8341e744[VHD](20.000G//1.000G|n)");
        let inc = incident_of(&named, IncidentKind::GcDisabled);
        assert_eq!((inc.sr.as_deref(), inc.vdi.as_deref(), inc.facts.get("what")), (Some(SR), Some("8341e744"), Some("leaf-coalesce of this VDI")));
        // Not a VDI's name: no VDI, not the attempt's.
        let unnamed = format!("{attempt}Jan 14 03:51:02 h SMGC: [9200] Leaf-coalesce disabled for some reason");
        assert_eq!(incident_of(&unnamed, IncidentKind::GcDisabled).vdi, None);
        let report = analyze_without_rules(&named);
        assert_ne!(report.coalesce.status, crate::input::smlog::CoalesceStatus::Disabled);
    }

    #[test]
    fn no_entry_recognises_its_counterexample() {
        for &(i, _, counterexample) in EXAMPLES {
            let m = &MESSAGES[i];
            assert!(groups_of(counterexample).iter().all(|g| g.first.kind != m.kind), "{:?}: its counterexample gives a {:?} incident", m.starts, m.kind);
        }
    }

    #[test]
    fn a_message_nobody_declared_is_not_recognised() {
        assert!(recognise(b"Failed to frobnicate VDI 8341e744").is_none());
        assert!(recognise(b"SR 5b1c: all fine").is_none());
        assert!(recognise(b"x").is_none());
        assert!(recognise(b"").is_none());
    }
}
