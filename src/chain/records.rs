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
use std::hash::BuildHasher;
use std::sync::OnceLock;

use serde::Serialize;

use super::raw::{truncate, Entry, LSize, Loose, RawRecord, RawTables, Table};
use crate::Error;

/// The record indexes, keyed by refs and uuids from the input. A hash map, hashed under secret
/// per-process keys (see [`SecretKeys`]) so that no input can be crafted to collide its keys into
/// quadratic time. (Ordered maps gave the same guarantee, but string comparisons took a quarter
/// of the whole check.) Nothing iterates an index: the order of the results never depends on it.
pub type Index<'a> = HashMap<&'a str, u32, SecretKeys>;

/// Keys of up to this many bytes (every uuid, and every opaque ref: 46 bytes) are hashed with
/// the multilinear hash, longer ones with SipHash-1-3 (see [`IndexHasher`]).
const SHORT: usize = 64;

/// The secret keys: SipHash's two, and the multilinear hash's, one per 32-bit word of a short
/// key plus one for its length and one added, derived from SipHash's.
#[derive(Debug)]
pub struct Keys {
    k0: u64,
    k1: u64,
    words: [u64; SHORT / 4 + 2],
}

impl Keys {
    fn derive(k0: u64, k1: u64) -> Keys {
        let mut words = [0; SHORT / 4 + 2];
        for (i, w) in words.iter_mut().enumerate() {
            *w = sip13_with_ff(k0, k1, &(i as u64).to_le_bytes());
        }
        Keys { k0, k1, words }
    }
}

static HASH_KEYS: OnceLock<Keys> = OnceLock::new();

/// Sets the keys of the index hashes from the caller's entropy, once, before the first check.
/// The WebAssembly boundary calls it with randomness from JavaScript: there, std's own
/// `RandomState` has no source of randomness and uses fixed keys.
pub fn seed_hash_keys(k0: u64, k1: u64) {
    let _ = HASH_KEYS.set(Keys::derive(k0, k1));
}

/// The indexes' hash under per-process secret keys: `seed_hash_keys`, else std's `RandomState`.
#[derive(Clone, Copy, Debug)]
pub struct SecretKeys(&'static Keys);

impl Default for SecretKeys {
    fn default() -> Self {
        SecretKeys(HASH_KEYS.get_or_init(|| {
            let random = std::hash::RandomState::new();
            Keys::derive(random.hash_one(0x5851_f42d_u64), random.hash_one(0x4c95_7f2d_u64))
        }))
    }
}

impl BuildHasher for SecretKeys {
    type Hasher = IndexHasher;

    fn build_hasher(&self) -> Self::Hasher {
        IndexHasher { keys: self.0, h: 0, written: false, pending_ff: false }
    }
}

const SIP_INIT: [u64; 4] = [0x736f_6d65_7073_6575, 0x646f_7261_6e64_6f6d, 0x6c79_6765_6e65_7261, 0x7465_6462_7974_6573];

/// The hasher of the indexes, whose keys are `str`s: `Hash for str` writes the bytes, then one
/// `0xff` (`Hasher::write_str`'s default), which is taken as read.
///
/// A key of up to [`SHORT`] bytes is hashed with the multilinear hash of Lemire and Kaser
/// ("Strongly universal string hashing is fast", 2014): its bytes as 32-bit words `w_i`, zero
/// padded, and its length `n`, under the secret 64-bit keys `m`:
/// `(m_0 + m_1·n + Σ m_(i+2)·w_i) mod 2^64`, of which the upper 32 bits are the hash. This
/// family is strongly universal: for any two different keys chosen without knowing `m`, the
/// chance that their hashes collide is 2^-32, so no pool's refs and uuids can be crafted to
/// collide into quadratic time — the guarantee the SipHash of the previous version gave for
/// inputs that do not see the keys. (SipHash, a pseudorandom function, also resists an
/// attacker who measures the timing of many checks under the same keys; a page checks the
/// records it is given.) It takes a multiplication per 4 bytes: SipHash-1-3 took about five
/// times as many instructions, 13 % of the whole check.
///
/// Longer keys, and any second write (no index makes one), go through SipHash-1-3 under the
/// same secret keys, in one pass with its state in locals, chained deterministically.
#[derive(Clone, Debug)]
pub struct IndexHasher {
    keys: &'static Keys,
    h: u64,
    written: bool,
    /// A `write` was hashed with the `0xff` that follows a `str`'s bytes, not yet seen.
    pending_ff: bool,
}

impl std::hash::Hasher for IndexHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.h = if !self.written && bytes.len() <= SHORT {
            multilinear(&self.keys.words, bytes)
        } else {
            sip13_with_ff(self.keys.k0 ^ self.h, self.keys.k1, bytes)
        };
        self.written = true;
        self.pending_ff = true;
    }

    #[inline]
    fn write_u8(&mut self, b: u8) {
        if self.pending_ff && b == 0xff {
            self.pending_ff = false;
        } else {
            self.write(&[b]);
        }
    }

    fn finish(&self) -> u64 {
        self.h
    }
}

