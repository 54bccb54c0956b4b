//! The JSON text of a [`Diagnosis`], written by hand: the bytes serde_json writes for it (the
//! tests compare both), in a third of the time. `diagnose()` of one error sends this text
//! across the WebAssembly boundary on every call, and serde_json spent most of its time there
//! escaping every key of every struct and copying one `"`, `:` or `,` at a time; here the keys
//! and punctuation are literals and a string is escaped only when a byte of it needs it.
//!
//! The SMlog report, the chain report and the space plan (large, rare in `diagnose()`) are
//! still written by serde_json, into the same buffer.
//!
//! [`write_wire`] writes the same diagnosis in the compact form `diagnose()` sends to its
//! JavaScript wrapper (`pkg/diagnosis-wire.js` turns it back into the `Diagnosis` object): the
//! rule texts of the findings (title, summary, cause, remediation, links: 3 of the 3.7 KB of one
//! error's result) are sent once per WebAssembly instance and then by number, and the records
//! as arrays. What a finding takes from its rule (ids, category, severity and the numbers of its
//! texts) is numbered and sent once too: a finding seen before is then a handful of values. `JSON.parse` in the engine costs by the byte (~1.3 ns each here) and the objects
//! it creates; building the objects in JavaScript around texts it already holds costs neither.

use crate::model::{Confidence, Evidence, Finding, Link, Params, Step, Subject};
use crate::Diagnosis;

/// `diagnosis` as JSON text, appended to `out`: exactly `serde_json::to_writer`'s bytes.
pub fn write_diagnosis(out: &mut Vec<u8>, d: &Diagnosis) -> Result<(), serde_json::Error> {
    put(out, b"{\"kind\":\"");
    put(out, d.kind.as_str().as_bytes());
    put(out, b"\",\"findings\":[");
    for (i, f) in d.findings.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_finding(out, f);
    }
    put(out, b"],\"smlog\":");
    serde_or_null(out, d.smlog.as_ref())?;
    put(out, b",\"chains\":");
    serde_or_null(out, d.chains.as_ref())?;
    put(out, b",\"spacePlan\":");
    serde_or_null(out, d.space_plan.as_ref())?;
    put(out, b",\"findingsOmitted\":");
    js_number(out, d.findings_omitted);
    out.push(b'}');
    Ok(())
}

/// The texts already sent to the JavaScript side, with their numbers (the order in which they
/// were sent). Bounded: when it holds too much, it is emptied before a result and the result
/// says so, and the wrapper empties its copy too.
#[derive(Default)]
pub struct SentTexts {
    /// Open addressing by hash: 0 is an empty slot, else a text's number + 1. Never more than
    /// half full.
    slots: Vec<u32>,
    /// The texts, and the rule parts of findings ([`SentTexts::rule_part_id`]) behind a 0xFF
    /// byte, which no UTF-8 text starts with: the two never share a number.
    texts: Vec<Box<[u8]>>,
    hashes: Vec<u64>,
    /// The rules' literals by address and length → their number + 1 (0: empty), open
    /// addressing as `slots`: a literal seen again is found without reading it.
    literals: Vec<(usize, usize, u32)>,
    literal_count: usize,
    bytes: usize,
    /// The head of the result being written: the texts it numbered, as JSON strings.
    head: Vec<u8>,
    /// The rest of the result being written (kept: one error's result allocates nothing).
    body: Vec<u8>,
    /// The rule part of the finding being written, as its key (kept, as `body`).
    rule_part: Vec<u8>,
    /// The last rule part written for each rule (by the address of its id; [`PART_MEMOS`]
    /// slots, a newer one replacing an older one of another rule in the same slot).
    memos: Vec<Option<PartMemo>>,
    /// The numbers of the texts of the finding being written, as `wire_rule_part` numbers them
    /// (kept, as `body`).
    memo_texts: Vec<u32>,
}

/// Slots of [`SentTexts::memos`].
const PART_MEMOS: usize = 64;

/// What a rule's finding was last sent as: its rule part's number and the numbers of its texts
/// in [`each_rule_text`]'s order, with the address of each text that was a literal. A finding
/// of the same rule whose texts are those again has that rule part: its number is reused after
/// comparing the texts (a literal at the same address is the same text), without hashing them,
/// looking them up, or writing and hashing the rule part's key. One error's rule texts are
/// ~2 KB (SR044): hashing and finding them on every call was a tenth of `diagnose()` in
/// WebAssembly.
struct PartMemo {
    rule: (usize, usize),
    rule_name: (usize, usize),
    category: crate::model::Category,
    severity: crate::model::Severity,
    steps: usize,
    part: u32,
    /// Per text: its number ([`NO_COMMAND`] for a step without one), and its address and
    /// length when it was a literal (else 0, 0).
    texts: Vec<(u32, usize, usize)>,
}

/// In [`PartMemo::texts`], a step without a command.
const NO_COMMAND: u32 = u32::MAX;

