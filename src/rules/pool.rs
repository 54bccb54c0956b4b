//! The pool's state around the operation: a disk missing from its SR, changed-block tracking
//! not usable for an incremental backup, a call sent to a pool member instead of the master, a
//! blocked or cancelled operation, an unreachable host, an expired session, an internal error.

use super::{Facts, Matcher, Rule, RuleInfo};
use crate::input::XapiError;
use crate::model::{Category, Finding, Severity};

pub static XA012: RuleInfo = RuleInfo {
    id: "XA012",
    name: "vdi-missing",
    title: "The disk could not be found on its SR",
    category: Category::MissingBaseVm,
    severity: Severity::Error,
    trigger: "`VDI_MISSING`, `VDI_LOCATION_MISSING`, `VDI_NOT_AVAILABLE`",
    description: "XAPI has a record for the disk but the storage does not have it (or could not attach it): \
                  deleted underneath, a failed scan, or a broken chain.",
    example: r#"["VDI_MISSING", "OpaqueRef:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "OpaqueRef:4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a"]"#,
};

pub static XA013: RuleInfo = RuleInfo {
    id: "XA013",
    name: "cbt-unusable",
    title: "Changed-block tracking cannot be used for this disk",
    category: Category::Configuration,
    severity: Severity::Warning,
    trigger: "`VDI_NO_CBT_METADATA`, `VDI_CBT_ENABLED`, `VDI_NOT_SPARSE`",
    description: "A refusal around changed-block tracking (CBT): deleting a snapshot's data while keeping its CBT \
                  log (as CBT backups do) on a snapshot without CBT, an operation CBT forbids, or a delta-only \
                  disk copy onto an SR that cannot take one.",
    example: r#"["VDI_NO_CBT_METADATA", "OpaqueRef:6f5e4d3c-2b1a-4098-8f7e-6d5c4b3a2f1e"]"#,
};

pub static XA014: RuleInfo = RuleInfo {
    id: "XA014",
    name: "not-pool-master",
    title: "The call went to a pool member, not the master",
    category: Category::Configuration,
    severity: Severity::Warning,
    trigger: "`HOST_IS_SLAVE`",
    description: "API calls must go to the pool master; the tool is connected to a member (for example after a \
                  master change). The error carries the master's address.",
    example: r#"["HOST_IS_SLAVE", "192.0.2.10"]"#,
};

pub static XA015: RuleInfo = RuleInfo {
    id: "XA015",
    name: "operation-blocked",
    title: "The operation is blocked on this object",
    category: Category::Configuration,
    severity: Severity::Error,
    trigger: "`OPERATION_BLOCKED`, `OPERATION_NOT_ALLOWED`",
    description: "Someone set `blocked-operations` on the VM (backup tools themselves block migration during a \
                  backup), or one of XAPI's checks of the objects' state refused the operation and says why \
                  (`OPERATION_NOT_ALLOWED`).",
    example: r#"["OPERATION_BLOCKED", "OpaqueRef:3c2b1a09-8f7e-4d6c-a5b4-3c2d1e0f9a8b", "Protected from accidental deletion"]"#,
};

pub static XA016: RuleInfo = RuleInfo {
    id: "XA016",
    name: "task-cancelled",
    title: "The operation was cancelled",
    category: Category::Other,
    severity: Severity::Warning,
    trigger: "`TASK_CANCELLED`",
    description: "The XAPI task was cancelled — by a user, by the backup tool on timeout, or by a toolstack restart.",
    example: r#"["TASK_CANCELLED", "OpaqueRef:9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"]"#,
};

pub static XA017: RuleInfo = RuleInfo {
    id: "XA017",
    name: "host-unreachable",
    title: "A host needed by the operation is unreachable",
    category: Category::StorageUnreachable,
    severity: Severity::Error,
    trigger: "`HOST_OFFLINE`, `NO_HOSTS_AVAILABLE`, `VM_REQUIRES_SR` (the category follows the code's)",
    description: "The operation needs a host that is down or not responding, or no host can see all the SRs the \
                  VM needs.",
    example: r#"["HOST_OFFLINE", "OpaqueRef:1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b"]"#,
};

