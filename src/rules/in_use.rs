//! Conflicts with other operations: the disk is attached or busy, another operation holds the
//! object, the object vanished meanwhile, XAPI is saturated, or the VM is in the wrong power
//! state. Common with parallel backups and with leftovers of an interrupted backup.

use super::{Facts, Matcher, Rule, RuleInfo};
use crate::input::XapiError;
use crate::model::{Category, Finding, Severity};

pub static XA001: RuleInfo = RuleInfo {
    id: "XA001",
    name: "vdi-in-use",
    title: "The disk is in use by another operation",
    category: Category::VdiInUse,
    severity: Severity::Error,
    trigger: "`VDI_IN_USE` (also raised with empty parameters for the storage manager's fault 24)",
    description: "The disk is attached (often still plugged to the control domain after an interrupted export) or \
                  busy with another operation, so it cannot be destroyed, snapshotted or exported now.",
    example: r#"["VDI_IN_USE", "OpaqueRef:8c7f2d1e-3b4a-4c5d-9e6f-7a8b9c0d1e2f", "destroy"]"#,
};

pub static XA002: RuleInfo = RuleInfo {
    id: "XA002",
    name: "other-operation-in-progress",
    title: "Another operation is running on the same object",
    category: Category::LockOrTimeout,
    severity: Severity::Error,
    trigger: "`OTHER_OPERATION_IN_PROGRESS`",
    description: "XAPI serialises some operations per object; a second one (a parallel backup, a manual snapshot, \
                  a migration) was refused while the first runs.",
    example: r#"["OTHER_OPERATION_IN_PROGRESS", "VM", "OpaqueRef:5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d", "snapshot", "OpaqueRef:0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f"]"#,
};

pub static XA003: RuleInfo = RuleInfo {
    id: "XA003",
    name: "object-vanished",
    title: "The object was deleted during the operation",
    category: Category::Other,
    severity: Severity::Error,
    trigger: "`HANDLE_INVALID`, `UUID_INVALID`",
    description: "The operation referred to a VM, snapshot, disk or task that no longer exists — typically deleted \
                  by a concurrent cleanup, or another job removing its own snapshots.",
    example: r#"{"Status": "Failure", "ErrorDescription": ["HANDLE_INVALID", "VDI", "OpaqueRef:2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"]}"#,
};

// source: vatesfr/xen-orchestra @xen-orchestra/xapi/index.mjs@9ef53890 L166, L172 — callRetryWhenTooManyPendingTasks and
// vdiDestroyRetryWhenInUse = { delay: 5e3, tries: 10 } (promise-toolbox retry: ten tries, nine waits of 5 s)
pub static XA004: RuleInfo = RuleInfo {
    id: "XA004",
    name: "too-many-pending-tasks",
    title: "XAPI has too many pending tasks",
    category: Category::LockOrTimeout,
    severity: Severity::Warning,
    trigger: "`TOO_MANY_PENDING_TASKS`",
    description: "XAPI refuses new tasks while too many are queued; Xen Orchestra tries the call ten times, five seconds \
                  apart (about 45 seconds), before giving up.",
    example: r#"["TOO_MANY_PENDING_TASKS"]"#,
};

pub static XA005: RuleInfo = RuleInfo {
    id: "XA005",
    name: "vm-bad-power-state",
    title: "The VM is not in the power state the operation needs",
    category: Category::Configuration,
    severity: Severity::Error,
    trigger: "`VM_BAD_POWER_STATE`",
    description: "The operation needs the VM halted, running or suspended, and it is not — for example a VM that \
                  was shut down or started while the backup ran.",
    example: r#"["VM_BAD_POWER_STATE", "OpaqueRef:7e6d5c4b-3a29-4187-9f6e-5d4c3b2a1908", "halted", "running"]"#,
};

pub static RULES: &[Rule] = &[
    Rule { info: &XA001, matcher: Matcher::Xapi { codes: &["VDI_IN_USE"], sr_values: &[], build: vdi_in_use } },
    Rule { info: &XA002, matcher: Matcher::Xapi { codes: &["OTHER_OPERATION_IN_PROGRESS"], sr_values: &[], build: other_operation } },
    Rule { info: &XA003, matcher: Matcher::Xapi { codes: &["HANDLE_INVALID", "UUID_INVALID"], sr_values: &[], build: vanished } },
    Rule { info: &XA004, matcher: Matcher::Xapi { codes: &["TOO_MANY_PENDING_TASKS"], sr_values: &[], build: too_many_tasks } },
    Rule { info: &XA005, matcher: Matcher::Xapi { codes: &["VM_BAD_POWER_STATE"], sr_values: &[], build: bad_power_state } },
];

