//! Operations refused by licensing or by what the VM lacks: a feature the host's edition does
//! not include (`LICENCE_RESTRICTION`, spelled the British way on the wire), and VMs without
//! the guest tools an operation needs (`VM_LACKS_FEATURE*`).

use super::{Facts, Matcher, Rule, RuleInfo};
use crate::input::XapiError;
use crate::model::{Category, Finding, Severity};

pub static XA007: RuleInfo = RuleInfo {
    id: "XA007",
    name: "licence-restriction",
    title: "The host's licence does not allow this operation",
    category: Category::License,
    severity: Severity::Error,
    trigger: "`LICENCE_RESTRICTION` (or `LICENSE_RESTRICTION` as documentation spells it), `FEATURE_RESTRICTED`, `LICENSE_EXPIRED`",
    description: "The operation needs a feature the host's edition does not include. The classic case, \
                  `PCI_device_for_auto_update`, is a VM that ran on a licensed XenServer host and kept its \
                  Windows-update vendor device after moving to a free host.",
    example: "LICENCE_RESTRICTION(PCI_device_for_auto_update)",
};

pub static XA008: RuleInfo = RuleInfo {
    id: "XA008",
    name: "vm-lacks-feature",
    title: "The VM lacks a feature the operation needs",
    category: Category::Configuration,
    severity: Severity::Error,
    trigger: "`VM_LACKS_FEATURE`, `VM_LACKS_FEATURE_SHUTDOWN`, `VM_LACKS_FEATURE_SUSPEND`, `VM_MISSING_PV_DRIVERS`…",
    description: "A clean shutdown, suspend, checkpoint or quiesced snapshot needs the guest tools (PV drivers and \
                  agent) in the VM; they are missing or not running. `VM_OLD_PV_DRIVERS` is a version mismatch \
                  instead (category `xapi_version`): the tools run but report a version older than the host requires.",
    example: r#"["VM_LACKS_FEATURE_SHUTDOWN", "OpaqueRef:6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"]"#,
};

pub static RULES: &[Rule] = &[
    Rule {
        info: &XA007,
        matcher: Matcher::Xapi { codes: &["LICENCE_RESTRICTION", "FEATURE_RESTRICTED", "LICENSE_EXPIRED"], sr_values: &[], build: licence },
    },
    Rule {
        info: &XA008,
        matcher: Matcher::Xapi {
            codes: &[
                "VM_LACKS_FEATURE",
                "VM_LACKS_FEATURE_SHUTDOWN",
                "VM_LACKS_FEATURE_SUSPEND",
                "VM_LACKS_FEATURE_VCPU_HOTPLUG",
                "VM_LACKS_FEATURE_STATIC_IP_SETTING",
                "VM_MISSING_PV_DRIVERS",
                "VM_OLD_PV_DRIVERS",
            ],
            sr_values: &[],
            build: lacks_feature,
        },
    },
];

fn licence(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&XA007, e, facts);
    let feature = e.named_params().get("feature").map(str::to_string);
    let vm_uuid = facts.vm_uuid();
    match feature.as_deref() {
        Some("PCI_device_for_auto_update") => {
            f.title = "The VM has a vendor device the free edition does not allow".into();
            f.summary = format!(
                "{} carries the Windows Update vendor device (PCI_device_for_auto_update), a licensed feature this \
                 host's edition lacks, so it cannot be snapshotted or backed up here.",
                super::space::capitalize(&facts.vm_phrase())
            ).into();
            f.cause = "The VM was created or ran on a host with a commercial XenServer licence, which added the vendor \
                       device used for driver updates through Windows Update. It now sits on a host with the free \
                       edition, which refuses operations on a VM with that device."
                .into();
            f.step_cmd("Remove the vendor device from the VM (takes effect at its next boot).", format!("xe vm-param-set has-vendor-device=false uuid={vm_uuid}"));
            f.step("Retry the backup or snapshot.");
        }
        other => {
            let feature = other.unwrap_or("a licensed feature");
            f.summary = format!("The operation needs {feature}, which this host's licence or edition does not include.").into();
            f.cause = "XAPI checks the pool's licensed features before some operations; this one is not enabled \
                       (free edition, or an expired licence)."
                .into();
            f.step_cmd("Check the pool's licence and edition.", "xe host-license-view");
            f.step("Apply a licence that includes the feature, or avoid the option that needs it.");
        }
    }
    Some(f)
}

