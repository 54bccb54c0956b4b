//! VDI chains seen from the pool's records: what Xen Orchestra's chain protection will do
//! before the next backup, and what the storage manager will refuse.
//!
//! These rules run on the report of the chain check (`checkVdiChains`, or `diagnose` given the
//! records), not on an error: they tell *before* a backup which VM will be skipped and at which
//! base copy, which disk is about to hit the 30-image limit (`SR_BACKEND_FAILURE_109`), where a
//! chain is broken (a missing parent) or loops, which base copies are garbage, and which SR's
//! garbage collector has fallen behind. Xen Orchestra's own error carries none of these facts.

use super::{human_bytes, links, push_evidence, Facts, Matcher, Rule, RuleInfo, SrFamily};
use crate::chain::graph::{Parent, Top};
use crate::chain::protection::XoOutcome;
use crate::chain::{Analysis, DiskChain, SrChains, VmChains, CHAIN_LIMIT};
use crate::model::{Category, Evidence, Finding, Severity, Subject};

/// A disk with this many snapshots left or fewer is reported as near the limit.
pub const NEAR_LIMIT_SNAPSHOTS_LEFT: u32 = 5;
/// Xen Orchestra warns from this many VDIs to coalesce on one SR (`VDIS_TO_COALESCE_LIMIT`).
pub const COALESCE_BACKLOG: u64 = 10;
/// At most this many snapshots are named in a remediation.
const MAX_NAMED_SNAPSHOTS: usize = 10;

pub static CH001: RuleInfo = RuleInfo {
    id: "CH001",
    name: "chain-protection-would-skip",
    title: "Xen Orchestra's chain protection will skip this VM's backup",
    category: Category::CoalesceFailure,
    severity: Severity::Warning,
    trigger: "In the records, one of the VM's disks has more base copies waiting for a non-leaf coalesce \
              (unmanaged, with exactly one unmanaged child) than the tolerance (`maxUncoalescedVdis`, default 1)",
    description: "Replays Xen Orchestra's pre-snapshot check on the records and names the disk and the base copy at \
                  which it trips, with the count of pending merges against the tolerance. Xen Orchestra's own error, \
                  `unhealthy VDI chain`, says neither.",
    example: r#"{"VM": {"OpaqueRef:vm1": {"uuid": "7b2e5c1a-3f4d-4e8a-9b6c-1d2e3f4a5b61", "name_label": "web-01", "VBDs": ["OpaqueRef:vbd1"]}},
 "VBD": {"OpaqueRef:vbd1": {"VM": "OpaqueRef:vm1", "VDI": "OpaqueRef:leaf", "type": "Disk"}},
 "VDI": {
  "OpaqueRef:leaf": {"uuid": "a1b2c3d4-0000-4000-8000-00000000000a", "name_label": "web-01 disk", "managed": true, "is_a_snapshot": false, "SR": "OpaqueRef:sr1", "sm_config": {"vhd-parent": "a1b2c3d4-0000-4000-8000-0000000000b2"}},
  "OpaqueRef:snap": {"uuid": "a1b2c3d4-0000-4000-8000-00000000005a", "name_label": "web-01 disk", "managed": true, "is_a_snapshot": true, "SR": "OpaqueRef:sr1", "sm_config": {"vhd-parent": "a1b2c3d4-0000-4000-8000-0000000000b2"}},
  "OpaqueRef:b2": {"uuid": "a1b2c3d4-0000-4000-8000-0000000000b2", "name_label": "base copy", "managed": false, "SR": "OpaqueRef:sr1", "sm_config": {"vhd-parent": "a1b2c3d4-0000-4000-8000-0000000000b1"}},
  "OpaqueRef:b1": {"uuid": "a1b2c3d4-0000-4000-8000-0000000000b1", "name_label": "base copy", "managed": false, "SR": "OpaqueRef:sr1", "sm_config": {"vhd-parent": "a1b2c3d4-0000-4000-8000-0000000000b0"}},
  "OpaqueRef:b0": {"uuid": "a1b2c3d4-0000-4000-8000-0000000000b0", "name_label": "base copy", "managed": false, "SR": "OpaqueRef:sr1", "sm_config": {}}},
 "SR": {"OpaqueRef:sr1": {"uuid": "5e6f7a8b-1c2d-4e3f-8a9b-0c1d2e3f4a5b", "name_label": "Local storage", "type": "lvm"}}}"#,
};

