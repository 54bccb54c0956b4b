//! Input generators and oracles shared by the fuzz targets.
//!
//! Structured targets read the fuzzer's bytes through `arbitrary::Unstructured` to build JSON
//! from a vocabulary of the keys and values the parsers look for (so that mutations reach the
//! interesting shapes quickly), and pool records as a graph (refs, dangling refs, cycles, odd
//! sizes). Inputs that start with `{` or `[` are taken as JSON text instead, so the committed
//! seeds can be real fixtures.

use arbitrary::{Result, Unstructured};
use serde_json::{json, Map, Value};

/// Keys the recognisers of `diagnose` look for.
pub const KEYS: &[&str] = &[
    "Status", "ErrorDescription", "Value", "jsonrpc", "id", "result", "error", "code", "message", "data", "params",
    "name", "stack", "call", "method", "task", "error_info", "errors", "tasks", "status", "start", "end", "jobId",
    "jobName", "type", "name_label", "warnings", "VM", "VBD", "VDI", "SR", "sr", "vdis", "concurrency",
    "hostVersion", "srVdis", "uuid", "managed", "sm_config", "vhd-parent", "virtual_size", "physical_utilisation",
    "physical_size", "VDIs", "VBDs", "$SR", "$VBDs", "$VDI", "$VM", "parent", "size", "usage", "is_a_snapshot",
    "mode", "reportWhen", "context", "srType", "hostVersion", "maxInputBytes", "maxLineBytes", "maxFindings",
    "maxRecords",
];

/// String values that mean something to a recogniser or a rule.
pub const WORDS: &[&str] = &[
    "Failure", "failure", "success", "skipped", "interrupted", "pending", "backup", "VM", "SR", "XapiError",
    "Error", "AggregateError", "2.0", "SR_BACKEND_FAILURE_44", "SR_BACKEND_FAILURE_109", "SR_BACKEND_FAILURE_46",
    "SR_BACKEND_FAILURE_78", "VDI_IO_ERROR", "VDI_IN_USE", "INTERNAL_ERROR", "HANDLE_INVALID", "VM_BAD_POWER_STATE",
    "LICENCE_RESTRICTION", "SR_HAS_NO_PBDS", "OpaqueRef:NULL", "unhealthy VDI chain", "ENOSPC",
    "There is insufficient space", "The snapshot chain is too long", "VM.snapshot", "lvmoiscsi", "ext", "nfs",
    "VDI", "VDI-snapshot", "VDI-unmanaged", "true", "false", "", "8.2.1", "6.1.0",
    "SR_BACKEND_FAILURE_44(, There is insufficient space, )",
    "Storage_error ([S(Backend_error);[S(SR_BACKEND_FAILURE_46);[S(The VDI is not available);S()]]])",
    "8ebe6c89-003a-6e25-eb10-3d791ca3c3ae", "18446744073709551615", "-1", "1e300", "NaN", "0.5",
];

/// A JSON value built from the fuzzer's bytes: mostly vocabulary, sometimes arbitrary text,
/// numbers at the edges, and now and then a deep nest.
pub fn json_value(u: &mut Unstructured<'_>, depth: u32) -> Result<Value> {
    let pick = if depth >= 6 { u.int_in_range(0..=5)? } else { u.int_in_range(0..=9)? };
    Ok(match pick {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => number(u)?,
        3 | 4 => Value::String(string(u)?),
        5 => Value::String((*u.choose(WORDS)?).to_string()),
        6 | 7 => {
            let n = u.int_in_range(0..=6)?;
            let mut map = Map::new();
            for _ in 0..n {
                let key = if u.ratio(7, 8)? { (*u.choose(KEYS)?).to_string() } else { string(u)? };
                map.insert(key, json_value(u, depth + 1)?);
            }
            Value::Object(map)
        }
        8 => {
            let n = u.int_in_range(0..=6)?;
            Value::Array((0..n).map(|_| json_value(u, depth + 1)).collect::<Result<_>>()?)
        }
        _ => {
            // A deep nest: arrays or objects up to 300 levels (beyond serde_json's limit of 128).
            let levels = u.int_in_range(1..=300)?;
            let mut v = json_value(u, 6)?;
            for _ in 0..levels {
                v = if u.ratio(1, 2)? { Value::Array(vec![v]) } else { json!({ "tasks": [v] }) };
            }
            v
        }
    })
}

