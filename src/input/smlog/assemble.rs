//! Event assembly: reads logical lines one by one, keeps a little state per process id, and
//! recognises the episodes that span several lines — a storage-manager call that fails (its
//! `Raising exception`, its tracebacks, the failed command whose stderr spills onto the next
//! line), a garbage-collector exception banner and the `… failed, skipping` that concludes it,
//! a coalesce attempt and its outcome — even when other processes' lines are interleaved.
//!
//! Most lines are lock traces, commands and tree dumps: the first bytes of the message decide
//! in a few comparisons that nothing needs to be done, without allocating. Only interesting
//! lines look up their process's state.

use std::collections::BTreeMap;

use memchr::memmem;

use super::incident::{Incident, IncidentKind};
use super::line::{LineParts, LogTime};
use super::report::{Collector, Operation, Outcome};
use crate::input::{xapi, Shape, XapiError};
use crate::model::{Confidence, Evidence};

/// Processes whose state is kept at once; the least recently seen half is flushed beyond.
const MAX_PIDS: usize = 8192;
/// The longest multi-line construct followed (traceback, banner, spilled stderr), in lines.
const MAX_BLOCK_LINES: u32 = 400;
/// The longest text kept of one multi-line message.
const MAX_BLOCK_TEXT: usize = 8 * 1024;
/// The longest evidence line kept.
const MAX_EVIDENCE_TEXT: usize = 1000;
/// Tree depth (images in a chain, leaf included) from which a chain is reported.
pub const CHAIN_WARN_DEPTH: u32 = 25;
/// Consecutive `SR locked, retrying` without a failure that are worth a warning (one a second).
const LOCK_WAIT_REPORTED: u32 = 10;

/// Process states, directly indexed by pid (a pid is its own hash: no hashing, no rehashing,
/// no tombstones): slot `pid mod n`, where `n` starts small and doubles, up to 65,536, whenever
/// two live pids would share a slot. Two live pids that share a slot of the full table push the
/// older one out; it is flushed. (The table grows only on demand, so that analysing a pasted
/// excerpt does not set up a megabyte of slots; at full size it is the same table as ever.)
struct PidTable {
    slots: Vec<Option<(u32, Box<PidState>)>>,
    /// Flushed states, reset and reused (a storage-manager call starts every few dozen lines);
    /// boxed like the slots, so moving one between them is a pointer copy.
    #[allow(clippy::vec_box)]
    spare: Vec<Box<PidState>>,
    live: usize,
    /// States pushed out of their slot, to be flushed by the analyser.
    displaced: Vec<(u32, Box<PidState>)>,
}

const PID_SLOTS: usize = 1 << 16;
const FIRST_PID_SLOTS: usize = 64;

impl Default for PidTable {
    fn default() -> Self {
        PidTable { slots: (0..FIRST_PID_SLOTS).map(|_| None).collect(), spare: Vec::new(), live: 0, displaced: Vec::new() }
    }
}

impl PidTable {
    #[inline]
    fn slot(&self, pid: u32) -> usize {
        pid as usize & (self.slots.len() - 1)
    }

    fn len(&self) -> usize {
        self.live
    }

    fn get(&self, pid: &u32) -> Option<&PidState> {
        match self.slots.get(self.slot(*pid))? {
            Some((p, st)) if p == pid => Some(st),
            _ => None,
        }
    }

    fn get_mut(&mut self, pid: &u32) -> Option<&mut PidState> {
        let idx = self.slot(*pid);
        match self.slots.get_mut(idx)? {
            Some((p, st)) if p == pid => Some(st),
            _ => None,
        }
    }

    fn contains_key(&self, pid: &u32) -> bool {
        self.get(pid).is_some()
    }

    fn remove(&mut self, pid: &u32) -> Option<Box<PidState>> {
        let idx = self.slot(*pid);
        let slot = self.slots.get_mut(idx)?;
        if slot.as_ref().is_some_and(|(p, _)| p == pid) {
            self.live -= 1;
            return slot.take().map(|(_, st)| st);
        }
        None
    }

    /// Doubles the table until `pid`'s slot holds no other pid, or the table is full size.
    /// Distinct low bits stay distinct with one bit more, so moving the entries collides nothing.
    fn make_room(&mut self, pid: u32) {
        while self.slots.len() < PID_SLOTS && self.slots.get(self.slot(pid)).is_some_and(|s| s.as_ref().is_some_and(|(p, _)| *p != pid)) {
            let size = self.slots.len() * 2;
            let old = std::mem::replace(&mut self.slots, (0..size).map(|_| None).collect());
            for (p, st) in old.into_iter().flatten() {
                if let Some(slot) = self.slots.get_mut(p as usize & (size - 1)) {
                    *slot = Some((p, st));
                }
            }
        }
    }

    fn insert(&mut self, pid: u32, st: Box<PidState>) {
        self.make_room(pid);
        let idx = self.slot(pid);
        let Some(slot) = self.slots.get_mut(idx) else { return };
        match slot.replace((pid, st)) {
            Some((old, old_st)) if old != pid => self.displaced.push((old, old_st)),
            Some(_) => {}
            None => self.live += 1,
        }
    }

    fn entry_or_default(&mut self, pid: u32) -> &mut PidState {
        self.make_room(pid);
        let idx = self.slot(pid);
        let PidTable { slots, spare, live, displaced } = self;
        // The slot exists: `idx` is masked by the table's size.
        let slot = &mut slots[idx];
        if slot.as_ref().is_some_and(|(p, _)| *p != pid) {
            if let Some(old) = slot.take() {
                displaced.push(old);
                *live -= 1;
            }
        }
        let (_, st) = slot.get_or_insert_with(|| {
            *live += 1;
            (pid, spare.pop().unwrap_or_default())
        });
        st
    }

    /// The live processes in the order of the full-size table's slots (`pid mod 65,536`), the
    /// order the analysis flushes them in whatever the table's current size.
    fn entries(&self) -> Vec<(u32, &PidState)> {
        let mut all: Vec<(u32, &PidState)> = self.slots.iter().filter_map(|s| s.as_ref().map(|(p, st)| (*p, &**st))).collect();
        if self.slots.len() < PID_SLOTS {
            crate::sort::sort_by_u64_key(&mut all, |(p, _)| u64::from(*p) & (PID_SLOTS as u64 - 1));
        }
        all
    }
}

/// A multi-line construct being read for one process.
#[derive(Debug)]
enum Block {
    /// The GC's `*~*~*~` exception banner.
    GcBanner(GcException),
    /// `***** tag: EXCEPTION <class>, text` and its traceback (until an empty line).
    SmTraceback { lines: u32 },
    /// A Python traceback logged as it is (`Traceback (most recent call last):`, its frames,
    /// then the exception's own line), as third-party drivers and plugins log what they catch.
    BareTraceback { lines: u32, evidence: Vec<Evidence> },
    /// `Raising exception [N, text` whose brackets close on a later line.
    Raise { text: String, depth: i32, line: u32, lines: u32, evidence: Vec<Evidence> },
    /// `FAILED in util.pread: … stderr: '…` whose quote closes on a later line.
    Pread { failure: PreadFailure, lines: u32 },
}

#[derive(Debug, Default)]
struct GcException {
    /// The line of the opening banner.
    start: u32,
    tag: String,
    class: String,
    text: String,
    line: u32,
    lines: u32,
    seen_exception_line: bool,
    evidence: Vec<Evidence>,
    /// When and where the banner opened: a failure no "failed, skipping" concludes is reported
    /// when its process's state is flushed, after lines of other times and hosts.
    time: Option<LogTime>,
    host: Option<String>,
}

#[derive(Debug, Clone)]
struct PreadFailure {
    rc: Option<i64>,
    text: String,
    line: u32,
    evidence: Vec<Evidence>,
    /// The command was sm's volume-group probe (`vgs --readonly <VG>`, see `answers_vg_missing`).
    vg_probe: bool,
    /// When and where it was logged: a failure no later line resolves is reported when its
    /// process's state is flushed, after lines of other times and hosts.
    time: Option<LogTime>,
    host: Option<String>,
}

/// sm's `lvutil._checkVG` runs `vgs --readonly <VG>` and reads a failure as "this volume group
/// does not exist": every LVM SR create (and every load of an SR not yet created) logs that
/// failure. When the missing group matters, the driver raises its own SR error next, which the
/// call's reading reports; the probe's failure alone is an answer, not a failed command. It is
/// one only when LVM's stderr says nothing else (`Volume group "…" not found`, `Cannot process
/// volume group …`, warnings): a read error before it is a failure.
fn answers_vg_missing(failure: &str) -> bool {
    let Some(at) = failure.find("stderr: '") else { return false };
    let mut not_found = false;
    for line in failure[at + "stderr: '".len()..].lines() {
        let line = line.trim().trim_end_matches('\'').trim();
        if line.is_empty() || line.starts_with("WARNING:") || line.starts_with("Cannot process volume group") {
            continue;
        }
        if line.starts_with("Volume group \"") && line.ends_with("\" not found") {
            not_found = true;
            continue;
        }
        return false;
    }
    not_found
}

/// What a failing storage-manager call logged before its end.
#[derive(Debug, Default)]
struct CallFailure {
    raises: Vec<XapiError>,
    first_line: Option<u32>,
    evidence: Vec<Evidence>,
    space: Option<(u64, u64)>,
    lock_retries: u32,
    /// `(tag, class, text)` of the first SM traceback.
    exception: Option<(String, String, String)>,
    /// Text of the driver-level `SROSError` (the last thing a failed call logs).
    final_text: Option<String>,
    /// When and where its first line was logged: a call left open is reported when its
    /// process's state is flushed, after lines of other times and hosts.
    time: Option<LogTime>,
    host: Option<String>,
}

#[derive(Debug, Clone)]
struct Attempt {
    op: Operation,
    vdi: String,
    line: u32,
}

#[derive(Debug, Default)]
struct GaveUp {
    reason: Option<String>,
    evidence: Vec<Evidence>,
    facts: Vec<(String, String)>,
}

/// A short identifier (a uuid, a command name) stored inline, so that following a process
/// allocates nothing.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Id {
    len: u8,
    bytes: [u8; 40],
}

impl std::fmt::Debug for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `b` is ASCII, eight bytes at a time (a short slice; `str::from_utf8` goes byte by
/// byte on one this short).
#[inline]
fn is_ascii_words(b: &[u8]) -> bool {
    let mut chunks = b.chunks_exact(8);
    let mut high = 0u64;
    for c in &mut chunks {
        high |= super::line::word(c);
    }
    for &c in chunks.remainder() {
        high |= u64::from(c);
    }
    high & 0x8080_8080_8080_8080 == 0
}

impl Id {
    fn new(b: &[u8]) -> Option<Id> {
        // (Uuids and command names: ASCII, checked a word at a time before UTF-8 is asked.)
        if b.len() > 40 || !(is_ascii_words(b) || std::str::from_utf8(b).is_ok()) {
            return None;
        }
        let mut bytes = [0u8; 40];
        bytes[..b.len()].copy_from_slice(b);
        Some(Id { len: b.len() as u8, bytes })
    }

    fn from_str(s: &str) -> Option<Id> {
        Id::new(s.as_bytes())
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }

    fn string(self) -> String {
        self.as_str().to_string()
    }
}

#[derive(Debug, Default)]
struct PidState {
    last_seen: u32,
    gc: bool,
    sr: Option<Id>,
    command: Option<Id>,
    vdi_uuid: Option<Id>,
    block: Option<Block>,
    call: Option<Box<CallFailure>>,
    pread: Option<PreadFailure>,
    /// Closed GC banners waiting for the line that says what failed (`… failed, skipping`).
    gc_exc: Vec<GcException>,
    /// Other lines that explain the pending GC failure (repair attempts, undo…).
    gc_context: Vec<Evidence>,
    attempt: Option<Attempt>,
    gave_up: Option<Box<GaveUp>>,
    /// A "no space" incident waiting for its `...but enough space if skip snap-coalesce`.
    nospace: Option<Box<Incident>>,
    sr_lock_tries: u32,
    sr_lock_first: Option<Evidence>,
    /// When and where the first try was logged (a wait still open is reported when the state
    /// is flushed, after lines of other times and hosts).
    sr_lock_time: Option<LogTime>,
    sr_lock_host: Option<String>,
    lv_retry: Option<Box<Incident>>,
    child_error: Option<String>,
    in_tree: bool,
    tree_depth: u32,
    /// `Coalesced size = …` of the GC's current candidate.
    coalesced_size: Option<Id>,
    undo: bool,
}

/// A coalesce child's failure (`vhd-util coalesce` runs in a forked process), waiting for the
/// GC process to report the coalesce failed.
#[derive(Debug, Clone)]
pub struct ChildFailure {
    pub error: String,
    pub body: Option<String>,
    pub line: u32,
    pub evidence: Vec<Evidence>,
}

/// Coalesce children's failures by SR uuid, sorted by it: a `BTreeMap<String, ChildFailure>`'s
/// operations on a vector (at most [`MAX_CHILD_FAILURES`], a handful in practice). The map
/// compiled its own B-tree code, ~8 KB of WebAssembly, for a path taken a few times per log
/// (docs/size.md).
#[derive(Default)]
struct ChildFailures(Vec<(String, ChildFailure)>);

impl ChildFailures {
    fn find(&self, sr: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(sr))
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn contains_key(&self, sr: &str) -> bool {
        self.find(sr).is_ok()
    }

    /// Sets the failure of `sr`, returning the one it replaces.
    fn insert(&mut self, sr: String, failure: ChildFailure) -> Option<ChildFailure> {
        match self.find(&sr) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, failure)),
            Err(i) => {
                self.0.insert(i, (sr, failure));
                None
            }
        }
    }

    /// The failure of `sr`, `failure` first if it has none.
    fn get_or_insert(&mut self, sr: String, failure: ChildFailure) -> &mut ChildFailure {
        let i = match self.find(&sr) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (sr, failure));
                i
            }
        };
        &mut self.0[i].1
    }

    fn remove(&mut self, sr: &str) -> Option<ChildFailure> {
        self.find(sr).ok().map(|i| self.0.remove(i).1)
    }

    /// Every failure left, in SR order.
    fn take_all(&mut self) -> Vec<ChildFailure> {
        std::mem::take(&mut self.0).into_iter().map(|(_, f)| f).collect()
    }
}

