//! The records as they arrive, deserialised leniently: only the fields the checks read are kept
//! (strings borrowed from the input when they have no escapes), everything else is skipped
//! without being built. A field of an unexpected type reads as absent (sizes keep the reason,
//! to be reported), and an entry that is not an object is kept as such — so no record can fail
//! the whole input. Parsing into a generic JSON tree first would cost several times more time
//! and memory on a pool of 100,000 VDIs.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// Any field's value, kept only as far as the checks can use it. One type (and one visitor) for
/// every field keeps the parser small in the `.wasm`.
#[derive(Debug, Default, Clone)]
pub enum Loose<'a> {
    /// Absent or `null`.
    #[default]
    Absent,
    Str(Cow<'a, str>),
    U64(u64),
    I64(i64),
    F64(f64),
    Bool(bool),
    /// An array: its string items (references).
    List(Vec<Cow<'a, str>>),
    /// An object: only `vhd-parent` is kept (for `sm_config`).
    Map { vhd_parent: Option<Cow<'a, str>> },
}

/// A size in bytes read from a number or a string of digits, or why it could not be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LSize {
    Absent,
    Bytes(u64),
    Unusable(String),
}

impl<'a> Loose<'a> {
    pub fn str(&self) -> Option<&str> {
        match self {
            Loose::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A boolean, or `"true"` / `"false"`.
    pub fn bool(&self) -> Option<bool> {
        match self {
            Loose::Bool(b) => Some(*b),
            Loose::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Loose::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    pub fn list(&self) -> &[Cow<'a, str>] {
        match self {
            Loose::List(items) => items,
            _ => &[],
        }
    }

    pub fn vhd_parent(&self) -> Option<&str> {
        match self {
            Loose::Map { vhd_parent } => vhd_parent.as_deref(),
            _ => None,
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Loose::Absent)
    }

    pub fn size(&self) -> LSize {
        match self {
            Loose::Absent => LSize::Absent,
            Loose::U64(v) => LSize::Bytes(*v),
            Loose::I64(v) if *v >= 0 => LSize::Bytes(*v as u64),
            Loose::I64(v) => LSize::Unusable(format!("{v} is negative")),
            Loose::F64(f) => size_from_f64(*f, &f.to_string()),
            Loose::Str(s) => size_from_str(s),
            Loose::Bool(_) | Loose::List(_) | Loose::Map { .. } => LSize::Unusable("it is not a number".to_string()),
        }
    }

    /// A snapshot time as sortable text: XAPI's `20240101T00:00:00Z` as is (its epoch means
    /// "never"), xo-server's timestamp zero-padded.
    pub fn time(&self) -> Option<String> {
        match self {
            Loose::Str(s) => {
                let t = s.trim();
                (!t.is_empty() && !t.starts_with("19700101")).then(|| t.to_string())
            }
            Loose::U64(v) => (*v > 0).then(|| format!("{v:020}")),
            Loose::F64(f) => (*f > 0.0 && f.is_finite()).then(|| format!("{:020}", *f as u64)),
            _ => None,
        }
    }

    /// The JSON type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Loose::Absent => "null",
            Loose::Str(_) => "a string",
            Loose::U64(_) | Loose::I64(_) | Loose::F64(_) => "a number",
            Loose::Bool(_) => "a boolean",
            Loose::List(_) => "an array",
            Loose::Map { .. } => "an object",
        }
    }
}

/// Declares the fields any table's checks read, under each of its names: XAPI's (`snake_case`,
/// the `xe` CLI's `kebab-case`) and xo-server's (`$SR`, `parent`, `size`, `usage`…). Which ones
/// are meaningful depends on the table and on the shape, decided in `records`. Each field gets
/// an accessor of its name on [`RawRecord`].
macro_rules! fields {
    ($($(#[$doc:meta])* $field:ident = $name:literal,)*) => {
        /// A field the checks read.
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Field {
            $($field,)*
        }

        // `RawRecord::present` has a bit per field.
        const _: () = assert!([$(Field::$field),*].len() <= 64);

        impl Field {
            pub fn from_name(name: &str) -> Option<Field> {
                match name {
                    $($name => Some(Field::$field),)*
                    _ => None,
                }
            }
        }

        #[allow(non_snake_case)]
        impl<'a> RawRecord<'a> {
            $($(#[$doc])* pub fn $field(&self) -> &Loose<'a> {
                self.get(Field::$field)
            })*
        }
    };
}

fields! {
    dollar_ref = "$ref",
    xapi_ref = "_xapiRef",
    id = "id",
    uuid = "uuid",
    name_label = "name_label",
    name_label_cli = "name-label",
    name_label_camel = "nameLabel",
    /// XAPI's `type` (VDI `user`, SR `lvm`, VBD `Disk`) or xo-server's object type.
    kind = "type",
    SR_type = "SR_type",
    // VM
    VBDs = "VBDs",
    xo_VBDs = "$VBDs",
    is_a_snapshot = "is_a_snapshot",
    is_a_template = "is_a_template",
    is_control_domain = "is_control_domain",
    snapshot_of = "snapshot_of",
    xo_snapshot_of = "$snapshot_of",
    snapshot_time = "snapshot_time",
    snapshot_time_cli = "snapshot-time",
    // VBD
    VM = "VM",
    xo_VM = "$VM",
    VDI = "VDI",
    xo_VDI = "$VDI",
    is_cd_drive = "is_cd_drive",
    // VDI
    managed = "managed",
    sm_config = "sm_config",
    sm_config_cli = "sm-config",
    parent = "parent",
    SR = "SR",
    xo_SR = "$SR",
    virtual_size = "virtual_size",
    virtual_size_cli = "virtual-size",
    size = "size",
    physical_utilisation = "physical_utilisation",
    physical_utilisation_cli = "physical-utilisation",
    usage = "usage",
    // SR
    physical_size = "physical_size",
    physical_size_cli = "physical-size",
    physical_usage = "physical_usage",
    VDIs = "VDIs",
    xo_VDIs = "$VDIs",
}

/// One record: the fields the checks read that it has (others are skipped while parsing). Sparse,
/// so that a record costs memory for what it holds — an empty `{}` a few bytes, not a slot for
/// every field any table could have. Owned when parsed from JSON; borrowed from one array holding
/// every record's fields when decoded from the flat records (`flat::decode`: one allocation
/// instead of one per record).
#[derive(Debug, Default)]
pub struct RawRecord<'a> {
    fields: Cow<'a, [(Field, Loose<'a>)]>,
    /// Bit `f` set when the record has field `f`: most fields asked for are absent (the other
    /// shape's names), and this answers them without a scan.
    present: u64,
}

impl<'a> RawRecord<'a> {
    /// The field's value (`Absent` when the record does not have it or has `null`).
    pub fn get(&self, field: Field) -> &Loose<'a> {
        const ABSENT: &Loose<'static> = &Loose::Absent;
        if self.present & (1 << field as u32) == 0 {
            return ABSENT;
        }
        self.fields.iter().find(|(f, _)| *f == field).map_or(ABSENT, |(_, v)| v)
    }

    /// A record of these fields (each at most once, none absent).
    pub fn from_fields(fields: Vec<(Field, Loose<'a>)>) -> RawRecord<'a> {
        Self::from_cow(Cow::Owned(fields))
    }

    /// A record of these fields, borrowed (each at most once, none absent).
    pub fn borrowed(fields: &'a [(Field, Loose<'a>)]) -> RawRecord<'a> {
        Self::from_cow(Cow::Borrowed(fields))
    }

    fn from_cow(fields: Cow<'a, [(Field, Loose<'a>)]>) -> RawRecord<'a> {
        let present = fields.iter().fold(0u64, |bits, (f, _)| bits | 1 << *f as u32);
        RawRecord { fields, present }
    }
}

