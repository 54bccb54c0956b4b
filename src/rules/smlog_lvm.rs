//! LVM trouble seen in SMlog: LVM commands that take longer than 15 seconds (`***** Long LVM
//! call of 'lvs' took 41.2`), and logical volumes that are busy when the storage manager removes
//! or deactivates them (`*** lvremove failed on attempt #N`, `ERROR deactivating LVs`).
//!
//! Why it matters: every snapshot, attach and coalesce on an LVM SR runs LVM commands under the
//! SR lock; slow ones make everything else wait (lock timeouts, long snapshot pauses), and busy
//! volumes leave space unreclaimed.

use super::smlog::{base, detail_suffix, sr_phrase, times, SmRule};
use super::{Facts, Matcher, Rule, RuleInfo};
use crate::input::smlog::{IncidentGroup, IncidentKind};
use crate::model::{Category, Finding, Severity};

pub static SM017: RuleInfo = RuleInfo {
    id: "SM017",
    name: "slow-lvm-command",
    title: "LVM commands are slow",
    category: Category::Other,
    severity: Severity::Warning,
    trigger: "`***** Long LVM call of '<command>' took <seconds>` (more than 15 s)",
    description: "The storage manager times its LVM commands and warns above 15 seconds. Slow LVM holds the SR lock \
                  longer and makes snapshots and coalesce wait or time out.",
    example: "Jan 14 02:26:56 xcp-host1 SM: [6994] ***** Long LVM call of 'lvs' took 21.232336000262602",
};

pub static SM018: RuleInfo = RuleInfo {
    id: "SM018",
    name: "lv-busy",
    title: "A logical volume was busy and had to be retried",
    category: Category::VdiInUse,
    severity: Severity::Warning,
    trigger: "`*** lvremove failed on attempt #N`, `*** lvchange -an failed on attempt #N` (LV in use), \
              `ERROR deactivating LVs while cleaning up`",
    description: "The storage manager removes or deactivates a logical volume and retries while it is open. \
                  Retries that succeed are only a delay; volumes that stay open keep their space.",
    example: "Jan 14 02:26:15 xcp-host1 SM: [6946] ['/sbin/lvremove', '-f', '/dev/VG_XenStorage-94e3bf91-923a-438f-b018-18f15f557203/VHD-85b9c09a-f8cd-4e9c-9be0-d34df1058667']\n\
Jan 14 02:26:15 xcp-host1 SM: [6946] FAILED in util.pread: (rc 5) stdout: '', stderr: '  Logical volume VG_XenStorage-94e3bf91-923a-438f-b018-18f15f557203/VHD-85b9c09a-f8cd-4e9c-9be0-d34df1058667 in use.'\n\
Jan 14 02:26:15 xcp-host1 SM: [6946] *** lvremove failed on attempt #0",
};

pub static RULES: &[Rule] = &[Rule { info: &SM017, matcher: Matcher::External }, Rule { info: &SM018, matcher: Matcher::External }];

pub static KINDS: &[SmRule] = &[
    SmRule { kind: IncidentKind::LongLvmCall, info: &SM017, render: slow_lvm },
    SmRule { kind: IncidentKind::LvBusyRetry, info: &SM018, render: lv_busy },
];

fn slow_lvm(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM017, g, facts);
    let cmd = g.latest_facts.get("command").unwrap_or("LVM");
    let secs = g.latest_facts.get("seconds").map(|s| format!(" took {s} s")).unwrap_or_default();
    f.summary = format!("An LVM command (`{cmd}`){secs}{}.", times(g)).into();
    f.cause = "LVM reads and writes its metadata on every command; large metadata areas (many volumes, many \
               snapshots), a slow or overloaded array, or path failover make commands slow. They run under the SR \
               lock, so everything else on the SR waits."
        .into();
    f.step_cmd("Time an LVM command yourself on the host.", "time lvs > /dev/null");
    f.step_cmd("Check the storage paths and latency.", "multipath -ll; iostat -x 5 3");
    f.step("Reduce the number of snapshots on the SR; move busy VMs to other storage if the array is saturated.");
    f
}

fn lv_busy(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM018, g, facts);
    let attempts = g.latest_facts.get("attempts").map(|a| format!(" ({a} failed tries)")).unwrap_or_default();
    f.summary = format!("A logical volume on {} was in use when the storage manager removed or deactivated it{attempts}{}{}.", sr_phrase(g), times(g), detail_suffix(g)).into();
    f.cause = "Something still had the volume open (a tapdisk, a leftover device-mapper table, a backup reading it), \
               so LVM refused; the storage manager retries up to ten times."
        .into();
    f.step_cmd("See which volumes are open.", format!("lvs -o lv_name,lv_attr VG_XenStorage-{}", facts.sr_uuid()));
    f.step_cmd("See the device-mapper tables still open (the fifth column, Open, counts their holders).", "dmsetup info -c | awk 'NR == 1 || $5 > 0'");
    f
}