/// The address and length of a text, which identify a literal of the program.
fn address(a: &str) -> (usize, usize) {
    (a.as_ptr() as usize, a.len())
}

/// Calls `each` with every text of `f`'s rule part in the order `wire_rule_part` numbers them
/// (title, summary, cause, each step's text and command, each link's title and url), `None` for
/// a step without a command, and whether it is a literal; stops at the first `false`.
fn each_rule_text(f: &Finding, each: &mut dyn FnMut(Option<&str>, bool) -> bool) -> bool {
    let literal = |c: &std::borrow::Cow<'static, str>| matches!(c, std::borrow::Cow::Borrowed(_));
    if !(each(Some(&f.title), literal(&f.title)) && each(Some(&f.summary), literal(&f.summary)) && each(Some(&f.cause), literal(&f.cause))) {
        return false;
    }
    for Step { text, command } in &f.remediation {
        if !(each(Some(text), literal(text)) && each(command.as_deref(), command.as_ref().is_some_and(literal))) {
            return false;
        }
    }
    f.links.iter().all(|Link { title, url }| each(Some(title), literal(title)) && each(Some(url), literal(url)))
}

/// At most this many texts, or bytes of texts, are kept: a long-running service diagnosing the
/// errors of many VMs (whose uuids fill the commands) starts over now and then. The bounds hold
/// every rule example's texts with room to spare (they passed 1 MiB with 1,257 rules in stop 39: the
/// test below says when the knowledge outgrows them).
const MAX_SENT_TEXTS: usize = 32768;
const MAX_SENT_BYTES: usize = 2 << 20;

impl SentTexts {
    /// Forgets every text (after a failed write, whose numbers the wrapper never received).
    pub fn clear(&mut self) {
        self.slots.fill(0);
        self.literals.fill((0, 0, 0));
        self.literal_count = 0;
        self.texts.clear();
        self.hashes.clear();
        self.bytes = 0;
        self.head.clear();
        // The numbers the memos hold are no longer the texts'.
        self.memos.clear();
    }

    /// The number of `f`'s rule part when the memo of its rule says it was sent with these
    /// texts (see [`PartMemo`]).
    fn remembered_part(&self, f: &Finding) -> Option<u32> {
        let memo = self.memos.get(memo_slot(f.rule))?.as_ref()?;
        if (memo.rule, memo.rule_name, memo.category, memo.severity, memo.steps)
            != (address(f.rule), address(f.rule_name), f.category, f.severity, f.remediation.len())
        {
            return None;
        }
        let mut texts = memo.texts.iter();
        let same = each_rule_text(f, &mut |text, literal| match (texts.next(), text) {
            (Some(&(NO_COMMAND, _, _)), None) => true,
            (Some(&(id, p, l)), Some(text)) if id != NO_COMMAND => {
                (literal && address(text) == (p, l)) || self.texts.get(id as usize).is_some_and(|t| same_bytes(t, text.as_bytes()))
            }
            _ => false,
        });
        (same && texts.next().is_none()).then_some(memo.part)
    }

    /// Remembers that `f`'s rule part is number `part`, its texts numbered `self.memo_texts`.
    fn remember_part(&mut self, f: &Finding, part: u32) {
        let mut ids = self.memo_texts.iter();
        let mut texts = Vec::with_capacity(self.memo_texts.len());
        each_rule_text(f, &mut |text, literal| {
            let place = text.filter(|_| literal).map_or((0, 0), address);
            texts.push((ids.next().copied().unwrap_or(NO_COMMAND), place.0, place.1));
            true
        });
        if self.memos.is_empty() {
            self.memos.resize_with(PART_MEMOS, || None);
        }
        let memo = PartMemo {
            rule: address(f.rule),
            rule_name: address(f.rule_name),
            category: f.category,
            severity: f.severity,
            steps: f.remediation.len(),
            part,
            texts,
        };
        if let Some(slot) = self.memos.get_mut(memo_slot(f.rule)) {
            *slot = Some(memo);
        }
    }

    /// The number of `text`, numbering it when it is new.
    fn id(&mut self, text: &str) -> u32 {
        self.number(text.as_bytes(), |head| string(head, text))
    }

    /// The number of a finding's rule part, numbering it when it is new: `key` is 0xFF and the
    /// part's JSON array, which the head carries as it is.
    fn rule_part_id(&mut self, key: &[u8]) -> u32 {
        self.number(key, |head| head.extend_from_slice(key.get(1..).unwrap_or_default()))
    }

