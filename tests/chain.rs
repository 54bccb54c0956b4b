//! The chain check and the space plan through the public Rust API: the worked examples of Xen
//! Orchestra's two algorithms, a property test against a literal reference model of them, the
//! storage manager's space formulas computed by hand, both input shapes, damaged records, and
//! scale (a 100,000-image chain).
#![allow(clippy::needless_range_loop)]

use serde_json::{json, Value};
use xapi_doctor::chain::space::{
    calc_overhead_empty, calc_size_vhd_lv, snapshot_need, thin_vhd_lv, Provisioning, GIB, MIB, MSIZE,
};
use xapi_doctor::{check_vdi_chains, check_vdi_chains_value, diagnose_text, plan_snapshot_space, ChainOptions, Options, Tolerance};

fn opts(tolerance: Tolerance) -> ChainOptions {
    ChainOptions { tolerance, ..ChainOptions::default() }
}

fn rule_ids(findings: &[xapi_doctor::Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.rule).collect()
}

/// XAPI records for VDIs given as (uuid, managed, is_snapshot, parent), one SR, and one VM
/// whose disks are `disks`.
fn xapi_records(vdis: &[(&str, bool, bool, Option<&str>)], disks: &[&str]) -> Value {
    let mut vdi = serde_json::Map::new();
    for (uuid, managed, snap, parent) in vdis {
        let sm = match parent {
            Some(p) => json!({ "vhd-parent": p }),
            None => json!({}),
        };
        vdi.insert(
            format!("OpaqueRef:{uuid}"),
            json!({ "uuid": uuid, "name_label": uuid, "managed": managed, "is_a_snapshot": snap, "SR": "OpaqueRef:sr", "sm_config": sm,
                    "virtual_size": "10737418240", "physical_utilisation": "1073741824" }),
        );
    }
    let mut vbd = serde_json::Map::new();
    let mut vbd_refs = Vec::new();
    for (i, d) in disks.iter().enumerate() {
        let r = format!("OpaqueRef:vbd{i}");
        vbd.insert(r.clone(), json!({ "VM": "OpaqueRef:vm", "VDI": format!("OpaqueRef:{d}"), "type": "Disk" }));
        vbd_refs.push(r);
    }
    let sr_vdis: Vec<String> = vdis.iter().map(|v| format!("OpaqueRef:{}", v.0)).collect();
    json!({
        "VM": { "OpaqueRef:vm": { "uuid": "vm-uuid", "name_label": "vm", "VBDs": vbd_refs } },
        "VBD": vbd,
        "VDI": vdi,
        "SR": { "OpaqueRef:sr": { "uuid": "sr-uuid", "name_label": "sr", "type": "lvm", "VDIs": sr_vdis,
                                   "physical_size": "1099511627776", "physical_utilisation": "107374182400" } }
    })
}

// ---- Worked examples of research/xo_chain_protection.md -------------------------------------

#[test]
fn leaf_coalesce_pending_passes_with_tolerance_0_and_1() {
    let r = xapi_records(&[("B1", false, false, None), ("L", true, false, Some("B1"))], &["L"]);
    for t in [0, 1] {
        let rep = check_vdi_chains_value(&r, &opts(Tolerance::Limit(t))).unwrap();
        let vm = &rep.vms[0];
        assert!(!vm.would_skip, "tolerance {t}");
        assert_eq!(vm.tripped_by, None);
        assert_eq!(vm.disks[0].pending_coalesce, 0);
        assert_eq!(vm.disks[0].pending_leaf_coalesce, 1);
        assert_eq!(vm.disks[0].depth, 2);
    }
}

fn two_pending() -> Value {
    xapi_records(
        &[
            ("R", false, false, None),
            ("B1", false, false, Some("R")),
            ("B2", false, false, Some("B1")),
            ("L", true, false, Some("B2")),
            ("S2", true, true, Some("B2")),
        ],
        &["L"],
    )
}

