//! The storage or a disk cannot be reached: the SR is not attached or not available, the NFS,
//! SMB or iSCSI connection failed, the disk could not be activated, or its tapdisk failed.
//! A backup fails at its snapshot or export step when any disk of the VM is in that state.

use super::space::detail_suffix;
use super::{Facts, Matcher, Rule, RuleInfo};
use crate::input::XapiError;
use crate::model::{Category, Finding, Severity};

pub static SR046: RuleInfo = RuleInfo {
    id: "SR046",
    name: "vdi-not-available",
    title: "The disk could not be made available",
    category: Category::StorageUnreachable,
    severity: Severity::Error,
    trigger: "`SR_BACKEND_FAILURE_46` (The VDI is not available)",
    description: "Attaching or activating a disk failed: its logical volume could not be activated, another host \
                  still holds it, it was not detached cleanly, or its lock could not be taken. Backups hit it when \
                  they attach a snapshot to export it.",
    example: "SR_BACKEND_FAILURE_46(, The VDI is not available [opterr=VDI 8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12 locked], )",
};

pub static SR047: RuleInfo = RuleInfo {
    id: "SR047",
    name: "sr-not-available",
    title: "The SR is not available",
    category: Category::StorageUnreachable,
    severity: Severity::Error,
    trigger: "`SR_BACKEND_FAILURE_47` (The SR is not available)",
    description: "The storage manager could not reach the SR: its storage is disconnected, not mounted, or the \
                  host lost its path to it.",
    example: r#"["SR_BACKEND_FAILURE_47", "", "The SR is not available [opterr=no such volume group: VG_XenStorage-5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21]", ""]"#,
};

pub static SR073: RuleInfo = RuleInfo {
    id: "SR073",
    name: "storage-connection-failed",
    title: "The host could not connect to the storage",
    category: Category::StorageUnreachable,
    severity: Severity::Error,
    trigger: "SR backend failures of NFS (72–76, 88, 108), SMB (111–114, 116), iSCSI (67–71, 83–86, 141, 202 on login), \
              multipath (430–434) and name resolution (140)",
    description: "Plugging the SR failed at the network or protocol level: the NFS export could not be mounted, \
                  the iSCSI login was refused, the SMB share is unreachable, or multipath lost its paths.",
    example: "SR_BACKEND_FAILURE_73(, NFS mount error [opterr=mount failed with return code 32], )",
};

pub static SR453: RuleInfo = RuleInfo {
    id: "SR453",
    name: "tapdisk-failed",
    title: "The disk's tapdisk process failed",
    category: Category::IoError,
    severity: Severity::Error,
    trigger: "`SR_BACKEND_FAILURE_453` (tapdisk experienced an error), `_445` (tapdisk already running)",
    description: "tapdisk is the process that serves a VHD disk to the VM; it could not open the disk (missing or \
                  damaged VHD, unreachable storage) or a stale one is still running for it.",
    example: "SR_BACKEND_FAILURE_453(, tapdisk experienced an error [opterr=Failed to open: No such file or directory], )",
};

pub static XA011: RuleInfo = RuleInfo {
    id: "XA011",
    name: "sr-not-attached",
    title: "The SR is not attached or not healthy on this host",
    category: Category::StorageUnreachable,
    severity: Severity::Error,
    trigger: "`SR_NOT_ATTACHED`, `SR_HAS_NO_PBDS`, `SR_UNHEALTHY`, `HOST_CANNOT_SEE_SR`, `PBD_NOT_PLUGGED`…",
    description: "XAPI has no working connection (PBD) between the host and the SR, so nothing on that SR can be \
                  snapshotted, exported or started there.",
    example: r#"{"jsonrpc": "2.0", "error": {"code": 1, "message": "SR_NOT_ATTACHED", "data": ["OpaqueRef:3f8e1a2b-5c6d-4e7f-8a9b-0c1d2e3f4a5b"]}, "id": 7}"#,
};

const NFS: &[u32] = &[72, 73, 74, 75, 76, 88, 108];
const SMB: &[u32] = &[111, 112, 113, 114, 116];
const ISCSI: &[u32] = &[67, 68, 69, 70, 71, 83, 84, 85, 86, 141];
const MULTIPATH: &[u32] = &[430, 431, 432, 433, 434];

pub static RULES: &[Rule] = &[
    Rule { info: &SR046, matcher: Matcher::Xapi { codes: &[], sr_values: &[46], build: vdi_not_available } },
    Rule { info: &SR047, matcher: Matcher::Xapi { codes: &[], sr_values: &[47], build: sr_not_available } },
    Rule {
        info: &SR073,
        matcher: Matcher::Xapi {
            codes: &[],
            sr_values: &[
                72, 73, 74, 75, 76, 88, 108, 111, 112, 113, 114, 116, 67, 68, 69, 70, 71, 83, 84, 85, 86, 141, 430, 431,
                432, 433, 434, 140,
            ],
            build: connection_failed,
        },
    },
    Rule { info: &SR453, matcher: Matcher::Xapi { codes: &[], sr_values: &[453, 445], build: tapdisk_failed } },
    Rule {
        info: &XA011,
        matcher: Matcher::Xapi {
            codes: &["SR_NOT_ATTACHED", "SR_HAS_NO_PBDS", "SR_UNHEALTHY", "HOST_CANNOT_SEE_SR", "PBD_NOT_PLUGGED", "SR_ATTACH_FAILED"],
            sr_values: &[],
            build: sr_not_attached,
        },
    },
];

