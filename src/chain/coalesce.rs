//! The SR's "VDIs to coalesce": the count computed correctly, and Xen Orchestra's own number
//! (SR Advanced tab, Dashboard → Health) with its quirks, so a UI can explain why they differ.
//!
//! Ours counts the base copies the garbage collector will merge: a base copy with exactly one
//! child that is a base copy with a disk or snapshot above it (non-leaf coalesce), or whose only
//! child is a disk or snapshot without children (leaf coalesce). Orphans (base copies nothing
//! uses any more: the collector deletes them), missing parents and loops are reported apart.
//!
//! Xen Orchestra's `_getVdiChainsInfo` walks up from every managed non-snapshot VDI of the SR
//! and counts each distinct node with exactly one child, whatever it is; so it also counts a
//! parent uuid that no VDI has, it never sees nodes only snapshots use, and it recurses forever
//! (a stack overflow: no result) on a `vhd-parent` loop. Its per-disk length reuses the cached
//! object of the ancestor, adding each branch's count to it, so sibling branches inherit each
//! other's counts in the order the SR lists its VDIs. The port below reproduces all of it,
//! iteratively.

use super::graph::{ChainInfo, Graph, Parent, NONE};
use super::records::Records;

/// The VDIs of each SR, in the order of the SR's `VDIs` list (Xen Orchestra's iteration order),
/// then the others in input order.
pub fn sr_members(rec: &Records<'_>) -> Vec<Vec<u32>> {
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); rec.srs.len()];
    let mut placed = vec![false; rec.vdis.len()];
    // The VDI after the last one found: an SR's list often follows the VDI records' order.
    let mut next = 0;
    for (s, sr) in rec.srs.iter().enumerate() {
        for r in &sr.vdis {
            if let Some(v) = rec.vdi_by_key(r, next) {
                let vi = v as usize;
                next = vi + 1;
                if rec.vdis[vi].sr as usize == s && !placed[vi] {
                    placed[vi] = true;
                    members[s].push(v);
                }
            }
        }
    }
    for (v, vdi) in rec.vdis.iter().enumerate() {
        if !placed[v] {
            if let Some(list) = members.get_mut(vdi.sr as usize) {
                list.push(v as u32);
            }
        }
    }
    members
}

/// The coalesce figures of one SR.
#[derive(Debug, Default)]
pub struct SrCoalesce {
    pub pending: u64,
    pub pending_leaf: u64,
    /// Xen Orchestra's `nUnhealthyVdis`; `None` when its computation would not finish.
    pub xo_count: Option<u64>,
    /// Why Xen Orchestra's number or per-disk lengths differ from ours; `None` when they agree.
    pub xo_difference: Option<String>,
    pub missing_parents: u64,
    pub orphans: u64,
    pub orphan_bytes: u64,
    pub branch_points: u64,
    pub cycles: u64,
}

/// Reusable per-node scratch space for the Xen Orchestra port, stamped per SR so nothing has to
/// be cleared between SRs.
pub struct Scratch {
    cache_stamp: Vec<u32>,
    cache_info: Vec<u32>,
    path_stamp: Vec<u32>,
    counted_stamp: Vec<u32>,
    /// Per missing parent and per cycle: the SR that last counted it.
    missing_seen: Vec<u32>,
    cycle_seen: Vec<u32>,
    walk: u32,
}

impl Scratch {
    pub fn new(g: &Graph<'_>) -> Scratch {
        let n = g.len() + g.missing.len();
        Scratch {
            cache_stamp: vec![NONE; n],
            cache_info: vec![0; n],
            path_stamp: vec![NONE; n],
            counted_stamp: vec![NONE; n],
            missing_seen: vec![NONE; g.missing.len()],
            cycle_seen: vec![NONE; g.cycles.len()],
            walk: 0,
        }
    }
}

