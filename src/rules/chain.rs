//! The VHD chain: too long for another snapshot, or skipped by Xen Orchestra's chain protection.
//!
//! Every snapshot adds an image to each disk's VHD chain; deleting a snapshot only shortens the
//! chain once the SR's garbage collector has coalesced the base copy it leaves behind. When
//! snapshots come faster than coalesce, the chain reaches the storage manager's limit of 30
//! images (`SR_BACKEND_FAILURE_109`) — which is why Xen Orchestra refuses to snapshot a VM
//! whose chains have more uncoalesced base copies than it tolerates ("unhealthy VDI chain").
//! XenServer 6.1 had a bug where snapshot deletion failed on SRs above 1 TB (hotfix XS61E015).

use super::{links, Facts, Matcher, Rule, RuleInfo};
use crate::input::{XapiError, XoError};
use crate::model::{Category, Finding, Severity};

pub static SR109: RuleInfo = RuleInfo {
    id: "SR109",
    name: "snapshot-chain-too-long",
    title: "The disk's snapshot chain reached the limit of 30",
    category: Category::ChainTooLong,
    severity: Severity::Error,
    trigger: "`SR_BACKEND_FAILURE_109` (The snapshot chain is too long); in SMlog `Raising exception [109, …]`",
    description: "The storage manager refuses a snapshot when the disk's VHD chain already holds 30 images \
                  (leaf included). Snapshots were taken faster than the garbage collector coalesced the old ones, \
                  or coalesce is failing.",
    example: "SR_BACKEND_FAILURE_109(, The snapshot chain is too long, )",
};

pub static XO001: RuleInfo = RuleInfo {
    id: "XO001",
    name: "vdi-chain-protection",
    title: "Backup skipped to protect the VDI chain",
    category: Category::CoalesceFailure,
    severity: Severity::Warning,
    trigger: "Xen Orchestra's `unhealthy VDI chain` / `Job canceled to protect the VDI chain`",
    description: "Before snapshotting, Xen Orchestra walks each disk's chain and skips the VM when more base copies \
                  are waiting for coalesce than it tolerates (`maxUncoalescedVdis`, default 1). It protects the SR \
                  from the 30-image limit and from filling up; the VM is backed up again once coalesce catches up.",
    example: "Error: unhealthy VDI chain",
};

pub static HV061: RuleInfo = RuleInfo {
    id: "HV061",
    name: "xenserver-61-large-sr",
    title: "XenServer 6.1 with an SR above 1 TB needs hotfix XS61E015",
    category: Category::XapiVersion,
    severity: Severity::Warning,
    trigger: "`SR_BACKEND_FAILURE_44` or `_109` when `options.context.hostVersion` is 6.1; a space plan of an SR \
              larger than 1 TB with `hostVersion` 6.1",
    description: "XenServer 6.1.0 could fail to delete snapshots on SRs larger than 1 TB, so space and chain \
                  length were never reclaimed; hotfix XS61E015 fixes it and may be the root cause of errors 44 and 109.",
    example: r#"{"input": "SR_BACKEND_FAILURE_109(, The snapshot chain is too long, )", "options": {"context": {"hostVersion": "6.1.0"}}}"#,
};

pub static RULES: &[Rule] = &[
    Rule { info: &SR109, matcher: Matcher::Xapi { codes: &[], sr_values: &[109], build: chain_too_long } },
    Rule {
        info: &XO001,
        matcher: Matcher::Xo {
            markers: &["unhealthy VDI chain", "protect the VDI chain"],
            codes: &[],
            build: chain_protection,
        },
    },
    Rule { info: &HV061, matcher: Matcher::Xapi { codes: &[], sr_values: &[44, 109], build: xenserver_61 } },
];

