//! Facts compiled in from `data/`: every SR error code the storage manager can raise (upstream
//! and XCP-ng 8.3), the values that were reused over the years, and every XAPI error code with
//! its parameter names (current and removed). `build.rs` turns the JSON tables into text (one
//! record per code) included below, read into arrays of structs on first use: as text a table is
//! several times smaller in the .wasm than static structs of string pointers (docs/size.md).
//! Lookups are binary searches.
//!
//! Every code also has a category and a one-line meaning (`data/code_meanings.json`): the XAPI
//! and SR codes, Linux errno names (and the negative numbers Node reports), the NTSTATUS names
//! an SMB target answers with, and mount's exit statuses. A code no rule knows is still
//! explained and filed under the right category.

use std::sync::LazyLock;

use crate::model::Category;

/// One SR error code of `XE_SR_ERRORCODES.xml`; XAPI reports it as `SR_BACKEND_FAILURE_<value>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SrErrorCode {
    pub value: u32,
    pub name: &'static str,
    pub description: &'static str,
    /// Known to the upstream storage manager (xapi-project/sm master).
    pub upstream: bool,
    /// Known to XCP-ng 8.3's storage manager.
    pub xcpng: bool,
    pub category: Category,
    /// One line in our words: what the failure means for the operation that hit it.
    pub meaning: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryStatus {
    /// The name disappeared; the value may now mean something else.
    Removed,
    /// Same name, but the description or the value changed.
    Changed,
}

/// An SR error code as it was in an earlier release of the storage manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SrCodeHistory {
    pub value: u32,
    pub name: &'static str,
    pub description: &'static str,
    pub status: HistoryStatus,
    pub first_seen: &'static str,
    pub last_seen: &'static str,
    /// The current code that now uses this value, when the value was reassigned.
    pub value_now_used_by: Option<&'static str>,
}

/// When a XAPI error code was dropped from `api_errors.ml` (older hosts still send it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removed {
    pub first_seen: &'static str,
    pub last_seen: &'static str,
}

/// One XAPI error code with its declared parameter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiErrorCode {
    pub code: &'static str,
    pub params: &'static [&'static str],
    pub doc: &'static str,
    /// Whether the datamodel documents it (32 codes are declared without doc or params).
    pub documented: bool,
    pub category: Category,
    /// One line in our words: what the error means for the operation that hit it.
    pub meaning: &'static str,
    pub removed: Option<Removed>,
}

/// A Linux errno (Node reports the name as `code` and its negative number as `errno`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Errno {
    pub name: &'static str,
    pub number: u32,
    pub category: Category,
    pub meaning: &'static str,
}

/// An NTSTATUS value an SMB server answers with (`STATUS_ACCESS_DENIED`, 0xC0000022).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmbStatus {
    pub name: &'static str,
    pub value: u32,
    pub category: Category,
    pub meaning: &'static str,
}

/// An error code of Node.js, libuv, undici or OpenSSL that is not an errno name (`ENOTFOUND`,
/// `ELOCKED`, `UND_ERR_BODY_TIMEOUT`, `SELF_SIGNED_CERT_IN_CHAIN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeCode {
    pub name: &'static str,
    pub category: Category,
    pub meaning: &'static str,
}

/// An error code of the S3 REST API or of an S3-compatible service (`NoSuchBucket`,
/// `SignatureDoesNotMatch`, MinIO's `XMinioStorageFull`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct S3Code {
    pub name: &'static str,
    pub category: Category,
    /// The name is S3's alone (not `InternalError`): `Name: message` is read as the code too.
    pub distinct: bool,
    pub meaning: &'static str,
}

/// An error of one of the toolstack's internal interfaces, by its OCaml constructor name
/// (`Does_not_exist` of xenopsd, `Sr_not_attached` of the storage layer, `Read_missing_uuid`
/// of XAPI's database).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolstackError {
    /// `xenops`, `storage`, `db` or `sm`.
    pub interface: &'static str,
    pub name: &'static str,
    pub category: Category,
    /// The name only carries another error (an SR code, a message), which is the diagnosis.
    pub wraps: bool,
    pub meaning: &'static str,
}

