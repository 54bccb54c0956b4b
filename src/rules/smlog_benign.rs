//! SMlog lines that look alarming but are normal: lock contention that resolves (`Failed to lock
//! … on first attempt, blocked by PID n` followed by the lock being acquired), a garbage
//! collector that finds another one already running (`Another GC instance already active,
//! exiting`, `A GC instance already running, not kicking`), the ignored LV check of a CBT log
//! volume (`Ignoring exception for LV check … .cbtlog`), and the volume-group existence check
//! (`vgs --readonly` answering "not found") that opens every LVM SR create.
//!
//! Why it matters: people searching SMlog for "Failed" or "exception" stop at these and chase
//! the wrong problem. They are reported as `benign` information, never as failures, so a UI can
//! say "this is normal" instead of staying silent.

use super::smlog::{base, times, SmRule};
use super::{Facts, Matcher, Rule, RuleInfo};
use crate::input::smlog::{IncidentGroup, IncidentKind};
use crate::model::{Category, Finding, Severity};

pub static SM024: RuleInfo = RuleInfo {
    id: "SM024",
    name: "lock-contention-normal",
    title: "Lock contention (normal)",
    category: Category::Benign,
    severity: Severity::Info,
    trigger: "`Failed to lock <path> on first attempt, blocked by PID <n>`",
    description: "Two storage operations wanted the same lock; the second waits and then gets it. Normal on a busy \
                  host; only a wait that ends in an error matters, and other rules report those.",
    example: "Jan 14 02:00:01 xcp-host1 SM: [14502] Failed to lock /var/lock/sm/5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/sr on first attempt, blocked by PID 14488\n\
Jan 14 02:00:03 xcp-host1 SM: [14502] lock: acquired /var/lock/sm/5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/sr",
};

pub static SM025: RuleInfo = RuleInfo {
    id: "SM025",
    name: "gc-already-running-normal",
    title: "Another garbage collector was already running (normal)",
    category: Category::Benign,
    severity: Severity::Info,
    trigger: "`Another GC instance already active, exiting`, `A GC instance already running, not kicking`",
    description: "Every SR scan and snapshot deletion starts the garbage collector; when one is already working on \
                  the SR, the new one simply exits.",
    example: "Jan 14 02:00:01 xcp-host1 SM: [14502] lock: tried lock /var/lock/sm/5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/gc_active, acquired: False (exists: True)\n\
Jan 14 02:00:01 xcp-host1 SMGC: [14502] Another GC instance already active, exiting",
};

pub static SM026: RuleInfo = RuleInfo {
    id: "SM026",
    name: "cbt-lv-check-normal",
    title: "Ignored LV check (normal)",
    category: Category::Benign,
    severity: Severity::Info,
    trigger: "`Ignoring exception for LV check …` (typically on a `.cbtlog` volume), and the failed `lvs` before it",
    description: "The storage manager checks whether a changed-block-tracking log volume exists and ignores the \
                  error when it does not. Not a cause of snapshot or backup failures.",
    example: "Jan 14 02:00:01 xcp-host1 SM: [14502] FAILED in util.pread: (rc 5) stdout: '', stderr: '  Failed to find logical volume \"VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12.cbtlog\"'\n\
Jan 14 02:00:01 xcp-host1 SM: [14502] Ignoring exception for LV check: /dev/VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12.cbtlog !",
};

pub static SM027: RuleInfo = RuleInfo {
    id: "SM027",
    name: "vg-existence-check-normal",
    title: "Volume group existence check (normal)",
    category: Category::Benign,
    severity: Severity::Info,
    trigger: "`['/sbin/vgs', '--readonly', '<VG>']` followed by `FAILED in util.pread: … Volume group \"<VG>\" not found` \
              with nothing else in its stderr but LVM's warnings, and no later line of the same process turning it into an error",
    description: "Before it creates an LVM SR, and when it loads one, the storage manager asks LVM whether the SR's \
                  volume group exists; LVM answers \"no\" with a failed exit. Before a create this is expected; when \
                  an existing SR's group is missing, the storage manager raises its own error next, and that error is \
                  the finding.",
    example: "Jan 14 02:00:01 xcp-host1 SM: [14502] ['/sbin/vgs', '--readonly', 'VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21']\n\
Jan 14 02:00:01 xcp-host1 SM: [14502] FAILED in util.pread: (rc 5) stdout: '', stderr: '  Volume group \"VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21\" not found\n\
Jan 14 02:00:01 xcp-host1 SM: [14502]   Cannot process volume group VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21\n\
Jan 14 02:00:01 xcp-host1 SM: [14502] '",
};

pub static RULES: &[Rule] = &[
    Rule { info: &SM024, matcher: Matcher::External },
    Rule { info: &SM025, matcher: Matcher::External },
    Rule { info: &SM026, matcher: Matcher::External },
    Rule { info: &SM027, matcher: Matcher::External },
];

pub static KINDS: &[SmRule] = &[
    SmRule { kind: IncidentKind::BenignLockContention, info: &SM024, render: lock_contention },
    SmRule { kind: IncidentKind::BenignGcAlreadyRunning, info: &SM025, render: gc_running },
    SmRule { kind: IncidentKind::BenignLvCheck, info: &SM026, render: lv_check },
    SmRule { kind: IncidentKind::BenignVgCheck, info: &SM027, render: vg_check },
];

fn benign(info: &'static RuleInfo, g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(info, g, facts);
    // Grouped over the whole log: the first occurrence's subject is not the subject.
    f.params.0.retain(|(k, _)| k != "sr" && k != "vdi" && k != "blockedBy");
    f.subject.sr_uuid = None;
    f.subject.vdi_uuid = None;
    f
}

fn lock_contention(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = benign(&SM024, g, facts);
    f.summary = format!("Storage operations waited for each other's locks{}; this is normal and not a failure.", times(g)).into();
    f.cause = "The storage manager serialises operations with lock files; when one is held, the next operation logs \
               `Failed to lock … on first attempt` and waits."
        .into();
    f
}

fn gc_running(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = benign(&SM025, g, facts);
    f.summary = format!("A garbage collector was started while another was already running{}; the new one exited. This is normal.", times(g)).into();
    f.cause = "Only one garbage collector works on an SR at a time; starting another is a no-op.".into();
    f
}

fn lv_check(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = benign(&SM026, g, facts);
    f.summary = format!("The storage manager ignored a failed LV existence check{}; this is normal.", times(g)).into();
    f.cause = "It probes for a changed-block-tracking log volume (`.cbtlog`) that may not exist, and ignores the error."
        .into();
    f
}

fn vg_check(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = benign(&SM027, g, facts);
    f.summary = format!("The storage manager asked LVM whether a volume group exists and was told it does not{}; this is normal.", times(g)).into();
    f.cause = "Creating or loading an LVM-based SR starts with `vgs --readonly` on the SR's volume group; \"not found\" \
               is the expected answer before the SR is created, and a real problem would show as an SR error after it."
        .into();
    f
}
