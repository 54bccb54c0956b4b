//! Tests of the SMlog analysis: line formats met in the wild, event assembly across
//! interleaved processes, every SMlog rule (positive and negative), the XAPI errors routed to
//! the common rules, chunking (property test), and bounded behaviour on hostile input.

use super::*;
use crate::model::{Category, Severity};

fn report(text: &str) -> SmlogReport {
    analyze(text.as_bytes(), &Options::default(), crate::rules::smlog::INTERPRETER)
}

fn rules(r: &SmlogReport) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.rule).collect()
}

fn finding<'a>(r: &'a SmlogReport, rule: &str) -> &'a crate::model::Finding {
    r.findings.iter().find(|f| f.rule == rule).unwrap_or_else(|| panic!("no {rule} in {:?}", rules(r)))
}

fn failures(r: &SmlogReport) -> Vec<&'static str> {
    r.findings.iter().filter(|f| f.category != Category::Benign && f.severity != Severity::Info).map(|f| f.rule).collect()
}

const SR: &str = "5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21";
const VDI: &str = "8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12";

/// research/smlog_patterns.md §4.1, interleaved with another process.
fn snapshot_no_space() -> String {
    format!(
        "Jan 14 02:00:01 xcp-host1 SM: [14502] vdi_snapshot {{'sr_uuid': '{SR}', 'vdi_uuid': '{VDI}', 'command': 'vdi_snapshot', 'session_ref': '******'}}\n\
Jan 14 02:00:01 xcp-host1 SM: [14502] Pause request for {VDI}\n\
Jan 14 02:00:01 xcp-host1 SM: [14600] lock: opening lock file /var/lock/sm/{SR}/sr\n\
Jan 14 02:00:02 xcp-host1 SM: [14502] LVHDVDI._snapshot for {VDI} (type 2)\n\
Jan 14 02:00:02 xcp-host1 SM: [14502] Not enough space! free space: 21474836480, need: 32233226240\n\
Jan 14 02:00:02 xcp-host1 SM: [14600] lock: acquired /var/lock/sm/{SR}/sr\n\
Jan 14 02:00:02 xcp-host1 SM: [14502] Raising exception [44, There is insufficient space]\n\
Jan 14 02:00:02 xcp-host1 SM: [14502] Unpause request for {VDI} secondary=None\n\
Jan 14 02:00:02 xcp-host1 SM: [14502] ***** generic exception: vdi_snapshot: EXCEPTION <class 'xs_errors.SROSError'>, There is insufficient space\n\
Jan 14 02:00:02 xcp-host1 SM: [14502]   File \"/opt/xensource/sm/SRCommand.py\", line 113, in run\n\
Jan 14 02:00:02 xcp-host1 SM: [14600]   pread SUCCESS\n\
Jan 14 02:00:02 xcp-host1 SM: [14502]     return self._run_locked(sr)\n\
Jan 14 02:00:02 xcp-host1 SM: [14502] \n\
Jan 14 02:00:02 xcp-host1 SM: [14502] ***** Local VHD on LVM: EXCEPTION <class 'xs_errors.SROSError'>, There is insufficient space\n\
Jan 14 02:00:02 xcp-host1 SM: [14502]   File \"/opt/xensource/sm/SRCommand.py\", line 392, in run\n\
Jan 14 02:00:02 xcp-host1 SM: [14502] \n\
Jan 14 02:00:02 xcp-host1 SM: [14502] lock: released /var/lock/sm/{SR}/sr\n"
    )
}

// ---------------------------------------------------------------- XAPI errors through the common rules

#[test]
fn raising_exception_with_space_check_is_sr044_with_numbers_subject_and_evidence() {
    let r = report(&snapshot_no_space());
    let f = finding(&r, "SR044");
    assert_eq!(f.codes, vec!["SR_BACKEND_FAILURE_44"]);
    assert_eq!(f.params.get("freeBytes"), Some("21474836480"));
    assert_eq!(f.params.get("neededBytes"), Some("32233226240"));
    assert_eq!(f.subject.sr_uuid.as_deref(), Some(SR));
    assert_eq!(f.subject.vdi_uuid.as_deref(), Some(VDI));
    assert_eq!(f.subject.host.as_deref(), Some("xcp-host1"));
    let lines: Vec<u32> = f.evidence.iter().filter_map(|e| e.line).collect();
    assert!(lines.contains(&5) && lines.contains(&7) && lines.contains(&9), "{lines:?}");
    assert!(f.evidence.iter().all(|e| e.pid == Some(14502)), "{:?}", f.evidence);
    assert!(f.summary.contains("30.0 GiB") && f.summary.contains("20.0 GiB"), "{}", f.summary);
    assert!(f.remediation.iter().any(|s| s.command.as_deref() == Some(&*format!("xe sr-scan uuid={SR}"))));
    assert_eq!(rules(&r).iter().filter(|id| **id == "SR044").count(), 1);
    // The timeline has the episode once, with its rule and code.
    let t: Vec<_> = r.timeline.iter().filter(|e| e.kind == IncidentKind::SmError).collect();
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].code.as_deref(), Some("SR_BACKEND_FAILURE_44"));
    assert_eq!(t[0].rule, Some("SR044"));
    assert_eq!(t[0].line, 5);
    assert_eq!(t[0].time.as_ref().map(|t| t.text.as_str()), Some("Jan 14 02:00:02"));
}

#[test]
fn gc_internal_snapshot_failure_is_sr044_and_a_leaf_coalesce_failure() {
    let r = crate::diagnose_text(crate::rules::smlog_coalesce::SM004.example, &Options::default()).unwrap();
    let ids: Vec<&str> = r.findings.iter().map(|f| f.rule).collect();
    assert!(ids.contains(&"SR044") && ids.contains(&"SM004"), "{ids:?}");
    let sm004 = r.findings.iter().find(|f| f.rule == "SM004").unwrap();
    assert_eq!(sm004.category, Category::InsufficientSpace);
    let sr044 = r.findings.iter().find(|f| f.rule == "SR044").unwrap();
    assert_eq!(sr044.evidence[0].line, Some(6));
}

#[test]
fn multi_line_raise_keeps_its_detail_and_the_last_raise_wins() {
    let text = "Jan 14 02:00:01 h SM: [6627] sr_attach {'sr_uuid': '5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21', 'command': 'sr_attach'}\n\
Jan 14 02:00:20 h SM: [6627] Raising exception [202, General backend error [opterr=rc: 24, stdout: Logging in to [iface: default, target: iqn.2004-04.com.qnap:xcp-lun2, portal: 10.18.107.38,3260] (multiple)\n\
Jan 14 02:00:20 h SM: [6627] , stderr: iscsiadm: Could not login to [iface: default, target: iqn.2004-04.com.qnap:xcp-lun2, portal: 10.18.107.38,3260].\n\
Jan 14 02:00:20 h SM: [6627] iscsiadm: initiator reported error (24 - iSCSI login failed due to authorization failure)\n\
Jan 14 02:00:20 h SM: [6627] iscsiadm: Could not log into all portals\n\
Jan 14 02:00:20 h SM: [6627] ]]\n\
Jan 14 02:00:20 h SM: [6627] Raising exception [68, ISCSI login failed - check access settings for the initiator on the storage, if CHAP is used verify CHAP credentials]\n\
Jan 14 02:00:20 h SM: [6627] ***** LVHD over iSCSI: EXCEPTION <class 'xs_errors.SROSError'>, ISCSI login failed - check access settings\n";
    let r = report(text);
    // The login failure (68) is explained once by SR073; iscsiadm's own words (error 24: the
    // target refused the credentials) name its cause above it (HL238, which reads SMlog too).
    assert_eq!(rules(&r), vec!["HL238", "SR073"], "{:?}", rules(&r));
    let f = finding(&r, "SR073");
    assert!(f.params.get("previousError").is_some_and(|p| p.contains("authorization failure")), "{:?}", f.params);
    assert!(f.evidence.iter().any(|e| e.line == Some(4)));
}