/// A numbered error of Xen Orchestra's own API (`{"code": 21, "message": "operation failed"}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XoApiError {
    pub number: u32,
    /// Its name in xo-common's api-errors (`operationFailed`).
    pub name: &'static str,
    /// The fixed part of its message.
    pub message: &'static str,
    pub category: Category,
    pub meaning: &'static str,
}

/// An exit status of mount(8) (mount.nfs and mount.cifs use the same).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MountExit {
    pub status: u32,
    pub category: Category,
    pub meaning: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/catalog_data.rs"));

/// The fields of each record of a table compiled in as text (build/knowledge.rs `record`).
fn records(text: &'static str) -> impl Iterator<Item = std::str::Split<'static, char>> {
    text.split_terminator('\x1e').map(|r| r.split('\x1f'))
}

/// The build wrote every field and checked it, so a missing or malformed one cannot happen;
/// it would read as empty, zero or `Other`.
fn field(f: &mut std::str::Split<'static, char>) -> &'static str {
    f.next().unwrap_or("")
}

fn number(f: &mut std::str::Split<'static, char>) -> u32 {
    field(f).parse().unwrap_or(0)
}

fn category(f: &mut std::str::Split<'static, char>) -> Category {
    field(f).parse::<usize>().ok().and_then(|i| Category::ALL.get(i).copied()).unwrap_or(Category::Other)
}

// The tables below are read from their text on first use (a fraction of a millisecond).
pub(crate) static ERRNO: LazyLock<Vec<Errno>> = LazyLock::new(|| {
    records(ERRNO_TEXT).map(|mut f| Errno { name: field(&mut f), number: number(&mut f), category: category(&mut f), meaning: field(&mut f) }).collect()
});

pub(crate) static SMB_STATUS: LazyLock<Vec<SmbStatus>> = LazyLock::new(|| {
    records(SMB_STATUS_TEXT)
        .map(|mut f| SmbStatus { name: field(&mut f), value: number(&mut f), category: category(&mut f), meaning: field(&mut f) })
        .collect()
});

pub(crate) static NODE_CODES: LazyLock<Vec<NodeCode>> = LazyLock::new(|| {
    records(NODE_CODES_TEXT).map(|mut f| NodeCode { name: field(&mut f), category: category(&mut f), meaning: field(&mut f) }).collect()
});

pub(crate) static S3_CODES: LazyLock<Vec<S3Code>> = LazyLock::new(|| {
    records(S3_CODES_TEXT)
        .map(|mut f| S3Code { name: field(&mut f), category: category(&mut f), distinct: field(&mut f) == "1", meaning: field(&mut f) })
        .collect()
});

pub(crate) static TOOLSTACK: LazyLock<Vec<ToolstackError>> = LazyLock::new(|| {
    records(TOOLSTACK_TEXT)
        .map(|mut f| ToolstackError {
            interface: field(&mut f),
            name: field(&mut f),
            category: category(&mut f),
            wraps: field(&mut f) == "1",
            meaning: field(&mut f),
        })
        .collect()
});

pub(crate) static XO_API: LazyLock<Vec<XoApiError>> = LazyLock::new(|| {
    records(XO_API_TEXT)
        .map(|mut f| XoApiError {
            number: number(&mut f),
            name: field(&mut f),
            message: field(&mut f),
            category: category(&mut f),
            meaning: field(&mut f),
        })
        .collect()
});

pub(crate) static SR_CODES: LazyLock<Vec<SrErrorCode>> = LazyLock::new(|| {
    records(SR_CODES_TEXT)
        .map(|mut f| SrErrorCode {
            value: number(&mut f),
            name: field(&mut f),
            description: field(&mut f),
            upstream: field(&mut f) == "1",
            xcpng: field(&mut f) == "1",
            category: category(&mut f),
            meaning: field(&mut f),
        })
        .collect()
});

pub(crate) static SR_CODE_HISTORY: LazyLock<Vec<SrCodeHistory>> = LazyLock::new(|| {
    records(SR_CODE_HISTORY_TEXT)
        .map(|mut f| SrCodeHistory {
            value: number(&mut f),
            name: field(&mut f),
            description: field(&mut f),
            status: if field(&mut f) == "r" { HistoryStatus::Removed } else { HistoryStatus::Changed },
            first_seen: field(&mut f),
            last_seen: field(&mut f),
            value_now_used_by: Some(field(&mut f)).filter(|s| !s.is_empty()),
        })
        .collect()
});

/// Every XAPI error code, read from `API_ERRORS_TEXT` on first use (a fraction of a millisecond):
/// as text the table is several times smaller in the .wasm than as static structs.
pub(crate) static API_ERRORS: LazyLock<Vec<ApiErrorCode>> =
    LazyLock::new(|| API_ERRORS_TEXT.lines().filter(|l| !l.starts_with(EARLIER_DOC)).map(api_error_from_line).collect());

/// Starts a line of `API_ERRORS_TEXT` that is an earlier doc line of the code above it.
const EARLIER_DOC: char = '\x1d';

fn api_error_from_line(line: &'static str) -> ApiErrorCode {
    let mut fields = line.split('\x1f');
    let code = fields.next().unwrap_or("");
    let params = fields.next().unwrap_or("");
    let params: &'static [&'static str] = if params.is_empty() {
        &[]
    } else {
        // Leaked once per code, for the life of the module: the table is never freed anyway.
        Box::leak(params.split('\x1e').collect::<Vec<_>>().into_boxed_slice())
    };
    let doc = fields.next().unwrap_or("");
    let documented = fields.next() == Some("d");
    let category = fields.next().and_then(|i| i.parse::<usize>().ok()).and_then(|i| Category::ALL.get(i).copied()).unwrap_or(Category::Other);
    let meaning = fields.next().unwrap_or("");
    // Removed codes have two more fields: when they were first and last seen.
    let removed = fields.next().map(|first_seen| Removed { first_seen, last_seen: fields.next().unwrap_or("") });
    ApiErrorCode { code, params, doc, documented, category, meaning, removed }
}

/// The errno with this name (`ENOSPC`).
pub fn errno(name: &str) -> Option<&'static Errno> {
    ERRNO.binary_search_by(|e| e.name.cmp(name)).ok().map(|i| &ERRNO[i])
}

