//! Xen Orchestra's own backup errors and warnings, which carry no XAPI code: an empty smart
//! selection, a lost replication base, a full or locked backup repository, a job still running,
//! delta features on hosts too old for them, and the job's own bookkeeping conflicts.

use super::{links, Facts, Matcher, Rule, RuleInfo};
use crate::input::XoError;
use crate::model::{Category, Finding, Severity};

pub static XO002: RuleInfo = RuleInfo {
    id: "XO002",
    name: "no-matching-vms",
    title: "The smart backup job matched no VM",
    category: Category::NoMatchingVms,
    severity: Severity::Warning,
    trigger: "`no VMs match this pattern` (Xen Orchestra error code 27)",
    description: "A smart-mode job selects VMs by pattern (pool, tags, power state) when it starts; none matched, \
                  for example \"running VMs\" with all of them halted, or the pool master disconnected from Xen \
                  Orchestra so no VM is visible.",
    example: "Error: no VMs match this pattern",
};

pub static XO003: RuleInfo = RuleInfo {
    id: "XO003",
    name: "replication-base-missing",
    title: "The incremental replication lost its base VM",
    category: Category::MissingBaseVm,
    severity: Severity::Error,
    trigger: "`Could not find the base VM` (older Xen Orchestra releases)",
    description: "Incremental (continuous) replication sends the changes since the last replica; the replica it \
                  builds on was deleted on the target, so the chain is broken until the job's reference snapshot \
                  on the source VM is removed.",
    example: "Error: Could not find the base VM",
};

pub static XO004: RuleInfo = RuleInfo {
    id: "XO004",
    name: "remote-full",
    title: "The backup repository is full",
    category: Category::RemoteFull,
    severity: Severity::Error,
    trigger: "`ENOSPC: no space left on device` (Node's `ENOSPC`)",
    description: "Writing the backup to the remote (or to Xen Orchestra's own disk for a local remote) failed \
                  because that filesystem is full.",
    example: "ENOSPC: no space left on device, write",
};

pub static XO005: RuleInfo = RuleInfo {
    id: "XO005",
    name: "delta-needs-newer-host",
    title: "Delta backup on a host older than XenServer 6.5",
    category: Category::XapiVersion,
    severity: Severity::Error,
    trigger: "`Parse Error` from the HTTP export",
    description: "Delta backups and continuous replication need XenServer 6.5 or later; older hosts answer the \
                  delta export in a way the HTTP parser rejects.",
    example: "Error: Parse Error",
};

pub static XO006: RuleInfo = RuleInfo {
    id: "XO006",
    name: "remote-locked",
    title: "The VM's backup directory on the remote is locked",
    category: Category::LockOrTimeout,
    severity: Severity::Error,
    trigger: "`Lock file is already being held` (`ELOCKED`)",
    description: "Another job, or a merge of older backups, is working in the VM's directory on the backup \
                  repository.",
    example: "Error: Lock file is already being held",
};

pub static XO009: RuleInfo = RuleInfo {
    id: "XO009",
    name: "job-already-running",
    title: "The previous run of the job is still going",
    category: Category::LockOrTimeout,
    severity: Severity::Warning,
    trigger: "`the job (<id>) is already running` (xo-server), `job is already running` (a proxy)",
    description: "The schedule fired while the previous run had not finished; Xen Orchestra refuses to start it \
                  twice and reports it so the missed run is noticed.",
    example: "Error: the job (6b1c2d3e-1111-4a5b-9c8d-0123456789ab) is already running",
};

pub static XO010: RuleInfo = RuleInfo {
    id: "XO010",
    name: "pool-not-connected",
    title: "Xen Orchestra has no connection to the VM's pool",
    category: Category::Network,
    severity: Severity::Error,
    trigger: "`no XAPI associated to <uuid>`",
    description: "The job names a VM that no connected pool owns: the pool's server is disconnected in Xen \
                  Orchestra, or the VM was deleted.",
    example: "Error: no XAPI associated to 6e246cbf-41c4-aa5b-f12a-f9080580b4aa",
};

pub static XO013: RuleInfo = RuleInfo {
    id: "XO013",
    name: "backup-worker-crashed",
    title: "The backup worker process crashed",
    category: Category::Other,
    severity: Severity::Error,
    trigger: "`worker exited with code …`, `JavaScript heap out of memory`",
    description: "Xen Orchestra runs backups in a worker process; it died, most often out of memory.",
    example: "Error: worker exited with code 134 and signal null",
};