pub static CH002: RuleInfo = RuleInfo {
    id: "CH002",
    name: "chain-near-limit",
    title: "A disk's chain is close to the limit of 30 images",
    category: Category::ChainTooLong,
    severity: Severity::Warning,
    trigger: "In the records, a VM disk's VHD chain (the disk and its ancestors) holds 25 images or more; at 30 \
              the next snapshot fails with `SR_BACKEND_FAILURE_109`",
    description: "Counts each disk's chain depth the way the storage manager does (leaf included) and says how many \
                  snapshots are left, how much of the depth pending coalesces will remove, and which snapshots to \
                  delete.",
    example: r#"{"VM": [{"type": "VM", "uuid": "vm-db-01", "name_label": "db-01", "$VBDs": ["vbd-1"]}],
 "VBD": [{"type": "VBD", "uuid": "vbd-1", "VM": "vm-db-01", "VDI": "leaf", "is_cd_drive": false}],
 "SR": [{"type": "SR", "uuid": "sr-1", "name_label": "iSCSI", "SR_type": "lvmoiscsi"}],
 "VDI": [{"type": "VDI", "uuid": "leaf", "parent": "b26", "$SR": "sr-1"},
  {"type": "VDI-unmanaged", "uuid": "b26", "parent": "b25", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "b25", "parent": "b24", "$SR": "sr-1"},
  {"type": "VDI-unmanaged", "uuid": "b24", "parent": "b23", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "b23", "parent": "b22", "$SR": "sr-1"},
  {"type": "VDI-unmanaged", "uuid": "b22", "parent": "b21", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "b21", "parent": "b20", "$SR": "sr-1"},
  {"type": "VDI-unmanaged", "uuid": "b20", "parent": "b19", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "b19", "parent": "b18", "$SR": "sr-1"},
  {"type": "VDI-unmanaged", "uuid": "b18", "parent": "b17", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "b17", "parent": "b16", "$SR": "sr-1"},
  {"type": "VDI-unmanaged", "uuid": "b16", "parent": "b15", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "b15", "parent": "b14", "$SR": "sr-1"},
  {"type": "VDI-unmanaged", "uuid": "b14", "parent": "b13", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "b13", "parent": "b12", "$SR": "sr-1"},
  {"type": "VDI-unmanaged", "uuid": "b12", "parent": "b11", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "b11", "parent": "b10", "$SR": "sr-1"},
  {"type": "VDI-unmanaged", "uuid": "b10", "parent": "b9", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "b9", "parent": "b8", "$SR": "sr-1"},
  {"type": "VDI-unmanaged", "uuid": "b8", "parent": "b7", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "b7", "parent": "b6", "$SR": "sr-1"},
  {"type": "VDI-unmanaged", "uuid": "b6", "parent": "b5", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "b5", "parent": "b4", "$SR": "sr-1"},
  {"type": "VDI-unmanaged", "uuid": "b4", "parent": "b3", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "b3", "parent": "b2", "$SR": "sr-1"},
  {"type": "VDI-unmanaged", "uuid": "b2", "parent": "b1", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "b1", "$SR": "sr-1"}]}"#,
};

pub static CH003: RuleInfo = RuleInfo {
    id: "CH003",
    name: "vhd-parent-missing",
    title: "A VDI's VHD parent is missing",
    category: Category::Corruption,
    severity: Severity::Warning,
    trigger: "In the records, a VDI's `sm_config['vhd-parent']` (xo-server: `parent`) names a uuid that no VDI has",
    description: "The chain is broken at that point: either the parent was deleted while its child still points to \
                  it, or the records given are incomplete. Xen Orchestra's backup check silently stops there (it \
                  treats the chain as healthy), and the chain's true depth is unknown.",
    example: r#"{"VDI": {"OpaqueRef:d1": {"uuid": "c0ffee00-1111-4222-8333-444455556666", "name_label": "app disk", "managed": true, "is_a_snapshot": false, "SR": "OpaqueRef:sr1", "sm_config": {"vhd-parent": "deadbeef-0000-4000-8000-000000000000"}}},
 "SR": {"OpaqueRef:sr1": {"uuid": "5e6f7a8b-1c2d-4e3f-8a9b-0c1d2e3f4a5b", "name_label": "NFS", "type": "nfs"}}}"#,
};

pub static CH004: RuleInfo = RuleInfo {
    id: "CH004",
    name: "vhd-parent-cycle",
    title: "VHD parent links form a loop",
    category: Category::Corruption,
    severity: Severity::Error,
    trigger: "In the records, following `vhd-parent` from a VDI comes back to a VDI already met",
    description: "A chain cannot loop: the metadata is damaged. The storage manager cannot walk such a chain, and \
                  Xen Orchestra's backup check on a VM using it either never comes back (it walks the loop for ever, or \
                  overflows its stack and fails the backup with a RangeError) or skips the VM.",
    example: r#"{"VDI": [{"type": "VDI-unmanaged", "uuid": "loop-a", "parent": "loop-b", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "loop-b", "parent": "loop-a", "$SR": "sr-1"}],
 "SR": [{"type": "SR", "uuid": "sr-1", "name_label": "Local storage", "SR_type": "ext"}]}"#,
};

