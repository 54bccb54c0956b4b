//! Coalesce failures seen in SMlog: the garbage collector could not merge a VHD into its parent
//! (`Coalesce failed, skipping`), ran out of space in the middle of a merge, could not
//! leaf-coalesce a running VM's disk (its internal snapshot failed, it gave up because the VM
//! writes faster than it merges, or the live merge timed out), or keeps failing on the same
//! VDI run after run.
//!
//! Why it matters: every snapshot deleted leaves a VHD to merge. While coalesce fails, chains
//! grow (towards the 30-image limit that makes snapshots fail with error 109), space from
//! deleted snapshots is never given back (error 44), and Xen Orchestra skips backups to
//! protect the chain.

use super::smlog::{base, detail_suffix, gc_grep, one_line, sr_phrase, times, vdi_phrase, SmRule};
use super::{links, Facts, Matcher, Rule, RuleInfo};
use crate::input::smlog::{IncidentGroup, IncidentKind};
use crate::model::{Category, Finding, Severity};

pub static SM001: RuleInfo = RuleInfo {
    id: "SM001",
    name: "coalesce-failed",
    title: "Coalesce failed on a VDI",
    category: Category::CoalesceFailure,
    severity: Severity::Error,
    trigger: "the GC's `coalesce` exception banner followed by `Coalesce failed, skipping`, with the cause from the \
              banner and from the forked `vhd-util coalesce` (`Coalesce failed on SR …: Input/output error`, \
              `FAILED in util.pread: (rc 22)`)",
    description: "The garbage collector tried to merge a hidden VHD into its parent and failed; it skips that VDI \
                  until its next run. Says what failed (I/O error, invalid VHD, tapdisk) and what to check; an I/O error \
                  is read as io_error and a VHD that vhd-util refuses as invalid (error 22) as corruption.",
    example: "Jan 14 04:01:00 xcp-host1 SMGC: [30112] Coalescing *0f9e8d7c[VHD](100.000G///60.004G|n) -> *a1b2c3d4[VHD](100.000G///20.004G|n)\n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112]          ***********************\n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112]          *  E X C E P T I O N  *\n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112]          ***********************\n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112] coalesce: EXCEPTION <class 'util.CommandException'>, Invalid argument\n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112]   File \"/opt/xensource/sm/cleanup.py\", line 2212, in coalesce\n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112]     self._coalesce(vdi)\n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112] \n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112] Coalesce failed, skipping",
};

pub static SM002: RuleInfo = RuleInfo {
    id: "SM002",
    name: "coalesce-ran-out-of-space",
    title: "Coalesce ran out of space in the middle of a merge",
    category: Category::InsufficientSpace,
    severity: Severity::Error,
    trigger: "`Coalesce failed on SR …: No space left on device (Run out of space while coalescing.)` from the \
              forked `vhd-util coalesce` (rc 28), then `Coalesce failed, skipping`",
    description: "The merge started but the SR filled up while the parent grew. Nothing is merged until space is \
                  freed, so the space held by deleted snapshots stays used.",
    example: "Jan 14 03:20:01 xcp-host1 SM: [23902] FAILED in util.pread: (rc 28) stdout: '', stderr: 'libvhd::vhd_write_block: failed to write block 9216: -28'\n\
Jan 14 03:20:01 xcp-host1 SM: [23902] Coalesce failed on SR 5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21: No space left on device (Run out of space while coalescing.)\n\
Jan 14 03:20:01 xcp-host1 SMGC: [23902] Child process failed with : (No space left on device)",
};

