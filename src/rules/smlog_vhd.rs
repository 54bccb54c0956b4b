//! Damaged or missing VHDs seen in SMlog: `VHD … corrupted` (the garbage collector's check of
//! a child or parent failed), a parent that a VHD points to but that does not exist (`Parent
//! VDI … of … not found`, which stops the garbage collector for the whole SR), VHD metadata that
//! cannot be read during a scan, a repair that failed, and chains the tree dumps show close to
//! the 30-image limit.
//!
//! Why it matters: these are the failures that do not go away with a retry. A missing parent
//! blocks all coalescing on the SR; a corrupted VHD puts the VM's data at risk.

use super::smlog::{base, detail_suffix, gc_grep, sr_phrase, times, vdi_phrase, SmRule};
use super::{links, Facts, Matcher, Rule, RuleInfo};
use crate::input::smlog::{IncidentGroup, IncidentKind};
use crate::model::{Finding, Severity};
use crate::model::Category;

pub static SM008: RuleInfo = RuleInfo {
    id: "SM008",
    name: "vhd-corrupted",
    title: "A VHD failed its integrity check",
    category: Category::Corruption,
    severity: Severity::Critical,
    trigger: "`VHD … corrupted` in a GC exception (after `vhd-util check` failed), \
              `(error ignored) Failed to repair parent …`",
    description: "The garbage collector checks the child and the parent around a merge; one of them is damaged, so \
                  the merge stopped. The disk's data may be at risk.",
    example: "Jan 14 03:30:29 xcp-host1 SM: [6715] FAILED in util.pread: (rc 22) stdout: '/var/run/sr-mount/5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/81247dd4-2bf3-4558-9912-296c4886058b.vhd appears invalid; dumping metadata', stderr: ''\n\
Jan 14 03:30:29 xcp-host1 SMGC: [6715] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 03:30:29 xcp-host1 SMGC: [6715] coalesce: EXCEPTION <class 'util.SMException'>, VHD *81247dd4(64.000G/20.627G/20.625G) corrupted\n\
Jan 14 03:30:29 xcp-host1 SMGC: [6715] \n\
Jan 14 03:30:29 xcp-host1 SMGC: [6715] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 03:30:29 xcp-host1 SMGC: [6715] Coalesce failed, skipping",
};

pub static SM009: RuleInfo = RuleInfo {
    id: "SM009",
    name: "gc-parent-not-found",
    title: "A VHD's parent is missing: garbage collection stopped for the SR",
    category: Category::Corruption,
    severity: Severity::Critical,
    trigger: "`Parent VDI … of … not found` (GC exception, then `* * * * * SR …: ERROR`), `ERROR: Parent VDI … not \
              found!`, `_finishInterruptedCoalesceLeaf, vdi … not found`",
    description: "A VHD points to a parent that is not on the SR. The garbage collector refuses to work on a broken \
                  tree, so nothing on the SR is coalesced until this is resolved.",
    example: "Jan 14 03:37:25 xcp-host1 SMGC: [8139] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 03:37:25 xcp-host1 SMGC: [8139] gc: EXCEPTION <class 'util.SMException'>, Parent VDI 8cce0e6b-7fd6-43a9-9925-fc593fa281ee of f2e1eecd-9330-4a4e-b050-ad477844f240 not found\n\
Jan 14 03:37:25 xcp-host1 SMGC: [8139] \n\
Jan 14 03:37:25 xcp-host1 SMGC: [8139] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 03:37:25 xcp-host1 SMGC: [8139] * * * * * SR 14f4733f-930d-4cdd-8673-e0097ebff206: ERROR",
};

pub static SM010: RuleInfo = RuleInfo {
    id: "SM010",
    name: "vhd-unreadable",
    title: "The SR scan could not read a VHD",
    category: Category::Corruption,
    severity: Severity::Error,
    trigger: "`Scan error` in a GC exception, ` [VDI …: failed to read VHD metadata]`",
    description: "A VHD header could not be read when the SR was scanned; the garbage collector stops for the SR \
                  after three failed scans.",
    example: "Jan 14 03:40:00 xcp-host1 SMGC: [9001] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 03:40:00 xcp-host1 SMGC: [9001] gc: EXCEPTION <class 'util.SMException'>, Scan error\n\
Jan 14 03:40:00 xcp-host1 SMGC: [9001] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 03:40:00 xcp-host1 SMGC: [9001] * * * * * SR 14f4733f-930d-4cdd-8673-e0097ebff206: ERROR",
};

