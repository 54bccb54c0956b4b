//! Normalises the pool's records, as a UI holds them, into one plain shape.
//!
//! Two shapes are accepted, even mixed in one input:
//! - raw XAPI records (`getAllRecords`, an event cache): each table is an object keyed by opaque
//!   ref; references between records are opaque refs; the VHD parent is
//!   `sm_config['vhd-parent']` (a uuid); sizes are numbers or strings of digits depending on the
//!   client;
//! - xo-server objects: each table is an array; references are uuids (`$SR`, `$VBDs`, `VDI`,
//!   `VM`); the VHD parent is `parent`; `type` is `VDI`, `VDI-snapshot` or `VDI-unmanaged`;
//!   `size`/`usage` are the VDI's virtual size and physical utilisation, and the SR's
//!   `size`/`physical_usage` its physical size and utilisation.
//!
//! Every record is indexed under all its identities (map key, `$ref`, `_xapiRef`, `id`, `uuid`),
//! so a reference resolves whichever kind it is. Missing fields, dangling references and absurd
//! values never fail the check: they become [`RecordWarning`]s in the report.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::Error;

type Record = Map<String, Value>;

/// Byte sizes above this (1 EiB) are reported as absurd; they are still used, with saturating
/// arithmetic.
pub const ABSURD_BYTES: u64 = 1 << 60;

/// At most this many warnings are listed; the rest are only counted.
pub const MAX_WARNINGS: usize = 200;

/// What is wrong with the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// A reference (opaque ref or uuid) that matches no record of the input.
    DanglingRef,
    /// A field the check needs is absent; the default used is said in the message.
    MissingField,
    /// Two records carry the same uuid; the later one is ignored.
    DuplicateUuid,
    /// A size is negative, fractional, not a number, or larger than 1 EiB.
    AbsurdValue,
    /// An entry of a table is not an object.
    NotARecord,
}

/// A problem with the input records that did not stop the check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordWarning {
    pub kind: WarningKind,
    /// `VM`, `VBD`, `VDI` or `SR`.
    pub table: &'static str,
    /// The record's uuid, or its ref when it has no uuid.
    pub record: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

/// The warnings of a check, capped at [`MAX_WARNINGS`].
#[derive(Debug, Default)]
pub struct Warnings {
    pub list: Vec<RecordWarning>,
    pub omitted: u64,
}

impl Warnings {
    pub fn push(&mut self, kind: WarningKind, table: &'static str, record: &str, field: Option<&str>, message: String) {
        if self.list.len() >= MAX_WARNINGS {
            self.omitted = self.omitted.saturating_add(1);
            return;
        }
        let record = (!record.is_empty()).then(|| record.to_string());
        self.list.push(RecordWarning { kind, table, record, field: field.map(str::to_string), message });
    }
}

/// How a VBD plugs its VDI into the VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VbdKind {
    Disk,
    Cd,
    Floppy,
    Unknown,
}

#[derive(Debug)]
pub struct VmRec<'a> {
    /// The map key, `$ref` or `id`: how the record was found when it has no uuid.
    pub key: &'a str,
    pub uuid: Option<&'a str>,
    pub name: Option<&'a str>,
    pub vbds: Vec<&'a str>,
    pub is_snapshot: bool,
    pub is_template: bool,
    pub is_control_domain: bool,
    pub snapshot_of: Option<&'a str>,
    /// Sortable snapshot time (ISO-like text or a zero-padded timestamp).
    pub snapshot_time: Option<String>,
}

#[derive(Debug)]
pub struct VbdRec<'a> {
    pub key: &'a str,
    pub vm: Option<&'a str>,
    pub vdi: Option<&'a str>,
    pub kind: VbdKind,
}

#[derive(Debug)]
pub struct VdiRec<'a> {
    pub key: &'a str,
    pub uuid: Option<&'a str>,
    pub name: Option<&'a str>,
    pub managed: bool,
    pub is_snapshot: bool,
    /// Index into [`Records::srs`] (every VDI belongs to one, possibly a placeholder).
    pub sr: u32,
    /// The raw `vhd-parent` uuid.
    pub parent: Option<&'a str>,
    pub virtual_size: Option<u64>,
    pub physical_utilisation: Option<u64>,
    pub snapshot_of: Option<&'a str>,
}

