//! Build-time compilation of the knowledge written as data: `data/signatures/*.toml` (what a
//! message means: literal markers, category, severity, remediation, the versions concerned),
//! `data/code_meanings.json` (a category and a one-line meaning for every known code),
//! `data/wording.toml` (the general wording of failures) and `data/smlog_messages.toml` (the
//! storage manager's one-line messages that mean an episode). All are checked here, so a malformed entry fails the build with its id, not a
//! test later.

use std::collections::BTreeSet;
use std::fmt::Write as _;

/// The categories of `src/model.rs`, by their public (snake_case) names.
pub const CATEGORIES: &[&str] = &[
    "insufficient_space",
    "chain_too_long",
    "coalesce_failure",
    "vdi_in_use",
    "io_error",
    "license",
    "missing_base_vm",
    "remote_full",
    "remote_unreachable",
    "network",
    "no_matching_vms",
    "xapi_version",
    "lock_or_timeout",
    "storage_unreachable",
    "corruption",
    "configuration",
    "in_progress",
    "benign",
    "other",
];

const SEVERITIES: &[&str] = &["critical", "error", "warning", "info"];

/// Where a signature is looked for.
const INPUTS: &[&str] = &["text", "event", "smlog"];

fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

pub fn category_path(name: &str, what: &str) -> String {
    assert!(CATEGORIES.contains(&name), "{what}: unknown category {name:?}");
    format!("crate::model::Category::{}", camel(name))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    signature: Vec<Sig>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Sig {
    id: String,
    name: String,
    title: String,
    category: String,
    severity: String,
    #[serde(default = "default_priority")]
    priority: i8,
    any: Vec<String>,
    #[serde(default)]
    all: Vec<AllOf>,
    #[serde(default)]
    none: Vec<String>,
    #[serde(default)]
    near: u32,
    #[serde(default)]
    none_on_line: bool,
    #[serde(default)]
    inputs: Vec<String>,
    #[serde(default)]
    codes: Vec<String>,
    #[serde(default)]
    product: Option<String>,
    #[serde(default)]
    versions: Option<String>,
    #[serde(default)]
    fixed_in: Option<String>,
    #[serde(default)]
    xo_versions: Option<String>,
    #[serde(default)]
    description: Option<String>,
    summary: String,
    cause: String,
    #[serde(default)]
    steps: Vec<Vec<String>>,
    #[serde(default)]
    links: Vec<Vec<String>>,
    example: String,
    counterexample: String,
}

/// One condition of `all`: a literal, or a list of alternatives one of which must appear.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum AllOf {
    One(String),
    Either(Vec<String>),
}

impl AllOf {
    fn literals(&self) -> &[String] {
        match self {
            AllOf::One(l) => std::slice::from_ref(l),
            AllOf::Either(ls) => ls,
        }
    }
}

fn default_priority() -> i8 {
    1
}

/// The digits a literal's trailing `{at least N digits}` asks for (rules/signatures.rs, `Tail`).
fn digit_places(lit: &str) -> Option<u8> {
    let (_, n) = lit.strip_suffix(" digits}")?.rsplit_once("{at least ")?;
    n.parse().ok().filter(|n| (1..=20).contains(n))
}

/// A literal without its trailing `{at least N digits}`: what the automaton looks for.
fn literal_text(lit: &str) -> &str {
    match digit_places(lit) {
        Some(_) => lit.rsplit_once("{at least ").map_or(lit, |(text, _)| text),
        None => lit,
    }
}

/// Whether a literal holds what only one pool or post has: a uuid or an opaque reference, a long
/// run of hex digits (a hash, a serial, a SCSI id) or an IPv4 address other than the loopback
/// (a local service's `127.0.0.1:<port>` is the software's own). A signature written from such a
/// marker fires on that post alone (tests/corpus/README.md).
fn names_a_particular(lit: &str) -> bool {
    let b = lit.as_bytes();
    let hex_run = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
    let uuid_head = |i: usize| hex_run(i) == 8 && b.get(i + 8) == Some(&b'-') && hex_run(i + 9) >= 4;
    let word_start = |i: usize| i == 0 || !b[i - 1].is_ascii_alphanumeric();
    let opaque = lit.to_ascii_lowercase().find("opaqueref:").is_some_and(|at| hex_run(at + 10) >= 4);
    let ipv4 = |i: usize| {
        let mut at = i;
        for part in 0..4 {
            let digits = b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
            if !(1..=3).contains(&digits) {
                return false;
            }
            at += digits;
            if part < 3 {
                if b.get(at) != Some(&b'.') {
                    return false;
                }
                at += 1;
            }
        }
        !lit[i..].starts_with("127.") && !lit[i..].starts_with("0.0.0.0")
    };
    opaque || (0..b.len()).any(|i| word_start(i) && (uuid_head(i) || hex_run(i) >= 16 || ipv4(i)))
}