fn vdi_not_available(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&SR046, e, facts);
    let detail = e.opterr().unwrap_or("");
    let lower = detail.to_ascii_lowercase();
    let vdi = super::find_uuid(detail).unwrap_or(facts.vdi_uuid()).to_string();
    f.summary = format!("A disk could not be attached or activated{}.", detail_suffix(detail)).into();
    if lower.contains("locked") {
        f.category = Category::LockOrTimeout;
        f.cause = "The storage manager retried activating the disk for about two minutes and gave up: a long \
                   operation (often the garbage collector, or a stuck call) held the SR lock the whole time, or the \
                   disk kept a 'paused' flag (a snapshot or leaf-coalesce pause, or one left behind) or a \
                   'relinking' flag (the garbage collector re-linking its chain)."
            .into();
        f.step_cmd(
            "Find who held the SR lock: the pid blocking it appears in SMlog around the failure.",
            "grep -E 'SR locked, retrying|blocked by PID|Unable to acquire|paused|relinking' /var/log/SMlog | tail -n 40",
        );
        f.step_cmd("See whether the disk still carries a 'paused' or 'relinking' flag.", format!("xe vdi-param-get uuid={vdi} param-name=sm-config"));
        f.step("Retry once the long operation has finished; if a stuck process holds the lock for hours, investigate that process.");
    } else if lower.contains("not detached cleanly") || lower.contains("in use") {
        f.category = Category::VdiInUse;
        f.cause = "The disk is still attached somewhere (another host, or the control domain after an interrupted \
                   export) or was not released cleanly."
            .into();
        f.step_cmd("See which VBDs still use the disk.", format!("xe vbd-list vdi-uuid={vdi} params=uuid,vm-name-label,currently-attached"));
        f.step_cmd("Unplug a stale attachment (for example on the Control domain) if nothing uses it.", "xe vbd-unplug uuid=<vbd-uuid>");
    } else {
        f.cause = "Activating the disk's logical volume or image failed: the storage path is broken, the volume \
                   group is not active on this host, or the VHD is damaged."
            .into();
        f.step_cmd(
            "Read the failing command and its error in SMlog.",
            "grep -B 3 -A 20 'Raising exception \\[46' /var/log/SMlog",
        );
        f.step_cmd("Check that the SR is plugged on every host.", format!("xe pbd-list sr-uuid={} params=host-name-label,currently-attached", facts.sr_uuid()));
    }
    Some(f)
}

fn sr_not_available(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&SR047, e, facts);
    // The bare code says only that the SR could not be reached; its reason is the opterr or the
    // SMlog lines before it. A finding that reads that reason on the same line (the LUN that never
    // appeared) repeats this one closer to its cause (`model::drop_repeated_readings`).
    f.priority = 0;
    let sr_uuid = facts.sr_uuid();
    f.summary = format!("{} is not available to the storage manager{}.", super::space::capitalize(&facts.sr_phrase()), detail_suffix(e.opterr().unwrap_or(""))).into();
    f.cause = "The SR's storage cannot be reached from this host: the device, volume group or mount is missing, or \
               the connection to the storage dropped."
        .into();
    f.step_cmd("Check the SR's connections (PBDs) on each host.", format!("xe pbd-list sr-uuid={sr_uuid} params=uuid,host-name-label,currently-attached"));
    f.step_cmd("Re-plug a detached PBD.", "xe pbd-plug uuid=<pbd-uuid>");
    f.step_cmd("Read the storage manager's reason in SMlog.", "grep -B 3 -A 20 'Raising exception \\[47' /var/log/SMlog");
    Some(f)
}