pub static XA018: RuleInfo = RuleInfo {
    id: "XA018",
    name: "session-invalid",
    title: "The XAPI session is no longer valid",
    category: Category::Other,
    severity: Severity::Warning,
    trigger: "`SESSION_INVALID`, `SESSION_AUTHENTICATION_FAILED` (the category follows the code's)",
    description: "The session expired (toolstack restart, too many sessions) or the credentials were refused.",
    example: r#"["SESSION_INVALID", "OpaqueRef:8b9a0c1d-2e3f-4a5b-6c7d-8e9f0a1b2c3d"]"#,
};

pub static XA019: RuleInfo = RuleInfo {
    id: "XA019",
    name: "xapi-internal-error",
    title: "XAPI hit an internal error",
    // An exception xapi has no error code for is, more often than anything else, a bug of the
    // xapi or storage driver in use that an update fixes (the corpus's development cases that
    // end on this finding: 5 of 6). Words that point elsewhere (a full disk, a refused login…)
    // and a named toolstack exception still set their own category.
    category: Category::XapiVersion,
    severity: Severity::Error,
    trigger: "`INTERNAL_ERROR`",
    description: "XAPI failed with an exception it has no specific error for (the message parameter names it): most often a bug of the xapi or storage driver in use, fixed by an update.",
    example: r#"["INTERNAL_ERROR", "Storage_error ([S(Backend_error);[S(SR_BACKEND_FAILURE_46);[S();S(The VDI is not available);S()]]])"]"#,
};

pub static RULES: &[Rule] = &[
    Rule { info: &XA012, matcher: Matcher::Xapi { codes: &["VDI_MISSING", "VDI_LOCATION_MISSING", "VDI_NOT_AVAILABLE"], sr_values: &[], build: vdi_missing } },
    Rule { info: &XA013, matcher: Matcher::Xapi { codes: &["VDI_NO_CBT_METADATA", "VDI_CBT_ENABLED", "VDI_NOT_SPARSE"], sr_values: &[], build: cbt } },
    Rule { info: &XA014, matcher: Matcher::Xapi { codes: &["HOST_IS_SLAVE"], sr_values: &[], build: not_master } },
    Rule { info: &XA015, matcher: Matcher::Xapi { codes: &["OPERATION_BLOCKED", "OPERATION_NOT_ALLOWED"], sr_values: &[], build: blocked } },
    Rule { info: &XA016, matcher: Matcher::Xapi { codes: &["TASK_CANCELLED"], sr_values: &[], build: cancelled } },
    Rule { info: &XA017, matcher: Matcher::Xapi { codes: &["HOST_OFFLINE", "NO_HOSTS_AVAILABLE", "VM_REQUIRES_SR"], sr_values: &[], build: host_unreachable } },
    Rule { info: &XA018, matcher: Matcher::Xapi { codes: &["SESSION_INVALID", "SESSION_AUTHENTICATION_FAILED"], sr_values: &[], build: session } },
    Rule { info: &XA019, matcher: Matcher::Xapi { codes: &["INTERNAL_ERROR"], sr_values: &[], build: internal } },
];

fn vdi_missing(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&XA012, e, facts);
    if e.code == "VDI_NOT_AVAILABLE" {
        // The disk exists: the storage driver failed to attach or activate it. A rescan changes
        // nothing there; the driver's own error (SMlog, on the host that attached it) says why.
        f.category = Category::StorageUnreachable;
        f.title = "The disk could not be attached".into();
        f.summary = "The disk could not be attached to the VM.".into();
        f.cause = "The storage driver failed to attach or activate the disk on the host: the SR is not plugged \
                   there, the driver cannot reach or open the image, or the image is locked or busy elsewhere."
            .into();
        f.step_cmd(
            "Check that the SR is plugged on the host that attaches the disk.",
            format!("xe pbd-list sr-uuid={} params=uuid,host-name-label,currently-attached", facts.sr_uuid()),
        );
        f.step_cmd(
            "Read the storage driver's error for the attach in SMlog on that host.",
            "grep -iE 'attach|activate|exception' /var/log/SMlog | tail -n 60",
        );
        return Some(f);
    }
    f.summary = "XAPI's record of the disk has no matching image on the SR.".into();
    f.cause = "The disk's VHD or logical volume is gone or unreadable (deleted outside XAPI, a failed coalesce, a \
               storage problem), or the SR's records are out of date."
        .into();
    f.step_cmd("Rescan the SR so XAPI's records match what is on the storage.", format!("xe sr-scan uuid={}", facts.sr_uuid()));
    f.step_cmd("Look in SMlog for errors about the disk (missing parent, failed coalesce).", "grep -iE 'not found|missing|exception' /var/log/SMlog | tail -n 40");
    Some(f)
}