fn vdi_in_use(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&XA001, e, facts);
    // The finding's params are the error's by name already (a second `named_params` copied them
    // again on every call), and a uuid cannot span two parameters, so each is searched in turn
    // instead of their join.
    // An opaque reference (`OpaqueRef:d525416f-…`) has a uuid's shape but is not the disk's uuid:
    // `xe vbd-list vdi-uuid=` with it finds nothing, so only a parameter that is not a
    // reference may name the disk.
    let vdi = facts
        .subject
        .vdi_uuid
        .as_deref()
        .or_else(|| e.params.iter().filter(|p| !p.starts_with("OpaqueRef:")).find_map(|p| super::find_uuid(p)));
    f.summary = match f.params.get("operation").filter(|s| !s.is_empty()) {
        // (`concat`, not `format!`: the formatting machinery cost more than the texts.)
        Some(op) => ["The disk could not be used for `", op, "`: it is attached or busy elsewhere."].concat().into(),
        None => "The disk is in use: it is attached or busy with another operation.".into(),
    };
    f.cause = "A disk that is attached (to a VM, or to the control domain while a backup exports it) or locked by \
               another storage operation cannot be destroyed or changed. Interrupted backups often leave a snapshot \
               plugged to the control domain (Xen Orchestra, for one, tries destroying such a snapshot ten times, five seconds apart: about 45 seconds)."
        .into();
    if e.params.first().is_some_and(|p| p.starts_with("OpaqueRef:")) {
        f.step(
            [
                "The error names the disk by its opaque reference (",
                e.params[0].as_str(),
                "); Xen Orchestra's disk view, or the API call VDI.get_uuid, gives its uuid for the commands below.",
            ]
            .concat(),
        );
    }
    f.step_cmd(
        "See which VMs have the disk attached (a VBD of Control domain means a leftover export).",
        joined!(vdi.is_none(); "xe vbd-list vdi-uuid=", vdi.unwrap_or("<vdi-uuid>"), " params=uuid,vm-name-label,currently-attached"),
    );
    f.step_cmd("If nothing is using it any more, unplug the stale attachment…", "xe vbd-unplug uuid=<vbd-uuid>");
    f.step_cmd("…and remove it.", "xe vbd-destroy uuid=<vbd-uuid>");
    f.step("Then retry the operation; avoid overlapping jobs that touch the same VM.");
    Some(f)
}

fn other_operation(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&XA002, e, facts);
    let params = e.named_params();
    let class = params.get("class").unwrap_or("object");
    let op = params.get("operation_type").filter(|s| !s.is_empty());
    f.summary = match op {
        Some(op) => format!("The {class} is busy with another operation ({op}); this one was refused.").into(),
        None => format!("The {class} is busy with another operation; this one was refused.").into(),
    };
    f.cause = "Two operations on the same VM or disk overlapped: two backup jobs, a manual snapshot during a \
               backup, or a migration."
        .into();
    f.step_cmd("See the running tasks.", "xe task-list params=uuid,name-label,status,progress,created");
    f.step("Wait for the other operation, then retry; schedule jobs so they do not cover the same VM at the same time.");
    f.step_cmd("Cancel a task that is stuck (carefully).", "xe task-cancel uuid=<task-uuid>");
    Some(f)
}

fn vanished(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&XA003, e, facts);
    let class = e.named_params().get("class").unwrap_or("object").to_string();
    let article = if class.starts_with(['a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U']) || class == "SR" { "an" } else { "a" };
    // UUID_INVALID names the value it was given: an opaque reference there was never a uuid (the
    // client passed a reference where XAPI's call takes a uuid, e.g. `VM.get_by_uuid`), so nothing
    // needs to have been deleted.
    if e.code == "UUID_INVALID" && e.params.get(1).is_some_and(|p| p.starts_with("OpaqueRef:")) {
        f.title = "An object was looked up by uuid with an opaque reference".into();
        f.summary = format!("The operation looked {article} {class} up by uuid with an opaque reference instead.").into();
        f.cause = "XAPI was given a reference (OpaqueRef:…) where it takes a uuid: the program that made the call mixed \
                   the two, so the object need not be gone."
            .into();
        f.step("Update the program that made the call (the tool or Xen Orchestra release), or pass the object's uuid.");
        return Some(f);
    }
    f.summary = format!("The operation referred to {article} {class} that no longer exists.").into();
    f.cause = "The object was deleted while the operation ran: another job's cleanup removed a snapshot, a VM \
               was deleted, or a task finished and was destroyed."
        .into();
    f.step("Retry: the next run works on fresh objects.");
    f.step("If it repeats, look for two jobs (or a job and a manual cleanup) handling the same VM's snapshots.");
    Some(f)
}

fn too_many_tasks(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&XA004, e, facts);
    f.summary = "The pool master refused a new task: too many are already pending.".into();
    f.cause = "Many concurrent operations (backup jobs with high concurrency, monitoring tools) saturated XAPI's task queue.".into();
    f.step_cmd("See how many tasks are pending on the pool master.", "xe task-list params=name-label,status | grep -c pending");
    f.step("Lower the backup jobs' concurrency and spread the schedules.");
    Some(f)
}

