//! Out of space on the SR: a snapshot, clone, resize or VM start needed room the SR lacks.
//!
//! This is the most common snapshot failure. On thick-provisioned (LVM-family) SRs a snapshot
//! reserves about the data already written in each disk, so an SR past ~50 % cannot snapshot
//! every VM at once; concurrent backups add their snapshots up; and space that the garbage
//! collector has not yet reclaimed from deleted snapshots counts as used. File SRs (ext, NFS,
//! SMB) report the same condition differently (`SR_BACKEND_FAILURE_81`, error 28).

use super::{human_bytes, links, Facts, Matcher, Rule, RuleInfo, SrFamily};
use crate::input::XapiError;
use crate::model::{Category, Finding, Severity};

pub static SR044: RuleInfo = RuleInfo {
    id: "SR044",
    name: "sr-insufficient-space",
    title: "The SR does not have enough free space",
    category: Category::InsufficientSpace,
    severity: Severity::Error,
    trigger: "`SR_BACKEND_FAILURE_44` (There is insufficient space), `SR_FULL`, `SR_SOURCE_SPACE_INSUFFICIENT`, \
              `SR_SUSPEND_SPACE_INSUFFICIENT`; in SMlog `Raising exception [44, …]` and `Not enough space! free space: A, need: B`",
    description: "The storage manager refused to create a snapshot, clone or disk because the SR's free space is \
                  smaller than what the operation reserves. It explains the thick-provisioning cost of snapshots, \
                  concurrent snapshots, space coalesce has not reclaimed, and gives the numbers when the log has them.",
    example: r#"["SR_BACKEND_FAILURE_44", "", "There is insufficient space", ""]"#,
};

pub static SR081: RuleInfo = RuleInfo {
    id: "SR081",
    name: "vdi-clone-failed",
    title: "The storage manager failed to clone a disk",
    category: Category::Other,
    severity: Severity::Error,
    trigger: "`SR_BACKEND_FAILURE_81` (Failed to clone VDI); with `error 28` in the detail it is a full file SR",
    description: "A clone (or a snapshot on a file SR such as ext, NFS or SMB) failed. File SRs do no space check \
                  before a snapshot, so a full filesystem surfaces here as `VDI clone failed error 28` (ENOSPC) \
                  instead of error 44.",
    example: "SR_BACKEND_FAILURE_81(, Failed to clone VDI [opterr=VDI clone failed error 28], )",
};

pub static SR180: RuleInfo = RuleInfo {
    id: "SR180",
    name: "lvm-over-provisioned",
    title: "The thin-provisioned LVM SR ran out of space",
    category: Category::InsufficientSpace,
    severity: Severity::Error,
    trigger: "`SR_BACKEND_FAILURE_180` (Volume Group out of space)",
    description: "On an LVM SR with thin provisioning, disks are inflated to their full size when attached; the \
                  volume group was over-committed and could not grow the disk, so the VM (or the backup that \
                  attaches its disk) cannot start.",
    example: "SR_BACKEND_FAILURE_180(, Volume Group out of space. The SR is over-provisioned, and out of space. Unable to grow the underlying volume to accommodate the virtual size of the disk., )",
};

pub static RULES: &[Rule] = &[
    Rule {
        info: &SR044,
        matcher: Matcher::Xapi {
            codes: &["SR_FULL", "SR_SOURCE_SPACE_INSUFFICIENT", "SR_SUSPEND_SPACE_INSUFFICIENT"],
            sr_values: &[44],
            build: insufficient_space,
        },
    },
    Rule { info: &SR081, matcher: Matcher::Xapi { codes: &[], sr_values: &[81], build: clone_failed } },
    Rule { info: &SR180, matcher: Matcher::Xapi { codes: &[], sr_values: &[180], build: lvm_over_provisioned } },
];