/// The last command line of recent processes, in a small fixed table reused without allocating
/// (a command line is logged before every external command; a few of them fail).
struct RecentCommands {
    slots: Vec<(u32, u32, Vec<u8>)>,
}

const COMMAND_SLOTS: usize = 256;
const MAX_COMMAND_TEXT: usize = 600;

impl Default for RecentCommands {
    fn default() -> Self {
        RecentCommands { slots: (0..COMMAND_SLOTS).map(|_| (u32::MAX, 0, Vec::new())).collect() }
    }
}

impl RecentCommands {
    #[inline(never)]
    fn remember(&mut self, pid: u32, line: u32, text: &[u8]) {
        if let Some(slot) = self.slots.get_mut(pid as usize % COMMAND_SLOTS) {
            slot.0 = pid;
            slot.1 = line;
            slot.2.clear();
            slot.2.extend_from_slice(&text[..text.len().min(MAX_COMMAND_TEXT)]);
        }
    }

    fn get(&self, pid: u32) -> Option<(u32, &[u8])> {
        let slot = self.slots.get(pid as usize % COMMAND_SLOTS)?;
        (slot.0 == pid).then_some((slot.1, slot.2.as_slice()))
    }
}

/// Substring searchers used on many lines, built once.
struct Finders {
    sr_uuid: memmem::Finder<'static>,
    vdi_uuid: memmem::Finder<'static>,
}

impl Default for Finders {
    fn default() -> Self {
        Finders { sr_uuid: memmem::Finder::new(b"'sr_uuid': '"), vdi_uuid: memmem::Finder::new(b"'vdi_uuid': '") }
    }
}

/// The per-line state machine.
pub struct Analyzer {
    pids: PidTable,
    /// Processes with an open multi-line block or tree dump (to skip lookups when none).
    open_blocks: u32,
    /// Processes with a "no space" incident waiting for the next line.
    pending_nospace: u32,
    host: Option<String>,
    host_bytes: Vec<u8>,
    /// Full uuids by their first 8 characters, as the GC names VDIs.
    /// (Ordered maps: their keys come from the log, and an ordered map costs O(log n) whatever
    /// the keys, where a hash map without a secret seed could be flooded with collisions.)
    /// (Keyed by the prefix as text, the uuid's index in `uuids`: maps from String to usize share
    /// one copy of the B-tree code in the module.)
    uuid_by_prefix: BTreeMap<String, usize>,
    uuids: Vec<String>,
    /// `Will finish as PID [fin]` logged by an intermediate GC process: (mid, fin).
    gc_forks: Vec<(u32, u32)>,
    /// Coalesce children's failures by SR, waiting for the GC's conclusion (at most
    /// [`MAX_CHILD_FAILURES`]; beyond, a failure is reported on its own at once).
    child_failures: ChildFailures,
    commands: RecentCommands,
    finders: Finders,
    pub out: Collector,
    time_bytes: [u8; 40],
    time_len: usize,
    time_kind: Option<super::line::TimeKind>,
}

const MAX_UUID_MAP: usize = 32 * 1024;
const MAX_CHILD_FAILURES: usize = 1024;

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn evidence_text(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(MAX_EVIDENCE_TEXT)];
    let mut s = lossy(cut);
    if bytes.len() > MAX_EVIDENCE_TEXT {
        s.push('\u{2026}');
    }
    s
}

/// `msg` starts with `prefix`. Compared eight bytes at a time: slice equality compiles to a
/// byte-by-byte `bcmp` in WebAssembly, and this runs several times on every line.
#[inline(always)]
pub(super) fn starts(msg: &[u8], prefix: &str) -> bool {
    let p = prefix.as_bytes();
    match msg.get(..p.len()) {
        Some(head) => super::line::same_bytes(head, p),
        None => false,
    }
}

/// `msg` ends with `suffix` (see [`starts`]).
#[inline(always)]
fn ends(msg: &[u8], suffix: &str) -> bool {
    msg.len() >= suffix.len() && starts(&msg[msg.len() - suffix.len()..], suffix)
}

#[inline(always)]
fn after<'a>(msg: &'a [u8], prefix: &str) -> Option<&'a [u8]> {
    if starts(msg, prefix) {
        Some(&msg[prefix.len()..])
    } else {
        None
    }
}

/// The first position of `needle` in `hay`. Lines are short and each needle is searched once
/// per line, so building a `memmem` searcher per call costs more than it saves: jump from one
/// occurrence of the needle's first byte to the next (SIMD `memchr`) and compare the rest.
/// Needles are short literals, so even a line full of first bytes stays linear.
pub(super) fn find(hay: &[u8], needle: &str) -> Option<usize> {
    let (&first, rest) = needle.as_bytes().split_first()?;
    let mut from = 0;
    while let Some(i) = hay.get(from..).and_then(|h| memchr::memchr(first, h)) {
        let at = from + i;
        if hay.get(at + 1..).is_some_and(|tail| tail.starts_with(rest)) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

fn is_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// A canonical uuid at the start of `s`.
fn uuid_at(s: &[u8]) -> Option<&[u8]> {
    let c = s.get(..36)?;
    let ok = c.iter().enumerate().all(|(k, &b)| match k {
        8 | 13 | 18 | 23 => b == b'-',
        _ => is_hex(b) || b.is_ascii_hexdigit(),
    });
    let bounded = s.get(36).is_none_or(|b| !b.is_ascii_hexdigit());
    (ok && bounded).then_some(c)
}

/// The first canonical uuid anywhere in `s`.
fn find_uuid(s: &[u8]) -> Option<&[u8]> {
    if s.len() < 36 {
        return None;
    }
    (0..=s.len() - 36).find_map(|i| {
        let bounded = i == 0 || !s[i - 1].is_ascii_hexdigit();
        if s[i + 8] == b'-' && bounded {
            uuid_at(&s[i..])
        } else {
            None
        }
    })
}

/// A VDI as the GC prints it: `*8341e744[VHD](…)`, `8341e744(…)` or a full uuid. Returns the
/// name as logged (8 characters, or the full uuid).
fn vdi_name(s: &[u8]) -> Option<String> {
    let s = s.strip_prefix(b"*").unwrap_or(s);
    if let Some(u) = uuid_at(s) {
        return Some(lossy(u));
    }
    let head = s.get(..8)?;
    if head.iter().all(|&b| is_hex(b)) && s.get(8).is_none_or(|&b| b == b'[' || b == b'(' || b == b' ' || b == b',') {
        return Some(lossy(head));
    }
    None
}

/// `'key': 'value'` in a Python dict repr. The finder is built once per key (building a SIMD
/// searcher costs more than a search of a short dict).
fn dict_value<'a>(s: &'a [u8], finder: &memmem::Finder<'static>) -> Option<&'a [u8]> {
    value_at(s, finder.find(s)? + finder.needle().len())
}

fn value_at(s: &[u8], start: usize) -> Option<&[u8]> {
    let len = memchr::memchr(b'\'', &s[start..])?;
    Some(&s[start..start + len])
}

/// `…/sr`: the path of an SR lock.
fn ends_with_sr_lock(path: &[u8]) -> bool {
    let n = path.len();
    n >= 3 && path[n - 3] == b'/' && path[n - 2] == b's' && path[n - 1] == b'r'
}

fn parse_u64(s: &[u8]) -> Option<u64> {
    let digits: &[u8] = &s[..s.iter().take_while(|b| b.is_ascii_digit()).count()];
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// A decimal number (`17.25`, `5e-05`, `-3`, `inf`) as `str::parse::<f64>` reads it, without
/// the standard float parser, whose tables and code cost 14 KB gzipped in the module
/// (docs/size.md). The value is `parse`'s exactly when the significant digits (trailing zeros
/// dropped) fit in 2^53 and the power of ten in 10^22 — every number of up to 15 significant
/// digits, so every exact tie a rounding could meet —, and within a few ulps otherwise.
fn parse_decimal(text: &str) -> Option<f64> {
    let (negative, t) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let value = if t.eq_ignore_ascii_case("inf") || t.eq_ignore_ascii_case("infinity") {
        f64::INFINITY
    } else if t.eq_ignore_ascii_case("nan") {
        f64::NAN
    } else {
        let (number, exponent) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], Some(&t[i + 1..])),
            None => (t, None),
        };
        let (int, frac) = number.split_once('.').unwrap_or((number, ""));
        let digits = || int.bytes().chain(frac.bytes());
        if (int.is_empty() && frac.is_empty()) || !digits().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut power: i64 = match exponent {
            None => 0,
            Some(e) => {
                let (sign, e) = match e.as_bytes().first() {
                    Some(b'-') => (-1, &e[1..]),
                    Some(b'+') => (1, &e[1..]),
                    _ => (1, e),
                };
                if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                sign * e.bytes().take(6).fold(0i64, |a, b| a * 10 + i64::from(b - b'0'))
            }
        };
        // The significant digits as an integer (at most 19 of them; the rest only shift the
        // power), trailing zeros dropped.
        let mut mantissa: u64 = 0;
        let mut kept = 0;
        for (i, b) in digits().enumerate() {
            let in_fraction = i >= int.len();
            if kept < 19 {
                if mantissa > 0 || b != b'0' {
                    kept += 1;
                }
                mantissa = mantissa * 10 + u64::from(b - b'0');
                power -= i64::from(in_fraction);
            } else if !in_fraction {
                power += 1;
            }
        }
        while mantissa != 0 && mantissa % 10 == 0 {
            mantissa /= 10;
            power += 1;
        }
        // 10^n for n <= 22 is exact in an f64.
        let pow10 = |n: i64| (0..n).fold(1.0f64, |a, _| a * 10.0);
        let mut value = mantissa as f64;
        if mantissa < 1 << 53 && (-22..=22).contains(&power) {
            // One correctly rounded operation on exact operands: the value `parse` gives.
            if power < 0 { value / pow10(-power) } else { value * pow10(power) }
        } else {
            // By exact steps of at most 10^22: one rounding each.
            let mut left = power.clamp(-800, 800);
            while left != 0 && value != 0.0 && value.is_finite() {
                let step = left.clamp(-22, 22);
                value = if step < 0 { value / pow10(-step) } else { value * pow10(step) };
                left -= step;
            }
            value
        }
    };
    Some(if negative { -value } else { value })
}

/// Bracket depth change of a text (`[` minus `]`).
fn bracket_balance(s: &[u8]) -> i32 {
    let opens = memchr::memchr_iter(b'[', s).count() as i32;
    let closes = memchr::memchr_iter(b']', s).count() as i32;
    opens - closes
}

/// The XAPI call of a storage-manager command: `vdi_snapshot` → `VDI.snapshot`.
fn xapi_call(command: &str) -> String {
    if let Some(rest) = command.strip_prefix("vdi_") {
        format!("VDI.{rest}")
    } else if let Some(rest) = command.strip_prefix("sr_") {
        format!("SR.{rest}")
    } else {
        command.to_string()
    }
}

/// Is this exception tag the storage-manager driver's name (the last, driver-level log of a
/// failed call), rather than a command name or a `generic exception: …` tag?
fn is_driver_tag(tag: &str) -> bool {
    let command_like = !tag.is_empty() && tag.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit());
    !(command_like || tag.starts_with("generic exception") || tag.starts_with("tapdisk"))
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer {
            pids: PidTable::default(),
            open_blocks: 0,
            pending_nospace: 0,
            host: None,
            host_bytes: Vec::new(),
            uuid_by_prefix: BTreeMap::new(),
            uuids: Vec::new(),
            gc_forks: Vec::new(),
            child_failures: ChildFailures::default(),
            commands: RecentCommands::default(),
            finders: Finders::default(),
            out: Collector::default(),
            time_bytes: [0; 40],
            time_len: 0,
            time_kind: None,
        }
    }
}