/// A table entry: a record, or something else (reported, then ignored).
#[derive(Debug)]
pub enum Entry<'a> {
    Record(RawRecord<'a>),
    NotARecord,
}

/// One table as given.
#[derive(Debug, Default)]
pub enum Table<'a> {
    #[default]
    Absent,
    /// XAPI: an object keyed by opaque ref.
    Map(Vec<(Cow<'a, str>, Entry<'a>)>),
    /// xo-server: an array.
    Array(Vec<Entry<'a>>),
    /// Neither: the JSON type it was.
    Invalid(&'static str),
}

impl Table<'_> {
    pub fn is_present(&self) -> bool {
        matches!(self, Table::Map(_) | Table::Array(_))
    }
}

/// The top-level records `{ VM, VBD, VDI, SR }`: an absent table is [`Table::Absent`], other
/// keys are skipped, a key given twice keeps its last value (as `JSON.parse` does).
#[allow(non_snake_case)]
#[derive(Debug, Default)]
pub struct RawTables<'a> {
    pub VM: Table<'a>,
    pub VBD: Table<'a>,
    pub VDI: Table<'a>,
    pub SR: Table<'a>,
}

/// The space plan's input `{ sr, vdis, concurrency, hostVersion, srVdis }`, read like
/// [`RawTables`].
#[derive(Debug, Default)]
pub struct RawPlanInput<'a> {
    pub sr: Option<Entry<'a>>,
    pub vdis: Table<'a>,
    pub concurrency: Loose<'a>,
    pub host_version: Loose<'a>,
    pub sr_vdis: Table<'a>,
}