pub static CH005: RuleInfo = RuleInfo {
    id: "CH005",
    name: "orphaned-base-copies",
    title: "Base copies that nothing uses any more",
    category: Category::CoalesceFailure,
    severity: Severity::Info,
    trigger: "In the records, an unmanaged VDI (base copy) with no disk or snapshot above it in any chain",
    description: "A base copy is left behind when the last snapshot that needed it is deleted; the garbage collector \
                  removes it on its next run. Base copies that stay mean the collector is not running or fails, and \
                  they keep their space.",
    example: r#"{"VDI": {"OpaqueRef:b1": {"uuid": "0dd0dd00-aaaa-4bbb-8ccc-dddddddddddd", "name_label": "base copy", "managed": false, "SR": "OpaqueRef:sr1", "physical_utilisation": "10737418240", "sm_config": {}}},
 "SR": {"OpaqueRef:sr1": {"uuid": "5e6f7a8b-1c2d-4e3f-8a9b-0c1d2e3f4a5b", "name_label": "Local storage", "type": "lvm"}}}"#,
};

pub static CH006: RuleInfo = RuleInfo {
    id: "CH006",
    name: "coalesce-backlog",
    title: "The SR's garbage collector has fallen behind",
    category: Category::CoalesceFailure,
    severity: Severity::Warning,
    trigger: "In the records, an SR with 10 or more base copies waiting for a coalesce (leaf or non-leaf), the \
              threshold from which Xen Orchestra warns",
    description: "Counts, per SR, the base copies the garbage collector still has to merge, computed correctly (and \
                  says where Xen Orchestra's SR view counts differently). A growing backlog leads to skipped backups, \
                  chains at the limit and a full SR.",
    example: r#"{"SR": [{"type": "SR", "uuid": "sr-1", "name_label": "NFS", "SR_type": "nfs"}],
 "VDI": [{"type": "VDI", "uuid": "l1", "parent": "p1", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "p1", "$SR": "sr-1"},
  {"type": "VDI", "uuid": "l2", "parent": "p2", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "p2", "$SR": "sr-1"},
  {"type": "VDI", "uuid": "l3", "parent": "p3", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "p3", "$SR": "sr-1"},
  {"type": "VDI", "uuid": "l4", "parent": "p4", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "p4", "$SR": "sr-1"},
  {"type": "VDI", "uuid": "l5", "parent": "p5", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "p5", "$SR": "sr-1"},
  {"type": "VDI", "uuid": "l6", "parent": "p6", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "p6", "$SR": "sr-1"},
  {"type": "VDI", "uuid": "l7", "parent": "p7", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "p7", "$SR": "sr-1"},
  {"type": "VDI", "uuid": "l8", "parent": "p8", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "p8", "$SR": "sr-1"},
  {"type": "VDI", "uuid": "l9", "parent": "p9", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "p9", "$SR": "sr-1"},
  {"type": "VDI", "uuid": "l10", "parent": "p10", "$SR": "sr-1"}, {"type": "VDI-unmanaged", "uuid": "p10", "$SR": "sr-1"}]}"#,
};

pub static RULES: &[Rule] = &[
    Rule { info: &CH001, matcher: Matcher::External },
    Rule { info: &CH002, matcher: Matcher::External },
    Rule { info: &CH003, matcher: Matcher::External },
    Rule { info: &CH004, matcher: Matcher::External },
    Rule { info: &CH005, matcher: Matcher::External },
    Rule { info: &CH006, matcher: Matcher::External },
];

/// The findings of a chain check.
pub fn findings(a: &Analysis<'_, '_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for vm in a.vms {
        if vm.would_skip {
            out.push(would_skip(a, vm));
        }
        for disk in &vm.disks {
            let is_cd = matches!(disk.vbd_type, crate::chain::records::VbdKind::Cd);
            if !is_cd && !disk.cycle && disk.snapshots_left <= NEAR_LIMIT_SNAPSHOTS_LEFT {
                out.push(near_limit(a, vm, disk));
            }
        }
    }
    // The VMs whose disks' chains break at each missing parent, or enter each loop (one pass).
    let mut vm_of_missing: Vec<Option<&VmChains>> = vec![None; a.graph.missing.len()];
    let mut vms_of_cycle: Vec<Vec<&VmChains>> = vec![Vec::new(); a.graph.cycles.len()];
    for vm in a.vms {
        for d in &vm.disks {
            match a.chains[d.node as usize].top {
                Top::Missing(m) => {
                    if let Some(slot @ None) = vm_of_missing.get_mut(m as usize) {
                        *slot = Some(vm);
                    }
                }
                Top::Cycle(c) => {
                    if let Some(list) = vms_of_cycle.get_mut(c as usize) {
                        if !list.last().is_some_and(|v| std::ptr::eq(*v, vm)) {
                            list.push(vm);
                        }
                    }
                }
                Top::Root => {}
            }
        }
    }
    for (m, vm) in vm_of_missing.iter().enumerate() {
        out.push(missing_parent(a, m as u32, *vm));
    }
    for (c, vms) in vms_of_cycle.iter().enumerate() {
        out.push(cycle(a, c as u32, vms));
    }
    for sr in a.srs {
        if sr.orphans > 0 {
            out.push(orphans(a, sr));
        }
        if sr.vdis_to_coalesce >= COALESCE_BACKLOG {
            out.push(backlog(sr));
        }
    }
    out
}

