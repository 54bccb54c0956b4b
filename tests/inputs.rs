//! Every wire shape of a XAPI error and of Xen Orchestra's messages is recognised, with the code,
//! the parameters by name and the evidence; bad input gets a clear error or an empty result.

mod common;
use common::{text, text_with};
use xapi_doctor::{diagnose_json, diagnose_text, Finding, InputKind, Options};

fn first(d: &xapi_doctor::Diagnosis) -> &Finding {
    d.findings.first().expect("at least one finding")
}

fn param<'a>(f: &'a Finding, name: &str) -> Option<&'a str> {
    f.params.get(name)
}

const SR44_PARAMS: [(&str, &str); 3] = [("status", ""), ("reason", "There is insufficient space"), ("stderr", "")];

fn assert_sr44(d: &xapi_doctor::Diagnosis, kind: InputKind) {
    assert_eq!(d.kind, kind);
    let f = first(d);
    assert_eq!(f.rule, "SR044");
    assert_eq!(f.codes, vec!["SR_BACKEND_FAILURE_44"]);
    for (k, v) in SR44_PARAMS {
        assert_eq!(param(f, k), Some(v), "param {k}");
    }
}

#[test]
fn xapi_array() {
    assert_sr44(&text(r#"["SR_BACKEND_FAILURE_44", "", "There is insufficient space", ""]"#), InputKind::XapiError);
}

#[test]
fn xml_rpc_struct_as_json() {
    let d = text(r#"{"Status": "Failure", "ErrorDescription": ["SR_BACKEND_FAILURE_44", "", "There is insufficient space", ""]}"#);
    assert_sr44(&d, InputKind::XapiError);
}

#[test]
fn xml_rpc_body() {
    let xml = "<?xml version=\"1.0\"?>\n<methodResponse><params><param><value><struct>\n<member><name>Status</name><value>Failure</value></member>\n<member><name>ErrorDescription</name><value><array><data>\n<value>SR_BACKEND_FAILURE_44</value><value></value><value>There is insufficient space</value><value/>\n</data></array></value></member></struct></value></param></params></methodResponse>";
    assert_sr44(&text(xml), InputKind::XapiError);
}

#[test]
fn json_rpc_v1_and_v2() {
    let v1 = r#"{"result": null, "error": ["SR_BACKEND_FAILURE_44", "", "There is insufficient space", ""], "id": 12}"#;
    assert_sr44(&text(v1), InputKind::XapiError);
    let v2 = r#"{"jsonrpc":"2.0","error":{"code":1,"message":"SR_BACKEND_FAILURE_44","data":["","There is insufficient space",""]},"id":0}"#;
    assert_sr44(&text(v2), InputKind::XapiError);
    let bare = r#"{"code":1,"message":"SR_BACKEND_FAILURE_44","data":["","There is insufficient space",""]}"#;
    assert_sr44(&text(bare), InputKind::XapiError);
}

#[test]
fn json_rpc_success_is_not_an_error() {
    let d = text(r#"{"jsonrpc":"2.0","result":"OpaqueRef:1a2b","id":0}"#);
    assert!(d.findings.is_empty());
}

#[test]
fn async_task_error_info() {
    let task = r#"{"uuid": "c8b187f9-d29f-13ad-1734-0b5f9d6d61c0", "name_label": "Async.VM.snapshot", "status": "failure", "error_info": ["SR_BACKEND_FAILURE_44", "", "There is insufficient space", ""]}"#;
    assert_sr44(&text(task), InputKind::XapiError);
}

#[test]
fn xo_xapi_error_object_and_message() {
    let obj = r#"{"code": "SR_BACKEND_FAILURE_44", "params": ["", "There is insufficient space", ""], "call": {"duration": 2313, "method": "VM.snapshot", "params": ["* session id *", "OpaqueRef:1"]}, "message": "SR_BACKEND_FAILURE_44(, There is insufficient space, )", "name": "XapiError", "stack": "XapiError: SR_BACKEND_FAILURE_44(, There is insufficient space, )\n    at XapiError.wrap"}"#;
    assert_sr44(&text(obj), InputKind::XapiError);
    assert_sr44(&text("SR_BACKEND_FAILURE_44(, There is insufficient space, )"), InputKind::XapiError);
}

#[test]
fn xe_cli_undocumented_code() {
    let out = "Error code: SR_BACKEND_FAILURE_44\nError parameters: , There is insufficient space, \n";
    let d = text(out);
    assert_sr44(&d, InputKind::XapiError);
    let lines: Vec<Option<u32>> = first(&d).evidence.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![Some(1), Some(2)]);
}

#[test]
fn xe_cli_parameters_going_on_over_several_lines() {
    // An SR driver's opterr holding newlines: xe prints it as it is, so the parameter goes on
    // until its bracket closes; the shell prompt after it is not part of it.
    let out = "Error code: SR_BACKEND_FAILURE_181\nError parameters: , Error in Metadata volume operation for SR. [opterr=VDI delete failed for parameters:\n  /dev/VG_XenStorage-x/MGT, 0000.\n  Error: Failed to write file with params [3, 0, 512, 512]. Error: 5],\n[root@host ~]# \n";
    let d = text(out);
    let f = finding_with_code(&d, "SR_BACKEND_FAILURE_181").expect("the code");
    let lines: Vec<Option<u32>> = f.evidence.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![Some(1), Some(2), Some(3), Some(4)]);
    // The trailing space of xe's `, ` before the empty last parameter lost by the paste: the
    // reason still ends where the opterr closes.
    assert!(param(f, "reason").is_some_and(|r| r.ends_with("Error: 5]")), "{:?}", param(f, "reason"));
    assert_eq!(param(f, "stderr"), Some(""));
    // An unclosed bracket with nothing after it takes no line that is not there.
    let cut = text("Error code: SR_BACKEND_FAILURE_181\nError parameters: , Error [opterr=VDI delete failed\n\nsomething else\n");
    let f = finding_with_code(&cut, "SR_BACKEND_FAILURE_181").expect("the code");
    assert_eq!(f.evidence.len(), 2);
}

#[test]
fn xe_cli_documented_code_names_params() {
    let out = "This operation cannot be performed because this VDI is in use by some other operation\nvdi: OpaqueRef:8c7f2d1e-3b4a-4c5d-9e6f-7a8b9c0d1e2f\noperation: destroy\n";
    let d = text(out);
    let f = first(&d);
    assert_eq!(f.rule, "XA001");
    assert_eq!(param(f, "vdi"), Some("OpaqueRef:8c7f2d1e-3b4a-4c5d-9e6f-7a8b9c0d1e2f"));
    assert_eq!(param(f, "operation"), Some("destroy"));
}

fn finding_with_code<'a>(d: &'a xapi_doctor::Diagnosis, code: &str) -> Option<&'a Finding> {
    d.findings.iter().find(|f| f.codes.iter().any(|c| c == code))
}

