//! Snapshots that fail for reasons other than space or chain length: the storage manager's
//! snapshot step itself failed (often a disk that could not be paused), the VM has a device
//! that cannot be snapshotted, or a quiesced (VSS) snapshot was refused by the guest.

use super::space::detail_suffix;
use super::{Facts, Matcher, Rule, RuleInfo};
use crate::input::XapiError;
use crate::model::{Category, Finding, Severity};

pub static SR082: RuleInfo = RuleInfo {
    id: "SR082",
    name: "vdi-snapshot-failed",
    title: "The storage manager failed to snapshot a disk",
    category: Category::Other,
    severity: Severity::Error,
    trigger: "`SR_BACKEND_FAILURE_82` (Failed to snapshot VDI), e.g. `[opterr=failed to pause VDI …]`",
    description: "The snapshot step failed inside the storage manager. The most common detail is that the disk's \
                  tapdisk could not be paused (slow or unreachable storage, a stuck tapdisk, a VDI left paused by an \
                  earlier failure).",
    example: "SR_BACKEND_FAILURE_82(, Failed to snapshot VDI [opterr=failed to pause VDI 8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12], )",
};

pub static XA009: RuleInfo = RuleInfo {
    id: "XA009",
    name: "device-not-snapshottable",
    title: "The VM has a device or disk that cannot be snapshotted",
    category: Category::Configuration,
    severity: Severity::Error,
    trigger: "`SR_OPERATION_NOT_SUPPORTED`",
    description: "A snapshot includes every disk of the VM; a disk on an SR that cannot snapshot (a passed-through \
                  USB or removable device, a raw disk) makes the whole snapshot — and the backup — fail.",
    example: r#"{"code": "SR_OPERATION_NOT_SUPPORTED", "params": ["OpaqueRef:4c5f6b8e-2d1a-4f3b-9e7c-1a2b3c4d5e6f"], "message": "SR_OPERATION_NOT_SUPPORTED(OpaqueRef:4c5f6b8e-2d1a-4f3b-9e7c-1a2b3c4d5e6f)", "name": "XapiError"}"#,
};

pub static XA010: RuleInfo = RuleInfo {
    id: "XA010",
    name: "quiesced-snapshot-failed",
    title: "The quiesced (VSS) snapshot failed in the guest",
    category: Category::Configuration,
    severity: Severity::Error,
    trigger: "`VM_SNAPSHOT_WITH_QUIESCE_FAILED`, `_TIMEOUT`, `_PLUGIN_DEOS_NOT_RESPOND`, `_NOT_SUPPORTED`",
    description: "A snapshot with quiesce asks the Windows guest's VSS provider to freeze its filesystems; the \
                  guest refused, did not answer in time, or has no provider.",
    example: r#"["VM_SNAPSHOT_WITH_QUIESCE_TIMEOUT", "OpaqueRef:9b1d2c3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e"]"#,
};

pub static RULES: &[Rule] = &[
    Rule { info: &SR082, matcher: Matcher::Xapi { codes: &[], sr_values: &[82], build: snapshot_failed } },
    Rule { info: &XA009, matcher: Matcher::Xapi { codes: &["SR_OPERATION_NOT_SUPPORTED"], sr_values: &[], build: not_snapshottable } },
    Rule {
        info: &XA010,
        matcher: Matcher::Xapi {
            codes: &[
                "VM_SNAPSHOT_WITH_QUIESCE_FAILED",
                "VM_SNAPSHOT_WITH_QUIESCE_TIMEOUT",
                "VM_SNAPSHOT_WITH_QUIESCE_PLUGIN_DEOS_NOT_RESPOND",
                "VM_SNAPSHOT_WITH_QUIESCE_NOT_SUPPORTED",
            ],
            sr_values: &[],
            build: quiesce_failed,
        },
    },
];

fn snapshot_failed(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&SR082, e, facts);
    let detail = e.opterr().unwrap_or("");
    let lower = detail.to_ascii_lowercase();
    let vm = facts.vm_phrase();
    if lower.contains("pause") {
        // The same failure as SM016 (SMlog) and SG610: sm's tapdisk-pause plugin takes the VDI's lock
        // (failfast: 'VDI already locked') and tap-ctl pause is refused by a tapdisk busy with another
        // control request (SG120, EBUSY): the disk is locked or busy in another operation.
        f.category = Category::VdiInUse;
        f.title = "The disk could not be paused for its snapshot".into();
        f.summary = format!("Snapshotting {vm} failed: the storage manager could not pause the disk's I/O{}.", detail_suffix(detail)).into();
        f.cause = "A snapshot briefly pauses the disk's tapdisk process. The pause fails when another operation \
                   holds the disk's lock or its tapdisk is busy with another request, when the tapdisk is stuck \
                   (slow or unreachable storage), or when an earlier failed operation left the disk paused or locked."
            .into();
        f.step_cmd(
            "On the host running the VM, check that the disk's tapdisk exists and its state (paused disks show it).",
            "tap-ctl list",
        );
        f.step_cmd(
            "Look in SMlog for the VDI's pause and unpause requests and the error around them.",
            format!("grep -E '{}|tap-pause|Failed to' /var/log/SMlog | tail -n 60", super::find_uuid(detail).unwrap_or(facts.vdi_uuid())),
        );
        f.step("Check the storage latency and connectivity of the SR (multipath, NFS server, iSCSI session).");
        f.step("Retry the snapshot; if the disk stays paused, migrate or restart the VM to get a fresh tapdisk.");
    } else {
        f.summary = format!("The storage manager could not snapshot a disk of {vm}{}.", detail_suffix(detail)).into();
        f.cause = "The snapshot step failed inside the storage manager; the detail after opterr, and the traceback \
                   in SMlog, tell which command failed."
            .into();
        f.step_cmd(
            "Find the failure and its traceback in SMlog on the host that ran the snapshot.",
            "grep -B 5 -A 25 'Raising exception \\[82' /var/log/SMlog",
        );
        f.step_cmd("Rescan the SR and retry once.", format!("xe sr-scan uuid={}", facts.sr_uuid()));
    }
    Some(f)
}