#[test]
fn two_pending_coalesces_trip_with_tolerance_0_and_1_not_2() {
    let r = two_pending();
    let rep = check_vdi_chains_value(&r, &opts(Tolerance::Limit(0))).unwrap();
    assert!(rep.vms[0].would_skip);
    assert_eq!(rep.vms[0].tripped_by.as_deref(), Some("B1"), "tolerance 0 trips at the first counted node");
    let rep = check_vdi_chains_value(&r, &opts(Tolerance::Limit(1))).unwrap();
    assert!(rep.vms[0].would_skip);
    assert_eq!(rep.vms[0].tripped_by.as_deref(), Some("R"), "tolerance 1 trips at the second");
    assert_eq!(rep.vms[0].tripped_disk.as_deref(), Some("L"));
    assert!(rep.findings.iter().any(|f| f.rule == "CH001" && f.params.get("trippedBy") == Some("R")));
    let node = rep.graph.as_ref().unwrap().nodes.iter().find(|n| n.id == "R").unwrap();
    assert!(node.flags.contains(&xapi_doctor::chain::NodeFlag::TrippedProtection));
    let rep = check_vdi_chains_value(&r, &opts(Tolerance::Limit(2))).unwrap();
    assert!(!rep.vms[0].would_skip);
    let no_graph = ChainOptions::from_json(r#"{"graph": false}"#).unwrap();
    assert!(check_vdi_chains_value(&r, &no_graph).unwrap().graph.is_none());
    assert_eq!(ChainOptions::from_json(r#"{"graph": 1}"#).unwrap_err().code(), "INVALID_OPTIONS");
    assert!(!rule_ids(&rep.findings).contains(&"CH001"));
    // Absent tolerance is the default, 1.
    let rep = check_vdi_chains(&r.to_string(), &ChainOptions::from_json("{}").unwrap()).unwrap();
    assert!(rep.vms[0].would_skip);
    // XO without maxUncoalescedVdis (NaN) never trips.
    let rep = check_vdi_chains_value(&r, &opts(Tolerance::from_js_number(f64::NAN))).unwrap();
    assert!(!rep.vms[0].would_skip);
    assert_eq!(rep.tolerance, None);
}

#[test]
fn xo_sr_count_quirk_is_reproduced_and_explained() {
    // R(2 children) <- B1(1 child) <- B2(L, S) and R <- C1(M, S') ; L listed before M.
    let r = xapi_records(
        &[
            ("L", true, false, Some("B2")),
            ("M", true, false, Some("C1")),
            ("R", false, false, None),
            ("B1", false, false, Some("R")),
            ("B2", false, false, Some("B1")),
            ("S", true, true, Some("B2")),
            ("C1", false, false, Some("R")),
            ("S3", true, true, Some("C1")),
        ],
        &["L", "M"],
    );
    let rep = check_vdi_chains_value(&r, &ChainOptions::default()).unwrap();
    let sr = &rep.srs[0];
    assert_eq!(sr.xo_vdis_to_coalesce, Some(1));
    assert_eq!(sr.vdis_to_coalesce, 1);
    let len = |id: &str| rep.graph.as_ref().unwrap().nodes.iter().find(|n| n.id == id).unwrap().xo_unhealthy_length;
    assert_eq!(len("L"), Some(1));
    assert_eq!(len("M"), Some(1), "M inherits B1's count through the shared cached object");
    assert!(sr.xo_difference.as_deref().unwrap().contains("per-disk lengths"), "{:?}", sr.xo_difference);
}

#[test]
fn xo_sr_count_counts_missing_parents_and_skips_snapshot_only_chains() {
    let r = xapi_records(
        &[
            ("L", true, false, Some("gone")),
            // A base copy with a single child that is a snapshot: the VM's disk was deleted.
            ("P", false, false, None),
            ("S", true, true, Some("P")),
        ],
        &["L"],
    );
    let rep = check_vdi_chains_value(&r, &ChainOptions::default()).unwrap();
    let sr = &rep.srs[0];
    assert_eq!(sr.xo_vdis_to_coalesce, Some(1), "XO counts the missing parent");
    assert_eq!(sr.vdis_to_coalesce, 1, "we count P's pending leaf coalesce");
    assert_eq!(sr.pending_leaf_coalesce, 1);
    assert_eq!(sr.missing_parents, 1);
    let diff = sr.xo_difference.as_deref().unwrap();
    assert!(diff.contains("missing parent") && diff.contains("only snapshots"), "{diff}");
    assert_eq!(rep.vms[0].disks[0].missing_parent.as_deref(), Some("gone"));
    assert!(!rep.vms[0].would_skip, "XO stops at a missing parent and calls the chain healthy");
    assert!(rule_ids(&rep.findings).contains(&"CH003"));
}

// ---- Property test: a literal reference model of Xen Orchestra's algorithms ----------------

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Clone, Debug)]
struct RVdi {
    uuid: String,
    managed: bool,
    snapshot: bool,
    parent: Option<String>,
    sr: usize,
}

#[derive(Debug, PartialEq)]
enum RefVerdict {
    Pass,
    Trip(String),
    Hang,
}

/// `assertHealthyVdiChains` as written in JavaScript, with `tolerance` a JS number; a walk
/// longer than `cap` steps is taken as never ending.
fn reference_check(vdis: &[RVdi], disks: &[usize], tolerance: f64) -> RefVerdict {
    let cap = 100_000;
    let mut seen = Vec::new();
    for &d in disks {
        if seen.contains(&d) {
            continue;
        }
        seen.push(d);
        let mut t = tolerance;
        let mut cur = d;
        let mut steps = 0;
        loop {
            steps += 1;
            if steps > cap {
                return RefVerdict::Hang;
            }
            let v = &vdis[cur];
            if !v.managed {
                let children: Vec<&RVdi> =
                    vdis.iter().filter(|c| c.sr == v.sr && c.parent.as_deref() == Some(v.uuid.as_str())).collect();
                if children.len() == 1 && !children[0].managed {
                    let old = t;
                    t -= 1.0;
                    if old <= 0.0 {
                        return RefVerdict::Trip(v.uuid.clone());
                    }
                }
            }
            match &v.parent {
                Some(p) => match vdis.iter().position(|x| &x.uuid == p) {
                    Some(i) => cur = i,
                    None => break,
                },
                None => break,
            }
        }
    }
    RefVerdict::Pass
}

/// `getVdiChainsInfo` of one SR as written in JavaScript (recursive, shared cache objects);
/// `None` when the recursion would overflow.
fn reference_sr_info(vdis: &[RVdi], sr: usize, order: &[usize]) -> Option<(u64, Vec<(String, u64)>)> {
    use std::cell::RefCell;
    use std::collections::HashMap;
    use std::rc::Rc;
    struct Ctx<'a> {
        vdis: &'a [RVdi],
        sr: usize,
        cache: HashMap<String, Rc<RefCell<u64>>>,
        n: u64,
    }
    fn info(ctx: &mut Ctx<'_>, uuid: &str, depth: usize) -> Option<Rc<RefCell<u64>>> {
        if depth > 1000 {
            return None;
        }
        if let Some(i) = ctx.cache.get(uuid) {
            return Some(i.clone());
        }
        let children = ctx.vdis.iter().filter(|c| c.sr == ctx.sr && c.parent.as_deref() == Some(uuid)).count();
        let unhealthy = u64::from(children == 1);
        ctx.n += unhealthy;
        let result = match ctx.vdis.iter().find(|v| v.uuid == uuid) {
            None => Rc::new(RefCell::new(unhealthy)),
            Some(v) => match v.parent.clone() {
                Some(p) => {
                    let i = info(ctx, &p, depth + 1)?;
                    *i.borrow_mut() += unhealthy;
                    i
                }
                None => Rc::new(RefCell::new(unhealthy)),
            },
        };
        ctx.cache.insert(uuid.to_string(), result.clone());
        Some(result)
    }
    let mut ctx = Ctx { vdis, sr, cache: HashMap::new(), n: 0 };
    let mut lengths = Vec::new();
    for &i in order {
        let v = &vdis[i];
        if v.managed && !v.snapshot {
            let got = info(&mut ctx, &v.uuid, 0)?;
            let value = *got.borrow();
            lengths.push((v.uuid.clone(), value));
        }
    }
    Some((ctx.n, lengths))
}