/// The multilinear hash of `bytes` (at most [`SHORT`]) under `m` (see [`IndexHasher`]): its 32
/// bits in both halves of the `u64` (hashbrown takes the bucket from the low bits and the tag
/// from the top 7 bits of the word the platform's `usize` keeps).
#[inline]
fn multilinear(m: &[u64; SHORT / 4 + 2], bytes: &[u8]) -> u64 {
    let mut sum = m[0].wrapping_add(m[1].wrapping_mul(bytes.len() as u64));
    // Eight bytes (two words) per step; `zip` over two exact chunkings compiles to one counted loop.
    let mut words = bytes.chunks_exact(8);
    let mut keys = m[2..].chunks_exact(2);
    let mut add = |x: u64, k: &[u64]| {
        if let [lo, hi] = k {
            sum = sum.wrapping_add(lo.wrapping_mul(x & 0xffff_ffff)).wrapping_add(hi.wrapping_mul(x >> 32));
        }
    };
    for (w, k) in (&mut words).zip(&mut keys) {
        add(u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]), k);
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        if let Some(k) = keys.next() {
            add(le_bytes(rest), k);
        }
    }
    let v = sum >> 32;
    v | v << 32
}

/// SipHash-1-3 of `bytes` followed by one `0xff` byte, under the keys `k0`, `k1`.
fn sip13_with_ff(k0: u64, k1: u64, bytes: &[u8]) -> u64 {
    #[inline(always)]
    fn round(v: &mut [u64; 4]) {
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13) ^ v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16) ^ v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21) ^ v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17) ^ v[2];
        v[2] = v[2].rotate_left(32);
    }
    #[inline(always)]
    fn compress(v: &mut [u64; 4], m: u64) {
        v[3] ^= m;
        round(v);
        v[0] ^= m;
    }
    let mut v = [k0 ^ SIP_INIT[0], k1 ^ SIP_INIT[1], k0 ^ SIP_INIT[2], k1 ^ SIP_INIT[3]];
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        compress(&mut v, <[u8; 8]>::try_from(w).map_or(0, u64::from_le_bytes));
    }
    let rest = words.remainder();
    // The rest (0–7 bytes) and the 0xff: a full word when the rest has 7.
    let mut tail = le_bytes(rest) | (0xff << (8 * rest.len()));
    if rest.len() == 7 {
        compress(&mut v, tail);
        tail = 0;
    }
    let length = bytes.len().wrapping_add(1) as u64;
    compress(&mut v, ((length & 0xff) << 56) | tail);
    v[2] ^= 0xff;
    round(&mut v);
    round(&mut v);
    round(&mut v);
    v[0] ^ v[1] ^ v[2] ^ v[3]
}