#[test]
fn without_raising_exception_the_driver_error_text_gives_the_code() {
    // Upstream storage managers (2025+) no longer log `Raising exception`.
    let text = "2025-06-01T10:00:00.000000+02:00 h SM: [900] sr_attach {'sr_uuid': '5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21', 'command': 'sr_attach'}\n\
2025-06-01T10:00:05.000000+02:00 h SM: [900] ***** NFS VHD: EXCEPTION <class 'sm.core.xs_errors.SROSError'>, NFS mount error [opterr=mount failed with return code 32]\n\
2025-06-01T10:00:05.000000+02:00 h SM: [900]   File \"/usr/lib/python3/sm/SRCommand.py\", line 392, in run\n";
    let r = report(text);
    let f = finding(&r, "SR073");
    assert_eq!(f.codes, vec!["SR_BACKEND_FAILURE_73"]);
    let t = &r.timeline[0];
    assert_eq!(t.time.as_ref().and_then(|t| t.unix_ms), Some(1_748_764_805_000));
}

#[test]
fn xenapi_failure_lists_in_any_line_are_xapi_errors() {
    let text = "Jan 14 02:00:01 h SM: [1] something went wrong: ['SR_BACKEND_FAILURE_109', '', 'The snapshot chain is too long', '']\n\
Jan 14 02:00:01 h SM: [1] lock: released /var/lock/sm/5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/sr\n";
    let r = report(text);
    assert_eq!(finding(&r, "SR109").evidence[0].line, Some(1));
}

#[test]
fn a_xenapi_failure_the_driver_let_go_is_the_calls_xapi_error() {
    // The driver called a host plugin, got a XenAPI.Failure back and did not catch it.
    let text = "Jan 14 02:00:01 h SM: [7] vdi_activate {'sr_uuid': '5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21', 'vdi_uuid': '8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12', 'command': 'vdi_activate'}\n\
Jan 14 02:00:02 h SM: [7] ***** BLKTAP2:<function _activate_locked at 0x7f>: EXCEPTION <class 'XenAPI.Failure'>, ['XENAPI_PLUGIN_FAILURE', 'map', 'CommandException', 'Operation not permitted']\n\
Jan 14 02:00:02 h SM: [7]   File \"/opt/xensource/sm/blktap2.py\", line 1, in wrapper\n";
    let r = report(text);
    let f = r.findings.iter().find(|f| f.codes.iter().any(|c| c == "XENAPI_PLUGIN_FAILURE")).unwrap_or_else(|| panic!("{:?}", rules(&r)));
    assert_eq!(f.evidence.iter().filter_map(|e| e.line).min(), Some(2));
    // Another exception class with a list in its text is not a XAPI error the call returned.
    let other = text.replace("XenAPI.Failure", "util.CommandException").replace("['XENAPI_PLUGIN_FAILURE', ", "[");
    assert!(report(&other).findings.iter().all(|f| f.codes.iter().all(|c| c != "XENAPI_PLUGIN_FAILURE")));
}

// ---------------------------------------------------------------- line formats

#[test]
fn leaf_coalesce_give_up_keeps_its_reason() {
    let r = report(crate::rules::smlog_coalesce::SM005.example);
    let f = finding(&r, "SM005");
    assert_eq!(f.params.get("reason"), Some("No progress made for 3 iterations"));
    assert!(f.summary.contains("No progress made for 3 iterations"), "{}", f.summary);
    assert!(f.evidence.iter().any(|e| e.line == Some(3)));
}

#[test]
fn no_space_to_coalesce_gives_free_bytes_and_the_merged_size() {
    let r = report(crate::rules::smlog_space::SM003.example);
    let f = finding(&r, "SM003");
    assert_eq!(f.params.get("freeBytes"), Some("4294967296"));
    assert_eq!(f.params.get("coalescedSize"), Some("80.164G"));
    assert_eq!(f.params.get("occurrences"), Some("1"));
    assert!(f.summary.contains("4.0 GiB free") && f.summary.contains("80.164G"), "{}", f.summary);
    assert_eq!(r.coalesce.srs[0].status, CoalesceStatus::OutOfSpace);
    assert_eq!(r.coalesce.srs[0].last_free_bytes, Some(4294967296.0));
}

#[test]
fn every_line_format_is_read() {
    let lines = [
        // classic, space-padded day
        "Mar  2 19:22:31 r620-q2 SMGC: [29353] No space to coalesce *0f9e8d7c[VHD](100.000G///60.004G|n) (free space: 4294967296)",
        // RFC 3339
        "2024-01-05T03:12:07.123456+01:00 xcp-host1 SMGC: [29353] No space to coalesce *0f9e8d7c[VHD](100.000G///60.004G|n) (free space: 4294967296)",
        // forum quote
        "> Mar  2 19:22:31 r620-q2 SMGC: [29353] No space to coalesce *0f9e8d7c[VHD](100.000G///60.004G|n) (free space: 4294967296)",
        // grep output with the file name
        "/var/log/SMlog.1:Mar  2 19:22:31 r620-q2 SMGC: [29353] No space to coalesce *0f9e8d7c[VHD](100.000G///60.004G|n) (free space: 4294967296)",
        // only the message and the pid
        "[29353] No space to coalesce *0f9e8d7c[VHD](100.000G///60.004G|n) (free space: 4294967296)",
        // only the message
        "No space to coalesce *0f9e8d7c[VHD](100.000G///60.004G|n) (free space: 4294967296)",
    ];
    for l in lines {
        let r = report(&format!("[root@xcp-host1 ~]# grep -i coalesce /var/log/SMlog\n{l}\n"));
        let f = finding(&r, "SM003");
        assert_eq!(f.params.get("freeBytes"), Some("4294967296"), "{l}");
        assert_eq!(f.evidence[0].line, Some(2), "{l}");
        assert_eq!(r.stats.lines, 2);
    }
}

#[test]
fn other_local2_writers_and_unparsed_lines_are_counted_not_fatal() {
    let text = "Jan 14 02:00:01 h fairlock[1873]: /run/fairlock/dm acquired\n\
\u{0}\u{1}binary junk\n\
\n\
Jan 14 02:00:02 h SM: [1] lock: acquired /var/lock/sm/x/sr\n";
    let r = report(text);
    assert_eq!(r.stats.lines, 4);
    assert_eq!(r.stats.unparsed_lines, 1);
    assert!(failures(&r).is_empty());
}

#[test]
fn encoded_newlines_are_split() {
    for sep in ["#012", "\\x0A"] {
        let text = format!(
            "Jan 14 02:00:02 h SM: [14502] vdi_snapshot {{'sr_uuid': '{SR}', 'vdi_uuid': '{VDI}'}}\n\
Jan 14 02:00:02 h SM: [14502] Not enough space! free space: 10, need: 20{sep}Raising exception [44, There is insufficient space]{sep}***** generic exception: vdi_snapshot: EXCEPTION <class 'xs_errors.SROSError'>, There is insufficient space{sep}  File \"x.py\", line 1, in run\n"
        );
        let r = report(&text);
        let f = finding(&r, "SR044");
        assert_eq!(f.params.get("neededBytes"), Some("20"), "{sep}");
        assert!(f.evidence.iter().all(|e| e.line == Some(2)), "{sep}: {:?}", f.evidence);
    }
}