/// One row of `data/xo_releases.json` (scripts/xo-releases.mjs writes it from Xen Orchestra's
/// changelogs): a release and the xo-server version it shipped.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct XoRelease {
    pub release: String,
    pub date: String,
    pub xo_server: String,
}

/// `XO_SERVER_MONTHS` for rules/xo_release.rs: each xo-server version with the month of the
/// first Xen Orchestra release that shipped it (counted as year × 12 plus the month's index),
/// sorted by version; and the newest release of the table with its date.
pub fn xo_server_releases(releases: &[XoRelease]) -> String {
    let mut rows: Vec<((u32, u32, u32), u32)> = Vec::new();
    for r in releases {
        let what = format!("data/xo_releases.json: {}", r.release);
        let month = (|| -> Option<u32> {
            let (y, rest) = r.date.split_once('-')?;
            let m: u32 = rest.split('-').next()?.parse().ok()?;
            Some(y.parse::<u32>().ok()? * 12 + m.checked_sub(1)?)
        })()
        .unwrap_or_else(|| panic!("{what}: date {:?} is not YYYY-MM-DD", r.date));
        let key = version_key(&r.xo_server).unwrap_or_else(|| panic!("{what}: xoServer {:?}", r.xo_server));
        assert!(key.0 <= 255 && key.1 <= 65535 && key.2 <= 65535, "{what}: xoServer {:?} out of the table's range", r.xo_server);
        if !rows.iter().any(|(k, _)| *k == key) {
            rows.push((key, month));
        }
    }
    rows.sort_by_key(|(k, _)| *k);
    let newest = releases.iter().max_by(|a, b| a.date.cmp(&b.date)).expect("data/xo_releases.json is empty");
    let mut out = String::from("/// Each xo-server version (major, minor, patch) and the month of the release that first shipped it.\npub static XO_SERVER_MONTHS: &[(u8, u16, u16, u16)] = &[\n");
    for ((a, b, c), month) in rows {
        out.push_str(&format!("({a},{b},{c},{month}),"));
    }
    out.push_str(&format!("\n];\n/// The newest Xen Orchestra release the table knows, and its date.\npub static NEWEST_RELEASE: (&str, &str) = ({:?}, {:?});\n", newest.release, newest.date));
    out
}

fn version_key(v: &str) -> Option<(u32, u32, u32)> {
    let mut parts = v.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??, parts.next().unwrap_or(Some(0))?))
}

/// The xo-server version from which a bug `fixed_in` a Xen Orchestra release is certainly
/// fixed: the xo-server of the first release at or after the fix that shipped one (a release
/// that did not ship xo-server leaves an older xo-server in place, which says nothing). `None`
/// for a fix that is not Xen Orchestra's or newer than the table, and for a fix in a plug-in
/// (`xo-server-sdn-controller 1.0.9`): a plug-in has versions of its own, and no xo-server version
/// says which one runs beside it.
pub fn xo_server_fixing(fixed_in: &str, releases: &[XoRelease], what: &str) -> Option<String> {
    if let Some(plugin) = fixed_in.strip_prefix("xo-server-") {
        let mut words = plugin.split_whitespace();
        let name = words.next().unwrap_or("");
        let named = !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        assert!(
            named && words.next().and_then(version_key).is_some(),
            "{what}: fixed_in {fixed_in:?}: a plug-in's fix is \"xo-server-<plug-in> X.Y.Z\""
        );
        return None;
    }
    if let Some(v) = fixed_in.strip_prefix("xo-server ") {
        let v = v.split_whitespace().next().unwrap_or("");
        assert!(version_key(v).is_some(), "{what}: fixed_in {fixed_in:?}: xo-server's version is X.Y.Z");
        return Some(v.to_string());
    }
    let release = fixed_in.strip_prefix("Xen Orchestra ")?;
    let release = release.split_whitespace().next().unwrap_or("");
    let fix = version_key(release).unwrap_or_else(|| panic!("{what}: fixed_in {fixed_in:?}: the release is X.Y.Z"));
    releases.iter().find(|r| version_key(&r.release).is_some_and(|v| v >= fix)).map(|r| r.xo_server.clone())
}

/// A release of `xo_versions`: X.Y.Z, all three numbers.
fn release_key(v: &str, range: &str, what: &str) -> (u32, u32, u32) {
    let three = v.split('.').count() == 3;
    version_key(v).filter(|_| three).unwrap_or_else(|| panic!("{what}: xo_versions {range:?}: {v:?} is not a release X.Y.Z"))
}

