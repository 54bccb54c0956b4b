//! VDI chains from the pool's records: Xen Orchestra's backup chain protection (exactly), the
//! SR's "VDIs to coalesce", chain depth against the storage manager's limit of 30, missing
//! parents, orphans, branch points and loops — and snapshot space planning ([`space`]).
//!
//! Flow: [`records::normalise`] turns XAPI records or xo-server objects into one shape,
//! [`graph::Graph`] links every VDI to its VHD parent and walks all chains in one pass,
//! [`protection`] and [`coalesce`] apply Xen Orchestra's two algorithms and ours, and
//! [`check`] assembles the [`ChainReport`] with findings (rules `CH…`, `SP002`) and a graph a
//! UI can draw.

pub mod coalesce;
pub mod flat;
pub mod graph;
pub mod protection;
pub mod raw;
pub mod records;
pub mod space;

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::model::Finding;
use crate::options::RecordLimits;
use crate::Error;
use graph::{ChainInfo, Graph, Parent, Top};
use protection::XoOutcome;
use records::{Records, VbdKind};

pub use protection::Tolerance;
pub use records::{RecordWarning, WarningKind};
pub use space::{Provisioning, SpacePlan, VdiSpace};

/// The storage manager refuses a snapshot once a disk's chain holds this many images, the
/// leaf included (`vhdutil.MAX_CHAIN_SIZE`, error 109).
pub const CHAIN_LIMIT: u32 = 30;

/// Options of [`crate::check_vdi_chains`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainOptions {
    /// Xen Orchestra's `maxUncoalescedVdis` (default 1); see [`Tolerance`] for how any
    /// JavaScript value maps to it.
    pub tolerance: Tolerance,
    /// Build the graph (default true); a pre-flight check of one VM does not need it.
    pub graph: bool,
    /// `maxInputBytes` and `maxRecords`.
    pub limits: RecordLimits,
}

impl Default for ChainOptions {
    fn default() -> ChainOptions {
        ChainOptions { tolerance: Tolerance::default(), graph: true, limits: RecordLimits::default() }
    }
}

impl ChainOptions {
    /// Parses `{ "tolerance": …, "graph": …, "maxInputBytes": …, "maxRecords": … }` (`null`,
    /// empty text and `{}` give the defaults).
    pub fn from_json(json: &str) -> Result<ChainOptions, Error> {
        let trimmed = json.trim();
        if trimmed.is_empty() || trimmed == "null" || trimmed == "undefined" {
            return Ok(ChainOptions::default());
        }
        let value: Value = serde_json::from_str(trimmed).map_err(|e| Error::InvalidOptions(e.to_string()))?;
        let Some(obj) = value.as_object() else {
            return Err(Error::InvalidOptions("the chain options must be an object { tolerance }".into()));
        };
        let graph = match obj.get("graph") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(Error::InvalidOptions("`graph` must be a boolean".into())),
        };
        Ok(ChainOptions { tolerance: Tolerance::from_json(obj.get("tolerance")), graph, limits: RecordLimits::from_json(obj)? })
    }
}

/// [`crate::model::as_js_number`] for optional sizes.
pub fn opt_as_js_number<S: Serializer>(value: &Option<u64>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => crate::model::as_js_number(v, serializer),
        None => serializer.serialize_none(),
    }
}

fn js<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
    crate::model::as_js_number(v, s)
}

fn opt_js<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    opt_as_js_number(v, s)
}