fn cbt(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&XA013, e, facts);
    f.summary = match e.code.as_str() {
        "VDI_NO_CBT_METADATA" => "Deleting the snapshot's data while keeping its changed-block tracking log was refused: CBT is not enabled on that snapshot's disk.".into(),
        "VDI_CBT_ENABLED" => "The operation is not allowed while changed-block tracking is enabled on the disk.".into(),
        _ => "A copy of only the changed blocks onto an existing disk was refused: the destination SR cannot hold a sparse copy.".into(),
    };
    f.step_cmd("Check whether CBT is enabled on the VM's disks.", format!("xe vdi-list params=uuid,name-label,cbt-enabled sr-uuid={}", facts.sr_uuid()));
    match e.code.as_str() {
        "VDI_CBT_ENABLED" => {
            f.cause = "XAPI refuses some operations on a disk whose changed-block tracking is on (on the VMs that have \
                       such disks too): mirroring the disk to another SR, so a migration of the VM with its storage, \
                       and setting the disk to reset on boot."
                .into();
            f.step_cmd("Disable CBT on the disk for this operation (its next incremental backup is then a full one).", format!("xe vdi-disable-cbt uuid={}", facts.vdi_uuid()));
        }
        "VDI_NOT_SPARSE" => {
            f.cause = "XAPI raises it from VDI.copy given a base disk (a delta copy) when the destination's SR has to \
                       write zeroes into every new disk: a legacy LVM SR (lvm, lvmoiscsi, lvmohba) not converted to \
                       VHD, a disk asked for in raw format, a thick-provisioned EqualLogic SR or a StorageLink SR. \
                       There, blocks left out of the copy would read as zeroes, not as the base's data."
                .into();
            f.step_cmd("Check the destination SR's type and whether it stores disks as VHD.", "xe sr-param-list uuid=<destination-sr-uuid> | grep -E 'type|sm-config'");
            f.step("Copy the whole disk instead (no base), or send the copies to an SR that stores disks as VHD or QCOW2 (file-based, or a current LVM SR).");
        }
        _ => {
            f.cause = "XAPI raises it for VDI.data_destroy, which frees a snapshot's data and keeps only its CBT log: \
                       Xen Orchestra calls it after a CBT backup when the job purges snapshot data. It is refused when \
                       the snapshot's disk has no CBT log, because CBT was not enabled on the VM's disk when the \
                       snapshot was taken, or was disabled since."
                .into();
            f.step_cmd(
                "List the VM's disks and enable CBT on each (`xe vdi-enable-cbt uuid=` and the disk's VDI, not the snapshot's) so the next snapshots carry a CBT log; Xen Orchestra enables it itself before its snapshot when the job purges snapshot data.",
                format!("xe vbd-list vm-uuid={} type=Disk params=vdi-uuid", facts.vm_uuid()),
            );
            f.step("Or turn off the job's \"Purge snapshot data when using CBT\" option in Xen Orchestra; the snapshot is then kept whole.");
        }
    }
    Some(f)
}

fn not_master(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&XA014, e, facts);
    let master = e.params.first().filter(|s| !s.is_empty());
    f.summary = match master {
        Some(ip) => format!("The call went to a pool member; the pool master is at {ip}.").into(),
        None => "The call went to a pool member instead of the pool master.".into(),
    };
    f.cause = "Only the pool master accepts API calls. The tool is connected to a member, usually after the master role moved.".into();
    f.step("Point the tool's pool connection at the current master (Xen Orchestra follows the redirect by itself).");
    Some(f)
}