fn chain_too_long(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&SR109, e, facts);
    let vm = facts.vm_phrase();
    let sr_uuid = facts.sr_uuid();
    f.summary = format!(
        "A snapshot of {vm} was refused: one of its disks already has a chain of 30 VHD images, the storage \
         manager's limit."
    ).into();
    f.cause = "Each snapshot adds one image to the disk's chain. Deleting a snapshot does not shorten the chain by \
               itself: the SR's garbage collector must first coalesce the base copy it leaves. When snapshots are \
               taken faster than coalesce runs (frequent backups, snapshots made outside the backup tool), or \
               coalesce keeps failing, the chain grows until the limit."
        .into();
    f.step_cmd(
        format!("List the snapshots of {vm}."),
        format!("xe snapshot-list snapshot-of={} params=uuid,name-label,snapshot-time", facts.vm_uuid()),
    );
    f.step_cmd(
        "Delete the snapshots you do not need (including ones left by other tools or made by hand).",
        "xe snapshot-uninstall snapshot-uuid=<snapshot-uuid> force=true",
    );
    f.step_cmd(
        "Rescan the SR: it starts the garbage collector, which coalesces the freed base copies.",
        format!("xe sr-scan uuid={sr_uuid}"),
    );
    f.step_cmd(
        "On the pool master, check that a coalesce is running (a vhd-util process)…",
        "ps axf | grep '[v]hd-util'",
    );
    f.step_cmd(
        "…and that it is not failing: look for exceptions and coalesce messages in SMlog.",
        "grep -iE 'coalesc|exception' /var/log/SMlog | tail -n 50",
    );
    f.step_cmd(
        "If the SR also uses clearly more space than its visible disks add up to, deleted snapshots are waiting \
         for coalesce there too: the same garbage collector (leaf coalesce) reclaims both.",
        format!("xe vdi-list sr-uuid={sr_uuid} params=uuid,name-label,virtual-size,physical-utilisation,managed"),
    );
    f.step(
        "Retry the snapshot once coalesce has finished. Xen Orchestra's chain protection (or xapi-doctor's chain \
         check on the pool's records) tells when the chain is short enough again.",
    );
    f.add_link(links::XCPNG_COALESCE);
    f.add_link(links::XO_CHAIN_PROTECTION);
    f.add_link(links::XO_COALESCE_BLOG);
    Some(f)
}

fn chain_protection(e: &XoError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xo(&XO001, e, facts);
    let vm = facts.vm_phrase();
    let sr_uuid = facts.sr_uuid();
    f.summary = format!(
        "Xen Orchestra skipped {vm}: a disk chain has more base copies waiting for coalesce than it allows, so it \
         did not add another snapshot."
    ).into();
    f.cause = "After every snapshot deletion the SR's garbage collector must coalesce (merge) the base copy left \
               behind. Xen Orchestra checks each disk's chain before snapshotting and skips the VM when more than \
               `maxUncoalescedVdis` (default 1) base copies with a single base-copy child are pending: piling more \
               snapshots on would lead to the 30-image limit (SR_BACKEND_FAILURE_109) or a full SR \
               (SR_BACKEND_FAILURE_44). It is usually temporary."
        .into();
    f.step(
        "Usually nothing: coalesce runs after each snapshot removal and the next backup run goes through. \
         Act if the VM is skipped run after run.",
    );
    f.step(
        "Find which disk and base copy tripped the check: run xapi-doctor's chain check on the pool's records, or \
         open the SR's Advanced tab in Xen Orchestra (VDIs to coalesce).",
    );
    f.step_cmd(
        "On the pool master, check whether a coalesce is running right now (a vhd-util process).",
        "ps axf | grep '[v]hd-util'",
    );
    f.step_cmd(
        "Look in SMlog (and the rotated SMlog.1) for garbage-collector failures: exceptions, corrupted VHDs, no space to coalesce.",
        "grep -iE 'exception|error|coales' /var/log/SMlog /var/log/SMlog.1 | tail -n 80",
    );
    f.step(
        "Make sure the SR keeps free space, about 30 % or more: coalescing needs room to merge, and stops without it.",
    );
    f.step_cmd(
        "Rescan the SR to start the garbage collector; the list of VDIs to coalesce should then shrink.",
        format!("xe sr-scan uuid={sr_uuid}"),
    );
    f.step(
        "Forcing the backup (Xen Orchestra's force restart bypasses the check) adds one more image to an unhealthy \
         chain: use it only when the backup matters more than the risk. As a last resort, migrating the VM's disks \
         to another SR and back rebuilds the chains.",
    );
    f.add_link(links::XO_CHAIN_PROTECTION);
    f.add_link(links::XO_COALESCE_BLOG);
    Some(f)
}

fn xenserver_61(e: &XapiError, facts: &Facts) -> Option<Finding> {
    if !facts.is_xenserver_61() {
        return None;
    }
    let mut f = Finding::of_xapi(&HV061, e, facts);
    f.summary = "This host runs XenServer 6.1.0, whose snapshot deletion can fail on SRs larger than 1 TB; that \
                 bug leaves space and chain length unreclaimed and can cause this error."
        .into();
    f.cause = "On XenServer 6.1.0, deleting snapshots on an SR above 1 TB could fail, so the garbage collector \
               never reclaimed their space or shortened the chains. Citrix fixed it in hotfix XS61E015."
        .into();
    f.step("If the SR is larger than 1 TB, download and apply hotfix XS61E015 to every host of the pool.");
    f.step_cmd("Then rescan the SR so the leftover snapshots are coalesced.", format!("xe sr-scan uuid={}", facts.sr_uuid()));
    Some(f)
}