    /// The number of `key`; a new one is numbered and its JSON value written into the head by
    /// `write`.
    fn number(&mut self, key: &[u8], write: impl FnOnce(&mut Vec<u8>)) -> u32 {
        let hash = crate::hash::hash_bytes(key);
        if self.slots.len() < 2 * (self.texts.len() + 1) {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        loop {
            match self.slots[at] {
                0 => break,
                slot => {
                    let id = slot as usize - 1;
                    if self.hashes[id] == hash && same_bytes(&self.texts[id], key) {
                        return id as u32;
                    }
                }
            }
            at = (at + 1) & mask;
        }
        let id = self.texts.len() as u32;
        self.slots[at] = id + 1;
        self.texts.push(key.into());
        self.hashes.push(hash);
        self.bytes += key.len();
        self.head.push(b',');
        write(&mut self.head);
        id
    }

    /// The number of a text that is a literal of the program (`&'static`): by its address.
    #[allow(clippy::ptr_arg)] // (the `Cow` itself is read: whether it borrows a literal)
    fn id_of(&mut self, text: &std::borrow::Cow<'static, str>) -> u32 {
        let std::borrow::Cow::Borrowed(literal) = text else { return self.id(text) };
        if self.literals.len() < 2 * (self.literal_count + 1) {
            // Emptied and placed again as they are met: the table only saves reading them.
            self.literals = vec![(0, 0, 0); (self.literals.len() * 2).max(2 * MAX_SENT_TEXTS)];
            self.literal_count = 0;
        }
        let key = (literal.as_ptr() as usize, literal.len());
        let mask = self.literals.len() - 1;
        let mut at = (key.0 as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) as usize >> 7 & mask;
        loop {
            match self.literals[at] {
                (_, _, 0) => break,
                (p, l, id) if (p, l) == key => return id - 1,
                _ => at = (at + 1) & mask,
            }
        }
        let id = self.id(literal);
        self.literals[at] = (key.0, key.1, id + 1);
        self.literal_count += 1;
        id
    }

    /// Twice the slots (at first, room for the bound), every text placed again.
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(2 * MAX_SENT_TEXTS);
        self.slots = vec![0; size];
        let mask = size - 1;
        for (id, &hash) in self.hashes.iter().enumerate() {
            let mut at = hash as usize & mask;
            while self.slots[at] != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = id as u32 + 1;
        }
    }
}

/// The slot of a rule's memo in [`SentTexts::memos`]: by the address of its id.
fn memo_slot(rule: &'static str) -> usize {
    ((rule.as_ptr() as usize as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58) as usize % PART_MEMOS
}

/// `a == b`, eight bytes at a time (the slice comparison is a byte loop in WebAssembly).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut wa, mut wb) = (a.chunks_exact(8), b.chunks_exact(8));
    for (x, y) in (&mut wa).zip(&mut wb) {
        if u64::from_le_bytes([x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]]) != u64::from_le_bytes([y[0], y[1], y[2], y[3], y[4], y[5], y[6], y[7]]) {
            return false;
        }
    }
    wa.remainder() == wb.remainder()
}

/// The compact form of `d` for `pkg/diagnosis-wire.js`, appended to `out`:
///
/// `[[first, text…], kind, [finding…], smlog, chains, spacePlan, findingsOmitted]`, where the
/// head gives the texts numbered by this result (`first` is the number of the first one; 0
/// means the wrapper starts its table over), `smlog`, `chains` and `spacePlan` are as in the
/// full JSON, and a finding is
///
/// `[#rule part, [code…], {params}, [text, line, pid, …], confidence, subject]`
///
/// with `#` a number of the table, `subject` `null` when all its fields are, else the array of
/// its eleven fields in the order of [`Subject`], and the rule part (numbered as the texts, and
/// sent once as they are: its JSON array in the head) what the finding takes from its rule:
///
/// `[rule, ruleName, category, severity, #title, #summary, #cause,
///   [#text, #command | null, …], [#title, #url, …]]`
pub fn write_wire(out: &mut Vec<u8>, d: &Diagnosis, texts: &mut SentTexts) -> Result<(), serde_json::Error> {
    let mut body = std::mem::take(&mut texts.body);
    body.clear();
    let written = write_wire_parts(&mut body, d, texts);
    match written {
        Ok(()) => {
            out.reserve_exact(texts.head.len() + 1 + body.len());
            out.extend_from_slice(&texts.head);
            out.push(b']');
            out.extend_from_slice(&body);
        }
        // The texts numbered by this result never reach the wrapper: start over.
        Err(_) => texts.clear(),
    }
    if body.capacity() <= 64 * 1024 {
        texts.body = body;
    }
    written
}

fn write_wire_parts(body: &mut Vec<u8>, d: &Diagnosis, texts: &mut SentTexts) -> Result<(), serde_json::Error> {
    if texts.texts.len() >= MAX_SENT_TEXTS || texts.bytes >= MAX_SENT_BYTES {
        texts.clear();
    }
    let first = texts.texts.len() as u32;
    texts.head.clear();
    put(&mut texts.head, b"[[");
    unsigned(&mut texts.head, first);
    // The body is written first, numbering the texts into the head.
    put(body, b",\"");
    put(body, d.kind.as_str().as_bytes());
    put(body, b"\",[");
    for (i, f) in d.findings.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        wire_finding(body, f, texts);
    }
    put(body, b"],");
    serde_or_null(body, d.smlog.as_ref())?;
    body.push(b',');
    serde_or_null(body, d.chains.as_ref())?;
    body.push(b',');
    serde_or_null(body, d.space_plan.as_ref())?;
    body.push(b',');
    js_number(body, d.findings_omitted);
    body.push(b']');

    Ok(())
}

