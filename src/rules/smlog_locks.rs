//! Lock timeouts seen in SMlog: the garbage collector not getting the SR lock (100 tries over
//! five minutes, then `Unable to acquire the SR lock`), and a disk activation waiting for the SR
//! lock (`SR locked, retrying`) without failing.
//!
//! Why it matters: the SR lock serialises every storage operation of an SR on a host. A
//! process that holds it for minutes (a stuck call, a long LVM operation) blocks snapshots,
//! VM starts and garbage collection alike; the log names who is waiting, and the holder's pid
//! when another process logged `blocked by PID`.

use super::smlog::{base, sr_phrase, times, SmRule};
use super::{Facts, Matcher, Rule, RuleInfo};
use crate::input::smlog::{IncidentGroup, IncidentKind};
use crate::model::{Category, Finding, Severity};

pub static SM011: RuleInfo = RuleInfo {
    id: "SM011",
    name: "gc-sr-lock-timeout",
    title: "The garbage collector could not get the SR lock",
    category: Category::LockOrTimeout,
    severity: Severity::Error,
    trigger: "repeated `lock: tried lock /var/lock/sm/<sr>/sr, acquired: False` from the GC, then `gc: EXCEPTION …, \
              Unable to acquire the SR lock` and `* * * * * SR …: ERROR`",
    description: "The garbage collector waits about five minutes for the SR lock before giving up its run; another \
                  storage operation held the lock all that time.",
    example: "Jan 14 03:26:11 xcp-host1 SM: [6917] lock: tried lock /var/lock/sm/953f48f1-f29d-4fd6-93bd-658c95e60af5/sr, acquired: False (exists: True)\n\
Jan 14 03:31:08 xcp-host1 SM: [6917] lock: tried lock /var/lock/sm/953f48f1-f29d-4fd6-93bd-658c95e60af5/sr, acquired: False (exists: True)\n\
Jan 14 03:31:11 xcp-host1 SMGC: [6917] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 03:31:11 xcp-host1 SMGC: [6917] gc: EXCEPTION <class 'util.SMException'>, Unable to acquire the SR lock\n\
Jan 14 03:31:11 xcp-host1 SMGC: [6917] \n\
Jan 14 03:31:11 xcp-host1 SMGC: [6917] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 03:31:11 xcp-host1 SMGC: [6917] * * * * * SR 953f48f1-f29d-4fd6-93bd-658c95e60af5: ERROR",
};

pub static SM012: RuleInfo = RuleInfo {
    id: "SM012",
    name: "sr-lock-wait",
    title: "A disk operation waited a long time for the SR lock",
    category: Category::LockOrTimeout,
    severity: Severity::Warning,
    trigger: "ten or more `SR locked, retrying` from one process that did not end in an error",
    description: "Attaching or activating a disk retries once a second while another operation holds the SR lock; \
                  after two minutes it fails with error 46. This one waited, which slows VM starts and backups.",
    example: "Jan 14 02:25:47 xcp-host1 SM: [6812] vdi_activate {'sr_uuid': '953f48f1-f29d-4fd6-93bd-658c95e60af5', 'vdi_uuid': '8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12', 'command': 'vdi_activate'}\n\
Jan 14 02:25:48 xcp-host1 SM: [6812] SR locked, retrying\n\
Jan 14 02:25:49 xcp-host1 SM: [6812] SR locked, retrying\n\
Jan 14 02:25:50 xcp-host1 SM: [6812] SR locked, retrying\n\
Jan 14 02:25:51 xcp-host1 SM: [6812] SR locked, retrying\n\
Jan 14 02:25:52 xcp-host1 SM: [6812] SR locked, retrying\n\
Jan 14 02:25:53 xcp-host1 SM: [6812] SR locked, retrying\n\
Jan 14 02:25:54 xcp-host1 SM: [6812] SR locked, retrying\n\
Jan 14 02:25:55 xcp-host1 SM: [6812] SR locked, retrying\n\
Jan 14 02:25:56 xcp-host1 SM: [6812] SR locked, retrying\n\
Jan 14 02:25:57 xcp-host1 SM: [6812] SR locked, retrying\n\
Jan 14 02:25:58 xcp-host1 SM: [6812] lock: acquired /var/lock/sm/953f48f1-f29d-4fd6-93bd-658c95e60af5/sr",
};

pub static RULES: &[Rule] = &[Rule { info: &SM011, matcher: Matcher::External }, Rule { info: &SM012, matcher: Matcher::External }];

pub static KINDS: &[SmRule] = &[
    SmRule { kind: IncidentKind::GcLockTimeout, info: &SM011, render: gc_lock },
    SmRule { kind: IncidentKind::SrLockWait, info: &SM012, render: lock_wait },
];

fn holder_steps(f: &mut Finding, facts: &Facts) {
    let sr = facts.sr_uuid();
    f.step_cmd(
        "Find who held the lock: other processes log `blocked by PID` with the holder's pid; follow that pid in SMlog.",
        format!("grep -E 'blocked by PID|/var/lock/sm/{sr}/sr' /var/log/SMlog | tail -n 40"),
    );
    f.step_cmd("See whether a storage command is stuck on the host.", "ps -eo pid,etime,args | grep -E '/opt/xensource/sm|vhd-util|lvchange|lvcreate' | grep -v grep");
}

fn gc_lock(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM011, g, facts);
    let tries = g.latest_facts.get("attempts").map(|a| format!(" after {a} tries")).unwrap_or_default();
    let still = g.latest_facts.get("outcome").map(|o| format!(" ({o})")).unwrap_or_default();
    f.summary = format!("The garbage collector of {} could not get the SR lock{tries}{still}{}; that run did nothing.", sr_phrase(g), times(g)).into();
    f.cause = "The garbage collector needs the SR lock to scan and to start a merge; it tries every 3 seconds for about \
               five minutes. Another operation on the SR (a long snapshot, attach or LVM command, or a stuck call) \
               held it the whole time."
        .into();
    holder_steps(&mut f, facts);
    f.step_cmd("When the SR is quiet, rescan it to start the garbage collector again.", format!("xe sr-scan uuid={}", facts.sr_uuid()));
    f
}

fn lock_wait(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM012, g, facts);
    let n = g.latest_facts.get("retries").unwrap_or("many");
    f.summary = format!("A disk operation on {} waited about {n} seconds for the SR lock{}.", sr_phrase(g), times(g)).into();
    f.cause = "Disk activation retries once a second while another operation holds the SR lock, and fails after two \
               minutes (error 46). Something held the lock for a long time."
        .into();
    holder_steps(&mut f, facts);
    f
}