#[derive(Debug)]
pub struct SrRec<'a> {
    pub key: &'a str,
    pub uuid: Option<&'a str>,
    pub name: Option<&'a str>,
    pub sr_type: Option<&'a str>,
    pub physical_size: Option<u64>,
    pub physical_utilisation: Option<u64>,
    /// The SR's `VDIs` list, in its order (Xen Orchestra iterates it in this order).
    pub vdis: Vec<&'a str>,
    /// False for a placeholder made for VDIs whose SR is not in the input.
    pub known: bool,
}

impl SrRec<'_> {
    /// The uuid, else the ref or key the VDIs used.
    pub fn id(&self) -> &str {
        self.uuid.unwrap_or(self.key)
    }
}

impl VdiRec<'_> {
    pub fn id(&self) -> &str {
        self.uuid.unwrap_or(self.key)
    }
}

impl VmRec<'_> {
    pub fn id(&self) -> &str {
        self.uuid.unwrap_or(self.key)
    }
}

/// The normalised records, with indexes from every identity to the record.
#[derive(Debug, Default)]
pub struct Records<'a> {
    pub vms: Vec<VmRec<'a>>,
    pub vbds: Vec<VbdRec<'a>>,
    pub vdis: Vec<VdiRec<'a>>,
    pub srs: Vec<SrRec<'a>>,
    pub vm_index: HashMap<&'a str, u32>,
    pub vbd_index: HashMap<&'a str, u32>,
    pub vdi_index: HashMap<&'a str, u32>,
    /// VDI uuid -> VDI (the key `vhd-parent` is looked up with).
    pub vdi_by_uuid: HashMap<&'a str, u32>,
    pub sr_index: HashMap<&'a str, u32>,
    pub warnings: Warnings,
}

/// A null reference: absent, empty, or XAPI's `OpaqueRef:NULL`.
pub fn is_null_ref(s: &str) -> bool {
    let s = s.trim();
    s.is_empty() || s == "OpaqueRef:NULL"
}

fn field<'a>(r: &'a Record, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|n| r.get(*n)).filter(|v| !v.is_null())
}

fn str_field<'a>(r: &'a Record, names: &[&str]) -> Option<&'a str> {
    field(r, names).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

fn ref_field<'a>(r: &'a Record, names: &[&str]) -> Option<&'a str> {
    str_field(r, names).filter(|s| !is_null_ref(s))
}

fn bool_field(r: &Record, names: &[&str]) -> Option<bool> {
    match field(r, names)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn ref_list<'a>(r: &'a Record, names: &[&str]) -> Vec<&'a str> {
    match field(r, names) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).filter(|s| !is_null_ref(s)).collect(),
        _ => Vec::new(),
    }
}

/// A size in bytes from a JSON number or a string of digits.
fn parse_size(v: &Value) -> Result<u64, String> {
    match v {
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                return Ok(u);
            }
            if n.as_i64().is_some_and(|i| i < 0) {
                return Err(format!("{n} is negative"));
            }
            float_size(n.as_f64().unwrap_or(f64::NAN), &n.to_string())
        }
        Value::String(s) => {
            let t = s.trim();
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
                return t.parse::<u64>().map_err(|_| format!("\"{t}\" does not fit in 64 bits"));
            }
            if t.starts_with('-') {
                return Err(format!("\"{t}\" is negative"));
            }
            match t.parse::<f64>() {
                Ok(f) => float_size(f, t),
                Err(_) => Err(format!("\"{}\" is not a number", truncate(t, 40))),
            }
        }
        Value::Bool(_) | Value::Array(_) | Value::Object(_) => Err("it is not a number".to_string()),
        Value::Null => Err("it is null".to_string()),
    }
}

