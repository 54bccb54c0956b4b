//! The garbage collector's own health: a GC run that died on an unexpected error (`gc:
//! EXCEPTION …` and `* * * * * SR …: ERROR`, an abort that did not finish, a service that would
//! not stop), and garbage collection or coalesce switched off on an SR (`GC is disabled for this
//! SR`, `Coalesce disabled for this SR`, `Leaf-coalesce disabled for …`).
//!
//! Why it matters: without a working garbage collector nothing is coalesced, so chains grow
//! and space from deleted snapshots never comes back, while the SR looks healthy otherwise.

use super::smlog::{base, detail_suffix, gc_grep, sr_phrase, times, SmRule};
use super::{links, Facts, Matcher, Rule, RuleInfo};
use crate::input::smlog::{IncidentGroup, IncidentKind};
use crate::model::{Category, Finding, Severity};

pub static SM013: RuleInfo = RuleInfo {
    id: "SM013",
    name: "gc-run-failed",
    title: "A garbage-collector run failed",
    category: Category::CoalesceFailure,
    severity: Severity::Error,
    trigger: "`gc: EXCEPTION …` with `* * * * * SR …: ERROR` for a cause no other rule covers, `SR …: error aborting \
              existing process`, `Failed to stop gc service`, `More than one coalesce entry`",
    description: "The garbage collector stopped its run on an error; nothing more is coalesced on the SR until a \
                  later run gets through.",
    example: "Jan 14 03:50:00 xcp-host1 SMGC: [9100] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 03:50:00 xcp-host1 SMGC: [9100] gc: EXCEPTION <class 'util.SMException'>, directory /var/run/sr-mount/14f4733f-930d-4cdd-8673-e0097ebff206 not mounted\n\
Jan 14 03:50:00 xcp-host1 SMGC: [9100] *~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*~*\n\
Jan 14 03:50:00 xcp-host1 SMGC: [9100] * * * * * SR 14f4733f-930d-4cdd-8673-e0097ebff206: ERROR",
};

pub static SM014: RuleInfo = RuleInfo {
    id: "SM014",
    name: "gc-disabled",
    title: "Garbage collection or coalesce is disabled on the SR",
    category: Category::Configuration,
    severity: Severity::Warning,
    trigger: "`GC is disabled for this SR, abort`, `Coalesce disabled for this SR`, `Leaf-coalesce disabled for this \
              SR`, `Leaf-coalesce disabled for <vdi>`",
    description: "A key in the SR's (or the VDI's) other-config turns garbage collection, coalesce or leaf-coalesce \
                  off, so deleted snapshots are never merged.",
    example: "Jan 14 03:50:00 xcp-host1 SMGC: [9100] === SR 14f4733f-930d-4cdd-8673-e0097ebff206: gc ===\n\
Jan 14 03:50:00 xcp-host1 SMGC: [9100] GC is disabled for this SR, abort",
};

pub static RULES: &[Rule] = &[Rule { info: &SM013, matcher: Matcher::External }, Rule { info: &SM014, matcher: Matcher::External }];

pub static KINDS: &[SmRule] = &[
    SmRule { kind: IncidentKind::GcRunFailed, info: &SM013, render: run_failed },
    SmRule { kind: IncidentKind::GcDisabled, info: &SM014, render: disabled },
];

fn run_failed(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM013, g, facts);
    f.summary = format!("A garbage-collector run on {} failed{}{}.", sr_phrase(g), detail_suffix(g), times(g)).into();
    f.cause = "The garbage collector hit an error it does not handle and ended its run; the detail says what. It is \
               started again by the next SR scan or snapshot deletion."
        .into();
    let sr = facts.sr_uuid();
    f.step_cmd("Read the exception and what the garbage collector did just before.", gc_grep(sr));
    f.step_cmd("Check that the SR is plugged and healthy on the master.", format!("xe pbd-list sr-uuid={sr} params=host-name-label,currently-attached"));
    // source: xcp-ng/sm drivers/cleanup.py@62ed4ad1 — the unit is started and queried as SMGC@<sr-uuid with "-" replaced by "\x2d">
    f.step_cmd("On XCP-ng 8.3 and later, check the garbage collector's service (its instance name is the SR's uuid with each hyphen escaped as \\x2d).", format!("systemctl status \"SMGC@$(systemd-escape {sr})\""));
    f.step_cmd("Rescan the SR to run the garbage collector again.", format!("xe sr-scan uuid={sr}"));
    f.add_link(links::XO_COALESCE_BLOG);
    f
}

fn disabled(g: &IncidentGroup, facts: &Facts) -> Finding {
    let mut f = base(&SM014, g, facts);
    let what = g.latest_facts.get("what").unwrap_or("garbage collection");
    f.summary = format!("{} is disabled on {}{}.", super::space::capitalize(what), sr_phrase(g), times(g)).into();
    f.cause = "Someone set `other-config:gc=false`, `coalesce=false` or `leaf-coalesce=false` on the SR (or \
               `leaf-coalesce=false` on a VDI). While it is set, snapshots that are deleted are never merged."
        .into();
    let sr = facts.sr_uuid();
    // source: xcp-ng/sm drivers/cleanup.py@62ed4ad1 — "Leaf-coalesce disabled for <vdi>" is logged when the
    // VDI's own other-config has leaf-coalesce=false (VDI.getConfig(DB_LEAFCLSC), a CONFIG_OTHER key): the
    // SR's other-config does not hold it, so the key is removed from that VDI.
    if what.ends_with("this VDI") {
        let vdi = g.first.vdi.as_deref().filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_hexdigit() || c == '-'));
        let listing = match vdi {
            Some(v) => format!("xe vdi-list sr-uuid={sr} params=uuid,other-config | grep -A1 {v}"),
            None => format!("xe vdi-list sr-uuid={sr} params=uuid,other-config | grep -B1 'leaf-coalesce: false'"),
        };
        f.step_cmd("Find the VDI (SMlog names it by the start of its uuid) and read its other-config.", listing);
        f.step_cmd(
            "Unless it was set on purpose, remove the key from that VDI.",
            format!("xe vdi-param-remove uuid={} param-name=other-config param-key=leaf-coalesce", facts.vdi_uuid()),
        );
        f.step_cmd("Then rescan the SR.", format!("xe sr-scan uuid={sr}"));
        return f;
    }
    f.step_cmd("See the SR's other-config.", format!("xe sr-param-get uuid={sr} param-name=other-config"));
    let key = match what {
        "coalesce" => "coalesce",
        w if w.starts_with("leaf-coalesce") => "leaf-coalesce",
        _ => "gc",
    };
    f.step_cmd(
        "Unless it was set on purpose, remove the key.",
        format!("xe sr-param-remove uuid={sr} param-name=other-config param-key={key}"),
    );
    f.step_cmd("Then rescan the SR.", format!("xe sr-scan uuid={sr}"));
    f
}