fn random_case(rng: &mut XorShift) -> (Vec<RVdi>, Vec<usize>, Vec<Vec<usize>>) {
    let n = 1 + rng.below(12) as usize;
    let two_srs = rng.chance(20);
    let mut vdis: Vec<RVdi> = (0..n)
        .map(|i| {
            let managed = rng.chance(40);
            RVdi {
                uuid: format!("v{i}"),
                managed,
                snapshot: managed && rng.chance(30),
                parent: None,
                sr: if two_srs { rng.below(2) as usize } else { 0 },
            }
        })
        .collect();
    for i in 0..n {
        let roll = rng.below(100);
        vdis[i].parent = if roll < 15 {
            None
        } else if roll < 22 {
            Some(format!("missing{}", rng.below(3)))
        } else if roll < 30 {
            // Anything, including itself and descendants: loops.
            Some(format!("v{}", rng.below(n as u64)))
        } else if i > 0 {
            // Mostly a tree: a parent created before.
            Some(format!("v{}", rng.below(i as u64)))
        } else {
            None
        };
    }
    let disks: Vec<usize> = (0..rng.below(4)).map(|_| rng.below(n as u64) as usize).collect();
    // Each SR's VDIs list, shuffled.
    let mut orders = vec![Vec::new(); 2];
    for (i, v) in vdis.iter().enumerate() {
        orders[v.sr].push(i);
    }
    for o in &mut orders {
        for k in (1..o.len()).rev() {
            let j = rng.below(k as u64 + 1) as usize;
            o.swap(k, j);
        }
    }
    (vdis, disks, orders)
}

fn to_xapi(vdis: &[RVdi], disks: &[usize], orders: &[Vec<usize>]) -> Value {
    let mut vdi = serde_json::Map::new();
    for v in vdis {
        let sm = v.parent.as_ref().map_or(json!({}), |p| json!({ "vhd-parent": p }));
        vdi.insert(
            format!("OpaqueRef:{}", v.uuid),
            json!({ "uuid": v.uuid, "managed": v.managed, "is_a_snapshot": v.snapshot, "SR": format!("OpaqueRef:sr{}", v.sr), "sm_config": sm }),
        );
    }
    let mut vbd = serde_json::Map::new();
    let mut refs = Vec::new();
    for (k, d) in disks.iter().enumerate() {
        let kind = if k == 0 { "CD" } else { "Disk" };
        vbd.insert(format!("OpaqueRef:vbd{k}"), json!({ "VM": "OpaqueRef:vm", "VDI": format!("OpaqueRef:{}", vdis[*d].uuid), "type": kind }));
        refs.push(format!("OpaqueRef:vbd{k}"));
    }
    let sr = |s: usize| json!({ "uuid": format!("sr{s}"), "type": "lvm", "VDIs": orders[s].iter().map(|&i| format!("OpaqueRef:{}", vdis[i].uuid)).collect::<Vec<_>>() });
    json!({
        "VM": { "OpaqueRef:vm": { "uuid": "vm", "VBDs": refs } },
        "VBD": vbd,
        "VDI": vdi,
        "SR": { "OpaqueRef:sr0": sr(0), "OpaqueRef:sr1": sr(1) }
    })
}

fn to_xo(vdis: &[RVdi], disks: &[usize], orders: &[Vec<usize>]) -> Value {
    // In the SR order, as xo-server would list them.
    let list: Vec<Value> = orders
        .iter()
        .flatten()
        .map(|&i| {
            let v = &vdis[i];
            let kind = match (v.managed, v.snapshot) {
                (false, _) => "VDI-unmanaged",
                (true, true) => "VDI-snapshot",
                (true, false) => "VDI",
            };
            let mut o = json!({ "type": kind, "id": v.uuid, "uuid": v.uuid, "$SR": format!("sr{}", v.sr) });
            if let Some(p) = &v.parent {
                o["parent"] = json!(p);
            }
            o
        })
        .collect();
    let vbds: Vec<Value> = disks
        .iter()
        .enumerate()
        .map(|(k, d)| json!({ "type": "VBD", "uuid": format!("vbd{k}"), "VM": "vm", "VDI": vdis[*d].uuid, "is_cd_drive": k == 0 }))
        .collect();
    let vbd_ids: Vec<String> = (0..disks.len()).map(|k| format!("vbd{k}")).collect();
    json!({
        "VM": [{ "type": "VM", "uuid": "vm", "$VBDs": vbd_ids }],
        "VBD": vbds,
        "VDI": list,
        "SR": [{ "type": "SR", "uuid": "sr0", "SR_type": "lvm" }, { "type": "SR", "uuid": "sr1", "SR_type": "lvm" }]
    })
}