fn float_size(f: f64, text: &str) -> Result<u64, String> {
    if !f.is_finite() || f < 0.0 {
        return Err(format!("{text} is not a valid size"));
    }
    if f >= 18_446_744_073_709_551_615.0 {
        return Err(format!("{text} does not fit in 64 bits"));
    }
    if f.fract() != 0.0 {
        return Err(format!("{text} is not a whole number of bytes"));
    }
    // In range and whole: the conversion is exact enough for a byte count.
    Ok(f as u64)
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Reads a size field, reporting unusable and absurd values.
fn size_field(r: &Record, names: &[&str], table: &'static str, id: &str, warnings: &mut Warnings) -> Option<u64> {
    let (name, value) = names.iter().find_map(|n| r.get(*n).filter(|v| !v.is_null()).map(|v| (*n, v)))?;
    match parse_size(value) {
        Ok(bytes) => {
            if bytes > ABSURD_BYTES {
                warnings.push(
                    WarningKind::AbsurdValue,
                    table,
                    id,
                    Some(name),
                    format!("`{name}` is {bytes} bytes, more than 1 EiB; it is used as is"),
                );
            }
            Some(bytes)
        }
        Err(reason) => {
            warnings.push(
                WarningKind::AbsurdValue,
                table,
                id,
                Some(name),
                format!("`{name}` is ignored: {reason}"),
            );
            None
        }
    }
}

fn snapshot_time(r: &Record) -> Option<String> {
    match field(r, &["snapshot_time", "snapshot-time"])? {
        Value::String(s) if !s.trim().is_empty() && !s.starts_with("19700101") => Some(s.trim().to_string()),
        Value::Number(n) => n.as_f64().filter(|f| *f > 0.0).map(|f| format!("{f:020.3}")),
        _ => None,
    }
}

/// The entries of one table: `(key, record)` from an object keyed by ref, `(None, record)`
/// from an array.
fn entries<'a>(
    records: &'a Record,
    table: &'static str,
    warnings: &mut Warnings,
) -> Result<Vec<(Option<&'a str>, &'a Record)>, Error> {
    let mut out = Vec::new();
    match records.get(table) {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (key, value) in map {
                match value.as_object() {
                    Some(r) => out.push((Some(key.as_str()), r)),
                    None => warnings.push(
                        WarningKind::NotARecord,
                        table,
                        key,
                        None,
                        format!("the {table} entry `{}` is not an object; it is ignored", truncate(key, 80)),
                    ),
                }
            }
        }
        Some(Value::Array(items)) => {
            for (i, value) in items.iter().enumerate() {
                match value.as_object() {
                    Some(r) => out.push((None, r)),
                    None => warnings.push(
                        WarningKind::NotARecord,
                        table,
                        "",
                        None,
                        format!("item {i} of the {table} array is not an object; it is ignored"),
                    ),
                }
            }
        }
        Some(other) => {
            let got = match other {
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                Value::String(_) => "a string",
                _ => "something else",
            };
            return Err(Error::InvalidRecords(format!(
                "`{table}` must be an object keyed by opaque ref (XAPI records) or an array (xo-server objects); it is {got}"
            )));
        }
    }
    Ok(out)
}

/// Every identity a record can be referred to by: its key, `$ref`, `_xapiRef`, `id`, `uuid`.
fn identities<'a>(key: Option<&'a str>, r: &'a Record) -> impl Iterator<Item = &'a str> {
    let fields = ["$ref", "_xapiRef", "id", "uuid"].into_iter().filter_map(move |n| r.get(n).and_then(Value::as_str));
    key.into_iter().chain(fields).filter(|s| !is_null_ref(s))
}

fn record_key<'a>(key: Option<&'a str>, r: &'a Record) -> &'a str {
    identities(key, r).next().unwrap_or("")
}

/// Indexes a record under its identities; an identity already taken keeps its first record.
fn index<'a>(map: &mut HashMap<&'a str, u32>, key: Option<&'a str>, r: &'a Record, i: u32) {
    for id in identities(key, r) {
        map.entry(id).or_insert(i);
    }
}

const XO_VDI_TYPES: [&str; 3] = ["VDI", "VDI-snapshot", "VDI-unmanaged"];

