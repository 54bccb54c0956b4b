//! The garbage collector skipping coalesce for lack of space: `No space to coalesce … (free
//! space: N)`, `No space to leaf-coalesce …`, and (sm ≥ late 2024) `Could not coalesce due to a
//! lack of space in SR …`.
//!
//! Why it matters: coalesce needs room for the parent to grow before the child is deleted. An
//! SR too full to coalesce can never get back the space of deleted snapshots by itself, so it
//! only gets fuller; snapshots then fail with error 44.

use super::smlog::{base, gc_grep, sr_phrase, times, SmRule};
use super::{human_bytes, links, Facts, Matcher, Rule, RuleInfo};
use crate::input::smlog::{IncidentGroup, IncidentKind};
use crate::model::{Category, Finding, Severity};

pub static SM003: RuleInfo = RuleInfo {
    id: "SM003",
    name: "coalesce-no-space",
    title: "The SR is too full to coalesce",
    category: Category::InsufficientSpace,
    severity: Severity::Error,
    trigger: "`No space to coalesce … (free space: N)`, `No space to leaf-coalesce … (free space: N)`, \
              `Could not coalesce due to a lack of space in SR …`",
    description: "The garbage collector computed the space a merge needs and the SR does not have it, so it skipped \
                  the merge. Gives the free space the log reports and the VDIs waiting.",
    example: "Jan 14 03:12:09 xcp-host1 SMGC: [23831] 0f9e8d7c-55aa-4e11-8c1b-3d2e1f0a9b88 is coalescable\n\
Jan 14 03:12:09 xcp-host1 SMGC: [23831] Coalesced size = 80.164G\n\
Jan 14 03:12:09 xcp-host1 SMGC: [23831] No space to coalesce *0f9e8d7c[VHD](100.000G///60.004G|n) (free space: 4294967296)\n\
Jan 14 03:12:09 xcp-host1 SMGC: [23831] No work, exiting\n\
Jan 14 03:17:11 xcp-host1 SM: [23831] Could not coalesce due to a lack of space in SR 5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21",
};

pub static RULES: &[Rule] = &[Rule { info: &SM003, matcher: Matcher::External }];

pub static KINDS: &[SmRule] = &[
    SmRule { kind: IncidentKind::CoalesceNoSpace, info: &SM003, render: no_space },
    SmRule { kind: IncidentKind::LeafCoalesceNoSpace, info: &SM003, render: no_space },
];

fn no_space(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM003, g, facts);
    let leaf = g.first.kind == IncidentKind::LeafCoalesceNoSpace;
    let what = if leaf { "leaf-coalesce (merge a running VM's disk)" } else { "coalesce" };
    let free = g.latest_facts.get("freeBytes").and_then(|v| v.parse::<u64>().ok());
    let vdis = if g.vdis.is_empty() { String::new() } else { format!(" Waiting: {}.", g.vdis.join(", ")) };
    let needs = g.latest_facts.get("coalescedSize").map(|c| format!(", the merged disk would take {c}")).unwrap_or_default();
    f.summary = format!(
        "The garbage collector could not {what} on {}: not enough free space{}{needs}{}.{vdis}",
        sr_phrase(g),
        free.map(|b| format!(" ({} free)", human_bytes(b))).unwrap_or_default(),
        times(g)
    ).into();
    f.cause = "A merge makes the parent grow by the data of the child before the child is deleted, so it needs free \
               space first. Until it gets it, the space of deleted snapshots is not given back and the SR only gets \
               fuller."
        .into();
    if g.latest_facts.get("offlineWouldFit").is_some() {
        f.cause.to_mut().push_str(
            " The log says there is enough space to merge this disk with the VM stopped (offline), just not while it runs.",
        );
        f.step_cmd(
            "Shut the VM down and rescan: the garbage collector then merges it offline, which needs less space.",
            format!("xe vm-shutdown uuid={} && xe sr-scan uuid={}", facts.vm_uuid(), facts.sr_uuid()),
        );
    }
    let sr = facts.sr_uuid();
    f.step_cmd("Check the SR's size and use.", format!("xe sr-list uuid={sr} params=name-label,physical-size,physical-utilisation,virtual-allocation"));
    f.step("Free space: delete snapshots and disks no longer needed, move a disk to another SR, or grow the SR.");
    f.step_cmd("Then rescan the SR to start the garbage collector again.", format!("xe sr-scan uuid={sr}"));
    f.step_cmd("Follow it in SMlog.", gc_grep(sr));
    f.add_link(links::XO_SR_44);
    f.add_link(links::XAPI_SNAPSHOT_DELETION);
    f
}