pub static SM004: RuleInfo = RuleInfo {
    id: "SM004",
    name: "leaf-coalesce-failed",
    title: "Leaf-coalesce failed on a VM's disk",
    category: Category::CoalesceFailure,
    severity: Severity::Error,
    trigger: "the GC's `leaf-coalesce` exception banner and `Leaf-coalesce failed on …, skipping` (for example its \
              internal snapshot failing with `XenAPI.Failure ['SR_BACKEND_FAILURE_44', …]`)",
    description: "The garbage collector could not merge a running VM's active disk into its parent. The XAPI error \
                  it got (if any) is reported on its own as well.",
    example: "Jan 14 04:09:41 xcp-host1 SMGC: [30112] Leaf-coalescing 8341e744[VHD](100.000G/1.002G/1.000G/100.203G|ao) -> *0f9e8d7c[VHD](100.000G///60.004G|n)\n\
Jan 14 04:09:41 xcp-host1 SMGC: [30112] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 04:09:41 xcp-host1 SMGC: [30112]          ***********************\n\
Jan 14 04:09:41 xcp-host1 SMGC: [30112]          *  E X C E P T I O N  *\n\
Jan 14 04:09:41 xcp-host1 SMGC: [30112]          ***********************\n\
Jan 14 04:09:41 xcp-host1 SMGC: [30112] leaf-coalesce: EXCEPTION <class 'XenAPI.Failure'>, ['SR_BACKEND_FAILURE_44', '', 'There is insufficient space', '']\n\
Jan 14 04:09:41 xcp-host1 SMGC: [30112]   File \"/opt/xensource/sm/cleanup.py\", line 2233, in coalesceLeaf\n\
Jan 14 04:09:41 xcp-host1 SMGC: [30112] \n\
Jan 14 04:09:41 xcp-host1 SMGC: [30112] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 04:09:41 xcp-host1 SMGC: [30112] Leaf-coalesce failed on 8341e744[VHD](100.000G/1.002G/1.000G/100.203G|ao), skipping",
};

pub static SM005: RuleInfo = RuleInfo {
    id: "SM005",
    name: "leaf-coalesce-gave-up",
    title: "Leaf-coalesce gave up: the VM writes faster than the merge",
    category: Category::CoalesceFailure,
    severity: Severity::Error,
    trigger: "`Aborted coalesce` with its reason (`No progress made for 3 iterations`, `Max iterations (…) exceeded`, \
              `Unexpected bump in size…`) and `VDI … could not be coalesced`; legacy `Snapshot-coalesce did not help` \
              and error 204",
    description: "The garbage collector shrinks a running disk by repeated snapshot-and-merge rounds; when the disk \
                  does not shrink it stops. The chain keeps its extra level until the VM is quieter or stopped.",
    example: "Jan 14 04:09:41 xcp-host1 SMGC: [30112] Leaf-coalescing 8341e744[VHD](100.000G/1.002G/1.000G/100.203G|ao) -> *0f9e8d7c[VHD](100.000G///60.004G|n)\n\
Jan 14 04:09:41 xcp-host1 SMGC: [30112] Aborted coalesce\n\
Jan 14 04:09:41 xcp-host1 SMGC: [30112] No progress made for 3 iterations\n\
Jan 14 04:09:41 xcp-host1 SMGC: [30112] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 04:09:41 xcp-host1 SMGC: [30112] leaf-coalesce: EXCEPTION <class 'util.SMException'>, VDI 8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12 could not be coalesced\n\
Jan 14 04:09:41 xcp-host1 SMGC: [30112] \n\
Jan 14 04:09:41 xcp-host1 SMGC: [30112] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 04:09:41 xcp-host1 SMGC: [30112] Leaf-coalesce failed on 8341e744[VHD](100.000G///100.203G|ao), skipping",
};

pub static SM006: RuleInfo = RuleInfo {
    id: "SM006",
    name: "live-leaf-coalesce-timeout",
    title: "Live leaf-coalesce timed out while the VM was paused",
    category: Category::CoalesceFailure,
    severity: Severity::Error,
    trigger: "`_doCoalesceLeaf: EXCEPTION …, Timed out`, `*** UNDO LEAF-COALESCE`, `Leaf-coalesce failed on …`",
    description: "The final merge of a leaf is done with the VM paused and a short time limit; it did not finish in \
                  time, so the garbage collector undid it. It retries later.",
    example: "Jan 14 05:00:10 xcp-host1 SMGC: [31001] Leaf-coalescing 8341e744[VHD](100.000G/1.002G/1.000G/100.203G|ao) -> *0f9e8d7c[VHD](100.000G///60.004G|n)\n\
Jan 14 05:00:21 xcp-host1 SMGC: [31001] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 05:00:21 xcp-host1 SMGC: [31001] _doCoalesceLeaf: EXCEPTION <class 'util.SMException'>, Timed out\n\
Jan 14 05:00:21 xcp-host1 SMGC: [31001] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 05:00:21 xcp-host1 SMGC: [31001] *** UNDO LEAF-COALESCE\n\
Jan 14 05:00:21 xcp-host1 SMGC: [31001] *** leaf-coalesce undo successful\n\
Jan 14 05:00:21 xcp-host1 SMGC: [31001] Leaf-coalesce failed on 8341e744[VHD](100.000G/1.002G/1.000G/100.203G|ao), skipping",
};

