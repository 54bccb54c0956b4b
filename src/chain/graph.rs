//! The VDI graph: each VDI points to its VHD parent (`vhd-parent`, a uuid), so the VDIs of a
//! pool form a forest — unless the records are damaged, when a parent can be missing or the
//! links can loop.
//!
//! Everything here is linear in the number of VDIs and iterative (a 100,000-image chain must
//! not overflow the WebAssembly stack): parents are resolved once, children are kept in one flat
//! adjacency array, cycles are found with one pass over the parent links, and every per-chain
//! figure (depth, pending coalesces, where Xen Orchestra's check trips) comes from one
//! depth-first traversal that carries the figures down from the roots instead of walking up
//! from each VDI.

use super::protection::{Tolerance, XoOutcome};
use super::records::{Index, Records};

/// No index (a u32 sentinel, to keep the per-VDI arrays small).
pub const NONE: u32 = u32::MAX;

/// Where a VDI's `vhd-parent` leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    /// No parent: the bottom of the chain.
    Root,
    /// A VDI of the input.
    Known(u32),
    /// A uuid no VDI of the input has (index into [`Graph::missing`]).
    Missing(u32),
}

/// A parent uuid that no record has, and the VDIs that point to it.
#[derive(Debug)]
pub struct MissingParent<'a> {
    pub uuid: &'a str,
    pub children: Vec<u32>,
    /// `(SR index, children in that SR)`, sorted by SR: Xen Orchestra groups children per SR.
    pub per_sr: Vec<(u32, u32)>,
}

impl MissingParent<'_> {
    pub fn children_in_sr(&self, sr: u32) -> u32 {
        self.per_sr.binary_search_by_key(&sr, |(s, _)| *s).ok().and_then(|k| self.per_sr.get(k)).map_or(0, |(_, n)| *n)
    }
}

/// A loop of `vhd-parent` links, in walk order (each node's parent is the next one).
#[derive(Debug)]
pub struct Cycle {
    pub nodes: Vec<u32>,
    /// Positions (in `nodes`) of the nodes Xen Orchestra's check counts, ascending.
    qualifying: Vec<u32>,
}

impl Cycle {
    /// The `r`-th (1-based) node Xen Orchestra's check counts when it walks round the cycle
    /// from position `start`, lap after lap. Needs at least one counted node.
    fn nth_qualifying_from(&self, start: u32, r: u64) -> Option<u32> {
        let q = self.qualifying.len() as u64;
        if q == 0 || r == 0 {
            return None;
        }
        let first = self.qualifying.partition_point(|&p| p < start) as u64;
        let at = (first + (r - 1) % q) % q;
        let pos = *self.qualifying.get(at as usize)?;
        self.nodes.get(pos as usize).copied()
    }
}

/// What the walk from one VDI up its chain meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Top {
    /// A VDI without parent.
    Root,
    /// A parent uuid that is not in the records (index into [`Graph::missing`]).
    Missing(u32),
    /// The walk loops (index into [`Graph::cycles`]).
    Cycle(u32),
}

/// Figures of the chain from one VDI up to its root; each node is counted once, loops included.
#[derive(Debug, Clone, Copy)]
pub struct ChainInfo {
    /// Images in the chain, this VDI included (the storage manager's chain depth).
    pub depth: u32,
    /// Base copies waiting for a non-leaf coalesce (Xen Orchestra's definition).
    pub pending: u32,
    /// Base copies waiting for a leaf coalesce.
    pub pending_leaf: u32,
    /// Nodes with two children or more (snapshots or clones hang from them).
    pub branch_points: u32,
    /// Nodes with exactly one child, a missing parent included: the length Xen Orchestra's SR
    /// tab shows for a disk, computed without its caching quirk.
    pub single_child: u32,
    pub top: Top,
    /// Xen Orchestra's backup check started at this VDI.
    pub xo: XoOutcome,
}