/// Ours and Xen Orchestra's figures for SR `s`, whose VDIs are `members`. Xen Orchestra's
/// per-disk length is written to `xo_length` for the managed non-snapshot VDIs of the SR.
pub fn analyse_sr(
    rec: &Records<'_>,
    g: &Graph<'_>,
    chains: &[ChainInfo],
    s: u32,
    members: &[u32],
    scratch: &mut Scratch,
    xo_length: &mut [Option<u64>],
) -> SrCoalesce {
    let mut out = SrCoalesce::default();
    let mut ours_not_xo = 0u64;
    for &v in members {
        let vi = v as usize;
        if g.in_cycle(v) {
            if let Some(seen) = scratch.cycle_seen.get_mut(g.cycle_of[vi] as usize) {
                if *seen != s {
                    *seen = s;
                    out.cycles += 1;
                }
            }
            continue;
        }
        if let Parent::Missing(m) = g.parent[vi] {
            if let Some(seen) = scratch.missing_seen.get_mut(m as usize) {
                if *seen != s {
                    *seen = s;
                    out.missing_parents += 1;
                }
            }
        }
        if g.children(v).len() >= 2 {
            out.branch_points += 1;
        }
        let vdi = &rec.vdis[vi];
        if !vdi.managed && !g.has_managed_below[vi] {
            out.orphans += 1;
            out.orphan_bytes = out.orphan_bytes.saturating_add(vdi.physical_utilisation.unwrap_or(0));
        }
    }

    // Xen Orchestra's walk, with the shared-object cache of `_getVdiChainsInfo`.
    let n = g.len() as u32;
    let stamp = s;
    let mut infos: Vec<u64> = Vec::new();
    let mut path: Vec<(u32, u64)> = Vec::new();
    let mut xo_count = 0u64;
    let mut xo_counted: Vec<u32> = Vec::new();
    let mut xo_fails = false;
    let mut walked: Vec<u32> = Vec::new();
    let children_in_sr = |node: u32| -> usize {
        if node < n {
            if rec.vdis[node as usize].sr == s {
                g.sr_children[node as usize] as usize
            } else {
                g.children(node).iter().filter(|&&c| rec.vdis[c as usize].sr == s).count()
            }
        } else {
            g.missing.get((node - n) as usize).map_or(0, |m| m.children_in_sr(s) as usize)
        }
    };
    'vdis: for &v in members {
        let vdi = &rec.vdis[v as usize];
        if !vdi.managed || vdi.is_snapshot {
            continue;
        }
        scratch.walk = scratch.walk.wrapping_add(1);
        let walk = scratch.walk;
        path.clear();
        let mut node = v;
        let info = loop {
            let ni = node as usize;
            if scratch.cache_stamp[ni] == stamp {
                break scratch.cache_info[ni];
            }
            if scratch.path_stamp[ni] == walk {
                // The recursion never returns: Xen Orchestra's call fails for the whole SR.
                xo_fails = true;
                break 'vdis;
            }
            scratch.path_stamp[ni] = walk;
            let unhealthy = (children_in_sr(node) == 1) as u64;
            if unhealthy == 1 && scratch.counted_stamp[ni] != stamp {
                scratch.counted_stamp[ni] = stamp;
                xo_counted.push(node);
            }
            xo_count += unhealthy;
            let next = if node < n {
                match g.parent[ni] {
                    Parent::Root => None,
                    Parent::Known(p) => Some(p),
                    Parent::Missing(m) => Some(n + m),
                }
            } else {
                None
            };
            match next {
                Some(p) => {
                    path.push((node, unhealthy));
                    node = p;
                }
                None => {
                    infos.push(unhealthy);
                    let id = (infos.len() - 1) as u32;
                    scratch.cache_stamp[ni] = stamp;
                    scratch.cache_info[ni] = id;
                    break id;
                }
            }
        };
        for &(node, unhealthy) in path.iter().rev() {
            if let Some(total) = infos.get_mut(info as usize) {
                *total += unhealthy;
            }
            scratch.cache_stamp[node as usize] = stamp;
            scratch.cache_info[node as usize] = info;
        }
        if let Some(slot) = xo_length.get_mut(v as usize) {
            *slot = infos.get(info as usize).copied();
        }
        walked.push(v);
    }

    // Ours.
    for &v in members {
        let vi = v as usize;
        if g.in_cycle(v) {
            continue;
        }
        let counted = if g.pending[vi] && g.has_managed_below[vi] {
            out.pending += 1;
            true
        } else if g.pending_leaf[vi] {
            out.pending_leaf += 1;
            true
        } else {
            false
        };
        if counted && scratch.counted_stamp[vi] != stamp {
            ours_not_xo += 1;
        }
    }

    if xo_fails {
        for &v in members {
            if let Some(slot) = xo_length.get_mut(v as usize) {
                *slot = None;
            }
        }
        out.xo_count = None;
        out.xo_difference = Some(
            "Xen Orchestra cannot compute this SR's VDIs to coalesce: a vhd-parent loop makes its recursion \
             overflow the stack, so its SR view shows an error or nothing."
                .to_string(),
        );
        return out;
    }
    out.xo_count = Some(xo_count);

    let xo_missing = xo_counted.iter().filter(|&&x| x >= n).count() as u64;
    let xo_extra_known = xo_counted
        .iter()
        .filter(|&&x| x < n && !((g.pending[x as usize] && g.has_managed_below[x as usize]) || g.pending_leaf[x as usize]))
        .count() as u64;
    let inflated = walked
        .iter()
        .filter(|&&v| xo_length.get(v as usize).copied().flatten() != Some(u64::from(chains[v as usize].single_child)))
        .count();
    let mut reasons: Vec<String> = Vec::new();
    if xo_missing > 0 {
        reasons.push(format!("it counts {xo_missing} missing parent uuid(s) as VDIs to coalesce"));
    }
    if ours_not_xo > 0 {
        reasons.push(format!(
            "it does not see {ours_not_xo} pending coalesce(s) that only snapshots (or VDIs no VM uses) lead to, \
             because it walks up from non-snapshot disks only"
        ));
    }
    if xo_extra_known > 0 {
        reasons.push(format!(
            "it counts {xo_extra_known} node(s) with a single child that the garbage collector will not merge \
             (a managed parent, or a child that is itself garbage)"
        ));
    }
    if inflated > 0 {
        reasons.push(format!(
            "its per-disk lengths are too high for {inflated} disk(s): a cached object shared between sibling \
             branches adds one branch's count to the other"
        ));
    }
    if !reasons.is_empty() {
        let ours = out.pending + out.pending_leaf;
        out.xo_difference = Some(format!("Xen Orchestra shows {xo_count} VDIs to coalesce (we count {ours}): {}.", reasons.join("; ")));
    }
    out
}
