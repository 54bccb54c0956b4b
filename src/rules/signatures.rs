//! Signatures: the knowledge of what a message means, written as data in
//! `data/signatures/*.toml` and compiled in by `build.rs`. A signature names literal markers
//! (`any` of which anchors it, `all` of which must appear near the anchor, `none` of which may),
//! the products and host versions it concerns, its category, severity and how close to the root
//! cause it is, and the remediation to render. Adding what a new real case teaches is an entry
//! there and a case in the corpus, not a change to a parser.
//!
//! Every input path is matched against the same signatures: free text and pasted logs as a whole,
//! each event of a structured input (a Xen Orchestra log's failed task, an error object), and
//! SMlog excerpts. One Aho-Corasick automaton over every literal of every signature finds all of
//! them in a single pass, ASCII case-insensitively; the conditions are then checked on the hits.

use std::borrow::Cow;
use std::sync::{LazyLock, OnceLock};

// The contiguous NFA directly (`crate::literals`), not `AhoCorasick`: that one picks an automaton
// at run time behind a `dyn` pointer, so the module would carry the search code of all three kinds
// (the DFA, the two NFAs) for every search. For 300+ literals it picks this one anyway
// (docs/size.md).
use crate::literals::Literals;

use super::{push_evidence, Facts, Matcher, Rule, RuleInfo};
use crate::model::{Category, Confidence, Evidence, Finding, Severity};
use crate::input::{is_cut_line, Event, XapiError, WRAP_COLUMNS};
use crate::options::Options;

/// One entry of `data/signatures/*.toml` (its fields are documented in data/signatures/README.md).
pub struct Signature {
    pub info: RuleInfo,
    /// Rank among findings of the same severity: higher is closer to the root cause.
    pub priority: i8,
    pub any: &'static [&'static str],
    /// Conditions each of which must hold near the anchor: a literal, or alternatives separated
    /// by `\x1c` (one of them suffices); `alternatives` splits one.
    pub all: &'static [&'static str],
    pub none: &'static [&'static str],
    /// Lines around the anchor in which `all` and `none` are looked for; 0 is the whole input.
    pub near: u32,
    /// `none` is looked for on the anchor's own line only (a form of the anchor's message that
    /// reads something else), not within `near`.
    pub none_on_line: bool,
    /// Where it is looked for: [`INPUT_TEXT`] | [`INPUT_EVENT`] | [`INPUT_SMLOG`].
    pub inputs: u8,
    /// Codes the finding carries when they appear in the input.
    pub codes: &'static [&'static str],
    pub product: Option<&'static str>,
    /// `<8.2.1`, `>=8.3`, `=6.1`: the host versions concerned (a known issue).
    pub versions: Option<&'static str>,
    pub fixed_in: Option<&'static str>,
    /// For a Xen Orchestra bug: the xo-server version from which it is certainly fixed (the build
    /// derives it from `fixed_in` and data/xo_releases.json); the signature stays quiet when the
    /// caller's `xoServerVersion` is at least this.
    pub xo_server_fixed: Option<&'static str>,
    /// For a Xen Orchestra bug whose message other causes print too (`xo_versions`): it fires
    /// only when the xo-server is known and older than this.
    pub xo_server_below: Option<&'static str>,
    /// For such a bug that came with a later release (`xo_versions = ">=6.2.0 <6.5.0"`): the
    /// xo-server of the last release before it; the signature stays quiet for a known xo-server
    /// no newer than this, whose code never had the bug.
    pub xo_server_above: Option<&'static str>,
    pub summary: &'static str,
    pub cause: &'static str,
    /// `info.trigger` once written ([`with_trigger`]): only `listRules()` reads it.
    trigger: OnceLock<&'static str>,
    pub steps: &'static [(&'static str, Option<&'static str>)],
    pub links: &'static [(&'static str, &'static str)],
}

/// Pasted or free text, read as a whole.
pub const INPUT_TEXT: u8 = 1;
/// The text of one event of a structured input (a backup log's task, an error object).
pub const INPUT_EVENT: u8 = 2;
/// Storage-manager log text.
pub const INPUT_SMLOG: u8 = 4;

include!(concat!(env!("OUT_DIR"), "/signatures_data.rs"));

/// Every signature, read from `SIGNATURES_TEXT` on first use (build/knowledge.rs writes it; the
/// build has checked every field, so a malformed record cannot happen and would read as empty
/// fields).
pub static SIGNATURES: LazyLock<Vec<Signature>> =
    LazyLock::new(|| split_on(SIGNATURES_TEXT, 0x1e).filter(|r| !r.is_empty()).map(signature_from_record).collect());

