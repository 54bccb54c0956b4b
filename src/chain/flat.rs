//! The records in flat arrays, as the JavaScript wrapper hands them over (`pkg/chain-records.js`)
//! instead of JSON text: no `JSON.stringify` of the whole pool, no JSON parser, and the strings
//! borrowed from one buffer. The wrapper reads, from each record, only the fields the check reads
//! ([`super::raw::Field`]); this module rebuilds the same [`RawTables`] the JSON parser would
//! have built from `JSON.stringify(records)`, so the check and its results are the same.
//! It also writes the report's VMs and graph back as columns whose strings are indexes into the
//! wrapper's own string table (their ids, uuids and names are strings of the input): no JSON
//! text for the report's bulk, and no copy of those strings.
//!
//! The format (all `u32` words):
//!
//! ```text
//! tables   VM, VBD, VDI, SR, each: 0 absent | 1 map, n, n × (key, entry) | 2 array, n, n × entry
//!                                  | 3 invalid, what (0 a boolean, 1 a number, 2 a string)
//! entry    NOT_A_RECORD | k, then k × (field << 3 | kind, value)   (k fields, none absent)
//! kind     0 string, value s | 1 number, value i (numbers[i]) | 2 false | 3 true (no value)
//!          | 4 list, value n, n × s | 5 object (only `vhd-parent` is kept), value s or NONE
//! ```
//!
//! (The field and the kind share a word: a pool's records are ~11 fields each, so this is a
//! third fewer words to write, copy and read than a word for each.)
//!
//! `s` is a string index: string `s` is `text[ends[s - 1]..ends[s]]` (UTF-8, byte offsets;
//! the wrapper sends a string with a lone surrogate as JSON instead). `field` indexes the field names the wrapper sends with
//! the records (one name per line). Anything inconsistent is an `INVALID_RECORDS` error.

use std::borrow::Cow;

use super::raw::{Entry, Field, Loose, RawRecord, RawTables, Table};
use super::GraphFacts;
use super::records::same_text;
use crate::Error;

/// An entry that is not an object (and, for a string, "none").
pub const NONE: u32 = u32::MAX;

/// The input strings: `text` cut at the wrapper's boundaries.
pub struct Strings<'a> {
    text: &'a str,
    /// Byte offset where each string starts; one more at the end.
    starts: Vec<u32>,
    strings: Vec<&'a str>,
    /// Per 64 bytes of `text`, the first string that starts there or after: `index_of` then
    /// searches a few strings, not all of them (a binary search over 800,000 starts was a
    /// twentieth of the check at 100,000 VDIs).
    buckets: Vec<u32>,
}

/// `text` bytes per entry of [`Strings::buckets`].
const BUCKET_SHIFT: u32 = 6;

impl<'a> Strings<'a> {
    /// Cuts `text` at `ends` (byte offsets, each on a character boundary).
    pub fn new(text: &'a str, ends: &[u32]) -> Result<Strings<'a>, Error> {
        let mut starts = Vec::with_capacity(ends.len() + 1);
        let mut strings = Vec::with_capacity(ends.len());
        starts.push(0);
        let mut last = 0;
        for &e in ends {
            let s = text.get(last as usize..e as usize).ok_or_else(|| Error::InvalidRecords("malformed flat records: string table".to_string()))?;
            strings.push(s);
            starts.push(e);
            last = e;
        }
        let mut buckets = Vec::with_capacity((text.len() >> BUCKET_SHIFT) + 2);
        for (i, &s) in starts.iter().enumerate() {
            while ((buckets.len() as u64) << BUCKET_SHIFT) <= u64::from(s) {
                buckets.push(i as u32);
            }
        }
        while buckets.len() < (text.len() >> BUCKET_SHIFT) + 2 {
            buckets.push(starts.len() as u32);
        }
        Ok(Strings { text, starts, strings, buckets })
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, s: u32) -> Option<&'a str> {
        self.strings.get(s as usize).copied()
    }