fn sr_subject(sr: Option<&SrChains>) -> (Option<String>, Option<String>) {
    match sr {
        Some(s) => (Some(s.id.clone()).filter(|i| !i.is_empty()), s.name_label.clone()),
        None => (None, None),
    }
}

fn facts_for(vm: Option<&VmChains>, vdi: Option<&str>, sr: Option<&SrChains>) -> Facts {
    let (sr_uuid, sr_name) = sr_subject(sr);
    Facts {
        subject: Subject {
            vm_uuid: vm.and_then(|v| v.uuid.clone()),
            vm_name: vm.and_then(|v| v.name_label.clone()),
            vdi_uuid: vdi.map(str::to_string),
            sr_uuid,
            sr_name,
            ..Subject::default()
        },
        sr_type: sr.and_then(|s| s.sr_type.clone()),
        host_version: None,
        product: None,
        xo_server_version: None,
    }
}

/// "«web-01 disk» (uuid)" or the uuid alone.
fn vdi_phrase(a: &Analysis<'_, '_>, v: u32) -> String {
    let id = a.node_id(v);
    match a.rec.vdis.get(v as usize).and_then(|d| d.name) {
        Some(name) => format!("\u{201c}{name}\u{201d} ({id})"),
        None => id.to_string(),
    }
}

fn disk_phrase(d: &DiskChain) -> String {
    match &d.name_label {
        Some(name) => format!("disk \u{201c}{name}\u{201d} ({})", d.id),
        None => format!("disk {}", d.id),
    }
}

fn free_percent(sr: &SrChains) -> Option<u64> {
    let size = sr.physical_size.filter(|s| *s > 0)?;
    let free = sr.free_bytes?;
    Some((free as f64 / size as f64 * 100.0) as u64)
}

fn sr_label(sr: Option<&SrChains>) -> String {
    match sr {
        Some(s) => match (&s.name_label, s.id.is_empty()) {
            (Some(n), _) => format!("the SR \u{201c}{n}\u{201d}"),
            (None, false) => format!("the SR {}", s.id),
            (None, true) => "the SR".to_string(),
        },
        None => "the SR".to_string(),
    }
}

/// The uuid to put in `xe … uuid=`: the SR's uuid when known.
fn sr_uuid_arg(sr: Option<&SrChains>) -> String {
    sr.and_then(|s| s.uuid.clone()).unwrap_or_else(|| "<sr-uuid>".to_string())
}

/// The steps that check the garbage collector runs, shared by several findings.
fn gc_steps(f: &mut Finding, sr: Option<&SrChains>) {
    let sr_uuid = sr_uuid_arg(sr);
    f.step_cmd(
        "On the host that runs the SR's garbage collector (the pool master for a shared SR, the SR's host for local \
         storage), check whether a coalesce is running: a vhd-util process merging VHDs.",
        "ps axf | grep '[v]hd-util'",
    );
    f.step_cmd(
        "Check that it is not failing: look for the collector's messages and exceptions in SMlog.",
        "grep -E 'SMGC|[Cc]oalesce|EXCEPTION|Exception' /var/log/SMlog | tail -n 50",
    );
    f.step_cmd(
        "If nothing runs, rescan the SR: the scan starts the garbage collector.",
        format!("xe sr-scan uuid={sr_uuid}"),
    );
    let free = sr.and_then(free_percent);
    let text = match free {
        Some(p) if p < crate::chain::space::RECOMMENDED_FREE_PERCENT => format!(
            "Free space on the SR: it has {p} % free and coalescing needs room to merge (about 30 % free is the usual \
             advice); without it the collector gives up."
        ),
        Some(p) => format!("Keep about 30 % of the SR free (it has {p} % now): coalescing needs room to merge."),
        None => "Keep about 30 % of the SR free: coalescing needs room to merge, and gives up without it.".to_string(),
    };
    f.step(text);
}

/// "1 image", "2 images".
fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The first 8 characters of a uuid, for grep patterns.
fn short(uuid: &str) -> &str {
    uuid.get(..8).unwrap_or(uuid)
}