fn blocked(e: &XapiError, facts: &Facts) -> Option<Finding> {
    if e.code == "OPERATION_NOT_ALLOWED" {
        return Some(not_allowed(e, facts));
    }
    let mut f = Finding::of_xapi(&XA015, e, facts);
    let p = e.named_params();
    f.summary = match (e.code.as_str(), p.get("code"), p.get("reason")) {
        // The parameter is the value of the object's `blocked-operations` entry: the reason whoever
        // blocked the operation wrote there, not the operation's name.
        ("OPERATION_BLOCKED", Some(reason), _) => format!("The object's blocked-operations setting refuses this operation, with the reason “{reason}”.").into(),
        (_, _, Some(reason)) => format!("XAPI does not allow the operation: {reason}.").into(),
        _ => "The operation is blocked on this object.".into(),
    };
    f.cause = "An object's `blocked-operations` map forbids it (set by a user, or by a tool during its own work), or \
               the object's state does not allow it."
        .into();
    f.step_cmd("See which operations are blocked on the VM.", format!("xe vm-param-get uuid={} param-name=blocked-operations", facts.vm_uuid()));
    f.step_cmd("Remove a block that is not wanted any more.", format!("xe vm-param-remove uuid={} param-name=blocked-operations param-key=<operation>", facts.vm_uuid()));
    Some(f)
}

/// `OPERATION_NOT_ALLOWED(reason)`: one of XAPI's own checks of the objects' state refused the
/// call and says why in words (a VBD still plugged when it is destroyed, a snapshot while the disk
/// is being copied, an SR used for disaster recovery). It is not `blocked-operations`, which
/// raises `OPERATION_BLOCKED`, so no step touches that map.
fn not_allowed(e: &XapiError, facts: &Facts) -> Finding {
    let mut f = Finding::of_xapi(&XA015, e, facts);
    f.title = "XAPI does not allow the operation in the objects' current state".into();
    let reason = e.param("reason").map(str::trim).filter(|r| !r.is_empty());
    f.summary = match reason {
        Some(reason) => format!("XAPI refused the operation: {}", with_full_stop(reason)).into(),
        None => "XAPI refused the operation in the objects' current state.".into(),
    };
    if let Some((device, device_uuid, vm_uuid)) = reason.and_then(still_attached) {
        let (kind, cli) = if device.eq_ignore_ascii_case("VUSB") { ("USB device", "vusb") } else { ("disk", "vbd") };
        f.cause = format!(
            "A {device} can be destroyed only once it is unplugged: this one is still plugged into the VM {vm_uuid} \
             (or reserved by an operation on it). Deleting a disk or a snapshot of a running VM, or a backup cleaning up \
             a {kind} it attached, meets this when the unplug did not happen or failed."
        ).into();
        f.step_cmd(format!("See where the {device} is plugged."), format!("xe {cli}-list uuid={device_uuid} params=all"));
        f.step_cmd(format!("Unplug it (the VM's operating system must release the {kind}), or shut the VM down."), format!("xe {cli}-unplug uuid={device_uuid}"));
        f.step("Then run the operation again.");
        return f;
    }
    f.cause = "XAPI checks every operation against the state of the objects it touches (power state, plugged devices, \
               operations already running, the SR's role) and refuses it with a reason in words when a check fails. \
               The reason above names the state that has to change first."
        .into();
    f.step_cmd("See what else is running on the VM.", format!("xe vm-param-get uuid={} param-name=current-operations", facts.vm_uuid()));
    f.step("Bring the objects into the state the reason asks for (wait for the other operation, unplug, shut down), then retry.");
    f
}

fn with_full_stop(s: &str) -> String {
    if s.ends_with(['.', '!', '?']) { s.to_string() } else { format!("{s}.") }
}