pub static SM007: RuleInfo = RuleInfo {
    id: "SM007",
    name: "coalesce-stuck",
    title: "Coalesce keeps failing on the same VDI",
    category: Category::CoalesceFailure,
    severity: Severity::Error,
    trigger: "three or more coalesce or leaf-coalesce failures (or no-space skips) in a row on one VDI, without a \
              success in between",
    description: "The garbage collector retries a failed VDI on each run; when the same VDI fails again and again, \
                  garbage collection makes no progress there and its chain only grows.",
    example: "Jan 14 04:01:00 xcp-host1 SMGC: [30112] === SR 5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21: gc ===\n\
Jan 14 04:01:00 xcp-host1 SMGC: [30112] Coalescing *0f9e8d7c[VHD](100.000G///60.004G|n) -> *a1b2c3d4[VHD](100.000G///20.004G|n)\n\
Jan 14 04:01:05 xcp-host1 SMGC: [30112] Coalesce failed, skipping\n\
Jan 14 04:31:00 xcp-host1 SMGC: [30517] === SR 5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21: gc ===\n\
Jan 14 04:31:00 xcp-host1 SMGC: [30517] Coalescing *0f9e8d7c[VHD](100.000G///60.004G|n) -> *a1b2c3d4[VHD](100.000G///20.004G|n)\n\
Jan 14 04:31:05 xcp-host1 SMGC: [30517] Coalesce failed, skipping\n\
Jan 14 05:01:00 xcp-host1 SMGC: [30920] === SR 5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21: gc ===\n\
Jan 14 05:01:00 xcp-host1 SMGC: [30920] Coalescing *0f9e8d7c[VHD](100.000G///60.004G|n) -> *a1b2c3d4[VHD](100.000G///20.004G|n)\n\
Jan 14 05:01:05 xcp-host1 SMGC: [30920] Coalesce failed, skipping",
};

pub static RULES: &[Rule] = &[
    Rule { info: &SM001, matcher: Matcher::External },
    Rule { info: &SM002, matcher: Matcher::External },
    Rule { info: &SM004, matcher: Matcher::External },
    Rule { info: &SM005, matcher: Matcher::External },
    Rule { info: &SM006, matcher: Matcher::External },
    Rule { info: &SM007, matcher: Matcher::External },
];

pub static KINDS: &[SmRule] = &[
    SmRule { kind: IncidentKind::CoalesceFailed, info: &SM001, render: coalesce_failed },
    SmRule { kind: IncidentKind::CoalesceOutOfSpace, info: &SM002, render: out_of_space },
    SmRule { kind: IncidentKind::LeafCoalesceFailed, info: &SM004, render: leaf_failed },
    SmRule { kind: IncidentKind::LeafCoalesceGaveUp, info: &SM005, render: gave_up },
    SmRule { kind: IncidentKind::LiveLeafCoalesceTimeout, info: &SM006, render: live_timeout },
    SmRule { kind: IncidentKind::CoalesceStuck, info: &SM007, render: stuck },
];

fn scan_step(f: &mut Finding, facts: &Facts) {
    f.step_cmd(
        "Once the cause is fixed, rescan the SR: it starts the garbage collector again.",
        format!("xe sr-scan uuid={}", facts.sr_uuid()),
    );
}