/// One disk of a VM and its chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiskChain {
    /// The VDI's uuid.
    pub vdi: Option<String>,
    /// Its node id in the graph (the uuid, or the ref when the record has no uuid).
    pub id: String,
    pub name_label: Option<String>,
    /// The SR's uuid (or the reference the VDI gave when the SR is not in the records).
    pub sr: Option<String>,
    pub vbd_type: VbdKind,
    /// Images in the chain, this disk included; with a missing parent, those the records show.
    pub depth: u32,
    /// Snapshots the storage manager still accepts before `SR_BACKEND_FAILURE_109` (0 on a
    /// loop, an upper bound with a missing parent).
    pub snapshots_left: u32,
    /// The depth once the pending coalesces have run.
    pub depth_after_coalesce: u32,
    /// Base copies waiting for a non-leaf coalesce on this chain (what Xen Orchestra counts).
    pub pending_coalesce: u32,
    /// Base copies waiting for a leaf coalesce (Xen Orchestra ignores them).
    pub pending_leaf_coalesce: u32,
    /// Base copies on the chain with two children or more (snapshots or clones hang there).
    pub branch_points: u32,
    /// The `vhd-parent` uuid no record has, where the chain breaks.
    pub missing_parent: Option<String>,
    /// The chain loops.
    pub cycle: bool,
    /// Xen Orchestra would skip the VM because of this disk.
    pub would_skip: bool,
    /// The base copy at which Xen Orchestra's check trips on this disk.
    pub tripped_by: Option<String>,
    /// Xen Orchestra's check would not come back on this disk (an endless walk or a stack overflow).
    pub check_never_ends: bool,
    #[serde(skip)]
    pub node: u32,
}

/// One VM and Xen Orchestra's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VmChains {
    pub uuid: Option<String>,
    /// The map key or `$ref` of the record.
    #[serde(rename = "ref")]
    pub vm_ref: String,
    pub name_label: Option<String>,
    /// Xen Orchestra's verdict: its backup would skip the VM ("unhealthy VDI chain").
    pub would_skip: bool,
    /// The uuid of the base copy at which the check tripped (first tripping disk, in the VM's
    /// VBD order, as Xen Orchestra checks them).
    pub tripped_by: Option<String>,
    /// The disk whose chain tripped it.
    pub tripped_disk: Option<String>,
    /// Xen Orchestra's check would not come back for this VM (a `vhd-parent` loop).
    pub check_never_ends: bool,
    pub disks: Vec<DiskChain>,
    #[serde(skip)]
    pub index: u32,
}

/// One SR's coalesce and space figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SrChains {
    pub uuid: Option<String>,
    /// The uuid, or the reference VDIs gave when the SR is not in the records (`""` for VDIs
    /// that name no SR).
    pub id: String,
    pub name_label: Option<String>,
    pub sr_type: Option<String>,
    /// False when the SR has no record in the input (VDIs refer to it).
    pub in_records: bool,
    #[serde(serialize_with = "js")]
    pub vdi_count: u64,
    /// Base copies the garbage collector will merge: `pendingCoalesce + pendingLeafCoalesce`.
    #[serde(serialize_with = "js")]
    pub vdis_to_coalesce: u64,
    #[serde(serialize_with = "js")]
    pub pending_coalesce: u64,
    #[serde(serialize_with = "js")]
    pub pending_leaf_coalesce: u64,
    /// The number Xen Orchestra's SR view shows; `null` when its computation fails (a loop).
    #[serde(serialize_with = "opt_js")]
    pub xo_vdis_to_coalesce: Option<u64>,
    /// Why Xen Orchestra's figures differ from ours, when they do.
    pub xo_difference: Option<String>,
    #[serde(serialize_with = "js")]
    pub missing_parents: u64,
    /// Base copies no disk or snapshot uses any more (the garbage collector deletes them).
    #[serde(serialize_with = "js")]
    pub orphans: u64,
    #[serde(serialize_with = "js")]
    pub orphan_bytes: u64,
    #[serde(serialize_with = "js")]
    pub branch_points: u64,
    #[serde(serialize_with = "js")]
    pub cycles: u64,
    #[serde(serialize_with = "opt_js")]
    pub physical_size: Option<u64>,
    #[serde(serialize_with = "opt_js")]
    pub physical_utilisation: Option<u64>,
    #[serde(serialize_with = "opt_js")]
    pub free_bytes: Option<u64>,
    /// Physical utilisation of the visible VDIs (disks and snapshots).
    #[serde(serialize_with = "js")]
    pub visible_bytes: u64,
    /// Used space no visible VDI holds: base copies (behind snapshots, or waiting for
    /// coalesce or deletion). `null` without the SR's utilisation.
    #[serde(serialize_with = "opt_js")]
    pub unreclaimed_bytes: Option<u64>,
    #[serde(skip)]
    pub index: u32,
}