/// The xo-server versions `xo_versions` bounds, as `(above, below)`: `"<5.87.0"` (Xen Orchestra
/// releases) is the xo-server versions below the xo-server of the first release from 5.87.0 on
/// (which must agree with `fixed_in`, which says the same to the reader); `">=5.80.0 <5.87.0"`
/// adds that the bug came with 5.80.0, so an xo-server no newer than that of the last release
/// before 5.80.0 never had it (`above`). The last release before, not 5.80.0's own: a technical
/// release between the two may have shipped the new code in an xo-server of its own.
pub fn xo_server_range(range: Option<&str>, fixed_in: Option<&str>, releases: &[XoRelease], what: &str) -> (Option<String>, Option<String>) {
    let Some(range) = range else { return (None, None) };
    let syntax = "xo_versions is \"<X.Y.Z\" (the Xen Orchestra release that fixed it) or \">=X.Y.Z <X.Y.Z\" (the release that brought it, the one that fixed it)";
    let (from, to) = match range.split_whitespace().collect::<Vec<_>>()[..] {
        [to] => (None, to),
        [from, to] => (Some(from.strip_prefix(">=").unwrap_or_else(|| panic!("{what}: xo_versions {range:?}: {syntax}"))), to),
        _ => panic!("{what}: xo_versions {range:?}: {syntax}"),
    };
    let bound = to.strip_prefix('<').unwrap_or_else(|| panic!("{what}: xo_versions {range:?}: {syntax}"));
    let fix = release_key(bound, range, what);
    assert!(
        !fixed_in.is_some_and(|f| f.starts_with("xo-server-")),
        "{what}: xo_versions {range:?}: a fix in a plug-in ({}) is not bounded by xo-server's version",
        fixed_in.unwrap_or("")
    );
    assert_eq!(fixed_in, Some(format!("Xen Orchestra {bound}").as_str()), "{what}: xo_versions {range:?} and fixed_in must name the same release");
    let below = xo_server_fixing(&format!("Xen Orchestra {bound}"), releases, what);
    assert!(below.is_some(), "{what}: no release from {bound} on in data/xo_releases.json (regenerate it: scripts/xo-releases.mjs)");
    let above = from.map(|from| {
        let start = release_key(from, range, what);
        assert!(start < fix, "{what}: xo_versions {range:?}: the release that brought the bug is not before the one that fixed it");
        let before = releases.iter().rev().find(|r| version_key(&r.release).is_some_and(|v| v < start));
        before.map(|r| r.xo_server.clone()).unwrap_or_else(|| panic!("{what}: xo_versions {range:?}: no release before {from} in data/xo_releases.json"))
    });
    (above, below)
}