/// Walks up from `v` (bounded, loop-safe) and calls `visit` on each node.
fn walk_up(a: &Analysis<'_, '_>, v: u32, max: usize, mut visit: impl FnMut(u32)) {
    let mut u = v;
    for _ in 0..max {
        visit(u);
        match a.graph.parent.get(u as usize) {
            Some(Parent::Known(p)) => u = *p,
            _ => break,
        }
    }
}

fn would_skip(a: &Analysis<'_, '_>, vm: &VmChains) -> Finding {
    let disk = vm.disks.iter().find(|d| d.would_skip);
    let tripped = disk.and_then(|d| match a.chains[d.node as usize].xo {
        XoOutcome::Trips(b) => Some(b),
        _ => None,
    });
    let sr = tripped.or(disk.map(|d| d.node)).and_then(|b| a.sr_of(b));
    let facts = facts_for(Some(vm), disk.and_then(|d| d.vdi.as_deref()), sr);
    let mut f = Finding::of(&CH001, &facts);
    let vm_phrase = facts.vm_phrase();
    let tolerance = a.tolerance.limit().unwrap_or(0);
    let (Some(disk), Some(tripped)) = (disk, tripped) else {
        f.summary = format!("Xen Orchestra's chain protection would skip {vm_phrase}.").into();
        return f;
    };
    let trip_phrase = vdi_phrase(a, tripped);
    f.summary = format!(
        "Xen Orchestra would skip the backup of {vm_phrase}: {} has {} waiting for a non-leaf coalesce, more than \
         the {tolerance} it tolerates, so its check stops at base copy {trip_phrase}.",
        disk_phrase(disk),
        count(disk.pending_coalesce, "base copy", "base copies"),
    ).into();
    f.cause = format!(
        "When a snapshot is deleted, the base copy it leaves must be merged into its parent by the SR's garbage \
         collector. Xen Orchestra walks each disk's chain before snapshotting and counts the base copies whose only \
         child is another base copy; past {tolerance} on one chain it refuses to add a snapshot, to keep the chain away \
         from the storage manager's limit of {CHAIN_LIMIT} images and the SR from filling up. This chain has {} \
         images, {} of which the pending merges will remove.",
        disk.depth,
        disk.depth.saturating_sub(disk.depth_after_coalesce),
    ).into();
    f.params.insert("tolerance", tolerance.to_string());
    f.params.insert("pendingCoalesce", disk.pending_coalesce.to_string());
    f.params.insert("trippedBy", a.node_id(tripped).to_string());
    f.params.insert("disk", disk.id.clone());
    f.params.insert("depth", disk.depth.to_string());
    f.evidence.push(Evidence::text(format!(
        "VM {}: {} — chain of {} images, {} pending non-leaf coalesce(s), {} pending leaf coalesce(s)",
        vm.uuid.as_deref().unwrap_or(&vm.vm_ref),
        disk_phrase(disk),
        disk.depth,
        disk.pending_coalesce,
        disk.pending_leaf_coalesce
    )));
    walk_up(a, disk.node, disk.depth as usize, |u| {
        let ui = u as usize;
        if a.graph.pending[ui] {
            let child = a.graph.sr_only_child[ui];
            let marker = if u == tripped { " — the check trips here" } else { "" };
            push_evidence(
                &mut f.evidence,
                Evidence::text(format!(
                    "base copy {}: its only child is base copy {}{marker}",
                    vdi_phrase(a, u),
                    vdi_phrase(a, child)
                )),
            );
        }
    });
    let sr_uuid = sr_uuid_arg(sr);
    f.step(format!(
        "Usually, wait: the garbage collector merges these base copies in the background, and the backup goes \
         through once this disk has {tolerance} or fewer pending (it has {}).",
        disk.pending_coalesce
    ));
    gc_steps(&mut f, sr);
    f.step(
        "Do not delete more snapshots of the VMs on this SR for now: every deletion queues one more merge.",
    );
    f.step_cmd(
        "Watch the chain shrink: the base copy where the check trips should disappear after its merge.",
        format!("xe vdi-list sr-uuid={sr_uuid} managed=false params=uuid,name-label,sm-config"),
    );
    f.step(
        "Forcing the backup (Xen Orchestra's force restart bypasses the check) adds one more image to this chain: do \
         it only when the backup cannot wait.",
    );
    f.add_link(links::XO_CHAIN_PROTECTION);
    f.add_link(links::XO_COALESCE_BLOG);
    f
}

