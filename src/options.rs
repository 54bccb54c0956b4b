//! Options of `diagnose` and of the other entry points, as the caller passes them, and the
//! limits that bound the cost of any input (README "Limits").

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// What the UI already knows about the failed operation; it sharpens the advice (the
/// thick-versus-thin advice only when the SR type says so, the 6.1 hotfix only on 6.1) and
/// fills the `xe` commands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    pub vm_uuid: Option<String>,
    pub vm_name: Option<String>,
    pub sr_uuid: Option<String>,
    pub sr_name: Option<String>,
    /// The SR `type` as XAPI reports it: `lvm`, `lvmoiscsi`, `lvmohba`, `ext`, `nfs`, `smb`…
    pub sr_type: Option<String>,
    /// The host's product version, e.g. `8.2.1` or `6.1.0`.
    pub host_version: Option<String>,
    /// `XenServer`, `XCP-ng`, `Citrix Hypervisor`…
    pub product: Option<String>,
    /// The version of the xo-server that saw the failure (`xo.version` in a plugin, the About
    /// page's "xo-server 5.x.y"): a Xen Orchestra bug fixed at or before it is left out.
    pub xo_server_version: Option<String>,
}

/// Options of `diagnose(input, options)`, `analyzeSmlog` and `SmlogScanner`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    pub context: Context,
    /// Inputs larger than this many bytes are refused with `INPUT_TOO_LARGE`
    /// (default [`DEFAULT_MAX_INPUT_BYTES`]); for `SmlogScanner`, the total of the chunks.
    pub max_input_bytes: Option<u64>,
    /// SMlog lines longer than this keep their first `maxLineBytes` bytes; the rest is ignored
    /// and the line is counted in `stats.truncatedLines` (default [`DEFAULT_MAX_LINE_BYTES`]).
    pub max_line_bytes: Option<u64>,
    /// At most this many findings are reported, the most severe; the others are counted in
    /// `findingsOmitted` (default [`DEFAULT_MAX_FINDINGS`]). To bound memory, only the first
    /// four times as many distinct findings (in input order) are considered.
    pub max_findings: Option<u64>,
    /// Pool records (or a space plan's input) with more table entries than this are refused
    /// with `INPUT_TOO_LARGE` (default [`DEFAULT_MAX_RECORDS`]).
    pub max_records: Option<u64>,
}

/// The limits of the chain check and the space plan (`options.maxInputBytes`,
/// `options.maxRecords`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordLimits {
    pub max_input_bytes: Option<u64>,
    pub max_records: Option<u64>,
}

impl RecordLimits {
    /// Reads `maxInputBytes` and `maxRecords` from an options object.
    pub fn from_json(obj: &Map<String, Value>) -> Result<RecordLimits, crate::Error> {
        let get = |name: &str| match obj.get(name) {
            None => Ok(None),
            Some(v) => limit_from_json(name, v).map_err(crate::Error::InvalidOptions),
        };
        Ok(RecordLimits { max_input_bytes: get("maxInputBytes")?, max_records: get("maxRecords")? })
    }

    pub fn max_records(&self) -> u64 {
        self.max_records.unwrap_or(DEFAULT_MAX_RECORDS)
    }

    /// Refuses an input of `len` bytes beyond `maxInputBytes`.
    pub fn check_size(&self, len: usize) -> Result<(), crate::Error> {
        check_size(len as u64, self.max_input_bytes.unwrap_or(DEFAULT_MAX_INPUT_BYTES))
    }
}

/// 2 GiB: more than any SMlog a host keeps, less than what would exhaust a browser tab.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// 64 KiB: a storage-manager line is a few hundred bytes; a command's dumped output can be
/// several kilobytes.
pub const DEFAULT_MAX_LINE_BYTES: u64 = 64 * 1024;
/// `maxLineBytes` above this (1 GiB) is taken as this.
pub const MAX_LINE_BYTES_CEILING: u64 = 1 << 30;
/// 2000 findings: more than anyone reads, and more than the densest generated SMlog gives (the
/// SMlog report groups repeated episodes: 1,295 findings for 20 MB of failures only).
pub const DEFAULT_MAX_FINDINGS: u64 = 2000;
/// The most pool records (VM, VBD, VDI and SR entries together) the chain check and the space
/// plan read by default: ten times the largest pools seen in the field.
pub const DEFAULT_MAX_RECORDS: u64 = 1_000_000;
/// JSON nested deeper than this is refused with `INVALID_JSON` (the JSON parser's recursion
/// limit; not configurable).
pub const MAX_JSON_DEPTH: u32 = 128;

impl Options {
    /// Parses options from JSON text (`null` and `{}` give the defaults).
    pub fn from_json(json: &str) -> Result<Options, crate::Error> {
        let trimmed = json.trim();
        if trimmed.is_empty() || trimmed == "null" || trimmed == "undefined" {
            return Ok(Options::default());
        }
        let value: Value = serde_json::from_str(trimmed).map_err(|e| crate::Error::InvalidOptions(e.to_string()))?;
        Options::from_value(&value).map_err(crate::Error::InvalidOptions)
    }