fn wire_finding(out: &mut Vec<u8>, f: &Finding, texts: &mut SentTexts) {
    out.push(b'[');
    match texts.remembered_part(f) {
        Some(id) => unsigned(out, id),
        None => {
            let mut part = std::mem::take(&mut texts.rule_part);
            part.clear();
            part.push(0xFF);
            texts.memo_texts.clear();
            wire_rule_part(&mut part, f, texts);
            let id = texts.rule_part_id(&part);
            unsigned(out, id);
            texts.remember_part(f, id);
            if part.capacity() <= 64 * 1024 {
                texts.rule_part = part;
            }
        }
    }
    put(out, b",[");
    comma_separated_strings(out, &f.codes);
    put(out, b"],");
    params(out, &f.params);
    put(out, b",[");
    for (i, Evidence { text, line, pid }) in f.evidence.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, text);
        out.push(b',');
        number(out, *line);
        out.push(b',');
        number(out, *pid);
    }
    put(out, b"],\"");
    put(out, confidence(f.confidence).as_bytes());
    put(out, b"\",");
    let s = &f.subject;
    if s.is_empty() {
        put(out, b"null");
    } else {
        let fields = [&s.vm_uuid, &s.vm_name, &s.vdi_uuid, &s.sr_uuid, &s.sr_name, &s.host, &s.job_id, &s.job_name, &s.task_id, &s.task, &s.task_status];
        for (i, value) in fields.into_iter().enumerate() {
            out.push(if i == 0 { b'[' } else { b',' });
            optional(out, value.as_deref());
        }
        out.push(b']');
    }
    out.push(b']');
}

/// What a finding takes from its rule, the same for every finding of the rule with the same
/// texts: `[rule, ruleName, category, severity, #title, #summary, #cause, [#text, #command |
/// null, …], [#title, #url, …]]`.
fn wire_rule_part(out: &mut Vec<u8>, f: &Finding, texts: &mut SentTexts) {
    out.push(b'[');
    string(out, f.rule);
    out.push(b',');
    string(out, f.rule_name);
    put(out, b",\"");
    put(out, f.category.as_str().as_bytes());
    put(out, b"\",\"");
    put(out, f.severity.as_str().as_bytes());
    put(out, b"\",");
    // Each number is also noted in `memo_texts`, for the rule's memo (`remember_part`).
    let id = texts.id_of(&f.title);
    number_text(out, texts, id);
    out.push(b',');
    let id = texts.id_of(&f.summary);
    number_text(out, texts, id);
    out.push(b',');
    let id = texts.id_of(&f.cause);
    number_text(out, texts, id);
    put(out, b",[");
    for (i, Step { text, command }) in f.remediation.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let id = texts.id_of(text);
        number_text(out, texts, id);
        out.push(b',');
        match command {
            Some(c) => {
                let id = texts.id_of(c);
                number_text(out, texts, id);
            }
            None => {
                put(out, b"null");
                texts.memo_texts.push(NO_COMMAND);
            }
        }
    }
    put(out, b"],[");
    for (i, Link { title, url }) in f.links.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let id = texts.id_of(title);
        number_text(out, texts, id);
        out.push(b',');
        let id = texts.id_of(url);
        number_text(out, texts, id);
    }
    put(out, b"]]");
}

/// Writes a text's number into the rule part and notes it for the rule's memo.
fn number_text(out: &mut Vec<u8>, texts: &mut SentTexts, id: u32) {
    unsigned(out, id);
    texts.memo_texts.push(id);
}

fn serde_or_null<T: serde::Serialize>(out: &mut Vec<u8>, value: Option<&T>) -> Result<(), serde_json::Error> {
    match value {
        Some(v) => with_serde(out, |w| serde_json::to_writer(w, v)),
        None => {
            put(out, b"null");
            Ok(())
        }
    }
}

/// Runs serde_json on `out` through [`SmallWrites`]: the writer `wasm.rs` uses for every other
/// result, so that serde's code for the reports exists once in the module, not once per writer.
fn with_serde(out: &mut Vec<u8>, write: impl FnOnce(&mut SmallWrites) -> Result<(), serde_json::Error>) -> Result<(), serde_json::Error> {
    let mut writer = SmallWrites(std::mem::take(out));
    let written = write(&mut writer);
    *out = writer.0;
    written
}