fn near_limit(a: &Analysis<'_, '_>, vm: &VmChains, disk: &DiskChain) -> Finding {
    let sr = a.sr_of(disk.node);
    let facts = facts_for(Some(vm), disk.vdi.as_deref(), sr);
    let mut f = Finding::of(&CH002, &facts);
    f.codes.push("SR_BACKEND_FAILURE_109".to_string());
    let vm_phrase = facts.vm_phrase();
    let at_limit = disk.snapshots_left == 0;
    if at_limit {
        f.severity = Severity::Error;
        f.summary = format!(
            "The next snapshot of {vm_phrase} will fail with SR_BACKEND_FAILURE_109: {} has a chain of {} images, the \
             storage manager's limit is {CHAIN_LIMIT}.",
            disk_phrase(disk),
            disk.depth
        ).into();
    } else {
        f.summary = format!(
            "{} of {vm_phrase} has a chain of {} images: {} more snapshot(s) before the storage manager's limit of \
             {CHAIN_LIMIT} (SR_BACKEND_FAILURE_109).",
            capitalize(&disk_phrase(disk)),
            disk.depth,
            disk.snapshots_left
        ).into();
    }
    let merges = disk.depth.saturating_sub(disk.depth_after_coalesce);
    let mut cause = "Each snapshot adds an image to the disk's chain, and a deleted snapshot only shortens it once the \
                     garbage collector has merged the base copy it leaves."
        .to_string();
    if merges > 0 {
        cause.push_str(&format!(
            " {} of this chain are merges still pending ({} non-leaf, {} leaf): once they run the chain is {} deep.",
            count(merges, "image", "images"),
            disk.pending_coalesce,
            disk.pending_leaf_coalesce,
            count(disk.depth_after_coalesce, "image", "images")
        ));
    }
    if disk.branch_points > 0 {
        cause.push_str(&format!(
            " {} of the chain {} snapshots (or clones) hanging from {}: each such snapshot keeps one image in the \
             chain until it is deleted.",
            count(disk.branch_points, "base copy", "base copies"),
            if disk.branch_points == 1 { "has" } else { "have" },
            if disk.branch_points == 1 { "it" } else { "them" }
        ));
    }
    if disk.missing_parent.is_some() {
        cause.push_str(" The chain is broken (a missing parent), so the real depth may be larger.");
    }
    f.cause = cause.into();
    f.params.insert("depth", disk.depth.to_string());
    f.params.insert("snapshotsLeft", disk.snapshots_left.to_string());
    f.params.insert("depthAfterCoalesce", disk.depth_after_coalesce.to_string());
    f.evidence.push(Evidence::text(format!(
        "{}: depth {} of {CHAIN_LIMIT}, {} pending non-leaf and {} pending leaf coalesce(s), {} branch point(s)",
        disk_phrase(disk),
        disk.depth,
        disk.pending_coalesce,
        disk.pending_leaf_coalesce,
        disk.branch_points
    )));

    let vm_uuid = vm.uuid.clone().unwrap_or_else(|| "<vm-uuid>".to_string());
    let snapshots = a.vm_snapshots.get(vm.index as usize).map_or(&[][..], Vec::as_slice);
    if merges > 0 {
        f.step(format!(
            "{} of the chain go away by themselves once the pending merges run: make sure the garbage collector works.",
            count(merges, "level", "levels")
        ));
        gc_steps(&mut f, sr);
    }
    f.step_cmd(
        format!("List the snapshots of {vm_phrase}, oldest first."),
        format!("xe snapshot-list snapshot-of={vm_uuid} params=uuid,name-label,snapshot-time"),
    );
    if snapshots.is_empty() {
        f.step_cmd(
            "Delete the snapshots you do not need (the oldest first); each one lets the collector remove one image \
             once it has merged.",
            "xe snapshot-uninstall snapshot-uuid=<snapshot-uuid> force=true",
        );
    } else {
        f.step(format!(
            "{vm_phrase} has {} snapshot(s) in the records; delete those you do not need, oldest first — each one \
             lets the collector remove one image once it has merged:",
            snapshots.len()
        ));
        for &s in snapshots.iter().take(MAX_NAMED_SNAPSHOTS) {
            let snap = &a.rec.vms[s as usize];
            let label = match (snap.name, snap.snapshot_time.as_deref()) {
                (Some(n), Some(t)) => format!("Delete snapshot \u{201c}{n}\u{201d} (taken {t})."),
                (Some(n), None) => format!("Delete snapshot \u{201c}{n}\u{201d}."),
                (None, _) => format!("Delete snapshot {}.", snap.id()),
            };
            f.step_cmd(label, format!("xe snapshot-uninstall snapshot-uuid={} force=true", snap.id()));
        }
        if snapshots.len() > MAX_NAMED_SNAPSHOTS {
            f.step(format!("…and {} more, listed by the command above.", snapshots.len() - MAX_NAMED_SNAPSHOTS));
        }
    }
    if merges == 0 {
        f.step_cmd(
            "Then rescan the SR so the garbage collector merges what the deletions left.",
            format!("xe sr-scan uuid={}", sr_uuid_arg(sr)),
        );
    }
    f.step(
        "Check where snapshots come from: backup jobs whose snapshots outlive the coalesce, or snapshots taken by hand \
         or by another tool, which Xen Orchestra's chain protection does not guard.",
    );
    f.add_link(links::XCPNG_COALESCE);
    f.add_link(links::XO_CHAIN_PROTECTION);
    f
}