/// What a graph node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A managed, non-snapshot VDI (a VM's disk or a free disk).
    Leaf,
    /// A managed snapshot VDI.
    Snapshot,
    /// An unmanaged VDI: a hidden VHD parent.
    BaseCopy,
    /// A parent uuid that no record has (a placeholder).
    Missing,
}

/// A fact about a graph node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NodeFlag {
    /// Base copy whose only child is a base copy: a non-leaf coalesce is pending.
    PendingCoalesce,
    /// Base copy whose only child is a disk or snapshot: a leaf coalesce is pending.
    PendingLeafCoalesce,
    /// Xen Orchestra's chain protection trips here for some VM.
    TrippedProtection,
    /// Its `vhd-parent` is in no record.
    MissingParent,
    /// Base copy no disk or snapshot uses any more.
    Orphan,
    /// Two children or more.
    BranchPoint,
    /// Part of a `vhd-parent` loop.
    InCycle,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphNode {
    /// The uuid (or the ref when the record has none); edges use it.
    pub id: String,
    pub uuid: Option<String>,
    pub label: Option<String>,
    pub kind: NodeKind,
    pub managed: bool,
    /// The SR's id (as in `srs[].id`); `null` for a missing parent.
    pub sr: Option<String>,
    /// VMs that use this VDI as a disk.
    pub vms: Vec<String>,
    #[serde(serialize_with = "opt_js")]
    pub virtual_size: Option<u64>,
    #[serde(serialize_with = "opt_js")]
    pub physical_utilisation: Option<u64>,
    /// Images from this node down to its root (0 for a missing parent).
    pub depth: u32,
    pub children: u32,
    pub flags: Vec<NodeFlag>,
    /// The length Xen Orchestra's SR tab shows for this disk (quirk included), for the managed
    /// non-snapshot VDIs it lists.
    #[serde(serialize_with = "opt_js")]
    pub xo_unhealthy_length: Option<u64>,
}

/// An edge from a child to its VHD parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GraphEdge {
    pub from: String,
    pub to: String,
}

/// The VDI graph for a UI: nodes and child → parent edges. Group by SR with `node.sr`; draw a
/// VM from `vms[].disks[].id` following the edges.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChainGraph {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
}

/// What was read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainStats {
    #[serde(serialize_with = "js")]
    pub vms: u64,
    #[serde(serialize_with = "js")]
    pub vbds: u64,
    #[serde(serialize_with = "js")]
    pub vdis: u64,
    #[serde(serialize_with = "js")]
    pub srs: u64,
}

/// The result of [`crate::check_vdi_chains`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainReport {
    /// Pending non-leaf coalesces tolerated per disk chain; `null` when the check never trips.
    #[serde(serialize_with = "opt_js")]
    pub tolerance: Option<u64>,
    /// The storage manager's chain limit (30).
    pub chain_limit: u32,
    pub vms: Vec<VmChains>,
    pub srs: Vec<SrChains>,
    pub findings: Vec<Finding>,
    /// `None` when `options.graph` is false.
    pub graph: Option<ChainGraph>,
    pub warnings: Vec<RecordWarning>,
    /// Warnings beyond the first 200, counted only.
    #[serde(serialize_with = "js")]
    pub warnings_omitted: u64,
    pub stats: ChainStats,
}

/// Everything the rules need to write findings.
pub struct Analysis<'r, 'a> {
    pub rec: &'r Records<'a>,
    pub graph: &'r Graph<'a>,
    pub chains: &'r [ChainInfo],
    pub vms: &'r [VmChains],
    pub srs: &'r [SrChains],
    /// VM index → its VM snapshots (indexes into `rec.vms`).
    pub vm_snapshots: &'r [Vec<u32>],
    /// SR index of the records → its summary in `srs` (`usize::MAX` for none).
    pub sr_slot: &'r [usize],
    pub tolerance: Tolerance,
}

impl Analysis<'_, '_> {
    pub fn node_id(&self, v: u32) -> &str {
        self.rec.vdis.get(v as usize).map_or("", |d| d.id())
    }

    pub fn sr_of(&self, v: u32) -> Option<&SrChains> {
        let s = self.rec.vdis.get(v as usize)?.sr;
        let slot = *self.sr_slot.get(s as usize)?;
        self.srs.get(slot)
    }
}