    /// The index of a string borrowed from this table, or `None` for any other string (then
    /// written out by value).
    pub fn index_of(&self, s: &str) -> Option<u32> {
        let base = self.text.as_ptr() as usize;
        let offset = (s.as_ptr() as usize).checked_sub(base)?;
        if offset + s.len() > self.text.len() {
            return None;
        }
        // The first string starting at `offset` or after is between the bucket's first and the
        // next bucket's first.
        let b = offset >> BUCKET_SHIFT;
        let (lo, hi) = (self.buckets[b] as usize, self.buckets[b + 1] as usize);
        let first = lo + self.starts[lo..hi].partition_point(|&a| (a as usize) < offset);
        // Empty strings share their start with the next one: any with the right length will do.
        (first..self.len())
            .take_while(|&i| self.starts[i] as usize == offset)
            .find(|&i| (self.starts[i + 1] - self.starts[i]) as usize == s.len())
            .map(|i| i as u32)
    }
}

/// Reads the words in order; running out is an error.
struct Cursor<'w> {
    words: &'w [u32],
    at: usize,
}

/// The words ran out: `malformed flat records: truncated` once converted to an [`Error`]. Kept
/// apart so that `Cursor::next`, the hottest call of the decoding, returns a word and a flag, not
/// an `Error` through memory.
struct Truncated;

impl From<Truncated> for Error {
    fn from(_: Truncated) -> Error {
        malformed("truncated")
    }
}

impl Cursor<'_> {
    #[inline]
    fn next(&mut self) -> Result<u32, Truncated> {
        let w = *self.words.get(self.at).ok_or(Truncated)?;
        self.at += 1;
        Ok(w)
    }

    fn left(&self) -> usize {
        self.words.len().saturating_sub(self.at)
    }
}

fn malformed(what: &str) -> Error {
    Error::InvalidRecords(format!("malformed flat records: {what}"))
}

/// A number as serde_json reads `JSON.stringify`'s text of it: a whole number below 1e21 is
/// written with all its digits — the shortest that give the number back, padded with zeros
/// (2^60 is written 1152921504606847000) — and read as `u64` or `i64` when those digits fit;
/// anything else as `f64`.
pub fn loose_number<'a>(f: f64) -> Loose<'a> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: below, the digits are the number's own
    if f.fract() != 0.0 || f.abs() >= 1e21 || !f.is_finite() {
        return Loose::F64(f);
    }
    if f.abs() < EXACT {
        return if f >= 0.0 { Loose::U64(f as u64) } else { Loose::I64(f as i64) };
    }
    // Rust writes the same shortest digits as JavaScript.
    let text = f.to_string();
    let parsed = if f > 0.0 { text.parse::<u64>().map(Loose::U64).ok() } else { text.parse::<i64>().map(Loose::I64).ok() };
    parsed.unwrap_or(Loose::F64(f))
}

/// Every record's fields, one after the other: the records of [`decode`]'s tables borrow their
/// slices of it (one allocation for them all, not a `Vec` per record; it is created by the
/// caller, who keeps it while the tables live).
pub type FieldArena<'a> = Vec<(Field, Loose<'a>)>;

/// An entry as first decoded: its record's fields as a range of the arena, `None` for an entry
/// that is not a record.
type Span = Option<(u32, u32)>;