/// The errno with this number (`28`, or Node's `-28`); the first name when several share it.
pub fn errno_by_number(number: i64) -> Option<&'static Errno> {
    let n = u32::try_from(number.unsigned_abs()).ok()?;
    ERRNO.iter().filter(|e| e.number == n).min_by_key(|e| (e.name.len() > 6, e.name))
}

/// Every errno, sorted by name.
pub fn errnos() -> &'static [Errno] {
    &ERRNO
}

/// The Node.js (libuv, undici, OpenSSL) code with this name.
pub fn node_code(name: &str) -> Option<&'static NodeCode> {
    NODE_CODES.binary_search_by(|e| e.name.cmp(name)).ok().map(|i| &NODE_CODES[i])
}

/// Every Node.js code of the table, sorted by name.
pub fn node_codes() -> &'static [NodeCode] {
    &NODE_CODES
}

/// The S3 error code with this name (`NoSuchBucket`).
pub fn s3_code(name: &str) -> Option<&'static S3Code> {
    S3_CODES.binary_search_by(|e| e.name.cmp(name)).ok().map(|i| &S3_CODES[i])
}

/// The toolstack interface error `name` of `interface` (`xenops`, `storage`, `db`, `sm`).
pub fn toolstack_error(interface: &str, name: &str) -> Option<&'static ToolstackError> {
    TOOLSTACK.binary_search_by(|e| (e.interface, e.name).cmp(&(interface, name))).ok().map(|i| &TOOLSTACK[i])
}

/// Every toolstack interface error of the table, sorted by interface then name.
pub fn toolstack_errors() -> &'static [ToolstackError] {
    &TOOLSTACK
}

/// Every S3 error code of the table, sorted by name.
pub fn s3_codes() -> &'static [S3Code] {
    &S3_CODES
}

/// Xen Orchestra's API error `number` when `message` is that error's message (a number alone
/// is too common to say which program numbered it).
pub fn xo_api_error(number: u32, message: &str) -> Option<&'static XoApiError> {
    let e = XO_API.binary_search_by_key(&number, |e| e.number).ok().map(|i| &XO_API[i])?;
    let wanted = e.message.trim().to_ascii_lowercase();
    message.to_ascii_lowercase().contains(&wanted).then_some(e)
}

