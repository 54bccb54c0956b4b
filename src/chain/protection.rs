//! Xen Orchestra's backup pre-snapshot check ("VDI chain protection"), behaviour for behaviour.
//!
//! Before a backup snapshots a VM, Xen Orchestra takes every VBD of the VM with a VDI (CD drives
//! included, duplicates removed, in the VM's VBD order) and walks each disk's chain up through
//! `vhd-parent`, each disk with the full tolerance. A node counts when it is unmanaged (a base
//! copy) and has exactly one child in its SR, that child unmanaged too (a pending non-leaf
//! coalesce); a managed only child (a pending leaf coalesce), no child (an orphan) or several
//! (a branch point) do not count. At each counted node it evaluates `tolerance-- <= 0` and
//! throws `unhealthy VDI chain` when true, so the VM is skipped. A parent uuid it cannot fetch
//! ends the walk as healthy. The walk is done by [`super::graph::Graph::walk_chains`]; this
//! module maps the tolerance and assembles the verdict per VM.
//!
//! Differences that are Xen Orchestra's, kept on purpose: missing parents are not detected,
//! and a `vhd-parent` loop makes its walk go round forever — it trips on a later lap if the loop
//! holds a counted node, and never finishes otherwise ([`XoOutcome::NeverEnds`]: an endless walk when
//! the loop makes it wait for XAPI, a stack overflow when every VDI is already cached).

use serde_json::Value;

/// How many pending non-leaf coalesces Xen Orchestra lets a disk chain have before it skips the
/// VM (its `maxUncoalescedVdis`).
///
/// Xen Orchestra evaluates `tolerance-- <= 0` on a JavaScript value, so any value maps to one of
/// two behaviours: trip at the `(n + 1)`-th counted node, or never trip. [`Tolerance::from_js_number`]
/// does that mapping: `n <= 0` → 0, a fraction rounds up (0.5 behaves as 1), `NaN` — what Xen
/// Orchestra gets when the setting is absent, or non-numeric — and `+Infinity` never trip.
/// Values from 2^53 on are treated as unlimited: `t - 1` no longer changes such a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tolerance {
    Limit(u64),
    Unlimited,
}

impl Default for Tolerance {
    /// 1, the `maxUncoalescedVdis` Xen Orchestra ships with.
    fn default() -> Tolerance {
        Tolerance::Limit(1)
    }
}

impl Tolerance {
    pub fn from_js_number(t: f64) -> Tolerance {
        const TWO_POW_53: f64 = 9_007_199_254_740_992.0;
        if t.is_nan() || t >= TWO_POW_53 {
            Tolerance::Unlimited
        } else if t <= 0.0 {
            Tolerance::Limit(0)
        } else {
            // 0 < t < 2^53: the cast is exact.
            Tolerance::Limit(t.ceil() as u64)
        }
    }

    /// The `tolerance` option as JSON: absent or `null` is the default (1); a number is taken
    /// as is; a string or a boolean is converted the way JavaScript converts it (`"2"` → 2,
    /// `"abc"` → NaN, `true` → 1); anything else is NaN (never trips).
    pub fn from_json(value: Option<&Value>) -> Tolerance {
        match value {
            None | Some(Value::Null) => Tolerance::default(),
            Some(Value::Number(n)) => Tolerance::from_js_number(n.as_f64().unwrap_or(f64::NAN)),
            Some(Value::String(s)) => Tolerance::from_js_number(js_string_to_number(s)),
            Some(Value::Bool(b)) => Tolerance::from_js_number(if *b { 1.0 } else { 0.0 }),
            Some(_) => Tolerance::Unlimited,
        }
    }

    /// The pending coalesces tolerated per disk; `None` when the check never trips.
    pub fn limit(self) -> Option<u64> {
        match self {
            Tolerance::Limit(n) => Some(n),
            Tolerance::Unlimited => None,
        }
    }

    /// The rank of the counted node (1-based, walking up) at which the check trips.
    pub fn trips_at(self) -> Option<u64> {
        self.limit().map(|n| n.saturating_add(1))
    }
}

/// JavaScript's `Number(string)` for the strings a config file may hold.
pub fn js_string_to_number(s: &str) -> f64 {
    let t = s.trim();
    if t.is_empty() {
        return 0.0;
    }
    match t {
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    let radix = |prefix: [&str; 2], radix: u32| {
        prefix
            .iter()
            .find_map(|p| t.strip_prefix(p))
            .map(|digits| u64::from_str_radix(digits, radix).map_or(f64::NAN, |v| v as f64))
    };
    if let Some(v) = radix(["0x", "0X"], 16).or_else(|| radix(["0o", "0O"], 8)).or_else(|| radix(["0b", "0B"], 2)) {
        return v;
    }
    // JavaScript also accepts `+1`, `.5` and `5.`, which JSON's grammar does not.
    let unsigned = t.strip_prefix('+').unwrap_or(t);
    let normalised = match (unsigned.strip_prefix('.'), unsigned.strip_suffix('.')) {
        (Some(rest), _) => format!("0.{rest}"),
        (None, Some(rest)) => rest.to_string(),
        (None, None) => unsigned.to_string(),
    };
    let normalised = normalised.replacen("-.", "-0.", 1);
    serde_json::from_str::<f64>(&normalised).unwrap_or(f64::NAN)
}

/// What Xen Orchestra's check does on one disk chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XoOutcome {
    /// The chain passes.
    Passes,
    /// It throws `unhealthy VDI chain` at this node (a VDI index).
    Trips(u32),
    /// The walk loops forever (a `vhd-parent` cycle without a counted node, or an unlimited
    /// tolerance on a cycle).
    NeverEnds,
}

/// Xen Orchestra's verdict for a VM from its disks' outcomes, in the order it checks them: the
/// first disk that trips skips the VM; a walk that never ends blocks the disks after it.
pub fn vm_verdict(outcomes: impl IntoIterator<Item = XoOutcome>) -> XoOutcome {
    for outcome in outcomes {
        match outcome {
            XoOutcome::Passes => {}
            other => return other,
        }
    }
    XoOutcome::Passes
}

#[cfg(test)]
mod tests;
