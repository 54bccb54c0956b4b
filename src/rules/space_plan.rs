//! Snapshot space, planned before a backup job runs: will the snapshots it takes at once fit
//! in the SR, and is space held that coalescing would give back?
//!
//! These rules run on a space plan (`planSnapshotSpace`, or `diagnose` given `{ sr, vdis }`)
//! and on the chain check's SR figures. On thick LVM-family SRs every snapshot reserves about the
//! disk's full size up front, so a job that snapshots several big disks of one SR at once fails
//! with `SR_BACKEND_FAILURE_44` long before the SR looks full; space that deleted snapshots
//! left behind only comes back once the garbage collector has coalesced it.

use super::{human_bytes, links, parse_version, push_evidence, Facts, Matcher, Rule, RuleInfo};
use crate::chain::space::{Provisioning, SpacePlan, GIB, RECOMMENDED_FREE_PERCENT, XS61_LARGE_SR_BYTES};
use crate::chain::{Analysis, SrChains};
use crate::model::{Category, Evidence, Finding, Severity, Subject};

pub static SP001: RuleInfo = RuleInfo {
    id: "SP001",
    name: "snapshot-space-insufficient",
    title: "The SR cannot hold the snapshots the job takes at once",
    category: Category::InsufficientSpace,
    severity: Severity::Warning,
    trigger: "In a space plan, the space the `concurrency` largest snapshots need (on thick SRs: each disk's fully \
              inflated size plus 16 MiB) exceeds the SR's free space",
    description: "Computes each disk's snapshot need with the storage manager's formulas and says how many snapshots \
                  fit at once, how much space is missing, and what to change: fewer parallel snapshots, staggered \
                  jobs, freed space, or a thin SR.",
    example: r#"{"sr": {"uuid": "5e6f7a8b-1c2d-4e3f-8a9b-0c1d2e3f4a5b", "name_label": "iSCSI", "type": "lvmoiscsi", "physical_size": "107374182400", "physical_utilisation": "80530636800"},
 "vdis": [{"uuid": "a1b2c3d4-0000-4000-8000-000000000001", "name_label": "db data", "virtual_size": "21474836480"},
          {"uuid": "a1b2c3d4-0000-4000-8000-000000000002", "name_label": "web disk", "virtual_size": "10737418240"}],
 "concurrency": 2}"#,
};

pub static SP002: RuleInfo = RuleInfo {
    id: "SP002",
    name: "unreclaimed-sr-space",
    title: "The SR uses much more space than its visible disks",
    category: Category::InsufficientSpace,
    severity: Severity::Warning,
    trigger: "The SR's physical utilisation exceeds the sum of its visible disks and snapshots by 10 % of its size \
              (and at least 1 GiB); from the chain check, only when the SR also has pending coalesces or orphaned \
              base copies",
    description: "Space that deleted snapshots held stays used until the garbage collector coalesces their base \
                  copies, so the SR looks fuller than its disks and snapshots fail for lack of space. Coalescing it \
                  back frees the space.",
    example: r#"{"sr": {"uuid": "5e6f7a8b-1c2d-4e3f-8a9b-0c1d2e3f4a5b", "name_label": "Local storage", "type": "lvm", "physical_size": "1099511627776", "physical_utilisation": "858993459200"},
 "vdis": [{"uuid": "a1b2c3d4-0000-4000-8000-000000000001", "name_label": "db data", "virtual_size": "107374182400"}],
 "srVdis": [{"uuid": "a1b2c3d4-0000-4000-8000-000000000001", "managed": true, "physical_utilisation": "107592286208"},
            {"uuid": "a1b2c3d4-0000-4000-8000-000000000003", "managed": true, "physical_utilisation": "214966468608"}]}"#,
};