/// Numbers at the edges of what sizes and counts meet.
pub fn number(u: &mut Unstructured<'_>) -> Result<Value> {
    Ok(match u.int_in_range(0..=7)? {
        0 => json!(u.arbitrary::<u64>()?),
        1 => json!(u.arbitrary::<i64>()?),
        2 => json!(u64::MAX),
        3 => json!(i64::MIN),
        4 => serde_json::Number::from_f64(u.arbitrary::<f64>()?).map_or(Value::Null, Value::Number),
        5 => json!(1e300),
        6 => json!(0.5),
        _ => json!(u.int_in_range(0u64..=40)?),
    })
}

/// Arbitrary text, sometimes built from the vocabulary.
pub fn string(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(1, 3)? {
        let n = u.int_in_range(1..=4)?;
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(u.choose(WORDS)?);
            s.push_str(u.choose(&["(", ", ", ")", " ", "\n", "[", "]", "'", ": "])?);
        }
        return Ok(s);
    }
    u.arbitrary()
}

/// One tolerance option of the chain check, as JavaScript could pass it.
pub fn tolerance(u: &mut Unstructured<'_>) -> Result<xapi_doctor::Tolerance> {
    use xapi_doctor::Tolerance;
    Ok(match u.int_in_range(0..=4)? {
        0 => Tolerance::default(),
        1 => Tolerance::Unlimited,
        2 => Tolerance::Limit(u.int_in_range(0..=4)?),
        3 => Tolerance::Limit(u.arbitrary()?),
        _ => Tolerance::from_js_number(u.arbitrary()?),
    })
}

// ---- Pool records ------------------------------------------------------------------------

/// A size field as a client may send it.
fn size_value(u: &mut Unstructured<'_>, clean: &mut bool) -> Result<Option<Value>> {
    let v = match u.int_in_range(0..=11)? {
        0 => return Ok(None),
        1..=3 => json!(u.int_in_range(0u64..=(1 << 42))?),
        4 => json!(u.int_in_range(0u64..=(1 << 42))?.to_string()),
        5 => json!(u64::MAX),
        6 => json!(-(u.int_in_range(1i64..=1 << 40)?)),
        7 => json!(1e300),
        8 => json!(1.5),
        9 => json!("18446744073709551616"),
        10 => json!("lots"),
        _ => number(u)?,
    };
    if !matches!(v, Value::Number(_)) || v.as_u64().is_none() {
        *clean = false;
    }
    Ok(Some(v))
}

/// What the reference model needs of one VDI.
#[derive(Debug, Clone)]
pub struct ModelVdi {
    pub uuid: String,
    pub managed: bool,
    pub parent: Option<String>,
    pub sr: Option<String>,
}

/// What the reference model needs of one VM (not a snapshot or template).
#[derive(Debug, Clone)]
pub struct ModelVm {
    pub key: String,
    /// The VDI refs of its VBDs, in order (null refs already dropped).
    pub disks: Vec<String>,
}

/// Generated records, and the model of them when they are clean enough for the oracle.
pub struct GeneratedRecords {
    pub json: Value,
    /// `Some` when every field is well formed (XAPI shape, unique uuids, booleans as booleans,
    /// every VBD resolving), so that the reference model applies.
    pub model: Option<(Vec<ModelVdi>, Vec<ModelVm>)>,
}