/// `text.split(separator)` (an ASCII separator) through memchr, which is SIMD in the module where
/// `str::split` goes a word at a time: the 1.5 MB of every signature's record are split on the
/// first call, in WebAssembly's baseline tier.
fn split_on(text: &'static str, separator: u8) -> impl Iterator<Item = &'static str> {
    let mut ends = memchr::memchr_iter(separator, text.as_bytes()).chain(std::iter::once(text.len()));
    let mut from = 0;
    std::iter::from_fn(move || {
        let end = ends.next()?;
        let piece = text.get(from..end).unwrap_or("");
        from = end + 1;
        Some(piece)
    })
}

/// The registry's view of them: a rule each (documented, listed, in the TypeScript union).
pub static SIGNATURE_RULES: LazyLock<Vec<Rule>> =
    LazyLock::new(|| SIGNATURES.iter().map(|s| Rule { info: &s.info, matcher: Matcher::Signature(s) }).collect());

fn signature_from_record(record: &'static str) -> Signature {
    // Leaked once per list, for the life of the module: the table is never freed anyway.
    fn list(field: &'static str) -> &'static [&'static str] {
        if field.is_empty() {
            return &[];
        }
        Box::leak(split_on(field, 0x1d).collect::<Vec<_>>().into_boxed_slice())
    }
    fn pairs(field: &'static str) -> Vec<(&'static str, Option<&'static str>)> {
        if field.is_empty() {
            return Vec::new();
        }
        split_on(field, 0x1d).map(|p| p.split_once('\x1c').map_or((p, None), |(a, b)| (a, Some(b)))).collect()
    }
    let mut f = split_on(record, 0x1f);
    let mut next = || f.next().unwrap_or("");
    let (id, name, title) = (next(), next(), next());
    let category = next().parse::<usize>().ok().and_then(|i| Category::ALL.get(i).copied()).unwrap_or(Category::Other);
    let severity = next().parse::<usize>().ok().and_then(|i| Severity::ALL.get(i).copied()).unwrap_or(Severity::Info);
    let (description, example) = (next(), next());
    let priority = next().parse().unwrap_or(1);
    let (any, all, none) = (list(next()), list(next()), list(next()));
    let near = next().parse().unwrap_or(0);
    let none_on_line = next() == "1";
    let inputs = next().parse().unwrap_or(0);
    let codes = list(next());
    let mut option = || Some(next()).filter(|s| !s.is_empty());
    let (product, versions, fixed_in, xo_server_fixed, xo_server_below, xo_server_above) =
        (option(), option(), option(), option(), option(), option());
    let (summary, cause) = (next(), next());
    let description = if description.is_empty() { cause } else { description };
    // Written when the rules are listed (`with_trigger`): a diagnosis never reads it.
    let trigger = "";
    let info = RuleInfo { id, name, title, category, severity, trigger, description, example };
    let steps = Box::leak(pairs(next()).into_boxed_slice());
    let links = Box::leak(
        pairs(next()).into_iter().map(|(title, url)| (title, url.unwrap_or(""))).collect::<Vec<_>>().into_boxed_slice(),
    );
    Signature {
        info,
        priority,
        any,
        all,
        none,
        near,
        none_on_line,
        inputs,
        codes,
        product,
        versions,
        fixed_in,
        xo_server_fixed,
        xo_server_below,
        xo_server_above,
        summary,
        cause,
        trigger: OnceLock::new(),
        steps,
        links,
    }
}

/// A signature's `RuleInfo` with its `trigger` written (`listRules()`, RULES.md), the first time
/// it is asked for.
pub fn with_trigger(s: &Signature) -> RuleInfo {
    let trigger = *s.trigger.get_or_init(|| {
        trigger(s.any, s.all, (s.none, s.none_on_line), s.product, s.versions, (s.xo_server_fixed, s.xo_server_below, s.xo_server_above))
    });
    RuleInfo { trigger, ..s.info }
}

/// What fires a signature, in words (`listRules()`'s `trigger`): "text containing `a` or `b`,
/// with `c` and `d`, without `e`; XCP-ng <8.2.1". Written here from the literals rather than
/// compiled in beside them: the module would carry every literal twice (docs/size.md).
fn trigger(
    any: &[&str],
    all: &[&str],
    (none, none_on_line): (&[&str], bool),
    product: Option<&str>,
    versions: Option<&str>,
    (xo_server_fixed, xo_server_below, xo_server_above): (Option<&str>, Option<&str>, Option<&str>),
) -> &'static str {
    use std::fmt::Write as _;
    fn quoted(out: &mut String, items: &[&str], separator: &str) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(separator);
            }
            let _ = write!(out, "`{item}`");
        }
    }
    let mut t = String::from("text containing ");
    quoted(&mut t, any, " or ");
    for (i, condition) in all.iter().enumerate() {
        t.push_str(if i == 0 { ", with " } else { " and " });
        let either: Vec<&str> = alternatives(condition).collect();
        if either.len() > 1 {
            t.push_str("one of ");
        }
        quoted(&mut t, &either, " or ");
    }
    if !none.is_empty() {
        t.push_str(", without ");
        quoted(&mut t, none, " or ");
        if none_on_line {
            t.push_str(" on the same line");
        }
    }
    if let Some(v) = versions {
        let _ = write!(t, "; {} {v}", product.unwrap_or("host"));
    }
    if let (Some(v), Some(above)) = (xo_server_below, xo_server_above) {
        let _ = write!(t, "; only when xo-server is known, newer than {above} and older than {v}");
    } else if let Some(v) = xo_server_below {
        let _ = write!(t, "; only when xo-server is known and older than {v}");
    } else if let Some(v) = xo_server_fixed {
        let _ = write!(t, "; not when xo-server is {v} or later");
    }
    // Leaked once per signature, like its lists: the table lives as long as the module.
    Box::leak(t.into_boxed_str())
}

/// At most this many hits are kept per literal (the conditions look at the nearest ones).
const MAX_HITS_PER_LITERAL: usize = 4096;

/// The automaton over every distinct literal, and what each literal means to the signatures.
struct Index {
    automaton: Literals,
    /// Per literal: the signatures it anchors (it is one of their `any`).
    anchors: Vec<Vec<u16>>,
    /// Per signature: its `all` conditions (each its alternatives) and `none` literals as
    /// literal ids.
    all_ids: Vec<Vec<Vec<usize>>>,
    none_ids: Vec<Vec<usize>>,
    /// Per literal: what must follow its text where it is found (an error number matched whole,
    /// or the digits a trailing `{at least N digits}` stands for).
    tails: Vec<Tail>,
}

/// What must follow a literal's text for a hit. An error number is matched whole: a literal that
/// ends in one (`: -5`, `return code = -11`) found before another digit (`: -524`) is no hit. A
/// literal that ends in `{at least N digits}` (`error coalescing: -{at least 5 digits}`) is its
/// text followed by at least N digits: a number too long to be an errno, say.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Tail {
    Anything,
    NoDigitAfter { len: u16 },
    Digits { len: u16, at_least: u8 },
}

impl Tail {
    fn of(literal: &str) -> Tail {
        if let Some((text, at_least)) = Tail::split_places(literal) {
            return Tail::Digits { len: u16::try_from(text.len()).unwrap_or(u16::MAX), at_least };
        }
        if ends_in_negative_number(literal) {
            return Tail::NoDigitAfter { len: u16::try_from(literal.len()).unwrap_or(u16::MAX) };
        }
        Tail::Anything
    }

    /// `error coalescing: -{at least 5 digits}` → (`error coalescing: -`, 5).
    fn split_places(literal: &str) -> Option<(&str, u8)> {
        let (text, places) = literal.strip_suffix(" digits}")?.rsplit_once("{at least ")?;
        Some((text, places.parse().ok().filter(|&n| n > 0)?))
    }

    /// The text the automaton looks for.
    fn text(literal: &str) -> &str {
        Tail::split_places(literal).map_or(literal, |(text, _)| text)
    }

    /// Does the hit of the literal at `start` in `bytes` count?
    fn holds(self, bytes: &[u8], start: usize) -> bool {
        match self {
            Tail::Anything => true,
            Tail::NoDigitAfter { len } => !bytes.get(start + usize::from(len)).is_some_and(u8::is_ascii_digit),
            Tail::Digits { len, at_least } => {
                let first = start + usize::from(len);
                bytes.get(first..first + usize::from(at_least)).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            }
        }
    }
}