/// The VDI graph of a set of records.
#[derive(Debug)]
pub struct Graph<'a> {
    pub parent: Vec<Parent>,
    child_start: Vec<u32>,
    child_list: Vec<u32>,
    /// Children in the same SR (what Xen Orchestra groups by), and the only one when there is one.
    pub sr_children: Vec<u32>,
    pub sr_only_child: Vec<u32>,
    pub missing: Vec<MissingParent<'a>>,
    pub cycles: Vec<Cycle>,
    /// Index into `cycles`, or [`NONE`].
    pub cycle_of: Vec<u32>,
    cycle_pos: Vec<u32>,
    /// Xen Orchestra counts this node: unmanaged, exactly one child in its SR, itself unmanaged.
    pub pending: Vec<bool>,
    /// Unmanaged, exactly one child in its SR, a managed VDI without children (leaf coalesce).
    pub pending_leaf: Vec<bool>,
    /// Some managed VDI (a disk or a snapshot) sits above this node in a chain.
    pub has_managed_below: Vec<bool>,
}

impl<'a> Graph<'a> {
    pub fn build(rec: &Records<'a>) -> Graph<'a> {
        let n = rec.vdis.len();
        let mut parent = vec![Parent::Root; n];
        let mut missing: Vec<MissingParent<'a>> = Vec::new();
        let mut missing_index: Index<'a> = Index::default();
        let mut child_count = vec![0u32; n + 1];
        for (i, v) in rec.vdis.iter().enumerate() {
            let Some(p) = v.parent else { continue };
            match rec.vdi_by_uuid.get(p) {
                Some(&j) => {
                    parent[i] = Parent::Known(j);
                    child_count[j as usize] += 1;
                }
                None => {
                    let m = *missing_index.entry(p).or_insert_with(|| {
                        missing.push(MissingParent { uuid: p, children: Vec::new(), per_sr: Vec::new() });
                        (missing.len() - 1) as u32
                    });
                    if let Some(mp) = missing.get_mut(m as usize) {
                        mp.children.push(i as u32);
                    }
                    parent[i] = Parent::Missing(m);
                }
            }
        }
        // Children of each missing parent per SR, sorted by SR for `children_in_sr`.
        for mp in &mut missing {
            let mut srs: Vec<u32> = mp.children.iter().filter_map(|&c| rec.vdis.get(c as usize)).map(|v| v.sr).collect();
            crate::sort::sort_by_u64_key(&mut srs, |s| u64::from(*s));
            for sr in srs {
                match mp.per_sr.last_mut() {
                    Some((s, n)) if *s == sr => *n += 1,
                    _ => mp.per_sr.push((sr, 1)),
                }
            }
        }
        // Flat adjacency: children of `p` are child_list[child_start[p]..child_start[p + 1]].
        let mut child_start = vec![0u32; n + 1];
        let mut total = 0u32;
        for p in 0..n {
            child_start[p] = total;
            total += child_count[p];
        }
        child_start[n] = total;
        let mut fill = child_start.clone();
        let mut child_list = vec![0u32; total as usize];
        let mut sr_children = vec![0u32; n];
        let mut sr_only_child = vec![NONE; n];
        for (i, p) in parent.iter().enumerate() {
            if let Parent::Known(p) = *p {
                let p = p as usize;
                child_list[fill[p] as usize] = i as u32;
                fill[p] += 1;
                if rec.vdis[i].sr == rec.vdis[p].sr {
                    sr_children[p] += 1;
                    sr_only_child[p] = i as u32;
                }
            }
        }

        let mut g = Graph {
            parent,
            child_start,
            child_list,
            sr_children,
            sr_only_child,
            missing,
            cycles: Vec::new(),
            cycle_of: vec![NONE; n],
            cycle_pos: vec![NONE; n],
            pending: vec![false; n],
            pending_leaf: vec![false; n],
            has_managed_below: vec![false; n],
        };
        for i in 0..n {
            let only = g.sr_only_child[i];
            if rec.vdis[i].managed || g.sr_children[i] != 1 || only == NONE {
                continue;
            }
            let child = &rec.vdis[only as usize];
            if child.managed {
                g.pending_leaf[i] = g.children(only).is_empty();
            } else {
                g.pending[i] = true;
            }
        }
        g.find_cycles();
        for i in 0..n {
            if rec.vdis[i].managed {
                let mut u = i;
                while let Parent::Known(p) = g.parent[u] {
                    let p = p as usize;
                    if g.has_managed_below[p] {
                        break;
                    }
                    g.has_managed_below[p] = true;
                    u = p;
                }
            }
        }
        g
    }

    pub fn len(&self) -> usize {
        self.parent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    pub fn children(&self, i: u32) -> &[u32] {
        let i = i as usize;
        match (self.child_start.get(i), self.child_start.get(i + 1)) {
            (Some(&a), Some(&b)) => self.child_list.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    pub fn in_cycle(&self, i: u32) -> bool {
        self.cycle_of.get(i as usize).is_some_and(|&c| c != NONE)
    }

    /// One pass over the parent links (each node has at most one parent, so every loop is found
    /// by following parents from any of its nodes).
    fn find_cycles(&mut self) {
        const NEW: u8 = 0;
        const ON_PATH: u8 = 1;
        const DONE: u8 = 2;
        let n = self.len();
        let mut state = vec![NEW; n];
        let mut path_pos = vec![0u32; n];
        let mut path: Vec<u32> = Vec::new();
        for start in 0..n {
            if state[start] != NEW {
                continue;
            }
            path.clear();
            let mut u = start;
            loop {
                match state[u] {
                    NEW => {
                        state[u] = ON_PATH;
                        path_pos[u] = path.len() as u32;
                        path.push(u as u32);
                        match self.parent[u] {
                            Parent::Known(p) => u = p as usize,
                            _ => break,
                        }
                    }
                    ON_PATH => {
                        let nodes: Vec<u32> = path[path_pos[u] as usize..].to_vec();
                        let id = self.cycles.len() as u32;
                        let mut qualifying = Vec::new();
                        for (pos, &node) in nodes.iter().enumerate() {
                            self.cycle_of[node as usize] = id;
                            self.cycle_pos[node as usize] = pos as u32;
                            if self.pending[node as usize] {
                                qualifying.push(pos as u32);
                            }
                        }
                        self.cycles.push(Cycle { nodes, qualifying });
                        break;
                    }
                    _ => break,
                }
            }
            for &x in &path {
                state[x as usize] = DONE;
            }
        }
    }

    /// The figures of every VDI's chain, and where Xen Orchestra's check with `tolerance`
    /// trips when it starts there.
    ///
    /// A depth-first traversal from every root (and from every node of a loop, for the
    /// branches hanging from it) carries the figures down. For the trip point it keeps the
    /// stack of counted nodes on the current path: Xen Orchestra trips at the
    /// `(tolerance + 1)`-th counted node met walking up, which is a fixed position in that stack.
    /// A walk that enters a loop goes round it forever in Xen Orchestra: it trips on some lap if
    /// the loop holds a counted node, and never ends otherwise.
    pub fn walk_chains(&self, rec: &Records<'_>, tolerance: Tolerance) -> Vec<ChainInfo> {
        let n = self.len();
        let blank = ChainInfo {
            depth: 0,
            pending: 0,
            pending_leaf: 0,
            branch_points: 0,
            single_child: 0,
            top: Top::Root,
            xo: XoOutcome::Passes,
        };
        let mut info = vec![blank; n];
        // Counted nodes met before the walk enters a loop (all of them when there is none).
        let mut tail_counted = vec![0u32; n];

        struct Totals {
            depth: u32,
            pending: u32,
            pending_leaf: u32,
            branch_points: u32,
            single_child: u32,
        }
        let cycle_totals: Vec<Totals> = self
            .cycles
            .iter()
            .map(|c| {
                let mut t = Totals { depth: 0, pending: 0, pending_leaf: 0, branch_points: 0, single_child: 0 };
                for &v in &c.nodes {
                    t.depth = t.depth.saturating_add(1);
                    t.pending += self.pending[v as usize] as u32;
                    t.pending_leaf += self.pending_leaf[v as usize] as u32;
                    t.branch_points += (self.children(v).len() >= 2) as u32;
                    t.single_child += (self.sr_children[v as usize] == 1) as u32;
                }
                t
            })
            .collect();

        let roots = (0..n as u32).filter(|&i| self.in_cycle(i) || !matches!(self.parent[i as usize], Parent::Known(_)));
        let mut counted_stack: Vec<u32> = Vec::new();
        let mut stack: Vec<(u32, bool)> = Vec::new();
        for root in roots {
            let root_cycle = self.cycle_of[root as usize];
            stack.push((root, true));
            while let Some((v, entering)) = stack.pop() {
                let vi = v as usize;
                let counts_here = self.pending[vi] && !(v == root && root_cycle != NONE);
                if !entering {
                    if counts_here {
                        counted_stack.pop();
                    }
                    continue;
                }
                let own_single = (self.sr_children[vi] == 1) as u32;
                let mut ci;
                let tail;
                if v == root {
                    if root_cycle != NONE {
                        let t = &cycle_totals[root_cycle as usize];
                        ci = ChainInfo {
                            depth: t.depth,
                            pending: t.pending,
                            pending_leaf: t.pending_leaf,
                            branch_points: t.branch_points,
                            single_child: t.single_child,
                            top: Top::Cycle(root_cycle),
                            xo: XoOutcome::Passes,
                        };
                        tail = 0;
                    } else {
                        let (top, missing_single) = match self.parent[vi] {
                            Parent::Missing(m) => {
                                let siblings = self.missing[m as usize].children_in_sr(rec.vdis[vi].sr);
                                (Top::Missing(m), (siblings == 1) as u32)
                            }
                            _ => (Top::Root, 0),
                        };
                        ci = ChainInfo {
                            depth: 1,
                            pending: self.pending[vi] as u32,
                            pending_leaf: self.pending_leaf[vi] as u32,
                            branch_points: (self.children(v).len() >= 2) as u32,
                            single_child: own_single + missing_single,
                            top,
                            xo: XoOutcome::Passes,
                        };
                        tail = self.pending[vi] as u32;
                    }
                } else {
                    let Parent::Known(p) = self.parent[vi] else { continue };
                    let up = info[p as usize];
                    ci = ChainInfo {
                        depth: up.depth.saturating_add(1),
                        pending: up.pending + self.pending[vi] as u32,
                        pending_leaf: up.pending_leaf + self.pending_leaf[vi] as u32,
                        branch_points: up.branch_points + (self.children(v).len() >= 2) as u32,
                        single_child: up.single_child + own_single,
                        top: up.top,
                        xo: XoOutcome::Passes,
                    };
                    tail = tail_counted[p as usize] + self.pending[vi] as u32;
                }
                if counts_here {
                    counted_stack.push(v);
                }
                ci.xo = match tolerance.trips_at() {
                    None if root_cycle != NONE => XoOutcome::NeverEnds,
                    None => XoOutcome::Passes,
                    Some(k) if u64::from(tail) >= k => {
                        let at = (u64::from(tail) - k) as usize;
                        counted_stack.get(at).map_or(XoOutcome::Passes, |&b| XoOutcome::Trips(b))
                    }
                    Some(k) if root_cycle != NONE => {
                        let cycle = &self.cycles[root_cycle as usize];
                        match cycle.nth_qualifying_from(self.cycle_pos[root as usize], k - u64::from(tail)) {
                            Some(b) => XoOutcome::Trips(b),
                            None => XoOutcome::NeverEnds,
                        }
                    }
                    Some(_) => XoOutcome::Passes,
                };
                info[vi] = ci;
                tail_counted[vi] = tail;
                stack.push((v, false));
                for &c in self.children(v).iter().rev() {
                    if !self.in_cycle(c) {
                        stack.push((c, true));
                    }
                }
            }
        }
        info
    }
}