#[test]
fn a_line_wrapped_by_the_terminal_is_joined_back() {
    // The uuid of the locked VDI is cut by the wrap; the line after is unrelated.
    let text = "Jan 14 02:27:48 xcp-host1 SM: [6812] Raising exception [46, The VDI is not available [opterr=VDI 8341e744-0c1d-4b5e-9a2f-6e7d8c9b\n\
0a12 locked]]\n\
Jan 14 02:27:48 xcp-host1 SM: [6812] lock: released /var/lock/sm/5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/sr\n";
    let r = report(text);
    let f = finding(&r, "SR046");
    assert!(f.params.get("opterr").is_some_and(|o| o.contains(VDI)), "{:?}", f.params);
    assert_eq!(f.evidence[0].line, Some(1));
    assert_eq!(r.stats.lines, 3);
    assert_eq!(r.stats.unparsed_lines, 0);
}

#[test]
fn a_wrap_that_fell_before_a_word_is_joined_back_but_not_an_indentation() {
    // Cut at 80 columns just before a space: the next piece starts with one space and a word.
    let cut = "Jan 14 02:27:48 xcp-host1 SM: [6812] Raising exception [46, The VDI is not\n available [opterr=VDI 8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12 locked]]\n";
    let r = report(cut);
    let f = finding(&r, "SR046");
    assert!(f.params.get("opterr").is_some_and(|o| o.contains(VDI)), "{:?}", f.params);
    assert_eq!(r.stats.lines, 2);
    // So does a cut before a count and its word, or before the bracket of `[opterr=…]`.
    for (cut_line, next) in [("Jan 14 02:27:48 xcp-host1 SM: [6812] Raising exception [202, General backend error [opterr=Not enough free space available for volume", " 0 of resource]]"), ("Jan 14 02:27:48 xcp-host1 SM: [6812] Raising exception [78, VDI Creation failed ", "[opterr=error 28]]")] {
        let r = report(&format!("{cut_line}\n{next}\n"));
        assert_eq!((r.stats.lines, r.stats.unparsed_lines), (2, 0), "{next:?}");
    }
    // Two spaces, or one before another number, start a line of its own (an indentation, a
    // column of figures); so does a bracket before anything but a lowercase word.
    for next in ["  available [opterr=VDI x locked]]", " 42  100.000G", " 12:30:01 next", "[  606.326381] sd 2:0:0:0"] {
        let text = format!("Jan 14 02:27:48 xcp-host1 SM: [6812] Raising exception [46, The VDI is not\n{next}\n");
        assert_eq!(report(&text).stats.unparsed_lines, 1, "{next:?}");
    }
}

#[test]
fn crlf_bom_and_invalid_utf8_are_harmless() {
    let mut bytes = b"\xef\xbb\xbfJan 14 02:00:02 h SM: [1] Raising exception [44, There is insufficient \xff\xfe space]\r\n".to_vec();
    bytes.extend_from_slice(b"Jan 14 02:00:02 h SM: [1] lock: released /var/lock/sm/x/sr\r\n");
    let r = analyze(&bytes, &Options::default(), crate::rules::smlog::INTERPRETER);
    assert!(rules(&r).contains(&"SR044"), "{:?}", rules(&r));
    assert_eq!(r.stats.lines, 2);
}

// ---------------------------------------------------------------- assembly

#[test]
fn gc_banner_and_conclusion_are_assembled_across_interleaved_pids() {
    let text = "Jan 14 04:01:00 h SMGC: [30112] === SR 5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21: gc ===\n\
Jan 14 04:01:00 h SMGC: [30112] Coalescing *0f9e8d7c[VHD](100.000G///60.004G|n) -> *a1b2c3d4[VHD](100.000G///20.004G|n)\n\
Jan 14 04:01:05 h SMGC: [30112] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 04:01:05 h SM: [777] ***** vdi_attach: EXCEPTION <class 'util.CommandException'>, Input/output error\n\
Jan 14 04:01:05 h SMGC: [30112]          *  E X C E P T I O N  *\n\
Jan 14 04:01:05 h SM: [777]   File \"/opt/xensource/sm/SRCommand.py\", line 113, in run\n\
Jan 14 04:01:05 h SMGC: [30112] coalesce: EXCEPTION <class 'util.CommandException'>, Input/output error\n\
Jan 14 04:01:05 h SMGC: [30112]   File \"/opt/xensource/sm/cleanup.py\", line 2212, in coalesce\n\
Jan 14 04:01:05 h SM: [777] \n\
Jan 14 04:01:05 h SMGC: [30112] \n\
Jan 14 04:01:05 h SMGC: [30112] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 04:01:05 h SMGC: [30112] Coalesce failed, skipping\n";
    let r = report(text);
    let f = finding(&r, "SM001");
    assert_eq!(f.category, Category::IoError);
    assert_eq!(f.params.get("vdi"), Some("0f9e8d7c"));
    assert_eq!(f.subject.sr_uuid.as_deref(), Some(SR));
    assert!(f.evidence.iter().all(|e| e.pid == Some(30112)), "{:?}", f.evidence);
    assert!(f.evidence.iter().any(|e| e.line == Some(7)) && f.evidence.iter().any(|e| e.line == Some(12)));
    // The other process's traceback is its own failure.
    assert!(rules(&r).contains(&"SM023"));
    // Coalesce summary.
    let sr = &r.coalesce.srs[0];
    assert_eq!(sr.sr_uuid.as_deref(), Some(SR));
    assert_eq!((sr.gc_runs, sr.coalesce_attempts, sr.coalesce_failures), (1, 1, 1));
    assert_eq!(sr.status, CoalesceStatus::Failing);
    assert_eq!(sr.vdis[0].vdi, "0f9e8d7c");
    assert_eq!(sr.vdis[0].last_outcome, Some(Outcome::Failure));
}

#[test]
fn the_forked_coalesce_child_explains_the_failure() {
    let text = "Jan 14 03:20:00 h SMGC: [23831] === SR 5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21: gc ===\n\
Jan 14 03:20:00 h SMGC: [23831] Coalescing *0f9e8d7c[VHD](100.000G///60.004G|n) -> *a1b2c3d4[VHD](100.000G///20.004G|n)\n\
Jan 14 03:20:00 h SM: [23902] ['/usr/bin/vhd-util', 'coalesce', '--debug', '-n', '/dev/VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/VHD-0f9e8d7c-55aa-4e11-8c1b-3d2e1f0a9b88']\n"
        .to_string()
        + crate::rules::smlog_coalesce::SM002.example
        + "\nJan 14 03:20:02 h SMGC: [23831] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 03:20:02 h SMGC: [23831] coalesce: EXCEPTION <class 'util.SMException'>, Child process exited with error\n\
Jan 14 03:20:02 h SMGC: [23831] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 03:20:02 h SMGC: [23831] Coalesce failed, skipping\n";
    let r = report(&text);
    let f = finding(&r, "SM002");
    assert_eq!(f.params.get("vdi"), Some("0f9e8d7c"));
    assert!(f.evidence.iter().any(|e| e.pid == Some(23902) && e.text.contains("['/usr/bin/vhd-util', 'coalesce'")), "{:?}", f.evidence);
    assert!(!rules(&r).contains(&"SM001"), "{:?}", rules(&r));
    assert_eq!(r.coalesce.srs[0].status, CoalesceStatus::OutOfSpace);
}