/// Up to 7 bytes as a little-endian number: a 4-, a 2- and a 1-byte load instead of a loop
/// (as std's SipHash reads its tails).
#[inline]
fn le_bytes(b: &[u8]) -> u64 {
    debug_assert!(b.len() < 8);
    let mut out = 0u64;
    let mut i = 0;
    if b.len() >= 4 {
        out = u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        i = 4;
    }
    if b.len() - i >= 2 {
        out |= u64::from(u16::from_le_bytes([b[i], b[i + 1]])) << (8 * i);
        i += 2;
    }
    if i < b.len() {
        out |= u64::from(b[i]) << (8 * i);
    }
    out
}

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
    pub vm_index: Index<'a>,
    pub vbd_index: Index<'a>,
    pub vdi_index: Index<'a>,
    /// VDI uuid -> VDI (the key `vhd-parent` is looked up with).
    pub vdi_by_uuid: Index<'a>,
    pub sr_index: Index<'a>,
    /// No identity of a VDI is also an identity of another VDI: `vdi_index` then finds each VDI
    /// under its key (see [`Records::vdi_by_key`]).
    pub vdi_ids_distinct: bool,
    pub warnings: Warnings,
}

impl Records<'_> {
    /// `vdi_index.get(r)`, tried first at VDI `guess`: when no two VDIs share an identity, the
    /// VDI whose key is `r` is the one the index gives, so equal text answers without hashing.
    /// (An SR's `VDIs` list often follows the order of the VDI records.)
    pub fn vdi_by_key(&self, r: &str, guess: usize) -> Option<u32> {
        match self.vdis.get(guess) {
            Some(v) if self.vdi_ids_distinct && same_text(v.key, r) => Some(guess as u32),
            _ => self.vdi_index.get(r).copied(),
        }
    }
}

/// `a == b`, eight bytes at a time (`==` on `str` is a `memcmp`, byte by byte in WebAssembly);
/// the same pointer and length is equal at once (the flat records send a string repeated by
/// consecutive records once).
pub fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    if a.as_ptr() == b.as_ptr() {
        return true;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    for (p, q) in (&mut x).zip(&mut y) {
        if u64::from_le_bytes(p.try_into().unwrap_or_default()) != u64::from_le_bytes(q.try_into().unwrap_or_default()) {
            return false;
        }
    }
    x.remainder() == y.remainder()
}

/// A null reference: absent, empty, or XAPI's `OpaqueRef:NULL`.
pub fn is_null_ref(s: &str) -> bool {
    let s = trimmed(s);
    s.is_empty() || s == "OpaqueRef:NULL"
}

/// `s.trim()`, answered at once when `s` starts and ends with an ASCII character that is not
/// whitespace (every ref, uuid and size of a pool): `str::trim` decodes a character at each end
/// and looks it up in the Unicode whitespace table, which took 8 % of the check's instructions.
/// ASCII above the space is never whitespace (`char::is_whitespace`), and an ASCII first or last
/// byte is the whole first or last character.
#[inline]
pub fn trimmed(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&b)) if (b'!'..0x80).contains(&a) && (b'!'..0x80).contains(&b) => s,
        _ => s.trim(),
    }
}

fn text<'r>(fields: &[&'r Loose<'_>]) -> Option<&'r str> {
    fields.iter().find_map(|f| f.str()).filter(|s| !trimmed(s).is_empty())
}

fn reference<'r>(fields: &[&'r Loose<'_>]) -> Option<&'r str> {
    text(fields).filter(|s| !is_null_ref(s))
}

fn refs<'r>(lists: &[&'r Loose<'_>]) -> Vec<&'r str> {
    lists
        .iter()
        .map(|l| l.list())
        .find(|l| !l.is_empty())
        .map(|l| l.iter().map(|s| s.as_ref()).filter(|s| !is_null_ref(s)).collect())
        .unwrap_or_default()
}

