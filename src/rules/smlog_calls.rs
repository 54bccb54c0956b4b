//! Storage-manager calls that fail in a way SMlog shows without an SR error code: an external
//! command that failed and was not handled (`FAILED in util.pread: (rc N) … stderr: …`), a call
//! that ended on an exception without `Raising exception` (pasted tracebacks, newer storage
//! managers), and a failed snapshot that left debris behind.
//!
//! Why it matters: when the log has the XAPI error, the XAPI rules explain it; when it has only
//! the failed command or the traceback, that is still the cause, and it must not go unreported.

use super::smlog::{base, detail_suffix, sr_phrase, times, SmRule};
use super::{Facts, Matcher, Rule, RuleInfo};
use crate::input::smlog::{IncidentGroup, IncidentKind};
use crate::model::{Category, Finding, Severity};

pub static SM019: RuleInfo = RuleInfo {
    id: "SM019",
    name: "storage-command-failed",
    title: "A storage command failed",
    category: Category::Other,
    severity: Severity::Warning,
    trigger: "`FAILED in util.pread: (rc N) stdout: …, stderr: …` that no later line of the same process handles \
              (not an ignored LV check, not a retried lvremove, not part of a failed call)",
    description: "An external command of the storage manager (LVM, vhd-util, tap-ctl, iscsiadm, mount) failed; its \
                  stderr says why.",
    example: "Jan 14 02:30:10 xcp-host1 SM: [7115] ['/usr/bin/vhd-util', 'query', '--debug', '-d', '-n', '/dev/VG_XenStorage-94e3bf91-923a-438f-b018-18f15f557203/VHD-85b9c09a-f8cd-4e9c-9be0-d34df1058667']\n\
Jan 14 02:30:10 xcp-host1 SM: [7115] FAILED in util.pread: (rc 2) stdout: '', stderr: 'vhd-util: failed to open /dev/VG_XenStorage-94e3bf91-923a-438f-b018-18f15f557203/VHD-85b9c09a-f8cd-4e9c-9be0-d34df1058667: No such file or directory'",
};

pub static SM021: RuleInfo = RuleInfo {
    id: "SM021",
    name: "failed-snapshot-leftovers",
    title: "A failed snapshot left debris on the SR",
    category: Category::Other,
    severity: Severity::Warning,
    trigger: "`WARNING: failed to clean up failed snapshot: … (error ignored)`",
    description: "After a snapshot failed, the storage manager could not remove what it had created; orphan volumes \
                  or VHDs may take space on the SR.",
    example: "Jan 14 02:00:03 xcp-host1 SM: [14502] WARNING: failed to clean up failed snapshot: Command ['/sbin/lvremove', '-f', '/dev/VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21/VHD-0f9e8d7c-55aa-4e11-8c1b-3d2e1f0a9b88'] failed (error ignored)",
};

pub static SM023: RuleInfo = RuleInfo {
    id: "SM023",
    name: "sm-call-failed",
    title: "A storage-manager call failed",
    category: Category::Other,
    severity: Severity::Error,
    trigger: "`***** <command>: EXCEPTION <class …>, <text>` and its traceback, when the log does not show which SR \
              error the call returned",
    description: "A storage-manager call (attach, snapshot, scan…) ended on an exception. The exception class and \
                  text are the cause; the SR error code is in the XAPI error the client got.",
    example: "Jan 14 02:23:22 xcp-host1 SM: [6662] vdi_attach {'sr_uuid': '953f48f1-f29d-4fd6-93bd-658c95e60af5', 'vdi_uuid': '16e6fec3-4770-4eba-8cb1-2eefb02e3d8d', 'command': 'vdi_attach'}\n\
Jan 14 02:23:22 xcp-host1 SM: [6662] ***** vdi_attach: EXCEPTION <class 'util.CommandException'>, Input/output error\n\
Jan 14 02:23:22 xcp-host1 SM: [6662]   File \"/opt/xensource/sm/SRCommand.py\", line 113, in run\n\
Jan 14 02:23:22 xcp-host1 SM: [6662]     return self._run_locked(sr)\n\
Jan 14 02:23:22 xcp-host1 SM: [6662] ",
};

pub static RULES: &[Rule] = &[
    Rule { info: &SM019, matcher: Matcher::External },
    Rule { info: &SM021, matcher: Matcher::External },
    Rule { info: &SM023, matcher: Matcher::External },
];