pub static SM020: RuleInfo = RuleInfo {
    id: "SM020",
    name: "vhd-chain-near-limit",
    title: "A VHD chain is close to the 30-image limit",
    category: Category::ChainTooLong,
    severity: Severity::Warning,
    trigger: "a GC tree dump whose indentation shows a chain of 25 images or more (leaf included)",
    description: "Snapshots of a disk are refused with error 109 once its chain holds 30 images. The garbage \
                  collector's tree dump shows a chain that is almost there.",
    example: "Jan 14 03:12:08 xcp-host1 SMGC: [23831] SR 5b1c ('Local storage') (26 VDIs in 1 VHD trees): \n\
Jan 14 03:12:08 xcp-host1 SMGC: [23831]                                                                                                             8341e744[VHD](100.000G///100.203G|ao)\n\
Jan 14 03:12:08 xcp-host1 SMGC: [23831] ",
};

pub static RULES: &[Rule] = &[
    Rule { info: &SM008, matcher: Matcher::External },
    Rule { info: &SM009, matcher: Matcher::External },
    Rule { info: &SM010, matcher: Matcher::External },
    Rule { info: &SM020, matcher: Matcher::External },
];

pub static KINDS: &[SmRule] = &[
    SmRule { kind: IncidentKind::VhdCorrupted, info: &SM008, render: corrupted },
    SmRule { kind: IncidentKind::ParentMissing, info: &SM009, render: parent_missing },
    SmRule { kind: IncidentKind::ScanError, info: &SM010, render: unreadable },
    SmRule { kind: IncidentKind::ChainNearLimit, info: &SM020, render: chain_near_limit },
];

fn check_steps(f: &mut Finding, facts: &Facts) {
    let sr = facts.sr_uuid();
    f.step_cmd("On a file SR (ext, NFS, SMB), check every VHD of the SR.", format!("vhd-util scan -f -c -m '/var/run/sr-mount/{sr}/*.vhd'"));
    f.step_cmd("On an LVM SR, check the VHD logical volumes.", format!("vhd-util scan -f -c -l VG_XenStorage-{sr} -m 'VHD-*'"));
}

fn corrupted(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM008, g, facts);
    f.summary = format!("A VHD on {} is damaged{}{}.", sr_phrase(g), detail_suffix(g), times(g)).into();
    f.cause = "vhd-util found an invalid footer, header or block table, so the garbage collector will not merge it: \
               merging a damaged VHD would spread the damage. Typical causes are storage errors or an interrupted \
               write of the VHD metadata."
        .into();
    check_steps(&mut f, facts);
    f.step("Back up or export the VMs on the affected chain now, while they still read.");
    f.step("Do not delete or edit VHDs by hand: involve support with the check output and this log.");
    f.step_cmd("Read the failing check in SMlog.", gc_grep(facts.sr_uuid()));
    f
}

fn parent_missing(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM009, g, facts);
    f.summary = format!("A VHD on {} points to a parent that does not exist{}{}. Garbage collection stops there for the whole SR.", sr_phrase(g), detail_suffix(g), times(g)).into();
    f.cause = "The VHD's parent locator names a VDI the SR does not have (deleted by hand, lost with a failed \
               operation, or an SR copied partially). The garbage collector will not work on a broken tree, so no \
               VDI of the SR gets coalesced and chains keep growing."
        .into();
    check_steps(&mut f, facts);
    f.step_cmd("List the VDIs of the SR to find the orphan and its expected parent.", format!("xe vdi-list sr-uuid={} params=uuid,name-label,sm-config", facts.sr_uuid()));
    f.step("Restore the missing parent if you have it, or involve support: removing or re-parenting VHDs by hand can lose data.");
    f.add_link(links::XO_COALESCE_BLOG);
    f
}

fn unreadable(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM010, g, facts);
    f.summary = format!("Scanning {} failed: a VHD could not be read{}{}.", sr_phrase(g), detail_suffix(g), times(g)).into();
    f.cause = "A VHD header or footer could not be read (a damaged VHD, or the storage returned errors). After three \
               tries the garbage collector stops for the SR."
        .into();
    check_steps(&mut f, facts);
    f.step_cmd("Look for storage errors on the host.", "dmesg -T | grep -iE 'I/O error|blk_update_request' | tail -n 50");
    f
}

fn chain_near_limit(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM020, g, facts);
    let depth = g.latest_facts.get("depth").unwrap_or("25+");
    f.summary = format!("{} has a chain of {depth} images on {}; snapshots fail at 30.", capital(&vdi_phrase(g)), sr_phrase(g)).into();
    if depth.parse::<u32>().is_ok_and(|d| d >= 30) {
        f.severity = Severity::Error;
    }
    f.cause = "Each snapshot adds an image to the chain and only coalesce removes them. Snapshots are being taken \
               (backups, replication) faster than the garbage collector merges, or coalesce is failing."
        .into();
    f.step("Delete snapshots you do not need, and check the other findings for coalesce failures on this SR.");
    f.step_cmd("Rescan the SR to let the garbage collector merge.", format!("xe sr-scan uuid={}", facts.sr_uuid()));
    f.add_link(links::XCPNG_COALESCE);
    f.add_link(links::XO_CHAIN_PROTECTION);
    f
}

fn capital(s: &str) -> String {
    super::space::capitalize(s)
}