/// `VBD '<uuid>' still attached to '<vm-uuid>'` (also `VUSB …`): the device's kind, its uuid and
/// the VM's, from XAPI's refusal to destroy a device that is still plugged.
fn still_attached(reason: &str) -> Option<(&str, &str, &str)> {
    const MIDDLE: &str = "' still attached to '";
    let at = reason.find(MIDDLE)?;
    let before = reason.get(..at)?;
    let device_uuid = before.get(before.len().checked_sub(36)?..).and_then(crate::model::uuid_prefix)?;
    let device = before.get(..before.len() - 36)?.strip_suffix('\'')?.trim_end().rsplit(' ').next()?;
    let vm_uuid = reason.get(at + MIDDLE.len()..).and_then(crate::model::uuid_prefix)?;
    (!device.is_empty()).then_some((device, device_uuid, vm_uuid))
}

fn cancelled(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&XA016, e, facts);
    f.summary = "The operation's task was cancelled before it finished.".into();
    f.cause = "A user or the backup tool (on timeout) cancelled the task, or the toolstack restarted.".into();
    f.step("Check who cancelled it (the task list of the backup tool, a toolstack restart in /var/log/xensource.log), then retry.");
    Some(f)
}

fn host_unreachable(e: &XapiError, facts: &Facts) -> Option<Finding> {
    if e.code == "VM_REQUIRES_SR" && is_migration(e) {
        return Some(disks_out_of_target_reach(e, facts));
    }
    let mut f = Finding::of_xapi(&XA017, e, facts);
    f.use_code_category(&e.code);
    match e.code.as_str() {
        // No host qualifies: nothing says a host is down, so the title does not either.
        "NO_HOSTS_AVAILABLE" => {
            f.title = "No host of the pool can run the VM".into();
            f.summary = "No host of the pool could run the operation.".into();
            f.cause = "Every host was ruled out: not enough free memory (or physical CPUs) for the VM, disabled or \
                       offline, or unable to see an SR or network the VM needs."
                .into();
            f.step_cmd("Compare each host's free memory with the VM's, and check the hosts' state.", "xe host-list params=name-label,enabled,host-metrics-live,memory-free");
            f.step_cmd("Check the VM's memory and vCPUs.", format!("xe vm-param-list uuid={} | grep -E 'memory-static-max|memory-dynamic|VCPUs-max'", facts.vm_uuid()));
            f.step_cmd("Check that each SR of the VM is plugged on the hosts.", format!("xe pbd-list sr-uuid={} params=host-name-label,currently-attached", facts.sr_uuid()));
            return Some(f);
        }
        "VM_REQUIRES_SR" => {
            f.title = "The host cannot see an SR the VM's disks are on".into();
            f.summary = "The host cannot see an SR the VM's disks are on.".into();
        }
        _ => f.summary = "A host involved in the operation could not be contacted.".into(),
    }
    f.cause = "The host is down, disconnected from the pool, or lacks a connection to a storage the VM needs.".into();
    f.step_cmd("Check the hosts' state.", "xe host-list params=name-label,enabled,host-metrics-live");
    f.step_cmd("Check that each SR of the VM is plugged on the host.", format!("xe pbd-list sr-uuid={} params=host-name-label,currently-attached", facts.sr_uuid()));
    Some(f)
}

/// `VM_REQUIRES_SR` during a migration: a placement problem far more often than an outage. The
/// VM's disks are where the target host cannot see them (a local SR of another host), so a
/// plain migration cannot work.
fn disks_out_of_target_reach(e: &XapiError, facts: &Facts) -> Finding {
    let mut f = Finding::of_xapi(&XA017, e, facts);
    f.title = "The target host cannot see an SR the VM's disks are on".into();
    f.category = Category::Configuration;
    f.summary = "The VM cannot move to that host: one of its disks is on an SR the host does not see.".into();
    f.cause = "A live migration inside the pool keeps the VM's disks where they are, so every SR holding one of them \
               must be plugged on the target host; a disk on another host's local SR (or on a shared SR whose PBD is \
               unplugged there) rules that host out."
        .into();
    f.step_cmd(
        "See which SRs hold the VM's disks and whether they are local (shared=false) or plugged on the target host.",
        format!("xe vm-disk-list vm={} vbd-params=device vdi-params=uuid,name-label,sr-uuid,sr-name-label && xe sr-list params=uuid,name-label,shared,type", facts.vm_uuid()),
    );
    f.step_cmd(
        "Migrate the VM with its disks (storage migration) to an SR the target host sees, or choose a host that sees them.",
        "xe vm-migrate uuid=<vm-uuid> host=<target-host> vdi:<vdi-uuid>=<target-sr-uuid> live=true",
    );
    f.step_cmd("If the SR is shared, plug it on the target host.", format!("xe pbd-list sr-uuid={} params=uuid,host-name-label,currently-attached", facts.sr_uuid()));
    f
}