pub static SP003: RuleInfo = RuleInfo {
    id: "SP003",
    name: "sr-shown-full",
    title: "The SR is full",
    category: Category::InsufficientSpace,
    severity: Severity::Error,
    trigger: "XenCenter's or XCP-ng Center's usage row of an SR, `<used> used of <total> total (<allocated> allocated)`, \
              with 98 % or more of the SR used",
    description: "A pasted SR view that shows the SR full: snapshots, clones and growing disks on it fail, and the \
                  garbage collector has no room to reclaim space. When more is allocated than the SR holds, its \
                  thin-provisioned disks grew into all of it.",
    example: "Size: 875.9 GB used of 875.9 GB total (13.6 TB allocated)",
};

pub static RULES: &[Rule] = &[
    Rule { info: &SP001, matcher: Matcher::External },
    Rule { info: &SP002, matcher: Matcher::External },
    Rule { info: &SP003, matcher: Matcher::External },
];

/// The separator of XenCenter's SR usage row (xenadmin `Messages.resx`, `SR_SIZE_USED`:
/// `{0} used of {1} total ({2} allocated)`; its resource report puts `DISK_PERCENT_USED`,
/// `{0}% ({1} used)`, in `{0}`).
const USAGE_ROW: &str = " used of ";

/// SP003: the first usage row of `text` that shows its SR 98 % used or more.
pub fn full_sr_in_usage_row(text: &str, facts: &Facts) -> Option<Finding> {
    memchr::memmem::find(text.as_bytes(), USAGE_ROW.as_bytes())?;
    let (index, line, row) = text.lines().enumerate().find_map(|(i, line)| Some((i, line, UsageRow::read(line)?)))?;
    let total = row.total?;
    let used_share = match row.used {
        Amount::Percent(p) => p / 100.0,
        Amount::Bytes(b) if total > 0.0 => b / total,
        Amount::Bytes(_) => return None,
    };
    if used_share < 0.98 {
        return None;
    }
    let mut f = Finding::of(&SP003, facts);
    f.summary = format!("The SR is full: {}.", row.text).into();
    let over_allocated = row.allocated.is_some_and(|a| a > total);
    f.cause = if over_allocated {
        "More space is allocated to the SR's disks than the SR holds: its thin-provisioned disks, their snapshots and \
         the base copies deleted snapshots leave until the garbage collector coalesces them grew into all of it. \
         Snapshots, clones and writes that need new blocks now fail, and the collector itself needs free room to merge."
    } else {
        "Its disks, their snapshots and the base copies that deleted snapshots leave until the garbage collector \
         coalesces them take all of its space. Snapshots, clones and disk growth on it fail, and the collector itself \
         needs free room to merge."
    }
    .into();
    f.step_cmd(
        "List the SR's disks and snapshots by the space they take, and find the snapshots and the disks no VM uses any more.",
        format!("xe vdi-list sr-uuid={} params=uuid,name-label,is-a-snapshot,physical-utilisation,virtual-size", facts.sr_uuid()),
    );
    f.step_cmd(
        "Before deleting a disk, check that no VM has it attached.",
        "xe vbd-list vdi-uuid=<vdi-uuid> params=vm-name-label,currently-attached",
    );
    f.step_cmd(
        "Delete the snapshots and the orphaned disks you do not need, then rescan: the scan starts the garbage collector, which frees their space.",
        format!("xe sr-scan uuid={}", facts.sr_uuid()),
    );
    f.step(format!("Keep about {RECOMMENDED_FREE_PERCENT} % of the SR free, or grow it, or move disks to another SR."));
    f.evidence.push(Evidence::at_line(line.trim(), u32::try_from(index + 1).unwrap_or(u32::MAX)));
    f.add_link(links::XCPNG_COALESCE);
    Some(f)
}

enum Amount {
    Bytes(f64),
    Percent(f64),
}

/// One usage row: what is used, the SR's size and, when shown, what its disks are allocated.
struct UsageRow {
    used: Amount,
    total: Option<f64>,
    allocated: Option<f64>,
    /// "875.9 GB used of 875.9 GB", as the row shows it.
    text: String,
}