/// What a records parse error means for the caller.
pub fn records_error(e: &serde_json::Error, what: &str) -> Error {
    match e.classify() {
        serde_json::error::Category::Data => Error::InvalidRecords(format!(
            "{what} must be an object {{ VM, VBD, VDI, SR }} whose tables are maps keyed by opaque ref or arrays ({e})"
        )),
        _ => Error::InvalidRecords(format!("{what} are not valid JSON: {e}")),
    }
}

/// What turns the analysis into findings: the rules layer's `rules::chain_findings`, handed in
/// by the caller so that this analyser does not depend on the rules above it.
pub type Interpret = fn(&Analysis<'_, '_>) -> Vec<Finding>;

/// The chain check on records as JSON text.
pub fn check_json(text: &str, options: &ChainOptions, interpret: Interpret) -> Result<ChainReport, Error> {
    options.limits.check_size(text.len())?;
    let raw: raw::RawTables<'_> = raw::parse_limited(text, options.limits.max_records(), |e| records_error(e, "the records"))?;
    check(&raw, options, interpret)
}

/// The chain check on records already parsed. They are written back to JSON text and read
/// again: the typed parser then exists once in the `.wasm`, and this path (`diagnose`) is not
/// the one large pools take.
pub fn check_value(value: &Value, options: &ChainOptions, interpret: Interpret) -> Result<ChainReport, Error> {
    let text = serde_json::to_string(value).map_err(|e| Error::InvalidRecords(e.to_string()))?;
    check_json(&text, options, interpret)
}

/// Runs the chain check on records deserialised with [`raw::RawTables`].
pub fn check(raw: &raw::RawTables<'_>, options: &ChainOptions, interpret: Interpret) -> Result<ChainReport, Error> {
    let (mut report, graph) = check_with(raw, options, interpret, |parts| parts.graph_facts.as_ref().map(GraphFacts::to_objects))?;
    report.graph = graph;
    Ok(report)
}

/// The analysis the report's big parts are written from, borrowed from the records: [`check`]
/// writes the graph's objects from it, the flat boundary ([`flat`]) the VMs and the graph as
/// columns.
pub struct Parts<'r, 'a> {
    pub rec: &'r Records<'a>,
    pub graph: &'r Graph<'a>,
    pub chains: &'r [ChainInfo],
    pub vms: &'r [VmChains],
    /// The graph's facts, when `options.graph`.
    pub graph_facts: Option<GraphFacts<'r, 'a>>,
}