pub static XO014: RuleInfo = RuleInfo {
    id: "XO014",
    name: "vm-is-own-replica",
    title: "The job selected a replica it created itself",
    category: Category::Configuration,
    severity: Severity::Warning,
    trigger: "`cannot backup a VM created by this very job`",
    description: "A smart pattern matched the replicas the same job produces; Xen Orchestra refuses to back them up.",
    example: "Error: cannot backup a VM created by this very job",
};

pub static XO015: RuleInfo = RuleInfo {
    id: "XO015",
    name: "vm-migrating",
    title: "The VM was being migrated",
    category: Category::LockOrTimeout,
    severity: Severity::Warning,
    trigger: "`cannot backup a VM currently being migrated`",
    description: "A migration was running when the backup reached the VM.",
    example: "Error: cannot backup a VM currently being migrated",
};

pub static XO016: RuleInfo = RuleInfo {
    id: "XO016",
    name: "snapshot-cleanup-conflict",
    title: "Xen Orchestra could not clean up the job's old snapshots",
    category: Category::Configuration,
    severity: Severity::Error,
    trigger: "`VDI must be free or attached to exactly one VM`, `VM must be a snapshot`, `_removeUnusedSnapshots don't handle vdi related to multiple VMs`",
    description: "A snapshot disk the job should delete is attached to several VMs, or to a normal VM; Xen \
                  Orchestra refuses to delete it. Left alone, such leftovers lengthen chains and fill the SR.",
    example: "AssertionError [ERR_ASSERTION]: VDI must be free or attached to exactly one VM",
};

pub static XO017: RuleInfo = RuleInfo {
    id: "XO017",
    name: "backup-targets-unavailable",
    title: "No backup target could be used",
    category: Category::RemoteUnreachable,
    severity: Severity::Error,
    trigger: "`couldn't instantiate any remote`, `couldn't instantiate source remote` (a mirror job's source), `all targets have failed`, `timeout while getting the remote`, `no more consumers for this stream`",
    description: "Every backup repository of the job was disabled, unreachable or failed, so there was nowhere to \
                  write the backup (or a mirror job could not open its source remote, or, for `all targets have \
                  failed`, a replication could not write to any of its SRs).",
    example: "Error: all targets have failed, step: writer.beforeBackup()",
};

pub static XO018: RuleInfo = RuleInfo {
    id: "XO018",
    name: "fell-back-to-full",
    title: "The incremental backup fell back to a full one",
    category: Category::Other,
    severity: Severity::Info,
    trigger: "warnings `Backup fell back to a full`, `can't compute delta … fall back to a full`",
    description: "A delta could not be computed (full-backup interval reached, a new disk, the reference snapshot \
                  or the previous backup missing), so a full backup was taken. Expected now and then; \
                  unexpected every run.",
    example: "Backup fell back to a full",
};

pub static XO019: RuleInfo = RuleInfo {
    id: "XO019",
    name: "broken-delta-chain-on-remote",
    title: "The incremental chain on the backup repository is broken",
    category: Category::MissingBaseVm,
    severity: Severity::Error,
    trigger: "`Missing vdi … which is a base for a delta`, `can't resolve root of chain`, `A differential VHD must have a parent`",
    description: "A delta on the repository refers to a base that is missing or unreadable.",
    example: "Error: A differential VHD must have a parent",
};

