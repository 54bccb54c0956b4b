//! The signatures of data/signatures/*.toml: each fires on its example (tests/rules.rs checks every
//! rule's example) and stays quiet on its counterexample; literals are matched ASCII
//! case-insensitively; a known issue follows the host version; codes are whole words.

mod common;
use common::{rules_of, text, text_with};
use xapi_doctor::rules::signatures;

// The counterexamples are test data, not compiled into the module: build.rs writes them here.
include!(concat!(env!("OUT_DIR"), "/signature_counterexamples.rs"));

#[test]
fn every_signature_stays_quiet_on_its_counterexample() {
    let ids: Vec<&str> = signatures::all().iter().map(|s| s.info.id).collect();
    assert_eq!(COUNTEREXAMPLES.iter().map(|(id, _)| *id).collect::<Vec<_>>(), ids, "one counterexample per signature, in order");
    for (id, counterexample) in COUNTEREXAMPLES {
        let got = rules_of(&text(counterexample));
        assert!(!got.contains(id), "{id} fires on its counterexample {counterexample:?}");
    }
}

#[test]
fn every_signature_fires_on_its_example_in_a_longer_paste() {
    for s in signatures::all() {
        // An example that needs options (a known issue's host version) is `{"input", "options"}`.
        let (input, options) = match serde_json::from_str::<serde_json::Value>(s.info.example) {
            Ok(v) if v.get("input").is_some() => {
                (v["input"].as_str().unwrap_or_default().to_string(), v.get("options").map(|o| o.to_string()).unwrap_or_default())
            }
            _ => (s.info.example.to_string(), String::new()),
        };
        let pasted = format!("> some line before\n{input}\n> and one after");
        let got = rules_of(&text_with(&pasted, &options));
        assert!(got.contains(&s.info.id), "{} does not fire inside a paste; got {got:?}", s.info.id);
    }
}

#[test]
fn literals_match_whatever_the_case() {
    let d = text("MOUNT.NFS: ACCESS DENIED BY SERVER WHILE MOUNTING 192.0.2.10:/backups");
    assert!(rules_of(&d).contains(&"RM001"));
}

#[test]
fn a_signature_is_looked_for_in_each_task_of_a_backup_log() {
    let log = r#"{"id":"1","message":"backup","jobId":"j","status":"failure","start":1,"tasks":[
      {"id":"2","message":"backup VM","status":"failure","start":1,"data":{"type":"VM","id":"8ebe6c89-003a-6e25-eb10-3d791ca3c3ae"},
       "result":{"message":"Command failed with exit code 32: mount -o vers=3 -t nfs 192.0.2.10:/b /run/xo-server/mounts/x","name":"Error","stderr":"mount.nfs: access denied by server while mounting 192.0.2.10:/b"}}]}"#;
    let d = text(log);
    let f = d.findings.iter().find(|f| f.rule == "RM001").expect("RM001 on the task's stderr");
    assert_eq!(f.subject.vm_uuid.as_deref(), Some("8ebe6c89-003a-6e25-eb10-3d791ca3c3ae"));
    assert_eq!(d.findings[0].rule, "RM001", "the mount failure is the root cause, ranked first");
}