#[test]
fn xe_cli_doc_line_of_an_older_xapi() {
    // The doc line of this code in xapi 2017-2019, before it was reworded.
    let out = "You attempted to migrate a VM to a destination host which is older than the source host.\nhost: OpaqueRef:1d2e\nvm: OpaqueRef:3f4a\n";
    let d = text(out);
    let f = finding_with_code(&d, "VM_HOST_INCOMPATIBLE_VERSION_MIGRATE").expect("the code of the older doc line");
    assert_eq!(param(f, "host"), Some("OpaqueRef:1d2e"));
    assert_eq!(param(f, "vm"), Some("OpaqueRef:3f4a"));
}

#[test]
fn xe_cli_doc_line_printed_on_two_lines() {
    let out = "The server failed to handle your request, due to an internal error.\nThe given message may give details useful for debugging the problem.\nmessage: xenopsd internal error: Failure(\"boom\")\n";
    let d = text(out);
    let f = finding_with_code(&d, "INTERNAL_ERROR").expect("the code of the two-line doc");
    assert_eq!(param(f, "message"), Some("xenopsd internal error: Failure(\"boom\")"));
    let lines: Vec<Option<u32>> = f.evidence.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![Some(1), Some(2), Some(3)]);
    // The first half followed by anything else is not the doc.
    let d = text("The server failed to handle your request, due to an internal error.\nThen it worked.\n");
    assert!(finding_with_code(&d, "INTERNAL_ERROR").is_none(), "{:?}", d.findings);
}

#[test]
fn xe_cli_doc_line_with_two_spaces_after_a_full_stop() {
    // Older xapi printed two spaces after a sentence inside a doc line.
    let out = "The patch precheck stage failed with an unknown error.  See attached info for more details.\npatch: 0850b186-4d47-11e3-a720-001b2151a503 (XS62ESP1)\ninfo: the tools ISO must be ejected\n";
    let d = text(out);
    let f = finding_with_code(&d, "PATCH_PRECHECK_FAILED_UNKNOWN_ERROR").expect("the code of the doc line");
    assert_eq!(param(f, "info"), Some("the tools ISO must be ejected"));
}

#[test]
fn xe_cli_doc_line_cut_short_then_parameter_lines() {
    // A paste that kept the doc's first clause and the parameters it cared about.
    let out = "  # xe vm-snapshot ...\n  You attempted an operation on a VM that was not in an appropriate power state\n  expected: halted\n  actual: running\n";
    let d = text(out);
    let f = finding_with_code(&d, "VM_BAD_POWER_STATE").expect("the code of the cut doc line");
    assert_eq!(param(f, "expected"), Some("halted"));
    assert_eq!(param(f, "actual"), Some("running"));
    // The same beginning as prose, or before a line that is not one of the code's parameters,
    // or a beginning too short to name a code, is not read as the doc.
    for near in [
        "You attempted an operation on a VM that was not in an appropriate power state\nso I rebooted it.\n",
        "You attempted an operation on a VM that was not in an appropriate power state\nhost: xcp-01\n",
        "You attempted an operation on a VM\nexpected: halted\n",
    ] {
        let d = text(near);
        assert!(finding_with_code(&d, "VM_BAD_POWER_STATE").is_none(), "{near:?}: {:?}", d.findings);
    }
}