#[test]
fn coalesce_running_when_the_log_ends() {
    let text = "Jan 14 03:20:00 h SMGC: [23831] === SR 5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21: gc ===\n\
Jan 14 03:20:00 h SMGC: [23831] Coalescing *0f9e8d7c[VHD](500.000G///60.004G|n) -> *a1b2c3d4[VHD](500.000G///20.004G|n)\n\
Jan 14 03:20:00 h SMGC: [23831]   Running VHD coalesce on *0f9e8d7c[VHD](500.000G/60.004G/60.000G/60.004G|n)\n";
    let r = report(text);
    assert_eq!(r.coalesce.status, CoalesceStatus::Running);
    let running = r.coalesce.srs[0].running.as_ref().unwrap();
    assert_eq!((running.vdi.as_str(), running.operation, running.line), ("0f9e8d7c", Operation::Coalesce, 2));
    assert!(failures(&r).is_empty());
}

#[test]
fn successful_coalesce_is_counted_and_on_the_timeline() {
    let text = "Jan 14 03:20:00 h SMGC: [23831] === SR 5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21: gc ===\n\
Jan 14 03:20:00 h SMGC: [23831] Coalescing *0f9e8d7c[VHD](100.000G///60.004G|n) -> *a1b2c3d4[VHD](100.000G///20.004G|n)\n\
Jan 14 03:20:09 h SMGC: [23831]   Child process completed successfully\n\
Jan 14 03:20:09 h SMGC: [23831] Deleting unlinked VDI *0f9e8d7c[VHD](100.000G///60.004G|n)\n\
Jan 14 03:20:10 h SMGC: [23831] GC process exiting, no work left\n";
    let r = report(text);
    let sr = &r.coalesce.srs[0];
    assert_eq!((sr.coalesce_attempts, sr.coalesce_successes, sr.coalesce_failures), (1, 1, 0));
    assert_eq!(sr.status, CoalesceStatus::Idle);
    assert_eq!(r.timeline.len(), 1);
    assert_eq!(r.timeline[0].kind, IncidentKind::CoalesceSucceeded);
    assert!(r.findings.is_empty());
}

#[test]
fn stderr_spilling_to_the_next_line_is_kept() {
    let text = "Jan 14 02:29:20 h SM: [7079] sr_attach {'sr_uuid': '5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21', 'command': 'sr_attach'}\n\
Jan 14 02:29:20 h SM: [7079] ['mount.nfs', '10.0.0.1:/export/vms/x', '/var/run/sr-mount/x', '-o', 'soft']\n\
Jan 14 02:29:20 h SM: [8000] lock: acquired /var/lock/sm/y/sr\n\
Jan 14 02:29:20 h SM: [7079] FAILED in util.pread: (rc 32) stdout: '', stderr: 'mount.nfs: Connection timed out\n\
Jan 14 02:29:20 h SM: [7079] '\n\
Jan 14 02:29:20 h SM: [7079] Raising exception [73, NFS mount error [opterr=mount failed on server `10.0.0.1` with return code 32]]\n";
    let r = report(text);
    let f = finding(&r, "SR073");
    let lines: Vec<u32> = f.evidence.iter().filter_map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 4, 5, 6]);
}

// ---------------------------------------------------------------- rules: positives and negatives

#[test]
fn every_smlog_rule_example_fires_its_rule() {
    for rule in crate::rules::registry().filter(|r| r.info.id.starts_with("SM")) {
        let d = crate::diagnose_text(rule.info.example, &Options::default()).unwrap();
        assert_eq!(d.kind, crate::model::InputKind::Smlog, "{}", rule.info.id);
        let ids: Vec<&str> = d.findings.iter().map(|f| f.rule).collect();
        assert!(ids.contains(&rule.info.id), "{}: {:?}", rule.info.id, ids);
        let f = d.findings.iter().find(|f| f.rule == rule.info.id).unwrap();
        assert!(!f.summary.is_empty() && !f.cause.is_empty() && !f.evidence.is_empty(), "{}", rule.info.id);
        assert!(f.evidence.iter().all(|e| e.line.is_some()), "{}", rule.info.id);
    }
}