pub static RULES: &[Rule] = &[
    Rule { info: &XO002, matcher: Matcher::Xo { markers: &["no VMs match this pattern"], codes: &[], build: no_matching_vms } },
    Rule { info: &XO003, matcher: Matcher::Xo { markers: &["could not find the base VM"], codes: &[], build: base_vm_missing } },
    Rule { info: &XO004, matcher: Matcher::Xo { markers: &["ENOSPC", "no space left on device"], codes: &["ENOSPC"], build: remote_full } },
    Rule { info: &XO005, matcher: Matcher::Xo { markers: &["Parse Error"], codes: &["HPE_INVALID_CONSTANT"], build: parse_error } },
    Rule { info: &XO006, matcher: Matcher::Xo { markers: &["Lock file is already being held"], codes: &["ELOCKED"], build: remote_locked } },
    Rule { info: &XO009, matcher: Matcher::Xo { markers: &["is already running"], codes: &[], build: already_running } },
    Rule { info: &XO010, matcher: Matcher::Xo { markers: &["no XAPI associated to"], codes: &[], build: pool_not_connected } },
    Rule { info: &XO013, matcher: Matcher::Xo { markers: &["worker exited with code", "JavaScript heap out of memory"], codes: &[], build: worker_crashed } },
    Rule { info: &XO014, matcher: Matcher::Xo { markers: &["cannot backup a VM created by this very job"], codes: &[], build: own_replica } },
    Rule { info: &XO015, matcher: Matcher::Xo { markers: &["cannot backup a VM currently being migrated"], codes: &[], build: migrating } },
    Rule {
        info: &XO016,
        matcher: Matcher::Xo {
            markers: &["VDI must be free or attached to exactly one VM", "VM must be a snapshot", "_removeUnusedSnapshots don't handle"],
            codes: &[],
            build: cleanup_conflict,
        },
    },
    Rule {
        info: &XO017,
        matcher: Matcher::Xo {
            markers: &["couldn't instantiate any remote", "couldn't instantiate source remote", "all targets have failed", "timeout while getting the remote", "no more consumers for this stream"],
            codes: &[],
            build: targets_unavailable,
        },
    },
    Rule { info: &XO018, matcher: Matcher::Xo { markers: &["fell back to a full", "fall back to a full"], codes: &[], build: fell_back_to_full } },
    Rule {
        info: &XO019,
        matcher: Matcher::Xo {
            markers: &["which is a base for a delta", "can't resolve root of chain", "A differential VHD must have a parent"],
            codes: &[],
            build: broken_remote_chain,
        },
    },
];

fn no_matching_vms(e: &XoError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xo(&XO002, e, facts);
    f.summary = "The smart backup job started, but its pattern selected no VM, so nothing was backed up.".into();
    f.cause = "Smart mode resolves the VM list at run time. Nothing matched: the pattern is too narrow (for example \
               only running VMs, and none were running at that time), or Xen Orchestra lost its connection to the \
               pool master and saw no VMs at all."
        .into();
    f.step("Edit the job and check the list of VMs its pattern matches now.");
    f.step("Check in Xen Orchestra's settings (Servers) that the pool is connected.");
    f.step("If the job is meant to cover halted VMs too, widen the power-state filter.");
    f.add_link(links::XO_BACKUP_TROUBLESHOOTING);
    Some(f)
}

fn base_vm_missing(e: &XoError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xo(&XO003, e, facts);
    let vm = facts.vm_phrase();
    f.summary = format!("The incremental replication of {vm} cannot continue: the replica it builds on is gone.").into();
    f.cause = "The replicated VM on the target was deleted, so the last replicated state no longer exists and the \
               next delta has nothing to apply to. The job keeps a reference snapshot on the source VM that points \
               at that lost base."
        .into();
    f.step_cmd(
        format!("List the snapshots of {vm} and find the job's reference snapshot: its name is \u{201c}XO_DELTA_EXPORT: <target SR name> (<target SR uuid>)\u{201d} (newer releases: \u{201c}[XO Backup <job name>] <VM name>\u{201d})."),
        format!("xe snapshot-list snapshot-of={} params=uuid,name-label", facts.vm_uuid()),
    );
    f.step_cmd("Delete that snapshot.", "xe snapshot-uninstall snapshot-uuid=<snapshot-uuid> force=true");
    f.step("Run the job again: it starts over with a full replication. Current Xen Orchestra releases fall back to a full automatically.");
    f.add_link(links::XO_BACKUP_TROUBLESHOOTING);
    Some(f)
}