/// Xen Orchestra's API error whose message `text` is, when `text` starts with one of their fixed
/// messages (`incorrect state`, `no such VM 1a2b`): how the REST API answers, with the message
/// and no number.
pub fn xo_api_error_by_message(text: &str) -> Option<&'static XoApiError> {
    let text = text.trim_start().as_bytes();
    XO_API.iter().find(|e| {
        let fixed = e.message.as_bytes();
        // A message that ends in a word ("incorrect state") must end there or before a
        // separator ("incorrect state: …"), not run into a longer word.
        text.get(..fixed.len()).is_some_and(|head| head.eq_ignore_ascii_case(fixed))
            && (fixed.ends_with(b" ") || text.get(fixed.len()).is_none_or(|c| !c.is_ascii_alphanumeric()))
    })
}

/// Xen Orchestra's API error whose whole message `line` is (`incorrect state`, `host offline`):
/// how xo-web's error toast shows it, under the action's title. Messages that are only a prefix
/// (`no such `) and those other programs print alike (`operation failed`, `not implemented`,
/// `invalid parameters`, `service unavailable`) are not read alone.
pub fn xo_api_error_whole_line(line: &str) -> Option<&'static XoApiError> {
    const TOO_COMMON: [&str; 4] = ["notImplemented", "invalidParameters", "operationFailed", "serviceUnavailable"];
    // (Every line of a short text is asked: a line longer than any message, with room for an
    // indent and a period, is none, at once.)
    const LONGEST_LINE: usize = 48;
    if line.len() > LONGEST_LINE {
        return None;
    }
    let line = line.trim();
    let line = line.strip_suffix('.').unwrap_or(line);
    XO_API
        .iter()
        .find(|e| e.message.len() == line.len() && e.message.eq_ignore_ascii_case(line) && !TOO_COMMON.contains(&e.name))
}

/// The NTSTATUS with this name (`STATUS_FILE_CLOSED`).
pub fn smb_status(name: &str) -> Option<&'static SmbStatus> {
    SMB_STATUS.binary_search_by(|e| e.name.cmp(name)).ok().map(|i| &SMB_STATUS[i])
}

/// The NTSTATUS with this value (`0xC0000128`).
pub fn smb_status_by_value(value: u32) -> Option<&'static SmbStatus> {
    SMB_STATUS.iter().find(|s| s.value == value)
}

/// Every NTSTATUS of the table, sorted by name.
pub fn smb_statuses() -> &'static [SmbStatus] {
    &SMB_STATUS
}

/// mount(8)'s exit status.
pub fn mount_exit(status: u32) -> Option<&'static MountExit> {
    MOUNT_EXIT.iter().find(|m| m.status == status)
}

/// Every SR error code, sorted by value.
pub fn sr_error_codes() -> &'static [SrErrorCode] {
    &SR_CODES
}

/// The SR error code with this value, if any release of the storage manager defines it.
pub fn sr_error(value: u32) -> Option<&'static SrErrorCode> {
    SR_CODES.binary_search_by_key(&value, |c| c.value).ok().map(|i| &SR_CODES[i])
}

/// Earlier meanings of this SR error value (removed or changed codes), oldest first.
pub fn sr_error_history(value: u32) -> &'static [SrCodeHistory] {
    let start = SR_CODE_HISTORY.partition_point(|h| h.value < value);
    let end = SR_CODE_HISTORY.partition_point(|h| h.value <= value);
    &SR_CODE_HISTORY[start..end]
}

/// Every XAPI error code (current and removed), sorted by code.
pub fn api_errors() -> &'static [ApiErrorCode] {
    &API_ERRORS
}

/// The doc lines older xapi versions had for a code, as `(code, doc)`: an older host's `xe`
/// prints those (data/api_error_docs_earlier.json).
pub fn earlier_api_error_docs() -> impl Iterator<Item = (&'static str, &'static str)> {
    let mut code = "";
    API_ERRORS_TEXT.lines().filter_map(move |line| match line.strip_prefix(EARLIER_DOC) {
        Some(doc) => Some((code, doc)),
        None => {
            code = line.split('\x1f').next().unwrap_or("");
            None
        }
    })
}