#[test]
fn verdicts_match_a_literal_reference_model_on_random_chains() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let tolerances: [(Option<f64>, &str); 7] = [
        (Some(0.0), "0"),
        (Some(1.0), "1"),
        (Some(2.0), "2"),
        (None, "absent"),
        (Some(f64::NAN), "NaN"),
        (Some(0.5), "0.5"),
        (Some(-1.0), "-1"),
    ];
    let (mut trips, mut hangs, mut cycles, mut missing) = (0, 0, 0, 0);
    for case in 0..1500 {
        let (vdis, disks, orders) = random_case(&mut rng);
        let xapi = to_xapi(&vdis, &disks, &orders);
        let xo = to_xo(&vdis, &disks, &orders);
        for (t, label) in tolerances {
            let tolerance = t.map_or(Tolerance::default(), Tolerance::from_js_number);
            let js_value = t.unwrap_or(1.0); // our API's default is XO's shipped default, 1
            let expected = reference_check(&vdis, &disks, js_value);
            for (shape, records) in [("xapi", &xapi), ("xo", &xo)] {
                let rep = check_vdi_chains_value(records, &opts(tolerance)).unwrap();
                let vm = &rep.vms[0];
                let got = if vm.would_skip {
                    RefVerdict::Trip(vm.tripped_by.clone().unwrap())
                } else if vm.check_never_ends {
                    RefVerdict::Hang
                } else {
                    RefVerdict::Pass
                };
                assert_eq!(got, expected, "case {case}, tolerance {label}, {shape}: {vdis:?} disks {disks:?}");
                match &got {
                    RefVerdict::Trip(_) => trips += 1,
                    RefVerdict::Hang => hangs += 1,
                    RefVerdict::Pass => {}
                }
                cycles += vm.disks.iter().filter(|d| d.cycle).count();
                missing += vm.disks.iter().filter(|d| d.missing_parent.is_some()).count();
            }
        }
        // Xen Orchestra's SR view, per SR, in the SR's VDIs order.
        let rep = check_vdi_chains_value(&xapi, &ChainOptions::default()).unwrap();
        for s in 0..2 {
            let Some(sr) = rep.srs.iter().find(|x| x.id == format!("sr{s}")) else { continue };
            let expected = reference_sr_info(&vdis, s, &orders[s]);
            assert_eq!(sr.xo_vdis_to_coalesce, expected.as_ref().map(|e| e.0), "case {case} sr{s}: {vdis:?}");
            if let Some((_, lengths)) = expected {
                for (uuid, len) in lengths {
                    let node = rep.graph.as_ref().unwrap().nodes.iter().find(|n| n.id == uuid).unwrap();
                    assert_eq!(node.xo_unhealthy_length, Some(len), "case {case} sr{s} {uuid}: {vdis:?}");
                }
            }
        }
    }
    // The generator exercises every outcome.
    assert!(trips > 400 && hangs > 20 && cycles > 40 && missing > 40, "{trips} {hangs} {cycles} {missing}");
}

// ---- Space: the storage manager's formulas, by hand ----------------------------------------

#[test]
fn lvhd_formulas_match_hand_computed_values() {
    assert_eq!(calc_overhead_empty(MSIZE), 4_329_472);
    assert_eq!(thin_vhd_lv(), 8 * MIB);
    assert_eq!(calc_size_vhd_lv(10 * GIB) - 10 * GIB, 28 * MIB);
    assert_eq!(calc_size_vhd_lv(100 * GIB) - 100 * GIB, 208 * MIB);
    assert_eq!(calc_size_vhd_lv(1024 * GIB) - 1024 * GIB, 2056 * MIB);
    assert_eq!(calc_size_vhd_lv(2040 * GIB) - 2040 * GIB, 4088 * MIB);
    // 10 GiB: 5120 blocks -> BAT 20480 + 3072 = 23552 (a multiple of 512) + batmap 640 = 24192 -> 24576.
    assert_eq!(calc_overhead_empty(10 * GIB), 24_576);
    // 100 GiB: 51200 blocks -> 204800 + 3072 = 207872 + 6400 = 214272 -> 217088.
    assert_eq!(calc_overhead_empty(100 * GIB), 217_088);
    assert_eq!(snapshot_need(Provisioning::Thick, 10 * GIB), 10 * GIB + 28 * MIB + 16 * MIB);
    assert_eq!(snapshot_need(Provisioning::Thin, 10 * GIB), 2 * 24_576);
    // Absurd sizes saturate instead of overflowing.
    assert_eq!(snapshot_need(Provisioning::Thick, u64::MAX), u64::MAX);
    assert!(snapshot_need(Provisioning::Thin, u64::MAX) > 0);
}