/// Pool records `{ VM, VBD, VDI, SR }` as a graph: a few SRs, VDIs whose parents point to other
/// VDIs, to themselves, to nothing or to uuids nobody has, VMs with VBDs (some dangling).
pub fn records(u: &mut Unstructured<'_>) -> Result<GeneratedRecords> {
    let mut clean = true;
    let xo_shape = u.ratio(1, 4)?;
    if xo_shape {
        clean = false;
    }
    let n_srs = u.int_in_range(0..=3)?;
    let n_vdis = u.int_in_range(0..=24)?;
    let n_vms = u.int_in_range(0..=5)?;
    let sr_ref = |k: u32| format!("OpaqueRef:sr{k}");
    let vdi_ref = |k: u32| format!("OpaqueRef:vdi{k}");
    let vdi_uuid = |k: u32| format!("00000000-0000-0000-0000-{k:012}");

    let mut srs = Vec::new();
    for k in 0..n_srs {
        let mut sr = Map::new();
        sr.insert("uuid".into(), json!(format!("5b1c2a3e-0000-0000-0000-{k:012}")));
        sr.insert("type".into(), json!(*u.choose(&["lvm", "lvmoiscsi", "ext", "nfs", "iso", "weird"])?));
        if let Some(v) = size_value(u, &mut clean)? {
            sr.insert("physical_size".into(), v);
        }
        if let Some(v) = size_value(u, &mut clean)? {
            sr.insert("physical_utilisation".into(), v);
        }
        srs.push((sr_ref(k), sr));
    }

    let mut model_vdis = Vec::new();
    let mut vdis = Vec::new();
    for k in 0..n_vdis {
        let mut v = Map::new();
        let uuid = if u.ratio(1, 16)? {
            clean = false;
            vdi_uuid(u.int_in_range(0..=n_vdis)?) // maybe a duplicate
        } else {
            vdi_uuid(k)
        };
        v.insert("uuid".into(), json!(uuid));
        let managed: bool = u.arbitrary()?;
        match u.int_in_range(0..=9)? {
            0 => {
                clean = false; // absent
            }
            1 => {
                clean = false;
                v.insert("managed".into(), json!(if managed { "true" } else { "false" }));
            }
            2 => {
                clean = false;
                v.insert("managed".into(), json!(1));
            }
            _ => {
                v.insert("managed".into(), json!(managed));
            }
        }
        let parent = match u.int_in_range(0..=7)? {
            0 | 1 => None,
            2 => Some(format!("ffffffff-0000-0000-0000-{:012}", u.int_in_range(0..=3)?)), // missing
            3 => Some(vdi_uuid(k)),                                                        // itself
            _ => Some(vdi_uuid(u.int_in_range(0..=n_vdis.saturating_sub(1))?)),
        };
        let sr = match u.int_in_range(0..=7)? {
            0 => None,
            1 => Some("OpaqueRef:sr-nowhere".to_string()),
            _ if n_srs == 0 => None,
            _ => Some(sr_ref(u.int_in_range(0..=n_srs - 1)?)),
        };
        if let Some(sr) = &sr {
            v.insert(if xo_shape { "$SR" } else { "SR" }.into(), json!(sr));
        }
        if let Some(p) = &parent {
            if xo_shape {
                v.insert("parent".into(), json!(p));
            } else {
                v.insert("sm_config".into(), json!({ "vhd-parent": p }));
            }
        }
        if xo_shape {
            v.insert("type".into(), json!(*u.choose(&["VDI", "VDI-snapshot", "VDI-unmanaged"])?));
        } else {
            v.insert("is_a_snapshot".into(), json!(u.arbitrary::<bool>()?));
        }
        if let Some(s) = size_value(u, &mut clean)? {
            v.insert(if xo_shape { "size" } else { "virtual_size" }.into(), s);
        }
        if let Some(s) = size_value(u, &mut clean)? {
            v.insert(if xo_shape { "usage" } else { "physical_utilisation" }.into(), s);
        }
        if u.ratio(1, 10)? {
            v.insert("name_label".into(), json!(string(u)?));
        }
        model_vdis.push(ModelVdi { uuid, managed, parent, sr });
        vdis.push((vdi_ref(k), v));
    }

    let mut vbds = Vec::new();
    let mut vms = Vec::new();
    let mut model_vms = Vec::new();
    for m in 0..n_vms {
        let key = format!("OpaqueRef:vm{m}");
        let mut vbd_refs = Vec::new();
        let mut disks = Vec::new();
        for _ in 0..u.int_in_range(0..=4)? {
            let b = vbds.len();
            let vbd_key = format!("OpaqueRef:vbd{b}");
            let vdi = match u.int_in_range(0..=7)? {
                0 => "OpaqueRef:NULL".to_string(),
                1 => {
                    clean = false;
                    "OpaqueRef:vdi-nowhere".to_string()
                }
                _ if n_vdis == 0 => "OpaqueRef:NULL".to_string(),
                _ => vdi_ref(u.int_in_range(0..=n_vdis - 1)?),
            };
            if vdi != "OpaqueRef:NULL" {
                disks.push(vdi.clone());
            }
            let vm_field = if xo_shape { "$VM" } else { "VM" };
            let vdi_field = if xo_shape { "$VDI" } else { "VDI" };
            vbds.push((vbd_key.clone(), json!({ vm_field: key, vdi_field: vdi, "type": "Disk" })));
            vbd_refs.push(vbd_key);
        }
        let snapshot = u.ratio(1, 6)?;
        let mut vm = json!({ "uuid": format!("8ebe6c89-0000-0000-0000-{m:012}"), "is_a_snapshot": snapshot, "is_a_template": false });
        vm[if xo_shape { "$VBDs" } else { "VBDs" }] = json!(vbd_refs);
        if !snapshot {
            model_vms.push(ModelVm { key: key.clone(), disks });
        }
        vms.push((key, vm));
    }

    let table = |items: Vec<(String, Value)>| -> Value {
        if xo_shape {
            Value::Array(
                items
                    .into_iter()
                    .map(|(k, mut v)| {
                        v["id"] = json!(k.clone());
                        if v.get("uuid").is_none() {
                            v["uuid"] = json!(k);
                        }
                        v
                    })
                    .collect(),
            )
        } else {
            Value::Object(items.into_iter().collect())
        }
    };
    let srs = srs.into_iter().map(|(k, m)| (k, Value::Object(m))).collect();
    let vdis = vdis.into_iter().map(|(k, m)| (k, Value::Object(m))).collect();
    let mut top = Map::new();
    if u.ratio(7, 8)? {
        top.insert("VM".into(), table(vms));
    } else {
        clean = false;
    }
    top.insert("VBD".into(), table(vbds));
    top.insert("VDI".into(), table(vdis));
    top.insert("SR".into(), table(srs));
    Ok(GeneratedRecords { json: Value::Object(top), model: clean.then_some((model_vdis, model_vms)) })
}