#[test]
fn a_known_issue_follows_the_host_version() {
    let input = "Xenops_interface.Xenopsd_error([S(Internal_error);S(Sys_error(\"Connection reset by peer\"))])";
    assert!(rules_of(&text(input)).contains(&"KI010"), "unknown version: the signature fires");
    let citrix = text_with(input, r#"{"context":{"product":"XenServer","hostVersion":"7.1"}}"#);
    assert!(!rules_of(&citrix).contains(&"KI010"), "it concerns XCP-ng only");
}

#[test]
fn a_known_bug_of_some_releases_needs_the_version() {
    let input = "Error code: VDI_IO_ERROR\nError parameters: Device I/O errors";
    assert!(!rules_of(&text(input)).contains(&"KI016"), "no version known: not claimed");
    assert!(rules_of(&text_with(input, r#"{"context":{"hostVersion":"7.5.0"}}"#)).contains(&"KI016"));
    assert!(!rules_of(&text_with(input, r#"{"context":{"hostVersion":"7.6"}}"#)).contains(&"KI016"));
    assert!(rules_of(&text(&format!("XenServer 7.5 host\n{input}"))).contains(&"KI016"), "the version the paste names");
}

#[test]
fn a_version_named_in_the_input_counts() {
    assert_eq!(signatures::version_in_text("Host: XCP-ng 8.2.1 (build 1)"), Some(("xcp-ng", "8.2.1".to_string())));
    assert_eq!(signatures::version_in_text("on XenServer 7.5, the export fails"), Some(("xenserver", "7.5".to_string())));
    assert_eq!(signatures::version_in_text("XenServer is great"), None);
    assert_eq!(signatures::version_in_text("XCP-ng release 8.3.0 (xenenterprise)"), Some(("xcp-ng", "8.3.0".to_string())));
}

#[test]
fn an_xo_server_version_named_in_the_input_counts() {
    assert_eq!(signatures::xo_server_in_text("xo-server 5.124.0\nxo-web 5.126.0"), Some("5.124.0".to_string()));
    assert_eq!(signatures::xo_server_in_text("- xo-server: v5.207.2"), Some("5.207.2".to_string()));
    assert_eq!(signatures::xo_server_in_text("at /opt/xen-orchestra/packages/xo-server/dist/index.mjs:12"), None);
    assert_eq!(signatures::xo_server_in_text("xo-server 5.x, latest"), None);
    // KI925 is fixed in Xen Orchestra 5.31.0, which shipped xo-server 5.34.0.
    let input = "server.getAll\n{}\n{\n  \"message\": \"not authenticated or not enough permissions\",";
    assert!(rules_of(&text(input)).contains(&"KI925"));
    assert!(rules_of(&text(&format!("xo-server 5.33.0\n{input}"))).contains(&"KI925"));
    assert!(!rules_of(&text(&format!("xo-server 5.34.0\n{input}"))).contains(&"KI925"), "the paste's xo-server has the fix");
    assert!(
        rules_of(&text_with(&format!("xo-server 5.207.2\n{input}"), r#"{"context":{"xoServerVersion":"5.33.0"}}"#)).contains(&"KI925"),
        "the caller's version wins over the paste's"
    );
}

/// A Xen Orchestra bug whose message has other causes (`xo_versions`) is named only for an
/// xo-server known to be older than its fix, and newer than the code that had it: KI951, fixed in
/// Xen Orchestra 5.102.0 (xo-server 5.168.1), brought by 5.56.0.
#[test]
fn a_known_xo_bug_with_a_common_message_needs_the_xo_server_version() {
    let input = "VDI_NOT_IN_MAP(OpaqueRef:5d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a)";
    assert!(!rules_of(&text(input)).contains(&"KI951"), "no version known: not claimed");
    assert!(rules_of(&text_with(input, r#"{"context":{"xoServerVersion":"5.167.0"}}"#)).contains(&"KI951"));
    assert!(!rules_of(&text_with(input, r#"{"context":{"xoServerVersion":"5.168.1"}}"#)).contains(&"KI951"));
    assert!(rules_of(&text(&format!("xo-server 5.150.2\n{input}"))).contains(&"KI951"), "the version the paste names");
    // The skip of disks whose snapshot_of is set came with 5.56.0 (xo-server 5.76.0; 5.55.1 shipped 5.74.1).
    assert!(!rules_of(&text_with(input, r#"{"context":{"xoServerVersion":"5.74.1"}}"#)).contains(&"KI951"), "before the code");
    assert!(rules_of(&text_with(input, r#"{"context":{"xoServerVersion":"5.76.0"}}"#)).contains(&"KI951"));
    let d = text_with(input, r#"{"context":{"xoServerVersion":"5.167.0"}}"#);
    assert_eq!(d.findings.first().map(|f| f.rule), Some("KI951"), "the known bug explains the bare code");
}

/// A Xen Orchestra bug that came with a later release (`xo_versions = ">=6.2.0 <6.5.0"`) is not
/// named for an xo-server from before it: KI705's merge code came with 6.2.0 (the last release
/// before, 6.1.2, shipped xo-server 5.196.3; a technical release shipped the code in 5.197.0) and
/// its fix with 6.5.0 (xo-server 5.202.1).
#[test]
fn a_known_xo_bug_is_not_named_below_the_release_that_brought_it() {
    let input = "RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range. It must be >= 0. Received -4\n    at MergeRemoteDisk.mergeBlock (file:///opt/xo/MergeRemoteDisk.mjs:210:9)";
    let with = |v: &str| rules_of(&text_with(input, &format!(r#"{{"context":{{"xoServerVersion":"{v}"}}}}"#))).contains(&"KI705");
    assert!(!rules_of(&text(input)).contains(&"KI705"), "no version known: not claimed");
    assert!(!with("5.196.3"), "6.1.2's xo-server: before the code");
    assert!(!with("5.150.0"), "long before the code");
    assert!(with("5.197.0"), "the technical release that first shipped the code");
    assert!(with("5.197.2"), "6.2.0's");
    assert!(with("5.202.0"), "just before the fix");
    assert!(!with("5.202.1"), "6.5.0's: fixed");
    assert!(!rules_of(&text(&format!("xo-server 5.196.3\n{input}"))).contains(&"KI705"), "the version the paste names");
    assert!(rules_of(&text(&format!("xo-server 5.200.1\n{input}"))).contains(&"KI705"));
    let listed = signatures::all().iter().find(|s| s.info.id == "KI705").map(signatures::with_trigger).map(|i| i.trigger);
    assert!(listed.is_some_and(|t| t.ends_with("only when xo-server is known, newer than 5.196.3 and older than 5.202.1")), "{listed:?}");
}

/// A bug fixed in a plug-in (KI711: xo-server-sdn-controller 1.0.9, alone in Xen Orchestra 5.95.2
/// beside 5.95.1's xo-server 5.145.0) is not silenced by any xo-server version: none says which
/// plug-in runs.
#[test]
fn a_known_bug_fixed_in_a_plug_in_is_not_bounded_by_xo_server() {
    let input = "xo:xo-server-sdn-controller ERROR error while creating private network {\n  error: Error: 0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca";
    assert!(rules_of(&text(input)).contains(&"KI711"));
    for v in ["5.145.0", "5.148.2", "5.207.2"] {
        let options = format!(r#"{{"context":{{"xoServerVersion":"{v}"}}}}"#);
        assert!(rules_of(&text_with(input, &options)).contains(&"KI711"), "xo-server {v}");
    }
    let ki711 = signatures::all().iter().find(|s| s.info.id == "KI711");
    assert!(ki711.is_some_and(|s| s.xo_server_fixed.is_none() && s.xo_server_below.is_none() && s.xo_server_above.is_none()));
}

/// Releases before 5.22.0 list no packages: they shipped the xo-server of their own number
/// (data/xo_releases.json from 3.1.0 on), so a fix of 5.7.0 (KI774) is in xo-server 5.7.0, not
/// only from 5.22.0's.
#[test]
fn a_fix_older_than_the_packages_lists_maps_to_its_own_xo_server() {
    let input = "RangeError: Index out of range\n    at Vhd.readAllocationTableEntry (/opt/xoa/xo-server/dist/vhd-merge.js:313:27)";
    let with = |v: &str| rules_of(&text_with(input, &format!(r#"{{"context":{{"xoServerVersion":"{v}"}}}}"#))).contains(&"KI774");
    assert!(with("5.6.4"));
    assert!(!with("5.7.0"));
    assert!(!with("5.10.0"));
    let fixed = |id: &str| signatures::all().iter().find(|s| s.info.id == id).and_then(|s| s.xo_server_fixed);
    assert_eq!(fixed("KI774"), Some("5.7.0"));
    assert_eq!(fixed("KI776"), Some("5.10.0"));
    assert_eq!(fixed("KI428"), Some("5.18.0"));
}

#[test]
fn codes_are_whole_words() {
    let d = text("VM_HOST_INCOMPATIBLE_VERSION_MIGRATE(OpaqueRef:1, OpaqueRef:2)");
    let f = d.findings.iter().find(|f| f.rule == "KI009").expect("KI009");
    assert_eq!(f.codes, vec!["VM_HOST_INCOMPATIBLE_VERSION_MIGRATE"]);
}

/// Stop 46: an error number in a literal is matched whole. vhd-util's `error coalescing: %d` of
/// blktap 3.54.6 – 4.0.3 printed a coalesced size over 2^31 sectors as a large negative number,
/// which SG916's `: -5` (EIO) read as an I/O error; and `return code = -11` needed `none` entries
/// for -110 … -115.
#[test]
fn an_error_number_in_a_literal_is_matched_whole() {
    let eio = "Mar 12 04:10:33 xcp-host1 SM: [8126] FAILED in util.pread: (rc 5) stdout: 'error coalescing: -5'";
    assert!(rules_of(&text(eio)).contains(&"SG916"), "{:?}", rules_of(&text(eio)));
    let overflow = eio.replace("-5'", "-536870912'");
    assert!(!rules_of(&text(&overflow)).contains(&"SG916"), "{:?}", rules_of(&text(&overflow)));
    // Text after the number is no digit: still a hit.
    assert!(rules_of(&text(&eio.replace("-5'", "-5 (EIO)"))).contains(&"SG916"));
    // A count too long for an errno is what `{at least 5 digits}` reads: blktap's wrapped count.
    assert_eq!(rules_of(&text(&overflow)).first(), Some(&"KI933"), "{:?}", rules_of(&text(&overflow)));
    for errno in ["-5'", "-1234'", "-'"] {
        let short = eio.replace("-5'", errno);
        assert!(!rules_of(&text(&short)).contains(&"KI933"), "{short}");
    }
}

#[test]
fn a_code_read_from_its_xe_description_line_is_the_signatures() {
    // `xe` prints the description line and the parameters, never the code's name.
    let d = text("Not enough server memory is available to perform this operation.\nneeded: 8598323200\navailable: 4173877248");
    assert_eq!(rules_of(&d), vec!["XA885"], "the bare decoding XA000 is explained");
    let f = &d.findings[0];
    assert_eq!(f.codes, vec!["HOST_NOT_ENOUGH_FREE_MEMORY"]);
    assert_eq!(f.params.get("needed"), Some("8598323200"));
    // The error's `message:` line is one of the lines it was read from.
    let internal = "The server failed to handle your request, due to an internal error. The given message may give details useful for debugging the problem.";
    let d = text(&format!("{internal}\nmessage: Sm.Unknown_driver(\"lvmoiscsi\")"));
    let f = d.findings.iter().find(|f| f.rule == "XA200").expect("XA200");
    assert_eq!(f.codes, vec!["INTERNAL_ERROR"]);
    assert_eq!(f.params.get("message"), Some("Sm.Unknown_driver(\"lvmoiscsi\")"));
    // An error read on other lines than the signature's is not its code.
    let d = text(&format!("{internal}\nmessage: Db_exn.Read_missing_uuid\n\nearlier: Sm.Unknown_driver(\"lvmoiscsi\")"));
    let f = d.findings.iter().find(|f| f.rule == "XA200").expect("XA200");
    assert!(f.codes.is_empty(), "{:?}", f.codes);
    // A code a signature requires (`all`) counts when it was read from its description line.
    let d = text("There was a failure communicating with the plug-in.\nstatus: non-zero exit\nstdout: \nstderr: Traceback (most recent call last):\n  File \"/etc/xapi.d/plugins/backup\", line 3, in <module>\n    import xcp\nModuleNotFoundError: No module named 'xcp'");
    assert_eq!(rules_of(&d).first(), Some(&"KI005"), "{:?}", rules_of(&d));
    assert_eq!(d.findings[0].codes, vec!["XENAPI_PLUGIN_FAILURE"]);
    assert!(!rules_of(&d).contains(&"XA000"));
    let d = text("ModuleNotFoundError: No module named 'xcp'");
    assert!(!rules_of(&d).contains(&"KI005"), "{:?}", rules_of(&d));
}

#[test]
fn a_symptom_read_on_the_lines_of_a_finding_of_its_category_is_not_repeated() {
    // The remote's "full" and the bare ENOSPC decoding both read the line as a full remote.
    let d = text("ENOSPC: no space left on device, write");
    assert_eq!(rules_of(&d), vec!["XO004"]);
    assert_eq!(d.findings[0].codes, vec!["ENOSPC"], "the decoding's code moves to the finding kept");
    // A finding that says what was affected stays beside the one that says why.
    let d = text("failed to list VDI directory { vdiDir: '/xo-vm-backups/ba4c/vdis/1f0e/77a3', error: Error: EACCES: permission denied, scandir '/run/xo-server/mounts/f2a1/xo-vm-backups/ba4c/vdis/1f0e/77a3' }");
    assert!(rules_of(&d).contains(&"RM009") && rules_of(&d).contains(&"BF308"), "{:?}", rules_of(&d));
    // INTERNAL_ERROR's catch-all reading (XA019) says nothing more once a signature reads the
    // same message under the same category; it stays when nothing reads the message.
    let d = text("INTERNAL_ERROR(Failure(\"Unknown tag/contents\"))");
    assert_eq!(rules_of(&d), vec!["KI042"]);
    assert_eq!(d.findings[0].codes, vec!["INTERNAL_ERROR"]);
    let d = text("INTERNAL_ERROR(Failure(\"frobnicate: unexpected state\"))");
    assert_eq!(rules_of(&d).first(), Some(&"XA019"), "{:?}", rules_of(&d));
}

#[test]
fn the_lines_of_one_xapi_error_are_one_quotation() {
    // xe prints INTERNAL_ERROR's description on one line and its message on the next: the
    // catch-all reading (XA019) quotes both, a signature the message line alone. It reads the
    // same error, under the same category: the catch-all goes and its code moves to it.
    let internal = "The server failed to handle your request, due to an internal error. The given message may give details useful for debugging the problem.";
    let usage = "message: xenopsd internal error: Forkhelpers.Spawn_internal_error(\"usage: usb_reset.py attach [-h] -d DOMID -p PID [-r RESET_ONLY] device\\nusb_reset.py attach: error: argument -r: expected one argument\\n\", \"\", _)";
    let d = text(&format!("{internal}\n{usage}"));
    assert_eq!(rules_of(&d), vec!["XA950"]);
    assert_eq!(d.findings[0].codes, vec!["INTERNAL_ERROR"]);
    // The signature reads another error of the paste: the catch-all reading of this one stays.
    let other = "message: xenopsd internal error: Forkhelpers.Spawn_internal_error(\"Failed to find device 1-2\\n\", \"\", _)";
    let d = text(&format!("{internal}\n{other}\n\n{internal}\n{usage}"));
    let xa019 = d.findings.iter().find(|f| f.rule == "XA019").unwrap_or_else(|| panic!("{:?}", rules_of(&d)));
    assert!(xa019.evidence.iter().any(|e| e.text.contains("Failed to find device")), "{:?}", xa019.evidence);
    assert!(rules_of(&d).contains(&"XA950"), "{:?}", rules_of(&d));
    // The catch-all that names a toolstack exception the catalogue files under `other` is still
    // the catch-all: a signature of that exception on the message line drops it too.
    let mirror = "message: Storage_error ([S(Internal_error);S(Storage_error ([S(Migration_mirror_fd_failure);S(VDI Not Attached)]))])";
    let d = text(&format!("{internal}\n{mirror}"));
    assert_eq!(rules_of(&d), vec!["XA202"]);
    assert!(d.findings[0].codes.contains(&"Storage_interface.Migration_mirror_fd_failure".to_string()), "{:?}", d.findings[0].codes);
}

#[test]
fn a_reading_of_an_internal_error_in_another_category_replaces_the_catch_all() {
    // XA043 files the division by zero under configuration, XA019's catch-all under a version
    // problem: the specific reading of the same error names what the catch-all could only guess.
    let internal = "The server failed to handle your request, due to an internal error. The given message may give details useful for debugging the problem.";
    let d = text(&format!("# xe vm-start uuid=39b8d59d-7cc7-7e71-8107-28ba5e2ad74e\n{internal}\nmessage: Division_by_zero"));
    assert_eq!(rules_of(&d), vec!["XA043"]);
    assert!(d.findings[0].codes.contains(&"INTERNAL_ERROR".to_string()), "{:?}", d.findings[0].codes);
    // Another INTERNAL_ERROR of the same paste that XA043 does not read keeps its catch-all.
    let d = text(&format!("# xe vm-start uuid=39b8d59d-7cc7-7e71-8107-28ba5e2ad74e\n{internal}\nmessage: Division_by_zero\n\n{internal}\nmessage: Not_found"));
    assert!(rules_of(&d).contains(&"XA043") && rules_of(&d).contains(&"XA019"), "{:?}", rules_of(&d));
}

#[test]
fn an_error_list_wrapped_over_lines_quotes_all_of_them() {
    // A logger wrapped the list: the code is on the first line, its message on the next. The
    // error's evidence holds both, so KI042's reading of the message line reads the same error.
    let d = text("Raised ['INTERNAL_ERROR', 'Failure(\"Unknown\n  tag/contents\")']");
    assert_eq!(rules_of(&d), vec!["KI042"]);
    let d = text("Raised ['VDI_IO_ERROR',\n  'Device I/O errors']");
    let f = &d.findings[0];
    assert_eq!(f.evidence.iter().map(|e| e.line).collect::<Vec<_>>(), vec![Some(1), Some(2)], "{:?}", f.evidence);
}

/// Stop 49: a mail client's hard wrap at 80 columns cut the harmless form of a message (HL004's
/// `none` literal) in two; the signature it keeps quiet no longer fires on the cut half, since
/// the joined lines hold the literal whole.
#[test]
fn a_wrap_that_cuts_a_quieting_literal_does_not_wake_the_signature() {
    let lines = [
        "Jun  3 10:11:12 host kernel: end_request: I/O error, dev sdc, sector 0",
        "Jun  3 10:11:12 host kernel: sd 0:0:0:3: Device not ready: <6>: Current: sense key: Not Ready",
        "Jun  3 10:11:12 host kernel:     Add. Sense: Logical unit not ready, manual intervention required",
    ];
    let wrapped: Vec<String> = lines
        .iter()
        .map(|l| if l.len() > 80 { format!("{}\n{}", &l[..80], &l[80..]) } else { l.to_string() })
        .collect();
    assert!(wrapped[2].contains("manual inte\nrvention"), "{:?}", wrapped[2]);
    for text_of in [lines.join("\n"), wrapped.join("\n")] {
        let d = text(&text_of);
        assert_eq!(d.findings.first().map(|f| (f.rule, f.severity)), Some(("HL951", xapi_doctor::Severity::Info)), "{:?}", rules_of(&d));
        assert!(!rules_of(&d).contains(&"HL004"), "{:?}", rules_of(&d));
    }
    // A wrapped sense line that is no passive path's answer leaves the I/O error a failure.
    let failing = wrapped.join("\n").replace("Logical unit not ready, manual inte\nrvention required", "Unrecovered read error - auto reallo\ncate failed");
    assert!(rules_of(&text(&failing)).contains(&"HL004"), "{:?}", rules_of(&text(&failing)));
}

#[test]
fn a_none_on_the_anchor_line_leaves_the_lines_around_it() {
    // ext4's errno text after its journal aborted is no damage report (HL005 stays quiet on it);
    // a damage line right before it is one, and HL005 quotes that line alone.
    let aborted = "kernel: [99238.731549] EXT4-fs error (device drbd1000) in ext4_reserve_inode_write:5872: Journal has aborted";
    assert!(!rules_of(&text(aborted)).contains(&"HL005"), "{:?}", rules_of(&text(aborted)));
    let damage = "EXT4-fs error (device dm-1): ext4_lookup:1601: inode #1234: comm tapdisk: deleted inode referenced: 5678";
    let d = text(&format!("{damage}\nEXT4-fs error (device dm-1): ext4_journal_check_start:56: Detected aborted journal\n{aborted}"));
    let f = d.findings.iter().find(|f| f.rule == "HL005").unwrap_or_else(|| panic!("{:?}", rules_of(&d)));
    assert_eq!(f.evidence.iter().map(|e| e.line).collect::<Vec<_>>(), vec![Some(1)], "{:?}", f.evidence);
    assert!(xapi_doctor::list_rules().iter().any(|r| r.id == "HL005" && r.trigger.ends_with("on the same line")));
}

#[test]
fn a_normal_situation_quiets_the_bare_code_it_explains() {
    let d = text("Jun 14 17:55:22 xo xo-server[6078]: xo-server-cloud: next attempt in 965 ms\nError: connect ECONNREFUSED 127.0.0.1:9001\n    code: 'ECONNREFUSED'");
    assert!(d.findings.iter().all(|f| f.severity >= xapi_doctor::Severity::Warning), "{:?}", rules_of(&d));
    assert!(rules_of(&d).contains(&"XB004"));
}

#[test]
fn node_reports_errno_by_number_too() {
    let d = text("Error: Unknown system error -122: Unknown system error -122, write");
    assert!(d.findings.iter().any(|f| f.codes.contains(&"EDQUOT".to_string())), "{:?}", rules_of(&d));
    assert_eq!(d.findings[0].category, xapi_doctor::Category::RemoteFull);
    let d = text("{ errno: -13, code: 'EACCES', syscall: 'open' }");
    assert!(d.findings.iter().any(|f| f.codes.contains(&"EACCES".to_string())));
}

#[test]
fn blktap_reports_errno_negated_in_parentheses() {
    let d = text("Dec  3 10:00:01 xcp1 tapdisk[2311]: tap-err:vhd_complete: too many errors, dropping request (-28)");
    assert!(d.findings.iter().any(|f| f.codes.contains(&"ENOSPC".to_string())), "{:?}", rules_of(&d));
    assert_eq!(d.findings[0].category, xapi_doctor::Category::InsufficientSpace, "{:?}", rules_of(&d));
    // The same form outside a blktap line is not an errno (a temperature, an offset).
    let d = text("Dec  3 10:00:01 xcp1 kernel: thermal zone reading failed (-28)");
    assert!(!d.findings.iter().any(|f| f.codes.contains(&"ENOSPC".to_string())), "{:?}", rules_of(&d));
}

#[test]
fn an_errno_weighs_what_the_daemon_logged_it_as() {
    let cd001 = |d: &xapi_doctor::Diagnosis| d.findings.iter().find(|f| f.rule == "CD001").map(|f| f.severity);
    // Logged at error level by a toolstack daemon: an error of the host (not of a backup remote).
    let error = text("Mar  3 10:00:01 xcp1 xapi: [error||412 ||storage_access] open /dev/sm/backend/x: ENOENT");
    assert_eq!(cd001(&error), Some(xapi_doctor::Severity::Error), "{:?}", rules_of(&error));
    assert_ne!(error.findings.iter().find(|f| f.rule == "CD001").map(|f| f.category), Some(xapi_doctor::Category::RemoteUnreachable));
    // The same errno in a line the daemon logged as information or debug: something it handled.
    let info = text("Mar  3 10:00:01 xcp1 xcp-networkd: [ info||8 ||network_utils] sriov_numvfs not readable: ENOENT");
    assert_eq!(cd001(&info), Some(xapi_doctor::Severity::Info), "{:?}", rules_of(&info));
    let warn = text("Mar  3 10:00:01 xcp1 xenopsd-xc: [ warn||3 ||xenops] rmdir /var/run/x failed: ENOENT");
    assert_eq!(cd001(&warn), Some(xapi_doctor::Severity::Warning), "{:?}", rules_of(&warn));
}

#[test]
fn a_missing_file_of_the_kernel_interfaces_is_a_probe() {
    let cd001 = |d: &xapi_doctor::Diagnosis| d.findings.iter().find(|f| f.rule == "CD001").map(|f| (f.category, f.severity));
    let probe = text("Error in read one line of file: /sys/class/net/eth1/device/vendor, exception Unix.Unix_error(Unix.ENOENT, \"open\", \"/sys/class/net/eth1/device/vendor\")");
    assert_eq!(cd001(&probe), Some((xapi_doctor::Category::Benign, xapi_doctor::Severity::Info)), "{:?}", rules_of(&probe));
    // The same errno on a backup remote's path stays an error of the remote (told by the
    // remote's signature, which explains the errno: its bare decoding is not shown beside it).
    let remote = text("Error: ENOENT: no such file or directory, open '/run/xo-server/mounts/4b7c/xo-vm-backups/sys/x.vhd'");
    let top = remote.findings.first().map(|f| (f.category, f.severity));
    assert_eq!(top, Some((xapi_doctor::Category::RemoteUnreachable, xapi_doctor::Severity::Error)), "{:?}", rules_of(&remote));
    assert_eq!(cd001(&remote), None, "{:?}", rules_of(&remote));
}

#[test]
fn smb_statuses_by_name_and_by_value() {
    let by_name = text("Error: STATUS_LOGON_FAILURE");
    assert!(by_name.findings.iter().any(|f| f.codes.contains(&"STATUS_LOGON_FAILURE".to_string())));
    let by_value = text("smb2 error 0xC000006D while connecting");
    assert!(by_value.findings.iter().any(|f| f.codes.contains(&"STATUS_LOGON_FAILURE".to_string())), "{:?}", rules_of(&by_value));
    // Samba's smbclient and tar print them with an NT_ prefix.
    let samba = text("tar:995  Error reading file \\share\\f : NT_STATUS_ACCESS_DENIED");
    assert!(samba.findings.iter().any(|f| f.codes.contains(&"STATUS_ACCESS_DENIED".to_string())), "{:?}", rules_of(&samba));
    // Not a prefix of some other word.
    let other = text("Error: XNT_STATUS_ACCESS_DENIED");
    assert!(!other.findings.iter().any(|f| f.codes.contains(&"STATUS_ACCESS_DENIED".to_string())));
}

#[test]
fn s3_codes_where_an_error_code_stands() {
    // The code's decoding (CD004), or the signature that explains the code and carries it in
    // its place (RM012 for the refusals of a remote; RM010 a quota, RM940 throttling, RM941 a
    // failure on the service's side, RM943 a lost multipart upload, RM945 MinIO's full drives:
    // each a backup target that cannot be written, so remote_unreachable or remote_full).
    let s3 = |d: &xapi_doctor::Diagnosis| -> Vec<(String, xapi_doctor::Category)> {
        let explains = ["CD004", "RM012", "RM010", "RM940", "RM941", "RM943", "RM945"];
        d.findings.iter().filter(|f| explains.contains(&f.rule)).filter_map(|f| Some((f.codes.first()?.clone(), f.category))).collect()
    };
    use xapi_doctor::Category::{RemoteFull, RemoteUnreachable};
    for (input, code, category) in [
        // The service's XML answer, Node's inspected AWS SDK v3 error, a JSON error, boto and
        // the Go SDK, and SDK v3's `Name: message` head.
        ("<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>", "NoSuchBucket", RemoteUnreachable),
        ("S3ServiceException [InvalidAccessKeyId]: x\n  name: 'InvalidAccessKeyId',\n  $fault: 'client',", "InvalidAccessKeyId", RemoteUnreachable),
        ("{\"Code\":\"XMinioStorageFull\",\"message\":\"Storage backend has reached its minimum free drive threshold.\"}", "XMinioStorageFull", RemoteFull),
        ("    \"code\": \"QuotaExceeded\",", "QuotaExceeded", RemoteFull),
        ("An error occurred (SlowDown) when calling the PutObject operation (reached max retries: 4): Please reduce your request rate.", "SlowDown", RemoteUnreachable),
        ("operation error S3: PutObject, https response error StatusCode: 500, api error InternalError: We encountered an internal error.", "InternalError", RemoteUnreachable),
        ("Error: NoSuchUpload: The specified upload does not exist.", "NoSuchUpload", RemoteUnreachable),
        ("Code: ServiceUnavailable", "ServiceUnavailable", RemoteUnreachable),
    ] {
        let d = text(input);
        assert_eq!(s3(&d), vec![(code.to_string(), category)], "{input}: {:?}", rules_of(&d));
        let f = d.findings.iter().find(|f| f.codes.iter().any(|c| c == code)).unwrap();
        assert!(!f.summary.is_empty() && !f.remediation.is_empty(), "{input}");
    }
    // A signature about the same code explains it: the code's bare decoding is not shown beside it.
    let d = text("<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>");
    assert_eq!(rules_of(&d)[0], "RM012", "{:?}", rules_of(&d));
    assert!(!rules_of(&d).contains(&"CD004"), "{:?}", rules_of(&d));
    // Prose, a name other APIs use heading a message, and a code-like word inside another word
    // are not S3 answers.
    for input in [
        "The dashboard shows an InternalError counter next to the NoSuchBucket and SlowDown panels.",
        "InternalError: the database connection was reset",
        "    ServiceUnavailable: retry later",
        "<Code>XNoSuchBucket</Code>",
        "An error occurred (NoSuchBucket when listing",
    ] {
        let d = text(input);
        assert!(!rules_of(&d).contains(&"CD004"), "{input}: {:?}", rules_of(&d));
    }
}

#[test]
fn an_unknown_mount_message_still_decodes_the_exit_status() {
    let d = text("Error: Command failed with exit code 32: mount -t cifs //192.0.2.5/b /run/xo-server/mounts/4b7c\nmount error(999): something new");
    let f = d.findings.iter().find(|f| f.rule == "CD003").expect("CD003");
    assert!(f.summary.contains("32"));
    assert_eq!(f.category, xapi_doctor::Category::RemoteUnreachable);
}

#[test]
fn sr_failures_carry_the_catalogue_name_and_text_whatever_rule_wrote_them() {
    for input in ["SR_BACKEND_FAILURE_44(, There is insufficient space, )", "SR_BACKEND_FAILURE_109(, The snapshot chain is too long, )"] {
        let d = text(input);
        let f = &d.findings[0];
        assert!(f.params.get("srErrorName").is_some_and(|n| !n.is_empty()), "{input}: {:?}", f.params);
        assert!(f.params.get("srErrorText").is_some_and(|n| !n.is_empty()));
    }
}

#[test]
fn silence_is_not_an_answer_for_an_error_line() {
    let d = text("frobnicator: unable to reticulate the splines");
    assert_eq!(rules_of(&d), vec!["TX000"]);
    assert!(text("all good here\nnothing to see").findings.is_empty());
}

#[test]
fn a_signature_does_not_shadow_a_rule_written_for_a_code() {
    // A XAPI code with its own rule is that rule's: a signature may refine it (with `all`, or
    // for some host versions) but not claim the bare code, or it would outrank the rule.
    let mut ruled: Vec<&str> = Vec::new();
    for rule in xapi_doctor::rules::registry() {
        if let xapi_doctor::rules::Matcher::Xapi { codes, .. } = &rule.matcher {
            ruled.extend(codes.iter());
        }
    }
    for s in signatures::all() {
        if !s.all.is_empty() || s.versions.is_some() {
            continue;
        }
        for lit in s.any {
            assert!(!ruled.contains(lit), "{} claims {lit}, which rule code matching already handles", s.info.id);
        }
    }
}

#[test]
fn a_code_that_means_wait_is_in_progress_and_not_an_error() {
    let d = text("HOST_STILL_BOOTING()");
    let f = d.findings.iter().find(|f| f.codes.contains(&"HOST_STILL_BOOTING".to_string())).expect("decoded");
    assert_eq!(f.category, xapi_doctor::Category::InProgress);
    assert_eq!(f.severity, xapi_doctor::Severity::Warning);
    // A code that refuses because of another operation stays a lock, at error.
    let d = text("OTHER_OPERATION_IN_PROGRESS(VDI, OpaqueRef:1, snapshot)");
    assert_ne!(d.findings[0].category, xapi_doctor::Category::InProgress);
    assert_eq!(d.findings[0].severity, xapi_doctor::Severity::Error);
}

#[test]
fn the_xe_wording_of_a_missing_default_sr_is_read_too() {
    let d = text("Error: No SR specified and Pool default SR is null");
    assert_eq!(d.findings[0].rule, "XB114", "{:?}", rules_of(&d));
    let d = text("Error: No SR specified");
    assert!(!rules_of(&d).contains(&"XB114"));
}

#[test]
fn toolstack_interface_errors_in_the_forms_the_toolstack_prints() {
    let cd005 = |d: &xapi_doctor::Diagnosis| -> Vec<(String, xapi_doctor::Category)> {
        d.findings.iter().filter(|f| f.rule == "CD005").map(|f| (f.codes[0].clone(), f.category)).collect()
    };
    use xapi_doctor::Category::{Configuration, LockOrTimeout, Other, StorageUnreachable, VdiInUse, XapiVersion};
    for (input, code, category) in [
        // xenopsd's errors as XAPI and Xen Orchestra print them (rpc and constructor forms).
        ("Xenops_interface.Xenopsd_error([S(Does_not_exist);[S(VM);S(2b6f8a4e-1c3d-4e5f-8a9b-0c1d2e3f4a5b)]])", "Xenops_interface.Does_not_exist", Other),
        ("Xenopsd_error (Cancelled \"4b7c\")", "Xenops_interface.Cancelled", LockOrTimeout),
        ("VM.start failed: Xenops_interface.Xenopsd_error([S(Bad_power_state);[S(Running);S(Halted)]])", "Xenops_interface.Bad_power_state", Configuration),
        ("Xenops_interface.Not_enough_memory(4294967296)", "Xenops_interface.Not_enough_memory", Configuration),
        // The storage layer's, including one an Internal_error carries.
        ("Storage_error ([S(Sr_not_attached);S(9b1e)])", "Storage_interface.Sr_not_attached", StorageUnreachable),
        ("'Storage_interface.Vdi_does_not_exist(\"98bd94aa\")'", "Storage_interface.Vdi_does_not_exist", Other),
        ("Storage_error ([S(Internal_error);S(Storage_error ([S(Activated_on_another_host);S(7c1d)]))])", "Storage_interface.Activated_on_another_host", VdiInUse),
        ("Storage_error ([S(Unimplemented);S(VDI.enable_cbt)])", "Storage_interface.Unimplemented", XapiVersion),
        // XAPI's database and its storage driver table.
        ("task failed: Db_exn.Read_missing_uuid(\"VM\", \"\", \"2b6f8a4e\")", "Db_exn.Read_missing_uuid", Other),
        ("exception Sm.Unknown_driver(\"gfs2\")", "Sm.Unknown_driver", StorageUnreachable),
    ] {
        let d = text(input);
        assert_eq!(cd005(&d), vec![(code.to_string(), category)], "{input}: {:?}", rules_of(&d));
        let f = d.findings.iter().find(|f| f.rule == "CD005").unwrap();
        assert!(f.summary.contains(code.rsplit('.').next().unwrap()) && !f.remediation.is_empty(), "{input}");
        assert!(f.remediation.iter().any(|s| s.command.as_deref().is_some_and(|c| c.contains("xensource.log"))), "{input}");
    }
    // A signature that reads the same line under the same category explains the name: the
    // decoding is dropped and its code goes to the signature's finding.
    let d = text("Storage_error (No_storage_plugin_for_sr \"9b1e\")");
    assert!(cd005(&d).is_empty(), "{:?}", rules_of(&d));
    let f = d.findings.iter().find(|f| f.rule == "HL320").expect("HL320");
    assert_eq!((f.codes.clone(), f.category), (vec!["Storage_interface.No_storage_plugin_for_sr".to_string()], StorageUnreachable));
    // Names that only carry another error are left to it: the SR code is the diagnosis.
    let d = text("Storage_error ([S(Backend_error);[S(SR_BACKEND_FAILURE_46);[S();S(The VDI is not available);S()]]])");
    assert!(cd005(&d).is_empty(), "{:?}", rules_of(&d));
    assert!(d.findings.iter().any(|f| f.codes.iter().any(|c| c == "SR_BACKEND_FAILURE_46")), "{:?}", rules_of(&d));
    // Ordinary words, another module's names and unknown constructors never fire.
    for input in [
        "The VM Does_not_exist any more and Not_enough_memory was reported by the guest; Cancelled by the user.",
        "ERROR: Sr_not_attached, Read_missing_uuid and Bad_power_state are constructor names",
        "Xapi_sm.Unknown_driver(\"gfs2\")",
        "Xenopsd_error([S(No_such_thing)])",
        "Storage_error ([S(Does_not_exist_either)])",
        "Db_exn.Something_else",
    ] {
        let d = text(input);
        assert!(cd005(&d).is_empty(), "{input}: {:?}", rules_of(&d));
    }
    // A backtrace XAPI logged (handled exceptions included) is not a failure by itself.
    let d = text("Sep 13 18:31:36 host xapi: [error|host|41 |monitor_dbcalls D:b4c2|backtrace] Raised Db_exn.Read_missing_uuid(\"VM\", \"\", \"deadbeef\")");
    let f = d.findings.iter().find(|f| f.rule == "CD005").expect("CD005");
    assert_eq!(f.severity, xapi_doctor::Severity::Info);
}

#[test]
fn an_internal_error_takes_the_category_of_the_toolstack_error_it_carries() {
    let d = text(r#"["INTERNAL_ERROR", "Xenops_interface.Xenopsd_error([S(Bad_power_state);[S(Running);S(Halted)]])"]"#);
    assert_eq!(d.findings[0].rule, "XA019", "{:?}", rules_of(&d));
    assert_eq!(d.findings[0].category, xapi_doctor::Category::Configuration);
    assert!(d.findings[0].codes.contains(&"Xenops_interface.Bad_power_state".to_string()));
    // XA019 names the toolstack error it carries: the bare decoding of it is not shown again.
    assert!(!rules_of(&d).contains(&"CD005"), "{:?}", rules_of(&d));
    // One that only carries an SR code keeps the SR code's diagnosis beside it.
    let d = text(r#"["INTERNAL_ERROR", "Storage_error ([S(Backend_error);[S(SR_BACKEND_FAILURE_46);[S();S(The VDI is not available);S()]]])"]"#);
    let xa019 = d.findings.iter().find(|f| f.rule == "XA019").expect("XA019");
    assert!(!xa019.codes.iter().any(|c| c.contains("Backend_error")));
}

/// The SR (and disk) that a storage path on or next to the signature's line names fill the
/// steps' `{sr_uuid}` when the input says nothing else about the SR.
#[test]
fn a_storage_path_next_to_the_line_fills_the_sr_of_the_steps() {
    let log = "Mar  3 04:10:02 host tapdisk[4121]: tap-err:/var/run/sr-mount/5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/81247dd4-2bf3-4558-9912-296c4886058b.vhd: allocate_block: 12 messages suppressed\n\
Mar  3 04:10:02 host tapdisk[4121]: ERROR: errno -28 at allocate_block: write failed (-1, offset 1048576)\n";
    let d = text(log);
    let f = d.findings.iter().find(|f| f.rule == "HL002").expect("HL002");
    let commands: Vec<&str> = f.remediation.iter().filter_map(|s| s.command.as_deref()).collect();
    assert!(commands.iter().any(|c| c.contains("uuid=5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21 ")), "{commands:?}");
    // Without a path the placeholder stays.
    let d = text("Mar  3 04:10:02 host tapdisk[4121]: ERROR: errno -28 at allocate_block: write failed (-1, offset 1048576)\n");
    let f = d.findings.iter().find(|f| f.rule == "HL002").expect("HL002");
    assert!(f.remediation.iter().filter_map(|s| s.command.as_deref()).any(|c| c.contains("uuid=<sr-uuid>")));
}

/// A refused write is reported in words that fit any backup tool (the markers are not only Xen
/// Orchestra's), and a step that runs a command says what that command does.
#[test]
fn a_refused_write_is_worded_for_any_backup_tool() {
    let d = text("ERROR: Could not mkdir '/mnt/backup-target/host01'\n");
    let f = d.findings.iter().find(|f| f.rule == "RM009").expect("RM009");
    assert!(!f.title.contains("Xen Orchestra") && !f.summary.contains("Xen Orchestra"), "{} / {}", f.title, f.summary);
    let d = text("INFO:root:The VDI 0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f has OpaqueRef:1a2b3c4d-5e6f-4a0b-8c9d-0e1f2a3b4c5d as its \"snapshot_of\" value, changing to null.\n");
    let f = d.findings.iter().find(|f| f.rule == "HL116").expect("HL116");
    let dump = f.remediation.iter().find(|s| s.command.as_deref().is_some_and(|c| c.contains("pool-dump-database"))).expect("dump step");
    assert!(dump.text.contains("back up the pool database"), "{}", dump.text);
}

/// A code XAPI's catalogue lacks is decoded as "not in the catalogue, maybe newer or a plug-in"
/// only when nothing knows it: a signature that does (an old code, a driver's own) replaces that
/// decoding instead of sitting beside it.
#[test]
fn an_uncatalogued_code_a_signature_knows_gets_no_generic_decoding_beside_it() {
    let d = text("Error code: SUPPORT_PACKAGE_MISSING\nError parameters: Dom0 does not contain a required file: /opt/xensource/packages/files/guest-installer/el5.4-initrd-additions.cpio, ,\n");
    assert_eq!(rules_of(&d), vec!["XA203"]);
    // Nothing knows this one: its decoding stays.
    let d = text("Error code: FROBNICATOR_NOT_READY\nError parameters: x, \n");
    assert_eq!(rules_of(&d), vec!["XA000"]);
}

/// Forms of a signature's message found in the source of the program that prints it (other
/// releases' wordings, other call sites, other wrappers), beyond the one `example` the signature
/// carries; each is written from the format string (tests/corpus/GENERALIZE_2026-12-05.md).
const FORMS: &[(&str, &str)] = &[
    // vmware-explorer's esxi.mjs fetchProperty since the fault's text is appended (stop 48).
    ("XB717", "Error: can't get config of object vm-1234 (Type: VirtualMachine): The object 'vim.VirtualMachine:vm-1234' has already been deleted or has not been completely created"),
    // xo-proxy-cli's `console.error('exception in main:', error)` of the API's error 10.
    ("XB982", "exception in main: { message: 'invalid parameters',\n  code: 10,\n  data: { errors: [ [Object] ] } }"),
    // xen-api getObject before 2018 (abb5193c), after it, and since 2025 (d47fa03e: noSuchObject)
    ("XB128", "Error: no object with UUID or opaque ref: OpaqueRef:NULL"),
    ("XB128", "Error: no object with opaque ref: OpaqueRef:NULL"),
    ("XB128", "Error: there is no object with the ref OpaqueRef:NULL"),
    ("XB128", "XoError: no such object OpaqueRef:NULL"),
    ("XB951", "Error: no object with opaque ref: OpaqueRef:5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e"),
    ("XB951", "Error: no object with UUID: 0a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9"),
    ("XB951", "Error: there is no object with the UUID 0a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9"),
    ("XB951", "Error: there is not object can be matched to 0a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9"),
    // XAPI's MESSAGE_METHOD_UNKNOWN as a backup log's JSON and as a Python client's exception
    ("KI001", "      \"result\": {\n        \"code\": \"MESSAGE_METHOD_UNKNOWN\",\n        \"params\": [\n          \"VDI.enable_cbt\"\n        ],"),
    ("KI001", "XenAPI.Failure: ['MESSAGE_METHOD_UNKNOWN', 'VDI.list_changed_blocks']"),
    ("KI001", "MESSAGE_METHOD_UNKNOWN(VDI.get_nbd_info)"),
    ("KI315", "      \"result\": {\n        \"code\": \"MESSAGE_METHOD_UNKNOWN\",\n        \"params\": [\n          \"OpaqueRef:16a0b1c2-d3e4-4f56-8789-0a1b2c3d4e5f.get_record\"\n        ],"),
    // xen-api's event loop logs console.warn('_watchEvents', error): undici's inactivity timeouts
    // (JSON-RPC transport), promise-toolbox's pTimeout, and the older legacy loop
    ("NW007", "_watchEvents HeadersTimeoutError: Headers Timeout Error\n    at Timeout.onParserTimeout [as callback] (/opt/xo/node_modules/undici/lib/dispatcher/client-h1.js:626:28) {\n  code: 'UND_ERR_HEADERS_TIMEOUT'\n}"),
    ("NW007", "_watchEvents TimeoutError: operation timed out\n    at Timeout.<anonymous> (/opt/xo/node_modules/promise-toolbox/timeout.js:46:18)"),
    ("NW007", "_watchEventsLegacy Error: HTTP connection has timed out"),
    // the mounts directory: xo-server's default, xo-proxy's default (@xen-orchestra/proxy/config.toml),
    // @xen-orchestra/fs's own default (tmpdir()/xo-fs-mounts) and a mountsDir the admin set
    ("RM014", "Error: ENOENT: no such file or directory, open '/run/xo-proxy/mounts/6d39/xo-vm-backups/4b1e/vdis/77ac/20d3/20240101T000000Z.vhd'"),
    ("RM014", "Error: ENOENT: no such file or directory, open '/tmp/xo-fs-mounts/6d39/xo-vm-backups/4b1e/vdis/77ac/20d3/20240101T000000Z.vhd'"),
    ("RM021", "Error: EHOSTDOWN: host is down, mkdir '/run/xo-proxy/mounts/576e/xo-vm-backups'"),
    ("RM021", "Error: ESTALE: stale file handle, open '/var/lib/xo-server/mounts/576e/xo-vm-backups/4b1e/vdis/77ac/20d3/20240101T000000Z.vhd'"),
    ("RM024", "Error: EACCES: permission denied, mkdir '/run/xo-proxy/mounts'"),
    // xo-server since redis 4 (packages/xo-server/src/xo.mjs): log.warn('redis error', { error }),
    // the [redis] socket setting, and @redis/client's own error classes
    ("XB001", "2024-03-01T10:00:00.000Z xo:xo-server WARN redis error {\n  error: Error: connect ENOENT /var/run/redis/redis.sock"),
    ("XB001", "ClientClosedError: The client is closed\n    at Commander._RedisClient_sendCommand (/opt/xo/node_modules/@redis/client/dist/lib/client/index.js:490:31)"),
    ("XB001", "Error: connect ECONNREFUSED ::1:6379"),
    // systemd's unit log of a failed control process: "%s: control process exited, code=%s status=%i"
    // (219, XCP-ng 8.x), later "Control process exited, code=%s, status=%i/%s" after the unit's prefix
    ("KI074", "Jul  8 15:11:51 xcp-host1 systemd[1]: var-lib-linstor.service: Control process exited, code=exited, status=32/n/a"),
    // xen-api datamodel_errors.ml: DEVICE_ALREADY_DETACHED's text, as xe and XenCenter print it
    ("XA106", "The device is not currently attached\ndevice: 5c1f0e2d-3b4a-4968-8776-5a4b3c2d1e0f"),
    // xapi-project/sm xs_errors.py: d66e70a (2014) and 8499250 (2025, smlib) raise their own exception
    ("SG700", "  File \"/opt/xensource/sm/xs_errors.py\", line 53, in __init__\n    raise Exception(\"No XML def file found\")\nException: No XML def file found"),
    ("SG700", "Exception: No XML def file found (/usr/share/sm/XE_SR_ERRORCODES.xml)"),
    // xen-api exnHelper.ml: Db_exn.Duplicate_key (tbl, fld, uuid, key) -> MAP_DUPLICATE_KEY [tbl; fld; uuid; key],
    // as JSON-RPC's error array and as xe prints it
    ("SG070", "  \"result\": {\n    \"code\": \"MAP_DUPLICATE_KEY\",\n    \"params\": [\n      \"VDI\",\n      \"sm_config\",\n      \"OpaqueRef:f25db949-ec0e-e414-8f87-7fa393c228fe\",\n      \"attached\"\n    ],"),
    ("SG070", "XenAPI.Failure: ['MAP_DUPLICATE_KEY', 'VDI', 'sm_config', 'OpaqueRef:f25db949-ec0e-e414-8f87-7fa393c228fe', 'attached']"),
    ("SG070", "Error code: MAP_DUPLICATE_KEY\nError parameters: VDI, sm_config, OpaqueRef:f25db949-ec0e-e414-8f87-7fa393c228fe, attached"),
    // xe prints an error the datamodel knows as its doc line and one "param: value" line per
    // parameter (xapi-cli-server/cli_util.ml get_server_error; "<extra>:" past the declared ones)
    ("XA108", "The uuid you supplied was invalid.\ntype: network\nuuid: 53f8ab42-ec1e-f5c1-a5b7-cf39b7a42fc3"),
    ("XA108", "XenAPI.Failure: ['UUID_INVALID', 'network', '53f8ab42-ec1e-f5c1-a5b7-cf39b7a42fc3']"),
    ("XA108", "    \"code\": \"UUID_INVALID\",\n    \"params\": [\n      \"network\",\n      \"53f8ab42-ec1e-f5c1-a5b7-cf39b7a42fc3\"\n    ],"),
    ("SG070", "You tried to add a key-value pair to a map, but that key is already there.\ntype: VDI\nparam_name: sm_config\nuuid: OpaqueRef:f25db949-ec0e-e414-8f87-7fa393c228fe\nkey: attached"),
    // xe's form of an error the datamodel knows: its doc line, then one "param: value" line each
    ("KI004", "This operation is not supported during an upgrade."),
    ("KI007", "This operation cannot be performed because this VDI is in use by some other operation\nvdi: 0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f\noperation: data_destroy"),
    ("KI009", "Cannot migrate a VM to a destination host which is older than the source host.\nhost: 5c1f0e2d-3b4a-4968-8776-5a4b3c2d1e0f (xcp-host2)\nvm: 0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f (web-01)"),
    ("KI012", "The given VMs failed to release memory when instructed to do so\nVM: 0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f (web-01)"),
    ("XA804", "The VM is incompatible with the CPU features of this host.\nvm: 0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f (web-01)\nhost: 5c1f0e2d-3b4a-4968-8776-5a4b3c2d1e0f (xcp-host2)\nreason: VM last booted on a CPU with features this host's CPU does not have."),
    // Xen Orchestra's REST API answers an error as {"error": <message>, "data": …}
    // (@xen-orchestra/rest-api generic-error-handler.middleware.mts), the JSON-RPC API as "code N message: …"
    ("XB405", "{\"error\":\"invalid credentials\"}"),
    ("XB412", "{\n  \"error\": \"host offline\",\n  \"data\": {\n    \"host\": \"5c1f0e2d-3b4a-4968-8776-5a4b3c2d1e0f\"\n  }\n}"),
    ("XB416", "{\"error\": \"VDI in use\", \"data\": {\"vdi\": \"0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f\"}}"),
    // the REST API's MCP gate: 503 with the message and data.error 'mcp_disabled' (mcp-gate.middleware.mts)
    ("XB700", "HTTP 503 {\"error\":\"MCP is disabled by administrator\",\"data\":{\"error\":\"mcp_disabled\"}}"),
    // xo-server-backup-reports templates/_partials/reportErrorMd.hbs: "- **Error**: {{task.result.message}}";
    // the e-mail (reportErrorMjml.hbs) reads "Error: <message>" once rendered as text
    ("XB412", "### VM web-01\n- **UUID**: 0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f\n- **Error**: host offline"),
    ("XB416", "- **Error**: VDI in use"),
    ("XB413", "Error: no hosts available"),
    ("KI004", "- **Error**: not supported during upgrade"),
    // XenCenter's own texts of XAPI errors (xenadmin FriendlyErrorNames.resx, data/xencenter_error_texts.json)
    ("KI012", "VM didn't acknowledge the need to shut down."),
    ("SG070", "INTERNAL ERROR: Attempted to set 'VDI'.'sm_config':'attached'='true', but the key 'attached' was already present in map 'sm_config'."),
    ("XA888", "The bootloader for this VM returned an error -- did the VM installation succeed?  Unable to find partition containing kernel"),
    ("KI002", "You tried to call a method that does not exist.  The method name that you used is VM.set_domain_type."),
    // OpenSSL 3 drops the function name ("error:0A000102:SSL routines::unsupported protocol"); Node
    // names the reason as ERR_SSL_<REASON>
    ("NW008", "Error: write EPROTO 40B8F1A7E17F0000:error:0A000102:SSL routines::unsupported protocol:../deps/openssl/openssl/ssl/statem/statem_lib.c:1986:"),
    ("NW008", "  code: 'ERR_SSL_UNSUPPORTED_PROTOCOL'"),
    // second pass (generalize-b): xe before 2019 printed the older doc lines of these errors,
    // "host" where today's say "server" (data/api_error_docs_earlier.json, xen-api's datamodel history)
    ("XA885", "Not enough host memory is available to perform this operation\nhost: 5c1f0e2d-3b4a-4968-8776-5a4b3c2d1e0f\nneeded: 8598323200\navailable: 4221812736"),
    ("XA887", "Cannot forward messages because the host cannot be contacted. The host may be switched off or there may be network connectivity problems.\nhost: 5c1f0e2d-3b4a-4968-8776-5a4b3c2d1e0f"),
    ("XA889", "The specified host is disabled.\nhost: 5c1f0e2d-3b4a-4968-8776-5a4b3c2d1e0f (xcp-host2)"),
    ("XA890", "The VM has VUSB attached\nvm: 0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f (web-01)"),
    ("XA891", "The requested plugin could not be found.\nplugin: updater.py"),
    ("XA892", "The SR operation cannot be performed because a device underlying the SR is in use by the host."),
    // xen-api ocaml/xapi-cli-server/cli_operations.ml: vm-install and vdi-import's own refusals without a default SR
    ("XB114", "Failed to find a valid default SR for the Pool. Please provide an sr-name-label or sr-uuid parameter."),
    ("XB114", "No sr-uuid parameter was given, and the pool's default SR is unspecified or invalid. Please explicitly specify the SR to use in the sr-uuid parameter, or set the pool's default SR."),
    // xen-orchestra packages/xen-api/_XapiError.mjs: the message is `${code}(${params.join(', ')})`, which
    // the UI's notification and a task's error show without the class name
    ("XA925", "VM_IS_TEMPLATE(OpaqueRef:0d1f6a52-7b7e-4c52-9a0e-3a1c3f0b9d21, destroy)"),
    ("XA926", "PATCH_ALREADY_APPLIED(OpaqueRef:0d1f6a52-7b7e-4c52-9a0e-3a1c3f0b9d21)"),
    // generalize-e: xe's and XenCenter's forms (cli_util.ml get_server_error; FriendlyErrorNames.resx), older ~doc lines
    ("XA925", "The operation attempted is not valid for a template VM\nvm: 0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f\n<extra>: destroy"),
    ("XA926", "This patch has already been applied\npatch: 0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"),
    ("XA926", "The update XS82ECU1001 has already been applied"),
    ("XA106", "The device xvdb is not currently attached"),
    ("KI214", "[root@xcp-host1 ~]# xe pool-ha-disable\nYou gave an invalid object reference. The object may have recently been deleted. The class parameter gives the type of reference given, and the handle parameter echoes the bad value given.\nclass: VDI\nhandle: OpaqueRef:7d3c1a2b-9e8f-4a5b-8c7d-6e5f4a3b2c1d"),
    ("KI214", "Disabling HA on pool 'Pool-A'\nObject has been deleted.VDI:OpaqueRef:7d3c1a2b-9e8f-4a5b-8c7d-6e5f4a3b2c1d"),
    ("KI002", "This message has been removed.\n"),
    ("KI009", "You attempted to migrate a VM to a destination host running a version of XenServer older than the source host.\nhost: 5c1f0e2d-3b4a-4968-8776-5a4b3c2d1e0f (xcp-host2)\nvm: 0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f (web-01)"),
    ("KI009", "You attempted to migrate a VM to a destination host which is older than the source host.\nhost: 5c1f0e2d-3b4a-4968-8776-5a4b3c2d1e0f (xcp-host2)\nvm: 0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f (web-01)"),
    ("XA805", "Provided key is not in a pem-encoded PKCS#8 format.\n"),
    // xapi-project/blktap vhd/lib: libvhd's "failed to open %s: %d" and vhd-util check's "error reading … footer: %d"
    ("KI013", "libvhd::vhd_open: failed to open /dev/VG_XenStorage-1/VHD-2: -22"),
    ("KI013", "error reading primary footer: -22"),
    ("KI013", "Mar 22 02:00:01 xcp-host1 vhd-util: libvhd::vhd_change_parent: error opening parent /dev/VG_XenStorage-1/VHD-1 for /dev/VG_XenStorage-1/VHD-2: -22"),
    // xo-server's proxy of /v5/api/updater to ws://localhost:9001 (config.toml), refused on a build from
    // sources; Node 17 and later try localhost's ::1 first
    ("XB004", "Error: connect ECONNREFUSED ::1:9001\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1595:16)"),
    // xen-api ocaml/xapi/vhd_qcow_parsing.ml run_tool (QCOW2 exports and header parsing): its own failure line
    ("HL001", "Mar  3 02:10:44 xcp-host1 xapi: [error||4481 HTTPS 192.0.2.10->:::80|[XO] VDI Export R:4f2c5e1a6b7d] qcow-tool failed, returning VDI_IO_ERROR"),
    // a host plug-in's Python error; xen-api XenAPIPlugin.py dispatch sends [code, method, class name, str(e)]
    ("KI005", "XENAPI_PLUGIN_FAILURE(check_update, ImportError, cannot import name 'getLogger' from 'xcpngutils')"),
    ("KI005", "XenAPI.Failure: ['XENAPI_PLUGIN_FAILURE', 'get_info', 'NameError', \"name 'unicode' is not defined\"]"),
    ("KI005", "XENAPI_PLUGIN_FAILURE(list_updates, AttributeError, 'dict' object has no attribute 'iteritems')"),
    // rpm's file-conflict problem without yum's heading (`rpm -Uvh`)
    ("HL246", "Preparing...                          ################################# [100%]\n\tfile /usr/lib/python2.7/site-packages/xcp/branding.py from install of xcp-ng-release-8.2.1-10.x86_64 conflicts with file from package xcp-python-libs-2.3.5-1.noarch"),
    // VDI_INCOMPATIBLE_TYPE [vdi; type] as xe prints it: its doc line, then one line a parameter
    ("KI410", "This operation cannot be performed because the specified VDI is of an incompatible type (eg: an HA statefile cannot be attached to a guest)\nvdi: 0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f\ntype: cbt_metadata"),
    // NAUbackup/VmBackup main(): an unknown command-line parameter, and a config argument of neither form
    ("BS004", "ERROR invalid parm: compres=true"),
    ("BS004", "ERROR invalid config/vm_name: vm-exprt=PRD-web01"),
    // xcp-ng/host-installer product.py: with etc/firstboot.d/state, each first-boot script's state is checked
    ("HL802", "Upgradeability test failed:\n  Firstboot:     05-prepare-networking, 10-prepare-storage, 60-import-keys\n  Missing state: 10-prepare-storage, 60-import-keys"),
    // xen-orchestra packages/xo-common/api-errors.js invalidParameters (10, 'invalid parameters', data.errors:
    // ajv's errors) as the REST API answers it ({"error": <message>, "data": …}) and as xo-cli prints it
    ("XB981", "{\"error\":\"invalid parameters\",\"data\":{\"errors\":[{\"instancePath\":\"/name_description\",\"schemaPath\":\"#/properties/name_description/minLength\",\"keyword\":\"minLength\",\"params\":{\"limit\":1},\"message\":\"must NOT have fewer than 1 characters\"}]}}"),
    ("XB981", "JsonRpcError: invalid parameters\n  code: 10,\n  data: {\n    errors: [\n      {\n        instancePath: '/name_label',\n        schemaPath: '#/properties/name_label/minLength',"),
    // xen-api xapi_vm_helpers.ml assert_host_supports_hvm: VM_HVM_REQUIRED [vm], and xe's doc line of it
    ("XA207", "VM_HVM_REQUIRED(OpaqueRef:0d1f6a52-7b7e-4c52-9a0e-3a1c3f0b9d21)"),
    ("XA207", "HVM is required for this operation\nvm: 0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f (xoa)"),
    // the update pre-check's codes as XO and API clients print them, and XenCenter's texts of them
    ("XA600", "PATCH_PRECHECK_FAILED_WRONG_SERVER_VERSION(OpaqueRef:0d1f6a52-7b7e-4c52-9a0e-3a1c3f0b9d21, 7.1.2, ^7\\.0\\.0$)"),
    ("XA600", "The current version number (7.1.2) is incompatible with the update version number regular expression (^7\\.0\\.0$)."),
    ("XA600", "The current build number (137272c) is incompatible with the update build number (125380c)."),    // S3's part limit: @aws-sdk/lib-storage's own check, and @xen-orchestra/fs s3.js's cut-off (9e667533)
    ("RM020", "Error: Exceeded 10000 parts in multipart upload to Bucket: backups Key: xo-vm-backups/4b1e/20240101T000000Z.xva."),
    // a helper's usage error relayed by xenopsd, inside a JSON string (Xen Orchestra's log)
    ("XA950", r#"  "message": "INTERNAL_ERROR(xenopsd internal error: Call to usb reset failed: Forkhelpers.Spawn_internal_error(\"usage: usb_reset.py attach [-h] -d DOMID -p PID [-r RESET_ONLY] device\\nusb_reset.py attach: error: argument -r: expected one argument\\n\", \"\", _))","#),
    // undici's connect timeout (xen-orchestra packages/xen-api uses undici since bfb8d3b2, 2024)
    // An `all` condition with alternatives (issue 11's knowledge as data: one signature, every form).
    ("HL950", "xapi: [debug||1234 ||helpers] /opt/xensource/libexec/example-helper --flag exited with code 127 [stdout = ''; stderr = '/bin/sh: example-helper: command not found']"),
    ("XA205", "{\n  \"code\": \"HANDLE_INVALID\",\n  \"params\": [\n    \"host\",\n    \"OpaqueRef:NULL\"\n  ],\n  \"call\": {\n    \"method\": \"VM.start\",\n    \"params\": [\"OpaqueRef:6a1f\", false, false]\n  }\n}"),
    ("NW902", "importVdiContent\n  ConnectTimeoutError: Connect Timeout Error (attempted address: 192.0.2.20:443, timeout: 10000ms)\n  code: 'UND_ERR_CONNECT_TIMEOUT'"),
    ("NW001", "ConnectTimeoutError: Connect Timeout Error (attempted address: 192.0.2.20:443, timeout: 10000ms)\n    at onConnectTimeout (/opt/xo/node_modules/undici/lib/core/connect.js:237:24) {\n  code: 'UND_ERR_CONNECT_TIMEOUT'\n}"),
    // the Ceph driver's plug-in failure as Xen Orchestra prints a XAPI error
    ("SG502", "XapiError: XENAPI_PLUGIN_FAILURE(map, CommandException, Operation not permitted)"),
    // Xen Orchestra's vdi.migrate (moveVdi → VDI.pool_migrate) as its API log shows the call
    ("XA929", "xo:api WARN admin@admin.net | vdi.migrate(...) [3s] =!> XapiError: HOST_NOT_ENOUGH_FREE_MEMORY(8598323200, 1073741824)"),
    // VmBackup 2 (2014–2016), given a single VM name
    ("BS001", "ERROR - vm does not exist: PRD-web01"),
    // xo-server stopped with Ctrl+C: the same `${signal} caught, closing…` line for SIGINT
    ("XB005", "2024-03-01T10:00:00.000Z xo:main INFO SIGINT caught, closing…"),
    // EROFS (-30) in blktap's other open and completion messages
    ("SG003", "Jan 10 10:00:00 xcp-host1 tapdisk[3120]: Unable to open [/dev/VG_XenStorage-5d2b/VHD-8a7c] (-30)!"),
    ("SG003", "FAILED in util.pread: (rc 30) stdout: '', stderr: '/var/run/sr-mount/5d2b/8a7c.vhd: failed to open: -30"),
    ("SG003", "Jan 10 10:00:00 xcp-host1 tapdisk[3120]: ERROR: errno -30 at vhd_complete: /dev/VG_XenStorage-5d2b/VHD-8a7c: op: 2, lsec: 12109824, secs: 8, blk: 5913, blk_offset: 24121"),
    // Go's net package with neither host nor port (errMissingAddress)
    ("NW010", "Error: dial tcp: missing address"),
    // smartmontools os_linux.cpp's autodetection of an AMCC / 3ware controller's unit
    ("KI950", "Smartctl open device: /dev/sdb failed: AMCC/3ware controller, please try adding '-d 3ware,N',\nyou may need to replace /dev/sdb with /dev/twlN, /dev/twaN or /dev/tweN"),
    // xenopsd's Internal_error as xapi hands it to clients (transform_xenops_exn), as xe and XO print it
    ("KI010", "The server failed to handle your request, due to an internal error. The given message may give details useful for debugging the problem.\nmessage: xenopsd internal error: Sys_error(\"Connection reset by peer\")"),
    ("KI010", "  \"message\": \"INTERNAL_ERROR(xenopsd internal error: Sys_error(\\\"Connection reset by peer\\\"))\","),
    // xenopsd's Cannot_add printer with a device on a PCI segment other than 0000
    ("HL243", "Internal error: xenopsd internal error: Cannot_add(0001:3b:00.0, Xenctrlext.Unix_error(30, \"1: Operation not permitted\"))"),
    // fourth pass (generalize-d)
    // xenopsd's own device kinds include 9pfs (xenops_server_xen.ml, 2021)
    ("KI662", "xenopsd-xc: [debug||6 ||xenops] Unknown device kind: '9pfs'"),
    // sm_exec.ml get_supported: the drivers' directory could not be read
    ("HL321", "xapi: [error||0 ||sm_exec] Error checking directory /opt/xensource/sm for SM backends: Unix.Unix_error(Unix.EACCES, \"opendir\", \"/opt/xensource/sm\")"),
    // open-iscsi io.c / discovery.c / iscsiadm.c: the portal does not answer or refuses the login
    ("HL007", "iscsiadm: cannot make connection to 192.0.2.30: Connection refused"),
    ("HL007", "iscsiadm: cannot make connection to 192.0.2.30:3260 (-1,113)"),
    ("HL007", "iscsiadm: connection login retries (reopen_max) 5 exceeded"),
    ("HL007", "iscsiadm: Could not log into all portals"),
    // the S3 API's messages without their code (Xen Orchestra shows `message`)
    ("RM012", "Error: The AWS Access Key Id you provided does not exist in our records."),
    ("RM012", "Error: The Access Key Id you provided does not exist in our records."),
    ("RM012", "Error: The request signature we calculated does not match the signature you provided. Check your key and signing method."),
    ("RM012", "Error: The specified bucket does not exist"),
    ("RM012", "Error: The specified bucket is not valid."),
    ("RM012", "Error: The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint."),
    // xe's and XenCenter's forms of INVALID_VALUE on a reserved bridge name
    ("KI208", "The value given is invalid\nfield: bridge\nvalue: xapi3"),
    ("KI208", "The value 'xapi3' is invalid for field 'bridge'."),
    // later kernels' SYN-flood line names the listening address before the port
    ("KI664", "kernel: TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:21064. Sending cookies."),
    ("KI664", "kernel: TCP: request_sock_TCPv6: Possible SYN flooding on port [::]:21064. Dropping request."),
    // HANDLE_INVALID on the null suspend VDI in Python's, xensource.log's and JSON-RPC's wrappers, beside the resume call
    ("KI511", "session.xenapi.VM.resume(vm, False, False)\nXenAPI.Failure: ['HANDLE_INVALID', 'VDI', 'OpaqueRef:NULL']"),
    ("KI511", "xapi: [error||812 ||backtrace] VM.resume R:4b1e failed with exception Server_error(HANDLE_INVALID, [ VDI; OpaqueRef:NULL ])"),
    ("KI511", "{\"method\":\"VM.resume\",\"error\":{\"code\":\"HANDLE_INVALID\",\"params\":[\"VDI\",\"OpaqueRef:NULL\"]}}"),
    // systemd's timeout line with the device's path as its description
    ("HL077", "[ TIME ] Timed out waiting for device /dev/mapper/datavg-datalv."),
    // ...in a boot log that also activates the SRs' own volume groups
    ("HL077", "lvm[812]: 2 logical volume(s) in volume group \"VG_XenStorage-5d2b\" now active\nsystemd[1]: Mounting /boot/efi...\nsystemd[1]: Started udev Wait for Complete Device Initialization.\n[ TIME ] Timed out waiting for device dev-mapper-datavg\\x2ddatalv.device."),
    // an SMAPIv3 plugin's uncaught exception as Python XenAPI's Failure carries it
    ("XA930", "XenAPI.Failure: ['SR_BACKEND_FAILURE', 'FileNotFoundError', \"[Errno 2] No such file or directory: '/dev/sm/backend/5d2b/8a7c'\", '']"),
    ("XA931", "XenAPI.Failure: ['SR_BACKEND_FAILURE', 'KeyError', \"'sr_uuid'\", '']"),
    // LVM 2.03's forms of a metadata area header read wrong or not at all
    ("KI018", "FAILED in util.pread: (rc 5) stdout: '', stderr: '  WARNING: wrong checksum 8c2e6d10 in mda header on /dev/sdb at 4096'"),
    ("KI018", "  WARNING: Wrong magic number in mda header on /dev/sdb at 4096."),
    ("KI018", "  Failed to read metadata area header on /dev/sdb at 4096."),
    // sm's shared modules installed as the Python package `sm` (2025)
    ("KI667", r#"xapi: [error||0 |Registering SMAPIv1 plugins D:0a1b|sm_exec] Rejecting SM plugin: NFS because of exception: Storage_error ([S(Backend_error);[S(SR_BACKEND_FAILURE);[S(non-zero exit);S();S(Traceback (most recent call last):\x0A  File "/opt/xensource/sm/NFSSR", line 4, in <module>\x0A    from sm.drivers.NFSSR import main\x0A  File "/usr/lib/python3.6/site-packages/sm/SR.py", line 23, in <module>\x0A    from sm.core import util\x0A  File "/usr/lib/python3.6/site-packages/sm/core/util.py", line 40, in <module>\x0ASyntaxError: invalid syntax\x0A)]]])"#),
    // Xen Orchestra's earlier spellings of its own backup messages
    ("XB107", "can't connect through NBD, fallback to stream export"),
    ("XB110", r#"{"message": "Couldn't deleted snapshot data", "data": {"vdiRef": "OpaqueRef:4b1e"}}"#),
    ("XB122", "This backup has already been transfered"),
    ("XB104", "Error: local xapi  did not get Runnig state for VM 4b1e after 600 second"),
    ("XB117", "Data in the latest snapshot won't be migrated to XCP-ng"),
    ("XB126", "Delta Backup and DR require Enterprise plan"),
    ("XB126", "CR requires Premium plan"),
    ("XB423", "Error: cannot get the proxy IP"),
    ("XB427", "Error: Unsupported file, high order bits are to high in field capacitySectors"),
    // the storage manager's earlier spellings
    ("KI419", "SR_BACKEND_FAILURE_228(, Require \"-o\" along with xe-mount-isosr, )"),
    ("SG416", "SM: [4142] Unable to find diskfull node: xcp-volume-4b1e (path=/dev/drbd/by-res/xcp-volume-4b1e/0)"),
    // blktap2.py _check_tag: deactivation finds the disk paused and backs off
    ("SG108", "SM: [2345] Paused key found [{'paused': 'true', 'vhd-parent': '8a7c'}]"),
    // XFS's corruption reports (fs/xfs/xfs_error.c, xfs_fsops.c)
    ("HL005", "kernel: XFS (dm-3): Corruption detected. Unmount and run xfs_repair"),
    ("HL005", "kernel: XFS (sdb1): Metadata CRC error detected at xfs_agf_read_verify+0x70/0x120 [xfs], xfs_agf block 0x1"),
    ("HL005", "kernel: XFS (sdb1): Corruption of in-memory data (0x8) detected at xfs_trans_cancel+0x12a/0x150 [xfs] (fs/xfs/xfs_trans.c:1097).  Shutting down filesystem."),
    ("HL005", "kernel: XFS (sdb1): Internal error XFS_WANT_CORRUPTED_GOTO at line 1423 of file fs/xfs/libxfs/xfs_alloc.c.  Caller xfs_free_ag_extent+0x3ac/0x770 [xfs]"),
    // Node before 16.9 words a property read on undefined "Cannot read property '<name>' of undefined"
    ("KI317", "TypeError: Cannot read property 'healthCheckVmsWithTags' of undefined"),
    ("KI422", "TypeError: Cannot read property 'perDatastoreUsage' of undefined"),
    ("KI423", "TypeError: Cannot read property 'managed' of undefined\n    at Xapi.getAllUnhealthyVdiChainsLength (file:///opt/xo/packages/xo-server/src/xapi/mixins/storage.mjs:120:18)"),
    ("KI424", "TypeError: Cannot read property 'endsWith' of undefined\n    at isVhdFile (file:///opt/xo/@xen-orchestra/backups/_cleanVm.mjs:40:10)\n    at checkAliases (file:///opt/xo/@xen-orchestra/backups/_cleanVm.mjs:132:9)"),
    ("KI316", "TypeError: Cannot read property 'uuid' of undefined\n    at IncrementalXapiWriter.isAlreadyOnHealthCheckSr (file:///opt/xo/@xen-orchestra/backups/_runners/_writers/_MixinXapiWriter.mjs:31:49)"),
];

#[test]
fn every_form_found_in_the_source_fires() {
    for (id, input) in FORMS {
        let pasted = format!("> some line before\n{input}\n> and one after");
        let got = rules_of(&text(&pasted));
        assert!(got.contains(id), "{id} does not fire on the form {input:?}; got {got:?}");
    }
}

#[test]
fn ki214_xe_form_needs_the_ha_disable_command() {
    // xe prints HANDLE_INVALID as its doc line and `class:` / `handle:` lines; only the command names HA.
    let doc = "You gave an invalid object reference. The object may have recently been deleted. The class parameter gives the type of reference given, and the handle parameter echoes the bad value given.";
    let other_command = format!("[root@xcp-host1 ~]# xe vdi-destroy uuid=0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f\n{doc}\nclass: VDI\nhandle: OpaqueRef:7d3c1a2b-9e8f-4a5b-8c7d-6e5f4a3b2c1d");
    assert!(!rules_of(&text(&other_command)).contains(&"KI214"), "{:?}", rules_of(&text(&other_command)));
    let ha_not_enabled = "[root@xcp-host1 ~]# xe pool-ha-disable\nThe operation could not be performed because HA is not enabled on the Pool";
    assert!(!rules_of(&text(ha_not_enabled)).contains(&"KI214"), "{:?}", rules_of(&text(ha_not_enabled)));
}

#[test]
fn an_xfs_mount_is_no_damage_and_hides_none() {
    // fs/xfs prefixes every line "XFS (<dev>): ", mounts and unmounts included.
    let mounts = "kernel: XFS (sdb1): Mounting V5 Filesystem\nkernel: XFS (sdb1): Ending clean mount\nkernel: XFS (sdb1): Unmounting Filesystem";
    assert!(!rules_of(&text(mounts)).contains(&"HL005"), "{:?}", rules_of(&text(mounts)));
    // A mount line elsewhere in the log does not silence a real report.
    let both = format!("{mounts}\nkernel: EXT4-fs error (device dm-1): ext4_lookup:1601: inode #1234: comm tapdisk: deleted inode referenced: 5678");
    assert!(rules_of(&text(&both)).contains(&"HL005"), "{:?}", rules_of(&text(&both)));
}

#[test]
fn a_passive_path_probed_at_boot_is_not_a_failing_disk() {
    let probe = "kernel: end_request: I/O error, dev sdc, sector 0\nkernel: sd 0:0:0:3: Device not ready: Sense Key : Not Ready [current]\nkernel: sd 0:0:0:3: Add. Sense: Logical unit not ready, manual intervention required";
    let d = text(probe);
    assert_eq!(rules_of(&d), vec!["HL951"]);
    assert!(d.findings.iter().all(|f| f.severity == xapi_doctor::Severity::Info), "{:?}", rules_of(&d));
    // A read error elsewhere in the same log is still the disk's.
    let d = text(&format!("{probe}\nkernel: x\nkernel: y\nkernel: z\nkernel: blk_update_request: I/O error, dev sdd, sector 104857600"));
    assert_eq!(rules_of(&d).first(), Some(&"HL004"), "{:?}", rules_of(&d));
    // Not ready on reads of data (not the first sector): the LUN itself, not a probe.
    let d = text(&probe.replace("sector 0", "sector 73400320"));
    assert_eq!(rules_of(&d).first(), Some(&"HL232"), "{:?}", rules_of(&d));
}

#[test]
fn a_python_name_error_is_not_a_javascript_bug() {
    // Python's NameError ("name 'x' is not defined") shares its words with JavaScript's ReferenceError.
    let python = "Traceback (most recent call last):\n  File \"/opt/xensource/sm/LVMSR\", line 2100, in <module>\n    main()\nNameError: global name 'vdi_uuid' is not defined";
    let got = rules_of(&text(python));
    assert!(!got.contains(&"KI006"), "{got:?}");
    assert!(got.contains(&"KI696"), "{got:?}");
    let javascript = "ReferenceError: vdiUuid is not defined\n    at VmBackup.run (/opt/xo/@xen-orchestra/backups/_runners/_vmRunners/_AbstractXapi.mjs:40:3)";
    let got = rules_of(&text(javascript));
    assert!(got.contains(&"KI006") && !got.contains(&"KI696"), "{got:?}");
}

/// The same failure printed by other releases of the program that prints it (helper drift-r,
/// tests/corpus/DRIFT_2026-12-06-r.md): each input is the other wording of a signature's message,
/// composed from the source of the release that prints it, and must fire that signature.
#[test]
fn a_message_fires_in_the_wording_of_every_release() {
    let forms: &[(&str, &str)] = &[
        // V8 of Node 12 and before: backquotes, "of 'undefined' or 'null'."
        ("KI416", "TypeError: Cannot destructure property `bypassMacAddressesCheck` of 'undefined' or 'null'."),
        // V8 before 9.3 (Node 14.18 to 16.8, accepted by @xen-orchestra/backups' engines)
        (
            "KI717",
            "TypeError: Cannot read property 'id' of undefined\n    at IncrementalRemoteWriter.prepare (file:///opt/xo/xo-builds/xen-orchestra/@xen-orchestra/backups/_runners/_writers/IncrementalRemoteWriter.mjs:93:38)\n    at IncrementalRemoteVmBackupRunner._run (file:///opt/xo/xo-builds/xen-orchestra/@xen-orchestra/backups/_runners/_vmRunners/IncrementalRemote.mjs:50:7)",
        ),
        // V8 9.3 and later, a write to a property of null
        ("KI006", "TypeError: Cannot set properties of null (setting 'name_label')"),
        // a path left undefined: Node 9 "Path must be a string", Node 10-14 and Node 15+ ERR_INVALID_ARG_TYPE
        ("KI006", "TypeError [ERR_INVALID_ARG_TYPE]: The \"path\" argument must be of type string. Received type undefined"),
        ("KI006", "TypeError [ERR_INVALID_ARG_TYPE]: The \"paths[0]\" argument must be of type string. Received undefined\n    at Object.resolve (node:path:1097:7)"),
        ("KI006", "TypeError [ERR_INVALID_ARG_TYPE]: The \"path\" argument must be of type string or an instance of Buffer or URL. Received undefined"),
        // V8 of Node 14 and later, a binding read before its declaration ran (Node 12: "x is not defined")
        ("KI006", "ReferenceError: Cannot access 'xapi' before initialization\n    at Xo.getXapi (file:///opt/xo/xo-builds/xen-orchestra/packages/xo-server/src/xo-mixins/xen-servers.mjs:512:5)"),
        // Node 20 and later, a host name with several addresses: NodeAggregateError, the code in its stack's first line
        ("NW002", "\"stack\": \"AggregateError [ECONNREFUSED]: \\n    at internalConnectMultiple (node:net:1122:18)\\n    at afterConnectMultiple (node:net:1689:7)\""),
        ("NW001", "AggregateError [ETIMEDOUT]: \n    at internalConnectMultiple (node:net:1122:18)\n    at process.processTimers (node:internal/timers:519:7)"),
    ];
    for (id, input) in forms {
        let got = rules_of(&text(input));
        assert!(got.contains(id), "{id} does not fire on the other wording {input:?}; got {got:?}");
    }
    // Node 20's inspection of the same AggregateError for xo-server's own Redis on localhost: the
    // per-address errors come five lines below, and the refusal is Redis's, not a host's
    let redis = "AggregateError [ECONNREFUSED]: \n    at internalConnectMultiple (node:net:1122:18)\n    at afterConnectMultiple (node:net:1689:7) {\n  code: 'ECONNREFUSED',\n  [errors]: [\n    Error: connect ECONNREFUSED ::1:6379\n        at createConnectionError (node:net:1652:14)\n    Error: connect ECONNREFUSED 127.0.0.1:6379\n  ]\n}";
    let got = rules_of(&text(redis));
    assert!(got.contains(&"XB001") && !got.contains(&"NW002"), "Redis's refusal read as a host's: {got:?}");
}

/// Stop 48: Xen Orchestra's wait for an object's state times out with "timeout reached" too, and
/// nothing is exported there: XB850 reads it, and XO011's stalled export stays away, as a pasted
/// error and as a backup log's health-check task alike.
#[test]
fn a_wait_for_an_objects_state_is_not_a_stalled_export() {
    let message = "waitObjectState: timeout reached before OpaqueRef:5d2c0b8a-1b2c-4d5e-8f90-a1b2c3d4e5f6 in expected state";
    let d = text(&format!("Error: {message}"));
    assert_eq!(rules_of(&d), vec!["XB850"]);
    let log = format!(
        r#"{{"data":{{"mode":"delta"}},"status":"failure","tasks":[{{"message":"health check","status":"failure","result":{{"name":"Error","message":"{message}"}}}}]}}"#
    );
    let d = xapi_doctor::diagnose_text(&log, &xapi_doctor::Options::default()).unwrap();
    assert_eq!(d.findings[0].rule, "XB850", "{:?}", rules_of(&d));
    assert!(!rules_of(&d).contains(&"XO011"), "{:?}", rules_of(&d));
    // A transfer that timed out is still XO011's.
    assert_eq!(rules_of(&text("Error: Timeout reached"))[0], "XO011");
}