#[test]
fn thick_plan_matches_the_formulas() {
    let input = json!({
        "sr": { "uuid": "sr-1", "name_label": "iSCSI", "type": "lvmoiscsi", "physical_size": (200 * GIB).to_string(), "physical_utilisation": 50 * GIB },
        "vdis": [
            { "uuid": "d10", "virtual_size": 10 * GIB },
            { "uuid": "d100", "virtual_size": (100 * GIB).to_string() }
        ]
    });
    let p = plan_snapshot_space(&input.to_string()).unwrap();
    assert_eq!(p.provisioning, Provisioning::Thick);
    assert_eq!(p.per_vdi[0].required_bytes, Some(10 * GIB + 44 * MIB));
    assert_eq!(p.per_vdi[1].required_bytes, Some(100 * GIB + 224 * MIB));
    assert_eq!(p.required_bytes, 110 * GIB + 268 * MIB);
    assert_eq!(p.free_bytes, Some(150 * GIB));
    assert_eq!(p.fits, Some(true));
    assert_eq!(p.max_concurrency, Some(2));
    assert!(p.findings.is_empty(), "negative fixture for SP001: {:?}", rule_ids(&p.findings));

    // 100 GiB free: the 100 GiB disk alone needs 100 GiB + 224 MiB.
    let mut tight = input.clone();
    tight["sr"]["physical_utilisation"] = json!(100 * GIB);
    tight["vdis"] = json!([{ "uuid": "d10", "virtual_size": 10 * GIB }, { "uuid": "d20", "virtual_size": 20 * GIB },
                           { "uuid": "d1t", "virtual_size": 1024 * GIB }, { "uuid": "d2040", "virtual_size": 2040 * GIB }]);
    tight["concurrency"] = json!(2);
    let p = plan_snapshot_space(&tight.to_string()).unwrap();
    assert_eq!(p.per_vdi[2].required_bytes, Some(1024 * GIB + 2056 * MIB + 16 * MIB));
    assert_eq!(p.per_vdi[3].required_bytes, Some(2040 * GIB + 4088 * MIB + 16 * MIB));
    // The two largest at once.
    assert_eq!(p.required_bytes, 3064 * GIB + 6144 * MIB + 32 * MIB);
    assert_eq!(p.fits, Some(false));
    assert_eq!(p.max_concurrency, Some(0), "the largest disk alone does not fit");
    let f = p.findings.iter().find(|f| f.rule == "SP001").unwrap();
    assert_eq!(f.severity, xapi_doctor::Severity::Error);
    assert_eq!(f.codes, vec!["SR_BACKEND_FAILURE_44".to_string()]);

    // Small disks only: 2 of 3 fit.
    tight["vdis"] = json!([{ "uuid": "a", "virtual_size": 40 * GIB }, { "uuid": "b", "virtual_size": 40 * GIB }, { "uuid": "c", "virtual_size": 40 * GIB }]);
    tight["concurrency"] = json!(3);
    let p = plan_snapshot_space(&tight.to_string()).unwrap();
    assert_eq!(p.fits, Some(false));
    assert_eq!(p.max_concurrency, Some(2));
    let f = p.findings.iter().find(|f| f.rule == "SP001").unwrap();
    assert!(f.remediation.iter().any(|s| s.text.contains("concurrency to 2 snapshot")), "{:?}", f.remediation);
}

#[test]
fn thin_plan_needs_almost_nothing() {
    let input = json!({
        "sr": { "uuid": "nfs", "type": "nfs", "physical_size": 100 * GIB, "physical_utilisation": 99 * GIB },
        "vdis": [{ "uuid": "d10", "virtual_size": 10 * GIB }, { "uuid": "d100", "virtual_size": 100 * GIB }]
    });
    let p = plan_snapshot_space(&input.to_string()).unwrap();
    assert_eq!(p.provisioning, Provisioning::Thin);
    assert_eq!(p.required_bytes, 2 * 24_576 + 2 * 217_088);
    assert_eq!(p.fits, Some(true));
    assert_eq!(p.max_concurrency, Some(2));
}

#[test]
fn plan_reports_unreclaimed_space_and_the_61_hotfix() {
    let input = json!({
        "sr": { "uuid": "sr", "type": "lvm", "physical_size": 2048 * GIB, "physical_utilisation": 1600 * GIB },
        "vdis": [{ "uuid": "d", "virtual_size": 100 * GIB }],
        "srVdis": [{ "uuid": "d", "managed": true, "physical_utilisation": 101 * GIB },
                   { "uuid": "b", "managed": false, "physical_utilisation": 900 * GIB }],
        "hostVersion": "6.1.0"
    });
    let p = plan_snapshot_space(&input.to_string()).unwrap();
    assert_eq!(p.unreclaimed_bytes, Some(1499 * GIB));
    let ids = rule_ids(&p.findings);
    assert!(ids.contains(&"SP002") && ids.contains(&"HV061"), "{ids:?}");
    // Negative: visible disks account for the use; another version.
    let mut ok = input.clone();
    ok["sr"]["physical_utilisation"] = json!(102 * GIB);
    ok["hostVersion"] = json!("8.2.1");
    let p = plan_snapshot_space(&ok.to_string()).unwrap();
    assert_eq!(p.unreclaimed_bytes, Some(GIB));
    assert!(p.findings.is_empty(), "{:?}", rule_ids(&p.findings));
    // Without srVdis the figure is unknown.
    ok.as_object_mut().unwrap().remove("srVdis");
    assert_eq!(plan_snapshot_space(&ok.to_string()).unwrap().unreclaimed_bytes, None);
}