fn insufficient_space(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&SR044, e, facts);
    let vm = facts.vm_phrase();
    let sr = facts.sr_phrase();
    let sr_uuid = facts.sr_uuid();
    // No VM and no SR known (every one-error input): the texts below are the same on every call.
    let s = &facts.subject;
    let fixed = s.vm_name.is_none() && s.vm_uuid.is_none() && s.sr_name.is_none() && s.sr_uuid.is_none();
    let numbers = match (e.extra.get("freeBytes"), e.extra.get("neededBytes")) {
        (Some(free), Some(need)) => free.parse::<u64>().ok().zip(need.parse::<u64>().ok()),
        _ => None,
    };
    f.summary = match e.code.as_str() {
        "SR_SOURCE_SPACE_INSUFFICIENT" => {
            format!("A storage migration of {vm} could not snapshot its disks: the source SR is out of space.").into()
        }
        "SR_SUSPEND_SPACE_INSUFFICIENT" => {
            format!("Suspending or checkpointing {vm} failed: {sr} has no room for the memory image.").into()
        }
        _ if fixed => joined!(true; "The VM", " could not be snapshotted (or a disk created): ", &sr, " does not have enough free space."),
        _ => [&capitalize(&vm), " could not be snapshotted (or a disk created): ", &sr, " does not have enough free space."].concat().into(),
    };
    if let Some((free, need)) = numbers {
        f.summary.to_mut().push_str(&format!(
            " The storage manager needed {} and found {} free.",
            human_bytes(need),
            human_bytes(free)
        ));
    }
    // Each cause whole, a literal (borrowed, not built on every call): the garbage collector's
    // note ends all three.
    macro_rules! with_gc_note {
        ($family:literal) => {
            concat!(
                $family,
                " Space freed by deleting snapshots only comes back once the SR's garbage collector has coalesced them, \
                 so an SR can look fuller than the disks it shows."
            )
        };
    }
    f.cause = match facts.sr_family() {
        SrFamily::ThickLvm => with_gc_note!(
            "This SR is thick-provisioned (LVM). Before a snapshot the storage manager reserves, for each \
             disk, about as much space as the data already written in it, plus a few MiB of metadata; a disk that \
             was fully written costs its whole virtual size. Every disk of the VM, and every VM snapshotted at the \
             same time, adds to the total."
        ),
        SrFamily::ThinFile => with_gc_note!(
            "This SR is file-based and thin-provisioned, so snapshots reserve almost nothing up front: \
             if it still reports no space, the SR is genuinely full."
        ),
        _ => with_gc_note!(
            "The storage manager checks free space before it snapshots or creates a disk. On thick-provisioned \
             (LVM-family) SRs a snapshot reserves about as much as the data already written in each disk, so the \
             cost grows with the disk sizes and with the number of VMs snapshotted at once."
        ),
    }
    .into();

    f.step_cmd(
        joined!(fixed; "Check how full ", &sr, " is (size, used, and what its disks could grow to)."),
        joined!(fixed; "xe sr-list uuid=", sr_uuid, " params=name-label,type,physical-size,physical-utilisation,virtual-allocation"),
    );
    if let Some((free, need)) = numbers {
        if need > free {
            f.step(format!("Free at least {} on the SR before retrying.", human_bytes(need - free)));
        }
    }
    f.step_cmd(
        joined!(fixed; "Try one snapshot of ", &vm, " by hand. If it fails too, the SR cannot hold even one snapshot: free space first."),
        joined!(fixed; "xe vm-snapshot uuid=", facts.vm_uuid(), " new-name-label=xapi-doctor-space-test"),
    );
    f.step_cmd(
        "If the test snapshot worked, delete it again.",
        "xe snapshot-uninstall snapshot-uuid=<snapshot-uuid> force=true",
    );
    match facts.sr_family() {
        SrFamily::ThickLvm => {
            f.step(
                "On this thick SR, plan for each snapshot to take about the used size of the disk: above roughly \
                 50 % used, snapshotting every VM on the SR in one job cannot fit.",
            );
        }
        SrFamily::Unknown => {
            f.step(
                "If the SR is LVM-based (lvm, lvmoiscsi, lvmohba), it is thick-provisioned: each snapshot takes \
                 about the used size of the disk, so above roughly 50 % used a backup of every VM on it cannot fit.",
            );
        }
        _ => {}
    }
    f.step(
        "If one snapshot works but the backup fails, the job's simultaneous snapshots add up: lower the job's \
         concurrency, or split the VMs into jobs that run at different times.",
    );
    f.step_cmd(
        "Compare what the SR uses with the sum of its visible disks. If it uses clearly more, deleted snapshots \
         have not been coalesced yet: that space is not reclaimed until the garbage collector (leaf coalesce) runs.",
        joined!(fixed; "xe vdi-list sr-uuid=", sr_uuid, " params=uuid,name-label,virtual-size,physical-utilisation,managed,is-a-snapshot"),
    );
    f.step_cmd(
        "Rescan the SR: it starts the garbage collector, which coalesces and frees that space.",
        joined!(fixed; "xe sr-scan uuid=", sr_uuid),
    );
    f.step_cmd(
        "On the host, /var/log/SMlog shows the failed check with the exact free and needed bytes, and whether \
         coalesce is failing.",
        "grep -E 'Not enough space|Raising exception|coalesce' /var/log/SMlog | tail -n 50",
    );
    if facts.sr_family() != SrFamily::ThinFile {
        f.step(
            "For a lasting fix, keep backed-up VMs on a thin-provisioned SR (local ext, NFS, SMB), where snapshots \
             cost almost nothing up front, or keep thick SRs well under half full.",
        );
    }
    if facts.is_xenserver_61() {
        f.step(
            "This host runs XenServer 6.1: with SRs larger than 1 TB, snapshot deletion can fail and leave space \
             unreclaimed. Apply hotfix XS61E015.",
        );
    }
    f.add_link(links::XO_SR_44);
    f.add_link(links::XAPI_SNAPSHOT_DELETION);
    f.add_link(links::XCPNG_COALESCE);
    Some(f)
}