fn connection_failed(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&SR073, e, facts);
    let value = e.sr_value().unwrap_or(0);
    // XCP-ng's GlusterFS, CephFS and MooseFS drivers raise the SMB codes (111-116) with their own
    // texts (xcp-ng/sm drivers/GlusterFSSR.py, CephFSSR.py, MooseFSSR.py: "GlusterFS mount point
    // already attached", "Failed to create CephFS SR. remote directory creation error: …").
    let fs_driver = if SMB.contains(&value) {
        let said = e.params.iter().map(|p| p.to_ascii_lowercase()).collect::<Vec<_>>().join(" ");
        ["GlusterFS", "CephFS", "MooseFS"].into_iter().find(|n| said.contains(&n.to_ascii_lowercase()))
    } else {
        None
    };
    let what = if NFS.contains(&value) {
        "NFS"
    } else if let Some(name) = fs_driver {
        name
    } else if SMB.contains(&value) {
        "SMB"
    } else if ISCSI.contains(&value) {
        "iSCSI"
    } else if MULTIPATH.contains(&value) {
        "multipath"
    } else {
        "storage"
    };
    let official = crate::catalog::sr_error(value).map(|c| c.description).unwrap_or("storage connection error");
    f.title = if what == "storage" {
        "The connection to the storage failed".into()
    } else {
        format!("The {what} connection to the storage failed").into()
    };
    f.summary = format!("{official}{}.", detail_suffix(e.opterr().unwrap_or(""))).into();
    f.cause = match what {
        "NFS" => "The host could not mount the NFS export: the server is down or unreachable, the export path or \
                  its permissions changed, or the NFS version is not offered.",
        "SMB" => "The host could not mount the SMB share: wrong credentials, share path, or SMB version, or the \
                  server is unreachable.",
        "iSCSI" => "The iSCSI session could not be set up: the target is unreachable, the initiator's IQN is not \
                    allowed on the storage, or CHAP credentials are wrong.",
        "multipath" => "The multipath daemon lost or could not build the paths to the LUN.",
        "GlusterFS" | "CephFS" | "MooseFS" => "The host could not mount (or prepare) the SR's distributed file system: \
                  its servers are unreachable, the volume or path is wrong, its client is missing, or the mount \
                  point is already in use.",
        _ => "The host could not resolve or reach the storage server.",
    }
    .into();
    f.step_cmd("Check which hosts have the SR plugged.", format!("xe pbd-list sr-uuid={} params=uuid,host-name-label,currently-attached,device-config", facts.sr_uuid()));
    match what {
        "NFS" => {
            f.step_cmd("From the host, check that the server exports the path.", "showmount -e <nfs-server>");
        }
        "iSCSI" => {
            f.step_cmd("From the host, check discovery and the active sessions.", "iscsiadm -m discovery -t st -p <target-ip> && iscsiadm -m session");
        }
        "multipath" => {
            f.step_cmd("Check the paths of each LUN.", "multipath -ll");
        }
        _ => {}
    }
    f.step_cmd("Read the command that failed and its output in SMlog.", "grep -E 'FAILED in util.pread|Raising exception' /var/log/SMlog | tail -n 20");
    f.step_cmd("Once the storage answers again, re-plug the SR on the host.", "xe pbd-plug uuid=<pbd-uuid>");
    Some(f)
}

fn tapdisk_failed(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&SR453, e, facts);
    let detail = e.opterr().unwrap_or("");
    f.summary = format!("The tapdisk serving a disk failed{}.", detail_suffix(detail)).into();
    f.cause = if e.sr_value() == Some(445) {
        "A tapdisk for this disk is still running from an earlier attach that was not cleaned up.".into()
    } else {
        "tapdisk could not open or serve the VHD: the file or logical volume is missing or damaged, or the \
         storage returned errors."
            .into()
    };
    f.step_cmd("List the tapdisks on the host and look for the disk.", "tap-ctl list");
    f.step_cmd(
        "Check the VHD for damage (on a file SR; on LVM use /dev/VG_XenStorage-<sr-uuid>/VHD-<vdi-uuid>).",
        format!("vhd-util check -n /var/run/sr-mount/{}/{}.vhd", facts.sr_uuid(), facts.vdi_uuid()),
    );
    f.step_cmd("Read the tapdisk error in SMlog and the kernel log.", "grep -iE 'tapdisk|tap-ctl' /var/log/SMlog | tail -n 40");
    Some(f)
}

fn sr_not_attached(e: &XapiError, facts: &Facts) -> Option<Finding> {
    let mut f = Finding::of_xapi(&XA011, e, facts);
    let sr_uuid = facts.sr_uuid();
    f.summary = match e.code.as_str() {
        "SR_UNHEALTHY" => format!("{} is unhealthy: {}.", super::space::capitalize(&facts.sr_phrase()), e.params.get(1).map(String::as_str).unwrap_or("XAPI reports it degraded")).into(),
        "HOST_CANNOT_SEE_SR" => "The host running the operation cannot see the SR.".into(),
        _ => format!("{} is not attached on the host that ran the operation.", super::space::capitalize(&facts.sr_phrase())).into(),
    };
    f.cause = "Every host that uses an SR needs a plugged PBD (its connection to the storage). It is missing or \
               unplugged here, or the storage stopped answering."
        .into();
    if let Some(fix) = e.params.get(2).filter(|s| !s.is_empty()) {
        f.step(format!("XAPI suggests: {fix}."));
    }
    f.step_cmd("See the SR's PBDs and which are plugged.", format!("xe pbd-list sr-uuid={sr_uuid} params=uuid,host-name-label,currently-attached"));
    f.step_cmd("Plug the missing one.", "xe pbd-plug uuid=<pbd-uuid>");
    f.step("If plugging fails, the error it returns names the storage problem (NFS, iSCSI, multipath…).");
    Some(f)
}