#[test]
fn xe_cli_doc_line_wrapped_over_several_lines() {
    // A paste wrapped at a fixed width (a commit message), with the two spaces older docs put
    // after a full stop.
    let out = "You attempted an operation on a VM that was not in an appropriate power\n\
               state at the time; for example, you attempted to start a VM that was\n\
               already running.  The parameters returned are the VM's handle, and the\n\
               expected and actual VM state at the time of the call.\n\
               vm: 0e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b (web-01)\n\
               expected: running\n\
               actual: halted\n";
    let d = text(out);
    let f = finding_with_code(&d, "VM_BAD_POWER_STATE").expect("the code of the wrapped doc");
    assert_eq!(param(f, "expected"), Some("running"));
    assert_eq!(param(f, "actual"), Some("halted"));
    assert_eq!(f.evidence.first().and_then(|e| e.line), Some(1));
    // The doc's beginning followed by other words is not the doc.
    let d = text("You attempted an operation on a VM that was not in an appropriate power\nsupply, so it stopped.\n");
    assert!(finding_with_code(&d, "VM_BAD_POWER_STATE").is_none(), "{:?}", d.findings);
}

#[test]
fn xencenter_wording_names_the_code() {
    // XenCenter's event list copied out: its own text for VDI_NOT_AVAILABLE, the VDI filled in.
    let pasted = "\"Failed\",\"Taking a snapshot of VM 'web-01'\n\
                  This operation cannot be performed because VDI OpaqueRef:5f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f could not be properly attached to the VM.\n\
                  Time: 00:00:03\",\"pool-01\",\"Dec 4, 2026 10:42 AM\"\n";
    let d = text(pasted);
    let f = finding_with_code(&d, "VDI_NOT_AVAILABLE").expect("the code of XenCenter's wording");
    assert_eq!(f.rule, "XA012");
    assert_eq!(param(f, "vdi"), Some("OpaqueRef:5f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f"));
    assert_eq!(f.evidence.first().and_then(|e| e.line), Some(2));
    assert!(f.cause.contains("XenCenter's wording"), "{}", f.cause);

    // A code no rule claims: the catalogue's decoding, with its category and meaning.
    let d = text("> The device xvdb is already attached to a VM\n");
    let f = finding_with_code(&d, "DEVICE_ALREADY_ATTACHED").expect("the code of XenCenter's wording");
    let entry = xapi_doctor::catalog::api_error("DEVICE_ALREADY_ATTACHED").unwrap();
    assert_eq!((f.rule, f.category), ("XA000", entry.category));
    assert_eq!(param(f, "device"), Some("xvdb"));
    assert!(f.cause.contains(entry.meaning) && f.cause.contains("XenCenter's wording"), "{}", f.cause);

    // The code named on the line is read as it is: no word of XenCenter.
    let d = text("HANDLE_INVALID: Object has been deleted.VDI:OpaqueRef:1\n");
    let f = finding_with_code(&d, "HANDLE_INVALID").expect("the code");
    assert!(!f.cause.contains("XenCenter"), "{}", f.cause);
    // Half of a text, or a text inside a longer sentence, is not XenCenter's wording.
    for near in ["The device xvdb is already attached", "Note: the device xvdb is already attached to a VM"] {
        assert!(finding_with_code(&text(near), "DEVICE_ALREADY_ATTACHED").is_none(), "{near}");
    }
}

#[test]
fn free_text_with_quote_prefix_and_stack_trace() {
    let pasted = "Hi, my backup fails every night with this:\n\
                  > XapiError: SR_BACKEND_FAILURE_44(, There is insufficient space, )\n\
                  >     at Function.wrap (/usr/local/lib/node_modules/xo-server/node_modules/xen-api/_XapiError.mjs:16:12)\n\
                  >     at Xapi._call (/usr/local/lib/node_modules/xo-server/node_modules/xen-api/index.mjs:934:15)\n\
                  Any idea? The SR is 60% full.";
    let d = text(pasted);
    assert_eq!(d.kind, InputKind::Text);
    let f = first(&d);
    assert_eq!(f.rule, "SR044");
    assert_eq!(param(f, "reason"), Some("There is insufficient space"));
    assert_eq!(f.evidence[0].line, Some(2));
}

#[test]
fn code_dash_description() {
    let d = text("Snapshot of web-01 failed: SR_BACKEND_FAILURE_109 - The snapshot chain is too long");
    let f = first(&d);
    assert_eq!(f.rule, "SR109");
    assert_eq!(param(f, "reason"), Some("The snapshot chain is too long"));
    assert_eq!(f.confidence, xapi_doctor::Confidence::Medium);
}

#[test]
fn java_binding_glues_the_code_to_its_parameters() {
    // com.xensource.xenapi.Types.XenAPIException.toString joins the elements with no separator.
    let d = text("BackupSnapshot Failed due to SR_BACKEND_FAILURE_73NFS mount error [opterr=mount failed with return code 32]");
    let f = first(&d);
    assert_eq!(f.codes, vec!["SR_BACKEND_FAILURE_73"]);
    assert_eq!(param(f, "reason"), Some("NFS mount error [opterr=mount failed with return code 32]"));
    let d = text("Migration failed due to VDI_IO_ERRORDevice I/O errors");
    assert!(d.findings.iter().any(|f| f.codes == vec!["VDI_IO_ERROR"]), "{:?}", d.findings);
    let d = text("create StoragePool failed due to SR_BACKEND_FAILURE_44There is insufficient space");
    assert_eq!(first(&d).codes, vec!["SR_BACKEND_FAILURE_44"]);
    // A longer word that only starts like a code is not one.
    for line in ["HANDLE_INVALIDATED by the cache", "VDI_IO_ERRORS were counted", "SR_BACKEND_FAILURE_4x", "HOST_IS_SLAVEs"] {
        assert!(text(line).findings.iter().all(|f| f.codes.is_empty()), "{line}: {:?}", text(line).findings);
    }
}