/// A table as first decoded: its records as ranges of the arena, which is still growing.
enum Decoded<'a> {
    Absent,
    Map(Vec<(Cow<'a, str>, Span)>),
    Array(Vec<Span>),
    Invalid(&'static str),
}

/// The flat records as the tables the JSON parser gives, or the reason to send JSON instead.
/// More than `max_records` entries in all is `INPUT_TOO_LARGE`, before anything is built.
/// The records' fields go into `arena` (emptied first), which the tables borrow.
pub fn decode<'a: 'b, 'b>(
    words: &[u32],
    numbers: &[f64],
    strings: &Strings<'a>,
    field_names: &str,
    max_records: u64,
    arena: &'b mut FieldArena<'a>,
) -> Result<RawTables<'b>, Error> {
    let fields: Vec<Option<Field>> = field_names.split('\n').map(Field::from_name).collect();
    arena.clear();
    // The budget, as the parser counts it: every entry of a map or array table.
    let mut entries_left = max_records;
    let string = |s: u32| strings.get(s).map(Cow::Borrowed).ok_or_else(|| malformed("string index"));
    let mut table = |c: &mut Cursor<'_>, arena: &mut FieldArena<'a>| -> Result<Decoded<'a>, Error> {
        let tag = c.next()?;
        Ok(match tag {
            0 => Decoded::Absent,
            1 | 2 => {
                let n = c.next()? as usize;
                if n as u64 > entries_left {
                    return Err(Error::TooManyRecords { limit: max_records });
                }
                entries_left -= n as u64;
                // Each entry takes a word at least: no allocation beyond what was sent.
                if n > c.left() {
                    return Err(malformed("entry count"));
                }
                if tag == 1 {
                    let mut out = Vec::with_capacity(n);
                    for _ in 0..n {
                        let key = string(c.next()?)?;
                        out.push((key, entry(c, numbers, &fields, &string, arena)?));
                    }
                    Decoded::Map(out)
                } else {
                    let mut out = Vec::with_capacity(n);
                    for _ in 0..n {
                        out.push(entry(c, numbers, &fields, &string, arena)?);
                    }
                    Decoded::Array(out)
                }
            }
            3 => Decoded::Invalid(match c.next()? {
                0 => "a boolean",
                1 => "a number",
                _ => "a string",
            }),
            _ => return Err(malformed("table")),
        })
    };
    let mut c = Cursor { words, at: 0 };
    let vm = table(&mut c, arena)?;
    let vbd = table(&mut c, arena)?;
    let vdi = table(&mut c, arena)?;
    let sr = table(&mut c, arena)?;
    if c.left() != 0 {
        return Err(malformed("trailing words"));
    }
    // The arena is complete: the records borrow it from here on.
    let arena: &'b FieldArena<'a> = arena;
    let record = |range: Span| match range {
        Some((from, to)) => arena.get(from as usize..to as usize).map_or(Entry::NotARecord, |f| Entry::Record(RawRecord::borrowed(f))),
        None => Entry::NotARecord,
    };
    let finish = |t: Decoded<'a>| match t {
        Decoded::Absent => Table::Absent,
        Decoded::Map(items) => Table::Map(items.into_iter().map(|(key, r)| (key, record(r))).collect()),
        Decoded::Array(items) => Table::Array(items.into_iter().map(record).collect()),
        Decoded::Invalid(what) => Table::Invalid(what),
    };
    Ok(RawTables { VM: finish(vm), VBD: finish(vbd), VDI: finish(vdi), SR: finish(sr) })
}

/// One entry: a record (its fields appended to `arena`, their range returned) or `None`.
fn entry<'a>(
    c: &mut Cursor<'_>,
    numbers: &[f64],
    fields: &[Option<Field>],
    string: &impl Fn(u32) -> Result<Cow<'a, str>, Error>,
    arena: &mut FieldArena<'a>,
) -> Result<Span, Error> {
    let k = c.next()?;
    if k == NONE {
        return Ok(None);
    }
    if k as usize > c.left() {
        return Err(malformed("field count"));
    }
    let from = arena.len();
    arena.reserve(k as usize);
    for _ in 0..k {
        let head = c.next()?;
        let field = fields.get((head >> 3) as usize).ok_or_else(|| malformed("field index"))?;
        let value = match head & 7 {
            0 => Loose::Str(string(c.next()?)?),
            1 => loose_number(numbers.get(c.next()? as usize).copied().ok_or_else(|| malformed("number index"))?),
            2 => Loose::Bool(false),
            3 => Loose::Bool(true),
            4 => {
                let n = c.next()? as usize;
                if n > c.left() {
                    return Err(malformed("list length"));
                }
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(string(c.next()?)?);
                }
                Loose::List(items)
            }
            5 => Loose::Map { vhd_parent: match c.next()? {
                NONE => None,
                s => Some(string(s)?),
            } },
            _ => return Err(malformed("value")),
        };
        // A name the core does not know is skipped, as the JSON parser skips it.
        if let Some(field) = field {
            arena.push((*field, value));
        }
    }
    // The arena holds at most a field per two words: its length fits a u32 as `words` does.
    Ok(Some((from as u32, arena.len() as u32)))
}