#[test]
fn plan_errors_and_missing_sizes() {
    assert_eq!(plan_snapshot_space("[]").unwrap_err().code(), "INVALID_RECORDS");
    assert_eq!(plan_snapshot_space(r#"{"vdis": []}"#).unwrap_err().code(), "INVALID_RECORDS");
    assert_eq!(plan_snapshot_space(r#"{"sr": {}}"#).unwrap_err().code(), "INVALID_RECORDS");
    assert_eq!(plan_snapshot_space(r#"{"sr": {}, "vdis": [], "concurrency": 0}"#).unwrap_err().code(), "INVALID_INPUT");
    assert_eq!(plan_snapshot_space(r#"{"sr": {}, "vdis": [], "concurrency": 1.5}"#).unwrap_err().code(), "INVALID_INPUT");
    assert_eq!(plan_snapshot_space("not json").unwrap_err().code(), "INVALID_RECORDS");
    let p = plan_snapshot_space(r#"{"sr": {"type": "lvm"}, "vdis": [{"uuid": "x"}, {"uuid": "y", "virtual_size": -5}, {"uuid": "z", "virtual_size": "18446744073709551615"}]}"#).unwrap();
    assert_eq!(p.fits, None);
    assert_eq!(p.free_bytes, None);
    assert_eq!(p.per_vdi[0].required_bytes, None);
    assert_eq!(p.per_vdi[1].required_bytes, None);
    assert_eq!(p.per_vdi[2].required_bytes, Some(u64::MAX));
    assert!(p.warnings.iter().any(|w| w.message.contains("negative")));
    assert!(p.warnings.iter().any(|w| w.message.contains("1 EiB")));
    // Serialises (u64::MAX as a JS-safe number).
    serde_json::to_string(&p).unwrap();
}

// ---- Shapes, damaged records, rule examples -------------------------------------------------

#[test]
fn xapi_and_xo_shapes_give_the_same_report() {
    let mut rng = XorShift(42);
    for _ in 0..200 {
        let (vdis, disks, orders) = random_case(&mut rng);
        let a = check_vdi_chains_value(&to_xapi(&vdis, &disks, &orders), &ChainOptions::default()).unwrap();
        let b = check_vdi_chains_value(&to_xo(&vdis, &disks, &orders), &ChainOptions::default()).unwrap();
        let strip = |r: &xapi_doctor::ChainReport| {
            let vms: Vec<_> = r.vms.iter().map(|v| (v.would_skip, v.tripped_by.clone(), v.disks.iter().map(|d| (d.id.clone(), d.depth, d.pending_coalesce, d.pending_leaf_coalesce, d.cycle)).collect::<Vec<_>>())).collect();
            let srs: Vec<_> = r.srs.iter().map(|s| (s.id.clone(), s.vdis_to_coalesce, s.xo_vdis_to_coalesce, s.orphans, s.missing_parents, s.cycles)).collect();
            let rules: Vec<_> = r.findings.iter().map(|f| f.rule).collect();
            (vms, srs, rules, r.graph.as_ref().unwrap().nodes.len(), r.graph.as_ref().unwrap().edges.len())
        };
        assert_eq!(strip(&a), strip(&b));
    }
}

#[test]
fn damaged_records_are_reported_not_fatal() {
    let r = json!({
        "VM": { "OpaqueRef:vm": { "uuid": "vm", "VBDs": ["OpaqueRef:vbd", "OpaqueRef:gone", "OpaqueRef:NULL", "OpaqueRef:cd", "OpaqueRef:d2"] }, "OpaqueRef:bad": 5 },
        "VBD": { "OpaqueRef:vbd": { "VM": "OpaqueRef:vm", "VDI": "OpaqueRef:nowhere" },
                 "OpaqueRef:cd": { "VM": "OpaqueRef:vm", "VDI": "OpaqueRef:NULL", "type": "CD" },
                 "OpaqueRef:d2": { "VM": "OpaqueRef:vm", "VDI": "OpaqueRef:x" } },
        "VDI": { "OpaqueRef:x": { "uuid": "x", "SR": "OpaqueRef:unknown-sr", "virtual_size": "12abc", "physical_utilisation": 1.5 },
                 "OpaqueRef:y": { "uuid": "x", "managed": true },
                 "OpaqueRef:z": { "managed": false, "sm_config": { "vhd-parent": "x" } } },
        "SR": {}
    });
    let rep = check_vdi_chains_value(&r, &ChainOptions::default()).unwrap();
    use xapi_doctor::chain::WarningKind::*;
    let kinds: Vec<_> = rep.warnings.iter().map(|w| w.kind).collect();
    for k in [DanglingRef, MissingField, DuplicateUuid, AbsurdValue, NotARecord] {
        assert!(kinds.contains(&k), "{k:?} in {:?}", rep.warnings);
    }
    assert_eq!(rep.vms.len(), 1);
    assert_eq!(rep.vms[0].disks.len(), 1, "the dangling VDI and the empty CD are skipped");
    serde_json::to_string(&rep).unwrap();
}

#[test]
fn unusable_records_are_errors() {
    for bad in ["[]", "5", "{}", r#"{"VDI": 3}"#, r#"{"VDI": {}, "VM": "x"}"#, "{not json"] {
        let e = check_vdi_chains(bad, &ChainOptions::default()).unwrap_err();
        assert_eq!(e.code(), "INVALID_RECORDS", "{bad}");
    }
    assert_eq!(ChainOptions::from_json("[1]").unwrap_err().code(), "INVALID_OPTIONS");
    // Deep nesting anywhere is skipped or refused, never recursed into.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let rep = check_vdi_chains(&format!(r#"{{"VDI": {deep}}}"#), &ChainOptions::default()).unwrap();
    assert_eq!(rep.warnings[0].kind, xapi_doctor::chain::WarningKind::NotARecord);
    let nested = format!(r#"{{"VDI": [{{"uuid": "a", "other_config": {deep}, "sm_config": {deep}, "virtual_size": {deep}}}]}}"#);
    assert_eq!(check_vdi_chains(&nested, &ChainOptions::default()).unwrap().graph.unwrap().nodes.len(), 1);
}

#[test]
fn cycles_terminate_and_are_reported() {
    let r = xapi_records(&[("A", false, false, Some("B")), ("B", false, false, Some("A")), ("L", true, false, Some("A"))], &["L"]);
    // A and B each have one unmanaged child in the loop: XO trips on a lap.
    let rep = check_vdi_chains_value(&r, &ChainOptions::default()).unwrap();
    assert!(rep.vms[0].would_skip);
    assert!(rep.vms[0].disks[0].cycle);
    assert_eq!(rep.srs[0].xo_vdis_to_coalesce, None, "XO's recursion overflows");
    assert!(rule_ids(&rep.findings).contains(&"CH004"));
    // A self-loop on a managed node: nothing counted, XO would never finish.
    let r = xapi_records(&[("L", true, false, Some("L"))], &["L"]);
    let rep = check_vdi_chains_value(&r, &ChainOptions::default()).unwrap();
    assert!(!rep.vms[0].would_skip);
    assert!(rep.vms[0].check_never_ends);
    assert_eq!(rep.vms[0].disks[0].snapshots_left, 0);
    assert!(rep.graph.as_ref().unwrap().nodes[0].flags.contains(&xapi_doctor::chain::NodeFlag::InCycle));
}

#[test]
fn a_100000_image_chain_does_not_recurse() {
    let n = 100_000;
    let mut vdis = Vec::with_capacity(n + 1);
    for i in 0..n {
        let mut o = json!({ "type": "VDI-unmanaged", "uuid": format!("b{i}"), "$SR": "sr" });
        if i > 0 {
            o["parent"] = json!(format!("b{}", i - 1));
        }
        vdis.push(o);
    }
    vdis.push(json!({ "type": "VDI", "uuid": "leaf", "parent": format!("b{}", n - 1), "$SR": "sr" }));
    let r = json!({ "VM": [{ "type": "VM", "uuid": "vm", "$VBDs": ["vbd"] }], "VBD": [{ "uuid": "vbd", "VM": "vm", "VDI": "leaf" }],
                    "VDI": vdis, "SR": [{ "type": "SR", "uuid": "sr", "SR_type": "ext" }] });
    let text = r.to_string();
    let rep = check_vdi_chains(&text, &opts(Tolerance::Limit(50_000))).unwrap();
    let d = &rep.vms[0].disks[0];
    assert_eq!(d.depth, 100_001);
    assert_eq!(d.pending_coalesce, 99_999);
    assert!(rep.vms[0].would_skip);
    // Tolerance 50,000: trips at the 50,001st counted node walking up from the leaf.
    assert_eq!(rep.vms[0].tripped_by.as_deref(), Some("b49998"));
    assert_eq!(rep.srs[0].xo_vdis_to_coalesce, Some(100_000), "every base copy has one child");
    assert_eq!(rep.srs[0].vdis_to_coalesce, 100_000);
    assert_eq!((rep.srs[0].pending_coalesce, rep.srs[0].pending_leaf_coalesce), (99_999, 1));
    // A loop closing such a chain terminates too.
    let mut r2 = r.clone();
    r2["VDI"][0]["parent"] = json!("leaf");
    let rep = check_vdi_chains_value(&r2, &ChainOptions::default()).unwrap();
    assert!(rep.vms[0].disks[0].cycle);
    serde_json::to_string(&rep).unwrap();
}

#[test]
fn every_chain_and_space_rule_example_fires_through_diagnose() {
    for rule in xapi_doctor::list_rules().iter().filter(|r| r.id.starts_with("CH") || r.id.starts_with("SP")) {
        let d = diagnose_text(rule.example, &Options::default()).unwrap();
        assert!(rule_ids(&d.findings).contains(&rule.id), "{}: {:?}", rule.id, rule_ids(&d.findings));
        // SP003 reads a pasted SR view (XenCenter's usage row), not records.
        assert!(d.chains.is_some() || d.space_plan.is_some() || rule.id == "SP003", "{}", rule.id);
        for f in d.findings.iter().filter(|f| f.rule == rule.id) {
            assert!(!f.summary.is_empty() && !f.cause.is_empty() && !f.remediation.is_empty(), "{}", rule.id);
        }
    }
}

#[test]
fn healthy_records_give_no_chain_findings() {
    // Negative fixture for CH001–CH006: a VM with two kept snapshots (branch points) and a
    // shallow chain, nothing pending, nothing missing, nothing orphaned.
    let r = xapi_records(
        &[
            ("B0", false, false, None),
            ("S0", true, true, Some("B0")),
            ("B1", false, false, Some("B0")),
            ("S1", true, true, Some("B1")),
            ("L", true, false, Some("B1")),
        ],
        &["L"],
    );
    let d = diagnose_text(&r.to_string(), &Options::default()).unwrap();
    assert_eq!(d.kind, xapi_doctor::InputKind::Records);
    assert!(d.findings.is_empty(), "{:?}", rule_ids(&d.findings));
    let rep = d.chains.unwrap();
    assert_eq!(rep.vms[0].disks[0].depth, 3);
    assert_eq!(rep.vms[0].disks[0].snapshots_left, 27);
    assert_eq!(rep.vms[0].disks[0].branch_points, 2);
    assert_eq!(rep.srs[0].vdis_to_coalesce, 0);
    assert_eq!(rep.srs[0].xo_vdis_to_coalesce, Some(0));
    assert_eq!(rep.srs[0].xo_difference, None);
    // The SR uses 100 GiB for 3 × 1 GiB of visible disks, but without pending work or orphans
    // that is the snapshots' base copies: no SP002 from the chain check.
    assert!(rep.srs[0].unreclaimed_bytes.unwrap() > 90 * GIB);
}

#[test]
fn near_limit_names_the_snapshots_to_delete() {
    // 27 snapshots kept: chain of 28 images, 2 left.
    let mut vdis: Vec<(String, bool, bool, Option<String>)> = Vec::new();
    for i in 0..27 {
        vdis.push((format!("B{i}"), false, false, (i > 0).then(|| format!("B{}", i - 1))));
        vdis.push((format!("S{i}"), true, true, Some(format!("B{i}"))));
    }
    vdis.push(("L".into(), true, false, Some("B26".into())));
    let borrowed: Vec<(&str, bool, bool, Option<&str>)> = vdis.iter().map(|(a, b, c, d)| (a.as_str(), *b, *c, d.as_deref())).collect();
    let mut r = xapi_records(&borrowed, &["L"]);
    let vms = r["VM"].as_object_mut().unwrap();
    for i in 0..12 {
        vms.insert(
            format!("OpaqueRef:snapvm{i}"),
            json!({ "uuid": format!("snap-{i:02}"), "name_label": format!("nightly {i:02}"), "is_a_snapshot": true,
                    "snapshot_of": "OpaqueRef:vm", "snapshot_time": format!("202401{:02}T00:00:00Z", 20 - i) }),
        );
    }
    let rep = check_vdi_chains_value(&r, &ChainOptions::default()).unwrap();
    assert_eq!(rep.vms.len(), 1, "VM snapshots are not checked as VMs");
    let d = &rep.vms[0].disks[0];
    assert_eq!((d.depth, d.snapshots_left, d.branch_points), (28, 2, 27));
    let f = rep.findings.iter().find(|f| f.rule == "CH002").unwrap();
    assert_eq!(f.severity, xapi_doctor::Severity::Warning);
    let cmds: Vec<&str> = f.remediation.iter().filter_map(|s| s.command.as_deref()).collect();
    // Oldest first: snapshot 11 was taken on the 9th.
    assert!(cmds.contains(&"xe snapshot-uninstall snapshot-uuid=snap-11 force=true"), "{cmds:?}");
    let first_delete = cmds.iter().position(|c| c.starts_with("xe snapshot-uninstall")).unwrap();
    assert_eq!(cmds[first_delete], "xe snapshot-uninstall snapshot-uuid=snap-11 force=true");
    assert!(f.remediation.iter().any(|s| s.text.contains("2 more")));
}

#[test]
fn disks_come_from_the_vms_vbd_list_like_xen_orchestra() {
    let r = json!({
        "VM": { "OpaqueRef:a": { "uuid": "a", "VBDs": ["OpaqueRef:1"] }, "OpaqueRef:b": { "uuid": "b" } },
        "VBD": { "OpaqueRef:1": { "VM": "OpaqueRef:a", "VDI": "OpaqueRef:x" },
                 "OpaqueRef:2": { "VM": "OpaqueRef:a", "VDI": "OpaqueRef:y" },
                 "OpaqueRef:3": { "VM": "OpaqueRef:b", "VDI": "OpaqueRef:y" } },
        "VDI": { "OpaqueRef:x": { "uuid": "x", "managed": true }, "OpaqueRef:y": { "uuid": "y", "managed": true } }
    });
    let rep = check_vdi_chains_value(&r, &ChainOptions::default()).unwrap();
    let disks = |i: usize| rep.vms[i].disks.iter().map(|d| d.id.clone()).collect::<Vec<_>>();
    assert_eq!(disks(0), vec!["x"], "a VBD missing from the VM's list is not checked, as in Xen Orchestra");
    assert_eq!(disks(1), vec!["y"], "without a list, the VBDs that name the VM stand in");
}

#[test]
fn the_top_level_objects_are_read_key_by_key() {
    let r = two_pending();
    let expected = check_vdi_chains_value(&r, &ChainOptions::default()).unwrap();
    // A key given twice keeps its last value (as JSON.parse does); unknown keys are skipped.
    let text = r.to_string();
    let twice = format!(r#"{{"VDI": {{}}, "other": [1, {{"a": 2}}], {}"#, &text[1..]);
    let rep = check_vdi_chains(&twice, &ChainOptions::default()).unwrap();
    assert_eq!(rep.vms.len(), expected.vms.len());
    assert_eq!(rep.vms[0].would_skip, expected.vms[0].would_skip);
    for bad in ["[]", "[{}, {}, {}, {}]", "5", r#""VM""#] {
        let err = check_vdi_chains(bad, &ChainOptions::default()).unwrap_err();
        assert_eq!(err.code(), "INVALID_RECORDS", "{bad}");
        assert!(err.to_string().contains("must be an object"), "{bad}: {err}");
        assert_eq!(plan_snapshot_space(bad).unwrap_err().code(), "INVALID_RECORDS", "{bad}");
    }
}