impl Analyzer {
    fn time(&self) -> Option<LogTime> {
        LogTime::from_parts(&self.time_bytes[..self.time_len], self.time_kind)
    }

    /// The host to record for a line of a process's call: only its first line's is kept (no
    /// allocation for the lines that follow).
    fn host_for_call(&self, pid: u32) -> Option<String> {
        let open = self.pids.get(&pid).and_then(|s| s.call.as_ref()).is_some_and(|c| c.first_line.is_some());
        if open {
            None
        } else {
            self.host.clone()
        }
    }

    fn ev(&self, text: &[u8], line: u32, pid: Option<u32>) -> Evidence {
        Evidence { text: evidence_text(text), line: Some(line), pid }
    }

    fn remember_uuid(&mut self, uuid: &[u8]) {
        if uuid.len() == 36 && self.uuid_by_prefix.len() < MAX_UUID_MAP {
            // A uuid is hexadecimal (find_uuid): its prefix is text.
            let Ok(key) = std::str::from_utf8(&uuid[..8]) else { return };
            if !self.uuid_by_prefix.contains_key(key) {
                self.uuid_by_prefix.insert(key.to_string(), self.uuids.len());
                self.uuids.push(lossy(uuid));
            }
        }
    }

    /// The full uuid of a VDI named by its 8-character prefix, when the log gave it.
    pub fn full_uuid(&self, name: &str) -> Option<String> {
        if name.len() == 36 {
            return Some(name.to_string());
        }
        let i = *self.uuid_by_prefix.get(name.get(..8)?)?;
        self.uuids.get(i).cloned()
    }

    fn incident(&self, kind: IncidentKind, line: u32, pid: Option<u32>) -> Incident {
        let mut i = Incident::new(kind, line, pid);
        i.time = self.time();
        i.host = self.host.clone();
        i
    }

    #[inline(never)]
    fn emit(&mut self, incident: impl Into<Box<Incident>>) {
        let mut incident: Incident = *incident.into();
        if incident.vdi_uuid.is_none() {
            if let Some(v) = &incident.vdi {
                incident.vdi_uuid = self.full_uuid(v);
            }
        }
        sort_by_line(&mut incident.evidence, |e| e.line);
        self.out.incident(incident);
    }

    fn state(&mut self, pid: u32, line: u32) -> &mut PidState {
        if self.pids.len() >= MAX_PIDS && !self.pids.contains_key(&pid) {
            self.evict();
        }
        let st = self.pids.entry_or_default(pid);
        st.last_seen = line;
        st
    }

    /// Flushes the least recently seen half of the process states.
    /// A process starts (its first line says so): any state an earlier process with the same
    /// pid left behind is flushed first.
    #[inline(never)]
    fn new_process(&mut self, pid: u32, line: u32) -> &mut PidState {
        if let Some(old) = self.pids.remove(&pid) {
            self.flush_state(pid, old);
        }
        self.state(pid, line)
    }

    #[inline(never)]
    fn evict(&mut self) {
        // Everything not seen since the middle of the live processes' span goes (about half of
        // them): a linear pass, no sort.
        let entries = self.pids.entries();
        let (lo, hi) = entries.iter().fold((u32::MAX, 0), |(lo, hi), (_, s)| (lo.min(s.last_seen), hi.max(s.last_seen)));
        let cut = lo + (hi.saturating_sub(lo)) / 2;
        let stale: Vec<u32> = entries.iter().filter(|(_, s)| s.last_seen <= cut).map(|(p, _)| *p).collect();
        for pid in stale {
            if let Some(st) = self.pids.remove(&pid) {
                self.flush_state(pid, st);
            }
        }
    }

    /// Everything still pending for a process is reported as it stands.
    #[inline(never)]
    fn flush_state(&mut self, pid: u32, mut st: Box<PidState>) {
        if st.block.is_some() || st.in_tree {
            self.open_blocks = self.open_blocks.saturating_sub(1);
        }
        if let Some(block) = st.block.take() {
            self.close_block(pid, &mut st, block);
        }
        // (Checked here: the engine optimises a function by how much of it runs, and these two
        // are large while there is rarely anything to do.)
        if st.call.is_some() {
            self.finish_call(pid, &mut st);
        }
        if !st.gc_exc.is_empty() || st.gave_up.is_some() || !st.gc_context.is_empty() {
            self.conclude_gc(pid, &mut st, None);
        }
        if let Some(inc) = st.nospace.take() {
            self.pending_nospace = self.pending_nospace.saturating_sub(1);
            self.emit(inc);
        }
        if let Some(inc) = st.lv_retry.take() {
            self.emit(inc);
        }
        if st.sr_lock_tries >= LOCK_WAIT_REPORTED {
            let mut inc = self.incident(IncidentKind::GcLockTimeout, st.sr_lock_first.as_ref().and_then(|e| e.line).unwrap_or(st.last_seen), Some(pid));
            if st.sr_lock_first.is_some() {
                // The first try's time and host, not those of the line being read.
                inc.time = st.sr_lock_time.take();
                inc.host = st.sr_lock_host.take();
            }
            inc.sr = st.sr.map(Id::string);
            inc.fact("attempts", st.sr_lock_tries.to_string());
            inc.fact("outcome", "still waiting when the log ends");
            if let Some(ev) = st.sr_lock_first.take() {
                inc.add_evidence(ev);
            }
            self.emit(inc);
        }
        if let Some(p) = st.pread.take() {
            self.unresolved_pread(pid, &st, p);
        }
        if self.pids.spare.len() < 64 {
            *st = PidState::default();
            self.pids.spare.push(st);
        }
    }

    #[inline(never)]
    fn unresolved_pread(&mut self, pid: u32, st: &PidState, p: PreadFailure) {
        let kind = if p.vg_probe && answers_vg_missing(&p.text) { IncidentKind::BenignVgCheck } else { IncidentKind::CommandFailed };
        // Its own time and host, not those of the line being read when the state is flushed.
        let mut inc = Incident::new(kind, p.line, Some(pid));
        inc.time = p.time;
        inc.host = p.host;
        inc.sr = st.sr.map(Id::string);
        inc.vdi = st.vdi_uuid.map(Id::string);
        inc.detail = Some(p.text.clone());
        if let Some(rc) = p.rc {
            inc.fact("rc", rc.to_string());
        }
        for e in p.evidence {
            inc.add_evidence(e);
        }
        self.emit(inc);
    }

    /// Ends the analysis: flushes every process state.
    pub fn finish(&mut self) {
        for (pid, st) in std::mem::take(&mut self.pids.displaced) {
            self.flush_state(pid, st);
        }
        // In pid order: deterministic, whatever the chunking.
        let pids: Vec<u32> = self.pids.entries().into_iter().map(|(p, _)| p).collect();
        for pid in pids {
            if let Some(st) = self.pids.remove(&pid) {
                self.flush_state(pid, st);
            }
        }
        let leftover = self.child_failures.take_all();
        for c in leftover {
            let mut inc = self.incident(IncidentKind::CoalesceFailed, c.line, None);
            inc.detail = Some(c.error.clone());
            if is_enospc(&c.error) {
                inc.kind = IncidentKind::CoalesceOutOfSpace;
            }
            for e in c.evidence {
                inc.add_evidence(e);
            }
            self.emit(inc);
        }
        let (by_prefix, uuids) = (&self.uuid_by_prefix, &self.uuids);
        self.out.resolve_vdis(&|name: &str| uuids.get(*by_prefix.get(name.get(..8)?)?).cloned());
    }

    /// One logical line.
    pub fn line(&mut self, line_no: u32, p: &LineParts) {
        if !self.pids.displaced.is_empty() {
            for (pid, st) in std::mem::take(&mut self.pids.displaced) {
                self.flush_state(pid, st);
            }
        }
        let msg = p.msg;
        let pid_key = p.pid.unwrap_or(0);
        if self.open_blocks > 0 {
            self.remember_prefix(p);
            if self.continue_block(pid_key, line_no, p) {
                return;
            }
        }
        let Some(&first) = msg.first() else { return };
        // Most lines are routine: decided here in a few comparisons, without looking anything up.
        match first {
            b'l' => self.lock_line(pid_key, line_no, p),
            b' ' => {
                if !is_routine_indented(msg) {
                    self.remember_prefix(p);
                    self.indented(pid_key, line_no, p);
                }
            }
            b'[' => {
                // A command about to run (`['/sbin/lvchange', '-ay', …]`): kept, without
                // allocating, in case it fails.
                if msg.get(1) == Some(&b'\'') {
                    self.commands.remember(pid_key, line_no, msg);
                }
            }
            b'v' | b's' => self.call_start(pid_key, line_no, p),
            _ if is_routine(msg) => {}
            _ => {
                self.remember_prefix(p);
                self.message(pid_key, line_no, p);
            }
        }
        if self.pending_nospace > 0 {
            self.release_nospace(pid_key, line_no);
        }
    }

    /// The time and host of the line being analysed, for what it reports.
    fn remember_prefix(&mut self, p: &LineParts) {
        if p.has_prefix {
            let n = p.time.len().min(self.time_bytes.len());
            self.time_bytes[..n].copy_from_slice(&p.time[..n]);
            self.time_len = n;
            self.time_kind = p.time_kind;
            if !crate::input::smlog::line::same_bytes(p.host, &self.host_bytes) {
                self.host_bytes.clear();
                self.host_bytes.extend_from_slice(p.host);
                self.host = Some(lossy(p.host));
            }
        }
    }

    fn pid_of(pid_key: u32, p: &LineParts) -> Option<u32> {
        p.pid.or(if pid_key == 0 { None } else { Some(pid_key) })
    }

    // ---------------------------------------------------------------- multi-line blocks

    /// Feeds a line to its process's open block. Returns `true` when the block took the line.
    #[inline(never)]
    fn continue_block(&mut self, pid: u32, line_no: u32, p: &LineParts) -> bool {
        let Some(st) = self.pids.get_mut(&pid) else { return false };
        if st.in_tree && st.block.is_none() {
            return self.tree_line(pid, line_no, p);
        }
        self.block_line(pid, line_no, p)
    }

    /// A line of a GC tree dump (8 spaces, then 4 more per level of the chain).
    #[inline(never)]
    fn tree_line(&mut self, pid: u32, line_no: u32, p: &LineParts) -> bool {
        let Some(st) = self.pids.get_mut(&pid) else { return false };
        let indent = p.msg.iter().take_while(|&&b| b == b' ').count();
        if indent >= 8 && p.msg.len() > indent {
            let depth = (indent as u32 - 8) / 4 + 1;
            st.last_seen = line_no;
            st.tree_depth = st.tree_depth.max(depth);
            if depth >= CHAIN_WARN_DEPTH {
                let sr = st.sr.map(Id::string);
                let mut inc = self.incident(IncidentKind::ChainNearLimit, line_no, Some(pid).filter(|p| *p != 0));
                inc.sr = sr;
                inc.vdi = vdi_name(&p.msg[indent..]);
                inc.fact("depth", depth.to_string());
                inc.add_evidence(self.ev(p.msg, line_no, Some(pid).filter(|p| *p != 0)));
                self.out.chain_line(inc);
            }
            return true;
        }
        st.in_tree = false;
        let depth = std::mem::take(&mut st.tree_depth);
        let sr = st.sr;
        self.open_blocks = self.open_blocks.saturating_sub(1);
        if depth > 0 {
            self.out.coalesce.chain_depth(sr.as_ref().map(Id::as_str), depth);
        }
        false
    }