/// `data/signatures/*.toml` → `signatures_data.rs`: `SIGNATURES_TEXT`, one record per signature in
/// file order (which is the documentation order), read into `Signature`s on first use. As one
/// string the table is ~30 KB smaller in the .wasm than static structs, whose string pointers
/// compress poorly (docs/size.md).
pub fn signatures(toml_text: &str, xo_releases: &[XoRelease]) -> String {
    let file: File = toml::from_str(toml_text).unwrap_or_else(|e| panic!("data/signatures/*.toml: {e}"));
    let mut ids = BTreeSet::new();
    let mut names = BTreeSet::new();
    let mut out = String::new();
    let mut text = String::new();
    for s in &file.signature {
        let what = format!("signature {}", s.id);
        assert!(ids.insert(s.id.clone()), "{what}: duplicate id");
        assert!(names.insert(s.name.clone()), "{what}: duplicate name {:?}", s.name);
        assert!(
            s.id.len() == 5 && s.id[..2].bytes().all(|b| b.is_ascii_uppercase()) && s.id[2..].bytes().all(|b| b.is_ascii_digit()),
            "{what}: an id is two capitals and three digits"
        );
        assert!(s.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{what}: name is kebab-case");
        assert!(SEVERITIES.contains(&s.severity.as_str()), "{what}: unknown severity {:?}", s.severity);
        // A normal situation is information: it must never outrank or look like a failure.
        if matches!(s.category.as_str(), "benign" | "in_progress") {
            assert_eq!(s.severity, "info", "{what}: a {} signature is severity info", s.category);
        }
        assert!(!s.any.is_empty(), "{what}: `any` needs at least one literal");
        // Anchors feed the shared prefilter and must be distinctive on their own; `all` and
        // `none` are only checked near an anchor, where a pair such as `:/` already says a lot.
        for lit in &s.any {
            assert!(literal_text(lit).trim().len() >= 3, "{what}: literal {lit:?} is too short to mean anything");
        }
        let all_literals: Vec<String> = s.all.iter().flat_map(|a| a.literals().iter().cloned()).collect();
        for a in &s.all {
            assert!(!a.literals().is_empty(), "{what}: an empty list of alternatives in `all`");
        }
        assert!(!s.none_on_line || !s.none.is_empty(), "{what}: none_on_line without `none`");
        for lit in all_literals.iter().chain(&s.none) {
            assert!(literal_text(lit).trim().len() >= 2, "{what}: literal {lit:?} is too short to mean anything");
            assert!(lit.is_ascii(), "{what}: literals are ASCII (matched ASCII case-insensitively): {lit:?}");
        }
        for lit in s.any.iter().chain(&all_literals).chain(&s.none) {
            assert!(!names_a_particular(lit), "{what}: literal {lit:?} names one pool's object or address, not a message of the software");
            assert!(
                !lit.contains("{at least ") || digit_places(lit).is_some(),
                "{what}: literal {lit:?}: a number's digits are written `{{at least N digits}}` at the literal's end, N from 1 to 20"
            );
        }
        for i in &s.inputs {
            assert!(INPUTS.contains(&i.as_str()), "{what}: unknown input {i:?} (one of {INPUTS:?})");
        }
        for st in &s.steps {
            assert!(matches!(st.len(), 1 | 2), "{what}: a step is [text] or [text, command]");
        }
        for l in &s.links {
            assert!(l.len() == 2 && l[1].starts_with("http"), "{what}: a link is [title, url]");
        }
        if let Some(v) = &s.versions {
            assert!(v.starts_with('<') || v.starts_with(">=") || v.starts_with('='), "{what}: versions is <X, >=X or =X");
        }
        assert!(!s.example.trim().is_empty() && !s.counterexample.trim().is_empty(), "{what}: example and counterexample");
        // The storage manager never mounts or writes a backup remote: in its log, a mount or
        // write failure is an SR's, whatever literal it shares with a remote's.
        let backup_target = matches!(s.category.as_str(), "remote_unreachable" | "remote_full");
        assert!(!(backup_target && s.inputs.iter().any(|i| i == "smlog")), "{what}: a backup remote's signature does not read SMlog");
        let inputs_mask: u8 = if s.inputs.is_empty() {
            if backup_target { 0b011 } else { 0b111 }
        } else {
            s.inputs.iter().map(|i| 1u8 << INPUTS.iter().position(|x| x == i).unwrap()).fold(0, |a, b| a | b)
        };
        // One record per signature (RS-terminated), fields US-separated, list items GS-separated,
        // the two halves of a step or link FS-separated; an absent option is an empty field.
        let raw = [&s.id, &s.name, &s.title, &s.example, &s.summary, &s.cause, &s.counterexample].into_iter().chain(s.description.iter());
        let raw = raw.chain(s.any.iter().chain(&all_literals).chain(&s.none).chain(&s.codes)).chain(s.steps.iter().chain(&s.links).flatten());
        for f in raw.chain(s.product.iter()).chain(s.versions.iter()).chain(s.fixed_in.iter()).chain(s.xo_versions.iter()) {
            assert!(!f.contains(['\x1c', '\x1d', '\x1e', '\x1f']), "{what}: a separator character in {f:?}");
        }
        let (xo_above, xo_below) = xo_server_range(s.xo_versions.as_deref(), s.fixed_in.as_deref(), xo_releases, &what);
        let list = |items: &[String]| items.join("\x1d");
        let pairs = |items: &[Vec<String>]| items.iter().map(|p| p.join("\x1c")).collect::<Vec<_>>().join("\x1d");
        let fields: Vec<String> = vec![
            s.id.clone(),
            s.name.clone(),
            s.title.clone(),
            CATEGORIES.iter().position(|c| *c == s.category).unwrap_or_else(|| panic!("{what}: unknown category {:?}", s.category)).to_string(),
            SEVERITIES.iter().position(|c| *c == s.severity).unwrap().to_string(),
            // (No trigger: rules/signatures.rs writes it from the literals, which it has anyway.)
            // Empty: the same as the cause (written once).
            s.description.clone().unwrap_or_default(),
            s.example.clone(),
            s.priority.to_string(),
            list(&s.any),
            // The alternatives of one condition FS-separated.
            s.all.iter().map(|a| a.literals().join("\x1c")).collect::<Vec<_>>().join("\x1d"),
            list(&s.none),
            s.near.to_string(),
            // Empty when false (most signatures): one separator each.
            if s.none_on_line { "1".to_string() } else { String::new() },
            inputs_mask.to_string(),
            list(&s.codes),
            s.product.clone().unwrap_or_default(),
            s.versions.clone().unwrap_or_default(),
            s.fixed_in.clone().unwrap_or_default(),
            s.fixed_in.as_deref().and_then(|f| xo_server_fixing(f, xo_releases, &what)).unwrap_or_default(),
            xo_below.unwrap_or_default(),
            xo_above.unwrap_or_default(),
            s.summary.clone(),
            s.cause.clone(),
            pairs(&s.steps),
            pairs(&s.links),
        ];
        for o in [&s.product, &s.versions, &s.fixed_in, &s.xo_versions, &s.description] {
            assert!(o.as_ref().is_none_or(|v| !v.is_empty()), "{what}: an empty product, versions, fixed_in or description");
        }
        for l in s.any.iter().chain(&all_literals).chain(&s.none).chain(&s.codes) {
            assert!(!l.is_empty(), "{what}: an empty literal or code");
        }
        text.push_str(&fields.join("\x1f"));
        text.push('\x1e');
    }
    writeln!(out, "/// {} signatures in file order, read into `Signature`s on first use (rules/signatures.rs).", file.signature.len()).unwrap();
    writeln!(out, "static SIGNATURES_TEXT: &str = {text:?};").unwrap();
    out
}

/// `data/signatures/*.toml` → `signature_counterexamples.rs`: `(id, counterexample)` per signature,
/// for tests/signatures.rs only. The counterexamples are test data: they are not compiled into
/// the module (docs/size.md), and `signatures()` above has checked them.
pub fn counterexamples(toml_text: &str) -> String {
    let file: File = toml::from_str(toml_text).unwrap_or_else(|e| panic!("data/signatures/*.toml: {e}"));
    let pairs: Vec<(&str, &str)> = file.signature.iter().map(|s| (s.id.as_str(), s.counterexample.as_str())).collect();
    format!("/// Every signature's counterexample, in file order (build/knowledge.rs).\npub static COUNTEREXAMPLES: &[(&str, &str)] = &{pairs:?};\n")
}

#[derive(serde::Deserialize)]
pub struct Meanings {
    pub xapi: Vec<XapiMeaning>,
    pub sr: Vec<SrMeaning>,
    pub errno: Vec<ErrnoMeaning>,
    pub smb_status: Vec<SmbMeaning>,
    pub mount_exit: Vec<MountMeaning>,
    /// Node.js, libuv, undici and OpenSSL error codes that are not Linux errno names.
    pub node: Vec<NodeMeaning>,
    /// The error codes of the S3 REST API (and of S3-compatible services) an S3 remote answers with.
    pub s3: Vec<S3Meaning>,
    /// The errors of the toolstack's internal interfaces (xenopsd, the storage layer, XAPI's
    /// database, the SM driver table), by their OCaml constructor names.
    pub toolstack: Vec<ToolstackMeaning>,
    /// The numbered errors of Xen Orchestra's own API (xo-common's api-errors): `{"code": 21,
    /// "message": "operation failed", "data": …}`.
    pub xo_api: Vec<XoApiMeaning>,
}

/// The interfaces a toolstack error name belongs to, as the source files name them.
pub const TOOLSTACK_INTERFACES: &[&str] = &["xenops", "storage", "db", "sm"];

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolstackMeaning {
    pub name: String,
    /// `xenops` (xenops_interface.ml), `storage` (storage_interface.ml), `db` (db_exn.ml), `sm` (sm.ml).
    pub interface: String,
    pub category: String,
    pub meaning: String,
    /// The name only carries another error (an SR code, an exception's message): that one is
    /// the diagnosis, this one is not reported by itself.
    #[serde(default)]
    pub wraps: bool,
}

#[derive(serde::Deserialize)]
pub struct S3Meaning {
    pub name: String,
    pub category: String,
    pub meaning: String,
    /// The name is S3's alone, so `Name: message` at the head of a line is read as this code too;
    /// a name other APIs use as well (`InternalError`) counts only in an error's code field.
    #[serde(default)]
    pub distinct: bool,
}

#[derive(serde::Deserialize)]
pub struct XoApiMeaning {
    pub number: u32,
    pub name: String,
    /// The fixed part of the error's message, which tells it apart from any other numbered error.
    pub message: String,
    pub category: String,
    pub meaning: String,
}

#[derive(serde::Deserialize)]
pub struct NodeMeaning {
    pub name: String,
    pub category: String,
    pub meaning: String,
}

#[derive(serde::Deserialize)]
pub struct XapiMeaning {
    pub code: String,
    pub category: String,
    pub meaning: String,
}

#[derive(serde::Deserialize)]
pub struct SrMeaning {
    pub value: u32,
    pub category: String,
    pub meaning: String,
}

#[derive(serde::Deserialize)]
pub struct ErrnoMeaning {
    pub name: String,
    pub number: u32,
    pub category: String,
    pub meaning: String,
}

#[derive(serde::Deserialize)]
pub struct SmbMeaning {
    pub name: String,
    pub value: String,
    pub category: String,
    pub meaning: String,
}

#[derive(serde::Deserialize)]
pub struct MountMeaning {
    pub status: u32,
    pub category: String,
    pub meaning: String,
}

/// `items` sorted by name (the tables are binary-searched), each name once.
fn sorted_by_name<'a, T>(items: &'a [T], name: fn(&T) -> &str, what: &str) -> Vec<&'a T> {
    let mut sorted: Vec<&T> = items.iter().collect();
    sorted.sort_by(|a, b| name(a).cmp(name(b)));
    for w in sorted.windows(2) {
        assert_ne!(name(w[0]), name(w[1]), "code_meanings.json: {what} {} twice", name(w[0]));
    }
    sorted
}