impl UsageRow {
    fn read(line: &str) -> Option<UsageRow> {
        let at = line.find(USAGE_ROW)?;
        let (mut before, after) = (line[..at].trim_end(), &line[at + USAGE_ROW.len()..]);
        // The resource report's form: "99% (875.9 GB used) used of 875.9 GB total (…)".
        if let Some(open) = before.strip_suffix(" used)").and_then(|b| b.rfind('(')) {
            before = before[..open].trim_end();
        }
        let total_end = after.find(" total")?;
        let mut words = before.rsplit(char::is_whitespace);
        let last = words.next()?;
        let (used, used_text) = match last.strip_suffix('%') {
            Some(percent) => (Amount::Percent(number(percent)?), last.to_string()),
            None => {
                let value = words.next()?;
                (Amount::Bytes(size(value, last)?), format!("{value} {last}"))
            }
        };
        let allocated = after[total_end..]
            .split_once('(')
            .and_then(|(_, inside)| inside.split_once(" allocated"))
            .and_then(|(amount, _)| sized(amount));
        let total_text = after[..total_end].trim();
        Some(UsageRow { used, total: sized(total_text), allocated, text: format!("{used_text} used of {total_text}") })
    }
}

/// "875.9 GB" → bytes (the units' base does not matter: only ratios of two sizes are used).
fn sized(text: &str) -> Option<f64> {
    let (value, unit) = text.trim().rsplit_once(' ')?;
    size(value, unit)
}