    pub fn max_input_bytes(&self) -> u64 {
        self.max_input_bytes.unwrap_or(DEFAULT_MAX_INPUT_BYTES)
    }

    /// The longest SMlog line kept: at least one byte, at most [`MAX_LINE_BYTES_CEILING`].
    pub fn max_line_bytes(&self) -> usize {
        let v = self.max_line_bytes.unwrap_or(DEFAULT_MAX_LINE_BYTES).clamp(1, MAX_LINE_BYTES_CEILING);
        usize::try_from(v).unwrap_or(usize::MAX)
    }

    pub fn max_findings(&self) -> usize {
        usize::try_from(self.max_findings.unwrap_or(DEFAULT_MAX_FINDINGS)).unwrap_or(usize::MAX)
    }

    /// Refuses an input of `len` bytes beyond `maxInputBytes`.
    pub fn check_size(&self, len: usize) -> Result<(), crate::Error> {
        check_size(len as u64, self.max_input_bytes())
    }

    /// The limits that apply when the input turns out to be pool records or a space plan.
    pub fn record_limits(&self) -> RecordLimits {
        RecordLimits { max_input_bytes: self.max_input_bytes, max_records: self.max_records }
    }
}

/// `INPUT_TOO_LARGE` when `size` exceeds `limit`.
pub fn check_size(size: u64, limit: u64) -> Result<(), crate::Error> {
    if size > limit {
        return Err(crate::Error::InputTooLarge { size, limit });
    }
    Ok(())
}

/// A limit as JavaScript may pass it: `null`/absent for the default, else a whole number of at
/// least 0 (a JSON number, including a float such as `1e9` that `JSON.stringify` writes for
/// large values; values beyond 2^64 saturate). Anything else is `INVALID_OPTIONS` with the
/// value in the message.
pub fn limit_from_json(name: &str, value: &Value) -> Result<Option<u64>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => match (n.as_u64(), n.as_f64()) {
            (Some(v), _) => Ok(Some(v)),
            (None, Some(f)) => limit_from_f64(name, f).map(Some),
            (None, None) => Err(format!("`{name}` must be a whole number of at least 0; it is {n}")),
        },
        other => Err(format!("`{name}` must be a whole number of at least 0; it is {}", crate::model::json_text(other))),
    }
}

/// [`limit_from_json`] for a JavaScript number.
pub fn limit_from_f64(name: &str, f: f64) -> Result<u64, String> {
    if f.is_nan() || f < 0.0 || f.fract() != 0.0 {
        return Err(format!("`{name}` must be a whole number of at least 0; it is {f}"));
    }
    // Saturating float-to-int conversion: +Infinity and anything from 2^64 give u64::MAX.
    Ok(f as u64)
}

// Options are read by hand from a `serde_json::Value` (which the module parses anyway) rather
// than by derived deserialisers: those compiled two struct visitors of ~7 KB of WebAssembly for
// an object read once per call, off every hot path (docs/size.md). `Deserialize` is still
// implemented, through the same reading, for Rust callers.

impl Options {
    /// Reads options from parsed JSON: `null` gives the defaults; unknown keys are ignored.
    pub fn from_value(value: &Value) -> Result<Options, String> {
        let obj = match value {
            Value::Null => return Ok(Options::default()),
            Value::Object(obj) => obj,
            other => return Err(format!("options must be an object; they are {}", json_type(other))),
        };
        let limit = |name: &str| obj.get(name).map_or(Ok(None), |v| limit_from_json(name, v));
        Ok(Options {
            context: match obj.get("context") {
                None => Context::default(),
                Some(v) => Context::from_value(v)?,
            },
            max_input_bytes: limit("maxInputBytes")?,
            max_line_bytes: limit("maxLineBytes")?,
            max_findings: limit("maxFindings")?,
            max_records: limit("maxRecords")?,
        })
    }
}

impl Context {
    /// Reads `options.context`: `null` is no context; each field a string or `null`.
    pub fn from_value(value: &Value) -> Result<Context, String> {
        let obj = match value {
            Value::Null => return Ok(Context::default()),
            Value::Object(obj) => obj,
            other => return Err(format!("`context` must be an object; it is {}", json_type(other))),
        };
        Ok(Context {
            vm_uuid: text(obj, "vmUuid")?,
            vm_name: text(obj, "vmName")?,
            sr_uuid: text(obj, "srUuid")?,
            sr_name: text(obj, "srName")?,
            sr_type: text(obj, "srType")?,
            host_version: text(obj, "hostVersion")?,
            product: text(obj, "product")?,
            xo_server_version: text(obj, "xoServerVersion")?,
        })
    }
}

/// A `context` field: absent or `null` is `None`, a string is itself, anything else an error.
fn text(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!("`context.{name}` must be a string; it is {}", json_type(other))),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<'de> Deserialize<'de> for Options {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Options, D::Error> {
        Options::from_value(&Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Context {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Context, D::Error> {
        Context::from_value(&Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}