/// One record of a catalogue table compiled in as text: fields separated by US, ended by RS.
/// As one string a table is smaller in the .wasm than static structs, whose string pointers
/// compress poorly (docs/size.md); `catalog/mod.rs` reads it on first use.
pub fn record(fields: &[&str], what: &str) -> String {
    for f in fields {
        assert!(!f.contains(['\x1e', '\x1f']), "{what}: a separator character in {f:?}");
    }
    fields.join("\x1f") + "\x1e"
}

/// A category as its index in `Category::ALL` (the same order as [`CATEGORIES`]).
pub fn category_index(name: &str, what: &str) -> String {
    CATEGORIES.iter().position(|c| *c == name).unwrap_or_else(|| panic!("{what}: unknown category {name:?}")).to_string()
}

/// The errno, SMB status, Node, S3 and mount exit tables (the XAPI and SR meanings join their catalogues).
pub fn code_tables(m: &Meanings) -> String {
    let mut out = String::new();
    let errno = sorted_by_name(&m.errno, |e| &e.name, "errno");
    let mut text = String::new();
    for e in &errno {
        assert!(e.name.starts_with('E') && e.name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()), "errno name {}", e.name);
        text += &record(&[&e.name, &e.number.to_string(), &category_index(&e.category, &e.name), &e.meaning], &e.name);
    }
    writeln!(out, "/// Linux errno names, sorted by name: `name number category meaning`.\npub(crate) static ERRNO_TEXT: &str = {text:?};").unwrap();
    let smb = sorted_by_name(&m.smb_status, |s| &s.name, "NTSTATUS");
    let mut text = String::new();
    for s in &smb {
        let hex = s.value.trim_start_matches("0x").trim_start_matches("0X");
        let value = u32::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("SMB status {} value {}", s.name, s.value));
        text += &record(&[&s.name, &value.to_string(), &category_index(&s.category, &s.name), &s.meaning], &s.name);
    }
    writeln!(
        out,
        "/// NTSTATUS names an SMB target reports, sorted by name: `name value category meaning`.\npub(crate) static SMB_STATUS_TEXT: &str = {text:?};"
    )
    .unwrap();
    let node = sorted_by_name(&m.node, |n| &n.name, "Node code");
    let mut text = String::new();
    for n in &node {
        assert!(errno.iter().all(|e| e.name != n.name), "code_meanings.json: {} is both errno and node", n.name);
        text += &record(&[&n.name, &category_index(&n.category, &n.name), &n.meaning], &n.name);
    }
    writeln!(
        out,
        "/// Node.js, libuv, undici and OpenSSL error codes, sorted by name: `name category meaning`.\npub(crate) static NODE_CODES_TEXT: &str = {text:?};"
    )
    .unwrap();
    let s3 = sorted_by_name(&m.s3, |s| &s.name, "S3 code");
    let mut text = String::new();
    for s in &s3 {
        let camel = s.name.len() >= 5
            && s.name.starts_with(|c: char| c.is_ascii_uppercase())
            && s.name.bytes().all(|b| b.is_ascii_alphanumeric())
            && s.name.bytes().any(|b| b.is_ascii_lowercase());
        assert!(camel, "code_meanings.json: S3 code {} is not a CamelCase word", s.name);
        text += &record(&[&s.name, &category_index(&s.category, &s.name), if s.distinct { "1" } else { "0" }, &s.meaning], &s.name);
    }
    writeln!(
        out,
        "/// S3 error codes, sorted by name: `name category distinct(0|1) meaning`.\npub(crate) static S3_CODES_TEXT: &str = {text:?};"
    )
    .unwrap();
    let mut toolstack: Vec<&ToolstackMeaning> = m.toolstack.iter().collect();
    toolstack.sort_by(|a, b| (&a.interface, &a.name).cmp(&(&b.interface, &b.name)));
    let mut text = String::new();
    for w in toolstack.windows(2) {
        assert!((&w[0].interface, &w[0].name) != (&w[1].interface, &w[1].name), "code_meanings.json: toolstack {} {} twice", w[0].interface, w[0].name);
    }
    for t in &toolstack {
        let what = format!("toolstack {} {}", t.interface, t.name);
        assert!(TOOLSTACK_INTERFACES.contains(&t.interface.as_str()), "code_meanings.json: {what}: unknown interface");
        let constructor = t.name.starts_with(|c: char| c.is_ascii_uppercase()) && t.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        assert!(constructor, "code_meanings.json: {what} is not an OCaml constructor name");
        text += &record(&[&t.interface, &t.name, &category_index(&t.category, &what), if t.wraps { "1" } else { "0" }, &t.meaning], &what);
    }
    writeln!(
        out,
        "/// Toolstack interface errors, sorted by interface then name: `interface name category wraps(0|1) meaning`.\npub(crate) static TOOLSTACK_TEXT: &str = {text:?};"
    )
    .unwrap();
    let mut xo_api: Vec<&XoApiMeaning> = m.xo_api.iter().collect();
    xo_api.sort_by_key(|e| e.number);
    for w in xo_api.windows(2) {
        assert!(w[0].number != w[1].number, "code_meanings.json: Xen Orchestra API error {} twice", w[0].number);
    }
    let mut text = String::new();
    for e in &xo_api {
        let what = format!("Xen Orchestra API error {}", e.number);
        assert!(e.message.trim().len() >= 6, "code_meanings.json: {what}: its message is too short to tell it apart");
        text += &record(&[&e.number.to_string(), &e.name, &e.message, &category_index(&e.category, &what), &e.meaning], &what);
    }
    writeln!(
        out,
        "/// Xen Orchestra's API errors, sorted by number: `number name message category meaning`.\npub(crate) static XO_API_TEXT: &str = {text:?};"
    )
    .unwrap();
    out.push_str("/// mount(8) exit statuses.\npub(crate) static MOUNT_EXIT: &[MountExit] = &[\n");
    for s in &m.mount_exit {
        writeln!(
            out,
            "    MountExit {{ status: {}, category: {}, meaning: {:?} }},",
            s.status,
            category_path(&s.category, &format!("mount exit {}", s.status)),
            s.meaning
        )
        .unwrap();
    }
    out.push_str("];\n");
    out
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WordingFile {
    cue: Vec<Cue>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Cue {
    name: String,
    category: String,
    label: String,
    any: Vec<String>,
    #[serde(default)]
    none: Vec<String>,
    meaning: String,
    step: String,
    example: String,
    counterexample: String,
}

/// `data/wording.toml` → `wording_data.rs`: `CUES`, the general-wording cues in file order (the
/// first that matches wins). A few dozen strings: plain statics are simplest here.
pub fn wording(toml_text: &str) -> String {
    let file: WordingFile = toml::from_str(toml_text).unwrap_or_else(|e| panic!("data/wording.toml: {e}"));
    let mut names = BTreeSet::new();
    let mut out = String::from("/// The general-wording cues of data/wording.toml, in file order.\npub(crate) static CUES: &[Cue] = &[\n");
    for c in &file.cue {
        let what = format!("cue {}", c.name);
        assert!(names.insert(c.name.clone()), "{what}: duplicate name");
        assert!(c.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{what}: name is kebab-case");
        assert!(!matches!(c.category.as_str(), "benign" | "in_progress"), "{what}: a cue reads a failure's words");
        assert!(!c.any.is_empty(), "{what}: `any` needs at least one literal");
        for lit in c.any.iter().chain(&c.none) {
            assert!(lit.trim().len() >= 3, "{what}: literal {lit:?} is too short to mean anything");
            assert!(lit.is_ascii(), "{what}: literals are ASCII (matched ASCII case-insensitively): {lit:?}");
        }
        for t in [&c.label, &c.meaning, &c.step, &c.example, &c.counterexample] {
            assert!(!t.trim().is_empty(), "{what}: an empty text");
        }
        let lower = |items: &[String]| items.iter().map(|l| format!("{:?}", l.to_ascii_lowercase())).collect::<Vec<_>>().join(", ");
        writeln!(
            out,
            "    Cue {{ name: {:?}, category: {}, label: {:?}, any: &[{}], none: &[{}], meaning: {:?}, step: {:?}, example: {:?}, counterexample: {:?} }},",
            c.name,
            category_path(&c.category, &what),
            c.label,
            lower(&c.any),
            lower(&c.none),
            c.meaning,
            c.step,
            c.example,
            c.counterexample
        )
        .unwrap();
    }
    out.push_str("];\n");
    out
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SmlogMessagesFile {
    message: Vec<SmlogMessage>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SmlogMessage {
    starts: String,
    #[serde(default)]
    contains: String,
    kind: String,
    #[serde(default)]
    detail: bool,
    #[serde(default)]
    sr_after: Option<String>,
    #[serde(default)]
    vdi_after: Option<String>,
    #[serde(default = "yes")]
    sr_from_process: bool,
    #[serde(default = "yes")]
    vdi_from_process: bool,
    #[serde(default)]
    word_fact: Option<String>,
    #[serde(default)]
    number_after: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    facts: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    gc_context: bool,
    #[serde(default)]
    takes_failed_command: bool,
    #[serde(default)]
    sr_gc_disabled: bool,
    example: String,
    counterexample: String,
}

/// The default of the `…_from_process` fields: an incident takes its subject from its process.
fn yes() -> bool {
    true
}

/// The message of an example line: what follows `[pid] ` when the line has a syslog prefix.
fn smlog_message_of(line: &str) -> &str {
    match (line.find(": ["), line.find("] ")) {
        (Some(open), Some(close)) if open < close => &line[close + 2..],
        _ => line,
    }
}

fn smlog_entry_matches(m: &SmlogMessage, msg: &str) -> bool {
    msg.strip_prefix(m.starts.as_str()).is_some_and(|rest| rest.contains(m.contains.as_str()))
}

/// `data/smlog_messages.toml` → `smlog_messages_data.rs`: `MESSAGES` (what each message means,
/// in file order), `recognise` (the first entry, in file order, whose literals a message matches:
/// a match on the first byte with one guarded arm per entry) and, for the tests only, each
/// entry's example and counterexample.
pub fn smlog_messages(toml_text: &str) -> String {
    let file: SmlogMessagesFile = toml::from_str(toml_text).unwrap_or_else(|e| panic!("data/smlog_messages.toml: {e}"));
    let mut table = String::from("/// What each message of data/smlog_messages.toml means, in file order.\npub(super) static MESSAGES: &[Message] = &[\n");
    let mut examples = String::from("/// `(entry, example, counterexample)` of data/smlog_messages.toml.\n#[cfg(test)]\npub(super) static EXAMPLES: &[(usize, &str, &str)] = &[\n");
    for (i, m) in file.message.iter().enumerate() {
        let what = format!("data/smlog_messages.toml: message {:?}", m.starts);
        assert!(m.starts.len() >= 3 && m.starts.is_ascii(), "{what}: `starts` is an ASCII literal of at least 3 characters");
        assert!(m.starts.len() + m.contains.len() >= 8, "{what}: `starts` and `contains` together have at least 8 characters");
        let first = m.starts.as_bytes()[0];
        assert!(!matches!(first, b'[' | b' '), "{what}: commands and indented lines never reach this table");
        assert!(m.contains.is_ascii(), "{what}: `contains` is ASCII");
        assert!(m.kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') && !m.kind.is_empty(), "{what}: `kind` is snake_case");
        for name in m.word_fact.iter().chain(m.number_after.keys()).chain(m.facts.keys()) {
            assert!(!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric()), "{what}: fact names are camelCase: {name:?}");
        }
        for (name, marker) in &m.number_after {
            assert!(!marker.is_empty() && marker.is_ascii(), "{what}: the literal before the number of {name} is ASCII and not empty");
            assert!(!m.facts.contains_key(name) && m.word_fact.as_ref() != Some(name), "{what}: {name} is captured twice");
        }
        if let Some(name) = &m.word_fact {
            assert!(!m.facts.contains_key(name), "{what}: {name} is captured twice");
        }
        let example = smlog_message_of(&m.example);
        assert!(smlog_entry_matches(m, example), "{what}: the example does not match `starts` / `contains`");
        if let Some(earlier) = file.message[..i].iter().find(|e| smlog_entry_matches(e, example)) {
            panic!("{what}: its example is taken by the earlier entry {:?}", earlier.starts);
        }
        assert!(!smlog_entry_matches(m, smlog_message_of(&m.counterexample)), "{what}: the counterexample matches the entry");
        let pairs = |map: &std::collections::BTreeMap<String, String>| map.iter().map(|(k, v)| format!("({k:?}, {v:?})")).collect::<Vec<_>>().join(", ");
        writeln!(
            table,
            "    Message {{ starts: {:?}, kind: IncidentKind::{}, detail: {}, sr_after: {:?}, vdi_after: {:?}, sr_from_process: {}, vdi_from_process: {}, \
             word_fact: {:?}, number_after: &[{}], facts: &[{}], gc_context: {}, takes_failed_command: {}, sr_gc_disabled: {} }},",
            m.starts,
            camel(&m.kind),
            m.detail,
            m.sr_after,
            m.vdi_after,
            m.sr_from_process,
            m.vdi_from_process,
            m.word_fact,
            pairs(&m.number_after),
            pairs(&m.facts),
            m.gc_context,
            m.takes_failed_command,
            m.sr_gc_disabled
        )
        .unwrap();
        writeln!(examples, "    ({i}, {:?}, {:?}),", m.example, m.counterexample).unwrap();
    }
    table.push_str("];\n\n");
    examples.push_str("];\n\n");
    // One guarded arm per entry, in file order: the first that matches wins, and the compiler
    // turns the first bytes into one jump. Out of line: inlined, its comparisons would grow the
    // assembler's `message` dispatch, and a larger hot function is slower to optimise in V8
    // (bench/README.md, "Where the time goes"); measured, the call costs nothing visible.
    let mut recognise = String::from(
        "/// The entry of [`MESSAGES`] that `msg` matches first.\n#[inline(never)]\npub(super) fn recognise(msg: &[u8]) -> Option<&'static Message> {\n    let found = match *msg.first()? {\n",
    );
    for (i, m) in file.message.iter().enumerate() {
        let first = m.starts.as_bytes()[0] as char;
        if m.contains.is_empty() {
            writeln!(recognise, "        b{first:?} if starts(msg, {:?}) => {i},", m.starts).unwrap();
        } else {
            writeln!(recognise, "        b{first:?} if starts(msg, {:?}) && find(&msg[{}..], {:?}).is_some() => {i},", m.starts, m.starts.len(), m.contains).unwrap();
        }
    }
    recognise.push_str("        _ => return None,\n    };\n    MESSAGES.get(found)\n}\n");
    table + &examples + &recognise
}