/// A literal as the text it looks for (without a trailing `{at least N digits}`).
pub(super) fn literal_text(literal: &str) -> &str {
    Tail::text(literal)
}

/// Does `literal` end in a negative number, `-` and digits (an errno, a return code)?
fn ends_in_negative_number(literal: &str) -> bool {
    let digits = literal.bytes().rev().take_while(u8::is_ascii_digit).count();
    digits > 0 && literal.len().checked_sub(digits + 1).and_then(|at| literal.as_bytes().get(at)) == Some(&b'-')
}

fn index() -> Option<&'static Index> {
    static INDEX: OnceLock<Option<Index>> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            let mut literals: Vec<&'static str> = Vec::new();
            let mut anchors: Vec<Vec<u16>> = Vec::new();
            // (A map, not a scan of the list per literal: ~1,000 literals made that a few million
            // comparisons on the first call. Keyed by the literal as written: the automaton folds
            // case, so two spellings of one literal are two ids found at the same places.)
            let mut ids: std::collections::HashMap<&'static str, usize, crate::hash::BuildWordHasher> = Default::default();
            let mut id_of = |lit: &'static str, anchors: &mut Vec<Vec<u16>>| -> usize {
                *ids.entry(lit).or_insert_with(|| {
                    literals.push(lit);
                    anchors.push(Vec::new());
                    literals.len() - 1
                })
            };
            let mut all_ids = Vec::new();
            let mut none_ids = Vec::new();
            for (s, sig) in SIGNATURES.iter().enumerate() {
                let s = u16::try_from(s).unwrap_or(u16::MAX);
                for &lit in sig.any {
                    let i = id_of(lit, &mut anchors);
                    anchors[i].push(s);
                }
                all_ids.push(
                    sig.all.iter().map(|&c| alternatives(c).map(|lit| id_of(lit, &mut anchors)).collect()).collect(),
                );
                none_ids.push(sig.none.iter().map(|&lit| id_of(lit, &mut anchors)).collect());
            }
            let tails = literals.iter().map(|l| Tail::of(l)).collect();
            let literals: Vec<&[u8]> = literals.iter().map(|l| Tail::text(l).as_bytes()).collect();
            let automaton = Literals::new(&literals, true)?;
            Some(Index { automaton, anchors, all_ids, none_ids, tails })
        })
        .as_ref()
}

/// Where the literals of one text were found: per literal, the lines (0-based) of its hits.
struct Hits<'a> {
    /// The literals found, sorted by literal, each with its lines (sparse: a text usually holds
    /// a handful of the hundreds of literals, and this is built for every input).
    per_literal: &'a [(u32, HitLines)],
}

/// The lines of one literal's hits, ascending and distinct: the first one in place, so that a
/// literal found on one line (every literal of a one-line error) allocates nothing.
struct HitLines {
    first: u32,
    more: Vec<u32>,
}

impl Hits<'_> {
    /// The lines of `literal`'s hits, if it has any.
    fn lines_of(&self, literal: usize) -> Option<&HitLines> {
        let at = self.per_literal.binary_search_by_key(&(literal as u32), |(l, _)| *l).ok()?;
        self.per_literal.get(at).map(|(_, lines)| lines)
    }
}

impl HitLines {
    fn len(&self) -> usize {
        1 + self.more.len()
    }

    fn last(&self) -> u32 {
        self.more.last().copied().unwrap_or(self.first)
    }

    fn iter(&self) -> impl Iterator<Item = &u32> {
        std::iter::once(&self.first).chain(&self.more)
    }

    /// The first line at or after `lo`.
    fn at_or_after(&self, lo: u32) -> Option<u32> {
        if self.first >= lo {
            return Some(self.first);
        }
        self.more.get(self.more.partition_point(|&l| l < lo)).copied()
    }
}

/// The line number (0-based) of each byte offset, by binary search over the line starts.
struct Lines<'a> {
    text: &'a str,
    /// The starts of the lines after the first (the first starts at 0): a one-line error
    /// allocates nothing.
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        let starts = memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1).collect();
        Lines { text, starts }
    }

    fn line_of(&self, offset: usize) -> u32 {
        let i = self.starts.partition_point(|&s| s <= offset);
        u32::try_from(i).unwrap_or(u32::MAX)
    }

    /// The start of line `i`, if the text has that line.
    fn start(&self, i: usize) -> Option<usize> {
        match i {
            0 => Some(0),
            _ => self.starts.get(i - 1).copied(),
        }
    }

    fn line_text(&self, line: u32) -> &'a str {
        let i = line as usize;
        let start = self.start(i).unwrap_or(self.text.len());
        let end = self.start(i + 1).map_or(self.text.len(), |e| e.saturating_sub(1));
        self.text.get(start..end.max(start)).unwrap_or("")
    }
}

/// The hits of `text`, in `per_literal` (emptied first).
fn find_hits<'a>(index: &Index, text: &str, lines: &Lines, per_literal: &'a mut Vec<(u32, HitLines)>) -> Hits<'a> {
    per_literal.clear();
    let bytes = text.as_bytes();
    index.automaton.each_match(bytes, &mut |literal, start| {
        if !index.tails.get(literal as usize).is_none_or(|tail| tail.holds(bytes, start)) {
            return true;
        }
        match per_literal.iter_mut().rev().find(|(l, _)| *l == literal) {
            Some((_, list)) => {
                if list.len() < MAX_HITS_PER_LITERAL {
                    let line = lines.line_of(start);
                    if list.last() != line {
                        list.more.push(line);
                    }
                }
            }
            None => per_literal.push((literal, HitLines { first: lines.line_of(start), more: Vec::new() })),
        }
        true
    });
    crate::sort::sort_by_u64_key(per_literal, |(l, _)| u64::from(*l));
    Hits { per_literal }
}

/// Is there a hit of `literal` within `near` lines of `line` (anywhere when `near` is 0)?
fn hit_near(hits: &Hits, literal: usize, line: u32, near: u32) -> bool {
    let Some(list) = hits.lines_of(literal) else { return false };
    if near == 0 {
        return true;
    }
    let lo = line.saturating_sub(near);
    let hi = line.saturating_add(near);
    list.at_or_after(lo).is_some_and(|l| l <= hi)
}

/// Is there a hit of `literal` on `line` itself?
fn hit_on(hits: &Hits, literal: usize, line: u32) -> bool {
    hits.lines_of(literal).is_some_and(|list| list.at_or_after(line) == Some(line))
}