fn coalesce_failed(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM001, g, facts);
    let detail = g.latest_detail.clone().unwrap_or_default();
    let lower = detail.to_ascii_lowercase();
    f.summary = format!(
        "The garbage collector failed to coalesce {} on {}{}{}.",
        vdi_phrase(g),
        sr_phrase(g),
        detail_suffix(g),
        times(g)
    ).into();
    let sr = facts.sr_uuid();
    if lower.contains("input/output") || lower.contains("i/o error") {
        f.category = Category::IoError;
        f.cause = "Reading or writing the VHD failed with an I/O error: the storage path (disk, multipath, iSCSI or NFS \
                   link) or the array returned errors during the merge."
            .into();
        f.step_cmd("Look for storage errors in the kernel log of the host.", "dmesg -T | grep -iE 'I/O error|blk_update_request|multipath|iscsi' | tail -n 50");
        f.step_cmd("Check the paths to the storage.", "multipath -ll");
    } else if lower.contains("invalid argument") {
        // vhd-util exits with EINVAL (22) when libvhd's checks of the VHD's own metadata fail (footer
        // cookie or checksum, header, parent locator: blktap vhd/lib/libvhd.c@7977431
        // vhd_validate_footer_impl and its siblings), so the disk, not the merge, is what is wrong.
        f.category = Category::Corruption;
        f.cause = "vhd-util refused the VHD (invalid footer, header or parent locator, error 22): the child or its \
                   parent is damaged or not where its header says."
            .into();
        f.step_cmd(
            "Check the VHDs of the chain (file SR; on LVM use /dev/VG_XenStorage-<sr>/VHD-<uuid> after activating the LV).",
            format!("vhd-util check -n /var/run/sr-mount/{sr}/{}.vhd", facts.vdi_uuid()),
        );
    } else if lower.contains("unpause") {
        f.cause = "The merge itself finished, but the VM's disk could not be resumed afterwards (see the tapdisk \
                   finding); the garbage collector stopped there."
            .into();
    } else {
        f.cause = format!(
            "The merge of the VHD into its parent failed{}. The garbage collector tried to repair the parent and will \
             retry on its next run.",
            if detail.is_empty() { String::new() } else { format!(" ({})", one_line(&detail)) }
        ).into();
    }
    f.step_cmd("Read the exception and the failed command around the failure.", gc_grep(sr));
    scan_step(&mut f, facts);
    f.step("If it fails again on the same VDI, the VHD may be damaged: keep a backup of the VM and involve support before editing VHDs by hand.");
    f.add_link(links::XO_COALESCE_BLOG);
    f
}

fn out_of_space(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM002, g, facts);
    f.summary = format!("A coalesce on {} ran out of space while merging{}.", sr_phrase(g), times(g)).into();
    f.cause = "Merging a child into its parent makes the parent grow by the child's data before the child is \
               deleted; the SR filled up during the merge (ENOSPC), so nothing was merged and the space of deleted \
               snapshots stays used."
        .into();
    let sr = facts.sr_uuid();
    f.step_cmd("Check the SR's free space.", format!("xe sr-list uuid={sr} params=name-label,physical-size,physical-utilisation"));
    f.step("Free space on the SR (delete snapshots or disks no longer needed, or move a disk to another SR), or grow the SR.");
    scan_step(&mut f, facts);
    f.add_link(links::XO_SR_44);
    f
}

fn leaf_failed(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM004, g, facts);
    let detail = g.latest_detail.clone().unwrap_or_default();
    f.summary = format!("The garbage collector could not leaf-coalesce {} on {}{}{}.", vdi_phrase(g), sr_phrase(g), detail_suffix(g), times(g)).into();
    if detail.contains("SR_BACKEND_FAILURE_44") || detail.contains("insufficient space") {
        f.category = Category::InsufficientSpace;
        f.cause = "To merge a running disk, the garbage collector first takes its own snapshot of it; that snapshot \
                   failed because the SR has no room for it (error 44)."
            .into();
        f.step("Free space on the SR: the garbage collector needs room for a temporary snapshot of the disk.");
    } else if detail.contains("SR_BACKEND_FAILURE_109") {
        f.category = Category::ChainTooLong;
        f.cause = "The garbage collector's own snapshot of the disk was refused because the chain is already at the \
                   limit (error 109)."
            .into();
    } else {
        f.cause = "Leaf-coalesce merges a running VM's active disk into its parent, pausing the VM briefly at the end; \
                   a step of it failed (see the detail)."
            .into();
    }
    f.step_cmd("Read the exception around the failure.", gc_grep(facts.sr_uuid()));
    f.step_cmd(
        "A leaf can always be merged with the VM shut down: stop the VM, then rescan the SR.",
        format!("xe vm-shutdown uuid={} && xe sr-scan uuid={}", facts.vm_uuid(), facts.sr_uuid()),
    );
    f.add_link(links::XO_COALESCE_BLOG);
    f
}