// ---- The record budget --------------------------------------------------------------------

thread_local! {
    /// Table entries the parse in progress may still read (see [`parse_limited`]).
    static ENTRIES_LEFT: Cell<u64> = const { Cell::new(u64::MAX) };
    static OVER_BUDGET: Cell<bool> = const { Cell::new(false) };
}

/// Parses `text` reading at most `max_records` table entries in all (records or not): beyond
/// that the parse stops at once with `INPUT_TOO_LARGE`, so that neither time nor memory grows
/// past the limit. Other parse errors go through `on_error`.
pub fn parse_limited<'a, T: Deserialize<'a>>(
    text: &'a str,
    max_records: u64,
    on_error: impl FnOnce(&serde_json::Error) -> crate::Error,
) -> Result<T, crate::Error> {
    ENTRIES_LEFT.with(|c| c.set(max_records));
    OVER_BUDGET.with(|c| c.set(false));
    let parsed = serde_json::from_str::<T>(text);
    ENTRIES_LEFT.with(|c| c.set(u64::MAX));
    match parsed {
        Ok(v) => Ok(v),
        Err(_) if OVER_BUDGET.with(|c| c.replace(false)) => Err(crate::Error::TooManyRecords { limit: max_records }),
        Err(e) => Err(on_error(&e)),
    }
}

/// Counts one table entry against the budget of [`parse_limited`].
fn take_entry<E: de::Error>() -> Result<(), E> {
    let left = ENTRIES_LEFT.with(Cell::get);
    if left == 0 {
        OVER_BUDGET.with(|c| c.set(true));
        return Err(E::custom("too many records"));
    }
    ENTRIES_LEFT.with(|c| c.set(left - 1));
    Ok(())
}

// ---- Visitors ------------------------------------------------------------------------------

/// Skips the rest of a map or sequence a visitor does not use.
fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Implements the `visit_*` methods a lenient visitor ignores: each returns `$absent`.
macro_rules! ignore_others {
    ($absent:expr; $($skip:ident)*) => {
        $(ignore_others!(@one $skip $absent);)*
    };
    (@one bool $absent:expr) => { fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> { Ok($absent) } };
    (@one u64 $absent:expr) => { fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> { Ok($absent) } };
    (@one i64 $absent:expr) => { fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> { Ok($absent) } };
    (@one f64 $absent:expr) => { fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> { Ok($absent) } };
    (@one str $absent:expr) => { fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> { Ok($absent) } };
    (@one unit $absent:expr) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> { Ok($absent) }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> { Ok($absent) }
    };
    (@one seq $absent:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> { drain_seq(seq)?; Ok($absent) }
    };
    (@one map $absent:expr) => {
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> { drain_map(map)?; Ok($absent) }
    };
}

/// Why a number is not a usable byte count, or the count.
pub fn size_from_f64(f: f64, text: &str) -> LSize {
    if !f.is_finite() || f < 0.0 {
        return LSize::Unusable(format!("{text} is not a valid size"));
    }
    if f >= 18_446_744_073_709_551_615.0 {
        return LSize::Unusable(format!("{text} does not fit in 64 bits"));
    }
    if f.fract() != 0.0 {
        return LSize::Unusable(format!("{text} is not a whole number of bytes"));
    }
    // In range and whole: the conversion is exact enough for a byte count.
    LSize::Bytes(f as u64)
}

/// A size from the text of a number.
pub fn size_from_str(s: &str) -> LSize {
    let t = super::records::trimmed(s);
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        // Up to 19 digits always fit (10^19 - 1 < 2^64): summed without `parse`'s overflow
        // checks (XAPI sends every size as such a string).
        if t.len() <= 19 {
            return LSize::Bytes(t.bytes().fold(0u64, |v, b| v * 10 + u64::from(b - b'0')));
        }
        return match t.parse::<u64>() {
            Ok(v) => LSize::Bytes(v),
            Err(_) => LSize::Unusable(format!("\"{}\" does not fit in 64 bits", truncate(t, 40))),
        };
    }
    if t.starts_with('-') {
        return LSize::Unusable(format!("\"{}\" is negative", truncate(t, 40)));
    }
    // JSON's number grammar (serde_json's parser, already in the module).
    match serde_json::from_str::<f64>(t) {
        Ok(f) => size_from_f64(f, t),
        Err(_) => LSize::Unusable(format!("\"{}\" is not a number", truncate(t, 40))),
    }
}