/// The strings of the output: an index into the input strings, `-1` for none, `-2 - i` for the
/// `i`-th string of `extra` (one not borrowed from the input, sent by value).
struct Out<'s, 'a> {
    strings: &'s Strings<'a>,
    extra: Vec<String>,
}

impl Out<'_, '_> {
    fn string(&mut self, s: Option<&str>) -> i32 {
        let Some(s) = s else { return -1 };
        match self.strings.index_of(s).and_then(|i| i32::try_from(i).ok()) {
            Some(i) => i,
            None => {
                self.extra.push(s.to_string());
                -2 - (self.extra.len() as i32 - 1)
            }
        }
    }

    /// `value`, a string of the report, by the index of `borrowed` (the same text, found again
    /// in the records) when they are equal: by value otherwise.
    fn same(&mut self, value: Option<&str>, borrowed: Option<&str>) -> i32 {
        let equal = match (value, borrowed) {
            (Some(a), Some(b)) => same_text(a, b),
            (a, b) => a.is_none() && b.is_none(),
        };
        if equal {
            self.string(borrowed)
        } else {
            self.string(value)
        }
    }
}

/// The report's VMs and graph as columns (the wrapper turns them into the objects of
/// `VmChains` and `ChainGraph`); numbers are `u32` written as `i32`, strings as in [`Out`]:
///
/// ```text
/// vms      n, then per VM: uuid, ref, nameLabel, trippedBy, trippedDisk,
///          wouldSkip | checkNeverEnds << 1, disks d, then per disk: vdi, id, nameLabel, sr,
///          missingParent, trippedBy, vbdType (0 disk, 1 cd, 2 floppy, 3 unknown), depth,
///          snapshotsLeft, depthAfterCoalesce, pendingCoalesce, pendingLeafCoalesce,
///          branchPoints, cycle | wouldSkip << 1 | checkNeverEnds << 2
/// graph    nodes, then per node: id, uuid, label, sr, kind | managed << 2 | flags << 3, depth,
///          children, vms n, n × vm; then edges, and per edge: from, to
/// numbers  per node: virtualSize, physicalUtilisation, xoUnhealthyLength (NaN for null)
/// ```
///
/// `kind` is 0 leaf, 1 snapshot, 2 base copy, 3 missing; flags in [`super::NodeFlag::ALL`] order.
pub struct Columns {
    pub vms: Vec<i32>,
    /// When `options.graph`.
    pub graph: Option<(Vec<i32>, Vec<f64>)>,
    pub extra: Vec<String>,
}

pub fn columns(parts: &super::Parts<'_, '_>, strings: &Strings<'_>) -> Columns {
    let mut out = Out { strings, extra: Vec::new() };
    let vms = vm_columns(parts, &mut out);
    let graph = parts.graph_facts.as_ref().map(|facts| graph_columns(facts, &mut out));
    Columns { vms, graph, extra: out.extra }
}