/// Lines that look like a rule's but are normal (or another problem).
const NEGATIVES: &[(&str, &str)] = &[
    ("SM001", "Jan 14 03:20:00 h SMGC: [2] Coalescing *0f9e8d7c[VHD](1G///1G|n) -> *a1b2c3d4[VHD](1G///1G|n)\nJan 14 03:20:09 h SMGC: [2] Deleting unlinked VDI *0f9e8d7c[VHD](1G///1G|n)\n"),
    ("SM002", "Jan 14 03:20:01 h SM: [3] Coalesce failed on SR 5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21: Input/output error (I/O error while coalescing.)\n"),
    ("SM003", "Jan 14 03:12:09 h SMGC: [2] Coalesced size = 80.164G\nJan 14 03:12:09 h SMGC: [2] Coalesce candidate: *0f9e8d7c[VHD](1G///1G|n) (tree height 3)\n"),
    ("SM004", "Jan 14 04:01:00 h SMGC: [2] Leaf-coalescing 8341e744[VHD](1G/1G/1G/1G|ao) -> *0f9e8d7c[VHD](1G///1G|n)\nJan 14 04:01:09 h SMGC: [2] Removed leaf-coalesce from 8341e744[VHD](1G///1G|ao)\nJan 14 04:01:09 h SMGC: [2] Starting asynch srUpdate for SR 5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21\n"),
    ("SM005", "Jan 14 04:01:00 h SMGC: [2] Coalesce summary\nJan 14 04:01:00 h SMGC: [2] Performed 3 iterations\nJan 14 04:01:00 h SMGC: [2] Minimum size achieved was 1048576000\n"),
    ("SM006", "Jan 14 04:01:00 h SMGC: [2] Leaf-coalesce forced, will not use timeout\nJan 14 04:01:00 h SMGC: [2]   Running VHD coalesce on 8341e744[VHD](1G/1G/1G/1G|ao)\n"),
    ("SM007", "Jan 14 04:01:00 h SMGC: [2] Coalescing *0f9e8d7c[VHD](1G///1G|n) -> *a1b2c3d4[VHD](1G///1G|n)\nJan 14 04:01:05 h SMGC: [2] Coalesce failed, skipping\nJan 14 04:31:00 h SMGC: [3] Coalescing *0f9e8d7c[VHD](1G///1G|n) -> *a1b2c3d4[VHD](1G///1G|n)\nJan 14 04:31:05 h SMGC: [3] Coalesce failed, skipping\nJan 14 05:01:00 h SMGC: [4] Coalescing *0f9e8d7c[VHD](1G///1G|n) -> *a1b2c3d4[VHD](1G///1G|n)\nJan 14 05:01:09 h SMGC: [4] Deleting unlinked VDI *0f9e8d7c[VHD](1G///1G|n)\n"),
    ("SM008", "Jan 14 03:30:29 h SM: [6715] ['/usr/bin/vhd-util', 'check', '--debug', '-n', '/var/run/sr-mount/x/y.vhd']\nJan 14 03:30:29 h SM: [6715]   pread SUCCESS\n"),
    ("SM009", "Jan 14 03:12:08 h SMGC: [2] SR 5b1c ('Local storage') (3 VDIs in 1 VHD trees): showing only VHD trees that changed:\nJan 14 03:12:08 h SMGC: [2] Tree 0f9e8d7c-55aa-4e11-8c1b-3d2e1f0a9b88 gone\n"),
    ("SM010", "Jan 14 03:12:08 h SM: [2] Scan found hidden leaf (0f9e8d7c-55aa-4e11-8c1b-3d2e1f0a9b88), ignoring\n"),
    ("SM011", "Jan 14 02:00:01 h SM: [2] lock: tried lock /var/lock/sm/5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/gc_active, acquired: False (exists: True)\nJan 14 02:00:01 h SMGC: [2] Another GC instance already active, exiting\n"),
    ("SM012", "Jan 14 02:25:47 h SM: [6812] vdi_activate {'sr_uuid': '5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21'}\nJan 14 02:25:48 h SM: [6812] SR locked, retrying\nJan 14 02:25:49 h SM: [6812] SR locked, retrying\nJan 14 02:25:50 h SM: [6812] lock: acquired /var/lock/sm/5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/sr\n"),
    ("SM013", "Jan 14 02:00:01 h SMGC: [2] Aborted\nJan 14 02:00:01 h SMGC: [2] GC process exiting, no work left\n"),
    ("SM014", "Jan 14 02:00:01 h SMGC: [2] === SR 5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21: gc ===\nJan 14 02:00:01 h SMGC: [2] No work, exiting\n"),
    ("SM015", "Jan 14 02:00:01 h SM: [2] Unpause request for 8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12 secondary=None\nJan 14 02:00:01 h SM: [2] Calling tap-unpause on host OpaqueRef:1\n"),
    ("SM016", "Jan 14 02:00:01 h SM: [2] Pause request for 8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12\nJan 14 02:00:01 h SM: [2] Calling tap-pause on host OpaqueRef:1\n"),
    ("SM017", "Jan 14 02:00:01 h SM: [2] LVMCache created for VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21\nJan 14 02:00:01 h SM: [2] LVMCache: refreshing\n"),
    ("SM018", "Jan 14 02:00:01 h SM: [2] ['/sbin/lvremove', '-f', '/dev/VG_XenStorage-x/VHD-y']\nJan 14 02:00:01 h SM: [2]   pread SUCCESS\n"),
    ("SM019", crate::rules::smlog_benign::SM026.example),
    ("SM020", "Jan 14 03:12:08 h SMGC: [2] SR 5b1c ('Local storage') (3 VDIs in 1 VHD trees): \nJan 14 03:12:08 h SMGC: [2]         *a1b2c3d4[VHD](100.000G///20.004G|n)\nJan 14 03:12:08 h SMGC: [2]             *0f9e8d7c[VHD](100.000G///60.004G|n)\nJan 14 03:12:08 h SMGC: [2]                 8341e744[VHD](100.000G///100.203G|ao)\nJan 14 03:12:08 h SMGC: [2] \n"),
    ("SM021", "Jan 14 02:00:01 h SM: [2] vdi_clone: introduced 2nd snap VDI: OpaqueRef:1 (0f9e8d7c-55aa-4e11-8c1b-3d2e1f0a9b88)\n"),
    ("SM022", "Jan 14 02:00:01 h SM: [2] LVHDVDI._snapshot for 8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12 (type 2)\n"),
    ("SM023", "Jan 14 02:00:01 h SM: [2] ***** vdi_snapshot: EXCEPTION <class 'util.SMException'>, failed to pause VDI x\nJan 14 02:00:01 h SM: [2] Raising exception [82, Failed to snapshot VDI [opterr=failed to pause VDI x]]\n"),
    ("SM024", "Jan 14 02:00:01 h SM: [2] lock: acquired /var/lock/sm/5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/sr\n"),
    ("SM025", "Jan 14 02:00:01 h SM: [2] Kicking SMGC@5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21...\n"),
    ("SM026", crate::rules::smlog_calls::SM019.example),
    // The same probe failing for another reason than a missing group is a failed command.
    ("SM027", "Jan 14 02:00:01 h SM: [2] ['/sbin/vgs', '--readonly', 'VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21']\nJan 14 02:00:01 h SM: [2] FAILED in util.pread: (rc 5) stdout: '', stderr: '  /dev/sdb: read failed after 0 of 4096 at 0: Input/output error'\n"),
];

/// A failed command no later line resolves is reported when its process is flushed, at the end
/// of the log: it keeps the time and host it was logged with, not those of the last line read.
#[test]
fn an_unresolved_command_keeps_its_own_time_and_host() {
    let text = "Jan 14 02:30:10 xcp-host1 SM: [7115] ['/usr/bin/vhd-util', 'query', '--debug', '-d', '-n', '/dev/VG_XenStorage-94e3bf91-923a-438f-b018-18f15f557203/VHD-85b9c09a-f8cd-4e9c-9be0-d34df1058667']\n\
Jan 14 02:30:10 xcp-host1 SM: [7115] FAILED in util.pread: (rc 2) stdout: '', stderr: 'vhd-util: failed to open /dev/VG_XenStorage-94e3bf91-923a-438f-b018-18f15f557203/VHD-85b9c09a-f8cd-4e9c-9be0-d34df1058667: No such file or directory'\n\
Jan 14 05:00:00 xcp-host2 kernel: EXT4-fs (sdb1): mounted filesystem with ordered data mode\n";
    let r = report(text);
    let f = finding(&r, "SM019");
    assert_eq!(f.subject.host.as_deref(), Some("xcp-host1"));
    assert_eq!(f.params.get("firstSeen"), Some("Jan 14 02:30:10"), "{:?}", f.params);
}

#[test]
fn an_unfinished_call_keeps_its_own_time_and_host() {
    // A call that raised and never concluded (the paste stops before its driver-level line) is
    // reported when the log ends, after lines of another host: it names the host it ran on.
    let other_host = "Jan 14 05:00:00 xcp-host2 SM: [9] lock: opening lock file /var/lock/sm/5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/sr\n\
Jan 14 05:00:00 xcp-host2 kernel: EXT4-fs (sdb1): mounted filesystem with ordered data mode\n";
    let raised = format!(
        "Jan 14 02:00:01 xcp-host1 SM: [14502] vdi_snapshot {{'sr_uuid': '{SR}', 'vdi_uuid': '{VDI}', 'command': 'vdi_snapshot', 'session_ref': '******'}}\n\
Jan 14 02:00:02 xcp-host1 SM: [14502] Not enough space! free space: 21474836480, need: 32233226240\n\
Jan 14 02:00:02 xcp-host1 SM: [14502] Raising exception [44, There is insufficient space]\n{other_host}"
    );
    let r = report(&raised);
    let f = finding(&r, "SR044");
    assert_eq!(f.subject.host.as_deref(), Some("xcp-host1"), "{:?}", f.subject);
    let t = r.timeline.iter().find(|e| e.kind == IncidentKind::SmError).expect("on the timeline");
    assert_eq!(t.time.as_ref().map(|t| t.text.as_str()), Some("Jan 14 02:00:02"));
    // A call whose traceback names no SR error: an incident, with the same host and time.
    let traceback = format!(
        "Jan 14 02:00:01 xcp-host1 SM: [14502] vdi_snapshot {{'sr_uuid': '{SR}', 'vdi_uuid': '{VDI}', 'command': 'vdi_snapshot', 'session_ref': '******'}}\n\
Jan 14 02:00:02 xcp-host1 SM: [14502] ***** vdi_snapshot: EXCEPTION <class 'OSError'>, [Errno 5] Input/output error\n\
Jan 14 02:00:02 xcp-host1 SM: [14502]   File \"/opt/xensource/sm/SRCommand.py\", line 113, in run\n\
Jan 14 02:00:02 xcp-host1 SM: [14502] \n{other_host}"
    );
    let r = report(&traceback);
    let f = r.findings.iter().find(|f| f.category != Category::Benign).unwrap_or_else(|| panic!("no failure in {:?}", rules(&r)));
    assert_eq!(f.subject.host.as_deref(), Some("xcp-host1"), "{} {:?}", f.rule, f.subject);
    assert_eq!(f.params.get("firstSeen"), Some("Jan 14 02:00:02"), "{} {:?}", f.rule, f.params);
}

