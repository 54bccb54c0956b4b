//! Snapshot space: the storage manager's LVHD size formulas and the plan for a job that
//! snapshots several disks of one SR at once.
//!
//! On thick LVM-family SRs (`lvm`, `lvmoiscsi`, `lvmohba`…) the storage manager checks, before
//! each disk's snapshot, that the volume group has room for the new leaf at its fully inflated
//! size, the snapshot's empty VHD and two 4 MiB journals, minus what deflating the old leaf (it
//! becomes the base copy) gives back. With the old leaf deflated to the data written in it, the
//! net need is that data, rounded to 4 MiB, plus 16 MiB; records do not tell how much of a
//! thick disk was written, so the plan takes the worst case: a fully written disk, i.e. the
//! fully inflated LV size plus 16 MiB. On thin file SRs (`ext`, `nfs`, `smb`…) a snapshot
//! creates two empty VHD files and reserves nothing else.
//!
//! Formulas (storage manager `util.py`, `vhdutil.py`, `lvhdutil.py`, `LVHDSR.py`):
//! `roundup(d, v)` = v rounded up to a multiple of d (0 counts as 1);
//! `calcOverheadEmpty(V)` = roundup(4096, roundup(512, 3 KiB + (V_MiB/2)·4) + (V_MiB/2)/8);
//! `calcOverheadBitmap(V)` = ceil(V / 2 MiB) · 4096;
//! `calcSizeVHDLV(V)` = roundup(4 MiB, V + calcOverheadEmpty(2 TiB) + calcOverheadBitmap(V)).

use serde::Serialize;

use super::raw::{Entry, Loose, RawPlanInput, RawTables, Table};
use super::records::{normalise, RecordWarning};
use crate::options::RecordLimits;
use crate::catalog::{sr_family, SrFamily};
use crate::Error;

pub const MIB: u64 = 1024 * 1024;
pub const GIB: u64 = 1024 * MIB;
/// `lvhdutil.MSIZE`: VHD metadata is always preallocated for a 2 TiB disk.
pub const MSIZE: u64 = 2 * 1024 * GIB;
/// `LVM_SIZE_INCREMENT`: LVs grow in 4 MiB extents.
pub const LVM_SIZE_INCREMENT: u64 = 4 * MIB;
/// `vhdutil.VHD_BLOCK_SIZE`.
pub const VHD_BLOCK_SIZE: u64 = 2 * MIB;
/// `journaler.LV_SIZE`: a snapshot takes two of these journals while it runs.
pub const JOURNAL_SIZE: u64 = 4 * MIB;
/// Xen Orchestra and the storage manager documentation ask for about 30 % free for coalesce.
pub const RECOMMENDED_FREE_PERCENT: u64 = 30;
/// XenServer 6.1's snapshot-deletion bug hit SRs larger than 1 TB.
pub const XS61_LARGE_SR_BYTES: u64 = 1_000_000_000_000;

/// `util.roundup`: `value` rounded up to a multiple of `divisor` (0 counts as 1); saturates.
pub fn roundup(divisor: u64, value: u64) -> u64 {
    let value = value.max(1);
    match value % divisor {
        0 => value,
        r => value.saturating_add(divisor - r),
    }
}

/// `vhdutil.calcOverheadEmpty`: footer, header, BAT and batmap of an empty VHD of this size.
pub fn calc_overhead_empty(virtual_size: u64) -> u64 {
    let size_mib = virtual_size / MIB;
    let blocks = size_mib / 2;
    let overhead = roundup(512, (3 * 1024u64).saturating_add(blocks.saturating_mul(4)));
    roundup(4096, overhead.saturating_add(blocks / 8))
}

/// `vhdutil.calcOverheadBitmap`: one 4 KiB sector bitmap per 2 MiB block.
pub fn calc_overhead_bitmap(virtual_size: u64) -> u64 {
    virtual_size.div_ceil(VHD_BLOCK_SIZE).saturating_mul(4096)
}

/// `lvhdutil.calcSizeLV`.
pub fn calc_size_lv(size: u64) -> u64 {
    roundup(LVM_SIZE_INCREMENT, size)
}

/// `lvhdutil.calcSizeVHDLV`: the LV of a fully inflated VHD of this virtual size.
pub fn calc_size_vhd_lv(virtual_size: u64) -> u64 {
    calc_size_lv(
        virtual_size
            .saturating_add(calc_overhead_empty(MSIZE))
            .saturating_add(calc_overhead_bitmap(virtual_size)),
    )
}

/// The LV of an empty, deflated VHD (8 MiB).
pub fn thin_vhd_lv() -> u64 {
    calc_size_lv(calc_overhead_empty(MSIZE))
}

/// How the SR provisions snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Provisioning {
    /// LVM family: the storage manager reserves the inflated size.
    Thick,
    /// File SRs: two empty VHD files.
    Thin,
    /// The SR type is unknown or neither: planned as thick, the worst case.
    AssumedThick,
}