fn vm_columns(parts: &super::Parts<'_, '_>, out: &mut Out<'_, '_>) -> Vec<i32> {
    use super::graph::Top;
    use super::protection::XoOutcome;
    use super::records::VbdKind;
    let (rec, graph) = (parts.rec, parts.graph);
    let vdi_id = |v: u32| rec.vdis.get(v as usize).map(|d| d.id());
    let mut w = Vec::with_capacity(1 + parts.vms.len() * 40);
    w.push(parts.vms.len() as i32);
    for vm in parts.vms {
        let r = rec.vms.get(vm.index as usize);
        let tripping = vm.disks.iter().find(|d| d.would_skip);
        let tripped_by = tripping.and_then(|d| match parts.chains.get(d.node as usize).map(|c| c.xo) {
            Some(XoOutcome::Trips(b)) => vdi_id(b),
            _ => None,
        });
        w.extend([
            out.same(vm.uuid.as_deref(), r.and_then(|r| r.uuid)),
            out.same(Some(&vm.vm_ref), r.map(|r| r.key)),
            out.same(vm.name_label.as_deref(), r.and_then(|r| r.name)),
            out.same(vm.tripped_by.as_deref(), tripped_by),
            out.same(vm.tripped_disk.as_deref(), tripping.and_then(|d| vdi_id(d.node))),
            i32::from(vm.would_skip) | i32::from(vm.check_never_ends) << 1,
            vm.disks.len() as i32,
        ]);
        for d in &vm.disks {
            let vdi = rec.vdis.get(d.node as usize);
            let chain = parts.chains.get(d.node as usize);
            let missing = match chain.map(|c| c.top) {
                Some(Top::Missing(m)) => graph.missing.get(m as usize).map(|m| m.uuid),
                _ => None,
            };
            let tripped_by = match chain.map(|c| c.xo) {
                Some(XoOutcome::Trips(b)) => vdi_id(b),
                _ => None,
            };
            let sr = vdi.and_then(|v| rec.srs.get(v.sr as usize)).map(|s| s.id()).filter(|s| !s.is_empty());
            w.extend([
                out.same(d.vdi.as_deref(), vdi.and_then(|v| v.uuid)),
                out.same(Some(&d.id), vdi.map(|v| v.id())),
                out.same(d.name_label.as_deref(), vdi.and_then(|v| v.name)),
                out.same(d.sr.as_deref(), sr),
                out.same(d.missing_parent.as_deref(), missing),
                out.same(d.tripped_by.as_deref(), tripped_by),
                match d.vbd_type {
                    VbdKind::Disk => 0,
                    VbdKind::Cd => 1,
                    VbdKind::Floppy => 2,
                    VbdKind::Unknown => 3,
                },
                d.depth as i32,
                d.snapshots_left as i32,
                d.depth_after_coalesce as i32,
                d.pending_coalesce as i32,
                d.pending_leaf_coalesce as i32,
                d.branch_points as i32,
                i32::from(d.cycle) | i32::from(d.would_skip) << 1 | i32::from(d.check_never_ends) << 2,
            ]);
        }
    }
    w
}

fn graph_columns(facts: &GraphFacts<'_, '_>, out: &mut Out<'_, '_>) -> (Vec<i32>, Vec<f64>) {
    let n = facts.len();
    let mut words = Vec::with_capacity(n * 10 + 1);
    let mut numbers = Vec::with_capacity(n * 3);
    let size = |v: Option<u64>| v.map_or(f64::NAN, |v| v as f64);
    // Each node's id, looked up once (edges name nodes by it); the uuid is usually the same
    // string, and consecutive nodes usually share their SR.
    let mut id_refs = Vec::with_capacity(n);
    let mut last_sr: Option<(&str, i32)> = None;
    words.push(n as i32);
    for i in 0..n {
        let node = facts.node(i);
        let kind = match node.kind {
            super::NodeKind::Leaf => 0,
            super::NodeKind::Snapshot => 1,
            super::NodeKind::BaseCopy => 2,
            super::NodeKind::Missing => 3,
        };
        let id = out.string(Some(node.id));
        id_refs.push(id);
        let uuid = match node.uuid {
            Some(u) if std::ptr::eq(u, node.id) => id,
            u => out.string(u),
        };
        let sr = match (node.sr, last_sr) {
            (Some(s), Some((last, r))) if std::ptr::eq(s, last) => r,
            (s, _) => {
                let r = out.string(s);
                last_sr = s.map(|s| (s, r));
                r
            }
        };
        let vms = facts.vms(i);
        words.extend([id, uuid, out.string(node.label), sr]);
        words.push(kind | i32::from(node.managed) << 2 | i32::from(node.flags) << 3);
        words.extend([node.depth as i32, node.children as i32, vms.len() as i32]);
        for vm in vms {
            words.push(out.string(Some(vm)));
        }
        numbers.extend([size(node.virtual_size), size(node.physical_utilisation), size(node.xo_unhealthy_length)]);
    }
    let count_at = words.len();
    words.push(0);
    let mut edges = 0;
    for (from, to) in facts.edges() {
        words.extend([id_refs.get(from).copied().unwrap_or(-1), id_refs.get(to).copied().unwrap_or(-1)]);
        edges += 1;
    }
    words[count_at] = edges;
    (words, numbers)
}

#[cfg(test)]
mod tests;