/// The product and version an input names (`XCP-ng 8.2.1`, `XenServer 7.5`, `Citrix Hypervisor
/// 8.2`, `XCP-ng release 8.3.0`), read from its first 64 KiB, for inputs whose caller gave no
/// `hostVersion`.
pub fn version_in_text(text: &str) -> Option<(&'static str, String)> {
    let lower = head_of(text).to_ascii_lowercase();
    // Searchers built once: `str::find` builds one per call, which cost more than the search.
    static FINDERS: OnceLock<[memchr::memmem::Finder<'static>; 3]> = OnceLock::new();
    let finders = FINDERS.get_or_init(|| ["xcp-ng ", "xenserver ", "citrix hypervisor "].map(|n| memchr::memmem::Finder::new(n.as_bytes()).into_owned()));
    for ((name, product), finder) in [("xcp-ng ", "xcp-ng"), ("xenserver ", "xenserver"), ("citrix hypervisor ", "citrix-hypervisor")].into_iter().zip(finders) {
        let mut from = 0;
        while let Some(at) = finder.find(&lower.as_bytes()[from..]) {
            let mut start = from + at + name.len();
            for filler in ["release ", "version ", "v"] {
                if lower[start..].starts_with(filler) {
                    start += filler.len();
                    break;
                }
            }
            let version = leading_version(&lower[start..]);
            if version.contains('.') && version.starts_with(|c: char| c.is_ascii_digit()) {
                return Some((product, version.to_string()));
            }
            from = start;
        }
    }
    None
}

/// The xo-server version an input names (`xo-server 5.124.0`, `xo-server: v5.124.0`, the About
/// page's and the bug-report template's forms), read from its first 64 KiB, for inputs whose
/// caller gave no `xoServerVersion`.
pub fn xo_server_in_text(text: &str) -> Option<String> {
    let head = head_of(text);
    // The searcher built once, as `version_in_text`'s.
    static FINDER: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    let finder = FINDER.get_or_init(|| memchr::memmem::Finder::new(b"xo-server"));
    for at in finder.find_iter(head.as_bytes()) {
        // (`at` + 9 follows the ASCII name: a char boundary.)
        let mut rest = &head[at + "xo-server".len()..];
        rest = rest.strip_prefix(':').unwrap_or(rest).trim_start_matches(' ');
        rest = rest.strip_prefix('v').unwrap_or(rest);
        let version = leading_version(rest);
        if version.split('.').count() == 3 && version.split('.').all(|p| !p.is_empty()) {
            return Some(version.to_string());
        }
    }
    None
}

/// The first 64 KiB of an input, where a version it names is looked for (all of it when the
/// cut would split a character).
fn head_of(text: &str) -> &str {
    text.get(..text.len().min(64 * 1024)).unwrap_or(text)
}

/// The digits and dots `s` starts with, without a closing dot (`8.2.1.` of a sentence).
fn leading_version(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    s[..end].trim_end_matches('.')
}

/// Does the signature concern this host? A product named by the context must match the
/// signature's; a signature bound to versions (a known bug of some releases) fires only when the
/// host's version is known and in its range.
fn version_applies(sig: &Signature, facts: &Facts) -> bool {
    if let (Some(product), Some(p)) = (sig.product, facts.product.as_deref()) {
        let p = p.to_ascii_lowercase();
        let family = |s: &str| if s.contains("xcp") { "xcp" } else { "citrix" };
        if family(&p) != family(&product.to_ascii_lowercase()) {
            return false;
        }
    }
    // A Xen Orchestra bug fixed in the xo-server the caller runs cannot be what it saw; one
    // whose message is not its own is named only for an xo-server known to be older.
    // (The signature's own versions are parsed only when there is a known xo-server to compare
    // them with: a pasted error seldom says which runs.)
    let xo_server = facts.xo_server_version.as_deref().and_then(version_triple);
    match xo_server {
        None if sig.xo_server_below.is_some() => return false,
        None => {}
        Some(have) => {
            if sig.xo_server_fixed.and_then(version_triple).is_some_and(|fixed| have >= fixed) {
                return false;
            }
            if sig.xo_server_below.and_then(version_triple).is_some_and(|below| have >= below) {
                return false;
            }
            // One that came with a later release is not named for an xo-server from before it.
            if sig.xo_server_above.and_then(version_triple).is_some_and(|above| have <= above) {
                return false;
            }
        }
    }
    let Some(range) = sig.versions else { return true };
    let Some(have) = facts.host_version.as_deref().and_then(version_triple) else { return false };
    let (op, bound) = if let Some(b) = range.strip_prefix(">=") {
        (">=", b)
    } else if let Some(b) = range.strip_prefix('<') {
        ("<", b)
    } else {
        ("=", range.trim_start_matches('='))
    };
    let Some(bound_v) = version_triple(bound) else { return false };
    match op {
        ">=" => have >= bound_v,
        "<" => have < bound_v,
        // `=8.2` covers 8.2.x.
        _ => {
            let parts = bound.split('.').filter(|p| !p.is_empty()).count();
            [have.0, have.1, have.2][..parts.min(3)] == [bound_v.0, bound_v.1, bound_v.2][..parts.min(3)]
        }
    }
}

pub(super) fn version_triple(v: &str) -> Option<(u32, u32, u32)> {
    let start = v.find(|c: char| c.is_ascii_digit())?;
    let mut parts = v[start..].split(|c: char| !c.is_ascii_digit());
    let a = parts.next()?.parse().ok()?;
    let b = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let c = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    Some((a, b, c))
}

/// Is `word` in `text` with no letter, digit or `_` right before or after it (so that
/// `VM_HOST_INCOMPATIBLE_VERSION` is not found inside `VM_HOST_INCOMPATIBLE_VERSION_MIGRATE`)?
/// An NTSTATUS name may carry Samba's `NT_` prefix (`NT_STATUS_ACCESS_DENIED` is
/// `STATUS_ACCESS_DENIED`).
fn contains_word(text: &str, word: &str) -> bool {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let ntstatus = word.starts_with("STATUS_");
    memchr::memmem::find_iter(bytes, word.as_bytes()).any(|at| {
        let samba_prefix = ntstatus && at >= 3 && &bytes[at - 3..at] == b"NT_" && (at == 3 || !is_word(bytes[at - 4]));
        let before = samba_prefix || at.checked_sub(1).and_then(|i| bytes.get(i)).is_none_or(|b| !is_word(*b));
        let after = bytes.get(at + word.len()).is_none_or(|b| !is_word(*b));
        before && after
    })
}

/// Fills a template's placeholders with what the facts know (a template without any is
/// borrowed as it is).
fn render(template: &'static str, facts: &Facts, sig: &Signature) -> Cow<'static, str> {
    if !template.contains('{') {
        return Cow::Borrowed(template);
    }
    template
        .replace("{vm_uuid}", facts.vm_uuid())
        .replace("{sr_uuid}", facts.sr_uuid())
        .replace("{vdi_uuid}", facts.vdi_uuid())
        .replace("{vm}", &facts.vm_phrase())
        .replace("{sr}", &facts.sr_phrase())
        .replace("{fixed_in}", sig.fixed_in.unwrap_or("the latest update"))
        .into()
}

/// The SR and VDI a storage path names (`/sr-mount/<sr>/<vdi>.vhd`, `VG_XenStorage-<sr>/VHD-<vdi>`)
/// on one of `confirmed`'s lines or, failing that, within `near` lines of one, as facts for the
/// steps, when `facts` lack them. `None` when nothing is to add.
fn storage_named_on(lines: &Lines, confirmed: &[u32], near: u32, facts: &Facts) -> Option<Facts> {
    if facts.subject.sr_uuid.is_some() {
        return None;
    }
    let around = confirmed.iter().flat_map(|&l| (l.saturating_sub(near)..=l.saturating_add(near)).filter(move |&n| n != l));
    for line in confirmed.iter().copied().chain(around).take(64) {
        if let Some((sr, vdi)) = crate::model::storage_paths(lines.line_text(line)).next() {
            let mut subject = facts.subject.clone();
            subject.sr_uuid = Some(sr.to_string());
            if let Some(v) = vdi.filter(|_| facts.subject.vdi_uuid.is_none()) {
                subject.vdi_uuid = Some(v.to_string());
            }
            return Some(Facts {
                subject,
                sr_type: facts.sr_type.clone(),
                host_version: facts.host_version.clone(),
                product: facts.product.clone(),
                xo_server_version: facts.xo_server_version.clone(),
            });
        }
    }
    None
}

/// The evidence text of a line: trimmed and clipped like every evidence.
/// `line` is the scanned text's, `number` the input's (see [`Scratch::line_map`]).
fn evidence_at(lines: &Lines, line: u32, number: u32) -> Evidence {
    Evidence::at_line(lines.line_text(line).trim(), number.saturating_add(1))
}

/// Every signature that `text` fires, for an input of kind `input` ([`INPUT_TEXT`]…), as
/// findings about `facts`' subject.
pub fn scan(text: &str, input: u8, facts: &Facts, confidence: Confidence) -> Vec<Finding> {
    scan_beside(text, input, facts, confidence, &[])
}

/// [`scan`], with the XAPI errors the input's reader found in `text`: a signature also carries a
/// code of its `codes` that the text does not name when an error of that code was read on one of
/// the signature's lines. `xe` prints an error's description line, not its code, and the reader
/// knows the code from that line; the finding then explains the code (its bare decoding is
/// dropped beside it) and gets the error's parameters.
pub fn scan_beside(text: &str, input: u8, facts: &Facts, confidence: Confidence, read: &[Event]) -> Vec<Finding> {
    let mut scratch = SCRATCH.with_borrow_mut(std::mem::take);
    // Not SMlog's text: its analyser reads the storage manager's own lines, with ASCII quotes.
    let plain = if input == INPUT_SMLOG { None } else { crate::input::ascii_quotes(text) };
    let text = plain.as_deref().unwrap_or(text);
    scratch.line_map.clear();
    let mut out = scan_with(text, input, facts, confidence, read, &mut scratch);
    // Text whose quotes are escaped (JSON strings read as text, OCaml's nested strings) is read
    // once more without the escapes, for what it did not fire (a literal may hold the escapes
    // itself: the first reading stays).
    if let Some(unescaped) = (input != INPUT_SMLOG).then(|| quotes_unescaped(text)).flatten() {
        for f in scan_with(&unescaped, input, facts, confidence, read, &mut scratch) {
            if !out.iter().any(|o| o.rule == f.rule) {
                out.push(f);
            }
        }
    }
    // Text that a terminal or a mail client broke at 80 columns is read once more with its
    // broken lines joined, for what the first readings did not fire (an SMlog's too: a pasted
    // excerpt's `Raising exception` or traceback line is as often cut as a message).
    if let Some((joined, line_map)) = wraps_joined(text) {
        scratch.line_map = line_map;
        let again = scan_with(&joined, input, facts, confidence, read, &mut scratch);
        // A signature kept quiet by a `none` literal (a harmless form of its message) fired on
        // the cut lines because the cut split that literal: the joined lines are the program's.
        // (The texts are lower-cased once, and only when such a signature is among the findings.)
        let mut lower: Option<(String, String)> = None;
        out.retain(|o| {
            if again.iter().any(|f| f.rule == o.rule) {
                return true;
            }
            let Some(none) = SIGNATURES.iter().find(|s| s.info.id == o.rule).map(|s| s.none).filter(|n| !n.is_empty()) else { return true };
            let (text, joined) = lower.get_or_insert_with(|| (text.to_ascii_lowercase(), joined.to_ascii_lowercase()));
            !none_literal_rejoined(none, text, joined)
        });
        for f in again {
            if !out.iter().any(|o| o.rule == f.rule) {
                out.push(f);
            }
        }
        scratch.line_map.clear();
    }
    if scratch.per_literal.capacity() <= SCRATCH_KEPT && scratch.anchored.capacity() <= SCRATCH_KEPT {
        scratch.per_literal.clear();
        SCRATCH.with_borrow_mut(|kept| *kept = scratch);
    }
    out
}

/// Whether one of a signature's `none` literals (those that keep it quiet) is in `joined_lower`,
/// the text with its cut lines joined, and not in `text_lower` itself (both lower-cased: the
/// literals are matched with ASCII case folded).
fn none_literal_rejoined(none: &[&str], text_lower: &str, joined_lower: &str) -> bool {
    none.iter().map(|l| l.to_ascii_lowercase()).any(|l| joined_lower.contains(&l) && !text_lower.contains(&l))
}

/// `text` with one level of string escapes undone (`\"` → `"`, `\'` → `'`, `\\` → `\`, `\/` →
/// `/`), when it has an escaped quote; `None` otherwise (most texts: one SIMD search for a
/// backslash). Text that holds a string written by a program that escapes its quotes — a JSON
/// string read as text (a backup log cut off by the post, a log line that writes an error as
/// JSON, Ansible's `"msg": "…"`), Node's `util.inspect` in xo-server's logs (`message: 'Cannot
/// read property \'length\' of undefined'`), OCaml's and Python's nested strings — has its
/// quotes escaped, and a literal that holds one (`as its "snapshot_of" value`) is not found as
/// the program printed it. Newline escapes (`\n`) stay: the lines, and so the evidence's line
/// numbers, are the text's.
fn quotes_unescaped(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    // (memchr, not memmem: a one-line error's call would build a searcher for nothing.)
    memchr::memchr_iter(b'\\', bytes).find(|&at| matches!(bytes.get(at + 1), Some(b'"' | b'\'')))?;
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(at) = memchr::memchr(b'\\', &bytes[i..]).map(|at| i + at) {
        out.extend_from_slice(&bytes[i..at]);
        match bytes.get(at + 1) {
            Some(&c @ (b'"' | b'\'' | b'\\' | b'/')) => {
                out.push(c);
                i = at + 2;
            }
            _ => {
                out.push(b'\\');
                i = at + 1;
            }
        }
    }
    out.extend_from_slice(&bytes[i..]);
    // Only ASCII backslashes were dropped: still UTF-8.
    String::from_utf8(out).ok()
}


/// `text` with the lines a terminal broke at [`WRAP_COLUMNS`] joined back, and the input's line
/// (0-based) of each of its lines, when it has any; `None` otherwise (most texts: one SIMD pass
/// over the line ends, a line of 80 or 81 bytes, or of up to 321 with other than ASCII, looked at
/// closer). A line is taken for a broken
/// one when it is exactly 80 characters long, has no tab (a tab takes more than one column: such
/// a line is wider than the terminal) and the next line goes on with it: the next line is not
/// blank, not indented (one space is the cut falling before a word; two or more, or one before a
/// number, an indentation), does not start like a new log line (a timestamp, `[`) or a new
/// structure (a quote `>`, a list item, a brace or a bracket, a table's `|`, a prompt), and is
/// not a new sentence after a sentence's end. A line cut more than once is joined over all its
/// pieces. The joined line is numbered as its first piece, so that the evidence shows the whole
/// line where it starts, and lines stay next to the lines they were next to (a signature's
/// `near`).
fn wraps_joined(text: &str) -> Option<(String, Vec<u32>)> {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut found = false;
    for end in memchr::memchr_iter(b'\n', bytes) {
        // (An ASCII line of 80 characters has 80 bytes, 81 with its `\r`: only a line of other
        // characters, at most four bytes each, is counted; then the next line's first bytes: a
        // log's next line starts with its timestamp.)
        let line = &text[start..end];
        let n = line.len();
        let may_be_cut = n == WRAP_COLUMNS || n == WRAP_COLUMNS + 1 || (n > WRAP_COLUMNS + 1 && n <= 4 * WRAP_COLUMNS + 1 && !line.is_ascii());
        if may_be_cut && goes_on(line, &text[end + 1..]) && is_cut_line(line) {
            found = true;
            break;
        }
        start = end + 1;
    }
    if !found {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::new();
    let mut lines = text.split('\n').enumerate().peekable();
    while let Some((at, line)) = lines.next() {
        if !map.is_empty() {
            out.push('\n');
        }
        map.push(u32::try_from(at).unwrap_or(u32::MAX));
        out.push_str(line);
        let mut current = line;
        while let Some(&(_, next)) = lines.peek() {
            if !(is_cut_line(current) && goes_on(current, next)) {
                break;
            }
            if out.ends_with('\r') {
                out.pop();
            }
            out.push_str(next);
            current = next;
            lines.next();
        }
    }
    Some((out, map))
}

/// Does the text after the cut line `line`, `next` (its next line and what follows: only its
/// first bytes are read), go on with it (see [`wraps_joined`])?
fn goes_on(line: &str, next: &str) -> bool {
    let b = next.as_bytes();
    let Some(&c) = b.first().filter(|&&c| c != b'\n' && c != b'\r') else { return false };
    let one_space = c == b' ' && (b.get(1).is_some_and(|d| !d.is_ascii_whitespace() && !d.is_ascii_digit()) || crate::input::is_counted_word(&b[1..])) && !line.ends_with(' ');
    if c == b' ' && !one_space {
        return false;
    }
    // `[` opens a log's tag or a list, except a bracket the cut split from its word: the storage
    // manager's `[opterr=…]` after an exception's text.
    let bracketed_word = c == b'[' && b.get(1).is_some_and(u8::is_ascii_lowercase);
    if c == b'\t' || (c == b'[' && !bracketed_word) || matches!(c, b'>' | b'#' | b'{' | b'}' | b']' | b'|' | b'<' | b'*') || next.starts_with("- ") || next.starts_with("$ ") {
        return false;
    }
    // A timestamp: `2026-12-06…`, `12:34:56`, `Dec  6 01:02:03`.
    let digits = b.iter().take_while(|d| d.is_ascii_digit()).count();
    if (digits == 4 && b.get(4) == Some(&b'-')) || (digits == 2 && b.get(2) == Some(&b':') && b.get(5) == Some(&b':')) {
        return false;
    }
    const MONTHS: [&str; 12] = ["Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ", "Jul ", "Aug ", "Sep ", "Oct ", "Nov ", "Dec "];
    if MONTHS.iter().any(|m| next.starts_with(m)) && next.get(6..12).is_some_and(|t| t.contains(':')) {
        return false;
    }
    // A new sentence after the end of one: not a cut.
    let ended = line.trim_end_matches('\r').ends_with(['.', '!', '?', ':', ';']);
    !(ended && c.is_ascii_uppercase())
}

/// The lists of a scan, kept from one call to the next: a one-line error's scan allocated both
/// on every call. Taken out while a scan runs; lists grown past [`SCRATCH_KEPT`] entries (a
/// large log's) are not kept.
#[derive(Default)]
struct Scratch {
    per_literal: Vec<(u32, HitLines)>,
    anchored: Vec<(u16, u32)>,
    /// The input's line (0-based) of each line of the text scanned, when that text joined some
    /// of the input's lines ([`wraps_joined`]); empty when they are the input's.
    line_map: Vec<u32>,
}

const SCRATCH_KEPT: usize = 4096;

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

/// [`scan_beside`] with its lists.
fn scan_with(text: &str, input: u8, facts: &Facts, confidence: Confidence, read: &[Event], scratch: &mut Scratch) -> Vec<Finding> {
    let Some(index) = index() else { return Vec::new() };
    if text.is_empty() {
        return Vec::new();
    }
    let lines = Lines::new(text);
    // The input's line of a line of `text` (they differ when `text` joined lines).
    let line_map = std::mem::take(&mut scratch.line_map);
    let number = |line: u32| line_map.get(line as usize).copied().unwrap_or(line);
    let hits = find_hits(index, text, &lines, &mut scratch.per_literal);
    // The signatures anchored somewhere, in file order, with their anchor lines.
    let anchored = &mut scratch.anchored;
    anchored.clear();
    for (literal, found) in hits.per_literal {
        for &s in &index.anchors[*literal as usize] {
            anchored.extend(found.iter().map(|&line| (s, line)));
        }
    }
    crate::sort::sort_by_u64_key(anchored, |&(s, line)| (u64::from(s) << 32) | u64::from(line));
    anchored.dedup();
    if anchored.is_empty() {
        return Vec::new();
    }
    // A known issue needs the host's version: the caller's, else the one the input names. Only
    // `version_applies` reads it (the product too), so it is read only when an anchored
    // signature is bound to a product or versions: most one-error inputs anchor none of those.
    let read_version;
    let bound = |&(s, _): &(u16, u32)| SIGNATURES.get(usize::from(s)).is_some_and(|sig| sig.versions.is_some() || sig.product.is_some());
    let xo_bound = |&(s, _): &(u16, u32)| SIGNATURES.get(usize::from(s)).is_some_and(|sig| sig.xo_server_fixed.is_some() || sig.xo_server_below.is_some() || sig.xo_server_above.is_some());
    let host_read = if facts.host_version.is_none() && anchored.iter().any(bound) { version_in_text(text) } else { None };
    let xo_read = if facts.xo_server_version.is_none() && anchored.iter().any(xo_bound) { xo_server_in_text(text) } else { None };
    let facts = if host_read.is_some() || xo_read.is_some() {
        read_version = Facts {
            subject: facts.subject.clone(),
            sr_type: facts.sr_type.clone(),
            product: facts.product.clone().or(host_read.as_ref().map(|(product, _)| product.to_string())),
            host_version: host_read.map(|(_, version)| version).or_else(|| facts.host_version.clone()),
            xo_server_version: xo_read.or_else(|| facts.xo_server_version.clone()),
        };
        &read_version
    } else {
        facts
    };
    let mut out = Vec::new();
    for group in anchored.chunk_by(|a, b| a.0 == b.0) {
        let s = group[0].0 as usize;
        let sig = &SIGNATURES[s];
        if sig.inputs & input == 0 || !version_applies(sig, facts) {
            continue;
        }
        let confirmed: Vec<u32> = group
            .iter()
            .map(|&(_, line)| line)
            .filter(|&line| {
                index.all_ids[s].iter().zip(sig.all).all(|(ids, &condition)| {
                    ids.iter().zip(alternatives(condition)).any(|(&l, literal)| {
                        hit_near(&hits, l, line, sig.near) || read_near(read, literal, number(line), sig.near)
                    })
                })
                    && !index.none_ids[s].iter().any(|&l| if sig.none_on_line { hit_on(&hits, l, line) } else { hit_near(&hits, l, line, sig.near) })
            })
            .collect();
        if confirmed.is_empty() {
            continue;
        }
        let mut f = Finding::of(&sig.info, facts);
        // The SR (and disk) a confirmed line names by its path fill the steps' placeholders
        // when the subject does not know them.
        let from_line = storage_named_on(&lines, &confirmed, if sig.near == 0 { 2 } else { sig.near.min(5) }, facts);
        let facts = from_line.as_ref().unwrap_or(facts);
        f.priority = sig.priority;
        f.confidence = confidence;
        f.summary = render(sig.summary, facts, sig);
        f.cause = render(sig.cause, facts, sig);
        for (step, command) in sig.steps {
            match command {
                Some(c) => f.step_cmd(render(step, facts, sig), render(c, facts, sig)),
                None => f.step(render(step, facts, sig)),
            };
        }
        for (title, url) in sig.links {
            f.link(*title, *url);
        }
        for code in sig.codes {
            let required_and_read =
                sig.all.iter().any(|&c| alternatives(c).any(|l| l == *code)) && errors(read).any(|e| e.code == *code);
            if contains_word(text, code) || required_and_read || read_on_lines(read, code, &confirmed, number) {
                f.codes.push((*code).to_string());
            }
        }
        super::name_sr_codes(&mut f);
        for &line in &confirmed {
            push_evidence(&mut f.evidence, evidence_at(&lines, line, number(line)));
        }
        out.push(f);
    }
    out
}

/// The literals of one `all` condition: itself, or its alternatives.
fn alternatives(condition: &str) -> impl Iterator<Item = &str> {
    condition.split('\x1c')
}

/// The XAPI errors among the events the input's reader found.
fn errors(read: &[Event]) -> impl Iterator<Item = &XapiError> {
    read.iter().filter_map(|e| if let Event::Xapi(x) = e { Some(x) } else { None })
}

/// Whether an error of `code` was read on one of `lines` (0-based, as the anchors'; an
/// evidence's line is 1-based).
fn read_on_lines(read: &[Event], code: &str, lines: &[u32], number: impl Fn(u32) -> u32) -> bool {
    errors(read).any(|e| {
        e.code == code && e.evidence.iter().any(|ev| ev.line.is_some_and(|l| lines.iter().any(|&a| number(a).saturating_add(1) == l)))
    })
}

/// Whether an error whose code is `literal` was read within `near` lines of `line` (anywhere
/// when `near` is 0): a code a signature requires beside its anchor counts in `xe`'s form too.
fn read_near(read: &[Event], literal: &str, line: u32, near: u32) -> bool {
    errors(read).any(|e| {
        e.code == literal
            && (near == 0
                || e.evidence.iter().any(|ev| ev.line.is_some_and(|l| l.saturating_sub(1).abs_diff(line) <= near)))
    })
}

/// The signatures as the registry lists them (for tests and docs).
pub fn all() -> &'static [Signature] {
    &SIGNATURES
}

/// Runs the signatures on a whole input's text with the caller's context.
pub fn scan_input(text: &str, input: u8, options: &Options) -> Vec<Finding> {
    let facts = Facts::new(&crate::model::Subject::default(), options);
    scan(text, input, &facts, Confidence::Medium)
}

#[cfg(test)]
mod tests {
    /// The automaton over every signature's literals is built, and has room for the knowledge to
    /// grow: past 65,536 states it cannot be, and no signature would fire. (Its long literals go
    /// in by their first bytes, `crate::literals`: 3,000 literals make about 12,000 states.)
    /// One level of escapes is undone, only in text that has an escaped quote.
    #[test]
    fn quote_escapes_are_undone_once() {
        assert_eq!(super::quotes_unescaped(r#"{"m": "has \"a\" \\\"b\\\" c:\\d \/e \n"}"#).as_deref(), Some(r#"{"m": "has "a" \"b\" c:\d /e \n"}"#));
        assert_eq!(super::quotes_unescaped(r#"mount //srv\share and "quotes""#), None);
        assert_eq!(super::quotes_unescaped("ends with \\"), None);
        assert_eq!(super::quotes_unescaped("é\\\"ü\\").as_deref(), Some("é\"ü\\"));
        assert_eq!(super::quotes_unescaped(r"message: 'Cannot read property \'length\' of undefined'").as_deref(), Some("message: 'Cannot read property 'length' of undefined'"));
    }

    /// A code is found as a whole word; an NTSTATUS name also under Samba's `NT_` prefix.
    #[test]
    fn codes_are_found_as_whole_words() {
        use super::contains_word;
        assert!(contains_word("failed: VM_HOST_INCOMPATIBLE_VERSION.", "VM_HOST_INCOMPATIBLE_VERSION"));
        assert!(!contains_word("VM_HOST_INCOMPATIBLE_VERSION_MIGRATE", "VM_HOST_INCOMPATIBLE_VERSION"));
        assert!(contains_word("tree connect failed: NT_STATUS_ACCESS_DENIED", "STATUS_ACCESS_DENIED"));
        assert!(contains_word("NT_STATUS_ACCESS_DENIED", "STATUS_ACCESS_DENIED"));
        assert!(!contains_word("XNT_STATUS_ACCESS_DENIED", "STATUS_ACCESS_DENIED"));
        assert!(!contains_word("MY_STATUS_ACCESS_DENIED", "STATUS_ACCESS_DENIED"));
        assert!(!contains_word("NT_VDI_IN_USE", "VDI_IN_USE"));
    }

    /// Typographic quotes become ASCII; a text without any is left alone.
    #[test]
    fn quotes_are_made_plain() {
        assert_eq!(crate::input::ascii_quotes("cannot create directory ‘/mnt/x’: “a” \\\"b\\\"").as_deref(), Some("cannot create directory '/mnt/x': \"a\" \\\"b\\\""));
        assert_eq!(crate::input::ascii_quotes("an arrow → and an ellipsis … only"), None);
        assert_eq!(crate::input::ascii_quotes("plain 'quotes' and \"quotes\""), None);
    }

    /// Lines cut at 80 columns are joined back, numbered as their first piece; lines that only
    /// happen to be 80 characters long, followed by a new line of a log, are left alone.
    #[test]
    fn lines_cut_at_80_columns_are_joined() {
        let joined = |t: &str| super::wraps_joined(t);
        let long = "Error: the operation failed because the storage repository could not be reached in time by the host";
        let cut = |s: &str| {
            let at = s.char_indices().nth(80).map_or(s.len(), |(i, _)| i);
            format!("{}\n{}", &s[..at], &s[at..])
        };
        assert_eq!(joined(&format!("first\n{}\nlast", cut(long))), Some((format!("first\n{long}\nlast"), vec![0, 1, 3])));
        let twice = format!("{long} {long}");
        let at = |n| twice.char_indices().nth(n).map_or(twice.len(), |(i, _)| i);
        let cut_twice = format!("{}\n{}\n{}\nnext", &twice[..at(80)], &twice[at(80)..at(160)], &twice[at(160)..]);
        assert_eq!(joined(&cut_twice), Some((format!("{twice}\nnext"), vec![0, 3])));
        assert_eq!(joined(&format!("{}\r\nnext", cut(long).replace('\n', "\r\n"))), Some((format!("{long}\r\nnext"), vec![0, 2])));
        let eighty = &long[..80];
        for next in ["2026-12-06T01:02:03Z next", "[  606.326381] RDX", "    at f (x.js:1:2)", "", "> quoted", "Dec  6 01:02:03 host x", "12:34:56 x"] {
            assert_eq!(joined(&format!("{eighty}\n{next}")), None, "{next}");
        }
        // A cut before `[opterr=…]` or before a count and its word is joined too.
        for (line, next) in [(&long[1..81], " 0 of resource"), (&long[..80], "[opterr=error 28]]")] {
            assert_eq!(joined(&format!("{line}\n{next}")), Some((format!("{line}{next}"), vec![0])), "{next}");
        }
        for next in [" 42  100.000G", "[INFO] next"] {
            assert_eq!(joined(&format!("{}\n{next}", &long[1..81])), None, "{next}");
        }
        assert_eq!(joined(&format!("\t{}\nnext", &long[..79])), None);
        assert_eq!(joined(&format!("{}.\nThe next sentence", &long[..79])), None);
        assert_eq!(joined("short\nlines"), None);
    }

    #[test]
    fn only_a_literal_that_ends_in_a_negative_number_is_matched_whole() {
        for (literal, whole) in [(": -5", true), ("return code = -112", true), ("-32601", true), ("1200", false), ("-", false), ("Errno 28", false), ("", false)] {
            assert_eq!(super::ends_in_negative_number(literal), whole, "{literal:?}");
        }
    }

    #[test]
    fn what_must_follow_a_literal() {
        use super::Tail;
        assert_eq!(Tail::of("error coalescing: -{at least 5 digits}"), Tail::Digits { len: 19, at_least: 5 });
        assert_eq!(Tail::text("error coalescing: -{at least 5 digits}"), "error coalescing: -");
        assert_eq!(Tail::of("CPU#"), Tail::Anything);
        assert_eq!(Tail::of("{at least 0 digits}"), Tail::Anything);
        assert_eq!(Tail::of(": -5"), Tail::NoDigitAfter { len: 4 });
        assert_eq!(Tail::of("Errno 28"), Tail::Anything);
        let places = Tail::of("coalescing: -{at least 3 digits}");
        for (text, hit) in [("coalescing: -123", true), ("coalescing: -1234 ", true), ("coalescing: -12", false), ("coalescing: -12x4", false), ("coalescing: -", false)] {
            assert_eq!(places.holds(text.as_bytes(), 0), hit, "{text:?}");
        }
        let whole = Tail::of(": -5");
        for (text, hit) in [("x: -5", true), ("x: -5\n", true), ("x: -524", false)] {
            assert_eq!(whole.holds(text.as_bytes(), 1), hit, "{text:?}");
        }
    }

    #[test]
    fn the_literals_automaton_has_room_to_grow() {
        let Some(index) = super::index() else { panic!("the signatures' automaton was not built") };
        let states = index.automaton.states();
        assert!(states > 1_000 && states < 40_000, "{states} states");
    }
}