fn size(value: &str, unit: &str) -> Option<f64> {
    let scale = match unit.trim().to_ascii_uppercase().as_str() {
        "B" | "BYTES" => 1.0,
        "KB" | "KIB" => 1024.0,
        "MB" | "MIB" => 1024.0 * 1024.0,
        "GB" | "GIB" => 1024.0 * 1024.0 * 1024.0,
        "TB" | "TIB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        "PB" | "PIB" => 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some(number(value)? * scale)
}

/// A decimal number as XenCenter prints it in any locale ("875.9", "875,9"). Read by hand:
/// `str::parse::<f64>` would bring the standard library's float parser and its tables into the
/// module (~17 KB gzipped, docs/size.md).
fn number(text: &str) -> Option<f64> {
    /// At most 15 digits: they convert to f64 exactly, and 10^15 fits in a u64.
    fn digits(part: &str) -> Option<u64> {
        if part.len() > 15 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(part.bytes().fold(0, |n, b| n * 10 + u64::from(b - b'0')))
    }
    let text = text.trim();
    let (whole, fraction) = text.split_once(['.', ',']).unwrap_or((text, ""));
    if whole.is_empty() {
        return None;
    }
    let (whole_value, fraction_value) = (digits(whole)?, digits(fraction)?);
    // `digits` accepted the fraction, so it has at most 15 digits: the power cannot overflow.
    let scale = 10_u64.pow(u32::try_from(fraction.len()).ok()?);
    #[allow(clippy::cast_precision_loss)]
    let value = whole_value as f64 + fraction_value as f64 / scale as f64;
    Some(value)
}

/// Unreclaimed space worth a finding: 10 % of the SR, and at least 1 GiB.
pub fn unreclaimed_is_large(unreclaimed: u64, physical_size: Option<u64>) -> bool {
    unreclaimed >= GIB.max(physical_size.unwrap_or(0) / 10)
}

/// "20.0 GiB + 64.0 MiB" (the overhead stays visible next to a large size), or the need alone.
fn need_text(size: u64, need: u64) -> String {
    if need > size && size >= 1024 * 1024 * 1024 {
        format!("{} + {}", human_bytes(size), human_bytes(need - size))
    } else {
        human_bytes(need)
    }
}

fn percent(part: u64, whole: u64) -> u64 {
    if whole == 0 {
        0
    } else {
        (part as f64 / whole as f64 * 100.0) as u64
    }
}

fn plan_facts(plan: &SpacePlan) -> Facts {
    Facts {
        subject: Subject {
            sr_uuid: plan.sr_uuid.clone(),
            sr_name: plan.sr_name.clone(),
            vdi_uuid: (plan.per_vdi.len() == 1).then(|| plan.per_vdi[0].uuid.clone()).flatten(),
            ..Subject::default()
        },
        sr_type: plan.sr_type.clone(),
        host_version: None,
        product: None,
        xo_server_version: None,
    }
}

/// The findings of a space plan.
pub fn findings(plan: &SpacePlan, host_version: Option<&str>) -> Vec<Finding> {
    let mut out = Vec::new();
    if plan.fits == Some(false) {
        out.push(insufficient(plan));
    }
    if let Some(unreclaimed) = plan.unreclaimed_bytes {
        if unreclaimed_is_large(unreclaimed, plan.physical_size) {
            out.push(unreclaimed_in_plan(plan, unreclaimed));
        }
    }
    let large_sr = plan.physical_size.is_some_and(|s| s > XS61_LARGE_SR_BYTES);
    if large_sr && host_version.and_then(parse_version) == Some((6, 1)) {
        out.push(xenserver_61(plan));
    }
    crate::model::rank(&mut out);
    out
}

fn insufficient(plan: &SpacePlan) -> Finding {
    let facts = plan_facts(plan);
    let mut f = Finding::of(&SP001, &facts);
    let sr = facts.sr_phrase();
    let sr_uuid = facts.sr_uuid().to_string();
    let free = plan.free_bytes.unwrap_or(0);
    let max = plan.max_concurrency.unwrap_or(0);
    f.codes.push(if plan.provisioning == Provisioning::Thin { "SR_BACKEND_FAILURE_81" } else { "SR_BACKEND_FAILURE_44" }.to_string());
    if max == 0 {
        f.severity = Severity::Error;
    }
    // Disks whose snapshot alone is larger than the free space: no concurrency setting helps them.
    let too_big: Vec<String> = plan
        .per_vdi
        .iter()
        .filter(|v| v.required_bytes.is_some_and(|need| need > free))
        .map(|v| v.name_label.clone().or_else(|| v.uuid.clone()).unwrap_or_else(|| "a disk".to_string()))
        .collect();
    let fit_text = match max {
        0 => format!(
            "the largest snapshot alone does not fit ({} of the disks cannot be snapshotted at all until space is freed)",
            too_big.len()
        ),
        1 => "only one fits at a time, whichever disk it is".to_string(),
        n => format!("at most {n} fit at once, whichever disks they are"),
    };
    f.summary = format!(
        "Snapshotting {} disk(s) at once on {sr} needs {}, but it has {} free: {fit_text}.",
        plan.concurrency,
        human_bytes(plan.required_bytes),
        human_bytes(free)
    ).into();
    f.cause = match plan.provisioning {
        Provisioning::Thick => "This SR is thick-provisioned (LVM family). Before each disk's snapshot the storage manager \
             checks that the volume group can hold the new leaf at its fully inflated size, the snapshot's empty VHD and \
             two 4 MiB journals, minus what deflating the old leaf gives back; for a disk written through, that is its \
             fully inflated size (virtual size, plus 2 MiB of bitmaps per GiB and the VHD metadata, rounded to 4 MiB) \
             plus 16 MiB. The records do not say how much of each disk was written, so the plan takes that worst case."
            .into(),
        Provisioning::Thin => "This SR is file-based and thin-provisioned: a snapshot creates two empty VHD files and \
             reserves nothing else, so if even that does not fit, the SR is full."
            .into(),
        Provisioning::AssumedThick => "The SR's type is unknown (or is neither LVM nor a file SR), so the plan assumed \
             thick provisioning, the worst case: each snapshot needs the disk's fully inflated size plus 16 MiB."
            .into(),
    };
    f.params.insert("requiredBytes", plan.required_bytes.to_string());
    f.params.insert("freeBytes", free.to_string());
    f.params.insert("concurrency", plan.concurrency.to_string());
    f.params.insert("maxConcurrency", max.to_string());
    for v in &plan.per_vdi {
        let name = match (&v.name_label, &v.uuid) {
            (Some(n), Some(u)) => format!("\u{201c}{n}\u{201d} ({u})"),
            (Some(n), None) => format!("\u{201c}{n}\u{201d}"),
            (None, Some(u)) => u.clone(),
            (None, None) => "a disk".to_string(),
        };
        if let (Some(size), Some(need)) = (v.virtual_size, v.required_bytes) {
            push_evidence(
                &mut f.evidence,
                Evidence::text(format!("disk {name}: virtual size {} → its snapshot needs {}", human_bytes(size), need_text(size, need))),
            );
        }
    }
    f.evidence.push(Evidence::text(format!(
        "SR {}: {} free of {}",
        plan.sr_uuid.as_deref().unwrap_or("?"),
        human_bytes(free),
        plan.physical_size.map(human_bytes).unwrap_or_else(|| "?".to_string())
    )));
    if max >= 1 && max < plan.concurrency {
        f.step(format!("Lower the job's concurrency to {max} snapshot(s) at a time on this SR."));
    }
    if !too_big.is_empty() {
        f.step(format!(
            "Even alone, the snapshot of {} does not fit: free space (below) or move that disk to a thin SR before \
             backing it up.",
            too_big.iter().take(5).map(|n| format!("\u{201c}{n}\u{201d}")).collect::<Vec<_>>().join(", ")
        ));
    }
    f.step(
        "Or split the VMs into jobs that run at different times, so their snapshots are not on the SR together.",
    );
    f.step(
        "If the job keeps its snapshot after the run (delta backups and continuous replication keep the last one), \
         each disk's snapshot stays: plan the space for all of them, whatever the concurrency.",
    );
    f.step_cmd(
        format!("Or free at least {} on the SR: look for snapshots and disks you no longer need.", human_bytes(plan.required_bytes.saturating_sub(free))),
        format!("xe vdi-list sr-uuid={sr_uuid} is-a-snapshot=true params=uuid,name-label,snapshot-of,physical-utilisation"),
    );
    if let Some(unreclaimed) = plan.unreclaimed_bytes.filter(|u| *u > 0) {
        f.step_cmd(
            format!(
                "{} of the SR's used space is in no visible disk: once the garbage collector has coalesced it, it is \
                 free again. Rescan the SR to start it.",
                human_bytes(unreclaimed)
            ),
            format!("xe sr-scan uuid={sr_uuid}"),
        );
    }
    if plan.provisioning != Provisioning::Thin {
        f.step(format!(
            "For a lasting fix, keep the VMs you back up on a thin SR (local ext, NFS, SMB), where a snapshot costs \
             almost nothing up front, or keep this SR well under half full — and about {RECOMMENDED_FREE_PERCENT} % \
             free for coalescing after the snapshots."
        ));
    }
    f.add_link(links::XO_SR_44);
    f.add_link(links::XAPI_SNAPSHOT_DELETION);
    f
}

fn unreclaimed_text(f: &mut Finding, sr_phrase: &str, used: u64, visible: u64, unreclaimed: u64, size: Option<u64>) {
    let share = size.map(|s| format!(" ({} % of the SR)", percent(unreclaimed, s))).unwrap_or_default();
    f.summary = format!(
        "{} uses {}, but its visible disks and snapshots hold only {}: {}{share} is held by base copies or has not \
         been reclaimed yet.",
        super::space::capitalize(sr_phrase),
        human_bytes(used),
        human_bytes(visible),
        human_bytes(unreclaimed)
    ).into();
    f.cause = "Deleting a snapshot does not free its space: the base copy it leaves holds the data until the SR's \
               garbage collector has coalesced it (merged it into its child, or deleted it when nothing uses it). \
               Until then the SR looks fuller than the disks it shows, and snapshots fail for lack of space. Base \
               copies behind the snapshots you keep hold space legitimately; the rest comes back with coalescing."
        .into();
    f.params.insert("unreclaimedBytes", unreclaimed.to_string());
    f.params.insert("visibleBytes", visible.to_string());
    f.params.insert("physicalUtilisation", used.to_string());
}

fn unreclaimed_in_plan(plan: &SpacePlan, unreclaimed: u64) -> Finding {
    let facts = plan_facts(plan);
    let mut f = Finding::of(&SP002, &facts);
    let used = plan.physical_utilisation.unwrap_or(0);
    unreclaimed_text(&mut f, &facts.sr_phrase(), used, used.saturating_sub(unreclaimed), unreclaimed, plan.physical_size);
    reclaim_steps(&mut f, facts.sr_uuid());
    f
}

fn reclaim_steps(f: &mut Finding, sr_uuid: &str) {
    f.step(
        "See which base copies wait for a coalesce and which are orphans: run the chain check on the pool's records \
         (or open the SR's Advanced tab in Xen Orchestra).",
    );
    f.step_cmd("Rescan the SR: the scan starts the garbage collector, which coalesces and frees that space.", format!("xe sr-scan uuid={sr_uuid}"));
    f.step_cmd(
        "Check on the SR's master that the collector runs and does not fail.",
        "grep -E 'SMGC|[Cc]oalesce|EXCEPTION' /var/log/SMlog | tail -n 50",
    );
    f.step(format!(
        "Keep about {RECOMMENDED_FREE_PERCENT} % of the SR free: the collector needs room to merge, so a full SR stays full."
    ));
    f.add_link(links::XCPNG_COALESCE);
    f.add_link(links::XAPI_SNAPSHOT_DELETION);
}

fn xenserver_61(plan: &SpacePlan) -> Finding {
    let facts = plan_facts(plan);
    let mut f = Finding::of(&super::chain::HV061, &facts);
    f.summary = format!(
        "{} is larger than 1 TB and the host runs XenServer 6.1, whose snapshot deletion can fail on such SRs: apply \
         hotfix XS61E015 before relying on deleted snapshots to free space.",
        super::space::capitalize(&facts.sr_phrase())
    ).into();
    f.cause = "On XenServer 6.1.0, deleting snapshots on an SR above 1 TB could fail, so their space and chain length \
               were never reclaimed; hotfix XS61E015 fixes it."
        .into();
    f.step("Download and apply hotfix XS61E015 to every host of the pool.");
    f.step_cmd("Then rescan the SR so the leftover snapshots are coalesced.", format!("xe sr-scan uuid={}", facts.sr_uuid()));
    f
}

/// SP002 from the chain check's SR figures: only when the SR also shows coalesce work or
/// orphans, so that space held by the base copies of kept snapshots alone is not reported.
pub fn chain_findings(a: &Analysis<'_, '_>) -> Vec<Finding> {
    a.srs.iter().filter_map(unreclaimed_in_chains).collect()
}

fn unreclaimed_in_chains(sr: &SrChains) -> Option<Finding> {
    let unreclaimed = sr.unreclaimed_bytes?;
    let reclaimable_work = sr.vdis_to_coalesce + sr.orphans > 0;
    if !reclaimable_work || !unreclaimed_is_large(unreclaimed, sr.physical_size) {
        return None;
    }
    let facts = Facts {
        subject: Subject {
            sr_uuid: sr.uuid.clone(),
            sr_name: sr.name_label.clone(),
            ..Subject::default()
        },
        sr_type: sr.sr_type.clone(),
        host_version: None,
        product: None,
        xo_server_version: None,
    };
    let mut f = Finding::of(&SP002, &facts);
    let used = sr.physical_utilisation.unwrap_or(0);
    unreclaimed_text(&mut f, &facts.sr_phrase(), used, sr.visible_bytes, unreclaimed, sr.physical_size);
    f.evidence.push(Evidence::text(format!(
        "SR {}: {} base copies wait for a coalesce, {} orphaned base copies hold {}",
        sr.id,
        sr.vdis_to_coalesce,
        sr.orphans,
        human_bytes(sr.orphan_bytes)
    )));
    reclaim_steps(&mut f, facts.sr_uuid());
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_as_xencenter_prints_them() {
        assert_eq!(number("875.9"), Some(875.9));
        assert_eq!(number(" 875,9 "), Some(875.9));
        assert_eq!(number("12"), Some(12.0));
        assert_eq!(number("0.25"), Some(0.25));
        for bad in ["", ".5", "1.2.3", "1e5", "-3", "12a", "1234567890123456", "NaN", "1.00000000000000000000000"] {
            assert_eq!(number(bad), None, "{bad:?}");
        }
    }
}