#[test]
fn an_unconcluded_gc_failure_keeps_its_own_time_and_host() {
    // The GC's exception banner closed but the paste stops before its "failed, skipping": the
    // failure is reported when the log ends, after another host's lines.
    let text = "Jan 14 04:01:00 xcp-host1 SMGC: [30112] === SR 5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21: gc ===\n\
Jan 14 04:01:00 xcp-host1 SMGC: [30112] Coalescing *0f9e8d7c[VHD](100.000G///60.004G|n) -> *a1b2c3d4[VHD](100.000G///20.004G|n)\n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112]          *  E X C E P T I O N  *\n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112] coalesce: EXCEPTION <class 'util.CommandException'>, Input/output error\n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112]   File \"/opt/xensource/sm/cleanup.py\", line 2212, in coalesce\n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112] \n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 06:00:00 xcp-host2 SM: [9] lock: opening lock file /var/lock/sm/5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/sr\n\
Jan 14 06:00:00 xcp-host2 kernel: EXT4-fs (sdb1): mounted filesystem with ordered data mode\n";
    let r = report(text);
    let f = r.findings.iter().find(|f| f.category != Category::Benign).unwrap_or_else(|| panic!("no failure in {:?}", rules(&r)));
    assert_eq!(f.subject.host.as_deref(), Some("xcp-host1"), "{} {:?}", f.rule, f.subject);
    assert_eq!(f.params.get("firstSeen"), Some("Jan 14 04:01:05"), "{} {:?}", f.rule, f.params);
}

#[test]
fn a_lock_wait_still_open_keeps_its_own_time_and_host() {
    // The GC polls the SR lock until the paste ends: the wait is reported then, after another
    // host's lines, with the time and host of its first try.
    let mut text = String::new();
    for s in 0..12 {
        text += &format!("Jan 14 04:00:{s:02} xcp-host1 SMGC: [500] lock: tried lock /var/lock/sm/{SR}/sr, acquired: False (exists: True)\n");
    }
    text += "Jan 14 06:00:00 xcp-host2 SM: [9] lock: opening lock file /var/lock/sm/5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/sr\n\
Jan 14 06:00:00 xcp-host2 kernel: EXT4-fs (sdb1): mounted filesystem with ordered data mode\n";
    let r = report(&text);
    let f = r.findings.iter().find(|f| f.category != Category::Benign).unwrap_or_else(|| panic!("no failure in {:?}", rules(&r)));
    assert_eq!(f.subject.host.as_deref(), Some("xcp-host1"), "{} {:?}", f.rule, f.subject);
    assert_eq!(f.params.get("firstSeen"), Some("Jan 14 04:00:00"), "{} {:?}", f.rule, f.params);
}

#[test]
fn a_volume_group_probe_answered_no_is_normal_unless_the_call_then_fails() {
    let probe = crate::rules::smlog_benign::SM027.example;
    assert_eq!(rules(&report(probe)), ["SM027"]);
    assert!(failures(&report(probe)).is_empty());
    let failed_attach = format!(
        "{probe}\nJan 14 02:00:01 xcp-host1 SM: [14502] Raising exception [47, The SR is not available [opterr=no such volume group: VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21]]\n"
    );
    let r = report(&failed_attach);
    assert!(!rules(&r).contains(&"SM027"), "{:?}", rules(&r));
    assert!(!failures(&r).is_empty(), "{:?}", rules(&r));
    let failed_probe = NEGATIVES.iter().find(|(id, _)| *id == "SM027").map(|(_, t)| *t).unwrap_or_default();
    let r = report(failed_probe);
    assert!(rules(&r).contains(&"SM019") && !rules(&r).contains(&"SM027"), "{:?}", rules(&r));
    // LVM's warnings beside the answer keep it an answer; a read error before "not found" is a failure.
    let probe = |stderr_lines: &str| {
        format!(
            "Jan 14 02:00:01 h SM: [7] ['/sbin/vgs', '--readonly', 'VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21']\n\
             Jan 14 02:00:01 h SM: [7] FAILED in util.pread: (rc 5) stdout: '', stderr: '{stderr_lines}\n\
             Jan 14 02:00:01 h SM: [7]   Volume group \"VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21\" not found\n\
             Jan 14 02:00:01 h SM: [7]   Cannot process volume group VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21\n\
             Jan 14 02:00:01 h SM: [7] '\n"
        )
    };
    assert_eq!(rules(&report(&probe("  WARNING: lvmetad is running but disabled."))), ["SM027"]);
    let unreadable = rules(&report(&probe("  /dev/sdb: read failed after 0 of 4096 at 0: Input/output error")));
    assert!(unreadable.contains(&"SM019") && !unreadable.contains(&"SM027"), "{unreadable:?}");
}

#[test]
fn every_smlog_rule_has_a_negative_fixture_that_does_not_fire_it() {
    for rule in crate::rules::registry().filter(|r| r.info.id.starts_with("SM")) {
        let (_, text) = NEGATIVES.iter().find(|(id, _)| *id == rule.info.id).unwrap_or_else(|| panic!("no negative fixture for {}", rule.info.id));
        let r = report(text);
        assert!(!rules(&r).contains(&rule.info.id), "{} fired on its negative fixture: {:?}", rule.info.id, rules(&r));
    }
}

#[test]
fn benign_lines_are_benign_information_only() {
    let text = format!(
        "{}\n{}\n{}\nJan 14 02:00:01 h SM: [9] A GC instance already running, not kicking\n\
Jan 14 02:00:01 h SM: [9] Scan found hidden leaf (0f9e8d7c-55aa-4e11-8c1b-3d2e1f0a9b88), ignoring\n\
Jan 14 02:00:01 h SMGC: [9] SR 5b1c ('Local storage') (3 VDIs in 1 VHD trees): no changes\n",
        crate::rules::smlog_benign::SM024.example,
        crate::rules::smlog_benign::SM025.example,
        crate::rules::smlog_benign::SM026.example
    ) + crate::rules::smlog_benign::SM027.example;
    let r = report(&text);
    assert!(failures(&r).is_empty(), "{:?}", failures(&r));
    for id in ["SM024", "SM025", "SM026", "SM027"] {
        let f = finding(&r, id);
        assert_eq!((f.category, f.severity), (Category::Benign, Severity::Info));
    }
    assert!(r.timeline.is_empty(), "{:?}", r.timeline);
}

// ---------------------------------------------------------------- recognition

#[test]
fn smlog_is_recognised_with_or_without_prefixes() {
    assert!(looks_like_smlog("Jan 14 02:00:02 xcp-host1 SM: [14502] lock: acquired /var/lock/sm/x/sr"));
    assert!(looks_like_smlog("Not enough space! free space: 1, need: 2\nRaising exception [44, There is insufficient space]"));
    assert!(looks_like_smlog("[14502] Raising exception [44, There is insufficient space]"));
    assert!(looks_like_smlog("*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n         *  E X C E P T I O N  *"));
    assert!(looks_like_smlog("2024-01-05T03:12:07.123456+01:00 xcp-host1 SMGC: [23831] No work, exiting"));
}