/// [`check`], with `write` called on the analysis; what it returns comes beside the report
/// (whose `graph` stays `None`).
pub fn check_with<T>(
    raw: &raw::RawTables<'_>,
    options: &ChainOptions,
    interpret: Interpret,
    write: impl FnOnce(&Parts<'_, '_>) -> T,
) -> Result<(ChainReport, T), Error> {
    let mut rec = records::normalise(raw)?;
    let graph = Graph::build(&rec);
    let chains = graph.walk_chains(&rec, options.tolerance);

    let (vms, vm_snapshots) = vm_chains(&mut rec, &graph, &chains);

    let members = coalesce::sr_members(&rec);
    let mut scratch = coalesce::Scratch::new(&graph);
    let mut xo_length: Vec<Option<u64>> = vec![None; rec.vdis.len()];
    let mut srs = Vec::with_capacity(rec.srs.len());
    for (s, sr) in rec.srs.iter().enumerate() {
        let list = members.get(s).map_or(&[][..], Vec::as_slice);
        if !sr.known && list.is_empty() {
            continue;
        }
        let c = coalesce::analyse_sr(&rec, &graph, &chains, s as u32, list, &mut scratch, &mut xo_length);
        let visible_bytes = list
            .iter()
            .map(|&v| &rec.vdis[v as usize])
            .filter(|v| v.managed)
            .fold(0u64, |acc, v| acc.saturating_add(v.physical_utilisation.unwrap_or(0)));
        let free_bytes = match (sr.physical_size, sr.physical_utilisation) {
            (Some(size), Some(used)) => Some(size.saturating_sub(used)),
            _ => None,
        };
        srs.push(SrChains {
            uuid: sr.uuid.map(str::to_string),
            id: sr.id().to_string(),
            name_label: sr.name.map(str::to_string),
            sr_type: sr.sr_type.map(str::to_string),
            in_records: sr.known,
            vdi_count: list.len() as u64,
            vdis_to_coalesce: c.pending + c.pending_leaf,
            pending_coalesce: c.pending,
            pending_leaf_coalesce: c.pending_leaf,
            xo_vdis_to_coalesce: c.xo_count,
            xo_difference: c.xo_difference,
            missing_parents: c.missing_parents,
            orphans: c.orphans,
            orphan_bytes: c.orphan_bytes,
            branch_points: c.branch_points,
            cycles: c.cycles,
            physical_size: sr.physical_size,
            physical_utilisation: sr.physical_utilisation,
            free_bytes,
            visible_bytes,
            unreclaimed_bytes: sr.physical_utilisation.map(|used| used.saturating_sub(visible_bytes)),
            index: s as u32,
        });
    }
    // `srs` skips empty placeholders: index the SR summaries by SR.
    let mut sr_slot = vec![usize::MAX; rec.srs.len()];
    for (i, s) in srs.iter().enumerate() {
        sr_slot[s.index as usize] = i;
    }

    let written = write(&Parts {
        rec: &rec,
        graph: &graph,
        chains: &chains,
        vms: &vms,
        graph_facts: options.graph.then(|| GraphFacts::new(&rec, &graph, &chains, &vms, &xo_length, &sr_slot)),
    });
    let findings = {
        let analysis = Analysis {
            rec: &rec,
            graph: &graph,
            chains: &chains,
            vms: &vms,
            srs: &srs,
            vm_snapshots: &vm_snapshots,
            sr_slot: &sr_slot,
            tolerance: options.tolerance,
        };
        let mut f = interpret(&analysis);
        crate::model::rank(&mut f);
        f
    };
    let stats = ChainStats {
        vms: vms.len() as u64,
        vbds: rec.vbds.len() as u64,
        vdis: rec.vdis.len() as u64,
        srs: rec.srs.iter().filter(|s| s.known).count() as u64,
    };
    let warnings = std::mem::take(&mut rec.warnings);
    let report = ChainReport {
        tolerance: options.tolerance.limit(),
        chain_limit: CHAIN_LIMIT,
        vms,
        srs,
        findings,
        graph: None,
        warnings: warnings.list,
        warnings_omitted: warnings.omitted,
        stats,
    };
    Ok((report, written))
}