/// Xen Orchestra's verdict for one disk, walked literally as its JavaScript does (the research
/// notes' `_assertHealthyVdiChain`): at an unmanaged VDI whose children in its SR are exactly one
/// unmanaged VDI, `tolerance-- <= 0` throws; then go to the `vhd-parent`, if any VDI has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelOutcome {
    Passes,
    Trips(String),
    NeverEnds,
}

/// Only for tolerances up to 64 (larger ones take too many laps round a loop to simulate).
pub fn model_disk(vdis: &[ModelVdi], disk_ref_index: usize, tolerance: Option<u64>) -> ModelOutcome {
    let by_uuid = |uuid: &str| vdis.iter().position(|v| v.uuid == uuid);
    let mut tol: i128 = tolerance.map_or(i128::MAX, i128::from);
    let mut node = disk_ref_index;
    // A walk that has not ended after this many steps goes round a loop forever.
    let bound = (vdis.len() + 1) * (tolerance.map_or(1, |t| t.min(64) as usize) + 2);
    for _ in 0..bound {
        let v = &vdis[node];
        if !v.managed {
            let children: Vec<&ModelVdi> =
                vdis.iter().filter(|c| c.parent.as_deref() == Some(v.uuid.as_str()) && c.sr == v.sr).collect();
            if children.len() == 1 && !children[0].managed && tolerance.is_some() {
                let t = tol;
                tol -= 1;
                if t <= 0 {
                    return ModelOutcome::Trips(v.uuid.clone());
                }
            }
        }
        match v.parent.as_deref().and_then(by_uuid) {
            Some(p) => node = p,
            None => return ModelOutcome::Passes,
        }
    }
    ModelOutcome::NeverEnds
}

/// Xen Orchestra's verdict for a VM: its disks in VBD order, duplicates removed; the first that
/// does not pass decides.
pub fn model_vm(vdis: &[ModelVdi], vm: &ModelVm, tolerance: Option<u64>) -> ModelOutcome {
    let mut seen: Vec<&str> = Vec::new();
    for r in &vm.disks {
        if seen.contains(&r.as_str()) {
            continue;
        }
        seen.push(r);
        let Some(k) = r.strip_prefix("OpaqueRef:vdi").and_then(|k| k.parse::<usize>().ok()) else { continue };
        match model_disk(vdis, k, tolerance) {
            ModelOutcome::Passes => {}
            other => return other,
        }
    }
    ModelOutcome::Passes
}

/// Chunk sizes for a stream, from a seed: mostly small, sometimes one byte, sometimes large.
pub fn chunk_sizes(seed: u8, max: usize, total: usize) -> Vec<usize> {
    let mut x = u64::from(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::new();
    let mut left = total;
    while left > 0 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = match x % 8 {
            0 => 1,
            1 => max,
            _ => (x >> 8) as usize % max + 1,
        }
        .min(left);
        out.push(n);
        left -= n;
    }
    out
}