fn remote_full(e: &XoError, facts: &Facts) -> Option<Finding> {
    // ENOSPC on a line of the host's own logs is not the backup target: tapdisk's is the VM's SR
    // filling up (HL002), a toolstack daemon's dom0's own file system (HL985), a system service's
    // (logrotate, cron…) the disk of the machine that logged it.
    if super::codes::is_host_log_line(&e.message) || super::codes::is_system_service_line(&e.message) {
        return None;
    }
    // Linux's inotify limit reaches Node as ENOSPC too ("ENOSPC: System limit for number of file
    // watchers reached, watch …"): no disk is full (RM908).
    if e.message.contains("System limit for number of file watchers") {
        return None;
    }
    if names_host_or_guest_writer(&e.message) {
        return None;
    }
    let mut f = Finding::of_xo(&XO004, e, facts);
    f.summary = "The backup could not be written: the backup repository (remote) has no space left.".into();
    f.cause = "The filesystem the backup is written to is full — the remote's share or the target directory's disk \
               (for a Xen Orchestra remote that is a local directory, Xen Orchestra's own disk). This is about the \
               backup target, not the VM's SR."
        .into();
    f.step_cmd("Check the free space of the file system the backup writes to (the remote's mount, or the target directory).", "df -h");
    f.step_cmd("If that is Xen Orchestra's own disk (a local remote on the XOA appliance), check the appliance too.", "xoa check");
    f.step("Free space on the remote: lower the job's retention, delete old backups, or move to a bigger repository.");
    f.add_link(links::XO_BACKUP_TROUBLESHOOTING);
    Some(f)
}

/// Writers of a "No space left on device" that is not a backup's target, named in the message
/// without a syslog prefix (those are [`super::codes::is_host_log_line`]'s): the VHD tool of the
/// storage manager (`vhd-util` and its `libvhd`, printing C's strerror), tapdisk, OCaml's
/// `Unix.ENOSPC` of the toolstack, a path of an SR (its mount point or volume group), of the
/// control domain's own file systems (the toolstack's files and logs), and a guest's disk
/// device or file system. Xen Orchestra's own writes to a remote print Node's
/// `ENOSPC: no space left on device, <syscall> '<path>'` with the remote's path instead.
const NOT_A_BACKUP_TARGET: &[&str] = &[
    "vhd-util",
    "libvhd",
    "tapdisk",
    "Unix.ENOSPC",
    "/var/run/sr-mount/",
    "/run/sr-mount/",
    "VG_XenStorage-",
    "/var/log/",
    "/var/run/nonpersistent",
    "/run/nonpersistent",
    "/var/lib/xcp",
    "/var/xapi",
    "/opt/xensource",
    "/dev/xvd",
    "EXT4-fs",
    "XFS (",
];

// review-s: a mark counts only where it starts a word or a path (not inside a remote's own path:
// '/srv/xo-remote/tapdisk-images/…', '/mnt/backup/var/log/…' are still the remote's), except the
// volume group's name, which only an SR's LVM volume carries.
fn names_host_or_guest_writer(message: &str) -> bool {
    NOT_A_BACKUP_TARGET.iter().any(|m| {
        message.match_indices(m).any(|(i, _)| {
            *m == "VG_XenStorage-"
                || message[..i].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || matches!(c, '/' | '-' | '_' | '.')))
        })
    })
}

/// Whether a message is Node's HTTP `Parse Error` itself: the whole message, or its end after
/// what a line puts in front of it (`Error: `, a log line's prefix and `=!> Error: `, a backup
/// report's `- **Error**: `, a JSON line's `"message": "…",`); not a longer error that ends in
/// the words (`JSON Parse Error`).
fn is_parse_error(message: &str) -> bool {
    let m = message.trim().trim_end_matches([',', '"', '\'', ' ']);
    let Some(before) = m.len().checked_sub("parse error".len()).and_then(|at| m.get(at..).filter(|end| end.eq_ignore_ascii_case("parse error")).map(|_| &m[..at])) else {
        return false;
    };
    before.is_empty() || before.ends_with(": ") || before.ends_with('"') || before.ends_with('\'')
}

fn parse_error(e: &XoError, facts: &Facts) -> Option<Finding> {
    if !is_parse_error(&e.message) && e.code.as_deref() != Some("HPE_INVALID_CONSTANT") {
        return None;
    }
    let mut f = Finding::of_xo(&XO005, e, facts);
    f.summary = "The delta export could not be parsed: the host is most likely older than XenServer 6.5.".into();
    f.cause = "Delta backups and continuous replication rely on export features added in XenServer 6.5; older \
               hosts send a reply Xen Orchestra's HTTP parser cannot read."
        .into();
    match facts.host_version.as_deref().and_then(super::parse_version) {
        Some(v) if v < (6, 5) => {
            f.summary = format!("The delta export could not be parsed: the host runs {}.{}, and delta features need XenServer 6.5 or later.", v.0, v.1).into();
        }
        _ => {}
    }
    f.step_cmd("Check the hosts' version.", "xe host-list params=name-label,software-version");
    f.step("Upgrade the pool to XenServer 6.5 or later, or use full backups (not delta or continuous replication) on older hosts.");
    f.add_link(links::XO_BACKUP_TROUBLESHOOTING);
    Some(f)
}