/// The VMs Xen Orchestra would back up (not snapshots, templates or the control domain), their
/// disks in the order Xen Orchestra checks them, and the verdicts.
fn vm_chains(rec: &mut Records<'_>, graph: &Graph<'_>, chains: &[ChainInfo]) -> (Vec<VmChains>, Vec<Vec<u32>>) {
    let mut warnings = std::mem::take(&mut rec.warnings);
    // VBDs that name their VM, for VM records without a VBDs list.
    let mut vbds_of_vm: Vec<Vec<u32>> = vec![Vec::new(); rec.vms.len()];
    for (b, vbd) in rec.vbds.iter().enumerate() {
        match vbd.vm.map(|r| rec.vm_index.get(r)) {
            Some(Some(&vm)) => {
                if let Some(list) = vbds_of_vm.get_mut(vm as usize) {
                    list.push(b as u32);
                }
            }
            Some(None) if !rec.vms.is_empty() => warnings.push(
                WarningKind::DanglingRef,
                "VBD",
                vbd.key,
                Some("VM"),
                format!("the VBD's VM {} is not in the VM records", vbd.vm.unwrap_or("")),
            ),
            _ => {}
        }
    }
    let mut vm_snapshots: Vec<Vec<u32>> = vec![Vec::new(); rec.vms.len()];
    for (i, vm) in rec.vms.iter().enumerate() {
        if vm.is_snapshot {
            if let Some(&of) = vm.snapshot_of.and_then(|r| rec.vm_index.get(r)) {
                vm_snapshots[of as usize].push(i as u32);
            }
        }
    }
    for list in &mut vm_snapshots {
        crate::sort::sort_by(list, |a, b| (&rec.vms[*a as usize].snapshot_time, a).cmp(&(&rec.vms[*b as usize].snapshot_time, b)));
    }
    let no_vbd_table = rec.vbds.is_empty();
    if no_vbd_table && rec.vms.iter().any(|v| !v.vbds.is_empty()) {
        warnings.push(
            WarningKind::MissingField,
            "VBD",
            "",
            None,
            "there are no VBD records, so the VMs' disks cannot be found".to_string(),
        );
    }

    let mut out = Vec::new();
    // `seen_vbd[b] == stamp` / `seen_vdi[v] == stamp`: already listed for the current VM (the
    // stamp changes with each VM, so duplicates are found in O(1) without clearing).
    let mut seen_vbd = vec![u32::MAX; rec.vbds.len()];
    let mut seen_vdi = vec![u32::MAX; rec.vdis.len()];
    for (i, vm) in rec.vms.iter().enumerate() {
        if vm.is_snapshot || vm.is_template || vm.is_control_domain {
            continue;
        }
        let stamp = i as u32;
        let first_time = |seen: &mut [u32], k: u32| match seen.get_mut(k as usize) {
            Some(s) if *s != stamp => {
                *s = stamp;
                true
            }
            _ => false,
        };
        let mut vbd_list: Vec<u32> = Vec::new();
        for r in &vm.vbds {
            match rec.vbd_index.get(r) {
                Some(&b) if first_time(&mut seen_vbd, b) => vbd_list.push(b),
                Some(_) => {}
                None if !no_vbd_table => warnings.push(
                    WarningKind::DanglingRef,
                    "VM",
                    vm.id(),
                    Some("VBDs"),
                    format!("the VM's VBD {r} is not in the VBD records"),
                ),
                None => {}
            }
        }
        // Xen Orchestra reads the VM's own VBDs list; the VBDs naming the VM stand in only when
        // the record has no list (or none of it resolved).
        if vbd_list.is_empty() {
            for &b in vbds_of_vm.get(i).map_or(&[][..], Vec::as_slice) {
                if first_time(&mut seen_vbd, b) {
                    vbd_list.push(b);
                }
            }
        }
        let mut disks: Vec<DiskChain> = Vec::new();
        for b in vbd_list {
            let vbd = &rec.vbds[b as usize];
            let Some(vdi_ref) = vbd.vdi else { continue };
            let Some(&v) = rec.vdi_index.get(vdi_ref) else {
                warnings.push(
                    WarningKind::DanglingRef,
                    "VBD",
                    vbd.key,
                    Some("VDI"),
                    format!(
                        "the VDI {vdi_ref} of a VBD of VM {} is not in the VDI records (Xen Orchestra would skip this disk)",
                        vm.id()
                    ),
                );
                continue;
            };
            if !first_time(&mut seen_vdi, v) {
                continue;
            }
            disks.push(disk_chain(rec, graph, chains, v, vbd.kind));
        }
        let verdict = protection::vm_verdict(disks.iter().map(|d| chains[d.node as usize].xo));
        let (would_skip, tripped_by, tripped_disk, never_ends) = match verdict {
            XoOutcome::Trips(node) => {
                let disk = disks.iter().find(|d| d.would_skip).map(|d| d.id.clone());
                (true, Some(rec.vdis[node as usize].id().to_string()), disk, false)
            }
            XoOutcome::NeverEnds => (false, None, None, true),
            XoOutcome::Passes => (false, None, None, false),
        };
        out.push(VmChains {
            uuid: vm.uuid.map(str::to_string),
            vm_ref: vm.key.to_string(),
            name_label: vm.name.map(str::to_string),
            would_skip,
            tripped_by,
            tripped_disk,
            check_never_ends: never_ends,
            disks,
            index: i as u32,
        });
    }
    rec.warnings = warnings;
    (out, vm_snapshots)
}