fn missing_parent(a: &Analysis<'_, '_>, m: u32, vm: Option<&VmChains>) -> Finding {
    let Some(mp) = a.graph.missing.get(m as usize) else {
        return Finding::of(&CH003, &facts_for(None, None, None));
    };
    let first = mp.children.first().copied();
    let sr = first.and_then(|c| a.sr_of(c));
    let mut facts = facts_for(None, first.map(|c| a.node_id(c)), sr);
    if let Some(vm) = vm {
        facts.subject.vm_uuid = vm.uuid.clone();
        facts.subject.vm_name = vm.name_label.clone();
    }
    let mut f = Finding::of(&CH003, &facts);
    let children: Vec<String> = mp.children.iter().take(5).map(|&c| vdi_phrase(a, c)).collect();
    f.summary = format!(
        "The VHD parent {} of {} is in no record: the chain is broken there.",
        mp.uuid,
        if mp.children.len() == 1 { format!("VDI {}", children.join(", ")) } else { format!("{} VDIs ({}…)", mp.children.len(), children.join(", ")) }
    ).into();
    f.cause = "A VDI's sm-config names its VHD parent by uuid. When no VDI has that uuid, either the records given are \
               incomplete (the parent belongs to an SR or a pool that was left out), or the parent was removed while \
               its child still points to it — a storage-manager inconsistency an SR scan usually repairs. Xen \
               Orchestra's backup check stops at such a parent and calls the chain healthy, and the chain's depth \
               beyond it is unknown."
        .into();
    f.params.insert("missingParent", mp.uuid.to_string());
    for &c in mp.children.iter() {
        push_evidence(
            &mut f.evidence,
            Evidence::text(format!("VDI {} has vhd-parent {}, which no VDI record has", vdi_phrase(a, c), mp.uuid)),
        );
    }
    let sr_uuid = sr_uuid_arg(sr);
    f.step_cmd(
        "Check whether XAPI knows the parent at all (an error means it does not).",
        format!("xe vdi-list uuid={} params=uuid,name-label,sr-uuid,managed", mp.uuid),
    );
    f.step("If it exists on another SR or pool, the records given were incomplete: include that SR's VDIs.");
    f.step_cmd(
        "Otherwise rescan the SR: the scan reads the VHD headers again and corrects the parent links.",
        format!("xe sr-scan uuid={sr_uuid}"),
    );
    if let Some(c) = first {
        f.step_cmd(
            "If the link stays broken, look for errors about the child in SMlog before taking more snapshots of it.",
            format!("grep {} /var/log/SMlog | tail -n 30", short(a.node_id(c))),
        );
    }
    f
}

fn cycle(a: &Analysis<'_, '_>, c: u32, vms: &[&VmChains]) -> Finding {
    let nodes = a.graph.cycles.get(c as usize).map_or(&[][..], |cy| cy.nodes.as_slice());
    let first = nodes.first().copied();
    let sr = first.and_then(|v| a.sr_of(v));
    let mut facts = facts_for(vms.first().copied(), first.map(|v| a.node_id(v)), sr);
    if vms.len() > 1 {
        facts.subject.vm_uuid = None;
        facts.subject.vm_name = None;
    }
    let mut f = Finding::of(&CH004, &facts);
    let mut ring: Vec<&str> = nodes.iter().take(8).map(|&v| a.node_id(v)).collect();
    if nodes.len() > 8 {
        ring.push("…");
    }
    if let Some(&v) = nodes.first() {
        ring.push(a.node_id(v));
    }
    f.summary = format!(
        "The vhd-parent links of {} VDI(s) on {} loop: {}.",
        nodes.len(),
        sr_label(sr),
        ring.join(" → ")
    ).into();
    let never: Vec<String> = vms
        .iter()
        .filter(|vm| vm.check_never_ends)
        .map(|vm| vm.name_label.clone().or_else(|| vm.uuid.clone()).unwrap_or_default())
        .collect();
    f.cause = "A VHD chain must end at a root; a loop means the SR's metadata (or the records given) is damaged. The \
               storage manager cannot compute the depth of such a chain, so snapshots of the disks on it fail, and the \
               garbage collector cannot process it."
        .into();
    if !never.is_empty() {
        f.cause.to_mut().push_str(&format!(
            " Xen Orchestra's backup check on {} would not come back: it walks the loop for ever when the loop holds \
             a base copy it waits for, and otherwise recurses until its stack overflows, which fails the backup with \
             a RangeError.",
            never.join(", ")
        ));
    }
    for &v in nodes {
        let parent = match a.graph.parent.get(v as usize) {
            Some(Parent::Known(p)) => a.node_id(*p),
            _ => "?",
        };
        push_evidence(&mut f.evidence, Evidence::text(format!("VDI {} has vhd-parent {parent}", vdi_phrase(a, v))));
    }
    for &v in nodes.iter().take(4) {
        f.step_cmd(
            format!("Read the parent link XAPI holds for {}.", a.node_id(v)),
            format!("xe vdi-param-get uuid={} param-name=sm-config", a.node_id(v)),
        );
    }
    f.step_cmd(
        "Rescan the SR: the scan reads the VHD headers again; if the loop was only in the records, it goes away.",
        format!("xe sr-scan uuid={}", sr_uuid_arg(sr)),
    );
    f.step(
        "If the loop stays, do not snapshot or back up the VMs using these disks; copy their data out (or restore from a \
         backup) and contact your support: the VHD headers themselves are damaged.",
    );
    f
}