/// Reads a size field (the first present of `fields`, with its name), reporting unusable and
/// absurd values.
fn size(fields: &[(&str, &Loose<'_>)], table: &'static str, id: &str, warnings: &mut Warnings) -> Option<u64> {
    let (name, value) = fields.iter().find(|(_, v)| !v.is_absent())?;
    match value.size() {
        LSize::Bytes(bytes) => {
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
        LSize::Unusable(reason) => {
            warnings.push(WarningKind::AbsurdValue, table, id, Some(name), format!("`{name}` is ignored: {reason}"));
            None
        }
        LSize::Absent => None,
    }
}

/// The entries of one table: `(key, record)` from an object keyed by ref, `(None, record)`
/// from an array.
fn entries<'r, 'a>(
    table: &'r Table<'a>,
    name: &'static str,
    warnings: &mut Warnings,
) -> Result<Vec<(Option<&'r str>, &'r RawRecord<'a>)>, Error> {
    let mut out = Vec::new();
    match table {
        Table::Absent => {}
        Table::Map(items) => {
            out.reserve(items.len());
            for (key, entry) in items {
                match entry {
                    Entry::Record(r) => out.push((Some(key.as_ref()), r)),
                    Entry::NotARecord => warnings.push(
                        WarningKind::NotARecord,
                        name,
                        key,
                        None,
                        format!("the {name} entry `{}` is not an object; it is ignored", truncate(key, 80)),
                    ),
                }
            }
        }
        Table::Array(items) => {
            out.reserve(items.len());
            for (i, entry) in items.iter().enumerate() {
                match entry {
                    Entry::Record(r) => out.push((None, r)),
                    Entry::NotARecord => warnings.push(
                        WarningKind::NotARecord,
                        name,
                        "",
                        None,
                        format!("item {i} of the {name} array is not an object; it is ignored"),
                    ),
                }
            }
        }
        Table::Invalid(got) => {
            return Err(Error::InvalidRecords(format!(
                "`{name}` must be an object keyed by opaque ref (XAPI records) or an array (xo-server objects); it is {got}"
            )));
        }
    }
    Ok(out)
}

/// Every identity a record can be referred to by: its key, `$ref`, `_xapiRef`, `id`, `uuid`.
fn identities<'r>(key: Option<&'r str>, r: &'r RawRecord<'_>) -> impl Iterator<Item = &'r str> {
    let fields = [r.dollar_ref().str(), r.xapi_ref().str(), r.id().str(), r.uuid().str()];
    key.into_iter().chain(fields.into_iter().flatten()).filter(|s| !is_null_ref(s))
}

fn record_key<'r>(key: Option<&'r str>, r: &'r RawRecord<'_>) -> &'r str {
    identities(key, r).next().unwrap_or("")
}

/// Indexes a record under its identities; an identity already taken keeps its first record.
/// Returns false when one was taken by another record.
fn index<'r>(map: &mut Index<'r>, key: Option<&'r str>, r: &'r RawRecord<'_>, i: u32) -> bool {
    let mut distinct = true;
    for id in identities(key, r) {
        distinct &= *map.entry(id).or_insert(i) == i;
    }
    distinct
}

fn name<'r>(r: &'r RawRecord<'_>) -> Option<&'r str> {
    text(&[r.name_label(), r.name_label_cli(), r.name_label_camel()])
}

const XO_VDI_TYPES: [&str; 3] = ["VDI", "VDI-snapshot", "VDI-unmanaged"];