pub static KINDS: &[SmRule] = &[
    SmRule { kind: IncidentKind::CommandFailed, info: &SM019, render: command_failed },
    SmRule { kind: IncidentKind::SnapshotCleanupFailed, info: &SM021, render: leftovers },
    SmRule { kind: IncidentKind::SmCallFailed, info: &SM023, render: call_failed },
];

/// The category a failed command's or call's text points to: the storage manager's own wording
/// for a full SR first, then the general cues of data/wording.toml read as the storage's (an
/// unreachable server is the SR's, a busy device the disk's), then what its words resemble
/// (rules/resemblance.rs), read the same way.
fn category_of(text: &str) -> Category {
    let t = text.to_ascii_lowercase();
    if t.contains("mount.nfs") || t.contains("iscsiadm") {
        return Category::StorageUnreachable;
    }
    if t.contains("insufficient free space") || t.contains("(rc 28)") {
        return Category::InsufficientSpace;
    }
    match super::wording::classify(text.lines()) {
        Some((cue, _)) if cue.category == Category::Network => Category::StorageUnreachable,
        Some((cue, _)) if cue.name == "busy" => Category::VdiInUse,
        Some((cue, _)) => cue.category,
        None => match super::resemblance::category(text.lines()) {
            Some(Category::Network) => Category::StorageUnreachable,
            Some(category) => category,
            None => Category::Other,
        },
    }
}

fn command_failed(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM019, g, facts);
    let detail = g.latest_detail.clone().unwrap_or_default();
    f.category = category_of(&detail);
    f.summary = format!("A storage command failed on {}{}{}.", sr_phrase(g), detail_suffix(g), times(g)).into();
    f.cause = "The storage manager ran an external command (the line before the failure shows which) and it returned \
               an error; stderr is the command's own explanation."
        .into();
    f.step("Read the command and its stderr in the evidence; the next lines of the same process show what the storage manager did about it.");
    let pid = g.first.pid.map_or_else(|| "<pid>".to_string(), |p| p.to_string());
    f.step_cmd("See the process's lines around it in SMlog.", format!("grep -F '[{pid}]' /var/log/SMlog | tail -n 60"));
    f
}

fn leftovers(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM021, g, facts);
    f.summary = format!("A failed snapshot on {} could not be cleaned up{}.", sr_phrase(g), times(g)).into();
    f.cause = "When a snapshot fails half-way, the storage manager removes the volumes it created; that removal \
               failed too, so they remain and take space."
        .into();
    let sr = facts.sr_uuid();
    f.step_cmd("Rescan the SR: it reconciles the VDIs with what is on disk.", format!("xe sr-scan uuid={sr}"));
    f.step_cmd("Look for VDIs without a name or VM (orphans of the failed snapshot).", format!("xe vdi-list sr-uuid={sr} params=uuid,name-label,is-a-snapshot,managed"));
    f
}

fn call_failed(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM023, g, facts);
    // The bare "this call ended on an exception": a signature that reads the exception itself (a
    // driver's bug, a known issue) quotes the same line closer to its cause, and this one then
    // repeats it (`model::drop_repeated_readings`).
    f.priority = 0;
    let detail = g.latest_detail.clone().unwrap_or_default();
    let cmd = g.latest_facts.get("command").map(|c| format!(" `{c}`")).unwrap_or_default();
    // The class is read with the text: `KeyError: 'sr_uuid'` is a driver's bug whatever the key.
    f.category = match g.latest_facts.get("exception") {
        Some(class) => category_of(&format!("{class}: {detail}")),
        None => category_of(&detail),
    };
    f.summary = format!("The storage-manager call{cmd} on {} failed{}{}.", sr_phrase(g), detail_suffix(g), times(g)).into();
    f.cause = "The storage manager logs the exception that ended the call, then returns an SR error to XAPI. The \
               exception's text is the cause; the traceback shows where it happened."
        .into();
    f.step("Read the traceback in the evidence; the failed command just before it (if any) has the details.");
    f.step_cmd("Find the SR error the call returned.", "grep -E 'Raising exception|SROSError' /var/log/SMlog | tail -n 20");
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_read_by_its_wording_then_by_what_it_resembles() {
        assert_eq!(category_of("mount.nfs: access denied by server"), Category::StorageUnreachable);
        assert_eq!(category_of("connect to 192.0.2.7:3260: No route to host"), Category::StorageUnreachable);
        assert_eq!(category_of("the coalesce of the leaf VHD into its parent was aborted by the garbage collector"), Category::CoalesceFailure);
        assert_eq!(category_of("frobnicator: unable to reticulate the splines"), Category::Other);
    }
}