/// Normalises `{ VM, VBD, VDI, SR }`.
pub fn normalise(value: &Value) -> Result<Records<'_>, Error> {
    let Some(obj) = value.as_object() else {
        return Err(Error::InvalidRecords(
            "the records must be an object { VM, VBD, VDI, SR } whose tables are maps keyed by opaque ref or arrays"
                .to_string(),
        ));
    };
    match obj.get("VDI") {
        Some(Value::Object(_)) | Some(Value::Array(_)) => {}
        _ => {
            return Err(Error::InvalidRecords(
                "there is no `VDI` table: give the VDI records as an object keyed by opaque ref or an array of \
                 xo-server VDI objects"
                    .to_string(),
            ))
        }
    }
    let mut rec = Records::default();
    let mut warnings = Warnings::default();
    let sr_entries = entries(obj, "SR", &mut warnings)?;
    let vm_entries = entries(obj, "VM", &mut warnings)?;
    let vbd_entries = entries(obj, "VBD", &mut warnings)?;
    let vdi_entries = entries(obj, "VDI", &mut warnings)?;

    // SRs first: VDIs resolve their SR through this index.
    for (key, r) in &sr_entries {
        let i = rec.srs.len() as u32;
        let k = record_key(*key, r);
        let uuid = str_field(r, &["uuid"]);
        let id = uuid.unwrap_or(k);
        let is_xo = r.get("type").and_then(Value::as_str) == Some("SR");
        let sr_type = if is_xo { str_field(r, &["SR_type"]) } else { str_field(r, &["type", "SR_type"]) };
        let (size_names, used_names): (&[&str], &[&str]) = if is_xo {
            (&["physical_size", "size"], &["physical_utilisation", "physical_usage"])
        } else {
            (&["physical_size", "physical-size"], &["physical_utilisation", "physical-utilisation", "physical_usage"])
        };
        rec.srs.push(SrRec {
            key: k,
            uuid,
            name: str_field(r, &["name_label", "name-label", "nameLabel"]),
            sr_type,
            physical_size: size_field(r, size_names, "SR", id, &mut warnings),
            physical_utilisation: size_field(r, used_names, "SR", id, &mut warnings),
            vdis: ref_list(r, &["VDIs", "$VDIs"]),
            known: true,
        });
        index(&mut rec.sr_index, *key, r, i);
    }
    // Which SR lists which VDI, for VDIs that do not name their SR.
    let mut listed_in: HashMap<&str, u32> = HashMap::new();
    for (i, sr) in rec.srs.iter().enumerate() {
        for v in &sr.vdis {
            listed_in.entry(v).or_insert(i as u32);
        }
    }

    for (key, r) in &vm_entries {
        let i = rec.vms.len() as u32;
        let xo_type = r.get("type").and_then(Value::as_str);
        rec.vms.push(VmRec {
            key: record_key(*key, r),
            uuid: str_field(r, &["uuid"]),
            name: str_field(r, &["name_label", "name-label", "nameLabel"]),
            vbds: ref_list(r, &["VBDs", "$VBDs"]),
            is_snapshot: bool_field(r, &["is_a_snapshot"]).unwrap_or(xo_type == Some("VM-snapshot")),
            is_template: bool_field(r, &["is_a_template"]).unwrap_or(xo_type == Some("VM-template")),
            is_control_domain: bool_field(r, &["is_control_domain"]).unwrap_or(xo_type == Some("VM-controller")),
            snapshot_of: ref_field(r, &["snapshot_of", "$snapshot_of"]),
            snapshot_time: snapshot_time(r),
        });
        index(&mut rec.vm_index, *key, r, i);
    }

    for (key, r) in &vbd_entries {
        let i = rec.vbds.len() as u32;
        let kind = match str_field(r, &["type"]) {
            Some(t) if t.eq_ignore_ascii_case("disk") => VbdKind::Disk,
            Some(t) if t.eq_ignore_ascii_case("cd") => VbdKind::Cd,
            Some(t) if t.eq_ignore_ascii_case("floppy") => VbdKind::Floppy,
            _ => match bool_field(r, &["is_cd_drive"]) {
                Some(true) => VbdKind::Cd,
                Some(false) => VbdKind::Disk,
                None => VbdKind::Unknown,
            },
        };
        rec.vbds.push(VbdRec {
            key: record_key(*key, r),
            vm: ref_field(r, &["VM", "$VM"]),
            vdi: ref_field(r, &["VDI", "$VDI"]),
            kind,
        });
        index(&mut rec.vbd_index, *key, r, i);
    }

    for (key, r) in &vdi_entries {
        let k = record_key(*key, r);
        let uuid = str_field(r, &["uuid"]);
        let id = uuid.unwrap_or(k);
        if let Some(u) = uuid {
            if rec.vdi_by_uuid.contains_key(u) {
                warnings.push(
                    WarningKind::DuplicateUuid,
                    "VDI",
                    u,
                    Some("uuid"),
                    format!("two VDI records have the uuid {u}; the second one is ignored"),
                );
                continue;
            }
        } else {
            warnings.push(
                WarningKind::MissingField,
                "VDI",
                k,
                Some("uuid"),
                "a VDI record has no uuid: no other VDI can name it as its parent".to_string(),
            );
        }
        let i = rec.vdis.len() as u32;
        let xo_type = r.get("type").and_then(Value::as_str).filter(|t| XO_VDI_TYPES.contains(t));
        let managed = match (bool_field(r, &["managed"]), xo_type) {
            (Some(m), _) => m,
            (None, Some(t)) => t != "VDI-unmanaged",
            (None, None) => {
                warnings.push(
                    WarningKind::MissingField,
                    "VDI",
                    id,
                    Some("managed"),
                    "no `managed` field (nor an xo-server `type`): the VDI is taken as managed".to_string(),
                );
                true
            }
        };
        let is_snapshot = bool_field(r, &["is_a_snapshot"]).unwrap_or(xo_type == Some("VDI-snapshot"));
        let parent = match field(r, &["sm_config", "sm-config"]) {
            Some(Value::Object(sm)) => sm.get("vhd-parent").and_then(Value::as_str),
            _ => None,
        }
        .or_else(|| str_field(r, &["parent"]))
        .filter(|p| !p.trim().is_empty());
        let sr_ref = ref_field(r, &["SR", "$SR"]);
        let sr = match sr_ref {
            Some(s) => match rec.sr_index.get(s) {
                Some(&i) => i,
                None => {
                    if !sr_entries.is_empty() {
                        warnings.push(
                            WarningKind::DanglingRef,
                            "VDI",
                            id,
                            Some("SR"),
                            format!("the SR {} is not in the SR records", truncate(s, 80)),
                        );
                    }
                    placeholder_sr(&mut rec, s)
                }
            },
            None => match identities(*key, r).find_map(|v| listed_in.get(v)) {
                Some(&i) => i,
                None => {
                    warnings.push(
                        WarningKind::MissingField,
                        "VDI",
                        id,
                        Some("SR"),
                        "the VDI names no SR and no SR lists it: it is grouped under an unknown SR".to_string(),
                    );
                    placeholder_sr(&mut rec, "")
                }
            },
        };
        let (virt, phys): (&[&str], &[&str]) = if xo_type.is_some() {
            (&["virtual_size", "size"], &["physical_utilisation", "usage"])
        } else {
            (&["virtual_size", "virtual-size"], &["physical_utilisation", "physical-utilisation"])
        };
        rec.vdis.push(VdiRec {
            key: k,
            uuid,
            name: str_field(r, &["name_label", "name-label", "nameLabel"]),
            managed,
            is_snapshot,
            sr,
            parent,
            virtual_size: size_field(r, virt, "VDI", id, &mut warnings),
            physical_utilisation: size_field(r, phys, "VDI", id, &mut warnings),
            snapshot_of: ref_field(r, &["snapshot_of", "$snapshot_of"]),
        });
        index(&mut rec.vdi_index, *key, r, i);
        if let Some(u) = uuid {
            rec.vdi_by_uuid.insert(u, i);
        }
    }
    rec.warnings = warnings;
    Ok(rec)
}