pub fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// A string item of a list, or `vhd-parent`'s value: anything else is skipped (iteratively,
/// by serde_json), so nesting inside a record is never recursed into.
struct Item<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Item<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Item<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Item(Some(Cow::Borrowed(s))))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Item(Some(Cow::Owned(s.to_string()))))
            }
            ignore_others!(Item(None); bool u64 i64 f64 unit seq map);
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Loose<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Loose<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
                Ok(Loose::Str(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(Loose::Str(Cow::Owned(s.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Loose::U64(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Loose::I64(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Loose::F64(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Loose::Bool(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Loose::Absent)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Loose::Absent)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(Item(item)) = seq.next_element::<Item<'a>>()? {
                    out.extend(item);
                }
                Ok(Loose::List(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut vhd_parent = None;
                while let Some(Item(key)) = map.next_key::<Item<'de>>()? {
                    if key.as_deref() == Some("vhd-parent") {
                        vhd_parent = map.next_value::<Item<'a>>()?.0;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Loose::Map { vhd_parent })
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Entry<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Entry<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a record")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut fields = Vec::new();
                while let Some(Item(key)) = map.next_key::<Item<'de>>()? {
                    match key.as_deref().and_then(Field::from_name) {
                        // A key given twice keeps its last value, as `JSON.parse` does.
                        Some(field) => match map.next_value::<Loose<'a>>()? {
                            Loose::Absent => fields.retain(|(f, _)| *f != field),
                            value => match fields.iter_mut().find(|(f, _)| *f == field) {
                                Some(slot) => slot.1 = value,
                                None => fields.push((field, value)),
                            },
                        },
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                fields.shrink_to_fit();
                Ok(Entry::Record(RawRecord::from_fields(fields)))
            }
            ignore_others!(Entry::NotARecord; bool u64 i64 f64 str unit seq);
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Table<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Table<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of records")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1 << 16));
                while let Some(Item(key)) = map.next_key::<Item<'a>>()? {
                    take_entry()?;
                    let entry = map.next_value::<Entry<'a>>()?;
                    out.push((key.unwrap_or(Cow::Borrowed("")), entry));
                }
                Ok(Table::Map(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
                while let Some(e) = seq.next_element::<Entry<'a>>()? {
                    take_entry()?;
                    out.push(e);
                }
                Ok(Table::Array(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Table::Absent)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Table::Absent)
            }
            ignore_others!(Table::Invalid("a boolean"); bool);
            ignore_others!(Table::Invalid("a number"); u64 i64 f64);
            ignore_others!(Table::Invalid("a string"); str);
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

// The two top-level objects are read by these visitors rather than derived deserialisers: a
// derived one also accepts a sequence, matches its keys through a field visitor of its own and
// cost ~3 KB of WebAssembly each, for an object read once per input (docs/size.md).

impl<'de: 'a, 'a> Deserialize<'de> for RawTables<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = RawTables<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object { VM, VBD, VDI, SR }")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut t = RawTables::default();
                while let Some(Item(key)) = map.next_key::<Item<'de>>()? {
                    let table = match key.as_deref() {
                        Some("VM") => &mut t.VM,
                        Some("VBD") => &mut t.VBD,
                        Some("VDI") => &mut t.VDI,
                        Some("SR") => &mut t.SR,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    *table = map.next_value()?;
                }
                Ok(t)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawPlanInput<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = RawPlanInput<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object { sr, vdis, concurrency, hostVersion, srVdis }")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut p = RawPlanInput::default();
                while let Some(Item(key)) = map.next_key::<Item<'de>>()? {
                    match key.as_deref() {
                        Some("sr") => p.sr = map.next_value()?,
                        Some("vdis") => p.vdis = map.next_value()?,
                        Some("concurrency") => p.concurrency = map.next_value()?,
                        Some("hostVersion") => p.host_version = map.next_value()?,
                        Some("srVdis") => p.sr_vdis = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(p)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}
