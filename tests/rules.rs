//! Every rule fires on its documented example and on more realistic positives, and stays quiet
//! on near misses (at least one negative fixture per rule of the XAPI / XO / SR families; the
//! SMlog and chain families test theirs next to their analysers).

mod common;
use common::{rules_of, run_example, text, text_with};

#[test]
fn every_rule_fires_on_its_example() {
    for rule in xapi_doctor::list_rules() {
        let d = run_example(rule.example);
        assert!(
            rules_of(&d).contains(&rule.id),
            "rule {} does not fire on its own example; got {:?}",
            rule.id,
            rules_of(&d)
        );
    }
}

/// Rule examples whose top finding is rightly another rule's: (rule, the rule on top, why). Any
/// other example whose top finding is not its own rule fails: a new signature or rule that takes
/// the top place of an existing example must be looked at (a root cause outranking a symptom is
/// right; a generic reading outranking a specific one is not).
const EXAMPLES_WITH_ANOTHER_RULE_ON_TOP: &[(&str, &str, &str)] = &[
    ("HV061", "SR109", "a note on an old host's chain limit beside the chain error it concerns"),
    ("XO020", "XO017", "a note on an old Xen Orchestra, beside the failure it saw"),
    ("XA019", "SR046", "the internal error carries the SR error that explains it"),
    ("SM007", "SM001", "the repeated failure's summary sits below the failure that shows the error"),
    ("KI828", "SM001", "an old storage manager's known retry loop, noted beside the abandoned coalesce it logs"),
    ("KI002", "KI315", "the example is the known bug's call"),
    ("XB108", "XO006", "a warning beside the error it explains"),
    ("HL971", "HL004", "the same I/O error, the kernel's own lines"),
    ("BF308", "RM009", "a warning beside the remote's failure"),
    ("HL306", "XA019", "the plugin's log beside the internal error it caused"),
    ("XA723", "XA803", "CloudStack's wrapper (a symptom) around the unknown driver"),
    ("KI707", "XB906", "a warning beside the error"),
    ("KI718", "XA017", "a warning beside the error"),
    ("HL941", "HL004", "the same I/O error, the kernel's own lines"),
    ("HL942", "HL941", "a warning beside the failed command"),
    ("HL615", "KI410", "without the xo-server version the known bug that produced the call comes first"),
    ("HL621", "XA019", "the remote end's failure (a symptom) inside the internal error"),
    ("SG605", "SM023", "a warning beside the failed call"),
    ("BF904", "CD001", "a warning beside the error"),
    ("BF905", "CD001", "a warning beside the error"),
    ("XB971", "KI006", "a warning beside the programming error"),
    ("XB972", "NW001", "a warning beside the network failure"),
    ("KI822", "XA887", "a warning beside the connection's failure (the bug needs a 12-hour idle connection)"),
    ("SG725", "SM019", "a warning beside the failed command"),
    ("HL624", "SG724", "the busy map, read in LVM's words"),
    ("HL626", "HL004", "the same I/O error, the kernel's own lines"),
    ("CH002", "CH001", "a warning beside the chain finding"),
    ("XO016", "KI628", "without the xo-server version the known bug of 5.95.1 to 5.97 (dom0's VBD counted) comes first"),
    ("KI208", "XA831", "the reserved bridge name first: imports by URL still refuse it on current releases, the 1.32 fix covers streamed imports"),
];

#[test]
fn every_rule_example_has_its_own_rule_on_top_or_a_reason() {
    let mut unexpected = Vec::new();
    for rule in xapi_doctor::list_rules() {
        let d = run_example(rule.example);
        let top = d.findings.first().map(|f| f.rule).unwrap_or("(none)");
        let pinned = EXAMPLES_WITH_ANOTHER_RULE_ON_TOP.iter().find(|(id, _, _)| *id == rule.id);
        match pinned {
            None if top != rule.id => unexpected.push(format!("{} -> {top}", rule.id)),
            Some((_, on_top, _)) if top != *on_top => unexpected.push(format!("{} -> {top} (pinned: {on_top})", rule.id)),
            _ => {}
        }
    }
    assert!(unexpected.is_empty(), "examples whose top finding changed: {unexpected:?}");
}