/// The JSON writer's buffer. serde_json writes every `"`, `:` and `,` as a slice of its own;
/// appending a slice compiles to `memory.copy`, which V8 runs as a call out of the WebAssembly
/// code: for one error's result those calls were a tenth of `diagnose`. Short slices are copied
/// byte by byte instead ([`put`]).
pub struct SmallWrites(pub Vec<u8>);

impl std::io::Write for SmallWrites {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        put(&mut self.0, buf);
        Ok(buf.len())
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        put(&mut self.0, buf);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One finding, with its fields in the order of the struct (serde's order).
pub fn write_finding(out: &mut Vec<u8>, f: &Finding) {
    put(out, b"{\"rule\":");
    string(out, f.rule);
    put(out, b",\"ruleName\":");
    string(out, f.rule_name);
    put(out, b",\"title\":");
    string(out, &f.title);
    put(out, b",\"category\":\"");
    put(out, f.category.as_str().as_bytes());
    put(out, b"\",\"severity\":\"");
    put(out, f.severity.as_str().as_bytes());
    put(out, b"\",\"codes\":[");
    comma_separated_strings(out, &f.codes);
    put(out, b"],\"params\":");
    params(out, &f.params);
    put(out, b",\"summary\":");
    string(out, &f.summary);
    put(out, b",\"cause\":");
    string(out, &f.cause);
    put(out, b",\"remediation\":[");
    for (i, Step { text, command }) in f.remediation.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        put(out, b"{\"text\":");
        string(out, text);
        put(out, b",\"command\":");
        optional(out, command.as_deref());
        out.push(b'}');
    }
    put(out, b"],\"links\":[");
    for (i, Link { title, url }) in f.links.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        put(out, b"{\"title\":");
        string(out, title);
        put(out, b",\"url\":");
        string(out, url);
        out.push(b'}');
    }
    put(out, b"],\"evidence\":[");
    for (i, Evidence { text, line, pid }) in f.evidence.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        put(out, b"{\"text\":");
        string(out, text);
        put(out, b",\"line\":");
        number(out, *line);
        put(out, b",\"pid\":");
        number(out, *pid);
        out.push(b'}');
    }
    put(out, b"],\"confidence\":\"");
    put(out, confidence(f.confidence).as_bytes());
    put(out, b"\",\"subject\":");
    subject(out, &f.subject);
    out.push(b'}');
}

fn confidence(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

fn params(out: &mut Vec<u8>, p: &Params) {
    out.push(b'{');
    for (i, (k, v)) in p.0.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, k);
        out.push(b':');
        string(out, v);
    }
    out.push(b'}');
}

fn subject(out: &mut Vec<u8>, s: &Subject) {
    // Most subjects are all null (one error, no context): one literal.
    if s.is_empty() {
        put(
            out,
            b"{\"vmUuid\":null,\"vmName\":null,\"vdiUuid\":null,\"srUuid\":null,\"srName\":null,\"host\":null,\
              \"jobId\":null,\"jobName\":null,\"taskId\":null,\"task\":null,\"taskStatus\":null}",
        );
        return;
    }
    let fields: [(&[u8], &Option<String>); 11] = [
        (b"{\"vmUuid\":", &s.vm_uuid),
        (b",\"vmName\":", &s.vm_name),
        (b",\"vdiUuid\":", &s.vdi_uuid),
        (b",\"srUuid\":", &s.sr_uuid),
        (b",\"srName\":", &s.sr_name),
        (b",\"host\":", &s.host),
        (b",\"jobId\":", &s.job_id),
        (b",\"jobName\":", &s.job_name),
        (b",\"taskId\":", &s.task_id),
        (b",\"task\":", &s.task),
        (b",\"taskStatus\":", &s.task_status),
    ];
    for (key, value) in fields {
        put(out, key);
        optional(out, value.as_deref());
    }
    out.push(b'}');
}

fn optional(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => put(out, b"null"),
    }
}

fn number(out: &mut Vec<u8>, n: Option<u32>) {
    match n {
        Some(n) => unsigned(out, n),
        None => put(out, b"null"),
    }
}

/// A count as [`crate::model::as_js_number`] writes it: exact up to 2^53, above as serde_json
/// writes the nearest `f64`.
fn js_number(out: &mut Vec<u8>, n: u64) {
    const MAX_SAFE: u64 = (1 << 53) - 1;
    if n <= u64::from(u32::MAX) {
        unsigned(out, n as u32);
    } else if n <= MAX_SAFE {
        put(out, n.to_string().as_bytes());
    } else {
        // (Never in practice: serde_json's float text, through the shared writer.)
        let _ = with_serde(out, |w| serde::Serialize::serialize(&(n as f64), &mut serde_json::Serializer::new(w)));
    }
}

fn unsigned(out: &mut Vec<u8>, mut n: u32) {
    if n < 10 {
        out.push(b'0' + n as u8);
        return;
    }
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    put(out, &digits[at..]);
}