fn bad_power_state(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&XA005, e, facts);
    let p = e.named_params();
    // XAPI before 1.9.70 (xapi-project/xen-api e6e8a63, 2015) turned xenopsd's Bad_power_state(found, expected)
    // into VM_BAD_POWER_STATE [expected; found], without the VM reference: the first field holds the needed
    // state, the second the one xenopsd found, and the third is missing (xe prints `actual: <unknown>`).
    let shifted = match (p.get("vm"), p.get("actual")) {
        (Some(vm), actual) => is_power_state(vm) && actual.is_none_or(|a| a.is_empty() || a == "<unknown>"),
        _ => false,
    };
    f.summary = match (p.get("vm"), p.get("expected"), p.get("actual")) {
        (Some(needed), Some(found), _) if shifted => format!(
            "The operation needed the VM {needed}, but the VM was {found}. (This error's fields are shifted: it \
             comes from an old XAPI that left out the VM reference, so the state printed as the VM is the state \
             needed and the one printed as expected is the state found.)"
        )
        .into(),
        (_, Some(exp), Some(act)) => format!("The operation needed the VM {exp}, but it is {act}.").into(),
        _ => "The VM is not in the power state the operation needs.".into(),
    };
    let why = "The operation requires the VM in one power state (halted, or running) and the VM was in another: its \
               state changed meanwhile, or the operation was asked of it in that state";
    f.cause = if shifted {
        format!(
            "{why}. XAPI releases before 1.9.70 (2015) reported this error with the VM reference missing, so its \
             fields are off by one; updating XAPI fixes the message, not the state."
        )
    } else {
        format!("{why} (a live migration of a halted VM, a device change refused on a running one).")
    }
    .into();
    f.step_cmd("Check the VM's power state.", format!("xe vm-list uuid={} params=name-label,power-state", facts.vm_uuid()));
    f.step("Retry when the VM is in the state the operation needs (shut it down or start it first); for offline backups, make sure nothing restarts the VM during the job.");
    Some(f)
}

/// A VM power state as XAPI names it (`Halted`, `running`…), not a VM reference or uuid.
fn is_power_state(value: &str) -> bool {
    ["halted", "running", "paused", "suspended"].iter().any(|s| value.trim().eq_ignore_ascii_case(s))
}

#[cfg(test)]
mod tests {
    use crate::options::Options;

    fn commands(text: &str) -> Vec<String> {
        let d = crate::diagnose_text(text, &Options::default()).expect("diagnosis");
        let f = d.findings.first().expect("a finding");
        assert_eq!(f.rule, "XA001");
        f.remediation.iter().filter_map(|s| s.command.as_deref().map(str::to_string)).collect()
    }

    #[test]
    fn an_opaque_reference_is_not_taken_for_the_disk_uuid() {
        let by_ref = commands("VDI_IN_USE(OpaqueRef:8c7f2d1e-3b4a-4c5d-9e6f-7a8b9c0d1e2f, destroy)");
        assert!(by_ref.iter().any(|c| c.contains("vdi-uuid=<vdi-uuid>")), "{by_ref:?}");
        assert!(!by_ref.iter().any(|c| c.contains("8c7f2d1e")), "{by_ref:?}");
        let by_uuid = commands(r#"["VDI_IN_USE", "5f0e1d2c-3b4a-4968-8776-5a4b3c2d1e0f", "snapshot"]"#);
        assert!(by_uuid.iter().any(|c| c.contains("vdi-uuid=5f0e1d2c-3b4a-4968-8776-5a4b3c2d1e0f")), "{by_uuid:?}");
    }

    #[test]
    fn an_old_xapis_bad_power_state_without_the_vm_is_read_shifted() {
        let xa005 = |text: &str| {
            let d = crate::diagnose_text(text, &Options::default()).expect("diagnosis");
            d.findings.into_iter().find(|f| f.rule == "XA005").expect("XA005")
        };
        let old = xa005(r#"["VM_BAD_POWER_STATE", "halted", "running"]"#);
        assert!(old.summary.contains("needed the VM halted, but the VM was running"), "{}", old.summary);
        assert!(old.cause.contains("1.9.70"), "{}", old.cause);
        let current = xa005(r#"["VM_BAD_POWER_STATE", "OpaqueRef:7e6d5c4b-3a29-4187-9f6e-5d4c3b2a1908", "halted", "running"]"#);
        assert!(current.summary.contains("needed the VM halted, but it is running"), "{}", current.summary);
        assert!(!current.cause.contains("1.9.70"), "{}", current.cause);
    }

    #[test]
    fn a_reference_given_as_a_uuid_is_not_a_deleted_object() {
        let xa003 = |text: &str| {
            let d = crate::diagnose_text(text, &Options::default()).expect("diagnosis");
            d.findings.into_iter().find(|f| f.rule == "XA003").expect("XA003")
        };
        let by_ref = xa003("UUID_INVALID(VM, OpaqueRef:0b2c5e1d-7a34-4f0e-9c6b-1e2f3a4b5c6d)");
        assert!(by_ref.cause.contains("reference"), "{}", by_ref.cause);
        assert!(!by_ref.cause.contains("deleted while"), "{}", by_ref.cause);
        let gone = xa003("UUID_INVALID(network, 53f8ab42-ec1e-f5c1-a5b7-cf39b7a42fc3)");
        assert!(gone.cause.contains("deleted while"), "{}", gone.cause);
    }
}