#[test]
fn python_list_repr_in_a_line() {
    let line = "leaf-coalesce: EXCEPTION <class 'XenAPI.Failure'>, ['SR_BACKEND_FAILURE_44', '', 'There is insufficient space', '']";
    assert_sr44(&text(line), InputKind::XapiError);
}

#[test]
fn both_licence_spellings() {
    for input in ["LICENCE_RESTRICTION(PCI_device_for_auto_update)", "LICENSE_RESTRICTION(PCI_device_for_auto_update)", r#"["LICENSE_RESTRICTION", "PCI_device_for_auto_update"]"#] {
        let d = text_with(input, r#"{"context":{"vmUuid":"8ebe6c89-003a-6e25-eb10-3d791ca3c3ae"}}"#);
        let f = first(&d);
        assert_eq!(f.rule, "XA007", "{input}");
        // The wire spelling first; the docs' spelling too when that is what the input said.
        if input.contains("LICENSE") {
            assert_eq!(f.codes, vec!["LICENCE_RESTRICTION", "LICENSE_RESTRICTION"]);
        } else {
            assert_eq!(f.codes, vec!["LICENCE_RESTRICTION"]);
        }
        assert_eq!(param(f, "feature"), Some("PCI_device_for_auto_update"));
        let cmd = f.remediation[0].command.as_deref().expect("a command");
        assert_eq!(cmd, "xe vm-param-set has-vendor-device=false uuid=8ebe6c89-003a-6e25-eb10-3d791ca3c3ae");
    }
}

#[test]
fn xo_messages_without_code() {
    let cases = [
        ("unhealthy VDI chain", "XO001", InputKind::XoError),
        ("Job canceled to protect the VDI chain", "XO001", InputKind::XoError),
        ("no VMs match this pattern", "XO002", InputKind::XoError),
        ("Could not find the base VM", "XO003", InputKind::XoError),
        ("ENOSPC: no space left on device, write", "XO004", InputKind::XoError),
        ("Parse Error", "XO005", InputKind::XoError),
    ];
    for (input, rule, kind) in cases {
        let d = text(input);
        assert_eq!(d.kind, kind, "{input}");
        assert_eq!(first(&d).rule, rule, "{input}");
    }
}

#[test]
fn xo_backup_log_ties_findings_to_vm_and_job() {
    let log = include_str!("fixtures/xo-backup-log.json");
    let d = text(log);
    assert_eq!(d.kind, InputKind::XoLog);
    let rules: Vec<&str> = d.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, vec!["XA006", "XO001"], "the I/O error (error) ranks before the skip (warning)");
    let io = &d.findings[0];
    assert_eq!(io.subject.vm_name.as_deref(), Some("files-01"));
    assert_eq!(io.subject.vm_uuid.as_deref(), Some("c98a232f-b339-0334-b946-23244d0a4b7b"));
    assert_eq!(io.subject.job_name.as_deref(), Some("Nightly delta"));
    assert_eq!(io.subject.job_id.as_deref(), Some("6b1c2d3e-1111-4a5b-9c8d-0123456789ab"));
    assert_eq!(io.subject.task.as_deref(), Some("transfer"), "reported at the deepest task, once");
    assert_eq!(io.params.get("param1"), Some("Device I/O errors"));
    let skip = &d.findings[1];
    assert_eq!(skip.subject.vm_name.as_deref(), Some("db-01"));
    assert_eq!(skip.subject.task_status.as_deref(), Some("skipped"));
    // The same log as a JavaScript object (JSON that must parse).
    let again = diagnose_json(log, &Options::default()).expect("valid JSON");
    assert_eq!(again.findings, d.findings);
}

#[test]
fn unknown_sr_codes_still_decode() {
    let d = text("SR_BACKEND_FAILURE_5008(, Symlink already exists, )");
    let f = first(&d);
    assert_eq!(f.rule, "SR000");
    assert!(f.title.contains("LargeBlockSymlinkExist"), "{}", f.title);
    assert!(f.cause.contains("only in XCP-ng"));
    let d = text("SR_BACKEND_FAILURE_31337(, vendor says no, )");
    assert!(first(&d).summary.contains("31337"));
}