    /// A line of a process with an open multi-line block.
    #[inline(never)]
    fn block_line(&mut self, pid: u32, line_no: u32, p: &LineParts) -> bool {
        let Some(st) = self.pids.get_mut(&pid) else { return false };
        let Some(mut block) = st.block.take() else { return false };
        st.last_seen = line_no;
        let msg = p.msg;
        let pid_opt = Self::pid_of(pid, p);
        let taken = match &mut block {
            Block::SmTraceback { lines } => {
                *lines += 1;
                if msg.is_empty() {
                    // The empty line that ends the traceback.
                    self.open_blocks = self.open_blocks.saturating_sub(1);
                    return true;
                }
                (msg.starts_with(b"  ") || starts(msg, "Traceback")) && *lines < MAX_BLOCK_LINES
            }
            Block::BareTraceback { lines, .. } => {
                *lines += 1;
                if continues_traceback(msg) {
                    *lines < MAX_BLOCK_LINES
                } else if let Some((class, text)) = exception_line(msg) {
                    // The exception's own line ends the traceback.
                    self.open_blocks = self.open_blocks.saturating_sub(1);
                    let Block::BareTraceback { mut evidence, .. } = block else { return true };
                    evidence.push(Evidence { text: evidence_text(msg), line: Some(line_no), pid: pid_opt });
                    self.bare_exception(pid, line_no, class, text, evidence);
                    return true;
                } else {
                    false
                }
            }
            Block::GcBanner(exc) => {
                exc.lines += 1;
                if starts(msg, "*~*~*~*~") || exc.lines >= MAX_BLOCK_LINES {
                    exc.evidence.push(Evidence { text: evidence_text(msg), line: Some(line_no), pid: pid_opt });
                    self.open_blocks = self.open_blocks.saturating_sub(1);
                    let Block::GcBanner(exc) = block else { return true };
                    let mut st = self.pids.remove(&pid).unwrap_or_default();
                    self.gc_exception(pid, &mut st, exc);
                    self.pids.insert(pid, st);
                    return true;
                }
                if !exc.seen_exception_line {
                    if let Some(pos) = find(msg, ": EXCEPTION ") {
                        exc.seen_exception_line = true;
                        exc.tag = lossy(&msg[..pos]);
                        let rest = &msg[pos + ": EXCEPTION ".len()..];
                        let (class, text) = split_class(rest);
                        exc.class = class;
                        exc.text = text;
                        exc.line = line_no;
                        exc.evidence.push(Evidence { text: evidence_text(msg), line: Some(line_no), pid: pid_opt });
                    }
                } else if exc.text.len() < MAX_BLOCK_TEXT && !msg.starts_with(b" ") && !msg.is_empty() && exc.lines <= 8 && !starts(msg, "Traceback") {
                    // The exception text went on over several lines.
                    exc.text.push('\n');
                    exc.text.push_str(&lossy(msg));
                }
                true
            }
            Block::Raise { text, depth, lines, evidence, .. } => {
                *lines += 1;
                if text.len() < MAX_BLOCK_TEXT {
                    text.push('\n');
                    text.push_str(&lossy(msg));
                }
                if evidence.len() < 8 {
                    evidence.push(Evidence { text: evidence_text(msg), line: Some(line_no), pid: pid_opt });
                }
                *depth += bracket_balance(msg);
                if *depth <= 0 || *lines >= 64 {
                    self.open_blocks = self.open_blocks.saturating_sub(1);
                    let mut st = self.pids.remove(&pid).unwrap_or_default();
                    self.close_block(pid, &mut st, block);
                    self.pids.insert(pid, st);
                    return true;
                }
                true
            }
            Block::Pread { failure, lines } => {
                *lines += 1;
                if failure.text.len() < MAX_BLOCK_TEXT {
                    failure.text.push('\n');
                    failure.text.push_str(&lossy(msg));
                }
                if failure.evidence.len() < 6 {
                    failure.evidence.push(Evidence { text: evidence_text(msg), line: Some(line_no), pid: pid_opt });
                }
                if msg.ends_with(b"'") || *lines >= 20 {
                    self.open_blocks = self.open_blocks.saturating_sub(1);
                    let mut st = self.pids.remove(&pid).unwrap_or_default();
                    self.close_block(pid, &mut st, block);
                    self.pids.insert(pid, st);
                    return true;
                }
                true
            }
        };
        if taken {
            if let Some(st) = self.pids.get_mut(&pid) {
                st.block = Some(block);
            }
            true
        } else {
            // The block ended on a line that belongs to something else.
            self.open_blocks = self.open_blocks.saturating_sub(1);
            let mut st = self.pids.remove(&pid).unwrap_or_default();
            self.close_block(pid, &mut st, block);
            self.pids.insert(pid, st);
            false
        }
    }

    #[inline(never)]
    fn open_block(&mut self, pid: u32, line_no: u32, block: Block) {
        let st = self.state(pid, line_no);
        let was_open = st.block.is_some();
        let old = st.block.replace(block);
        if !was_open {
            self.open_blocks += 1;
        }
        if let Some(old) = old {
            let mut st = self.pids.remove(&pid).unwrap_or_default();
            self.close_block(pid, &mut st, old);
            self.pids.insert(pid, st);
        }
    }

    #[inline(never)]
    fn close_block(&mut self, pid: u32, st: &mut PidState, block: Block) {
        match block {
            // A traceback without its exception line (cut off) says nothing on its own.
            Block::SmTraceback { .. } | Block::BareTraceback { .. } => {}
            Block::GcBanner(exc) => self.gc_exception(pid, st, exc),
            Block::Raise { text, line, evidence, .. } => self.raise(pid, st, &text, line, evidence),
            Block::Pread { failure, .. } => st.pread = Some(failure),
        }
    }

    // ---------------------------------------------------------------- dispatch