fn disk_chain(rec: &Records<'_>, graph: &Graph<'_>, chains: &[ChainInfo], v: u32, kind: VbdKind) -> DiskChain {
    let vdi = &rec.vdis[v as usize];
    let c = chains[v as usize];
    let cycle = matches!(c.top, Top::Cycle(_));
    let missing_parent = match c.top {
        Top::Missing(m) => graph.missing.get(m as usize).map(|m| m.uuid.to_string()),
        _ => None,
    };
    let (would_skip, tripped_by, never_ends) = match c.xo {
        XoOutcome::Trips(b) => (true, Some(rec.vdis[b as usize].id().to_string()), false),
        XoOutcome::NeverEnds => (false, None, true),
        XoOutcome::Passes => (false, None, false),
    };
    let sr = rec.srs.get(vdi.sr as usize).map(|s| s.id().to_string()).filter(|s| !s.is_empty());
    DiskChain {
        vdi: vdi.uuid.map(str::to_string),
        id: vdi.id().to_string(),
        name_label: vdi.name.map(str::to_string),
        sr,
        vbd_type: kind,
        depth: c.depth,
        snapshots_left: if cycle { 0 } else { CHAIN_LIMIT.saturating_sub(c.depth) },
        depth_after_coalesce: c.depth.saturating_sub(c.pending + c.pending_leaf).max(1),
        pending_coalesce: c.pending,
        pending_leaf_coalesce: c.pending_leaf,
        branch_points: c.branch_points,
        missing_parent,
        cycle,
        would_skip,
        tripped_by,
        check_never_ends: never_ends,
        node: v,
    }
}

/// The graph's facts per node, with the strings borrowed from the records: [`ChainGraph`]'s
/// objects are written from them, and so are the columns of the flat boundary ([`flat`]).
pub struct GraphFacts<'r, 'a> {
    rec: &'r Records<'a>,
    g: &'r Graph<'a>,
    chains: &'r [ChainInfo],
    xo_length: &'r [Option<u64>],
    /// Whether each SR of the records has a summary in `srs` (nodes name only those).
    sr_listed: Vec<bool>,
    /// The VMs (uuid, else ref) using each VDI as a disk.
    vms_of: Vec<Vec<&'r str>>,
    tripped: Vec<bool>,
}

/// One node of the graph (see [`GraphNode`]); `flags` is a bit set in [`NodeFlag::ALL`] order.
pub struct NodeFacts<'r> {
    pub id: &'r str,
    pub uuid: Option<&'r str>,
    pub label: Option<&'r str>,
    pub kind: NodeKind,
    pub managed: bool,
    pub sr: Option<&'r str>,
    pub virtual_size: Option<u64>,
    pub physical_utilisation: Option<u64>,
    pub depth: u32,
    pub children: u32,
    pub flags: u8,
    pub xo_unhealthy_length: Option<u64>,
}

impl NodeFlag {
    /// Every flag, in the order a node lists them (bit `i` of [`NodeFacts::flags`] is `ALL[i]`).
    pub const ALL: [NodeFlag; 7] = [
        NodeFlag::PendingCoalesce,
        NodeFlag::PendingLeafCoalesce,
        NodeFlag::TrippedProtection,
        NodeFlag::MissingParent,
        NodeFlag::Orphan,
        NodeFlag::BranchPoint,
        NodeFlag::InCycle,
    ];
}

impl<'r, 'a> GraphFacts<'r, 'a> {
    fn new(rec: &'r Records<'a>, g: &'r Graph<'a>, chains: &'r [ChainInfo], vms: &[VmChains], xo_length: &'r [Option<u64>], sr_slot: &[usize]) -> Self {
        let n = rec.vdis.len();
        let mut vms_of: Vec<Vec<&'r str>> = vec![Vec::new(); n];
        let mut tripped = vec![false; n];
        for vm in vms {
            let vm_id = rec.vms.get(vm.index as usize).map_or("", |v| v.id());
            for d in &vm.disks {
                vms_of[d.node as usize].push(vm_id);
                if let XoOutcome::Trips(b) = chains[d.node as usize].xo {
                    tripped[b as usize] = true;
                }
            }
        }
        let sr_listed = sr_slot.iter().map(|&slot| slot != usize::MAX).collect();
        GraphFacts { rec, g, chains, xo_length, sr_listed, vms_of, tripped }
    }