fn clone_failed(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&SR081, e, facts);
    let detail = e.opterr().unwrap_or("");
    let enospc = detail.contains("error 28") || detail.to_ascii_lowercase().contains("no space left");
    let sr = facts.sr_phrase();
    let sr_uuid = facts.sr_uuid();
    if enospc {
        f.category = Category::InsufficientSpace;
        f.title = "The file SR is full: the snapshot could not be written".into();
        f.summary = format!("Snapshotting {} failed because the filesystem of {sr} is full (error 28, ENOSPC).", facts.vm_phrase()).into();
        f.cause = "File SRs (ext, NFS, SMB) do not check free space before a snapshot; the snapshot starts, the \
                   filesystem runs out, and the storage manager reports a failed clone instead of error 44."
            .into();
        f.step_cmd(
            format!("Check the free space of {sr}."),
            format!("xe sr-list uuid={sr_uuid} params=name-label,type,physical-size,physical-utilisation"),
        );
        f.step_cmd(
            "On the host, check the mounted filesystem itself (NFS quotas and snapshots on the filer count too).",
            format!("df -h /var/run/sr-mount/{sr_uuid}"),
        );
        f.step("Free space on the SR: delete snapshots and disks you no longer need, or grow the share.");
        f.step_cmd("Rescan the SR so the garbage collector removes what deleted snapshots left.", format!("xe sr-scan uuid={sr_uuid}"));
        f.add_link(links::XO_SR_44);
    } else {
        f.summary = format!("The storage manager could not clone a disk of {}{}.", facts.vm_phrase(), detail_suffix(detail)).into();
        f.cause = "Cloning (and snapshotting on file SRs) copies the VHD metadata and creates a new child; it fails \
                   when a VHD tool fails, the disk is locked, or the storage misbehaves. The detail after opterr says which."
            .into();
        f.step_cmd(
            "Find the full error and its traceback in /var/log/SMlog on the host that ran the operation.",
            "grep -A 20 'Raising exception \\[81' /var/log/SMlog",
        );
        f.step_cmd("Rescan the SR and retry once.", format!("xe sr-scan uuid={sr_uuid}"));
    }
    Some(f)
}

fn lvm_over_provisioned(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&SR180, e, facts);
    let sr = facts.sr_phrase();
    let sr_uuid = facts.sr_uuid();
    f.summary = format!("A disk could not be inflated to its full size on {sr}: the volume group is out of space.").into();
    f.cause = "With thin provisioning on LVM, disks stay small while detached and are inflated to their full virtual \
               size when a VM (or a backup export) attaches them. The SR promised more than the volume group holds."
        .into();
    f.step_cmd(
        format!("Compare the SR's size, use and total promised size (virtual allocation) of {sr}."),
        format!("xe sr-list uuid={sr_uuid} params=name-label,physical-size,physical-utilisation,virtual-allocation"),
    );
    f.step("Free space: delete unused disks and snapshots, or move some disks to another SR.");
    f.step_cmd("Rescan so the garbage collector reclaims deleted snapshots.", format!("xe sr-scan uuid={sr_uuid}"));
    f.step_cmd(
        "In /var/log/SMlog the LVM command shows how many extents were missing.",
        "grep -E 'Insufficient free space|Raising exception \\[180' /var/log/SMlog",
    );
    Some(f)
}

/// " (detail)" or "".
pub(super) fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    }
}

/// "The VM" from "the VM". ASCII only: the phrases start with our own words, and Unicode case
/// mapping would add its tables (~12 KB) to the .wasm.
pub(super) fn capitalize(s: &str) -> String {
    let mut out = s.to_string();
    if let Some(first) = out.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    out
}