/// Whether the failed call moves a running VM (a migration, or a host's evacuation), as the
/// error's call or task names it.
fn is_migration(e: &XapiError) -> bool {
    [e.call.as_deref(), e.subject.task.as_deref()].into_iter().flatten().any(|name| {
        let name = name.to_ascii_lowercase();
        name.contains("migrat") || name.contains("evacuat")
    })
}

fn session(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&XA018, e, facts);
    f.use_code_category(&e.code);
    if e.code == "SESSION_AUTHENTICATION_FAILED" {
        f.severity = Severity::Error;
    }
    f.summary = if e.code == "SESSION_AUTHENTICATION_FAILED" {
        "The pool refused the credentials.".into()
    } else {
        "The XAPI session expired during the operation.".into()
    };
    f.cause = "Sessions end on toolstack restarts and when a host keeps too many; credentials can change.".into();
    f.step("Reconnect the tool to the pool (check the credentials); Xen Orchestra logs in again by itself for expired sessions.");
    Some(f)
}

fn internal(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&XA019, e, facts);
    let message = e.params.first().map(|p| unescape_log_newlines(p)).unwrap_or_default();
    f.summary = match python_failure(&message) {
        Some((program, exception)) => format!("XAPI failed internally: {program} stopped on a Python error: {exception}").into(),
        None if message.trim().is_empty() => "XAPI failed internally: no message.".into(),
        // A message that only announces its details ("xenopsd internal error:") had them on the
        // lines after it, which the error's parameter did not keep.
        None => match super::smlog::one_line(message.trim()).strip_suffix(':') {
            Some(head) => format!("XAPI failed internally: {} (the details follow it in the output).", head.trim_end()).into(),
            None => format!("XAPI failed internally: {}", super::smlog::one_line(message.trim())).into(),
        },
    };
    f.cause = "An exception inside XAPI that has no specific error code: usually a bug of the xapi, storage driver \
               or plugin in use (often one an update already fixes), sometimes a state it does not expect, such as an \
               object removed while it worked. Storage failures sometimes arrive wrapped this way; a code inside the \
               message (SR_BACKEND_FAILURE_…) is the real error."
        .into();
    f.step_cmd("Find the exception in XAPI's log on the pool master.", "grep -B 5 -A 20 'INTERNAL_ERROR' /var/log/xensource.log | tail -n 80");
    let inner = e.params.iter().find_map(|p| super::codes::toolstack_error_in(p));
    match inner {
        // A toolstack interface error inside the message (`Xenopsd_error([S(Does_not_exist);…`)
        // is the exception itself: its category is known, the wording's guess is not needed.
        // One the catalogue files under `other` says no more about the kind of failure than the
        // INTERNAL_ERROR around it, so XA019's own reading (most often a bug an update fixes) stays.
        Some(t) => {
            if t.category != Category::Other {
                f.category = t.category;
            } else {
                // Still the catch-all reading, with the exception's name: a signature that reads
                // the same error under the same category repeats it closer to its cause.
                f.priority = 0;
            }
            f.codes.push(format!("{}{}", super::codes::toolstack_prefix(t.interface), t.name));
            // The generic text ("an exception … that has no specific error code", "a code inside
            // the message is the real error") would now contradict the named exception.
            f.cause = format!(
                "The exception is the toolstack's `{}`: {} XAPI has no public error code for it, so it reported it as INTERNAL_ERROR.",
                t.name, t.meaning
            ).into();
            f.step_cmd(
                "Read the operation around this error in XAPI's log.",
                format!("grep -n -B 10 -A 10 '{}' /var/log/xensource.log | tail -n 80", t.name),
            );
        }
        None => {
            // Without a named exception this is the catch-all reading of INTERNAL_ERROR: a
            // signature that reads the same message closer to its cause ranks above it, and
            // repeats it, whatever its category (`model::drop_repeated_readings`).
            f.priority = 0;
            f.catch_all = true;
            let params: Vec<String> = e.params.iter().map(|p| unescape_log_newlines(p)).collect();
            // Words that say more (a Python error, a full disk…) bring their own first step.
            if !super::wording::apply(&mut f, params.iter().flat_map(|p| p.lines())) {
                f.step_cmd(
                    "Check that every host runs the same, current version, and look the exception up in the release notes of the updates not yet installed.",
                    "xe host-list params=name-label,software-version; yum check-update",
                );
            }
        }
    }
    Some(f)
}