#[test]
fn other_text_is_not_smlog() {
    assert!(!looks_like_smlog("Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>\n    main()\nValueError: bad"));
    assert!(!looks_like_smlog("My backup fails with SR_BACKEND_FAILURE_44, what should I check in SMlog?"));
    assert!(!looks_like_smlog("Raising exception [44, There is insufficient space]"));
    assert!(!looks_like_smlog("Jan 14 02:00:02 host sshd[123]: Accepted publickey for root"));
    let d = crate::diagnose_text("Raising exception [44, There is insufficient space]", &Options::default()).unwrap();
    assert!(d.findings.iter().any(|f| f.rule == "SR044"));
}

// ---------------------------------------------------------------- streaming

/// A small xorshift PRNG (deterministic, no dependency).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn chunked(bytes: &[u8], rng: &mut XorShift, max_chunk: u64) -> SmlogReport {
    let mut scanner = crate::SmlogScanner::new(Options::default());
    let mut i = 0;
    while i < bytes.len() {
        let n = (rng.next() % max_chunk + 1) as usize;
        let end = (i + n).min(bytes.len());
        scanner.push(&bytes[i..end]).unwrap();
        i = end;
    }
    scanner.finish().unwrap()
}

/// Every example and fixture of this file, with multi-byte UTF-8, invalid bytes, CRLF, a
/// wrapped line and an over-long line, as one input.
pub(crate) fn mixed_input() -> Vec<u8> {
    let mut text = String::new();
    for rule in crate::rules::registry().filter(|r| r.info.id.starts_with("SM")) {
        text.push_str(rule.info.example);
        text.push('\n');
    }
    for (_, t) in NEGATIVES {
        text.push_str(t);
    }
    text.push_str(&snapshot_no_space());
    text.push_str("Jan 14 02:00:01 hôte-é SM: [42] Raising exception [46, The VDI is not available [opterr=VDI « 漢字 » 8341e744-0c1d-4b5e-9a2f-6e7d8c9b\n0a12 locked]]\r\n");
    text.push_str(&format!("Jan 14 02:00:01 h SM: [43] FAILED in util.pread: (rc 1) stdout: '{}', stderr: ''\n", "é".repeat(40_000)));
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"Jan 14 02:00:01 h SM: [44] Raising exception [44, bad \xff\xfe\xc3 bytes]\nno newline at the end \xe6\xbc");
    bytes
}

#[test]
fn chunked_streaming_gives_the_whole_input_report() {
    let bytes = mixed_input();
    let whole = analyze(&bytes, &Options::default(), crate::rules::smlog::INTERPRETER);
    assert!(whole.findings.len() > 20);
    assert_eq!(whole.stats.truncated_lines, 1);
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for round in 0..60 {
        let max = match round % 4 {
            0 => 1,
            1 => 7,
            2 => 200,
            _ => 70_000,
        };
        let r = chunked(&bytes, &mut rng, max);
        assert!(r == whole, "round {round} (chunks up to {max} bytes) differs");
    }
}

#[test]
fn the_kept_head_joins_back_to_the_input_in_any_chunking() {
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    for max in [1u64, 100, 70_000, 200_000, 300_000] {
        let mut head = Head::default();
        let mut i = 0;
        while i < bytes.len() {
            let end = (i + (rng.next() % max + 1) as usize).min(bytes.len());
            head.push(&bytes[i..end]);
            i = end;
        }
        assert_eq!(head.len, bytes.len());
        // Segments are never regrown: each but the first is at least HEAD_SEGMENT_BYTES.
        assert!(head.segments.iter().skip(1).all(|s| s.capacity() >= HEAD_SEGMENT_BYTES));
        assert!(head.into_bytes() == bytes, "chunks up to {max} bytes");
    }
}

#[test]
fn scanner_refuses_to_finish_twice() {
    let mut s = crate::SmlogScanner::new(Options::default());
    s.push(b"Jan 14 02:00:01 h SM: [1] x\n").unwrap();
    assert!(s.finish().is_ok());
    assert_eq!(s.push(b"more").unwrap_err(), crate::Error::ScannerFinished);
    assert_eq!(s.finish().unwrap_err(), crate::Error::ScannerFinished);
}

// ---------------------------------------------------------------- hostile input stays bounded

#[test]
fn a_million_short_lines_and_a_huge_single_line() {
    let lines = "x\n".repeat(1_000_000);
    let r = report(&lines);
    assert_eq!(r.stats.lines, 1_000_000);
    let huge = vec![b'a'; 20 * 1024 * 1024];
    let mut s = crate::SmlogScanner::new(Options::default());
    for c in huge.chunks(1 << 20) {
        s.push(c).unwrap();
    }
    let r = s.finish().unwrap();
    assert_eq!((r.stats.lines, r.stats.truncated_lines), (1, 1));
}

#[test]
fn ten_thousand_interleaved_pids_and_a_traceback_that_never_ends() {
    let mut text = String::new();
    for round in 0..3 {
        for pid in 1000..11000u32 {
            match round {
                0 => text.push_str(&format!("Jan 14 02:00:01 h SM: [{pid}] vdi_attach {{'sr_uuid': '{SR}', 'vdi_uuid': '{VDI}'}}\n")),
                1 => text.push_str(&format!("Jan 14 02:00:02 h SM: [{pid}] ***** vdi_attach: EXCEPTION <class 'util.CommandException'>, Input/output error\n")),
                _ => text.push_str(&format!("Jan 14 02:00:03 h SM: [{pid}] Raising exception [46, The VDI is not available]\n")),
            }
        }
    }
    text.push_str("Jan 14 02:00:04 h SMGC: [5] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n");
    for _ in 0..200_000 {
        text.push_str("Jan 14 02:00:04 h SMGC: [5]   File \"/opt/xensource/sm/cleanup.py\", line 1, in x\n");
    }
    let start = std::time::Instant::now();
    let r = report(&text);
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
    let f = finding(&r, "SR046");
    assert_eq!(f.evidence.len(), crate::model::MAX_EVIDENCE);
    assert!(r.timeline.len() <= 4000);
}

#[test]
fn random_bytes_and_mutated_logs_never_panic() {
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let base = mixed_input();
    let alphabet: &[u8] = b" \n\r[]'\"*~#\\:,()0123456789abcdefSMGClock:xX\xff\xc3";
    for round in 0..200 {
        let mut bytes = if round % 2 == 0 {
            base.clone()
        } else {
            (0..4096).map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize]).collect()
        };
        for _ in 0..50 {
            let len = bytes.len().max(1) as u64;
            let i = (rng.next() % len) as usize;
            let b = alphabet[(rng.next() % alphabet.len() as u64) as usize];
            match rng.next() % 3 {
                0 if i < bytes.len() => bytes[i] = b,
                1 => bytes.insert(i.min(bytes.len()), b),
                _ if i < bytes.len() => {
                    bytes.remove(i);
                }
                _ => {}
            }
        }
        let whole = analyze(&bytes, &Options::default(), crate::rules::smlog::INTERPRETER);
        let chunked = chunked(&bytes, &mut rng, 97);
        assert!(whole == chunked, "round {round}: chunked report differs");
    }
}

#[test]
fn an_exception_banner_whose_opening_line_is_cut_off_is_still_read() {
    // An excerpt that starts at the banner's title and ends inside the traceback.
    let text = "Jan 28 15:56:11 xen01 SMGC: [23350] ***********************\n\
                Jan 28 15:56:11 xen01 SMGC: [23350] * E X C E P T I O N *\n\
                Jan 28 15:56:11 xen01 SMGC: [23350] ***********************\n\
                Jan 28 15:56:11 xen01 SMGC: [23350] coalesce: EXCEPTION <class 'util.SMException'>, VHD *811e7004(80.000G/2.155G) corrupted\n\
                Jan 28 15:56:11 xen01 SMGC: [23350] File \"/opt/xensource/sm/cleanup.py\", line 1542, in coalesce\n";
    let r = report(text);
    assert!(r.findings.iter().any(|f| f.category == crate::model::Category::Corruption), "{:?}", rules(&r));
    // A row of stars alone is not a banner.
    let stars = report("Jan 28 15:56:11 xen01 SMGC: [23350] ***********************\n");
    assert!(stars.findings.is_empty(), "{:?}", rules(&stars));
}