fn gave_up(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM005, g, facts);
    let reason = g.latest_facts.get("reason").map(|r| format!(" ({r})")).unwrap_or_default();
    f.summary = format!("The garbage collector gave up leaf-coalescing {}{reason}{}.", vdi_phrase(g), times(g)).into();
    f.cause = "To merge a running disk, the garbage collector snapshots it and merges the snapshot, round after round, \
               until the rest is small enough to merge with the VM briefly paused. The disk did not shrink between \
               rounds: the VM writes faster than the merge, so the chain keeps the extra level."
        .into();
    f.step("Let it retry in a quieter period (outside backups and heavy jobs): the garbage collector tries again on its next run.");
    f.step_cmd(
        "Or merge it offline: shut the VM down and rescan the SR; with the VM stopped nothing grows during the merge.",
        format!("xe vm-shutdown uuid={} && xe sr-scan uuid={}", facts.vm_uuid(), facts.sr_uuid()),
    );
    f.step_cmd(
        "On LVM SRs with a chain of two, the host plugin can do it with the VM suspended briefly.",
        format!("xe host-call-plugin host-uuid=<master-uuid> plugin=coalesce-leaf fn=leaf-coalesce args:vm_uuid={}", facts.vm_uuid()),
    );
    f.add_link(links::XCPNG_COALESCE);
    f
}

fn live_timeout(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM006, g, facts);
    let undone = if g.latest_facts.get("undone").is_some() { " It undid the attempt, so no data was lost." } else { "" };
    f.summary = format!("The final, paused merge of {} did not finish in time{}.{undone}", vdi_phrase(g), times(g)).into();
    f.cause = "The last step of leaf-coalesce pauses the VM and must finish within a few seconds; the remaining data \
               was too large, or the storage too slow, so it timed out."
        .into();
    f.step("It retries on the next run; a quieter period (less writing in the VM) helps.");
    // xcp-ng/sm #75 (xapi-project/sm #719): since CP-40871 a file-based SR's VHD size was read in
    // 2 MiB blocks where bytes were meant, so the garbage collector judged every leaf small enough.
    f.step_cmd(
        "On XCP-ng 8.3 with a file-based SR (NFS, local EXT, SMB), a storage manager older than 3.2.3-1.8 \
         (November 2024) underestimated the size left to merge and tried merges that could not finish in time: \
         check the installed version and update.",
        "rpm -q sm",
    );
    f.step_cmd(
        "Or merge it with the VM shut down.",
        format!("xe vm-shutdown uuid={} && xe sr-scan uuid={}", facts.vm_uuid(), facts.sr_uuid()),
    );
    f.add_link(links::XCPNG_COALESCE);
    f
}

fn stuck(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM007, g, facts);
    let n = g.latest_facts.get("consecutiveFailures").unwrap_or("several");
    let last = g.latest_detail.as_deref().map(|d| format!(" The last error: {}.", one_line(d))).unwrap_or_default();
    f.summary = format!("Coalesce of {} on {} failed {n} times in a row: garbage collection is stuck on it.{last}", vdi_phrase(g), sr_phrase(g)).into();
    f.cause = "The garbage collector retries a failed VDI on each run. The same VDI failing run after run means the \
               cause does not go away by itself (lack of space, a damaged VHD, a VM that writes too much), and the \
               chain above it keeps growing."
        .into();
    f.step("Fix the cause shown by the other findings for this VDI (space, I/O errors, VHD check), then rescan.");
    f.step_cmd("See the VDI's snapshots and chain.", format!("xe vdi-param-list uuid={}", facts.vdi_uuid()));
    scan_step(&mut f, facts);
    f.add_link(links::XO_CHAIN_PROTECTION);
    f
}
