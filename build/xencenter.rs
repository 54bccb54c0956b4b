//! Build-time selection of XenCenter's texts of XAPI errors (`data/xencenter_error_texts.json`,
//! xenadmin's `FriendlyErrorNames.resx`): XenCenter shows its own text for a failed call, with
//! the error's parameters in its `{n}` placeholders, and never the code. A text is kept when it
//! can name its code on a line of pasted text:
//!
//! 1. its name is a code of the XAPI catalogue (current or removed) or `SR_BACKEND_FAILURE_<n>`
//!    with `n` in the SR catalogue; `CODE-SHORT` (XenCenter's shorter variant) counts for `CODE`.
//!    XenCenter's own messages and the StorageLink-era SR codes (400–444) are left out;
//! 2. it is read as a line pastes it: its first line only, runs of blanks as one space, trimmed;
//! 3. it is not already recognised: not the code's doc line (today's or an earlier one, which is
//!    what `xe` prints and `documented_message` reads), not the same as the code's other text;
//! 4. it is specific: its longest literal part (between placeholders, trimmed) has at least
//!    [`MIN_LITERAL`] characters;
//! 5. it is unique: no other code has a text with the same literal parts (placeholders and a
//!    final full stop aside).
//!
//! The kept texts are compiled in as one string, a line `CODE US text` each, sorted by text; an
//! SR code's text that is its description in the SR catalogue is left empty (read from there).

use std::collections::{BTreeMap, BTreeSet};

/// The shortest longest-literal-part a kept text may have: "Internal error: {0}" (15) or
/// "The function {0} is not implemented" (19) would name their code on too little.
pub const MIN_LITERAL: usize = 20;

/// What the selection needs to know of a code: its parameter count and the doc lines `xe` prints
/// for it (today's when current and documented, and the earlier ones).
pub struct CodeFacts {
    pub params: usize,
    pub docs: Vec<String>,
    /// An SR code's description in the SR catalogue (compiled in already).
    pub sr_description: Option<String>,
}

/// The literal parts of a text between its `{n}` placeholders, and the placeholders' numbers.
pub fn split(text: &str) -> (Vec<&str>, Vec<usize>) {
    let mut fragments = Vec::new();
    let mut slots = Vec::new();
    let (mut start, mut from) = (0, 0);
    while let Some(open) = text[from..].find('{').map(|i| i + from) {
        let digits = text[open + 1..].bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && text.as_bytes().get(open + 1 + digits) == Some(&b'}') {
            fragments.push(&text[start..open]);
            slots.push(text[open + 1..open + 1 + digits].parse().unwrap());
            start = open + digits + 2;
            from = start;
        } else {
            from = open + 1;
        }
    }
    fragments.push(&text[start..]);
    (fragments, slots)
}

/// The text as a line pastes it (rule 2).
fn normalise(text: &str) -> String {
    text.lines().next().unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The Rust source of `XENCENTER_TEXTS`.
pub fn texts(file: &BTreeMap<String, String>, codes: &BTreeMap<String, CodeFacts>) -> String {
    let mut kept: Vec<(String, String)> = Vec::new();
    for (name, text) in file {
        if name.starts_with('_') {
            continue;
        }
        let code = name.strip_suffix("-SHORT").unwrap_or(name);
        let Some(facts) = codes.get(code) else { continue };
        let text = normalise(text);
        let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        if facts.docs.iter().any(|d| squeeze(d) == text) || kept.iter().any(|(c, t)| c == code && *t == text) {
            continue;
        }
        let (fragments, slots) = split(&text);
        if fragments.iter().map(|f| f.trim().chars().count()).max().unwrap_or(0) < MIN_LITERAL {
            continue;
        }
        for s in &slots {
            assert!(*s < facts.params, "xencenter_error_texts.json: {name}: placeholder {{{s}}} but {code} has {} parameters", facts.params);
        }
        assert!(!text.contains(['\n', '\x1f']), "xencenter_error_texts.json: {name}: separator in the text");
        kept.push((code.to_string(), text));
    }
    // Rule 5: the literal parts of each text, placeholders as one marker, a final full stop
    // aside (a line may have it or not).
    let skeleton = |t: &str| split(t.strip_suffix('.').unwrap_or(t)).0.join("\u{0}");
    let mut owners: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for (code, text) in &kept {
        owners.entry(skeleton(text)).or_default().insert(code);
    }
    let mut out: Vec<(&str, &str)> =
        kept.iter().filter(|(_, t)| owners.get(&skeleton(t)).is_some_and(|o| o.len() == 1)).map(|(c, t)| (c.as_str(), t.as_str())).collect();
    out.sort_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));
    out.dedup();
    let mut text = String::new();
    for (code, t) in &out {
        text.push_str(code);
        text.push('\x1f');
        // Most of XenCenter's SR texts are the storage manager's description, which the SR
        // catalogue has already: an empty text stands for it.
        if codes.get(*code).and_then(|f| f.sr_description.as_deref()) != Some(*t) {
            text.push_str(t);
        }
        text.push('\n');
    }
    format!(
        "/// XenCenter's texts of XAPI errors that name their code (build/xencenter.rs): `code US text`, one line each, sorted by text (empty: the SR catalogue's description).\npub(crate) static XENCENTER_TEXTS: &str = {text:?};\n"
    )
}