    #[inline(never)]
    fn lock_line(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        let Some(rest) = after(msg, "lock: ") else {
            self.remember_prefix(p);
            return self.message(pid, line_no, p);
        };
        match rest.first() {
            Some(b't') => {
                // `lock: tried lock <path>, acquired: False (exists: True)`: the GC polling the SR lock.
                if let Some(path_and) = after(rest, "tried lock ") {
                    if find(path_and, ", acquired: False").is_some() {
                        let path_end = memchr::memchr(b',', path_and).unwrap_or(path_and.len());
                        let path = &path_and[..path_end];
                        if ends_with_sr_lock(path) {
                            let sr = sr_of_lock_path(path).map(lossy);
                            let ev = self.ev(msg, line_no, Self::pid_of(pid, p));
                            // (Lock lines are routine: the time and host are read for the first try only.)
                            let first = self.pids.get(&pid).is_none_or(|s| s.sr_lock_first.is_none());
                            let (time, host) = if first {
                                self.remember_prefix(p);
                                (self.time(), self.host.clone())
                            } else {
                                (None, None)
                            };
                            let st = self.state(pid, line_no);
                            st.gc = true;
                            if st.sr.is_none() {
                                st.sr = sr.as_deref().and_then(Id::from_str);
                            }
                            st.sr_lock_tries += 1;
                            if st.sr_lock_first.is_none() {
                                st.sr_lock_first = Some(ev);
                                st.sr_lock_time = time;
                                st.sr_lock_host = host;
                            }
                        }
                    }
                }
            }
            Some(b'r') => {
                // `lock: released /var/lock/sm/<sr>/sr`: a storage-manager call releases the SR
                // lock when it ends; what it logged is complete.
                if let Some(path) = after(rest, "released ") {
                    if ends_with_sr_lock(path) && self.pids.get(&pid).is_some_and(|s| s.command.is_some() && !s.gc) {
                        if let Some(st) = self.pids.remove(&pid) {
                            self.remember_prefix(p);
                            self.flush_state(pid, st);
                        }
                    }
                }
            }
            Some(b'o') => {
                // `lock: opening lock file /var/lock/sm/<sr>/running`: which SR a GC works on
                // (only the GC's own lock files are worth a look-up).
                let gc_lock = ends(rest, "/running") || ends(rest, "/gc_active");
                if !gc_lock {
                    return;
                }
                if let Some(st) = self.pids.get_mut(&pid) {
                    if st.sr.is_none() {
                        if let Some(sr) = after(rest, "opening lock file ").and_then(sr_of_lock_path) {
                            st.sr = Id::new(sr);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    #[inline(never)]
    fn indented(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        // The frequent ones first: `  pread SUCCESS`, ` = 0`, tree lines (handled as blocks).
        if starts(msg, "  pread SUCCESS") || (msg.len() == 4 && starts(msg, " = 0")) {
            return;
        }
        if let Some(rest) = after(msg, "  Running VHD coalesce on ") {
            let _ = rest;
            return;
        }
        if starts(msg, "  Deleting stale") || starts(msg, "  Relinking") || starts(msg, "  Reloading") || starts(msg, "  Child process completed") {
            return;
        }
        if let Some(rest) = after(msg, " [VDI ") {
            if find(rest, "failed to read VHD metadata").is_some() {
                let pid_opt = Self::pid_of(pid, p);
                let mut inc = self.incident(IncidentKind::ScanError, line_no, pid_opt);
                inc.vdi = vdi_name(rest);
                inc.sr = self.pids.get(&pid).and_then(|s| s.sr.map(Id::string));
                inc.detail = Some("failed to read VHD metadata".into());
                inc.add_evidence(self.ev(msg, line_no, pid_opt));
                self.emit(inc);
            }
            return;
        }
        self.unknown(pid, line_no, p);
    }

    /// Messages that start with a letter or a symbol the storage manager uses.
    #[inline(never)]
    fn message(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        if let Some(declared) = super::messages::recognise(msg) {
            self.declared(declared, pid, line_no, p);
            return;
        }
        match msg[0] {
            b'*' => self.stars(pid, line_no, p),
            b'R' => self.msg_upper_r(pid, line_no, p),
            b'F' => self.msg_upper_f(pid, line_no, p),
            b'N' => self.msg_upper_n(pid, line_no, p),
            b'W' => self.msg_upper_w(pid, line_no, p),
            b'C' => self.c_message(pid, line_no, p),
            b'L' => self.msg_upper_l(pid, line_no, p),
            b'A' => self.msg_upper_a(pid, line_no, p),
            b'M' | b'U' | b'S' | b'I' | b'G' | b'E' | b'P' | b'D' | b'=' | b'T' | b'V' | b'.' | b'(' | b'K' | b'r' | b'c'
            | b'd' | b'B' | b'b' | b't' | b'v' | b's' => self.other_message(pid, line_no, p),
            _ => self.unknown(pid, line_no, p),
        }
    }

    // The handlers of `message` and `other_message`, one per first letter of the message: the
    // engine optimises the few that run often without compiling the rest.

    #[inline(never)]
    fn msg_upper_r(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        let pid_opt = Self::pid_of(pid, p);
        if let Some(rest) = after(msg, "Raising exception [") {
            let ev = self.ev(msg, line_no, pid_opt);
            if bracket_balance(rest) + 1 > 0 {
                let block = Block::Raise { text: lossy(msg), depth: bracket_balance(rest) + 1, line: line_no, lines: 1, evidence: vec![ev] };
                self.open_block(pid, line_no, block);
            } else {
                let mut st = self.pids.remove(&pid).unwrap_or_default();
                st.last_seen = line_no;
                self.raise(pid, &mut st, &lossy(msg), line_no, vec![ev]);
                self.pids.insert(pid, st);
            }
        } else if let Some(rest) = after(msg, "Renaming parent back: ") {
            if let Some(u) = uuid_at(rest) {
                self.remember_uuid(u);
            }
        }
    }

    #[inline(never)]
    fn msg_upper_f(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        let pid_opt = Self::pid_of(pid, p);
        if let Some(rest) = after(msg, "FAILED in util.pread") {
            let rc = find(rest, "(rc ").and_then(|i| {
                let s = &rest[i + 4..];
                let neg = s.first() == Some(&b'-');
                parse_u64(if neg { &s[1..] } else { s }).map(|v| if neg { -(v as i64) } else { v as i64 })
            });
            let ev = self.ev(msg, line_no, pid_opt);
            let mut evidence = Vec::new();
            let mut vg_probe = false;
            if let Some((cmd_line, cmd)) = self.commands.get(pid) {
                vg_probe = find(cmd, "vgs', '--readonly'").is_some();
                evidence.push(Evidence { text: evidence_text(cmd), line: Some(cmd_line), pid: pid_opt });
            }
            evidence.push(ev);
            let failure = PreadFailure { rc, text: lossy(msg), line: line_no, evidence, vg_probe, time: self.time(), host: self.host.clone() };
            if msg.ends_with(b"'") {
                let st = self.state(pid, line_no);
                let old = st.pread.replace(failure);
                if let Some(old) = old {
                    let st = self.pids.remove(&pid).unwrap_or_default();
                    self.unresolved_pread(pid, &st, old);
                    self.pids.insert(pid, st);
                }
            } else {
                self.open_block(pid, line_no, Block::Pread { failure, lines: 1 });
            }
        }
    }

    #[inline(never)]
    fn msg_upper_n(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        let pid_opt = Self::pid_of(pid, p);
        if let Some(rest) = after(msg, "Not enough space! free space: ") {
            let free = parse_u64(rest);
            let need = find(rest, "need: ").and_then(|i| parse_u64(&rest[i + 6..]));
            let ev = self.ev(msg, line_no, pid_opt);
            let time = self.time();
            let host = self.host_for_call(pid);
            let st = self.state(pid, line_no);
            let call = st.call.get_or_insert_with(Box::default);
            if call.first_line.is_none() {
                call.first_line = Some(line_no);
                call.time = time;
                call.host = host;
            }
            if let (Some(f), Some(n)) = (free, need) {
                call.space = Some((f, n));
            }
            push_capped(&mut call.evidence, ev);
        } else if let Some(rest) = after(msg, "No space to coalesce ") {
            self.no_space(pid, line_no, p, rest, IncidentKind::CoalesceNoSpace);
        } else if let Some(rest) = after(msg, "No space to leaf-coalesce ") {
            self.no_space(pid, line_no, p, rest, IncidentKind::LeafCoalesceNoSpace);
        } else if starts(msg, "No progress made for") {
            self.gave_up_reason(pid, line_no, p);
        } else if starts(msg, "No work, exiting") {
            self.close_attempt(pid, line_no, true);
            let sr = self.pids.get(&pid).and_then(|s| s.sr.map(Id::string));
            let time = self.time();
            self.out.coalesce.no_work(sr.as_deref(), line_no, time);
        } else if let Some(rest) = after(msg, "New PID [") {
            // The GC's parent names its first fork: link the final GC pid to the SR.
            if let Some(mid) = parse_u64(rest).and_then(|v| u32::try_from(v).ok()) {
                let sr = self.pids.get(&pid).and_then(|s| s.sr.map(Id::string));
                if let Some(pos) = self.gc_forks.iter().position(|(m, _)| *m == mid) {
                    let (_, fin) = self.gc_forks.remove(pos);
                    let st = self.state(fin, line_no);
                    st.gc = true;
                    if st.sr.is_none() {
                        st.sr = sr.as_deref().and_then(Id::from_str);
                    }
                }
            }
        }
    }

    #[inline(never)]
    fn msg_upper_w(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        if let Some(rest) = after(msg, "Will finish as PID [") {
            if let Some(fin) = parse_u64(rest).and_then(|v| u32::try_from(v).ok()) {
                if self.gc_forks.len() >= 64 {
                    self.gc_forks.remove(0);
                }
                self.gc_forks.push((pid, fin));
                // A new process: whatever an earlier process with this pid left is done.
                self.new_process(fin, line_no).gc = true;
            }
        }
    }

    #[inline(never)]
    fn msg_upper_l(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        if let Some(rest) = after(msg, "Leaf-coalescing ") {
            self.start_attempt(pid, line_no, Operation::LeafCoalesce, rest);
        } else if let Some(rest) = after(msg, "Leaf-coalesce failed on ") {
            self.gc_failed(pid, line_no, p, Operation::LeafCoalesce, Some(rest));
        }
    }

    #[inline(never)]
    fn msg_upper_a(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        let pid_opt = Self::pid_of(pid, p);
        if starts(msg, "Aborted coalesce") {
            let ev = self.ev(msg, line_no, pid_opt);
            let st = self.state(pid, line_no);
            let g = st.gave_up.get_or_insert_with(Box::default);
            g.evidence.push(ev);
        }
    }

    /// `vdi_snapshot {'sr_uuid': …}`: a storage-manager call starts.
    #[inline(never)]
    fn call_start(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        self.remember_prefix(p);
        let msg = p.msg;
        if let Some(brace) = msg.iter().take(40).position(|&b| b == b'{') {
            let cmd = &msg[..brace.saturating_sub(1)];
            if brace > 3 && msg[brace - 1] == b' ' && cmd.iter().all(|&b| b.is_ascii_lowercase() || b == b'_') && cmd.contains(&b'_') {
                let dict = &msg[brace..];
                // The dict of a call usually opens with its SR: no search then.
                let sr = match dict.strip_prefix(b"{'sr_uuid': '") {
                    Some(rest) => value_at(rest, 0),
                    None => dict_value(dict, &self.finders.sr_uuid),
                };
                let sr = sr.and_then(Id::new);
                let vdi = if starts(cmd, "vdi_") { dict_value(dict, &self.finders.vdi_uuid).and_then(Id::new) } else { None };
                let st = self.new_process(pid, line_no);
                st.command = Id::new(cmd);
                st.sr = sr;
                st.vdi_uuid = vdi;
                return;
            }
        }
        self.message(pid, line_no, p);
    }

    #[inline(never)]
    fn other_message(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        match msg[0] {
            b'M' => self.other_upper_m(pid, line_no, p),
            b'U' => self.other_upper_u(pid, line_no, p),
            b'S' => self.other_upper_s(pid, line_no, p),
            b'I' => self.other_upper_i(pid, line_no, p),
            b'G' => self.other_upper_g(pid, line_no, p),
            b'P' => self.other_upper_p(p),
            b'D' => self.other_upper_d(pid, line_no, p),
            b'=' => self.other_equals(pid, line_no, p),
            b'T' => self.other_upper_t(pid, line_no, p),
            b'.' => self.other_dot(pid, line_no, p),
            b'E' | b'(' | b'K' | b'r' | b'c' | b'd' | b'B' | b'b' | b't' | b'V' => {}
            _ => self.unknown(pid, line_no, p),
        }
    }

    #[inline(never)]
    fn other_upper_m(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        if let Some(rest) = after(msg, "Minimum size achieved was ").or_else(|| after(msg, "Minimum size acheived was ")) {
            self.gave_up_fact(pid, line_no, "minimumSize", rest);
        } else if starts(msg, "Max iterations") {
            self.gave_up_reason(pid, line_no, p);
        }
    }

    #[inline(never)]
    fn other_upper_u(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        if starts(msg, "Unexpected bump in size") {
            self.gave_up_reason(pid, line_no, p);
        } else if let Some(rest) = after(msg, "Unpause request for ") {
            if let Some(u) = uuid_at(rest) {
                self.remember_uuid(u);
            }
        }
    }

    #[inline(never)]
    fn other_upper_s(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        let pid_opt = Self::pid_of(pid, p);
        if starts(msg, "SR locked, retrying") {
            let ev = self.ev(msg, line_no, pid_opt);
            let time = self.time();
            let host = self.host_for_call(pid);
            let st = self.state(pid, line_no);
            let call = st.call.get_or_insert_with(Box::default);
            if call.first_line.is_none() {
                call.first_line = Some(line_no);
                call.time = time;
                call.host = host;
            }
            call.lock_retries += 1;
            if call.lock_retries == 1 {
                push_capped(&mut call.evidence, ev);
            }
        } else if let Some(rest) = after(msg, "Starting size was ") {
            self.gave_up_fact(pid, line_no, "startingSize", rest);
        } else if starts(msg, "Starting asynch srUpdate") {
            self.close_attempt(pid, line_no, true);
        } else if starts(msg, "Scan error") {
            let ev = self.ev(msg, line_no, pid_opt);
            push_capped(&mut self.state(pid, line_no).gc_context, ev);
        } else if starts(msg, "Snapshot-coalesce did not help") {
            self.gave_up_reason(pid, line_no, p);
        } else if let Some(rest) = after(msg, "SR ") {
            self.sr_message(pid, line_no, p, rest);
        }
    }

    #[inline(never)]
    fn other_upper_i(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        if starts(msg, "In cleanup") {
            self.close_attempt(pid, line_no, true);
        }
    }

    #[inline(never)]
    fn other_upper_g(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        if starts(msg, "GC process exiting") {
            self.close_attempt(pid, line_no, true);
            let sr = self.pids.get(&pid).and_then(|s| s.sr.map(Id::string));
            let time = self.time();
            self.out.coalesce.gc_exit(sr.as_deref(), line_no, time);
        } else if starts(msg, "GC active, about to go quiet") {
            let sr = self.pids.get(&pid).and_then(|s| s.sr.map(Id::string));
            let time = self.time();
            self.out.coalesce.gc_active(sr.as_deref(), line_no, time);
        }
    }

    #[inline(never)]
    fn other_upper_p(&mut self, p: &LineParts) {
        let msg = p.msg;
        if let Some(rest) = after(msg, "Pause request for ") {
            if let Some(u) = uuid_at(rest) {
                self.remember_uuid(u);
            }
        }
    }

    #[inline(never)]
    fn other_upper_d(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        if let Some(rest) = after(msg, "Deleting unlinked VDI ") {
            let name = vdi_name(rest);
            let same = self.pids.get(&pid).and_then(|s| s.attempt.as_ref()).is_some_and(|a| Some(&a.vdi) == name.as_ref());
            if same {
                self.close_attempt(pid, line_no, true);
            }
        }
    }

    #[inline(never)]
    fn other_equals(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        // `=== SR <uuid>: gc ===`: a GC run starts (or is forced).
        if let Some(rest) = after(msg, "=== SR ") {
            if let Some(u) = uuid_at(rest) {
                let is_gc = find(rest, ": gc").is_some();
                if is_gc {
                    let sr = lossy(u);
                    let time = self.time();
                    self.out.coalesce.gc_run(&sr, line_no, time);
                    let fresh = self.pids.get(&pid).is_some_and(|s| s.command.is_none() && !s.gc);
                    let st = if fresh { self.state(pid, line_no) } else { self.new_process(pid, line_no) };
                    st.gc = true;
                    st.sr = Id::from_str(&sr);
                }
            }
        }
    }

    #[inline(never)]
    fn other_upper_t(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        if starts(msg, "Traceback (most recent call last)") {
            let ev = self.ev(msg, line_no, Self::pid_of(pid, p));
            self.open_block(pid, line_no, Block::BareTraceback { lines: 1, evidence: vec![ev] });
        } else if starts(msg, "The VDI appears to have been") || starts(msg, "The VDI tree appears") || starts(msg, "The VDI is no longer leaf-coalesceable") {
            // The tree changed under the GC: the attempt is abandoned quietly.
            if let Some(st) = self.pids.get_mut(&pid) {
                st.attempt = None;
            }
        }
    }

    #[inline(never)]
    fn other_dot(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        let pid_opt = Self::pid_of(pid, p);
        if starts(msg, "...but enough space if skip snap-coalesce") {
            if let Some(inc) = self.pids.get_mut(&pid).and_then(|s| s.nospace.as_mut()) {
                inc.fact("offlineWouldFit", "true");
                inc.add_evidence(Evidence { text: evidence_text(msg), line: Some(line_no), pid: pid_opt });
            }
        }
    }

    /// A "no space" incident waits only for the line right after it
    /// (`...but enough space if skip snap-coalesce`).
    #[inline(never)]
    fn release_nospace(&mut self, pid: u32, line_no: u32) {
        if let Some(st) = self.pids.get_mut(&pid) {
            if let Some(inc) = st.nospace.take() {
                if inc.line != line_no {
                    self.pending_nospace = self.pending_nospace.saturating_sub(1);
                    self.emit(inc);
                } else if let Some(st) = self.pids.get_mut(&pid) {
                    st.nospace = Some(inc);
                }
            }
        }
    }

    #[inline(never)]
    fn sr_message(&mut self, pid: u32, line_no: u32, p: &LineParts, rest: &[u8]) {
        let msg = p.msg;
        // `SR 5b1c ('Local storage') (3 VDIs in 1 VHD trees): …`: a tree dump follows.
        if let Some(open) = find(rest, " ('") {
            if find(rest, " VHD trees)").is_some() {
                // The name starts after ` ('`; its closing `') (` is searched from there (in
                // ` (') (` the two overlap).
                let name_start = open + 3;
                let name = rest.get(name_start..).and_then(|after| find(after, "') (")).and_then(|len| rest.get(name_start..name_start + len)).map(lossy);
                let sr = self.pids.get(&pid).and_then(|s| s.sr.map(Id::string));
                if let (Some(sr), Some(name)) = (sr.as_deref(), name) {
                    self.out.coalesce.sr_name(sr, &name);
                }
                let changes_follow = !msg.ends_with(b"no changes");
                if changes_follow {
                    let st = self.state(pid, line_no);
                    if !st.in_tree && st.block.is_none() {
                        st.in_tree = true;
                        self.open_blocks += 1;
                    }
                }
            }
        }
    }

    #[inline(never)]
    fn c_message(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        if let Some(rest) = after(msg, "Coalescing ") {
            self.c_coalescing(pid, line_no, p, rest);
        } else if starts(msg, "Coalesce failed, skipping") {
            self.c_coalesce_failed_skipping(pid, line_no, p);
        } else if let Some(rest) = after(msg, "Coalesce failed on SR ") {
            self.c_coalesce_failed_on_sr(pid, line_no, p, rest);
        } else if let Some(rest) = after(msg, "Coalesce failed on ") {
            self.c_coalesce_failed_on_vdi(pid, line_no, p, rest);
        } else if let Some(rest) = after(msg, "Coalesced size = ") {
            // What the merged VHD will need: kept for a "no space" that may follow.
            let st = self.state(pid, line_no);
            st.gc = true;
            st.coalesced_size = Id::new(rest.trim_ascii());
        } else if let Some(rest) = after(msg, "Child process failed with : (") {
            self.c_child_failed(pid, line_no, p, rest);
        }
    }

    #[inline(never)]
    fn c_coalescing(&mut self, pid: u32, line_no: u32, _p: &LineParts, rest: &[u8]) {
        if !starts(rest, "parent ") && find(rest, " -> ").is_some() {
            self.start_attempt(pid, line_no, Operation::Coalesce, rest);
        }
    }

    #[inline(never)]
    fn c_coalesce_failed_skipping(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        self.gc_failed(pid, line_no, p, Operation::Coalesce, None);
    }

    #[inline(never)]
    fn c_coalesce_failed_on_sr(&mut self, pid: u32, line_no: u32, p: &LineParts, rest: &[u8]) {
        let msg = p.msg;
        let pid_opt = Self::pid_of(pid, p);
        // In the forked coalesce child: `Coalesce failed on SR <sr>: <strerror> (<detail>)`.
        let sr = uuid_at(rest).map(lossy);
        let text = rest.get(38..).unwrap_or(&[]);
        let (error, body) = match memchr::memrchr(b'(', text) {
            Some(i) => (lossy(text[..i].trim_ascii()), Some(lossy(text[i + 1..].strip_suffix(b")").unwrap_or(&text[i + 1..])))),
            None => (lossy(text.trim_ascii()), None),
        };
        let ev = self.ev(msg, line_no, pid_opt);
        let mut evidence = Vec::new();
        // The failure shows from the failed command on (the command line before it is context).
        let mut first_line = line_no;
        if let Some(st) = self.pids.get_mut(&pid) {
            if let Some(pread) = st.pread.take() {
                first_line = pread.line;
                evidence.extend(pread.evidence);
            }
        }
        evidence.push(ev);
        if let Some(sr) = sr.clone() {
            let st = self.state(pid, line_no);
            st.sr = Id::from_str(&sr);
            st.child_error = Some(error.clone());
            let body = body.filter(|b| !b.is_empty());
            let failure = ChildFailure { error, body, line: first_line, evidence };
            if self.child_failures.len() >= MAX_CHILD_FAILURES && !self.child_failures.contains_key(&sr) {
                self.orphan_child_failure(failure);
            } else if let Some(old) = self.child_failures.insert(sr, failure) {
                self.orphan_child_failure(old);
            }
        }
    }

    #[inline(never)]
    fn c_coalesce_failed_on_vdi(&mut self, pid: u32, line_no: u32, p: &LineParts, rest: &[u8]) {
        let msg = p.msg;
        let pid_opt = Self::pid_of(pid, p);
        // `Coalesce failed on <vdi>, attempting repair on parent <path>` (GC process).
        if let Some(u) = uuid_at(rest) {
            self.remember_uuid(u);
        }
        let ev = self.ev(msg, line_no, pid_opt);
        push_capped(&mut self.state(pid, line_no).gc_context, ev);
    }

    #[inline(never)]
    fn c_child_failed(&mut self, pid: u32, line_no: u32, p: &LineParts, rest: &[u8]) {
        let msg = p.msg;
        let pid_opt = Self::pid_of(pid, p);
        let err = lossy(rest.strip_suffix(b")").unwrap_or(rest));
        let ev = self.ev(msg, line_no, pid_opt);
        let st = self.state(pid, line_no);
        st.child_error = Some(err);
        push_capped(&mut st.gc_context, ev);
    }


    /// The GC's `*~*~*~` banner opens (or closes a banner whose opening was not seen).
    #[inline(never)]
    fn banner_opens(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let pid_opt = Self::pid_of(pid, p);
        let exc = GcException {
            start: line_no,
            line: line_no,
            evidence: vec![self.ev(p.msg, line_no, pid_opt)],
            time: self.time(),
            host: self.host.clone(),
            ..GcException::default()
        };
        self.state(pid, line_no).gc = true;
        self.open_block(pid, line_no, Block::GcBanner(exc));
    }

    #[inline(never)]
    fn stars(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        if starts(msg, "*~*~*~*~") {
            self.banner_opens(pid, line_no, p);
        } else if let Some(rest) = after(msg, "***** ") {
            self.stars_five(pid, line_no, p, rest);
        } else if let Some(rest) = after(msg, "*** ") {
            self.stars_three(pid, line_no, p, rest);
        } else if let Some(rest) = after(msg, "* * * * * SR ") {
            self.stars_gc_sr_error(pid, line_no, p, rest);
        } else if is_exception_title(msg) {
            // The banner's title, its `*~*~*~` opening cut off (an excerpt) or never written.
            self.banner_opens(pid, line_no, p);
        }
    }


    #[inline(never)]
    fn stars_five(&mut self, pid: u32, line_no: u32, p: &LineParts, rest: &[u8]) {
        let msg = p.msg;
        let pid_opt = Self::pid_of(pid, p);
        if let Some(cmd) = after(rest, "Long LVM call of '") {
            let mut inc = self.simple_incident(IncidentKind::LongLvmCall, pid, line_no, p);
            let end = memchr::memchr(b'\'', cmd).unwrap_or(cmd.len());
            inc.fact("command", lossy(&cmd[..end]));
            if let Some(i) = find(cmd, " took ") {
                let secs = &cmd[i + 6..];
                let secs = std::str::from_utf8(secs).ok().and_then(|s| parse_decimal(s.trim()));
                if let Some(s) = secs {
                    inc.fact("seconds", format!("{:.1}", s));
                }
            }
            self.emit(inc);
        } else if let Some(pos) = find(rest, ": EXCEPTION ") {
            let tag = lossy(&rest[..pos]);
            let (class, text) = split_class(&rest[pos + ": EXCEPTION ".len()..]);
            let ev = self.ev(msg, line_no, pid_opt);
            let time = self.time();
            self.open_block(pid, line_no, Block::SmTraceback { lines: 1 });
            let mut st = self.pids.remove(&pid).unwrap_or_default();
            st.last_seen = line_no;
            if st.gc && st.command.is_none() {
                push_capped(&mut st.gc_context, ev);
                self.pids.insert(pid, st);
                return;
            }
            let call = st.call.get_or_insert_with(Box::default);
            if call.first_line.is_none() {
                call.first_line = Some(line_no);
                call.time = time;
                call.host = self.host.clone();
            }
            push_capped(&mut call.evidence, ev);
            if let Some(pread) = st.pread.take() {
                let call = st.call.get_or_insert_with(Box::default);
                for e in pread.evidence {
                    push_capped(&mut call.evidence, e);
                }
            }
            let call = st.call.get_or_insert_with(Box::default);
            if call.exception.is_none() {
                call.exception = Some((tag.clone(), class.clone(), text.clone()));
            }
            if class.ends_with("SROSError") && is_driver_tag(&tag) {
                call.final_text = Some(text);
                self.finish_call(pid, &mut st);
            }
            self.pids.insert(pid, st);
        }
    }

    #[inline(never)]
    fn stars_three(&mut self, pid: u32, line_no: u32, p: &LineParts, rest: &[u8]) {
        let msg = p.msg;
        let pid_opt = Self::pid_of(pid, p);
        if starts(rest, "lvremove failed on attempt") || starts(rest, "lvchange -an failed on attempt") {
            let time = self.time();
            let host = self.host.clone();
            let ev = self.ev(msg, line_no, pid_opt);
            let st = self.state(pid, line_no);
            let pread = st.pread.take();
            let sr = st.sr.map(Id::string);
            let vdi = st.vdi_uuid.map(Id::string);
            let inc = st.lv_retry.get_or_insert_with(|| {
                let mut i = Incident::new(IncidentKind::LvBusyRetry, line_no, pid_opt);
                i.time = time;
                i.host = host;
                i.sr = sr;
                i.vdi = vdi;
                Box::new(i)
            });
            if let Some(pread) = pread {
                if inc.detail.is_none() {
                    inc.detail = Some(pread.text.clone());
                }
                for e in pread.evidence {
                    inc.add_evidence(e);
                }
            }
            let n = inc.facts.get("attempts").and_then(|a| a.parse::<u32>().ok()).unwrap_or(0) + 1;
            inc.fact("attempts", n.to_string());
            inc.fact("command", if starts(rest, "lvremove") { "lvremove" } else { "lvchange -an" });
            inc.add_evidence(ev);
        } else if starts(rest, "UNDO LEAF-COALESCE") || starts(rest, "leaf-coalesce undo successful") {
            let ev = self.ev(msg, line_no, pid_opt);
            let st = self.state(pid, line_no);
            st.undo = true;
            push_capped(&mut st.gc_context, ev);
        }
    }

    #[inline(never)]
    fn stars_gc_sr_error(&mut self, pid: u32, line_no: u32, p: &LineParts, rest: &[u8]) {
        let msg = p.msg;
        let pid_opt = Self::pid_of(pid, p);
        let sr = uuid_at(rest).map(lossy);
        let ev = self.ev(msg, line_no, pid_opt);
        let mut st = self.pids.remove(&pid).unwrap_or_default();
        st.last_seen = line_no;
        if st.sr.is_none() {
            st.sr = sr.as_deref().and_then(Id::from_str);
        }
        push_capped(&mut st.gc_context, ev);
        self.conclude_gc(pid, &mut st, Some(line_no));
        self.pids.insert(pid, st);
    }

    #[inline(never)]
    fn unknown(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        // XAPI errors written into a line in any other form (`['SR_BACKEND_FAILURE_44', …]`).
        if msg.len() > 20 && find(msg, "SR_BACKEND_FAILURE").is_some() {
            let text = lossy(msg);
            let pid_opt = Self::pid_of(pid, p);
            for mut e in xapi::codes_in_line(&text) {
                e.evidence.push(self.ev(msg, line_no, pid_opt));
                if let Some(st) = self.pids.get(&pid) {
                    e.subject.sr_uuid = st.sr.map(Id::string);
                    e.subject.vdi_uuid = st.vdi_uuid.map(Id::string);
                }
                e.subject.host = self.host.clone();
                let time = self.time();
                self.out.xapi(e, line_no, pid_opt, time);
            }
        }
    }

    // ---------------------------------------------------------------- helpers for episodes

    #[inline(never)]
    fn simple_incident(&mut self, kind: IncidentKind, pid: u32, line_no: u32, p: &LineParts) -> Incident {
        let pid_opt = Self::pid_of(pid, p);
        let mut inc = self.incident(kind, line_no, pid_opt);
        if let Some(st) = self.pids.get(&pid) {
            inc.sr = st.sr.map(Id::string);
            inc.vdi = st.attempt.as_ref().map(|a| a.vdi.clone()).or_else(|| st.vdi_uuid.map(Id::string));
        }
        if inc.sr.is_none() {
            inc.sr = find_uuid(p.msg).map(lossy).filter(|_| find(p.msg, "SR ").is_some());
        }
        inc.add_evidence(self.ev(p.msg, line_no, pid_opt));
        inc
    }

    /// A message `data/smlog_messages.toml` gives a meaning: the incident it declares, with the
    /// facts it says to capture.
    #[inline(never)]
    fn declared(&mut self, m: &super::messages::Message, pid: u32, line_no: u32, p: &LineParts) {
        let msg = p.msg;
        let rest = &msg[m.starts.len().min(msg.len())..];
        let mut inc = self.simple_incident(m.kind, pid, line_no, p);
        // The process's subject is not the message's (a lock file's SR, an SR-wide switch).
        if !m.sr_from_process {
            inc.sr = None;
        }
        if !m.vdi_from_process {
            inc.vdi = None;
        }
        if let Some(marker) = m.sr_after {
            let at = if marker.is_empty() { Some(0) } else { find(rest, marker).map(|i| i + marker.len()) };
            inc.sr = at.and_then(|i| uuid_at(&rest[i..])).map(lossy).or(inc.sr);
        }
        if let Some(marker) = m.vdi_after {
            inc.vdi = if marker.is_empty() { vdi_name(rest) } else { find(rest, marker).and_then(|i| vdi_name(&rest[i + marker.len()..])) };
        }
        if let Some(name) = m.word_fact {
            inc.fact(name, lossy(&rest[..rest.iter().position(|&b| b == b' ').unwrap_or(rest.len())]));
        }
        for (name, marker) in m.number_after {
            if let Some(number) = find(rest, marker).and_then(|i| parse_u64(&rest[i + marker.len()..])) {
                inc.fact(name, number.to_string());
            }
        }
        for (name, value) in m.facts {
            inc.fact(name, *value);
        }
        if m.detail {
            inc.detail = Some(lossy(msg));
        }
        if m.takes_failed_command {
            // The failure is explained: it joins this incident instead of being reported alone.
            if let Some(failure) = self.pids.get_mut(&pid).and_then(|st| st.pread.take()) {
                for e in failure.evidence {
                    inc.add_evidence(e);
                }
            }
        }
        if m.gc_context {
            if let Some(st) = self.pids.get_mut(&pid) {
                st.gc_context.push(Evidence { text: evidence_text(msg), line: Some(line_no), pid: Self::pid_of(pid, p) });
            }
        }
        if m.sr_gc_disabled {
            let time = self.time();
            self.out.coalesce.disabled(inc.sr.as_deref(), line_no, time);
        }
        self.emit(inc);
    }

    #[inline(never)]
    fn no_space(&mut self, pid: u32, line_no: u32, p: &LineParts, rest: &[u8], kind: IncidentKind) {
        let mut inc = self.simple_incident(kind, pid, line_no, p);
        inc.vdi = vdi_name(rest);
        let free = find(rest, "(free space: ").and_then(|i| parse_u64(&rest[i + 13..]));
        if let Some(f) = free {
            inc.fact("freeBytes", f.to_string());
        }
        if let Some(size) = self.pids.get_mut(&pid).and_then(|s| s.coalesced_size.take()) {
            inc.fact("coalescedSize", size.string());
        }
        let op = if kind == IncidentKind::LeafCoalesceNoSpace { Operation::LeafCoalesce } else { Operation::Coalesce };
        let time = self.time();
        self.out.coalesce.no_space(inc.sr.as_deref(), inc.vdi.as_deref(), op, free, line_no, time);
        let st = self.state(pid, line_no);
        match st.nospace.replace(Box::new(inc)) {
            Some(old) => self.emit(old),
            None => self.pending_nospace += 1,
        }
    }

    #[inline(never)]
    fn start_attempt(&mut self, pid: u32, line_no: u32, op: Operation, rest: &[u8]) {
        self.close_attempt(pid, line_no, true);
        let Some(vdi) = vdi_name(rest) else { return };
        let time = self.time();
        let st = self.state(pid, line_no);
        st.gc = true;
        st.gave_up = None;
        st.gc_exc.clear();
        st.gc_context.clear();
        st.undo = false;
        st.attempt = Some(Attempt { op, vdi: vdi.clone(), line: line_no });
        let sr = st.sr.map(Id::string);
        self.out.coalesce.attempt(sr.as_deref(), &vdi, op, line_no, time);
    }

    /// Ends the process's open coalesce attempt; `success` when it ended without a failure.
    #[inline(never)]
    fn close_attempt(&mut self, pid: u32, line_no: u32, success: bool) {
        let Some(st) = self.pids.get_mut(&pid) else { return };
        let Some(attempt) = st.attempt.take() else { return };
        let sr = st.sr.map(Id::string);
        if success {
            let kind = match attempt.op {
                Operation::Coalesce => IncidentKind::CoalesceSucceeded,
                Operation::LeafCoalesce => IncidentKind::LeafCoalesceSucceeded,
            };
            let time = self.time();
            self.out.coalesce.outcome(sr.as_deref(), &attempt.vdi, attempt.op, Outcome::Success, None, line_no, time.clone());
            let mut inc = self.incident(kind, attempt.line, Some(pid).filter(|p| *p != 0));
            inc.last_line = line_no;
            inc.sr = sr;
            inc.vdi = Some(attempt.vdi);
            self.emit(inc);
        }
    }

    #[inline(never)]
    fn gave_up_fact(&mut self, pid: u32, line_no: u32, name: &str, rest: &[u8]) {
        let value = lossy(rest.trim_ascii());
        if let Some(g) = self.pids.get_mut(&pid).and_then(|s| s.gave_up.as_mut()) {
            g.facts.push((name.to_string(), value));
            let _ = line_no;
        }
    }

    #[inline(never)]
    fn gave_up_reason(&mut self, pid: u32, line_no: u32, p: &LineParts) {
        let ev = self.ev(p.msg, line_no, Self::pid_of(pid, p));
        let reason = lossy(p.msg);
        let st = self.state(pid, line_no);
        let g = st.gave_up.get_or_insert_with(Box::default);
        g.reason = Some(reason);
        g.evidence.push(ev);
    }

    /// `Raising exception [N, text]` of a process.
    #[inline(never)]
    fn raise(&mut self, _pid: u32, st: &mut PidState, text: &str, line: u32, evidence: Vec<Evidence>) {
        let Some(mut err) = xapi::from_raising_exception(text) else { return };
        if st.gc && st.command.is_none() {
            // The GC raises internally; 204 is its legacy "gave up on leaf-coalesce".
            if err.sr_value() == Some(204) {
                let g = st.gave_up.get_or_insert_with(Box::default);
                g.reason = err.reason().map(str::to_string);
                g.evidence.extend(evidence);
            } else {
                for e in evidence {
                    push_capped(&mut st.gc_context, e);
                }
            }
            return;
        }
        let time = self.time();
        let call = st.call.get_or_insert_with(Box::default);
        if call.first_line.is_none() {
            call.first_line = Some(line);
            call.time = time;
            call.host = self.host.clone();
        }
        for e in &evidence {
            push_capped(&mut call.evidence, e.clone());
        }
        if let Some(pread) = st.pread.take() {
            let call = st.call.get_or_insert_with(Box::default);
            for e in pread.evidence {
                push_capped(&mut call.evidence, e);
            }
        }
        err.evidence = evidence;
        if let Some(call) = st.call.as_mut() {
            call.raises.push(err);
        }
    }

    /// A bare traceback ended on its exception: the process's call failed with it, unless the
    /// call goes on to return an SR error, which is then the diagnosis (`finish_call`). In the
    /// garbage collector's own work it is context for the GC failure it explains.
    #[inline(never)]
    fn bare_exception(&mut self, pid: u32, line_no: u32, class: String, text: String, evidence: Vec<Evidence>) {
        let time = self.time();
        let mut st = self.pids.remove(&pid).unwrap_or_default();
        st.last_seen = line_no;
        if st.gc && st.command.is_none() {
            for ev in evidence {
                push_capped(&mut st.gc_context, ev);
            }
        } else {
            let call = st.call.get_or_insert_with(Box::default);
            if call.first_line.is_none() {
                call.first_line = evidence.first().and_then(|e| e.line);
                call.time = time;
                call.host = self.host.clone();
            }
            for ev in evidence {
                push_capped(&mut call.evidence, ev);
            }
            if call.exception.is_none() {
                call.exception = Some((String::new(), class, text));
            }
        }
        self.pids.insert(pid, st);
    }

    /// The storage-manager call of this process failed (or ended): report what it returned.
    #[inline(never)]
    fn finish_call(&mut self, pid: u32, st: &mut PidState) {
        let Some(mut call) = st.call.take() else { return };
        let pid_opt = Some(pid).filter(|p| *p != 0);
        let line = call.first_line.unwrap_or(st.last_seen);
        // Where its first line was read (the call may be flushed after lines of another host).
        let host = if call.first_line.is_some() { call.host.take() } else { self.host.clone() };
        let mut err = if let Some(mut last) = call.raises.pop() {
            if let Some(prev) = call.raises.last() {
                let reason = prev.reason().unwrap_or("");
                last.extra.insert("previousError", format!("{}: {}", prev.code, reason));
            }
            Some(last)
        } else if let Some(text) = call.final_text.clone() {
            code_of_description(&text).map(|value| {
                let mut e = XapiError::new(&format!("SR_BACKEND_FAILURE_{value}"), vec![String::new(), text.clone(), String::new()], Shape::SmRaise);
                e.confidence = Confidence::Medium;
                e
            })
        } else if let Some(e) = call.exception.as_ref().and_then(|(_, class, text)| xapi_failure_returned(class, text)) {
            Some(e)
        } else if call.space.is_some() {
            let mut e = XapiError::new("SR_BACKEND_FAILURE_44", vec![String::new(), "There is insufficient space".into(), String::new()], Shape::SmRaise);
            e.confidence = Confidence::Medium;
            Some(e)
        } else {
            None
        };
        if let Some(e) = err.as_mut() {
            if let Some((free, need)) = call.space {
                e.extra.insert("freeBytes", free.to_string());
                e.extra.insert("neededBytes", need.to_string());
            }
            if call.lock_retries > 0 {
                e.extra.insert("lockRetries", call.lock_retries.to_string());
            }
        }
        match err {
            Some(mut e) => {
                e.evidence = call.evidence;
                sort_by_line(&mut e.evidence, |ev| ev.line);
                e.subject.sr_uuid = st.sr.map(Id::string);
                e.subject.vdi_uuid = st.vdi_uuid.map(Id::string);
                e.subject.host = host;
                e.call = st.command.as_ref().map(Id::as_str).map(xapi_call);
                self.out.xapi(e, line, pid_opt, call.time.clone());
            }
            None => {
                let kind = if call.exception.is_some() {
                    IncidentKind::SmCallFailed
                } else if call.lock_retries >= LOCK_WAIT_REPORTED {
                    IncidentKind::SrLockWait
                } else {
                    return;
                };
                let mut inc = Incident::new(kind, line, pid_opt);
                inc.time = call.time.clone();
                inc.host = host;
                inc.sr = st.sr.map(Id::string);
                inc.vdi = st.vdi_uuid.map(Id::string);
                if let Some((tag, class, text)) = call.exception.take() {
                    inc.detail = Some(text);
                    inc.fact("exception", class);
                    if !tag.is_empty() {
                        inc.fact("tag", tag);
                    }
                }
                if let Some(cmd) = &st.command {
                    inc.fact("command", cmd.string());
                }
                if call.lock_retries > 0 {
                    inc.fact("retries", call.lock_retries.to_string());
                }
                for e in call.evidence {
                    inc.add_evidence(e);
                }
                self.emit(inc);
            }
        }
    }

    /// A GC exception banner closed.
    #[inline(never)]
    fn gc_exception(&mut self, pid: u32, st: &mut PidState, mut exc: GcException) {
        st.gc = true;
        let pid_opt = Some(pid).filter(|p| *p != 0);
        // XAPI errors the GC got back (its own snapshot failing): they go through the rules.
        if exc.text.contains("SR_BACKEND_FAILURE") {
            for mut e in xapi::codes_in_line(&exc.text) {
                e.evidence = exc.evidence.iter().filter(|ev| ev.text.contains("EXCEPTION")).cloned().collect();
                e.subject.sr_uuid = st.sr.map(Id::string);
                e.subject.vdi_uuid = st.attempt.as_ref().and_then(|a| self.full_uuid(&a.vdi)).or_else(|| st.vdi_uuid.map(Id::string));
                e.subject.host = self.host.clone();
                if exc.class.contains("XenAPI.Failure") {
                    e.call = Some("VDI.snapshot".into());
                }
                let time = self.time();
                self.out.xapi(e, exc.line, pid_opt, time);
            }
        }
        if let Some(pread) = st.pread.take() {
            exc.evidence.extend(pread.evidence);
        }
        if exc.tag == "This exception has occured" {
            // The forked coalesce child failed: its error waits for the GC's "failed, skipping".
            if let Some(sr) = st.sr.map(Id::string) {
                let error = st.child_error.clone().unwrap_or_else(|| exc.text.clone());
                let full = self.child_failures.len() >= MAX_CHILD_FAILURES && !self.child_failures.contains_key(&sr);
                let mut own = ChildFailure { error: error.clone(), body: None, line: exc.line, evidence: Vec::new() };
                let failure = if full { &mut own } else { self.child_failures.get_or_insert(sr, own.clone()) };
                for e in exc.evidence.iter().filter(|e| e.text.contains("EXCEPTION")) {
                    push_capped(&mut failure.evidence, e.clone());
                }
                if full {
                    self.orphan_child_failure(own);
                }
                return;
            }
        }
        if exc.text.contains("VDI ") && exc.text.contains(" could not be coalesced") {
            if let Some(i) = exc.text.find("VDI ") {
                if let Some(u) = uuid_at(&exc.text.as_bytes()[i + 4..]) {
                    self.remember_uuid(u);
                }
            }
        }
        st.gc_exc.push(exc);
        if st.gc_exc.len() > 4 {
            st.gc_exc.remove(0);
        }
    }

    /// The GC said a coalesce or leaf-coalesce failed (`… failed, skipping`).
    #[inline(never)]
    fn gc_failed(&mut self, pid: u32, line_no: u32, p: &LineParts, op: Operation, vdi_text: Option<&[u8]>) {
        let pid_opt = Self::pid_of(pid, p);
        let ev = self.ev(p.msg, line_no, pid_opt);
        let mut st = self.pids.remove(&pid).unwrap_or_default();
        st.last_seen = line_no;
        st.gc = true;
        push_capped(&mut st.gc_context, ev);
        let named = vdi_text.and_then(vdi_name);
        if st.attempt.is_none() {
            if let Some(v) = named.clone() {
                st.attempt = Some(Attempt { op, vdi: v, line: line_no });
            }
        }
        self.conclude_gc_with(pid, &mut st, Some(line_no), Some(op));
        self.pids.insert(pid, st);
    }

    fn conclude_gc(&mut self, pid: u32, st: &mut PidState, line: Option<u32>) {
        self.conclude_gc_with(pid, st, line, None);
    }

    /// Reports the GC failure pending for a process: the banners it logged, the failed child,
    /// the give-up facts, and the line that concluded it (`op` known from that line).
    #[inline(never)]
    fn conclude_gc_with(&mut self, pid: u32, st: &mut PidState, line: Option<u32>, op: Option<Operation>) {
        if st.gc_exc.is_empty() && st.gave_up.is_none() && op.is_none() {
            if line.is_some() && !st.gc_context.is_empty() {
                // `* * * * * SR …: ERROR` without a banner.
                let mut inc = self.incident(IncidentKind::GcRunFailed, line.unwrap_or(st.last_seen), Some(pid).filter(|p| *p != 0));
                inc.sr = st.sr.map(Id::string);
                for e in st.gc_context.drain(..) {
                    inc.add_evidence(e);
                }
                self.emit(inc);
            }
            st.gc_context.clear();
            return;
        }
        let pid_opt = Some(pid).filter(|p| *p != 0);
        let excs = std::mem::take(&mut st.gc_exc);
        let gave_up = st.gave_up.take();
        let context = std::mem::take(&mut st.gc_context);
        let attempt = st.attempt.take();
        let op = op.or(attempt.as_ref().map(|a| a.op)).or_else(|| {
            excs.iter().find_map(|e| match e.tag.as_str() {
                "coalesce" => Some(Operation::Coalesce),
                "leaf-coalesce" | "_doCoalesceLeaf" => Some(Operation::LeafCoalesce),
                _ => None,
            })
        });
        // The most telling exception text: not the generic "Child process exited with error".
        let main = excs.iter().rev().find(|e| !e.text.starts_with("Child process exited")).or(excs.last());
        let text = main.map(|e| e.text.clone()).unwrap_or_default();
        let tag = main.map(|e| e.tag.clone()).unwrap_or_default();
        let any = |needle: &str| excs.iter().any(|e| e.text.contains(needle));
        let child = st.sr.as_ref().and_then(|sr| self.child_failures.remove(sr.as_str()));
        let first_line = excs.iter().map(|e| e.start).chain(child.iter().map(|c| c.line)).chain(gave_up.iter().flat_map(|g| g.evidence.first().and_then(|e| e.line))).min().or(line).unwrap_or(st.last_seen);

        let kind = if tag == "gc" || (op.is_none() && !excs.is_empty() && tag != "pauseVDIs") {
            if text.contains("Unable to acquire the SR lock") {
                IncidentKind::GcLockTimeout
            } else if text.starts_with("directory ") {
                // The SR's mount directory is missing (signature SG132), not a VHD of the tree.
                IncidentKind::GcRunFailed
            } else if text.starts_with("Parent VDI") || text.contains(" not found") || text.starts_with("Neither ") {
                IncidentKind::ParentMissing
            } else if text.starts_with("Scan error") {
                IncidentKind::ScanError
            } else if text.contains("is NOT master") || text.starts_with("Abort") {
                // Normal: the GC only runs on the master, and aborts when asked to.
                return;
            } else if text.contains("corrupted") {
                IncidentKind::VhdCorrupted
            } else {
                IncidentKind::GcRunFailed
            }
        } else if tag == "pauseVDIs" || text.starts_with("Failed to pause") {
            IncidentKind::PauseFailed
        } else if any("corrupted") {
            IncidentKind::VhdCorrupted
        } else if op == Some(Operation::LeafCoalesce) {
            if gave_up.is_some() || any("could not be coalesced") {
                IncidentKind::LeafCoalesceGaveUp
            } else if any("Timed out") {
                IncidentKind::LiveLeafCoalesceTimeout
            } else {
                IncidentKind::LeafCoalesceFailed
            }
        } else if child.as_ref().is_some_and(|c| is_enospc(&c.error)) || any("No space left") {
            IncidentKind::CoalesceOutOfSpace
        } else {
            IncidentKind::CoalesceFailed
        };
        let mut inc = self.incident(kind, first_line, pid_opt);
        if line.is_none() {
            // Flushed (the log ended, or the process was evicted): the first banner's time and
            // host, not those of the line being read.
            if let Some(first) = excs.iter().min_by_key(|e| e.start) {
                inc.time = first.time.clone();
                inc.host = first.host.clone();
            }
        }
        inc.sr = st.sr.map(Id::string);
        inc.vdi = attempt.as_ref().map(|a| a.vdi.clone());
        if inc.vdi.is_none() && kind == IncidentKind::VhdCorrupted {
            inc.vdi = text.strip_prefix("VHD ").and_then(|t| vdi_name(t.as_bytes()));
        }
        let detail = match &child {
            Some(c) if text.starts_with("Child process exited") || text.is_empty() => Some(match &c.body {
                Some(b) => format!("{} ({b})", c.error),
                None => c.error.clone(),
            }),
            _ if !text.is_empty() => Some(text.clone()),
            _ => gave_up.as_ref().and_then(|g| g.reason.clone()),
        };
        inc.detail = detail;
        if !excs.is_empty() {
            if let Some(class) = main.map(|e| e.class.clone()).filter(|c| !c.is_empty()) {
                inc.fact("exception", class);
            }
        }
        if let Some(g) = &gave_up {
            if let Some(r) = &g.reason {
                inc.fact("reason", r.clone());
            }
            for (k, v) in &g.facts {
                inc.fact(k, v.clone());
            }
        }
        if st.undo {
            inc.fact("undone", "true");
            st.undo = false;
        }
        if kind == IncidentKind::GcLockTimeout && st.sr_lock_tries > 0 {
            inc.fact("attempts", st.sr_lock_tries.to_string());
            if let Some(ev) = st.sr_lock_first.take() {
                inc.add_evidence(ev);
            }
            st.sr_lock_tries = 0;
        }
        if let Some(c) = &child {
            for e in &c.evidence {
                inc.add_evidence(e.clone());
            }
        }
        if let Some(g) = gave_up {
            for e in g.evidence {
                inc.add_evidence(e);
            }
        }
        for e in excs.iter().flat_map(|e| e.evidence.iter()) {
            inc.add_evidence(e.clone());
        }
        for e in context {
            inc.add_evidence(e);
        }
        if let Some(l) = line {
            inc.last_line = inc.last_line.max(l);
        }
        if let (Some(a), Some(op)) = (&attempt, op) {
            let time = self.time();
            let outcome = if matches!(kind, IncidentKind::CoalesceOutOfSpace) { Outcome::NoSpace } else { Outcome::Failure };
            self.out.coalesce.outcome(st.sr.as_ref().map(Id::as_str), &a.vdi, op, outcome, inc.detail.clone(), line.unwrap_or(st.last_seen), time);
        }
        self.emit(inc);
    }

    #[inline(never)]
    fn orphan_child_failure(&mut self, c: ChildFailure) {
        let mut inc = self.incident(if is_enospc(&c.error) { IncidentKind::CoalesceOutOfSpace } else { IncidentKind::CoalesceFailed }, c.line, None);
        inc.detail = Some(c.error);
        for e in c.evidence {
            inc.add_evidence(e);
        }
        self.emit(inc);
    }
}

/// Sorts a short, nearly sorted list (evidence, a timeline) by a line number: an insertion sort,
/// linear on sorted input and far smaller in WebAssembly than the standard sorts.
pub(super) fn sort_by_line<T>(v: &mut [T], key: impl Fn(&T) -> Option<u32>) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && key(&v[j - 1]) > key(&v[j]) {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

fn is_enospc(error: &str) -> bool {
    error.contains("No space left") || error.contains("ENOSPC")
}

fn push_capped(list: &mut Vec<Evidence>, ev: Evidence) {
    if !super::incident::has_evidence(list, &ev) {
        crate::model::push_evidence(list, ev);
    }
}

/// Lines inside a bare traceback: its frames (indented), the blank lines and the headers of the
/// tracebacks Python 3 chains to it.
fn continues_traceback(msg: &[u8]) -> bool {
    msg.is_empty()
        || msg.starts_with(b" ")
        || starts(msg, "Traceback (most recent call last)")
        || starts(msg, "During handling of the above exception")
        || starts(msg, "The above exception was the direct cause")
}

/// A traceback's last line, `module.Class: text` (or the class alone) → (class, text).
fn exception_line(msg: &[u8]) -> Option<(String, String)> {
    let end = msg.iter().position(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.')).unwrap_or(msg.len());
    let class = &msg[..end];
    let rest = &msg[end..];
    let named = class.first().is_some_and(u8::is_ascii_alphabetic) && !class.ends_with(b".");
    // The class alone only when it reads as one (`KeyboardInterrupt`), not any word.
    let bare_class = rest.is_empty() && [&b"Error"[..], b"Exception", b"Interrupt", b"Exit", b"Failure"].iter().any(|s| class.ends_with(s));
    if !named || !(bare_class || rest.starts_with(b":")) {
        return None;
    }
    let text = rest.strip_prefix(b":").unwrap_or(rest).trim_ascii();
    Some((lossy(class), lossy(text)))
}

/// `<class 'util.SMException'>, text` → (`util.SMException`, `text`).
fn split_class(s: &[u8]) -> (String, String) {
    if let Some(rest) = s.strip_prefix(b"<class '").or_else(|| s.strip_prefix(b"<type '")) {
        if let Some(end) = memchr::memchr(b'\'', rest) {
            let class = lossy(&rest[..end]);
            let text = rest[end..].strip_prefix(b"'>").unwrap_or(&rest[end..]);
            let text = text.strip_prefix(b",").unwrap_or(text);
            let text = text.strip_prefix(b" ").unwrap_or(text);
            return (class, lossy(text));
        }
    }
    let comma = memchr::memchr(b',', s).unwrap_or(s.len());
    (lossy(&s[..comma]), lossy(s.get(comma + 1..).unwrap_or(&[]).trim_ascii()))
}

/// `/var/lock/sm/<sr-uuid>/…` → the SR uuid.
fn sr_of_lock_path(s: &[u8]) -> Option<&[u8]> {
    let i = memmem::find(s, b"/var/lock/sm/")? + "/var/lock/sm/".len();
    uuid_at(&s[i..])
}

/// The XAPI error a driver got back from xapi or from a host plugin it called, when it let the
/// exception go: `EXCEPTION <class 'XenAPI.Failure'>, ['XENAPI_PLUGIN_FAILURE', 'map', …]`.
fn xapi_failure_returned(class: &str, text: &str) -> Option<XapiError> {
    if !class.ends_with("XenAPI.Failure") {
        return None;
    }
    xapi::codes_in_line(text).into_iter().next()
}

/// The SR error value whose official description starts the text of a driver-level
/// exception (upstream storage managers no longer log `Raising exception`).
fn code_of_description(text: &str) -> Option<u32> {
    let text = text.trim();
    crate::catalog::sr_error_codes()
        .iter()
        .filter(|c| c.description.len() >= 8)
        .filter(|c| {
            let d = c.description.trim_end();
            text.starts_with(d) && text[d.len()..].chars().next().is_none_or(|ch| ch == ' ' || ch == '[' || ch == '.' || ch == ',')
        })
        .max_by_key(|c| c.description.len())
        .map(|c| c.value)
}

/// Indented routine messages: a command's `  pread SUCCESS`, a refcount's ` = 0`, VHD
/// relinking chatter. Out of line, as [`is_routine`].
#[inline(never)]
fn is_routine_indented(msg: &[u8]) -> bool {
    starts(msg, "  pread SUCCESS")
        || (msg.len() == 4 && starts(msg, " = 0"))
        || starts(msg, "  Running VHD")
        || starts(msg, "  Relinking")
        || starts(msg, "  Reloading")
        || starts(msg, "  Child process completed")
}

/// Routine messages that never matter for a diagnosis (most of the log): attach/activate chatter,
/// refcounts, tapdisk plumbing, LVM cache traces. Out of line: inlined, its comparisons made the
/// per-line dispatcher (`Analyzer::line`) twice as large, and V8's optimising compiler takes
/// longer over a larger hot function while the line loop keeps running in baseline code
/// (bench/README.md, "Where the time goes").
#[inline(never)]
fn is_routine(msg: &[u8]) -> bool {
    match msg[0] {
        b'L' => starts(msg, "LVMCache") || starts(msg, "LVHDVDI.") || starts(msg, "LVHDSR."),
        b'R' => starts(msg, "Refcount") || starts(msg, "Removed ") || starts(msg, "Relinking key"),
        b'b' => starts(msg, "blktap2."),
        b't' => starts(msg, "tap."),
        b'r' => starts(msg, "result: "),
        b'P' => starts(msg, "PhyLink(") || starts(msg, "Paused or host_ref"),
        b'A' => starts(msg, "Adding tag") || starts(msg, "Activate lock"),
        b'E' => starts(msg, "Entering ") || starts(msg, "Expanding VHD"),
        b'D' => starts(msg, "DeviceNode("),
        b'N' => starts(msg, "NBDLink(") || starts(msg, "Num combined"),
        b'C' => starts(msg, "Calling tap-") || starts(msg, "Closing file"),
        b'S' => starts(msg, "Setting virtual") || starts(msg, "SR.update_asynch") || starts(msg, "Set vhd-blocks") || starts(msg, "Single-snapshot"),
        b'K' => starts(msg, "Kicking "),
        b'F' => starts(msg, "FileVDI.") || starts(msg, "Found "),
        b'W' => starts(msg, "Writing to file"),
        b'I' => starts(msg, "Iteration: "),
        _ => false,
    }
}

/// `*  E X C E P T I O N  *`, the title line of the garbage collector's exception banner.
fn is_exception_title(msg: &[u8]) -> bool {
    let start = msg.iter().position(|&b| b != b'*' && b != b' ').unwrap_or(msg.len());
    msg[..start].contains(&b'*') && msg[start..].starts_with(b"E X C E P T I O N")
}

#[cfg(test)]
mod tests;
