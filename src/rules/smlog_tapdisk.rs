//! tapdisk pause and unpause around snapshots and leaf-coalesce: `ERROR: Failed to unpause VDI`
//! (the VM has lost access to its disk), `Failed to pause VDI` (the operation could not
//! start), and `WARNING: snapshot paused VM for N seconds` (a snapshot kept the VM frozen more
//! than a minute).
//!
//! Why it matters: a disk that stays paused is a VM that hangs on I/O — the one SMlog failure
//! that hurts a running VM directly.

use super::smlog::{base, sr_phrase, times, vdi_phrase, SmRule};
use super::{Facts, Matcher, Rule, RuleInfo};
use crate::input::smlog::{IncidentGroup, IncidentKind};
use crate::model::{Category, Finding, Severity};

pub static SM015: RuleInfo = RuleInfo {
    id: "SM015",
    name: "tapdisk-unpause-failed",
    title: "A disk could not be resumed: the VM lost access to it",
    category: Category::IoError,
    severity: Severity::Critical,
    trigger: "`ERROR: Failed to unpause VDI …`, `Failed to unpause VDIs`",
    description: "After relinking or merging, the garbage collector (or a snapshot) resumes the tapdisk serving the \
                  disk; that failed, so the VM using it is stuck on disk I/O.",
    example: "Jan 14 03:31:16 xcp-host1 SM: [7055] call-plugin returned: 'False'\n\
Jan 14 03:31:16 xcp-host1 SMGC: [7055] ERROR: Failed to unpause VDI *e4d7738a(64.000G/8.608G/8.606G)",
};

pub static SM016: RuleInfo = RuleInfo {
    id: "SM016",
    name: "tapdisk-pause-failed",
    title: "A disk could not be paused",
    category: Category::VdiInUse,
    severity: Severity::Error,
    trigger: "`Failed to pause VDI …`, a GC `pauseVDIs` exception",
    description: "Snapshots, resizes and leaf-coalesce pause the tapdisk of a running disk first; the pause failed on \
                  the host running the VM, so the operation did not happen.",
    example: "Jan 14 03:40:00 xcp-host1 SMGC: [9300] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 03:40:00 xcp-host1 SMGC: [9300] pauseVDIs: EXCEPTION <class 'util.SMException'>, Failed to pause VDIs\n\
Jan 14 03:40:00 xcp-host1 SMGC: [9300] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*",
};

pub static SM022: RuleInfo = RuleInfo {
    id: "SM022",
    name: "long-snapshot-pause",
    title: "A snapshot kept the VM paused for more than a minute",
    category: Category::Other,
    severity: Severity::Info,
    trigger: "`WARNING: snapshot paused VM for N seconds`",
    description: "LVM snapshots pause the VM while the chain is rebuilt; the storage manager warns past 60 seconds. \
                  Occasional ones are harmless; frequent ones point to slow LVM or storage.",
    example: "Jan 14 02:00:05 xcp-host1 SM: [14502] WARNING: snapshot paused VM for 71.2 seconds",
};

pub static RULES: &[Rule] = &[
    Rule { info: &SM015, matcher: Matcher::External },
    Rule { info: &SM016, matcher: Matcher::External },
    Rule { info: &SM022, matcher: Matcher::External },
];

pub static KINDS: &[SmRule] = &[
    SmRule { kind: IncidentKind::UnpauseFailed, info: &SM015, render: unpause_failed },
    SmRule { kind: IncidentKind::PauseFailed, info: &SM016, render: pause_failed },
    SmRule { kind: IncidentKind::LongSnapshotPause, info: &SM022, render: long_pause },
];

fn unpause_failed(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM015, g, facts);
    f.summary = format!("{} could not be resumed after a pause{}: the VM using it has lost access to that disk.", super::space::capitalize(&vdi_phrase(g)), times(g)).into();
    f.cause = "The storage manager pauses a running disk's tapdisk to relink or merge its chain, then resumes it \
               through the host running the VM. The resume failed, so the tapdisk stays paused and the VM's I/O to \
               that disk hangs."
        .into();
    f.step_cmd("Find the tapdisk of the disk on the host running the VM and its state.", "tap-ctl list");
    f.step_cmd(
        "Try to resume it by hand (use the pid and minor from tap-ctl list).",
        "tap-ctl unpause -p <tapdisk-pid> -m <minor>",
    );
    f.step("If it does not resume, restart the VM: its disks are reopened on start.");
    f.step_cmd("Read what failed around the unpause.", "grep -E 'unpause|Unpause|tap-' /var/log/SMlog | tail -n 40");
    f
}

fn pause_failed(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM016, g, facts);
    f.summary = format!("A disk on {} could not be paused{}; the operation that needed it did not run.", sr_phrase(g), times(g)).into();
    f.cause = "Pausing goes through the host running the VM (its tapdisk); that host did not answer, or the tapdisk \
               was busy or in a bad state."
        .into();
    f.step_cmd("On the host running the VM, list the tapdisks and their state.", "tap-ctl list");
    f.step("Retry the operation; if it keeps failing for this VM, migrate or restart it so its tapdisks are recreated.");
    f
}

fn long_pause(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM022, g, facts);
    let secs = g.latest_facts.get("seconds").map(|s| format!(" ({s} s)")).unwrap_or_default();
    f.summary = format!("A snapshot kept a VM paused for more than a minute{secs}{}.", times(g)).into();
    f.cause = "During an LVM snapshot the VM is paused while the logical volumes are renamed and recreated; slow LVM \
               commands (large metadata, busy storage) make that pause long."
        .into();
    f.step_cmd("Look for slow LVM commands at the same time.", "grep 'Long LVM call' /var/log/SMlog | tail -n 20");
    f
}