/// An exception message as xensource.log writes it, with its line breaks back: OCaml's escaping
/// (`\x0A`) and syslog's (`#012`) both turn a Python traceback of a subprocess into one line.
fn unescape_log_newlines(message: &str) -> String {
    if !(message.contains("\\x0A") || message.contains("\\x0a") || message.contains("#012")) {
        return message.to_string();
    }
    message.replace("\\x0A", "\n").replace("\\x0a", "\n").replace("#012", "\n")
}

/// The program and the exception of a Python traceback inside `message`: the script of the
/// outermost frame (`File "/opt/xensource/libexec/mail-alarm", line 1055`) and the last line
/// naming an exception (`TypeError: a bytes-like object is required, not 'str'`).
fn python_failure(message: &str) -> Option<(&str, &str)> {
    let at = message.find("Traceback (most recent call last):")?;
    let traceback = &message[at..];
    let program = traceback.split("File \"").nth(1).and_then(|rest| rest.split('"').next()).filter(|p| !p.is_empty())?;
    let exception = traceback.lines().map(str::trim).rfind(|l| is_exception_line(l))?;
    Some((program, exception))
}

/// `TypeError: …`, `exceptions.KeyError: 'x'`, `subprocess.CalledProcessError`, `XenAPI.Failure: …`.
fn is_exception_line(line: &str) -> bool {
    let name = line.split(':').next().unwrap_or_default();
    let last = name.rsplit('.').next().unwrap_or_default();
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        && last.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
        && (last.ends_with("Error") || last.ends_with("Exception") || last == "Failure" || last.ends_with("Exit"))
}

#[cfg(test)]
mod tests {
    use crate::options::Options;

    #[test]
    fn a_disk_that_could_not_be_attached_is_not_told_as_missing() {
        let d = crate::diagnose_text(r#"["VDI_NOT_AVAILABLE", "OpaqueRef:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]"#, &Options::default())
            .expect("diagnosis");
        let f = d.findings.iter().find(|f| f.rule == "XA012").expect("XA012");
        assert_eq!(f.title, "The disk could not be attached");
        assert!(!f.remediation.iter().any(|s| s.command.as_deref().is_some_and(|c| c.contains("sr-scan"))));
        let d = crate::diagnose_text(r#"["VDI_MISSING", "OpaqueRef:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "OpaqueRef:4d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a"]"#, &Options::default())
            .expect("diagnosis");
        let f = d.findings.iter().find(|f| f.rule == "XA012").expect("XA012");
        assert_eq!(f.title, "The disk could not be found on its SR");
    }

    #[test]
    fn no_host_available_is_not_told_as_a_host_outage() {
        let d = crate::diagnose_text(r#"["NO_HOSTS_AVAILABLE"]"#, &Options::default()).expect("diagnosis");
        let f = d.findings.iter().find(|f| f.rule == "XA017").expect("XA017");
        assert_eq!(f.title, "No host of the pool can run the VM");
        assert!(f.cause.contains("free memory"), "{}", f.cause);
    }
}