fn remote_locked(e: &XoError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xo(&XO006, e, facts);
    f.summary = format!("The backup of {} could not lock its directory on the backup repository.", facts.vm_phrase()).into();
    f.cause = "Another job writes to the same VM directory, a merge of older backups is still running there, a lock \
               was left by an xo-server or proxy that crashed or restarted during a run (it is released once stale), \
               or a second Xen Orchestra or proxy uses the same remote folder."
        .into();
    f.step("Wait for the other job or merge to finish (see Xen Orchestra's tasks), then retry.");
    f.step("Avoid two jobs backing up the same VM to the same repository at the same time; check the repository is not overloaded.");
    f.add_link(links::XO_BACKUP_TROUBLESHOOTING);
    Some(f)
}

fn already_running(e: &XoError, facts: &Facts) -> Option<Finding> {
    // xo-server says "the job (<id>) is already running", a proxy "job is already running".
    if !e.message.to_ascii_lowercase().contains("job") {
        return None;
    }
    let mut f = Finding::of_xo(&XO009, e, facts);
    f.summary = "This run was not started: the previous run of the same job had not finished.".into();
    f.cause = "The job takes longer than the interval between its runs (slow export or repository, long timeouts), or an earlier run \
               hung inside xo-server and is still counted as running although nothing of it progresses."
        .into();
    f.step("Space out the job's schedule, or split its VMs into several jobs.");
    f.step("Find what makes the runs long: the duration of each VM's export and transfer in the job's log.");
    // xo-server keeps the ids of the jobs it runs in memory until their run ends (`_runJob`,
    // packages/xo-server/src/xo-mixins/jobs): a run that never settles refuses every later one,
    // and only a restart forgets it. Such hangs were bugs of the release in use (xen-orchestra#4774).
    f.step("If every run is refused this way and no run of the job is shown as running (Backup → overview, Tasks), an earlier run \
            hung: restart xo-server to clear it, and update Xen Orchestra, whose earlier releases had bugs that left runs hanging.");
    Some(f)
}

fn pool_not_connected(e: &XoError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xo(&XO010, e, facts);
    f.summary = "Xen Orchestra knows the VM by uuid but no connected pool owns it.".into();
    f.cause = "The pool's server is disconnected (or its credentials changed) in Xen Orchestra, or the VM was deleted.".into();
    f.step("In Xen Orchestra's settings (Servers), check the pool is connected; reconnect it.");
    f.step("If the VM was deleted, remove it from the job.");
    Some(f)
}

fn worker_crashed(e: &XoError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xo(&XO013, e, facts);
    f.summary = "The process running the backup died before finishing.".into();
    f.cause = "Most often Node.js ran out of memory in the backup worker (many VMs or disks at once, big merges).".into();
    xo_server_log_step!(f, "Look at xo-server's log around the failure", "grep -iE 'heap|worker|killed'");
    f.step("Give the Xen Orchestra VM more memory and raise Node's heap (--max-old-space-size), or lower the job's concurrency.");
    Some(f)
}

fn own_replica(e: &XoError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xo(&XO014, e, facts);
    f.summary = format!("{} is a replica made by this same job; it was not backed up.", super::space::capitalize(&facts.vm_phrase())).into();
    f.cause = "The job's smart pattern also matches the replicas it creates.".into();
    f.step("Narrow the pattern (exclude the replica tag or the target SR) so replicas are not selected.");
    Some(f)
}

fn migrating(e: &XoError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xo(&XO015, e, facts);
    f.summary = format!("{} was being migrated when its backup started.", super::space::capitalize(&facts.vm_phrase())).into();
    f.cause = "Backups and migrations of the same VM cannot overlap.".into();
    f.step("Retry after the migration; avoid scheduling migrations (or load balancing) during the backup window.");
    Some(f)
}