/// Whether serde_json escapes this byte: `"`, `\` and the control characters.
const fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether any of the eight bytes of `w` needs escaping (a byte below 0x20, `"` or `\`): the
/// classic exact tests for a byte below n, `(w - n…) & !w & 0x80…`, on `w` and on `w ^ '"'…`
/// and `w ^ '\\'…` (a zero byte is one below 1).
#[inline]
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH != 0;
    below_space || has_zero(w ^ (ONES * b'"' as u64)) || has_zero(w ^ (ONES * b'\\' as u64))
}

/// `"a","b"`: the items of a list of strings, without the brackets.
fn comma_separated_strings(out: &mut Vec<u8>, items: &[String]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, item);
    }
}

/// A JSON string, escaped as serde_json escapes it (`\"`, `\\`, `\b \f \n \r \t`, other control
/// characters as `\u00XX`; nothing else).
fn string(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    while let Some(i) = first_escape(bytes, start) {
        put(out, &bytes[start..i]);
        match bytes[i] {
            b'"' => put(out, b"\\\""),
            b'\\' => put(out, b"\\\\"),
            b'\n' => put(out, b"\\n"),
            b'\r' => put(out, b"\\r"),
            b'\t' => put(out, b"\\t"),
            0x08 => put(out, b"\\b"),
            0x0c => put(out, b"\\f"),
            b => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                put(out, &[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]);
            }
        }
        start = i + 1;
    }
    put(out, &bytes[start..]);
    out.push(b'"');
}

/// The position of the first byte at or after `from` that [`needs_escape`]. Eight bytes at a
/// time while none does (almost always the whole text, and again after each escape: the quotes
/// of a JSON text quoted as evidence): each word is read from an eight-byte chunk, which compiles
/// to one load (built from eight indexed bytes it was eight bounds-checked loads and shifts, ~30
/// instructions a word natively); then byte by byte.
fn first_escape(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut clean = 0;
    for chunk in rest.chunks_exact(8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else { break };
        if word_needs_escape(u64::from_le_bytes(word)) {
            break;
        }
        clean += 8;
    }
    let at = rest.get(clean..)?.iter().position(|&b| needs_escape(b))?;
    Some(from + clean + at)
}