fn lacks_feature(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&XA008, e, facts);
    let what = match e.code.as_str() {
        "VM_LACKS_FEATURE_SHUTDOWN" => "a clean shutdown",
        "VM_LACKS_FEATURE_SUSPEND" => "suspend or checkpoint",
        "VM_MISSING_PV_DRIVERS" | "VM_OLD_PV_DRIVERS" => "up-to-date PV drivers",
        _ => "a guest feature",
    };
    f.summary = format!(
        "{} does not support {what}: most often its guest tools are missing or not running.",
        super::space::capitalize(&facts.vm_phrase())
    ).into();
    f.cause = "Offline backups shut the VM down cleanly, memory snapshots suspend it, and quiesced snapshots talk to \
               the guest: all need the guest tools (PV drivers and agent) installed and running. Newer hosts add a \
               reason after the error (such as a device QEMU cannot save, which the tools do not change): when there \
               is one, it says what the VM lacks."
        .into();
    f.step_cmd("Check what the VM reports about its guest tools.", format!("xe vm-param-get uuid={} param-name=PV-drivers-version", facts.vm_uuid()));
    f.step("Install or update the guest tools (XCP-ng Windows tools / xe-guest-utilities) and restart the VM.");
    f.step("Or choose a backup mode that does not need them (a plain snapshot instead of an offline or memory backup).");
    if e.code == "VM_OLD_PV_DRIVERS" {
        old_pv_drivers(&mut f, e, facts);
    }
    Some(f)
}

/// `VM_OLD_PV_DRIVERS` (vm, major, minor): the tools are there and answer, but the version they
/// report is older than the one this host's release requires: a version mismatch, not a missing
/// feature. During a rolling pool upgrade the upgraded host may expect a newer version than the
/// tools of the pool's previous release report.
fn old_pv_drivers(f: &mut Finding, e: &XapiError, facts: &Facts) {
    f.category = Category::XapiVersion;
    f.title = "The VM's PV drivers are older than this host requires".into();
    let params = e.named_params();
    let reported = match (params.get("major"), params.get("minor")) {
        (Some(major), Some(minor)) => format!(" (they report version {major}.{minor})"),
        _ => String::new(),
    };
    f.summary = format!("The PV drivers of {}{reported} are older than the host's release requires for this operation.", facts.vm_phrase()).into();
    f.cause = "The guest tools are installed and running, but the version they report is below the one the host \
               checks for. After a host upgrade (notably half-way through a rolling pool upgrade) the upgraded host \
               may expect a newer tools version than the guests of the previous release report."
        .into();
    f.remediation.clear();
    f.step_cmd("Check which tools version the VM reports.", format!("xe vm-param-get uuid={} param-name=PV-drivers-version", facts.vm_uuid()));
    f.step("Install the guest tools that come with the host's release in the VM and restart it.");
    f.step("During a rolling pool upgrade, finish upgrading every host (and apply the same updates) before moving or evacuating VMs that still run the previous tools, or migrate them before upgrading.");
}

#[cfg(test)]
mod tests {
    use crate::model::Category;
    use crate::options::Options;

    fn top(text: &str) -> (String, Category) {
        let d = crate::diagnose_text(text, &Options::default()).expect("diagnosis");
        let f = d.findings.first().expect("a finding");
        (f.rule.to_string(), f.category)
    }

    #[test]
    fn old_pv_drivers_are_a_version_mismatch_and_missing_ones_a_setup_problem() {
        let old = "You attempted an operation on a VM which requires a more recent version of the PV drivers. Please upgrade your PV drivers.\nvm: e315a5b4-9678-0a88-1e65-1e70ccd2fe4c (web1)\nmajor: 1\nminor: 0";
        assert_eq!(top(old), ("XA008".to_string(), Category::XapiVersion));
        assert_eq!(top(r#"["VM_OLD_PV_DRIVERS", "OpaqueRef:6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", "1", "0"]"#).1, Category::XapiVersion);
        assert_eq!(top(r#"["VM_LACKS_FEATURE_SHUTDOWN", "OpaqueRef:6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"]"#).1, Category::Configuration);
    }
}