/// Free space a snapshot of a disk of `virtual_size` needs at the moment it is taken.
pub fn snapshot_need(provisioning: Provisioning, virtual_size: u64) -> u64 {
    match provisioning {
        Provisioning::Thin => calc_overhead_empty(virtual_size).saturating_mul(2),
        // New leaf inflated + the snapshot's empty VHD + two journals, minus what deflating the
        // old leaf to its data gives back: nothing for a fully written disk (the worst case).
        Provisioning::Thick | Provisioning::AssumedThick => calc_size_vhd_lv(virtual_size)
            .saturating_add(thin_vhd_lv())
            .saturating_add(2 * JOURNAL_SIZE),
    }
}

fn opt_js<S: serde::Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    super::opt_as_js_number(v, s)
}

/// One disk of the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VdiSpace {
    pub uuid: Option<String>,
    pub name_label: Option<String>,
    #[serde(serialize_with = "opt_js")]
    pub virtual_size: Option<u64>,
    /// Free space its snapshot needs; `null` when the virtual size is unknown.
    #[serde(serialize_with = "opt_js")]
    pub required_bytes: Option<u64>,
}

/// The result of [`crate::plan_snapshot_space`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpacePlan {
    pub sr_uuid: Option<String>,
    pub sr_name: Option<String>,
    pub sr_type: Option<String>,
    pub provisioning: Provisioning,
    /// Snapshots taken at once (the input's `concurrency`, at most the number of disks).
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub concurrency: u64,
    /// Whether the `concurrency` largest snapshots fit in the free space; `null` when a size
    /// is unknown.
    pub fits: Option<bool>,
    /// Space the `concurrency` largest snapshots need together.
    #[serde(serialize_with = "crate::model::as_js_number")]
    pub required_bytes: u64,
    #[serde(serialize_with = "opt_js")]
    pub free_bytes: Option<u64>,
    /// The most snapshots that fit at once, whichever disks they are; `null` when unknown.
    #[serde(serialize_with = "opt_js")]
    pub max_concurrency: Option<u64>,
    pub per_vdi: Vec<VdiSpace>,
    /// Used space of the SR that no visible disk or snapshot holds (needs `srVdis`).
    #[serde(serialize_with = "opt_js")]
    pub unreclaimed_bytes: Option<u64>,
    #[serde(serialize_with = "opt_js")]
    pub physical_size: Option<u64>,
    #[serde(serialize_with = "opt_js")]
    pub physical_utilisation: Option<u64>,
    pub findings: Vec<crate::model::Finding>,
    pub warnings: Vec<RecordWarning>,
    /// The host version the plan was made for (the input's, else the caller's): the rules'
    /// advice depends on it. Not serialised.
    #[serde(skip)]
    pub host_version: Option<String>,
}

/// What a plan-input parse error means for the caller.
pub fn input_error(e: &serde_json::Error) -> Error {
    match e.classify() {
        serde_json::error::Category::Data => {
            Error::InvalidRecords(format!("the space plan input must be an object {{ sr, vdis, concurrency, hostVersion }} ({e})"))
        }
        _ => Error::InvalidRecords(format!("the space plan input is not valid JSON: {e}")),
    }
}

/// [`plan`] on JSON text.
pub fn plan_json(text: &str, fallback_host_version: Option<&str>, limits: &RecordLimits) -> Result<SpacePlan, Error> {
    limits.check_size(text.len())?;
    let input: RawPlanInput<'_> = super::raw::parse_limited(text, limits.max_records(), input_error)?;
    plan(input, fallback_host_version)
}

/// [`plan`] on a parsed value (written back to text, so the typed parser exists once).
pub fn plan_value(value: &serde_json::Value, fallback_host_version: Option<&str>, limits: &RecordLimits) -> Result<SpacePlan, Error> {
    let text = serde_json::to_string(value).map_err(|e| Error::InvalidRecords(e.to_string()))?;
    plan_json(&text, fallback_host_version, limits)
}