/// XenCenter's texts of XAPI errors that name their code, as `(code, text)` with `{n}`
/// placeholders for the parameters (data/xencenter_error_texts.json, selected by
/// build/xencenter.rs).
pub fn xencenter_texts() -> impl Iterator<Item = (&'static str, &'static str)> {
    XENCENTER_TEXTS.lines().filter_map(|l| l.split_once('\x1f')).filter_map(|(code, text)| match text {
        // An SR code's description, which the build found to be XenCenter's text too.
        "" => Some((code, sr_error(sr_backend_failure_value(code)?)?.description)),
        _ => Some((code, text)),
    })
}

/// The XAPI error code, by its exact name. `LICENSE_RESTRICTION` (the spelling of the docs)
/// finds `LICENCE_RESTRICTION` (the spelling on the wire).
pub fn api_error(code: &str) -> Option<&'static ApiErrorCode> {
    let code = canonical_code(code);
    let index = &*API_ERROR_INDEX;
    let mask = index.len().wrapping_sub(1);
    let mut at = code_hash(code) & mask;
    // (The table is never full: a probe ends at an empty slot.)
    for _ in 0..index.len() {
        let i = usize::from(*index.get(at)?);
        let entry = API_ERRORS.get(i.checked_sub(1)?)?;
        if entry.code == code {
            return Some(entry);
        }
        at = (at + 1) & mask;
    }
    None
}

/// [`API_ERRORS`] by a hash of the code (open addressing; a slot holds a position + 1, 0 is
/// empty; at most half full). One error's `diagnose()` looks codes up five or six times
/// (`XapiError::param` per handle, the XA000 filter…), and the binary search over ~1,000 codes
/// that share long prefixes (`VDI_`, `VM_`, `SR_`) compared ten strings each time.
static API_ERROR_INDEX: LazyLock<Vec<u16>> = LazyLock::new(|| {
    let size = (API_ERRORS.len() * 2).next_power_of_two().max(2);
    let mut slots = vec![0u16; size];
    for (i, e) in API_ERRORS.iter().enumerate() {
        let Ok(id) = u16::try_from(i + 1) else { break };
        let mut at = code_hash(e.code) & (size - 1);
        while slots[at] != 0 {
            at = (at + 1) & (size - 1);
        }
        slots[at] = id;
    }
    slots
});

/// A hash of a code for [`API_ERROR_INDEX`]: eight bytes per step.
fn code_hash(code: &str) -> usize {
    crate::hash::hash_bytes(code.as_bytes()) as usize
}

/// The spelling XAPI puts on the wire for a code a user may have typed from documentation.
pub fn canonical_code(code: &str) -> &str {
    match code {
        "LICENSE_RESTRICTION" => "LICENCE_RESTRICTION",
        other => other,
    }
}

/// The value `n` of a code `SR_BACKEND_FAILURE_<n>`.
pub fn sr_backend_failure_value(code: &str) -> Option<u32> {
    let digits = code.strip_prefix("SR_BACKEND_FAILURE_")?;
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Whether `code` is something XAPI can send: a catalogued code or `SR_BACKEND_FAILURE_<n>`.
pub fn is_known_code(code: &str) -> bool {
    api_error(code).is_some() || sr_backend_failure_value(code).is_some()
}

/// Thick-provisioned block SRs (every snapshot reserves the full disk) versus thin file SRs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SrFamily {
    ThickLvm,
    ThinFile,
    Other,
    Unknown,
}

/// Classifies an SR `type` as XAPI reports it.
pub fn sr_family(sr_type: Option<&str>) -> SrFamily {
    let Some(t) = sr_type else { return SrFamily::Unknown };
    match t.trim().to_ascii_lowercase().as_str() {
        "lvm" | "lvmoiscsi" | "lvmohba" | "lvmofcoe" | "largeblock" | "lvhd" => SrFamily::ThickLvm,
        "ext" | "ext4" | "nfs" | "smb" | "cifs" | "file" | "xfs" | "zfs" | "glusterfs" | "cephfs" | "moosefs" => {
            SrFamily::ThinFile
        }
        "" => SrFamily::Unknown,
        _ => SrFamily::Other,
    }
}

/// `(major, minor)` of a host version string such as `6.1.0`, `XenServer 6.1` or `8.2.1-1`.
pub fn parse_version(v: &str) -> Option<(u32, u32)> {
    let start = v.find(|c: char| c.is_ascii_digit())?;
    let mut parts = v[start..].split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

#[cfg(test)]
mod tests;