fn cleanup_conflict(e: &XoError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xo(&XO016, e, facts);
    f.summary = "A snapshot disk the job should delete is attached where it should not be, so the job stopped.".into();
    f.cause = "Xen Orchestra only deletes its snapshot disks when they are attached to exactly one snapshot VM. \
               This one is attached to several VMs or to a normal VM (a clone made from a snapshot, a disk \
               attached by hand)."
        .into();
    f.step_cmd("Find the VMs the job's snapshot disks are attached to.", format!("xe vbd-list vm-uuid={} params=vdi-uuid,vdi-name-label", facts.vm_uuid()));
    f.step_cmd("For the disk named in the log, list every VM using it.", "xe vbd-list vdi-uuid=<vdi-uuid> params=vm-name-label,vm-uuid");
    f.step("Detach it from the extra VM (or remove the stray clone), then rerun the job. Leftover snapshots lengthen chains and fill the SR.");
    Some(f)
}

fn targets_unavailable(e: &XoError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xo(&XO017, e, facts);
    let lower = e.message.to_ascii_lowercase();
    if lower.contains("source remote") {
        f.summary = "The mirror job could not open the remote it copies backups from.".into();
        f.cause = "A mirror backup copies from a source remote to its targets; the source remote is disabled, deleted, \
                   linked to another proxy or cannot be mounted, whatever the state of the targets."
            .into();
        f.step("In Xen Orchestra's settings (Remotes), test the mirror job's source remote and enable it.");
        return Some(f);
    }
    if lower.contains("all targets have failed") {
        // Xen Orchestra's writers are a backup job's remotes or a replication's SRs, and the message
        // is the same for both. Backup jobs are by far the more common, so the remotes' category
        // stays; the words and steps name both.
        f.summary = "None of the job's targets could be used: its backup repositories, or the SRs a replication writes to.".into();
        f.cause = "Every target failed at the same step (named after `step:`): a remote disabled, not mounted or \
                   locked, or a replication's SR unreachable or full; the per-target errors of the log say which."
            .into();
        f.step("In Xen Orchestra's settings (Remotes), test each remote of the job and enable it; for a replication, check that its target SRs are attached.");
        f.step("Read the per-target errors in the job's log: each names its own problem (space, lock, permissions).");
        return Some(f);
    }
    f.summary = "None of the job's backup repositories could be used.".into();
    f.cause = "Every remote was disabled, could not be mounted or connected in time, or failed while preparing the \
               backup; the per-target errors say why."
        .into();
    f.step("In Xen Orchestra's settings (Remotes), test each remote of the job and enable it.");
    f.step("Read the per-target errors in the job's log: each names its own problem (space, lock, permissions).");
    Some(f)
}

fn fell_back_to_full(e: &XoError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xo(&XO018, e, facts);
    f.summary = format!("The backup of {} was taken as a full instead of an incremental one.", facts.vm_phrase()).into();
    f.cause = "A delta needs the previous backup and the reference snapshot; when the full-backup interval is \
               reached, a disk is new, or either reference is missing, a full is taken instead."
        .into();
    f.step("Expected occasionally. If it happens every run, check the job's warnings for the reason and that its reference snapshots are not deleted by another tool.");
    Some(f)
}

fn broken_remote_chain(e: &XoError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xo(&XO019, e, facts);
    if e.message.to_ascii_lowercase().contains("which is a base for a delta") {
        // Only the remote-to-remote (mirror) runner says this: the target lacks the delta's base.
        f.summary = "The mirror job cannot copy an incremental backup: the disk it builds on is not on the target remote.".into();
        f.cause = "A mirror copies the source remote's chain as it is; when the target does not hold the base of a delta \
                   (the mirror started in the middle of a chain, or the target's copy of the base was pruned or is \
                   damaged), the delta cannot be written there. The source chain itself is fine."
            .into();
        f.step("Take a full backup in the source job (force full on its schedule), so that the mirror can copy a whole new chain.");
        f.step("Or remove the VM's broken chain from the target remote, so that the next mirror run copies a full.");
        return Some(f);
    }
    f.summary = "An incremental backup on the repository has lost the base it depends on.".into();
    f.cause = "A file of the VM's backup chain on the remote is missing or unreadable (deleted by hand, interrupted merge).".into();
    f.step("Run the job's next backup as a full (force full backup on the schedule) to start a new chain.");
    f.step("Check the repository's integrity for this VM in Xen Orchestra's backup view.");
    Some(f)
}