/// Normalises `{ VM, VBD, VDI, SR }`.
pub fn normalise<'r>(raw: &'r RawTables<'_>) -> Result<Records<'r>, Error> {
    if !raw.VDI.is_present() {
        return Err(Error::InvalidRecords(
            "there is no `VDI` table: give the VDI records as an object keyed by opaque ref or an array of \
             xo-server VDI objects"
                .to_string(),
        ));
    }
    let mut rec = Records::default();
    let mut warnings = Warnings::default();
    let sr_entries = entries(&raw.SR, "SR", &mut warnings)?;
    let vm_entries = entries(&raw.VM, "VM", &mut warnings)?;
    let vbd_entries = entries(&raw.VBD, "VBD", &mut warnings)?;
    let vdi_entries = entries(&raw.VDI, "VDI", &mut warnings)?;

    // SRs first: VDIs resolve their SR through this index.
    rec.srs.reserve(sr_entries.len());
    rec.sr_index.reserve(2 * sr_entries.len());
    for &(key, r) in &sr_entries {
        let i = rec.srs.len() as u32;
        let k = record_key(key, r);
        let uuid = text(&[r.uuid()]);
        let id = uuid.unwrap_or(k);
        let is_xo = r.kind().str() == Some("SR");
        let (sr_type, size_fields, used_fields) = if is_xo {
            (
                text(&[r.SR_type()]),
                [("physical_size", r.physical_size()), ("size", r.size())],
                [("physical_utilisation", r.physical_utilisation()), ("physical_usage", r.physical_usage())],
            )
        } else {
            (
                text(&[r.kind(), r.SR_type()]),
                [("physical_size", r.physical_size()), ("physical-size", r.physical_size_cli())],
                [("physical_utilisation", r.physical_utilisation()), ("physical-utilisation", r.physical_utilisation_cli())],
            )
        };
        rec.srs.push(SrRec {
            key: k,
            uuid,
            name: name(r),
            sr_type,
            physical_size: size(&size_fields, "SR", id, &mut warnings),
            physical_utilisation: size(&used_fields, "SR", id, &mut warnings),
            vdis: refs(&[r.VDIs(), r.xo_VDIs()]),
            known: true,
        });
        let _ = index(&mut rec.sr_index, key, r, i);
    }
    // Which SR lists which VDI, for VDIs that do not name their SR: built when the first such
    // VDI comes (a pool's VDIs all name theirs, and this map would cost as much as an index).
    let mut listed_in: Option<Index<'_>> = None;
    let srs_listing = |srs: &[SrRec<'r>]| {
        let mut map = Index::default();
        for (i, sr) in srs.iter().enumerate() {
            for v in &sr.vdis {
                map.entry(*v).or_insert(i as u32);
            }
        }
        map
    };

    rec.vms.reserve(vm_entries.len());
    rec.vm_index.reserve(2 * vm_entries.len());
    for &(key, r) in &vm_entries {
        let i = rec.vms.len() as u32;
        let xo_type = r.kind().str();
        rec.vms.push(VmRec {
            key: record_key(key, r),
            uuid: text(&[r.uuid()]),
            name: name(r),
            vbds: refs(&[r.VBDs(), r.xo_VBDs()]),
            is_snapshot: r.is_a_snapshot().bool().unwrap_or(xo_type == Some("VM-snapshot")),
            is_template: r.is_a_template().bool().unwrap_or(xo_type == Some("VM-template")),
            is_control_domain: r.is_control_domain().bool().unwrap_or(xo_type == Some("VM-controller")),
            snapshot_of: reference(&[r.snapshot_of(), r.xo_snapshot_of()]),
            snapshot_time: r.snapshot_time().time().or_else(|| r.snapshot_time_cli().time()),
        });
        let _ = index(&mut rec.vm_index, key, r, i);
    }

    rec.vbds.reserve(vbd_entries.len());
    rec.vbd_index.reserve(2 * vbd_entries.len());
    for &(key, r) in &vbd_entries {
        let i = rec.vbds.len() as u32;
        let kind = match text(&[r.kind()]) {
            Some(t) if t.eq_ignore_ascii_case("disk") => VbdKind::Disk,
            Some(t) if t.eq_ignore_ascii_case("cd") => VbdKind::Cd,
            Some(t) if t.eq_ignore_ascii_case("floppy") => VbdKind::Floppy,
            _ => match r.is_cd_drive().bool() {
                Some(true) => VbdKind::Cd,
                Some(false) => VbdKind::Disk,
                None => VbdKind::Unknown,
            },
        };
        rec.vbds.push(VbdRec {
            key: record_key(key, r),
            vm: reference(&[r.VM(), r.xo_VM()]),
            vdi: reference(&[r.VDI(), r.xo_VDI()]),
            kind,
        });
        let _ = index(&mut rec.vbd_index, key, r, i);
    }

    rec.vdis.reserve(vdi_entries.len());
    rec.vdi_index.reserve(2 * vdi_entries.len());
    rec.vdi_by_uuid.reserve(vdi_entries.len());
    rec.vdi_ids_distinct = true;
    let mut last_sr: Option<(&str, u32)> = None;
    for &(key, r) in &vdi_entries {
        let k = record_key(key, r);
        let uuid = text(&[r.uuid()]);
        let id = uuid.unwrap_or(k);
        let i = rec.vdis.len() as u32;
        if let Some(u) = uuid {
            // Indexed here (one probe instead of a look-up now and an insertion at the end).
            if let std::collections::hash_map::Entry::Vacant(slot) = rec.vdi_by_uuid.entry(u) {
                slot.insert(i);
            } else {
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
        let xo_type = r.kind().str().filter(|t| XO_VDI_TYPES.contains(t));
        let managed = match (r.managed().bool(), xo_type) {
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
        let is_snapshot = r.is_a_snapshot().bool().unwrap_or(xo_type == Some("VDI-snapshot"));
        // xo-server's `parent` is the vhd-parent uuid; XAPI's own `parent` is an unrelated,
        // deprecated VDI ref (always OpaqueRef:NULL), so it is read on xo-server objects only.
        let parent = r
            .sm_config()
            .vhd_parent()
            .or(r.sm_config_cli().vhd_parent())
            .or_else(|| xo_type.and_then(|_| r.parent().str()))
            .filter(|p| !is_null_ref(p));
        let sr = match reference(&[r.SR(), r.xo_SR()]) {
            // A pool's VDIs mostly name the same SR as the VDI before: that one's index without
            // hashing the reference again (a mapping, once found, never changes).
            Some(s) if last_sr.is_some_and(|(l, _)| same_text(l, s)) => last_sr.map_or(0, |(_, i)| i),
            Some(s) => match rec.sr_index.get(s) {
                Some(&i) => {
                    last_sr = Some((s, i));
                    i
                }
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
            None => {
                let listing = listed_in.get_or_insert_with(|| srs_listing(&rec.srs));
                match identities(key, r).find_map(|v| listing.get(v).copied()) {
                    Some(i) => i,
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
                }
            }
        };
        let (virt, phys) = if xo_type.is_some() {
            (
                [("virtual_size", r.virtual_size()), ("size", r.size())],
                [("physical_utilisation", r.physical_utilisation()), ("usage", r.usage())],
            )
        } else {
            (
                [("virtual_size", r.virtual_size()), ("virtual-size", r.virtual_size_cli())],
                [("physical_utilisation", r.physical_utilisation()), ("physical-utilisation", r.physical_utilisation_cli())],
            )
        };
        rec.vdis.push(VdiRec {
            key: k,
            uuid,
            name: name(r),
            managed,
            is_snapshot,
            sr,
            parent,
            virtual_size: size(&virt, "VDI", id, &mut warnings),
            physical_utilisation: size(&phys, "VDI", id, &mut warnings),
            snapshot_of: reference(&[r.snapshot_of(), r.xo_snapshot_of()]),
        });
        rec.vdi_ids_distinct &= index(&mut rec.vdi_index, key, r, i);
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
    let uuid = (reference.len() == 36 && crate::model::find_uuid(reference).is_some()).then_some(reference);
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
mod tests;