/// Appends bytes. A short slice is copied byte by byte: in WebAssembly `extend_from_slice`
/// is a `memory.copy`, which V8 runs as a call out of the module's code (see `wasm.rs`). Not
/// inlined: unrolled at each of its hundred call sites, it made the module 30 KB larger.
#[inline(never)]
fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.len() <= 16 {
        out.reserve(bytes.len());
        for &b in bytes {
            out.push(b);
        }
    } else {
        out.extend_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, Subject};

    fn same_as_serde(d: &Diagnosis) {
        let mut ours = Vec::new();
        write_diagnosis(&mut ours, d).expect("written");
        let serde = serde_json::to_vec(d).expect("serialised");
        assert_eq!(String::from_utf8_lossy(&ours), String::from_utf8_lossy(&serde));
    }

    #[test]
    fn every_rule_example_is_written_as_serde_json_writes_it() {
        let mut checked = 0;
        for rule in crate::rules::registry() {
            let example = rule.info.example;
            let (input, options) = match serde_json::from_str::<serde_json::Value>(example) {
                Ok(v) if v.get("input").is_some() && v.get("options").is_some() => (
                    v["input"].as_str().map(str::to_string).unwrap_or_else(|| v["input"].to_string()),
                    Options::from_json(&v["options"].to_string()).unwrap_or_default(),
                ),
                _ => (example.to_string(), Options::default()),
            };
            if let Ok(d) = crate::diagnose_text(&input, &options) {
                same_as_serde(&d);
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked}");
    }

    /// What `pkg/diagnosis-wire.js` does, in Rust: the wire form back to the full JSON value.
    fn from_wire(wire: &[u8], table: &mut Vec<serde_json::Value>) -> serde_json::Value {
        use serde_json::{json, Value};
        let v: Value = serde_json::from_slice(wire).expect("wire is JSON");
        let head = v[0].as_array().expect("head");
        let first = head[0].as_u64().expect("first") as usize;
        if first == 0 {
            table.clear();
        }
        assert_eq!(first, table.len(), "the wire's numbering follows the table");
        table.extend(head[1..].iter().cloned());
        let text = |v: &Value| table[v.as_u64().expect("a text's number") as usize].clone();
        let findings: Vec<Value> = v[2]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                let r = text(&f[0]);
                let pairs = |v: &Value| v.as_array().expect("pairs").chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect::<Vec<_>>();
                let remediation: Vec<Value> =
                    pairs(&r[7]).into_iter().map(|(t, c)| json!({"text": text(&t), "command": if c.is_null() { c } else { text(&c) }})).collect();
                let links: Vec<Value> = pairs(&r[8]).into_iter().map(|(t, u)| json!({"title": text(&t), "url": text(&u)})).collect();
                let evidence: Vec<Value> =
                    f[3].as_array().expect("evidence").chunks(3).map(|e| json!({"text": e[0], "line": e[1], "pid": e[2]})).collect();
                let names = ["vmUuid", "vmName", "vdiUuid", "srUuid", "srName", "host", "jobId", "jobName", "taskId", "task", "taskStatus"];
                let subject: serde_json::Map<String, Value> =
                    names.iter().enumerate().map(|(i, n)| (n.to_string(), f[5].get(i).cloned().unwrap_or(Value::Null))).collect();
                json!({
                    "rule": r[0], "ruleName": r[1], "title": text(&r[4]), "category": r[2], "severity": r[3], "codes": f[1],
                    "params": f[2], "summary": text(&r[5]), "cause": text(&r[6]), "remediation": remediation, "links": links,
                    "evidence": evidence, "confidence": f[4], "subject": subject,
                })
            })
            .collect();
        json!({"kind": v[1], "findings": findings, "smlog": v[3], "chains": v[4], "spacePlan": v[5], "findingsOmitted": v[6]})
    }

    #[test]
    fn the_wire_form_gives_back_every_rule_example_and_numbers_each_text_once() {
        let mut texts = SentTexts::default();
        let mut table = Vec::new();
        for round in 0..2 {
            for rule in crate::rules::registry() {
                let Ok(d) = crate::diagnose_text(rule.info.example, &Options::default()) else { continue };
                let mut wire = Vec::new();
                let before = texts.texts.len();
                write_wire(&mut wire, &d, &mut texts).expect("written");
                assert_eq!(from_wire(&wire, &mut table), serde_json::to_value(&d).expect("serialised"), "{}", rule.info.id);
                // The texts of every rule's example fit under the bounds, so that a page showing
                // any of them sends each text once: raise the bounds when the knowledge outgrows them.
                assert!(texts.texts.len() >= before, "the rule examples' texts outgrew MAX_SENT_TEXTS or MAX_SENT_BYTES at {} ({} texts, {} bytes)", rule.info.id, before, texts.bytes);
                if round == 1 {
                    // Every text was sent in the first round.
                    assert!(wire.starts_with(format!("[[{}]", texts.texts.len()).as_bytes()), "{}", rule.info.id);
                }
            }
        }
        assert_eq!(table.len(), texts.texts.len());
        // Past the bound, both sides start over.
        texts.bytes = MAX_SENT_BYTES;
        let d = crate::diagnose_text("VDI_IN_USE(OpaqueRef:1, snapshot)", &Options::default()).expect("diagnosed");
        let mut wire = Vec::new();
        write_wire(&mut wire, &d, &mut texts).expect("written");
        assert!(wire.starts_with(b"[[0,"));
        assert_eq!(from_wire(&wire, &mut table), serde_json::to_value(&d).expect("serialised"));
        assert_eq!(table.len(), texts.texts.len());
    }

    /// A rule's memo (`PartMemo`) changes no byte of the wire: the same results written with the
    /// memos and with them forgotten before each result are the same, whatever changed in the
    /// finding since its rule's last one (a text, a literal for a copy of it, a step, a command,
    /// a link, the category or the severity).
    #[test]
    fn the_rule_part_memo_gives_the_bytes_of_the_lookups() {
        use std::borrow::Cow;
        let d = crate::diagnose_text("SR_BACKEND_FAILURE_44(, There is insufficient space, )", &Options::default()).expect("diagnosed");
        let base = d.findings[0].clone();
        let mut variants = vec![base.clone(), base.clone()];
        let mut v = base.clone();
        v.summary.to_mut().push_str(" More.");
        variants.push(v);
        variants.push(base.clone());
        let mut v = base.clone();
        v.remediation[0].text = Cow::Owned(v.remediation[0].text.to_string());
        variants.push(v);
        let mut v = base.clone();
        v.remediation[2].text = Cow::Borrowed("Another step.");
        variants.push(v);
        let mut v = base.clone();
        v.remediation[0].command = None;
        variants.push(v);
        let mut v = base.clone();
        v.remediation.pop();
        variants.push(v);
        let mut v = base.clone();
        v.links.pop();
        variants.push(v);
        let mut v = base.clone();
        v.links[0].url = Cow::Owned("https://example.invalid/".to_string());
        variants.push(v);
        let mut v = base.clone();
        v.severity = crate::model::Severity::Info;
        variants.push(v);
        let mut v = base.clone();
        v.category = crate::model::Category::Other;
        variants.push(v);
        let mut v = base.clone();
        v.title = "Another title".to_string().into();
        variants.push(v);
        variants.push(base.clone());
        let (mut with, mut without) = (SentTexts::default(), SentTexts::default());
        let mut table = Vec::new();
        for (i, f) in variants.into_iter().enumerate() {
            let d = Diagnosis { findings: vec![f], ..d.clone() };
            let (mut a, mut b) = (Vec::new(), Vec::new());
            write_wire(&mut a, &d, &mut with).expect("written");
            without.memos.clear();
            write_wire(&mut b, &d, &mut without).expect("written");
            assert_eq!(String::from_utf8_lossy(&a), String::from_utf8_lossy(&b), "variant {i}");
            assert_eq!(from_wire(&a, &mut table), serde_json::to_value(&d).expect("serialised"), "variant {i}");
        }
        // (The memo is used: the last result was the first finding again.)
        assert!(with.remembered_part(&base).is_some());
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them_at_every_position() {
        for special in (0u8..0x80).chain([0xc3]) {
            for at in 0..20 {
                let mut bytes = vec![b'a'; 20];
                bytes[at] = special;
                if special == 0xc3 {
                    bytes.insert(at + 1, 0xa9);
                }
                let text = String::from_utf8(bytes).expect("UTF-8");
                let mut ours = Vec::new();
                string(&mut ours, &text);
                assert_eq!(String::from_utf8(ours).expect("UTF-8"), serde_json::to_string(&text).expect("serialised"));
            }
        }
    }

    /// Two bytes to escape anywhere in a text of 20 (the scan goes on word by word after an
    /// escape: `first_escape`).
    #[test]
    fn strings_with_two_escapes_at_any_positions_are_escaped_as_serde_json_escapes_them() {
        for (x, y) in [(b'"', b'"'), (b'\\', b'\n'), (0x01, b'"')] {
            for a in 0..20 {
                for b in a + 1..20 {
                    let mut bytes = vec![b'a'; 20];
                    bytes[a] = x;
                    bytes[b] = y;
                    let text = String::from_utf8(bytes).expect("UTF-8");
                    let mut ours = Vec::new();
                    string(&mut ours, &text);
                    assert_eq!(String::from_utf8(ours).expect("UTF-8"), serde_json::to_string(&text).expect("serialised"));
                }
            }
        }
    }

    #[test]
    fn sent_texts_number_each_distinct_text_once_whatever_their_count() {
        let mut texts = SentTexts::default();
        // More than the bound in one go (a result with many findings): the table grows.
        for round in 0..2 {
            for i in 0..10_000u32 {
                let text = format!("text {i}");
                assert_eq!(texts.id(&text), i, "round {round}");
            }
        }
        assert_eq!(texts.id(""), 10_000);
        assert_eq!(texts.id(""), 10_000);
        texts.clear();
        assert_eq!(texts.id("text 5"), 0);
        // Literals: by address, the same number as by content; past the table's size it grows.
        let leaked: Vec<&'static str> = (0..10_000).map(|i| &*Box::leak(format!("literal {}", i % 100).into_boxed_str())).collect();
        for round in 0..2 {
            for (i, literal) in leaked.iter().enumerate() {
                let by_address = texts.id_of(&std::borrow::Cow::Borrowed(*literal));
                assert_eq!(by_address, texts.id(&format!("literal {}", i % 100)), "round {round}");
            }
        }
        assert_eq!(texts.texts.len(), 101);
    }

    #[test]
    fn escapes_numbers_subjects_and_omitted_counts_as_serde_json() {
        let mut d = crate::diagnose_text("SR_BACKEND_FAILURE_44(, There is insufficient space, )", &Options::default()).expect("diagnosed");
        let f = &mut d.findings[0];
        f.summary = "quote \" backslash \\ nl \n cr \r tab \t bs \u{8} ff \u{c} nul \u{0} us \u{1f} del \u{7f} é \u{2028} </script>".into();
        f.subject = Subject { vm_uuid: Some("a\"b".into()), task_status: Some(String::new()), ..Subject::default() };
        f.evidence[0].line = Some(u32::MAX);
        f.evidence[0].pid = Some(0);
        f.params.insert("k\u{1}", "v\\");
        d.findings_omitted = (1 << 53) + 7;
        same_as_serde(&d);
        let (mut texts, mut table) = (SentTexts::default(), Vec::new());
        let mut wire = Vec::new();
        write_wire(&mut wire, &d, &mut texts).expect("written");
        assert_eq!(from_wire(&wire, &mut table), serde_json::to_value(&d).expect("serialised"));
        d.findings_omitted = 12_345;
        d.findings.clear();
        same_as_serde(&d);
    }

    #[test]
    fn smlog_and_records_results_keep_their_reports() {
        let smlog = "Jan 10 10:00:00 host SM: [123] ***** generic exception: vdi_snapshot: EXCEPTION <class 'SR.SROSError'>, There is insufficient space\n";
        same_as_serde(&crate::diagnose_text(smlog, &Options::default()).expect("diagnosed"));
        let records = r#"{"VM":{},"VBD":{},"VDI":{},"SR":{}}"#;
        same_as_serde(&crate::diagnose_text(records, &Options::default()).expect("diagnosed"));
    }
}
