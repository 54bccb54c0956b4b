//! Options of `diagnose` and of the other entry points, as the caller passes them.

use serde::Deserialize;

/// What the UI already knows about the failed operation; it sharpens the advice (the
/// thick-versus-thin advice only when the SR type says so, the 6.1 hotfix only on 6.1) and
/// fills the `xe` commands.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
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
}

/// Options of `diagnose(input, options)`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct Options {
    pub context: Context,
    /// Inputs larger than this many bytes are refused with `INPUT_TOO_LARGE`
    /// (default [`DEFAULT_MAX_INPUT_BYTES`]).
    pub max_input_bytes: Option<u64>,
}

/// 2 GiB: more than any SMlog a host keeps, less than what would exhaust a browser tab.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 2 * 1024 * 1024 * 1024;

impl Options {
    /// Parses options from JSON text (`null` and `{}` give the defaults).
    pub fn from_json(json: &str) -> Result<Options, crate::Error> {
        let trimmed = json.trim();
        if trimmed.is_empty() || trimmed == "null" || trimmed == "undefined" {
            return Ok(Options::default());
        }
        serde_json::from_str(trimmed).map_err(|e| crate::Error::InvalidOptions(e.to_string()))
    }

    pub fn max_input_bytes(&self) -> u64 {
        self.max_input_bytes.unwrap_or(DEFAULT_MAX_INPUT_BYTES)
    }
}