/// Plans the snapshots of `{ sr, vdis, concurrency?, hostVersion?, srVdis? }`; `fallback_host_version`
/// is used when the input has none (`diagnose`'s `options.context.hostVersion`).
pub fn plan(input: RawPlanInput<'_>, fallback_host_version: Option<&str>) -> Result<SpacePlan, Error> {
    let sr = match input.sr {
        Some(Entry::Record(r)) => r,
        _ => return Err(Error::InvalidRecords("`sr` must be the SR's record (XAPI record or xo-server object)".into())),
    };
    if !input.vdis.is_present() {
        return Err(Error::InvalidRecords(
            "`vdis` must list the VDI records to snapshot at once (an array, or an object keyed by opaque ref)".into(),
        ));
    }
    let concurrency = match &input.concurrency {
        Loose::Absent => None,
        Loose::U64(c) if *c >= 1 => Some(*c),
        Loose::F64(f) if *f >= 1.0 && f.fract() == 0.0 && *f < 9.0e15 => Some(*f as u64),
        Loose::U64(_) | Loose::I64(_) | Loose::F64(_) => {
            return Err(Error::InvalidInput("`concurrency` must be a whole number of at least 1".into()))
        }
        other => return Err(Error::InvalidInput(format!("`concurrency` must be a number; it is {}", other.type_name()))),
    };
    let host_version = match &input.host_version {
        Loose::Str(s) => Some(s.to_string()),
        Loose::F64(n) => Some(n.to_string()),
        Loose::U64(n) => Some(n.to_string()),
        _ => fallback_host_version.map(str::to_string),
    };
    let tables = RawTables { SR: Table::Array(vec![Entry::Record(sr)]), VDI: input.vdis, ..RawTables::default() };
    let rec = normalise(&tables)?;
    let mut warnings = rec.warnings.list.clone();
    let Some(sr_rec) = rec.srs.first() else {
        return Err(Error::InvalidRecords("`sr` is not a usable SR record".into()));
    };
    let provisioning = match sr_family(sr_rec.sr_type) {
        SrFamily::ThickLvm => Provisioning::Thick,
        SrFamily::ThinFile => Provisioning::Thin,
        SrFamily::Other | SrFamily::Unknown => Provisioning::AssumedThick,
    };
    let mut per_vdi: Vec<VdiSpace> = rec
        .vdis
        .iter()
        .map(|v| VdiSpace {
            uuid: v.uuid.map(str::to_string),
            name_label: v.name.map(str::to_string),
            virtual_size: v.virtual_size,
            required_bytes: v.virtual_size.map(|size| snapshot_need(provisioning, size)),
        })
        .collect();
    for v in rec.vdis.iter().filter(|v| v.virtual_size.is_none()) {
        warnings.push(RecordWarning {
            kind: super::records::WarningKind::MissingField,
            table: "VDI",
            record: Some(v.id().to_string()),
            field: Some("virtual_size".into()),
            message: "the VDI's virtual size is unknown, so its snapshot's need is too".into(),
        });
    }
    let n = per_vdi.len() as u64;
    let concurrency = concurrency.unwrap_or(n).min(n);
    let mut needs: Vec<u64> = per_vdi.iter().filter_map(|v| v.required_bytes).collect();
    let all_known = needs.len() == per_vdi.len();
    // Largest first.
    crate::sort::sort_u64(&mut needs);
    needs.reverse();
    let required_bytes = needs.iter().take(concurrency as usize).fold(0u64, |acc, x| acc.saturating_add(*x));
    let free_bytes = match (sr_rec.physical_size, sr_rec.physical_utilisation) {
        (Some(size), Some(used)) => Some(size.saturating_sub(used)),
        _ => None,
    };
    if free_bytes.is_none() {
        warnings.push(RecordWarning {
            kind: super::records::WarningKind::MissingField,
            table: "SR",
            record: Some(sr_rec.id().to_string()),
            field: Some("physical_size".into()),
            message: "the SR's physical size or utilisation is unknown: the plan cannot say what fits".into(),
        });
    }
    let fits = free_bytes.filter(|_| all_known).map(|free| required_bytes <= free);
    let max_concurrency = free_bytes.filter(|_| all_known).map(|free| {
        let mut total = 0u64;
        let mut count = 0u64;
        for need in &needs {
            total = total.saturating_add(*need);
            if total > free {
                break;
            }
            count += 1;
        }
        count
    });

    let all_tables = RawTables { VDI: input.sr_vdis, ..RawTables::default() };
    let unreclaimed_bytes = match (all_tables.VDI.is_present(), sr_rec.physical_utilisation) {
        (true, Some(used)) => {
            let all_rec = normalise(&all_tables)?;
            let visible = all_rec
                .vdis
                .iter()
                .filter(|v| v.managed)
                .fold(0u64, |acc, v| acc.saturating_add(v.physical_utilisation.unwrap_or(0)));
            Some(used.saturating_sub(visible))
        }
        _ => None,
    };

    per_vdi.shrink_to_fit();
    let plan = SpacePlan {
        sr_uuid: sr_rec.uuid.map(str::to_string),
        sr_name: sr_rec.name.map(str::to_string),
        sr_type: sr_rec.sr_type.map(str::to_string),
        provisioning,
        concurrency,
        fits,
        required_bytes,
        free_bytes,
        max_concurrency,
        per_vdi,
        unreclaimed_bytes,
        physical_size: sr_rec.physical_size,
        physical_utilisation: sr_rec.physical_utilisation,
        findings: Vec::new(),
        warnings,
        host_version,
    };
    // The findings are written by the rules layer (`rules::space_plan::findings`), which the
    // caller runs on this plan.
    Ok(plan)
}