    /// Nodes: one per VDI, then one per missing parent.
    pub fn len(&self) -> usize {
        self.rec.vdis.len() + self.g.missing.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th node.
    pub fn node(&self, i: usize) -> NodeFacts<'r> {
        let (rec, g) = (self.rec, self.g);
        let Some(vdi) = rec.vdis.get(i) else {
            let m = g.missing.get(i - rec.vdis.len());
            return NodeFacts {
                id: m.map_or("", |m| m.uuid),
                uuid: m.map(|m| m.uuid),
                label: None,
                kind: NodeKind::Missing,
                managed: false,
                sr: None,
                virtual_size: None,
                physical_utilisation: None,
                depth: 0,
                children: m.map_or(0, |m| m.children.len() as u32),
                flags: 0,
                xo_unhealthy_length: None,
            };
        };
        let iu = i as u32;
        let in_cycle = g.in_cycle(iu);
        let children = g.children(iu).len() as u32;
        let flags = [
            g.pending[i] && g.has_managed_below[i] && !in_cycle,
            g.pending_leaf[i] && !in_cycle,
            self.tripped[i],
            matches!(g.parent[i], Parent::Missing(_)),
            !vdi.managed && !g.has_managed_below[i] && !in_cycle,
            children >= 2,
            in_cycle,
        ]
        .iter()
        .enumerate()
        .fold(0u8, |bits, (b, &set)| bits | (u8::from(set) << b));
        let kind = match (vdi.managed, vdi.is_snapshot) {
            (false, _) => NodeKind::BaseCopy,
            (true, true) => NodeKind::Snapshot,
            (true, false) => NodeKind::Leaf,
        };
        let sr = self.sr_listed.get(vdi.sr as usize).is_some_and(|&l| l).then(|| rec.srs.get(vdi.sr as usize).map(|s| s.id())).flatten();
        NodeFacts {
            id: vdi.id(),
            uuid: vdi.uuid,
            label: vdi.name,
            kind,
            managed: vdi.managed,
            sr,
            virtual_size: vdi.virtual_size,
            physical_utilisation: vdi.physical_utilisation,
            depth: self.chains[i].depth,
            children,
            flags,
            xo_unhealthy_length: self.xo_length[i],
        }
    }

    /// The VMs using the `i`-th node as a disk.
    pub fn vms(&self, i: usize) -> &[&'r str] {
        self.vms_of.get(i).map_or(&[], Vec::as_slice)
    }

    /// The edges, from a VDI to its VHD parent, in VDI order, as node indexes.
    pub fn edges(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let n = self.rec.vdis.len();
        self.g.parent.iter().enumerate().filter_map(move |(i, parent)| match *parent {
            Parent::Known(p) => Some((i, p as usize)),
            Parent::Missing(m) => ((m as usize) < self.g.missing.len()).then_some((i, n + m as usize)),
            Parent::Root => None,
        })
    }

    /// The id of the `i`-th node (as in [`NodeFacts::id`]).
    pub fn node_id(&self, i: usize) -> &'r str {
        match self.rec.vdis.get(i) {
            Some(vdi) => vdi.id(),
            None => self.g.missing.get(i - self.rec.vdis.len()).map_or("", |m| m.uuid),
        }
    }

    /// The graph as objects.
    pub fn to_objects(&self) -> ChainGraph {
        let nodes = (0..self.len())
            .map(|i| {
                let n = self.node(i);
                GraphNode {
                    id: n.id.to_string(),
                    uuid: n.uuid.map(str::to_string),
                    label: n.label.map(str::to_string),
                    kind: n.kind,
                    managed: n.managed,
                    sr: n.sr.map(str::to_string),
                    vms: self.vms(i).iter().map(|v| v.to_string()).collect(),
                    virtual_size: n.virtual_size,
                    physical_utilisation: n.physical_utilisation,
                    depth: n.depth,
                    children: n.children,
                    flags: NodeFlag::ALL.iter().enumerate().filter(|(b, _)| n.flags & (1 << b) != 0).map(|(_, f)| *f).collect(),
                    xo_unhealthy_length: n.xo_unhealthy_length,
                }
            })
            .collect();
        let edges = self.edges().map(|(from, to)| GraphEdge { from: self.node_id(from).to_string(), to: self.node_id(to).to_string() }).collect();
        ChainGraph { nodes, edges }
    }
}