/// A driver that logs the traceback it caught, without the `***** EXCEPTION` banner.
#[test]
fn a_bare_traceback_is_the_calls_failure_read_with_its_class() {
    let log = "Dec  3 10:00:01 xcp1 SM: [1234] Exception in thread Thread-1:\n\
Dec  3 10:00:01 xcp1 SM: [1234] Traceback (most recent call last):\n\
Dec  3 10:00:01 xcp1 SM: [1234]   File \"/opt/xensource/sm/RBDSR.py\", line 804, in attach\n\
Dec  3 10:00:01 xcp1 SM: [1234]     self._map()\n\
Dec  3 10:00:01 xcp1 SM: [1234] OSError: [Errno 5] Input/output error\n";
    let r = report(log);
    let f = finding(&r, "SM023");
    assert_eq!(f.category, Category::IoError);
    assert!(f.summary.contains("[Errno 5] Input/output error"), "{}", f.summary);
    assert_eq!(f.params.get("exception"), Some("OSError"));
    assert!(f.evidence.iter().any(|e| e.text.starts_with("Traceback")) && f.evidence.iter().any(|e| e.text.starts_with("OSError")));

    // The class decides when the text alone would not: a driver's bug.
    let bug = log.replace("OSError: [Errno 5] Input/output error", "KeyError: 'sr_uuid'");
    assert_eq!(finding(&report(&bug), "SM023").category, Category::XapiVersion);

    // Python 3's chained tracebacks end on the last exception.
    let chained = log.replace(
        "OSError: [Errno 5] Input/output error\n",
        "ValueError: bad\nDec  3 10:00:01 xcp1 SM: [1234] \nDec  3 10:00:01 xcp1 SM: [1234] During handling of the above exception, another exception occurred:\nDec  3 10:00:01 xcp1 SM: [1234] Traceback (most recent call last):\nDec  3 10:00:01 xcp1 SM: [1234]   File \"x.py\", line 1, in y\nDec  3 10:00:01 xcp1 SM: [1234] OSError: [Errno 5] Input/output error\n",
    );
    // (The first exception line ends the first traceback; the chained one then opens its own.)
    assert!(rules(&report(&chained)).contains(&"SM023"));
}

#[test]
fn a_traceback_cut_before_its_exception_or_followed_by_a_plain_message_reports_nothing() {
    let cut = "Dec  3 10:00:01 xcp1 SM: [1234] Traceback (most recent call last):\n\
Dec  3 10:00:01 xcp1 SM: [1234]   File \"/opt/xensource/sm/RBDSR.py\", line 804, in attach\n";
    assert!(failures(&report(cut)).is_empty(), "{:?}", rules(&report(cut)));
    let plain = format!("{cut}Dec  3 10:00:02 xcp1 SM: [1234] Attached the image\n");
    assert!(failures(&report(&plain)).is_empty(), "{:?}", rules(&report(&plain)));
}

/// Nothing recognised: the failure-looking lines are still shown, at info, with what their
/// wording points to.
#[test]
fn an_smlog_with_nothing_recognised_shows_its_failure_lines_at_info() {
    let log = "Dec  3 10:00:01 xcp1 SM: [1234] lock: tried lock /var/lock/sm/4f1c2a3b-0000-1111-2222-333344445555/sr, acquired: False (exists: True)\n\
Dec  3 10:00:01 xcp1 SM: [1234] frobnicate: unable to open the image: Permission denied\n";
    let r = report(log);
    assert_eq!(rules(&r), ["TX000"]);
    let f = &r.findings[0];
    assert_eq!((f.severity, f.category), (Severity::Info, Category::Configuration));
    assert_eq!(f.evidence.len(), 1, "{:?}", f.evidence);
    // The step reads the process's other lines, not "paste SMlog" (it is SMlog).
    assert!(f.remediation.iter().any(|s| s.command.as_deref().is_some_and(|c| c.contains("'[1234]'"))), "{:?}", f.remediation);

    // A routine message with an error word (a lock taken on a retry, seen in a benign case of
    // the corpus) has its own benign note: no catch-all beside it.
    let routine = "Dec  3 10:00:01 xcp1 SM: [1234] lock: tried lock /var/lock/sm/4f1c2a3b-0000-1111-2222-333344445555/sr, acquired: False (exists: True)\n\
Dec  3 10:00:01 xcp1 SM: [1234] Failed to lock /var/lock/sm/.nil/lvm on first attempt, blocked by PID 1240\n";
    assert!(!rules(&report(routine)).contains(&"TX000") && failures(&report(routine)).is_empty(), "{:?}", rules(&report(routine)));
}

/// Notes only (here a benign LV check): the failure line they do not explain is still shown, at
/// info; the lines they explain and a shell prompt's command are not.
#[test]
fn beside_notes_only_an_unexplained_failure_line_is_still_shown() {
    let log = "[root@xcp1 ~]# grep -i exception /var/log/SMlog\n\
Dec  3 10:00:01 xcp1 SM: [1234] Ignoring exception for LV check: /dev/VG_XenStorage-4f1c/VHD-aaaa !\n\
Dec  3 10:00:01 xcp1 SM: [1234] RBDVDI.attach: failed to map image\n";
    let r = report(log);
    assert_eq!(rules(&r), ["SM026", "TX000"]);
    let f = finding(&r, "TX000");
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(f.evidence.iter().map(|e| e.line).collect::<Vec<_>>(), [Some(3)], "{:?}", f.evidence);

    let explained = "[root@xcp1 ~]# grep -i exception /var/log/SMlog\n\
Dec  3 10:00:01 xcp1 SM: [1234] Ignoring exception for LV check: /dev/VG_XenStorage-4f1c/VHD-aaaa !\n";
    assert_eq!(rules(&report(explained)), ["SM026"]);
}

#[test]
fn caught_iscsiadm_session_listing_raise_is_not_a_failure() {
    // sm lists the iSCSI sessions through `exn_on_failure`, which logs a raise of error 202 when
    // iscsiadm exits 21 ("No active sessions"); `_checkTGT` / `_checkAnyTGT` catch it.
    let caught = "Aug 23 17:26:44 xen1 SM: [3598] Raising exception [202, General backend error [opterr=rc: 21, stdout: , stderr: iscsiadm: No active sessions.\n\
Aug 23 17:26:44 xen1 SM: [3598] ['iscsiadm', '-m', 'session'] failed with (u'General backend error [opterr=rc: 21, stdout: , stderr: iscsiadm: No active sessions.\\n]',)\n";
    let r = report(caught);
    assert!(r.findings.iter().all(|f| f.severity > Severity::Error), "{:?}", r.findings.iter().map(|f| f.rule).collect::<Vec<_>>());
    // The same helper's raise for another iscsiadm failure (a login refused) stays an error.
    let failed = "Aug 23 17:26:44 xen1 SM: [3598] Raising exception [202, General backend error [opterr=rc: 24, stdout: , stderr: iscsiadm: initiator reported error (24 - iSCSI login failed due to authorization failure)]]\n";
    let r = report(failed);
    assert!(r.findings.iter().any(|f| f.severity <= Severity::Error), "{:?}", r.findings.iter().map(|f| f.rule).collect::<Vec<_>>());
}