/// The SR a VDI refers to when the input has no record for it (one per distinct reference;
/// the empty reference groups VDIs that name no SR).
fn placeholder_sr<'a>(rec: &mut Records<'a>, reference: &'a str) -> u32 {
    if let Some(&i) = rec.sr_index.get(reference) {
        return i;
    }
    let i = rec.srs.len() as u32;
    let uuid = (reference.len() == 36 && crate::rules::find_uuid(reference).is_some()).then_some(reference);
    rec.srs.push(SrRec {
        key: reference,
        uuid,
        name: None,
        sr_type: None,
        physical_size: None,
        physical_utilisation: None,
        vdis: Vec::new(),
        known: false,
    });
    rec.sr_index.insert(reference, i);
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_from_numbers_and_strings() {
        assert_eq!(parse_size(&serde_json::json!(10)), Ok(10));
        assert_eq!(parse_size(&serde_json::json!("10737418240")), Ok(10_737_418_240));
        assert_eq!(parse_size(&serde_json::json!(1e3)), Ok(1000));
        assert!(parse_size(&serde_json::json!(-1)).is_err());
        assert!(parse_size(&serde_json::json!("-5")).is_err());
        assert!(parse_size(&serde_json::json!(1.5)).is_err());
        assert!(parse_size(&serde_json::json!("99999999999999999999999")).is_err());
        assert!(parse_size(&serde_json::json!(1e30)).is_err());
        assert!(parse_size(&serde_json::json!("abc")).is_err());
        assert_eq!(parse_size(&serde_json::json!(u64::MAX)), Ok(u64::MAX));
    }
}