fn orphans(a: &Analysis<'_, '_>, sr: &SrChains) -> Finding {
    let facts = facts_for(None, None, Some(sr));
    let mut f = Finding::of(&CH005, &facts);
    let size = if sr.orphan_bytes > 0 { format!(", {},", human_bytes(sr.orphan_bytes)) } else { String::new() };
    f.summary = format!(
        "{}{size} on {} {} no longer used by any disk or snapshot; the garbage collector should delete {}.",
        count(sr.orphans, "base copy", "base copies"),
        sr_label(Some(sr)),
        if sr.orphans == 1 { "is" } else { "are" },
        if sr.orphans == 1 { "it" } else { "them" }
    ).into();
    f.cause = "Deleting the last snapshot that needed a base copy leaves it without a disk or snapshot above it. The \
               garbage collector deletes such base copies on its next run; if they stay, it is not running or it \
               fails, and their space is not given back."
        .into();
    f.params.insert("orphans", sr.orphans.to_string());
    f.params.insert("orphanBytes", sr.orphan_bytes.to_string());
    for (i, v) in a.rec.vdis.iter().enumerate() {
        if v.sr == sr.index && !v.managed && !a.graph.has_managed_below[i] && !a.graph.in_cycle(i as u32) {
            let size = v.physical_utilisation.map(|b| format!(", {}", human_bytes(b))).unwrap_or_default();
            push_evidence(&mut f.evidence, Evidence::text(format!("base copy {}{size}: nothing above it", vdi_phrase(a, i as u32))));
        }
    }
    gc_steps(&mut f, Some(sr));
    f
}

fn backlog(sr: &SrChains) -> Finding {
    let facts = facts_for(None, None, Some(sr));
    let mut f = Finding::of(&CH006, &facts);
    f.summary = format!(
        "{} has {} waiting to be merged ({} non-leaf and {} leaf coalesce): its garbage collector is behind.",
        capitalize(&sr_label(Some(sr))),
        count(sr.vdis_to_coalesce, "base copy", "base copies"),
        sr.pending_coalesce,
        sr.pending_leaf_coalesce
    ).into();
    f.cause = "Every snapshot deletion queues a merge for the SR's garbage collector. When snapshots are deleted faster \
               than it merges, or it keeps failing (no space, a damaged VHD), the queue grows: backups get skipped by \
               Xen Orchestra's chain protection, chains approach the limit of 30, and space is not given back. Leaf \
               merges alone do not block Xen Orchestra's backups; some SRs (older NFS/ext) never do them."
        .into();
    if let Some(diff) = &sr.xo_difference {
        f.cause.to_mut().push(' ');
        f.cause.to_mut().push_str(diff);
    }
    f.params.insert("vdisToCoalesce", sr.vdis_to_coalesce.to_string());
    if let Some(xo) = sr.xo_vdis_to_coalesce {
        f.params.insert("xoVdisToCoalesce", xo.to_string());
    }
    f.evidence.push(Evidence::text(format!(
        "SR {}: {} VDIs, {} pending non-leaf and {} pending leaf coalesces, {} orphaned base copies",
        sr.id, sr.vdi_count, sr.pending_coalesce, sr.pending_leaf_coalesce, sr.orphans
    )));
    gc_steps(&mut f, Some(sr));
    f.step(
        "Spread the backups of this SR's VMs over time (fewer VMs per job, jobs at different hours) so that the \
         collector catches up between runs.",
    );
    if super::sr_family(sr.sr_type.as_deref()) == SrFamily::ThinFile {
        f.step(
            "On file SRs that never leaf-coalesce, leaf merges stay pending; they do not block Xen Orchestra's backups.",
        );
    }
    f.add_link(links::XO_BACKUP_TROUBLESHOOTING);
    f
}

fn capitalize(s: &str) -> String {
    super::space::capitalize(s)
}