#[test]
fn reused_values_are_explained() {
    let d = text(r#"["SR_BACKEND_FAILURE_457", "", "Not enough space to enable LVHD thin provisioning.", ""]"#);
    let f = first(&d);
    assert!(f.title.contains("SRInsufficientSpace"), "{}", f.title);
    assert!(f.cause.contains("CBTActivateFailed"), "{}", f.cause);
    let d = text(r#"["SR_BACKEND_FAILURE_457", "", "Unable to activate changed block tracking.", ""]"#);
    assert!(first(&d).title.contains("CBTActivateFailed"));
}

#[test]
fn every_sr_code_decodes_with_its_name() {
    for code in xapi_doctor::catalog::sr_error_codes() {
        let input = format!("SR_BACKEND_FAILURE_{}(, {}, )", code.value, code.description);
        let d = text(&input);
        let f = first(&d);
        assert!(f.codes.contains(&format!("SR_BACKEND_FAILURE_{}", code.value)), "{input}");
        if f.rule == "SR000" {
            assert!(f.title.contains(code.name), "{} not in {}", code.name, f.title);
        } else {
            // A rule or signature of its own still names the code as the catalogue does.
            assert!(f.params.get("srErrorName").is_some_and(|n| !n.is_empty()), "{input}: {} has no srErrorName", f.rule);
        }
    }
}

#[test]
fn every_xapi_code_shows_named_params() {
    for e in xapi_doctor::catalog::api_errors() {
        let mut items = vec![serde_json::Value::String(e.code.to_string())];
        items.extend(e.params.iter().enumerate().map(|(i, _)| serde_json::Value::String(format!("value{i}"))));
        let d = text(&serde_json::Value::Array(items).to_string());
        let f = first(&d);
        assert_eq!(f.codes, vec![e.code.to_string()]);
        for (i, name) in e.params.iter().enumerate() {
            assert_eq!(f.params.get(name), Some(format!("value{i}").as_str()), "{} {name}", e.code);
        }
    }
}

#[test]
fn options_context_fills_commands() {
    let d = text_with(
        "SR_BACKEND_FAILURE_109(, The snapshot chain is too long, )",
        r#"{"context":{"vmUuid":"8ebe6c89-003a-6e25-eb10-3d791ca3c3ae","srUuid":"5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21","vmName":"web-01"}}"#,
    );
    let f = first(&d);
    let commands: Vec<&str> = f.remediation.iter().filter_map(|s| s.command.as_deref()).collect();
    assert!(commands.contains(&"xe sr-scan uuid=5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21"), "{commands:?}");
    assert!(f.summary.contains("web-01"));
    assert_eq!(f.subject.vm_uuid.as_deref(), Some("8ebe6c89-003a-6e25-eb10-3d791ca3c3ae"));
    // Without the context, clear placeholders.
    let d = text("SR_BACKEND_FAILURE_109(, The snapshot chain is too long, )");
    assert!(first(&d).remediation.iter().any(|s| s.command.as_deref() == Some("xe sr-scan uuid=<sr-uuid>")));
}

#[test]
fn thick_versus_thin_advice_follows_the_sr_type() {
    let thick = text_with("SR_BACKEND_FAILURE_44(, There is insufficient space, )", r#"{"context":{"srType":"lvmoiscsi"}}"#);
    let thin = text_with("SR_BACKEND_FAILURE_44(, There is insufficient space, )", r#"{"context":{"srType":"nfs"}}"#);
    let all = |d: &xapi_doctor::Diagnosis| d.findings[0].remediation.iter().map(|s| s.text.clone()).collect::<Vec<_>>().join("\n");
    assert!(all(&thick).contains("On this thick SR"));
    assert!(!all(&thin).contains("thick"), "{}", all(&thin));
    assert!(thin.findings[0].cause.contains("genuinely full"));
    // The hotfix only for 6.1.
    let on61 = text_with("SR_BACKEND_FAILURE_44(, There is insufficient space, )", r#"{"context":{"hostVersion":"6.1.0"}}"#);
    assert!(all(&on61).contains("XS61E015"));
    assert!(!all(&thick).contains("XS61E015"));
}

#[test]
fn wrapped_storage_error_gets_its_own_diagnosis() {
    let d = text(r#"["INTERNAL_ERROR", "Storage_error ([S(Backend_error);[S(SR_BACKEND_FAILURE_46);[S();S(The VDI is not available);S()]]])"]"#);
    let rules: Vec<&str> = d.findings.iter().map(|f| f.rule).collect();
    assert!(rules.contains(&"XA019") && rules.contains(&"SR046"), "{rules:?}");
}

#[test]
fn repeated_error_is_one_finding_with_all_evidence() {
    let pasted = "SR_BACKEND_FAILURE_44(, There is insufficient space, )\nretrying...\nSR_BACKEND_FAILURE_44(, There is insufficient space, )";
    let d = text(pasted);
    assert_eq!(d.findings.len(), 1);
    let lines: Vec<Option<u32>> = d.findings[0].evidence.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![Some(1), Some(3)]);
}

#[test]
fn bad_input_is_an_error_or_an_empty_result() {
    let o = Options::default();
    assert_eq!(diagnose_text("", &o).unwrap().kind, InputKind::Empty);
    assert_eq!(diagnose_text("   \n\t ", &o).unwrap().kind, InputKind::Empty);
    assert!(diagnose_text("hello world", &o).unwrap().findings.is_empty());
    assert!(diagnose_text("{not json", &o).unwrap().findings.is_empty());
    let err = diagnose_json("{not json", &o).unwrap_err();
    assert_eq!(err.code(), "INVALID_JSON");
    let deep = "[".repeat(1_000_000);
    assert_eq!(diagnose_json(&deep, &o).unwrap_err().code(), "INVALID_JSON");
    assert!(diagnose_text(&deep, &o).unwrap().findings.is_empty());
    let big = "x".repeat(10 * 1024 * 1024);
    assert!(diagnose_text(&big, &o).unwrap().findings.is_empty());
    let limited = Options { max_input_bytes: Some(10), ..Options::default() };
    assert_eq!(diagnose_text("SR_BACKEND_FAILURE_44", &limited).unwrap_err().code(), "INPUT_TOO_LARGE");
    let garbage: Vec<u8> = (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    assert!(xapi_doctor::diagnose_bytes(&garbage, &o).is_ok());
    assert_eq!(Options::from_json(r#"{"context": 5}"#).unwrap_err().code(), "INVALID_OPTIONS");
}

#[test]
fn xapi_own_bracket_form_in_logs() {
    // xapi and xenopsd print a Server_error as `CODE: [ p1; p2 ]` or `CODE [ p1; p2 ]`.
    let o = Options::default();
    let d = diagnose_text("hook failed: INTERNAL_ERROR: [ Subprocess exited with code 1; stdout = [  ]; stderr = [ KeyError: 'x' ] ]", &o).unwrap();
    let f = first(&d);
    assert_eq!(f.rule, "XA019");
    assert_eq!(param(f, "message"), Some("Subprocess exited with code 1; stdout = [  ]; stderr = [ KeyError: 'x' ]"));
    let d = diagnose_text("xenopsd: VM_REQUIRES_SR [ OpaqueRef:1; OpaqueRef:2 ]", &o).unwrap();
    assert_eq!(first(&d).codes, vec!["VM_REQUIRES_SR".to_string()]);
    assert_eq!(param(first(&d), "sr"), Some("OpaqueRef:2"));
    // Cut off mid-way: what is there is still read.
    let d = diagnose_text("VDI_IO_ERROR: [ Device I/O errors", &o).unwrap();
    assert_eq!(first(&d).codes, vec!["VDI_IO_ERROR".to_string()]);
}

#[test]
fn options_are_read_field_by_field() {
    let o = Options::from_json(r#"{"context": {"vmUuid": "u", "srType": null, "other": 1}, "maxFindings": 3, "unknown": [1]}"#).unwrap();
    assert_eq!(o.context.vm_uuid.as_deref(), Some("u"));
    assert_eq!(o.context.sr_type, None);
    assert_eq!(o.max_findings(), 3);
    assert_eq!(Options::from_json(r#"{"context": null}"#).unwrap(), Options::default());
    for (bad, says) in [
        (r#"{"context": {"vmUuid": 5}}"#, "`context.vmUuid` must be a string; it is a number"),
        (r#"{"context": "vm"}"#, "`context` must be an object; it is a string"),
        ("[1, 2]", "options must be an object; they are an array"),
        ("5", "options must be an object; they are a number"),
        (r#"{"context": "#, "EOF"),
    ] {
        let err = Options::from_json(bad).unwrap_err();
        assert_eq!(err.code(), "INVALID_OPTIONS", "{bad}");
        assert!(err.to_string().contains(says), "{bad}: {err}");
    }
    // Rust callers can still deserialise them (through the same reading).
    let o: Options = serde_json::from_str(r#"{"maxLineBytes": 10, "context": {"product": "XCP-ng"}}"#).unwrap();
    assert_eq!((o.max_line_bytes(), o.context.product.as_deref()), (10, Some("XCP-ng")));
}

#[test]
fn enums_are_written_as_their_public_names() {
    use xapi_doctor::{Category, Severity};
    let names: Vec<String> = Category::ALL.iter().map(|c| serde_json::to_string(c).unwrap()).collect();
    assert_eq!(names[0], "\"insufficient_space\"");
    assert_eq!(names[3], "\"vdi_in_use\"");
    assert_eq!(names[18], "\"other\"");
    assert_eq!(serde_json::to_string(&Severity::ALL).unwrap(), r#"["critical","error","warning","info"]"#);
    assert_eq!(serde_json::to_string(&InputKind::XoLog).unwrap(), "\"xo_log\"");
}

#[test]
fn the_failed_call_of_an_xo_server_log_line_is_read() {
    let d = xapi_doctor::diagnose_text(
        "xo:api admin | VM.pool_migrate(...) [20ms] =!> XapiError: VM_REQUIRES_SR(OpaqueRef:49, OpaqueRef:2a)",
        &xapi_doctor::Options::default(),
    )
    .expect("diagnose");
    let f = d.findings.iter().find(|f| f.codes.contains(&"VM_REQUIRES_SR".to_string())).expect("a finding");
    // The call makes it a migration: a placement problem, not an SR that went away.
    assert_eq!(f.category, xapi_doctor::Category::Configuration, "{}", f.title);
    // A line without a call, or with non-ASCII text before the arrow, is read without one.
    for line in ["=!> XapiError: VM_REQUIRES_SR(OpaqueRef:49, OpaqueRef:2a)", "é(…) ééé=!> VM_REQUIRES_SR(a, b)"] {
        xapi_doctor::diagnose_text(line, &xapi_doctor::Options::default()).expect("diagnose");
    }
}

#[test]
fn opterr_keeps_the_brackets_of_its_own_list() {
    let d = text("SR_BACKEND_FAILURE_46(, The VDI is not available [opterr=['XENAPI_PLUGIN_FAILURE', 'map', 'CommandException', 'Operation not permitted']], )");
    // The storage error's own finding (a signature about the plugin's map failure ranks first).
    let f = finding_with_code(&d, "SR_BACKEND_FAILURE_46").expect("the storage error's finding");
    assert_eq!(param(f, "opterr"), Some("['XENAPI_PLUGIN_FAILURE', 'map', 'CommandException', 'Operation not permitted']"));
    let d = text("SR_BACKEND_FAILURE_46(, The VDI is not available [opterr=VDI 8341e744 locked], )");
    assert_eq!(param(first(&d), "opterr"), Some("VDI 8341e744 locked"));
}

#[test]
fn one_parameter_by_name_is_what_the_named_parameters_give() {
    use xapi_doctor::input::{Shape, XapiError};
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut errors = vec![
        XapiError::new("VDI_IN_USE", strings(&["OpaqueRef:1", "snapshot"]), Shape::Array),
        XapiError::new("SR_BACKEND_FAILURE_47", strings(&["", "The SR is not available [opterr=no such volume group]", ""]), Shape::Array),
        XapiError::new("HANDLE_INVALID", strings(&["VM", "OpaqueRef:2", "extra one", "extra two"]), Shape::Array),
        XapiError::new("NOT_A_KNOWN_CODE", strings(&["a", "b"]), Shape::Array),
    ];
    errors[0].extra.insert("operation", "clone");
    for e in &errors {
        let all = e.named_params();
        for (name, value) in &all.0 {
            assert_eq!(e.param(name), Some(value.as_ref()), "{} {name}", e.code);
        }
        assert_eq!(e.param("no-such-name"), None);
        assert_eq!(e.param("param0"), None);
    }
}

/// A failed task's `result` whose message names a XAPI code but has no `code` field: the words
/// around the code are read too (the storage manager's text of an `xe` paste, the call an
/// `INTERNAL_ERROR` failed in), as they are when the message is pasted as text. A message that
/// only names the code gets the code's reading, nothing more.
#[test]
fn backup_log_message_with_a_code_is_read_whole() {
    let log = |message: &str| {
        serde_json::json!({
            "message": "backup", "jobId": "j", "status": "failure",
            "tasks": [{ "message": "backup VM", "status": "failure", "data": { "type": "VM", "id": "v" },
                "result": { "message": message, "name": "Error", "stack": format!("Error: {message}\n    at f (x.mjs:1:2)") } }]
        })
        .to_string()
    };
    let rules = |json: &str| diagnose_text(json, &Options::default()).unwrap().findings.iter().map(|f| f.rule).collect::<Vec<_>>();
    // The known bug needs its method, on the message's second line.
    let bug = log("INTERNAL_ERROR(Failure(\"Expected string, got 'N'\"))\n  call: { duration: 4, method: 'VTPM.get_contents', params: [ '* session id *', null ] }");
    assert!(rules(&bug).contains(&"KI403"), "{:?}", rules(&bug));
    // The storage manager's text beside the code of an `xe` paste.
    let xe = log("Error code: SR_BACKEND_FAILURE_107\nError parameters: , The SCSIid parameter is missing or incorrect");
    assert!(rules(&xe).contains(&"XA110"), "{:?}", rules(&xe));
    // Without the method the known bug stays quiet.
    let other = log("INTERNAL_ERROR(Failure(\"Expected string, got 'N'\"))");
    assert!(!rules(&other).contains(&"KI403"), "{:?}", rules(&other));
}

/// A literal written with the program's ASCII quotes is found when the text has them escaped
/// (a JSON string read as text: a backup log cut off by the post) or typographic (GNU tools in
/// a UTF-8 locale, a forum editor's "smart" quotes); not when the quotes are missing.
#[test]
fn quotes_escaped_or_typographic_still_match() {
    let rules = |t: &str| text(t).findings.iter().map(|f| f.rule).collect::<Vec<_>>();
    let message = r#"The VDI 38dd4f0e-6d0e-46e1-bb1a-980ec3d3efd2 has OpaqueRef:3664c45a-2943-52b6-529b-693e8275130b as its "snapshot_of" value, changing to null."#;
    assert!(rules(message).contains(&"HL116"));
    let cut_log = format!("{{\n  \"tasks\": [\n    {{\n      \"result\": {{\n        \"message\": {}", serde_json::to_string(message).unwrap());
    assert!(rules(&cut_log).contains(&"HL116"), "{cut_log}: {:?}", rules(&cut_log));
    let smart = message.replacen('"', "\u{201c}", 1).replacen('"', "\u{201d}", 1);
    assert!(rules(&smart).contains(&"HL116"), "{smart}: {:?}", rules(&smart));
    let bare = message.replace('"', "");
    assert!(!rules(&bare).contains(&"HL116"), "{bare}: {:?}", rules(&bare));
}

/// XenCenter's log (`XenCenter.log`) writes its text of an error behind log4net's prefix: the
/// code is read from the message as from a bare line; a line without the prefix's thread is not
/// taken for one.
#[test]
fn xencenter_log_line_names_its_code() {
    let d = text("2021-03-24 19:11:03,414 ERROR XenAdmin.Actions.AsyncAction [193] - The specified storage repository has insufficient space");
    assert!(d.findings.iter().any(|f| f.rule == "SR044"), "{:?}", d.findings.iter().map(|f| f.rule).collect::<Vec<_>>());
    let d = text("2021-03-24 19:11:03,414 ERROR XenAdmin.Actions.AsyncAction - The device xvdb is already attached to a VM");
    assert!(!d.findings.iter().any(|f| f.codes.iter().any(|c| c == "DEVICE_ALREADY_ATTACHED")), "{:?}", d.findings.iter().map(|f| f.rule).collect::<Vec<_>>());
}

/// A long line that a terminal (or a mail client) broke at 80 columns is read whole again: the
/// anchor of KI072 (`Qcow_stream_tool.Impl.read_headers`) is cut by the wrap. The same text with
/// the cut line followed by a new log line is not joined.
#[test]
fn lines_wrapped_at_80_columns_are_read_whole() {
    let rules = |t: &str| text(t).findings.iter().map(|f| f.rule).collect::<Vec<_>>();
    let message = "qcow-stream-tool: internal error, uncaught exception:\n    Stack overflow\n    Raised by primitive operation at Dune__exe__Qcow_stream_tool.Impl.read_headers.(fun) in file \"ocaml/qcow-stream-tool/qcow_stream_tool.ml\", line 23, characters 12-24";
    let wrapped: Vec<String> = message
        .lines()
        .flat_map(|l| {
            let chars: Vec<char> = l.chars().collect();
            chars.chunks(80).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>()
        })
        .collect();
    let wrapped = wrapped.join("\n");
    assert!(wrapped.contains("read_heade\nrs"), "{wrapped}");
    assert!(rules(message).contains(&"KI072"));
    let d = text(&wrapped);
    let ki072 = d.findings.iter().find(|f| f.rule == "KI072");
    assert!(ki072.is_some(), "{wrapped}: {:?}", rules(&wrapped));
    // The evidence is the whole line, at the line where it starts.
    assert!(ki072.is_some_and(|f| f.evidence.iter().any(|e| e.text.contains("read_headers") && e.line == Some(3))), "{:?}", ki072.map(|f| &f.evidence));
    let not_cut = wrapped.replace("read_heade\nrs", "read_heade\n2026-12-06T01:02:03Z rs");
    assert!(!rules(&not_cut).contains(&"KI072"), "{not_cut}: {:?}", rules(&not_cut));
}

/// An error's official text quoted whole after a colon (a backup report's `- **Error**: `, a
/// syslog prefix) is read for its code when an older xapi wrote it with two spaces after a full
/// stop, as it is on a line of its own.
#[test]
fn quoted_official_text_with_two_spaces_names_its_code() {
    let doc = "The requested update could not be found.  This can occur when you designate a new master or xe patch-clean.  Please upload the update again";
    let codes = |t: &str| text(t).findings.iter().flat_map(|f| f.codes.clone()).collect::<Vec<_>>();
    assert!(codes(doc).contains(&"CANNOT_FIND_PATCH".to_string()), "{:?}", codes(doc));
    for quoted in [format!("- **Error**: {doc}"), format!("Dec  6 01:02:03 host1 backup[1234]: {doc}")] {
        assert!(codes(&quoted).contains(&"CANNOT_FIND_PATCH".to_string()), "{quoted}: {:?}", codes(&quoted));
    }
    let cut = "- **Error**: The requested update could not be found.  This can occur when you designate a new master";
    assert!(!codes(cut).contains(&"CANNOT_FIND_PATCH".to_string()), "{:?}", codes(cut));
}

/// `xe`'s doc line of an error with its apostrophe made typographic (a forum editor's) still
/// names the error's code, as with the ASCII one xapi writes.
#[test]
fn xe_doc_line_with_typographic_quotes_names_its_code() {
    let xe = "You attempted an operation on a VM that was not in an appropriate power state at the time; for example, you attempted to start a VM that was already running.  The parameters returned are the VM's handle, and the expected and actual VM state at the time of the call.\nvm: 0a1b2c3d-aaaa-4bbb-8ccc-0123456789ab (web-01)\nexpected: running\nactual: halted";
    let codes = |t: &str| text(t).findings.iter().flat_map(|f| f.codes.clone()).collect::<Vec<_>>();
    assert!(codes(xe).contains(&"VM_BAD_POWER_STATE".to_string()), "{:?}", codes(xe));
    let smart = xe.replace('\'', "\u{2019}");
    assert!(codes(&smart).contains(&"VM_BAD_POWER_STATE".to_string()), "{smart}: {:?}", codes(&smart));
}

/// `grep` over SMlog and its rotation, saved to a file and streamed: the scanner takes the file
/// names (and `grep -n`'s numbers) off each line, whatever the chunks, and reports what it reports
/// for the log itself (src/input/line_prefixes.rs).
#[test]
fn a_grepped_smlog_streams_like_the_log() {
    let rule_ids = |report: xapi_doctor::SmlogReport| report.findings.iter().map(|f| f.rule.to_string()).collect::<Vec<_>>();
    let scan = |input: &str, chunk: usize| {
        let mut scanner = xapi_doctor::SmlogScanner::new(Options::default());
        for piece in input.as_bytes().chunks(chunk) {
            scanner.push(piece).expect("no limit");
        }
        rule_ids(scanner.finish().expect("report"))
    };
    let mut compared = 0;
    for rule in xapi_doctor::list_rules().iter().filter(|r| r.id.starts_with("SM") && r.example.lines().count() > 1) {
        let plain = scan(rule.example, 4096);
        if plain.is_empty() {
            continue;
        }
        let half = rule.example.lines().count() / 2;
        let grepped: String = rule.example.lines().enumerate().map(|(i, l)| format!("/var/log/SMlog{}:{l}\n", if i < half { ".1" } else { "" })).collect();
        let numbered: String = rule.example.lines().enumerate().map(|(i, l)| format!("{}:{l}\n", 101 + i)).collect();
        for chunk in [5, 61, 4096] {
            assert_eq!(scan(&grepped, chunk), plain, "{} grepped, chunks of {chunk}", rule.id);
            assert_eq!(scan(&numbered, chunk), plain, "{} numbered, chunks of {chunk}", rule.id);
        }
        assert_eq!(diagnose_text(&grepped, &Options::default()).expect("diagnosis").kind, InputKind::Smlog, "{}", rule.id);
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} SMlog rule examples compared");
}