fn not_snapshottable(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&XA009, e, facts);
    let vm = facts.vm_phrase();
    f.summary = format!("{vm} cannot be snapshotted: one of its disks is on an SR that does not support snapshots.").into();
    f.summary = super::space::capitalize(&f.summary).into();
    f.cause = "Snapshots cover every disk of the VM. A USB or other removable storage device passed through to \
               the VM, or a disk in RAW format, cannot be snapshotted, so the whole operation is refused."
        .into();
    f.step_cmd(
        format!("List the disks of {vm} and the SR each one is on."),
        format!("xe vbd-list vm-uuid={} params=uuid,device,type,vdi-uuid,vdi-name-label", facts.vm_uuid()),
    );
    f.step_cmd(
        "Check the SR type of a suspicious disk (udev = a passed-through device) and its format.",
        "xe vdi-param-list uuid=<vdi-uuid> | grep -E 'sr-name-label|sm-config|type'",
    );
    f.step("Detach the removable device during backups, or exclude that disk from the backup (Xen Orchestra skips disks whose name contains [NOBAK]).");
    Some(f)
}

/// The step at which the Windows tools' VSS requester stopped, when the guest agent wrote it as
/// the number of its state (newer agents: `VM_SNAPSHOT_WITH_QUIESCE_FAILED(vm, "5")`; the enum
/// of win-xenvss's CVssClient, whose names XAPI raises as `XEN_VSS_REQ_ERROR_*` when written out).
fn requester_stage(e: &XapiError) -> Option<&'static str> {
    let stage = e.params.get(1)?.trim();
    Some(match stage {
        "0" => "The tools' VSS requester could not initialise (stage 0): Windows' Volume Shadow Copy Service did not start a backup session.",
        "1" => "The guest tools' VSS provider is not loaded (stage 1): it is not installed or not registered with Windows' Volume Shadow Copy Service.",
        "2" => "No volume of the VM is one the guest tools' VSS provider handles (stage 2).",
        "3" => "Windows' Volume Shadow Copy Service could not start a new snapshot set (stage 3), often because another shadow copy is in progress.",
        "4" => "A volume of the VM could not be added to the snapshot set (stage 4).",
        "5" => "The VSS writers of the guest's applications failed to prepare for the snapshot (stage 5): a writer in a failed state vetoes it.",
        "6" => "Creating the shadow copies failed (stage 6), after the writers had prepared.",
        "7" => "The snapshot was taken but its backup document (XML) could not be written (stage 7).",
        _ => return None,
    })
}

fn quiesce_failed(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&XA010, e, facts);
    let vm = facts.vm_phrase();
    f.summary = format!("The quiesced snapshot of {vm} failed: the guest's VSS provider did not freeze its filesystems.").into();
    f.cause = match e.code.as_str() {
        "VM_SNAPSHOT_WITH_QUIESCE_TIMEOUT" => "The guest did not finish freezing its filesystems in time.",
        "VM_SNAPSHOT_WITH_QUIESCE_PLUGIN_DEOS_NOT_RESPOND" => "The VSS plug-in in the guest did not answer.",
        "VM_SNAPSHOT_WITH_QUIESCE_NOT_SUPPORTED" => "The guest has no VSS provider for quiesced snapshots.",
        _ => requester_stage(e).unwrap_or("The guest's VSS provider reported a failure."),
    }
    .into();
    if e.code == "VM_SNAPSHOT_WITH_QUIESCE_FAILED" && requester_stage(e).is_some() {
        f.step_cmd(
            "In the Windows VM, list the VSS writers and providers: a writer whose state is Failed, or no provider of the guest tools, is the cause.",
            "vssadmin list writers & vssadmin list providers",
        );
    }
    f.step("Check that the guest tools with the VSS provider are installed and running in the Windows guest.");
    f.step("Look at the guest's Application event log (VSS source) at the time of the snapshot.");
    f.step("Quiesced snapshots are deprecated on recent releases: use a normal snapshot unless the application requires quiescing.");
    Some(f)
}