/// More positives, as users meet them: (rule, input, options).
const POSITIVES: &[(&str, &str, &str)] = &[
    ("SR044", "Error code: SR_BACKEND_FAILURE_44\nError parameters: , There is insufficient space, ", ""),
    ("SR044", r#"{"Status":"Failure","ErrorDescription":["SR_BACKEND_FAILURE_44","","There is insufficient space",""]}"#, ""),
    ("SR044", r#"["SR_SOURCE_SPACE_INSUFFICIENT", "OpaqueRef:11111111-2222-4333-8444-555555555555"]"#, ""),
    ("SR044", "> Snapshot failed: There is insufficient space", ""),
    ("SR081", "SR_BACKEND_FAILURE_81(, Failed to clone VDI [opterr=Command ['/usr/bin/vhd-util', 'snapshot'] failed], )", ""),
    ("SP003", "Size:\t1,8 TB used of 1,8 TB total (2,4 TB allocated)", ""),
    ("SP003", "Local storage on host2\t99% (1.1 TB used) used of 1.1 TB total (1.6 TB allocated)", ""),
    ("SP003", "Size: 49.2 GB used of 49.9 GB total (40 GB allocated)", ""),
    ("SR109", r#"{"jsonrpc":"2.0","error":{"code":1,"message":"SR_BACKEND_FAILURE_109","data":["","The snapshot chain is too long",""]},"id":0}"#, ""),
    ("SR109", "Jan 14 02:00:02 xcp-host1 SM: [14502] Raising exception [109, The snapshot chain is too long]", ""),
    ("XO001", "(unhealthy VDI chain) Job canceled to protect the VDI chain. See https://docs.xen-orchestra.com/backup_troubleshooting#vdi-chain-protection", ""),
    ("HV061", "SR_BACKEND_FAILURE_44(, There is insufficient space, )", r#"{"context":{"hostVersion":"6.1.0","product":"XenServer"}}"#),
    ("KI925", "server.getAll\n{}\n{\n  \"message\": \"not authenticated or not enough permissions\",", r#"{"context":{"xoServerVersion":"5.33.9"}}"#),
    ("KI925", "server.getAll\n{}\n{\n  \"message\": \"not authenticated or not enough permissions\",", ""),
    ("XO020", "Error: all targets have failed, step: writer.beforeBackup()", r#"{"context":{"xoServerVersion":"5.100.0"}}"#),
    ("XO020", "xo-server: v5.90.1\nError: ENOSPC: no space left on device, write", ""),
    ("SR082", r#"{"result":null,"error":["SR_BACKEND_FAILURE_82","","Failed to snapshot VDI [opterr=failed to pause VDI]",""],"id":3}"#, ""),
    ("XA009", "SR_OPERATION_NOT_SUPPORTED(OpaqueRef:4c5f6b8e-2d1a-4f3b-9e7c-1a2b3c4d5e6f)", ""),
    ("XA010", "VM_SNAPSHOT_WITH_QUIESCE_FAILED(OpaqueRef:9b1d2c3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e)", ""),
    ("SR046", "SR_BACKEND_FAILURE_46(, The VDI is not available [opterr=Command ['/sbin/lvchange', '-ay'] failed (5): Input/output error], )", ""),
    ("SR047", "SR_BACKEND_FAILURE_47(, The SR is not available, )", ""),
    ("SR073", r#"["SR_BACKEND_FAILURE_68", "", "ISCSI login failed - check access settings for the initiator on the storage, if CHAP is used verify CHAP credentials", ""]"#, ""),
    ("SR453", "SR_BACKEND_FAILURE_445(, The tapdisk is already running, )", ""),
    ("XA011", r#"["SR_UNHEALTHY", "OpaqueRef:3f8e1a2b-5c6d-4e7f-8a9b-0c1d2e3f4a5b", "unreachable", "try reboot"]"#, ""),
    ("XA001", r#"["VDI_IN_USE"]"#, ""),
    ("XA001", "XapiError: VDI_IN_USE(OpaqueRef:8c7f2d1e-3b4a-4c5d-9e6f-7a8b9c0d1e2f, destroy)\n    at XapiError.wrap (/usr/local/lib/node_modules/xo-server/node_modules/xen-api/_XapiError.mjs:16:12)", ""),
    ("XA002", r#"{"code":"OTHER_OPERATION_IN_PROGRESS","params":["VM","OpaqueRef:5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d","snapshot"],"name":"XapiError","message":"OTHER_OPERATION_IN_PROGRESS(VM, OpaqueRef:5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d, snapshot)"}"#, ""),
    ("XA003", "HANDLE_INVALID(VDI, OpaqueRef:2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e)", ""),
    ("XA004", "TOO_MANY_PENDING_TASKS()", ""),
    ("XA005", "VM_BAD_POWER_STATE(OpaqueRef:7e6d5c4b-3a29-4187-9f6e-5d4c3b2a1908, halted, running)", ""),
    ("XA006", r#"{"uuid":"c8b187f9-d29f-13ad-1734-0b5f9d6d61c0","name_label":"[XO] Exporting content of VDI  files-01 0 as vhd stream","status":"failure","error_info":["VDI_IO_ERROR","Device I/O errors"]}"#, ""),
    ("XA007", "LICENSE_RESTRICTION(PCI_device_for_auto_update)", ""),
    ("XA007", r#"["LICENCE_RESTRICTION", "VSS"]"#, ""),
    ("XA008", "VM_MISSING_PV_DRIVERS(OpaqueRef:6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d)", ""),
    ("XA012", "VDI_MISSING(OpaqueRef:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d, OpaqueRef:4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a)", ""),
    ("XA013", "VDI_CBT_ENABLED(OpaqueRef:6f5e4d3c-2b1a-4098-8f7e-6d5c4b3a2f1e)", ""),
    ("XA014", "HOST_IS_SLAVE(192.0.2.10)", ""),
    ("XA015", "OPERATION_BLOCKED(OpaqueRef:3c2b1a09-8f7e-4d6c-a5b4-3c2d1e0f9a8b, snapshot)", ""),
    ("XA015", "OPERATION_NOT_ALLOWED(VBD '3f1e2d3c-aaaa-4bbb-8ccc-0123456789ab' still attached to '0a1b2c3d-aaaa-4bbb-8ccc-0123456789ab')", ""),
    ("XA016", "TASK_CANCELLED(OpaqueRef:9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d)", ""),
    ("XA017", "NO_HOSTS_AVAILABLE()", ""),
    ("XA018", "SESSION_AUTHENTICATION_FAILED()", ""),
    ("XA019", "INTERNAL_ERROR(Object with type VDI and id 1234 does not exist in the database)", ""),
    ("XO002", r#"{"message":"no VMs match this pattern","name":"XoError","code":27,"data":{"jobId":"6b1c2d3e-1111-4a5b-9c8d-0123456789ab"}}"#, ""),
    ("XO003", "Error: could not find the base VM (copy of 6e246cbf-41c4-aa5b-f12a-f9080580b4aa)", ""),
    ("XO004", r#"{"message":"ENOSPC: no space left on device, write","name":"Error","code":"ENOSPC","stack":"Error: ENOSPC: no space left on device, write"}"#, ""),
    ("XO005", "Parse Error", ""),
    // leads: Node's own ENOSPC of a write to the remote's mount stays the remote's
    ("XO004", "Error: ENOSPC: no space left on device, write '/run/xo-server/mounts/8c1e9a43/xo-vm-backups/index.json'", ""),
    // leads: the same reader cut short during a backup's export stays XO008
    ("XO008", "backup › backup VM › export › transfer\nError: stream has ended without data, was looking for 134 bytes", ""),
    // review-s: multi.mjs warns "can't connect to one nbd client" for one connection and the backup
    // goes on with the others: a later entry's export cut short, within 4 lines, stays XO008
    ("XO008", "Dec 07 01:10:02 xoa xo-server[812]: 2026-12-07T01:10:02.114Z vates:nbd-client:multi WARN can't connect to one nbd client { err: Error: connect ECONNREFUSED 192.0.2.11:10809 }\nDec 07 01:10:02 xoa xo-server[812]: 2026-12-07T01:10:02.120Z vates:nbd-client:multi WARN incomplete connection by multi Nbd, only 7 over 8 expected clients\nDec 07 01:42:51 xoa xo-server[812]: 2026-12-07T01:42:51.003Z xo:backups:worker WARN VmBackup: transfer error { err: Error: stream has ended with not enough data (actual: 1048576, expected: 2097152)", ""),
    // review-s: a host-path word inside the remote's own path does not make it the host's
    ("XO004", "Error: ENOSPC: no space left on device, open '/mnt/backup/var/log/xo-archive/20261207.json'", ""),
    // The message behind what a line puts in front of it (tests/shapes.rs).
    ("XO005", "- **Error**: Parse Error", ""),
    ("XO005", "Dec 06 01:02:03 xoa xo-server[501]: 2026-12-06T01:02:03.833Z xo:api WARN admin | backupNg.runJob(...) [1s] =!> Error: Parse Error", ""),
    ("XO005", "          \"message\": \"Parse Error\",", ""),
    ("XO006", r#"{"message":"Lock file is already being held","code":"ELOCKED","name":"Error"}"#, ""),
    ("XO007", "HTTP connection has timed out", ""),
    ("XO008", "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n\n1024 !== 0\n", ""),
    ("XO009", "the job (6b1c2d3e-1111-4a5b-9c8d-0123456789ab) is already running", ""),
    ("XO010", "no XAPI associated to 6e246cbf-41c4-aa5b-f12a-f9080580b4aa", ""),
    ("XO011", "task has been destroyed before completion", ""),
    ("XO011", "Timeout reached", ""),
    ("XO012", "Error: invalid HTTP header in response body", ""),
    ("XO013", "FATAL ERROR: CALL_AND_RETRY_LAST Allocation failed - JavaScript heap out of memory", ""),
    ("XO014", "cannot backup a VM created by this very job", ""),
    ("XO015", "cannot backup a VM currently being migrated", ""),
    ("XO016", "VM must be a snapshot", ""),
    ("XO017", "couldn't instantiate any remote", ""),
    ("XO018", "can't compute delta OpaqueRef:aa from OpaqueRef:bb, fall back to a full", ""),
    ("XO019", "Missing vdi 8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12 which is a base for a delta", ""),
    ("SR000", "SR_BACKEND_FAILURE_9999(, Some vendor failure, )", ""),
    ("SR000", "SR_BACKEND_FAILURE(exit code: 1, , Traceback (most recent call last))", ""),
    ("SR1200", "SR_BACKEND_FAILURE_202(, General backend error [opterr=Command failed], )", ""),
    ("XA000", "VM_HAS_PCI_ATTACHED(OpaqueRef:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d)", ""),
    ("XO000", r#"{"status":"failure","message":"backup VM","data":{"type":"VM","id":"c98a232f-b339-0334-b946-23244d0a4b7b","name_label":"files-01"},"start":1,"result":{"message":"something unexpected happened","name":"Error","stack":"Error: something unexpected happened"}}"#, ""),
    // leads43: a mount point under /var/run/sr-mount not created for ENOSPC is dom0's /run (a tmpfs), in the
    // storage manager's, XAPI's and coreutils' words
    ("HL740", "Dec  7 03:12:44 xcp-host1 SM: [12345] Raising exception [61, File SR creation error [opterr=fail to create mount point. Errno is 28]]", ""),
    ("HL740", "Dec  7 03:12:44 xcp-host1 xapi: [error||1234 ||backtrace] Raised Unix.Unix_error(Unix.ENOSPC, \"mkdir\", \"/run/sr-mount/7b0c2a5e-1f3d-4c8e-9a6b-2d4f6e8a0c1e\")", ""),
    ("HL740", "mkdir: cannot create directory '/run/sr-mount/7b0c2a5e-1f3d-4c8e-9a6b-2d4f6e8a0c1e': No space left on device", ""),
    ("HL740", "Dec  7 03:12:44 xcp-host1 SM: [12345] ***** generic exception: sr_attach: EXCEPTION <class 'OSError'>, [Errno 28] No space left on device: '/var/run/sr-mount/7b0c2a5e-1f3d-4c8e-9a6b-2d4f6e8a0c1e'\nDec  7 03:12:44 xcp-host1 SM: [12345]   File \"/opt/xensource/sm/util.py\", line 596, in makedirs\nDec  7 03:12:44 xcp-host1 SM: [12345]     os.mkdir(name, mode)", ""),
    // leads43: a word of tapdisk's inside a remote's path leaves Node's ENOSPC to the remote
    ("XO004", "Error: ENOSPC: no space left on device, write '/run/xo-server/mounts/4b7c/tapdisk-images/xo-vm-backups/x.vhd'", ""),
    ("XO004", "rsync: [receiver] write failed on \"/mnt/nfs/tapdisk/backup.xva\": No space left on device (28)", ""),
    // leads43: CANNOT_EVACUATE_HOST's reasons in Xen Orchestra's print are read as their codes
    ("XA015", "CANNOT_EVACUATE_HOST(OPERATION_BLOCKED,OpaqueRef:5d1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b,maintenance)", ""),
    ("XA005", "CANNOT_EVACUATE_HOST(VM_BAD_POWER_STATE,OpaqueRef:5d1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b,running,halted)", ""),
    // leads43: xo-server's start hooks without XenStore: not a backup tool missing
    ("XB994", "Dec  7 03:12:44 xo xo-server[812]: 2026-12-07T03:12:44.123Z xo:mixins:hooks WARN start failure { error: Error: spawn xenstore-read ENOENT\nDec  7 03:12:44 xo xo-server[812]:   syscall: 'spawn xenstore-read',", ""),
    // review-t: RM009's `none` (coreutils' ENOSPC) only on its anchor's line, not anywhere in the paste
    ("RM009", "Error: EACCES: permission denied, open '/run/xo-server/mounts/4b7c/xo-vm-backups/.lock'\nsome other line\nmkdir: cannot create directory '/tmp/foo': No space left on device", ""),
];

/// Near misses: (rule that must not fire, input, options).
const NEGATIVES: &[(&str, &str, &str)] = &[
    // stop 47: a current xo-server, an old one with nothing failing, an old one named only in a
    // log's cause line that is no failure
    ("XO020", "xo-server 5.207.2\nError: all targets have failed, step: writer.beforeBackup()", ""),
    ("XO020", "xo-server 5.50.0\nThe backup job finished.", ""),
    ("XO020", "Error: all targets have failed, step: writer.beforeBackup()", r#"{"context":{"xoServerVersion":"5.207.2"}}"#),
    ("SR044", "SR_BACKEND_FAILURE_109(, The snapshot chain is too long, )", ""),
    ("SR044", "The SR has 42 GiB of free space left and the snapshot succeeded.", ""),
    ("SR081", "SR_BACKEND_FAILURE_82(, Failed to snapshot VDI, )", ""),
    ("SP003", "Size: 412.3 GB used of 875.9 GB total (13.6 TB allocated)", ""),
    ("SP003", "45% (400.1 GB used) used of 875.9 GB total (13.6 TB allocated)", ""),
    ("SP003", "Storage: 20 GB used of 20 GB (0 B free)", ""),
    ("SP003", "Size: lots used of 875.9 GB total", ""),
    ("SR180", "SR_BACKEND_FAILURE_181(, Error in Metadata volume operation for SR., )", ""),
    ("SR109", "SR_BACKEND_FAILURE_44(, There is insufficient space, )", ""),
    ("SR109", "The snapshot chain of this disk has 3 images.", ""),
    ("XO001", "Error: no VMs match this pattern", ""),
    ("XO001", "VDI chain is healthy, starting snapshot", ""),
    ("HV061", "SR_BACKEND_FAILURE_109(, The snapshot chain is too long, )", r#"{"context":{"hostVersion":"8.2.1"}}"#),
    // A Xen Orchestra bug fixed in Xen Orchestra 5.31.0, which shipped xo-server 5.34.0: not named
    // when the caller runs that xo-server or a later one.
    ("KI925", "server.getAll\n{}\n{\n  \"message\": \"not authenticated or not enough permissions\",", r#"{"context":{"xoServerVersion":"5.34.0"}}"#),
    ("KI925", "server.getAll\n{}\n{\n  \"message\": \"not authenticated or not enough permissions\",", r#"{"context":{"xoServerVersion":"5.207.2"}}"#),
    ("HV061", "SR_BACKEND_FAILURE_46(, The VDI is not available, )", r#"{"context":{"hostVersion":"6.1.0"}}"#),
    ("SR082", "SR_BACKEND_FAILURE_81(, Failed to clone VDI, )", ""),
    ("XA009", r#"["OPERATION_NOT_ALLOWED", "VM is a template"]"#, ""),
    ("XA010", "VM_CHECKPOINT_SUSPEND_FAILED(OpaqueRef:9b1d2c3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e)", ""),
    ("SR046", "SR_BACKEND_FAILURE_47(, The SR is not available, )", ""),
    ("SR047", "SR_BACKEND_FAILURE_46(, The VDI is not available, )", ""),
    ("SR073", "SR_BACKEND_FAILURE_77(, Logical Volume group creation failed, )", ""),
    ("SR453", "SR_BACKEND_FAILURE_454(, SMB SR is not licensed on this host, )", ""),
    ("XA011", r#"["SR_NOT_EMPTY"]"#, ""),
    ("XA001", "VDI_IS_A_PHYSICAL_DEVICE(OpaqueRef:8c7f2d1e-3b4a-4c5d-9e6f-7a8b9c0d1e2f)", ""),
    ("XA002", r#"["OPERATION_NOT_ALLOWED", "another snapshot is running"]"#, ""),
    ("XA003", "VDI_MISSING(OpaqueRef:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d, OpaqueRef:4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a)", ""),
    ("XA004", "TASK_CANCELLED(OpaqueRef:9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d)", ""),
    ("XA005", "VM_IS_TEMPLATE(OpaqueRef:7e6d5c4b-3a29-4187-9f6e-5d4c3b2a1908)", ""),
    ("XA006", "VDI_READONLY(OpaqueRef:7e6d5c4b-3a29-4187-9f6e-5d4c3b2a1908)", ""),
    ("XA007", "VM_LACKS_FEATURE(OpaqueRef:6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d)", ""),
    ("XA008", "LICENCE_RESTRICTION(PCI_device_for_auto_update)", ""),
    ("XA012", r#"["VDI_IN_USE", "OpaqueRef:8c7f2d1e-3b4a-4c5d-9e6f-7a8b9c0d1e2f", "destroy"]"#, ""),
    ("XA013", "VDI_NOT_MANAGED(OpaqueRef:6f5e4d3c-2b1a-4098-8f7e-6d5c4b3a2f1e)", ""),
    ("XA014", "HOST_OFFLINE(OpaqueRef:1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b)", ""),
    ("XA015", r#"["OTHER_OPERATION_IN_PROGRESS", "VM", "OpaqueRef:5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d", "snapshot"]"#, ""),
    ("XA016", "Job canceled to protect the VDI chain", ""),
    ("XA017", "HOST_IS_SLAVE(192.0.2.10)", ""),
    ("XA018", "SESSION_NOT_REGISTERED(OpaqueRef:8b9a0c1d-2e3f-4a5b-6c7d-8e9f0a1b2c3d)", ""),
    ("XA019", "Error: internal error while reading the response", ""),
    ("XO002", "Backup of the 3 VMs matching the pattern finished", ""),
    ("XO003", "The base VM was found and the delta was applied", ""),
    ("XO004", "SR_BACKEND_FAILURE_44(, There is insufficient space, )", ""),
    // a toolstack daemon's ENOSPC is dom0's own disk, not the backup target
    ("XO004", "Dec  1 10:00:00 xcp-host1 xcp-rrdd: [ warn||0 ||rrdd_server] Failed to write RRDs: No space left on device", ""),
    // a system service's ENOSPC (logrotate, cron…) is the disk of the machine that logged it
    ("XO004", "Dec  6 01:02:04 xcp-ng-1 logrotate: error: error writing to /var/log/messages.1: No space left on device", ""),
    ("XO004", "Dec  6 03:10:01 xoa CROND[2211]: (root) error: ENOSPC: no space left on device, write", ""),
    // leads: a TLS refusal of the S3 remote (the AWS SDK v3's $metadata) is the remote's (RM902), not a server's in general
    ("NW005", r#"{"message": "certificate has expired", "name": "Error", "code": "CERT_HAS_EXPIRED", "$metadata": {"attempts": 3}}"#, ""),
    // leads: the same strerror printed by the SR's VHD tool, by a copy into dom0's logs, by a
    // write to a guest's disk device, on an SR's mount point: none is a backup repository
    ("XO004", "[3/5] Fetching packages...\nerror An unexpected error occurred: \"ENOSPC: no space left on device, write\".", ""),
    ("XO004", "vhd-util: libvhd::vhd_write_footer: failed writing footer: No space left on device", ""),
    ("XO004", "cp: error writing '/var/log/xensource.log.1': No space left on device", ""),
    ("XO004", "dd: error writing '/dev/xvdb': No space left on device", ""),
    ("XO004", "OSError: [Errno 28] No space left on device: '/var/run/nonpersistent/xapi/x'", ""),
    ("XO005", "JSON Parse Error at position 12", ""),
    ("XO005", "- **Error**: JSON Parse Error", ""),
    ("XO006", "Lock file released", ""),
    ("XO007", "HTTP connection closed by the client", ""),
    ("XO008", "stream has ended normally", ""),
    // leads: @vates/read-chunk's words in the VMware import (nbdkit serves the VMware disk, no
    // host export) and in the NBD client's handshake (nothing exported yet): read by XB975,
    // NW940, NW941, not as an export cut short, whether the mark is on the line or above it
    ("XO008", "vm.importMultipleFromEsxi\n{\n  \"message\": \"stream has ended without data, was looking for 134 bytes\",\n  \"name\": \"Error\"\n}", ""),
    ("XO008", "vates:nbd-client:multi WARN can't connect to one nbd client { err: Error: stream has ended without data, was looking for 8 bytes\n    at readChunkStrict (/opt/xo/xo-builds/xen-orchestra/node_modules/@vates/read-chunk/index.js:84:13)", ""),
    ("XO008", "vates:nbd-client:multi WARN can't connect to one nbd client { err: Error: stream has ended without data, was looking for 134 bytes", ""),
    // review-s: the same warning pretty-printed over journal lines (header above, frames below)
    ("XO008", "Dec 07 01:10:02 xoa xo-server[812]: 2026-12-07T01:10:02.114Z vates:nbd-client:multi WARN can't connect to one nbd client {\nDec 07 01:10:02 xoa xo-server[812]:   err: Error: stream has ended without data, was looking for 8 bytes\nDec 07 01:10:02 xoa xo-server[812]:       at readChunkStrict (/opt/xo/node_modules/@vates/read-chunk/index.js:84:13)\nDec 07 01:10:02 xoa xo-server[812]:       at async NbdClient.#handshake (file:///opt/xo/node_modules/@vates/nbd-client/index.mjs:148:25)\nDec 07 01:10:02 xoa xo-server[812]: }", ""),
    ("XO008", "Error: stream has ended with not enough data (actual: 512, expected: 1024)\n    at VhdEsxiRaw.readBlock (file:///opt/xo/xo-builds/xen-orchestra/@xen-orchestra/vmware-explorer/VhdEsxiRaw.mjs:40:12)", ""),
    ("XO009", "A GC instance already running, not kicking", ""),
    ("XO010", "XAPI associated to the pool master", ""),
    ("XO011", "timeout while getting the remote 1af95910-01b4-4e87-9c2f-d895cafe0776", ""),
    ("XO012", "invalid HTTP header", ""),
    ("XO013", "worker started with pid 4242", ""),
    ("XO014", "cannot backup a VM currently being migrated", ""),
    ("XO015", "cannot backup a VM created by this very job", ""),
    ("XO016", "VDI must be destroyed after the export", ""),
    ("XO017", "all targets have succeeded", ""),
    ("XO018", "Full backup interval reached, next backup will be a key one", ""),
    ("XO019", "A differential VHD has a parent", ""),
    ("SR000", "SR_BACKEND_FAILURE_44(, There is insufficient space, )", ""),
    ("SR1200", "SR_BACKEND_FAILURE_120(, Netapp Target parameter missing in Dconf string, )", ""),
    ("XA000", r#"["VDI_IN_USE", "OpaqueRef:8c7f2d1e-3b4a-4c5d-9e6f-7a8b9c0d1e2f", "destroy"]"#, ""),
    ("XO000", r#"{"status":"skipped","message":"snapshot","start":1,"result":{"message":"unhealthy VDI chain","name":"Error","stack":"Error: unhealthy VDI chain"}}"#, ""),
    ("XO000", "some line of text that is not an error at all", ""),
    // leads43: ENOSPC in a mount-point creation is not a refusal of the remote (RM009); a write below an SR's
    // mount point is the SR's own space, not dom0's /run
    ("RM009", "mkdir: cannot create directory '/run/sr-mount/7b0c2a5e-1f3d-4c8e-9a6b-2d4f6e8a0c1e': No space left on device", ""),
    ("HL740", "Dec  7 03:12:44 xcp-host1 SM: [12345] OSError: [Errno 28] No space left on device: '/var/run/sr-mount/7b0c2a5e-1f3d-4c8e-9a6b-2d4f6e8a0c1e/3c2d1e0f-aaaa-4bbb-8ccc-123456789abc.vhd'", ""),
    // leads43: tapdisk named only inside a remote's path is not tapdisk's log line
    ("HL002", "Error: ENOSPC: no space left on device, write '/run/xo-server/mounts/4b7c/tapdisk-images/xo-vm-backups/x.vhd'", ""),
    ("HL002", "rsync: [receiver] write failed on \"/mnt/nfs/tapdisk/backup.xva\": No space left on device (28)", ""),
    ("HL003", "Error: EIO: i/o error, read '/run/xo-server/mounts/4b7c/tapdisk-images/xo-vm-backups/x.vhd'", ""),
    // leads43: a host's self-signed certificate beside a job named after a bucket is not the S3 remote's
    ("RM902", "Backup job \"nightly to bucket\" failed\nError: self signed certificate\n    at TLSSocket.onConnectSecure (node:_tls_wrap:1674:34)\n  code: 'DEPTH_ZERO_SELF_SIGNED_CERT'", ""),
    // leads43: xo-server's start without XenStore is not a backup tool missing
    ("BF003", "2026-12-07T03:12:44.123Z xo:mixins:hooks WARN start failure {\n  error: Error: xenstore-read not found — xo-server must run inside an XCP-ng VM to use this feature\n    [cause]: Error: spawn xenstore-read ENOENT\n      code: 'ENOENT',", ""),
    // review-t: "Bucket:" matched case-insensitively a user's line naming a bucket beside a host's TLS refusal
    ("RM902", "remote: offsite bucket: xo-backups\nError: self signed certificate\n  code: 'DEPTH_ZERO_SELF_SIGNED_CERT'", ""),
    // review-t: RM009's `none` is on the anchor's own line: a coreutils ENOSPC elsewhere does not hide a remote's EACCES
    // (positive below); a refused mkdir of a mount point beside an unrelated ENOSPC line is not dom0's /run full
    ("HL740", "mkdir: cannot create directory '/run/sr-mount/7b0c2a5e-1f3d-4c8e-9a6b-2d4f6e8a0c1e': Permission denied\nDec  7 03:12:45 xcp-host1 kernel: [ 12.3] EXT4-fs warning: No space left on device", ""),
    ("HL740", "Unix.Unix_error(Unix.EACCES, \"mkdir\", \"/var/run/sr-mount/7b0c2a5e-1f3d-4c8e-9a6b-2d4f6e8a0c1e\")\nError: ENOSPC: no space left on device, write '/mnt/backup/x.json'", ""),
    // stop 44: xapi's debug line for a stale cached connection, replaced at once (xmlrpc_client.ml check_reusable_inner)
    ("NW003", "Dec  6 10:00:00 xcp-host1 xapi: [debug||123 ||xmlrpc_client] check_reusable: caught exception Unix.Unix_error(Unix.ECONNRESET, \"read\", \"\"); assuming not reusable", ""),
];

fn check(input: &str, options: &str) -> Vec<&'static str> {
    let d = if options.is_empty() { text(input) } else { text_with(input, options) };
    rules_of(&d)
}

#[test]
fn positives_fire() {
    for (rule, input, options) in POSITIVES {
        let got = check(input, options);
        assert!(got.contains(rule), "{rule} should fire on {input:?}; got {got:?}");
    }
}

#[test]
fn negatives_stay_quiet() {
    for (rule, input, options) in NEGATIVES {
        let got = check(input, options);
        assert!(!got.contains(rule), "{rule} should not fire on {input:?}; got {got:?}");
    }
}

#[test]
fn every_error_rule_has_a_negative_fixture() {
    // Signatures carry theirs in data/signatures/*.toml (`counterexample`, tests/signatures.rs).
    let signature_ids: Vec<&str> = xapi_doctor::rules::signatures::all().iter().map(|s| s.info.id).collect();
    for rule in xapi_doctor::list_rules() {
        let family = &rule.id[..2];
        if matches!(family, "SR" | "XA" | "XO" | "HV") && !signature_ids.contains(&rule.id) {
            assert!(NEGATIVES.iter().any(|(r, _, _)| *r == rule.id), "{} has no negative fixture", rule.id);
        }
    }
}

#[test]
fn a_vm_whose_disks_the_target_host_cannot_see_is_a_placement_problem() {
    let d = text("VM.pool_migrate(...) [20ms] =!> XapiError: VM_REQUIRES_SR(OpaqueRef:4900a76c, OpaqueRef:2a6e5678)");
    let f = d.findings.iter().find(|f| f.rule == "XA017").expect("XA017");
    assert_eq!(f.category, xapi_doctor::Category::Configuration);
    assert!(f.remediation.iter().any(|s| s.command.as_deref().is_some_and(|c| c.contains("vm-migrate") && c.contains("vdi:"))));
    // Starting the VM: no host sees the SR, which is the SR's problem.
    let d = text("vm.start(...) [1s] =!> XapiError: VM_REQUIRES_SR(OpaqueRef:4900a76c, OpaqueRef:2a6e5678)");
    let f = d.findings.iter().find(|f| f.rule == "XA017").expect("XA017");
    assert_eq!(f.category, xapi_doctor::Category::StorageUnreachable);
    // A host that is down stays a host that cannot be reached.
    let d = text("HOST_OFFLINE(OpaqueRef:1e2d3c4b)");
    let f = d.findings.iter().find(|f| f.rule == "XA017").expect("XA017");
    assert_ne!(f.category, xapi_doctor::Category::Configuration);
}

/// An SR error's official description ends with a full stop of its own; the summary that quotes
/// it keeps one.
#[test]
fn a_summary_quoting_an_official_sentence_ends_with_one_full_stop() {
    let d = text("SR_BACKEND_FAILURE_108(, Unable to detect an NFS service on this target., )");
    let summary = d.findings.first().map(|f| &*f.summary).unwrap_or_default();
    assert!(summary.contains("NFS service on this target"), "{summary}");
    assert!(summary.ends_with("target.") && !summary.ends_with(".."), "{summary}");
}

/// xensource.log writes a subprocess's Python traceback inside INTERNAL_ERROR on one line, its
/// line breaks escaped (`\x0A`): the summary names the program and the exception, and the
/// wording cue reads the exception line, not the whole escaped blob.
#[test]
fn an_internal_error_carrying_an_escaped_python_traceback_names_program_and_exception() {
    let line = r#"Hook failed: INTERNAL_ERROR: [ Subprocess exited with unexpected code 1; stdout = [  ]; stderr = [ Traceback (most recent call last):\x0A  File "/opt/xensource/libexec/example-hook", line 12, in <module>\x0A    main()\x0A  File "/opt/xensource/libexec/example-hook", line 9, in main\x0A    handle.write(text)\x0AAttributeError: 'NoneType' object has no attribute 'write'\x0A ] ]"#;
    let d = text(line);
    let f = d.findings.iter().find(|f| f.rule == "XA019").expect("XA019");
    assert_eq!(
        f.summary,
        "XAPI failed internally: /opt/xensource/libexec/example-hook stopped on a Python error: AttributeError: 'NoneType' object has no attribute 'write'"
    );
    assert_eq!(f.category.as_str(), "xapi_version");
    assert!(f.cause.contains("AttributeError: 'NoneType'") && !f.cause.contains("\\x0A"), "{}", f.cause);
    // Without a traceback the message is quoted as it is, on one line.
    let d = text(r#"["INTERNAL_ERROR", "Not_found"]"#);
    assert_eq!(d.findings[0].summary, "XAPI failed internally: Not_found");
    // xe's own wording repeats the code around the message: it is quoted once.
    let d = text("The server failed to handle your request, due to an internal error.\nThe given message may give details useful for debugging the problem.\nmessage: INTERNAL_ERROR: [ Not_found ]\n");
    assert_eq!(d.findings[0].summary, "XAPI failed internally: Not_found");
}

/// SR_DEVICE_IN_USE is the storage manager's "SR device in use" (fault 16): the LUN or block
/// device under an SR, not a disk attached to a VM; it is not read as VDI_IN_USE.
#[test]
fn an_sr_device_in_use_is_not_a_disk_in_use() {
    let d = text("SR_DEVICE_IN_USE()");
    let f = d.findings.first().expect("a finding");
    assert_ne!(f.rule, "XA001");
    assert_eq!(f.category.as_str(), "configuration");
    assert!(f.codes.iter().any(|c| c == "SR_DEVICE_IN_USE"));
    assert!(!f.summary.contains("attached to a VM") && !f.summary.to_lowercase().contains("the disk is in use"), "{}", f.summary);
}

/// An xe error names its VM handle as `vm: <uuid> (<name>)`: the steps' commands take that uuid
/// instead of a placeholder.
#[test]
fn a_vm_handle_printed_by_xe_fills_the_steps_commands() {
    let d = text(
        "You attempted an operation on a VM that was not in an appropriate power\nstate at the time; for example, you attempted to start a VM that was\nalready running.  The parameters returned are the VM's handle, and the\nexpected and actual VM state at the time of the call.\nvm: 0b7e52a4-61d3-4c8e-9f2a-3d5c6e7f8091 (web-01)\nexpected: running\nactual: halted\n",
    );
    let f = d.findings.iter().find(|f| f.rule == "XA005").expect("XA005");
    let commands: Vec<&str> = f.remediation.iter().filter_map(|s| s.command.as_deref()).collect();
    assert!(commands.iter().any(|c| c.contains("uuid=0b7e52a4-61d3-4c8e-9f2a-3d5c6e7f8091 ")), "{commands:?}");
    // An OpaqueRef is no uuid: the placeholder stays.
    let d = text("VM_BAD_POWER_STATE(OpaqueRef:7e6d5c4b-3a29-4187-9f6e-5d4c3b2a1908, running, halted)");
    let f = d.findings.iter().find(|f| f.rule == "XA005").expect("XA005");
    assert!(f.remediation.iter().filter_map(|s| s.command.as_deref()).any(|c| c.contains("uuid=<vm-uuid>")));
}

/// A storage error with no protocol of its own is titled without repeating "storage".
#[test]
fn a_generic_storage_connection_error_says_storage_once_in_its_title() {
    let d = text("Error code: SR_BACKEND_FAILURE_140\nError parameters: , Incorrect DNS name, unable to resolve., \n");
    let f = d.findings.iter().find(|f| f.rule == "SR073").expect("SR073");
    assert_eq!(f.title, "The connection to the storage failed");
    let d = text("SR_BACKEND_FAILURE_108(, Unable to detect an NFS service on this target., )");
    if let Some(f) = d.findings.iter().find(|f| f.rule == "SR073") {
        assert_eq!(f.title, "The NFS connection to the storage failed");
    }
}

/// An internal error whose message only announces details on the lines after it ("xenopsd
/// internal error:") does not end the summary on a colon.
#[test]
fn an_internal_error_announcing_its_details_does_not_end_on_a_colon() {
    let d = text("The server failed to handle your request, due to an internal error.\nThe given message may give details useful for debugging the problem.\nmessage: xenopsd internal error:\nDevice_common.QMP_Error(8,\n");
    let f = d.findings.iter().find(|f| f.rule == "XA019").expect("XA019");
    assert_eq!(f.summary, "XAPI failed internally: xenopsd internal error (the details follow it in the output).");
}

/// A failed storage command's step names the process id the log gives, and a summary that quotes
/// a clipped stderr ends on the ellipsis, without a full stop after it.
#[test]
fn a_failed_storage_command_names_its_process_and_ends_its_clipped_quote_cleanly() {
    let long = "x".repeat(400);
    let log = format!(
        "Jun 26 08:07:23 host SM: [19375] ['/sbin/lvchange', '-ay', '/dev/VG_XenStorage-94d5c7de-3bee-e7c2-8aeb-d609e7dcd358/VHD-b1612f97-8a16-4cdd-9d7d-a1bf3283acc9']\n\
Jun 26 08:07:23 host SM: [19375] FAILED in util.pread: (rc 5) stdout: '', stderr: '  Failed to activate {long}'\n"
    );
    let d = text(&log);
    let f = d.findings.iter().find(|f| f.rule == "SM019").expect("SM019");
    assert!(f.remediation.iter().filter_map(|s| s.command.as_deref()).any(|c| c.contains("'[19375]'")), "{:?}", f.remediation);
    assert!(f.summary.ends_with('\u{2026}'), "{}", f.summary);
}

/// An INTERNAL_ERROR carrying a named toolstack exception explains that exception, without the
/// generic "an exception that has no specific error code" sentence that would contradict it.
#[test]
fn an_internal_error_with_a_toolstack_exception_names_it_without_the_generic_text() {
    let d = text(r#"["INTERNAL_ERROR", "Storage_error ([S(Internal_error);S(Storage_error ([S(Sr_not_attached);S(1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b)]))])"]"#);
    let f = d.findings.iter().find(|f| f.rule == "XA019").expect("XA019");
    assert!(f.cause.starts_with("The exception is the toolstack's `Sr_not_attached`: "), "{}", f.cause);
    assert!(!f.cause.contains("no specific error code") && !f.cause.contains(".."), "{}", f.cause);
}

/// A toolstack exception on a line of a backtrace XAPI logged (`Raised …`) is information, quoted
/// `> ` in a forum or an e-mail too; the same exception in a message of its own is an error.
#[test]
fn a_toolstack_exception_in_a_quoted_backtrace_is_information() {
    let backtrace = "[dispatch:session.login_with_password |backtrace]\nRaised Db_exn.Read_missing_uuid(\"host\", \"\", \"0a1b2c3d-aaaa-4bbb-8ccc-0123456789ab\")";
    for shown in [backtrace.to_string(), backtrace.lines().map(|l| format!("> {l}")).collect::<Vec<_>>().join("\n")] {
        let d = text(&shown);
        let f = d.findings.iter().find(|f| f.rule == "CD005").expect("CD005");
        assert_eq!(f.severity, xapi_doctor::Severity::Info, "{shown}");
    }
    let d = text("> Db_exn.Read_missing_uuid(\"host\", \"\", \"0a1b2c3d-aaaa-4bbb-8ccc-0123456789ab\")");
    let f = d.findings.iter().find(|f| f.rule == "CD005").expect("CD005");
    assert_eq!(f.severity, xapi_doctor::Severity::Error);
}

#[test]
fn smlog_steps_take_their_values_from_the_lines_they_quote() {
    let log = "Aug  1 17:24:48 xcp1 SM: [12965] lock: acquired /var/lock/sm/8b1d/sr\n\
               Aug  1 17:24:48 xcp1 SM: [12965] Raising exception [46, The VDI is not available [opterr=['MAP_DUPLICATE_KEY', 'VDI', 'sm_config', 'OpaqueRef:f25db949-ec0e-e414-8f87-7fa393c228fe', 'attached']]]\n";
    let d = text(log);
    assert_eq!(d.kind, xapi_doctor::InputKind::Smlog);
    let sg070 = d.findings.iter().find(|f| f.rule == "SG070").expect("SG070");
    assert!(sg070.remediation.iter().any(|s| s.command.as_deref().is_some_and(|c| c.ends_with("param-key=attached"))), "{:?}", sg070.remediation);
    // The code's generic decoding beside the signature that explains it is left out, as for a pasted error.
    assert!(!d.findings.iter().any(|f| f.rule == "XA000"), "{:?}", d.findings.iter().map(|f| f.rule).collect::<Vec<_>>());
    // The stream fills them the same way: the values come from the findings' own evidence.
    let mut scanner = xapi_doctor::SmlogScanner::new(xapi_doctor::Options::default());
    for chunk in log.as_bytes().chunks(7) {
        scanner.push(chunk).expect("no limit");
    }
    let streamed = scanner.finish().expect("first finish");
    let whole = xapi_doctor::analyze_smlog(log.as_bytes(), &xapi_doctor::Options::default());
    assert_eq!(serde_json::to_string(&streamed).expect("json"), serde_json::to_string(&whole).expect("json"));
}

/// `OPERATION_NOT_ALLOWED` is one of XAPI's checks of the objects' state, with a reason in words:
/// not the `blocked-operations` map of `OPERATION_BLOCKED`. A VBD still plugged when it is
/// destroyed gets the unplug of that VBD, its uuid filled in.
#[test]
fn an_operation_not_allowed_is_not_a_blocked_operation() {
    let d = text("OPERATION_NOT_ALLOWED(VBD '3f1e2d3c-aaaa-4bbb-8ccc-0123456789ab' still attached to '0a1b2c3d-aaaa-4bbb-8ccc-0123456789ab')");
    let f = d.findings.iter().find(|f| f.rule == "XA015").expect("XA015");
    let commands: Vec<&str> = f.remediation.iter().filter_map(|s| s.command.as_deref()).collect();
    assert!(commands.contains(&"xe vbd-unplug uuid=3f1e2d3c-aaaa-4bbb-8ccc-0123456789ab"), "{commands:?}");
    assert!(f.cause.contains("0a1b2c3d-aaaa-4bbb-8ccc-0123456789ab"), "{}", f.cause);
    assert!(!commands.iter().any(|c| c.contains("blocked-operations")), "{commands:?}");
    assert!(!f.title.contains("blocked"), "{}", f.title);
    // Any other reason is quoted, with no step about blocked-operations either.
    let d = text(r#"["OPERATION_NOT_ALLOWED", "Snapshot operation not allowed during copy."]"#);
    let f = d.findings.iter().find(|f| f.rule == "XA015").expect("XA015");
    assert_eq!(f.summary, "XAPI refused the operation: Snapshot operation not allowed during copy.");
    assert!(!f.remediation.iter().filter_map(|s| s.command.as_deref()).any(|c| c.contains("blocked-operations")));
    // OPERATION_BLOCKED keeps its reading of the map.
    let d = text("OPERATION_BLOCKED(OpaqueRef:3c2b1a09-8f7e-4d6c-a5b4-3c2d1e0f9a8b, Protected from accidental deletion)");
    let f = d.findings.iter().find(|f| f.rule == "XA015").expect("XA015");
    assert!(f.remediation.iter().filter_map(|s| s.command.as_deref()).any(|c| c.contains("blocked-operations")));
}

/// The same refusal of an SR's NFS mount, read once: in SMlog no backup-remote signature applies
/// (the storage manager never mounts a remote), in a paste the remote's reading of the lines a
/// storage finding quotes is dropped, and the bare errno beside a finding that explains it too.
#[test]
fn an_sr_mount_refusal_is_not_also_read_as_a_backup_remote_or_a_bare_errno() {
    let log = "Dec  5 10:00:01 xcp1 SM: [3101] ['mount.nfs', '192.0.2.10:/export/xcp', '/var/run/sr-mount/14f4733f-930d-4cdd-8673-e0097ebff206', '-o', 'soft,proto=tcp,vers=3']\n\
               Dec  5 10:00:03 xcp1 SM: [3101] FAILED in util.pread: (rc 32) stdout: '', stderr: 'mount.nfs: access denied by server while mounting 192.0.2.10:/export/xcp\n\
               Dec  5 10:00:03 xcp1 SM: [3101] Raising exception [73, NFS mount error [opterr=mount failed with return code 32]]\n";
    let d = text(log);
    assert_eq!(d.kind, xapi_doctor::InputKind::Smlog);
    let categories: Vec<&str> = d.findings.iter().map(|f| f.category.as_str()).collect();
    assert!(!categories.contains(&"remote_unreachable"), "{categories:?}");
    assert_eq!(d.findings.iter().filter(|f| f.rule == "SG150" || f.rule == "SG800").count(), 1, "{:?}", d.findings.iter().map(|f| f.rule).collect::<Vec<_>>());
    // The same lines pasted without their SMlog headers are still the SR's.
    let pasted: String = log.lines().map(|l| l.split_once("] ").map_or(l, |(_, rest)| rest)).collect::<Vec<_>>().join("\n");
    let d = text(&pasted);
    assert_eq!(d.findings.first().map(|f| f.rule), Some("SG150"));
    assert!(!d.findings.iter().any(|f| f.category.as_str() == "remote_unreachable"), "{:?}", d.findings.iter().map(|f| f.rule).collect::<Vec<_>>());
    // A backup remote's refusal stays the remote's.
    let d = text("Error: Command failed with exit code 32: mount -o vers=3 -t nfs 192.0.2.10:/backups /run/xo-server/mounts/0a1b2c3d\nmount.nfs: access denied by server while mounting 192.0.2.10:/backups");
    assert_eq!(d.findings.first().map(|f| f.category.as_str()), Some("remote_unreachable"));
    // A bare EACCES beside the signature that explains it is not shown again.
    let d = text("Error: EACCES: permission denied, open '/run/xo-server/mounts/0a1b2c3d/xo-vm-backups/cache.json.gz'");
    let rules: Vec<&str> = d.findings.iter().map(|f| f.rule).collect();
    assert!(!rules.contains(&"CD001") && !rules.is_empty(), "{rules:?}");
}

/// A pasted Xen Orchestra error whose errno is known is told by the errno's decoding, as a
/// backup log's task is: the "not recognised" finding (XO000) is not shown beside it.
#[test]
fn a_pasted_xo_error_with_a_known_errno_is_not_also_unrecognised() {
    let d = text(r#"{"message": "ENOTSUP: operation not supported on socket, copyfile", "name": "Error", "code": "ENOTSUP", "stack": "Error: ENOTSUP"}"#);
    let rules: Vec<&str> = d.findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["CD001"], "{rules:?}");
    // Without a code, the error is still reported as not recognised.
    let d = text(r#"{"message": "the export stopped for no reason given", "name": "Error"}"#);
    assert_eq!(d.findings.first().map(|f| f.rule), Some("XO000"));
}

/// Xen Orchestra's own numbered API errors (xo-common's api-errors) are named from the table in
/// data/code_meanings.json, and an error object pasted alone is not presumed to be a backup's.
#[test]
fn a_numbered_xo_api_error_is_named_and_not_presumed_a_backup() {
    // (Its signature, written for `code 1 message: no such …`, meets it in the event's text.)
    let d = text(r#"{"code": 1, "data": {"id": "0c1fb2f2", "type": "VM"}, "message": "no such VM 0c1fb2f2"}"#);
    let f = d.findings.first().expect("a finding");
    assert_eq!((f.rule, f.category.as_str()), ("XB014", "configuration"));
    assert!(!f.title.contains("ackup"), "{}", f.title);
    // One without a signature is named from the API's table.
    let d = text(r#"{"code": 25, "data": {"property": "power_state", "actual": "Running", "expected": "Suspended"}, "message": "incorrect state"}"#);
    let f = d.findings.first().expect("a finding");
    assert_eq!((f.rule, f.category.as_str()), ("XO000", "configuration"));
    assert_eq!(f.title, "Xen Orchestra reported an error");
    assert!(f.cause.contains("API error 25 (incorrectState)"), "{}", f.cause);
    // A number with another message is not that error: nothing is read from the number alone.
    let d = text(r#"{"code": 1, "message": "the export stopped for no reason given"}"#);
    let f = d.findings.first().expect("a finding");
    assert!(!f.cause.contains("API error"), "{}", f.cause);
    // The same error in a backup log's task is still the backup's, and meets the API error's
    // signature there (read as `code 1 message: no such VM …`).
    let d = text(r#"{"status":"failure","message":"backup VM","start":1,"result":{"code":1,"message":"no such VM 0c1fb2f2","data":{"id":"0c1fb2f2","type":"VM"}}}"#);
    let f = d.findings.first().expect("a finding");
    assert_eq!((f.rule, f.subject.task.as_deref()), ("XB014", Some("backup VM")));
}

/// `operationFailed` carries the pool's error in `data.code`: that code is decoded, and Xen
/// Orchestra's own check codes there reach the signatures.
#[test]
fn an_operation_failed_is_read_through_its_data_code() {
    let d = text(r#"{"code": 21, "data": {"objectId": "5f8c2d3e", "code": "MIRROR_FAILED"}, "message": "operation failed"}"#);
    assert!(d.findings.iter().any(|f| f.codes.iter().any(|c| c == "MIRROR_FAILED")), "{:?}", d.findings.iter().map(|f| f.rule).collect::<Vec<_>>());
    let d = text(r#"{"code": 21, "data": {"objectId": "5f8c2d3e", "code": "DUPLICATED_MAC_ADDRESS"}, "message": "operation failed"}"#);
    assert_eq!(d.findings.first().map(|f| f.rule), Some("XB903"));
}

/// In a Xen Orchestra log, an error's stack frames name the code path that failed: a known bug
/// of one step (KI705, the merge's out-of-range read, fixed in Xen Orchestra 6.5.0) is read
/// through them, as it is in a pasted journal.
#[test]
fn a_known_bug_is_read_through_the_stack_of_a_logged_error() {
    let task = |stack: &str| {
        format!(
            r#"{{"id":"1","message":"merge","start":1,"status":"failure","end":2,"result":{{"code":"ERR_OUT_OF_RANGE","message":"The value of \"offset\" is out of range.","name":"RangeError","stack":"RangeError [ERR_OUT_OF_RANGE]: The value of \"offset\" is out of range.{stack}"}}}}"#
        )
    };
    let older = r#"{"context":{"xoServerVersion":"5.200.1"}}"#;
    let with_frames = task(r"\n    at RemoteVhdDisk.readBlock (file:///opt/xo/disks/RemoteVhdDisk.mjs:120:22)\n    at MergeRemoteDisk.mergeBlock (file:///opt/xo/MergeRemoteDisk.mjs:210:9)");
    assert!(rules_of(&text_with(&with_frames, older)).contains(&"KI705"), "{:?}", rules_of(&text_with(&with_frames, older)));
    assert!(!rules_of(&text_with(&task(""), older)).contains(&"KI705"), "no frame names the merge");
    assert!(!rules_of(&text_with(&with_frames, r#"{"context":{"xoServerVersion":"5.202.1"}}"#)).contains(&"KI705"), "fixed there");
    // A XapiError's frames and failed call reach the signatures too.
    let d = text_with(
        r#"{"message":"transfer","status":"failure","result":{"code":"SESSION_INVALID","params":["OpaqueRef:3b2c"],"call":{"method":"VM.migrate_send"},"name":"XapiError","message":"SESSION_INVALID(OpaqueRef:3b2c)","stack":"XapiError: SESSION_INVALID(OpaqueRef:3b2c)\n    at Xapi._call (file:///opt/xo/xen-api/index.mjs:1:1)"}}"#,
        "",
    );
    assert!(rules_of(&d).contains(&"KI823"), "{:?}", rules_of(&d));
}

/// sm logs "Leaf-coalesce disabled for <vdi>" when the VDI's own other-config holds
/// leaf-coalesce=false (xcp-ng/sm drivers/cleanup.py): the key is removed from that VDI, not
/// from the SR, whose other-config does not have it.
#[test]
fn a_leaf_coalesce_disabled_on_one_vdi_is_removed_from_that_vdi() {
    let log = "Jan 14 03:51:00 h SMGC: [9200] === SR 14f4733f-930d-4cdd-8673-e0097ebff206: gc ===\n\
               Jan 14 03:51:01 h SMGC: [9200] Leaf-coalescing *0f9e8d7c[VHD](20.000G//1.000G|n)\n\
               Jan 14 03:51:02 h SMGC: [9200] Leaf-coalesce disabled for *8341e744[VHD](20.000G//1.000G|n)\n";
    let d = text(log);
    let f = d.findings.iter().find(|f| f.rule == "SM014").expect("SM014");
    let commands: Vec<&str> = f.remediation.iter().filter_map(|s| s.command.as_deref()).collect();
    assert!(commands.iter().any(|c| c.starts_with("xe vdi-param-remove ") && c.ends_with("param-key=leaf-coalesce")), "{commands:?}");
    assert!(commands.iter().any(|c| c.contains("grep -A1 8341e744")), "{commands:?}");
    assert!(!commands.iter().any(|c| c.starts_with("xe sr-param-remove")), "{commands:?}");
}

#[test]
fn a_samba_session_its_client_closed_is_no_failure() {
    use xapi_doctor::{Category, Severity};
    // smbd's log of a client going away (source3/smbd/server_exit.c): benign, at info.
    let end = text("[2026/12/06 01:02:03.123456,  2] ../../source3/smbd/server_exit.c:232(exit_server_common)\n  Server exit (NT_STATUS_CONNECTION_RESET)\n");
    let top = &end.findings[0];
    assert_eq!((top.rule, top.category, top.severity), ("CD002", Category::Benign, Severity::Info), "{top:?}");
    // the same status from a client's failed request stays a failure
    let refused = text("mount error(13): Permission denied\nStatus code returned 0xc000020d NT_STATUS_CONNECTION_RESET");
    assert!(refused.findings.iter().all(|f| f.category != Category::Benign), "{:?}", rules_of(&refused));
}

#[test]
fn a_quiesce_failure_names_the_requester_stage_the_agent_wrote() {
    use xapi_doctor::Category;
    // A newer Windows agent writes its VSS requester's state as a number; XAPI raises it as
    // VM_SNAPSHOT_WITH_QUIESCE_FAILED(vm, state). 5 is the writers' preparation.
    let d = text(r#"["VM_SNAPSHOT_WITH_QUIESCE_FAILED", "OpaqueRef:5c1d0e4f-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "5"]"#);
    let top = &d.findings[0];
    assert_eq!((top.rule, top.category), ("XA010", Category::Configuration), "{top:?}");
    assert!(top.cause.contains("writers") && top.cause.contains("stage 5"), "{}", top.cause);
    assert!(top.remediation.iter().any(|s| s.command.as_deref() == Some("vssadmin list writers & vssadmin list providers")));
    // A number outside the requester's states, or another text, keeps the general reading.
    for other in ["9", "Unknown Error"] {
        let d = text(&format!(r#"["VM_SNAPSHOT_WITH_QUIESCE_FAILED", "OpaqueRef:5c1d0e4f-1a2b-4c3d-8e9f-0a1b2c3d4e5f", "{other}"]"#));
        let top = &d.findings[0];
        assert_eq!(top.rule, "XA010");
        assert!(!top.cause.contains("stage"), "{other}: {}", top.cause);
    }
}

#[test]
fn the_rest_apis_error_body_is_read_as_xen_orchestras_api_error() {
    use xapi_doctor::Category;
    // @xen-orchestra/rest-api answers an API error as {"error": <its message>, "data": …}, without
    // the number of the JSON-RPC form.
    let d = run_example(r#"{"error":"incorrect state","data":{"property":"power_state","actual":"Running","expected":"Suspended","object":"vm1"}}"#);
    let top = &d.findings[0];
    assert_eq!((top.rule, top.category), ("XO000", Category::Configuration), "{top:?}");
    assert!(top.cause.contains("API error 25"), "{}", top.cause);
    // An "error" that is no API error's message is not read as one.
    let other = run_example(r#"{"error":"not enough permissionsX","data":{}}"#);
    assert!(other.findings.iter().all(|f| f.rule != "XO000" || f.category != Category::Configuration), "{:?}", rules_of(&other));
}

#[test]
fn xo_webs_toast_is_read_as_the_api_error_it_shows() {
    use xapi_doctor::{Category, InputKind, Severity};
    // xo-web's toast: the action's title, then the API error's message alone.
    let d = text("Start VM\nhost offline\n");
    assert_eq!(d.kind, InputKind::XoError);
    let top = &d.findings[0];
    // The API error's own signature (written for its wrapped forms) reads it…
    assert_eq!((top.rule, top.category, top.severity), ("XB412", Category::Network, Severity::Error), "{top:?}");
    assert_eq!(top.evidence[0].text, "host offline");
    // …and one without a signature is named from the API's table.
    let d = text("Snapshot\nincorrect state\n");
    let top = &d.findings[0];
    assert_eq!((top.rule, top.category, top.severity), ("XO000", Category::Configuration, Severity::Error), "{top:?}");
    assert!(top.cause.contains("API error 25"), "{}", top.cause);
    // Messages other programs print alike are not read alone, nor an API message in a long log.
    let common = text("Export\noperation failed\n");
    assert!(common.findings.iter().all(|f| f.rule != "XO000"), "{:?}", rules_of(&common));
    let long = text("line one\nline two\nline three\nline four\nline five\nhost offline\n");
    assert!(long.findings.iter().all(|f| f.rule != "XO000"), "{:?}", rules_of(&long));
}

#[test]
fn a_backup_logs_numbered_api_error_meets_its_signature() {
    // A task's result {"code": 18, "message": "host offline"} reads as `code 18 message: host
    // offline`, the form the API error's signature knows.
    let log = r#"{"data":{"mode":"full","reportWhen":"failure"},"id":"1700000000000","jobId":"0a1b2c3d-0000-4000-8000-000000000001","jobName":"nightly","message":"backup","scope":"xo","start":1700000000000,"status":"failure","tasks":[{"data":{"type":"VM","id":"0a1b2c3d-0000-4000-8000-000000000002","name_label":"web01"},"id":"1700000000001","message":"backup VM","start":1700000000001,"status":"failure","end":1700000000100,"result":{"code":18,"data":{"host":"h"},"message":"host offline","name":"XoError"}}],"end":1700000000200}"#;
    let d = text(log);
    assert_eq!(d.findings[0].rule, "XB412", "{:?}", rules_of(&d));
    // Another program's code 18 with another message is not Xen Orchestra's API error.
    let other = text(&log.replace("host offline", "disk quota exceeded"));
    assert!(other.findings.iter().all(|f| f.rule != "XB412"), "{:?}", rules_of(&other));
}

/// A live leaf-coalesce that timed out says which storage-manager release misjudged the merge's
/// size on file-based SRs (xcp-ng/sm #75), so an administrator on XCP-ng 8.3 checks it.
#[test]
fn a_live_leaf_coalesce_timeout_names_the_storage_manager_fix() {
    let d = text(xapi_doctor::rules::smlog_coalesce::SM006.example);
    let f = d.findings.iter().find(|f| f.rule == "SM006").expect("SM006");
    assert!(f.remediation.iter().any(|s| s.text.contains("3.2.3-1.8") && s.command.as_deref() == Some("rpm -q sm")), "{:?}", f.remediation);
}

/// `all targets have failed` is thrown alike for a backup job's remotes and a replication's SRs:
/// it takes the remotes' category (backup jobs are the common case) and names both in its words.
#[test]
fn all_targets_failed_names_remotes_and_replication_srs() {
    let d = text("Error: all targets have failed, step: writer.beforeBackup()");
    let f = d.findings.iter().find(|f| f.rule == "XO017").expect("XO017");
    assert_eq!(f.category.as_str(), "remote_unreachable");
    assert!(f.summary.contains("replication"), "{}", f.summary);
    let d = text("Error: couldn't instantiate any remote");
    let f = d.findings.iter().find(|f| f.rule == "XO017").expect("XO017");
    assert!(!f.summary.contains("replication"), "{}", f.summary);
}
