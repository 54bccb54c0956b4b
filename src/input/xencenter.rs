//! XenCenter's wording of a XAPI error. XenCenter (and XCP-ng Center) never shows a failed
//! call's code: it shows its own text for the code, with the error's parameters put in the
//! text's `{0}`, `{1}` placeholders (`HANDLE_INVALID` → "Object has been deleted.{0}:{1}").
//! Administrators paste that text; this finds the code back from it.
//!
//! The texts are xenadmin's `FriendlyErrorNames.resx` (`data/xencenter_error_texts.json`), those
//! that name their code (build/xencenter.rs says which). A line matches a text when the text's
//! literal parts appear in it in order: the first at the line's start (unless the text starts
//! with a placeholder), the last at its end (unless the text ends with one), a full stop at the
//! end of either one aside, and each placeholder stands for some non-empty text, which becomes
//! the error's parameter of that number. Runs of blanks count as one space, as in the texts.

use std::borrow::Cow;
use std::sync::OnceLock;

use super::{Shape, XapiError};
use crate::catalog;
use crate::model::Confidence;

/// One of XenCenter's texts, split at its placeholders.
#[derive(Debug)]
struct Text {
    code: &'static str,
    /// The literal parts: one more than `slots`; the first is empty when the text starts with a
    /// placeholder, the last when it ends with one. A final full stop is left out of the last.
    parts: Vec<&'static str>,
    /// The placeholders' numbers, in the order they appear (`parts[k]`, `slots[k]`, `parts[k+1]`…).
    slots: Vec<usize>,
    /// Whether the text ends with a literal part (the line must end with it).
    ends_literal: bool,
    /// How many literal bytes: of two texts a line matches, the one with more wins.
    literal: usize,
}

/// The texts, read on first use. Most start with a literal part of at least [`KEY`] bytes:
/// those are sorted by their first [`KEY`] bytes (as one number), and a line's candidates are
/// the texts whose key is the line's first [`KEY`] bytes, found by binary search. The few
/// others (a shorter first part, or a placeholder first) are tried on every line.
struct Index {
    keyed: Vec<(u64, Text)>,
    others: Vec<Text>,
    /// The shortest line any text can match (shorter lines are not looked up).
    shortest: usize,
    /// The bytes a line can start with to match a text (all when a text starts with a
    /// placeholder): most lines start with none of them and are not looked up.
    first_bytes: [bool; 256],
}

/// How many bytes of a text's first literal part key it.
const KEY: usize = 8;

/// The first [`KEY`] bytes of `s` as one number (ordered as the bytes are), if it has as many.
fn key(s: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(s.get(..KEY)?.try_into().ok()?))
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| build(catalog::xencenter_texts()))
}

fn build(texts: impl Iterator<Item = (&'static str, &'static str)>) -> Index {
    let (mut keyed, mut others) = (Vec::new(), Vec::new());
    let mut shortest = usize::MAX;
    let mut first_bytes = [false; 256];
    for (code, text) in texts {
        let t = parse(code, text);
        shortest = shortest.min(t.literal + t.slots.len());
        match t.parts[0].as_bytes().first() {
            Some(&b) => first_bytes[usize::from(b)] = true,
            None => first_bytes = [true; 256],
        }
        match key(t.parts[0].as_bytes()) {
            Some(k) => keyed.push((k, t)),
            None => others.push(t),
        }
    }
    keyed.sort_by_key(|(k, _)| *k);
    Index { keyed, others, shortest: if shortest == usize::MAX { 0 } else { shortest }, first_bytes }
}

/// Splits a text at its `{n}` placeholders.
fn parse(code: &'static str, text: &'static str) -> Text {
    let mut parts = Vec::new();
    let mut slots = Vec::new();
    let (mut start, mut from) = (0, 0);
    while let Some(open) = text.get(from..).and_then(|r| r.find('{')).map(|i| i + from) {
        let digits = text[open + 1..].bytes().take_while(u8::is_ascii_digit).count();
        let close = open + 1 + digits;
        match text[open + 1..close].parse::<usize>() {
            Ok(n) if text.as_bytes().get(close) == Some(&b'}') => {
                parts.push(&text[start..open]);
                slots.push(n);
                start = close + 1;
                from = start;
            }
            _ => from = open + 1,
        }
    }
    let last = &text[start..];
    let ends_literal = !last.is_empty();
    parts.push(last.strip_suffix('.').unwrap_or(last));
    let literal = parts.iter().map(|p| p.len()).sum();
    Text { code, parts, slots, ends_literal, literal }
}

/// The XAPI error XenCenter's wording on this line stands for, with the parameters its
/// placeholders give. `line` is one line with its quote marks already stripped.
pub fn error_of_line(line: &str) -> Option<XapiError> {
    let idx = index();
    let line = without_log_prefix(line.trim());
    if line.len() < idx.shortest || !idx.first_bytes[usize::from(*line.as_bytes().first()?)] {
        return None;
    }
    // Most lines are no text's beginning: found out on the line's first bytes, before any copy.
    let (head, len) = head(line);
    candidates(idx, head, len).next()?;
    // Runs of blanks as one space, as the texts are (a copy only when the line has such a run).
    let line: Cow<str> = if has_blank_run(line) {
        Cow::Owned(line.split_whitespace().collect::<Vec<_>>().join(" "))
    } else {
        Cow::Borrowed(line)
    };
    let (text, params) = best_match(idx, &line)?;
    let mut e = XapiError::new(text.code, params, Shape::XenCenter);
    e.confidence = Confidence::Medium;
    Some(e)
}

/// The message of a line of XenCenter's own log (`XenCenter.log`, log4net's
/// `%date %-5level %logger [%thread] - %message`): `2021-03-24 19:11:03,414 ERROR
/// XenAdmin.Actions.AsyncAction [193] - The specified storage repository has insufficient
/// space` is XenCenter's text after ` - `. The date may be cut off; the level, the logger and
/// the thread are there. Any other line as it is (found out on its first bytes).
fn without_log_prefix(line: &str) -> &str {
    let mut rest = line;
    // `2021-03-24 19:11:03,414 `
    let b = rest.as_bytes();
    if b.len() > 24 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[10] == b' ' && b[13] == b':' && b[19] == b',' && b[23] == b' ' {
        rest = &rest[24..];
    }
    let Some(after_level) = ["DEBUG ", "INFO ", "WARN ", "ERROR ", "FATAL "].iter().find_map(|level| rest.strip_prefix(level)) else {
        return line;
    };
    // The logger (no blank in it), then ` [thread] - `.
    let after_level = after_level.trim_start_matches(' ');
    let Some((logger, after_logger)) = after_level.split_once(' ') else { return line };
    if logger.is_empty() || !after_logger.starts_with('[') {
        return line;
    }
    match after_logger.split_once("] - ") {
        Some((_, message)) => message.trim_start(),
        None => line,
    }
}

/// The first [`KEY`] bytes of the line with its runs of blanks as one space (as many as it has
/// when it is shorter), and how many there are.
fn head(line: &str) -> ([u8; KEY], usize) {
    let mut head = [0u8; KEY];
    let mut len = 0;
    let mut after_blank = false;
    for &b in line.as_bytes() {
        if len == KEY {
            break;
        }
        let blank = b.is_ascii_whitespace();
        if !(blank && after_blank) {
            head[len] = if blank { b' ' } else { b };
            len += 1;
        }
        after_blank = blank;
    }
    (head, len)
}

/// The texts that may match a line that begins with `head` (its first [`KEY`] bytes, blanks
/// collapsed): those keyed by these bytes, and those whose shorter first part begins them.
fn candidates(idx: &Index, head: [u8; KEY], len: usize) -> impl Iterator<Item = &Text> {
    let keyed: &[(u64, Text)] = match key(&head[..len]) {
        Some(k) => {
            let from = idx.keyed.partition_point(|(x, _)| *x < k);
            let to = from + idx.keyed[from..].iter().take_while(|(x, _)| *x == k).count();
            &idx.keyed[from..to]
        }
        None => &[],
    };
    keyed.iter().map(|(_, t)| t).chain(idx.others.iter().filter(move |t| head[..len].starts_with(t.parts[0].as_bytes())))
}

/// Whether the line has two blanks in a row, or a blank other than a space.
fn has_blank_run(line: &str) -> bool {
    let mut after_blank = false;
    for &b in line.as_bytes() {
        let blank = b.is_ascii_whitespace();
        if blank && (after_blank || b != b' ') {
            return true;
        }
        after_blank = blank;
    }
    false
}

/// The most specific text the line matches, and the parameters its placeholders take; `None`
/// when none does, or when two texts of different codes match it equally.
fn best_match<'i>(idx: &'i Index, line: &str) -> Option<(&'i Text, Vec<String>)> {
    let mut best: Option<(&Text, Vec<String>)> = None;
    let mut tie = false;
    let mut consider = |t: &'i Text| {
        let Some(params) = fill(t, line) else { return };
        match &best {
            Some((b, _)) if b.literal > t.literal => {}
            Some((b, _)) if b.literal == t.literal => tie |= b.code != t.code,
            _ => {
                best = Some((t, params));
                tie = false;
            }
        }
    };
    let (head, len) = head(line);
    for t in candidates(idx, head, len) {
        consider(t);
    }
    if tie {
        return None;
    }
    best
}

/// The parameters the placeholders take when `line` is text `t` filled in: `params[n]` is what
/// `{n}` stood for (a placeholder used twice keeps its first text); `None` when it is not.
fn fill(t: &Text, line: &str) -> Option<Vec<String>> {
    let last = t.parts.len() - 1;
    let body = if t.ends_literal { line.strip_suffix('.').unwrap_or(line) } else { line };
    let body = body.trim_end();
    if last == 0 {
        return (body == t.parts[0]).then(Vec::new);
    }
    let mut pos = t.parts[0].len();
    if !body.starts_with(t.parts[0]) {
        return None;
    }
    let end = if t.ends_literal {
        let end = body.len().checked_sub(t.parts[last].len())?;
        if end < pos || !body.ends_with(t.parts[last]) {
            return None;
        }
        end
    } else {
        body.len()
    };
    let mut captured: Vec<&str> = Vec::with_capacity(t.slots.len());
    for part in &t.parts[1..last] {
        // The placeholder before this part stands for at least one character.
        let from = pos + body.get(pos..end)?.chars().next()?.len_utf8();
        let at = from + body.get(from..end)?.find(part)?;
        captured.push(&body[pos..at]);
        pos = at + part.len();
    }
    captured.push(body.get(pos..end)?);
    if captured.iter().any(|c| c.trim().is_empty()) {
        return None;
    }
    let mut params = vec![String::new(); t.slots.iter().max().map_or(0, |m| m + 1)];
    let mut filled = vec![false; params.len()];
    for (&slot, text) in t.slots.iter().zip(captured) {
        if !filled[slot] {
            params[slot] = text.trim().to_string();
            filled[slot] = true;
        }
    }
    Some(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(texts: &[(&'static str, &'static str)]) -> Index {
        build(texts.iter().copied())
    }

    fn found(idx: &Index, line: &str) -> Option<(&'static str, Vec<String>)> {
        best_match(idx, line).map(|(t, p)| (t.code, p))
    }

    #[test]
    fn exact_text_names_its_code() {
        let e = error_of_line("The device configuration request is missing the Location parameter").unwrap();
        assert_eq!(e.code, "SR_BACKEND_FAILURE_220");
        assert!(e.params.is_empty());
        assert_eq!(e.shape, Shape::XenCenter);
        // The final full stop may be there or not.
        let e = error_of_line("The device configuration request is missing the Location parameter.").unwrap();
        assert_eq!(e.code, "SR_BACKEND_FAILURE_220");
        // XenCenter's own text of an SR code, and one that is the storage manager's description
        // (compiled in once, in the SR catalogue).
        assert_eq!(error_of_line("The specified storage repository has insufficient space").unwrap().code, "SR_BACKEND_FAILURE_44");
        assert_eq!(catalog::sr_error(109).map(|c| c.description), Some("The snapshot chain is too long"));
        assert_eq!(error_of_line("The snapshot chain is too long").unwrap().code, "SR_BACKEND_FAILURE_109");
    }

    /// A line of XenCenter's own log is read for its message; a line that only looks like one
    /// (no level, no thread) is not.
    #[test]
    fn xencenter_log_lines_are_read_for_their_message() {
        let e = error_of_line("2021-03-24 19:11:03,414 ERROR XenAdmin.Actions.AsyncAction [193] - The specified storage repository has insufficient space").unwrap();
        assert_eq!(e.code, "SR_BACKEND_FAILURE_44");
        assert_eq!(error_of_line("ERROR XenAdmin.Actions.AsyncAction [193] - The device xvdb is already attached to a VM").unwrap().code, "DEVICE_ALREADY_ATTACHED");
        assert_eq!(error_of_line("WARN  XenAdmin.Network.TaskPoller [Main program thread] - The snapshot chain is too long").unwrap().code, "SR_BACKEND_FAILURE_109");
        assert!(error_of_line("2021-03-24 19:11:03,414 ERROR XenAdmin.Actions.AsyncAction - The specified storage repository has insufficient space").is_none());
        assert!(error_of_line("ERROR: The specified storage repository has insufficient space").is_none());
        assert_eq!(without_log_prefix("Dec  6 01:02:03 host xapi: [error||1] - x"), "Dec  6 01:02:03 host xapi: [error||1] - x");
    }

    #[test]
    fn placeholders_fill_the_parameters() {
        let e = error_of_line("The device xvdb is already attached to a VM").unwrap();
        assert_eq!((e.code.as_str(), e.params.as_slice()), ("DEVICE_ALREADY_ATTACHED", &["xvdb".to_string()][..]));
        let e = error_of_line("Object has been deleted.VDI:OpaqueRef:2b6a6a5e-1111-4222-8333-944445555666").unwrap();
        assert_eq!(e.code, "HANDLE_INVALID");
        assert_eq!(e.params, ["VDI", "OpaqueRef:2b6a6a5e-1111-4222-8333-944445555666"]);
        // `{1}` before `{0}`, and a text that ends with a full stop the line lacks.
        let e = error_of_line("The value 'abc' is invalid for field 'memory_static_max'").unwrap();
        assert_eq!((e.code.as_str(), e.params.as_slice()), ("INVALID_VALUE", &["memory_static_max".to_string(), "abc".to_string()][..]));
        // Only `{1}` and `{2}` are shown: `{0}` stays empty.
        let e = error_of_line("You attempted an operation on a VM that needed it to be in state 'Halted' but was in state 'Running'.").unwrap();
        assert_eq!(e.code, "VM_BAD_POWER_STATE");
        assert_eq!(e.params, ["", "Halted", "Running"]);
    }

    #[test]
    fn text_starting_with_a_placeholder() {
        let i = idx(&[("DEVICE_ALREADY_ATTACHED", "{0} is already attached to a running virtual machine"), ("VDI_IN_USE", "The disk {0} is in use by {1}")]);
        assert_eq!(found(&i, "xvdb is already attached to a running virtual machine."), Some(("DEVICE_ALREADY_ATTACHED", vec!["xvdb".to_string()])));
        assert_eq!(found(&i, "The disk d1 is in use by snapshot"), Some(("VDI_IN_USE", vec!["d1".to_string(), "snapshot".to_string()])));
        // The placeholder must stand for something.
        assert_eq!(found(&i, " is already attached to a running virtual machine"), None);
    }

    #[test]
    fn quoted_and_wrapped_lines() {
        // A quoted paste (the reader strips `> ` first), with the blanks of a forum's rendering.
        let line = super::super::xapi::strip_quote_prefix(">> The SR is full. Requested size 107374182400 exceeds the maximum size  96636764160");
        let e = error_of_line(line).unwrap();
        assert_eq!(e.code, "SR_FULL");
        assert_eq!(e.params, ["107374182400", "96636764160"]);
        // Trailing blanks and a text whose double space the paste kept.
        let e = error_of_line("The VM rejected the attempt to detach the device OpaqueRef:1 of type vbd.  Device busy   ").unwrap();
        assert_eq!(e.code, "DEVICE_DETACH_REJECTED");
        assert_eq!(e.params, ["vbd", "OpaqueRef:1", "Device busy"]);
    }

    #[test]
    fn near_misses_do_not_match() {
        for line in [
            // Cut off: the last part must end the line.
            "The device xvdb is already attached",
            // Something before the first part.
            "Error: The device xvdb is already attached to a VM",
            // Something after the last part.
            "The device xvdb is already attached to a VM, retrying",
            // An empty placeholder.
            "The device  is already attached to a VM",
            // Another case.
            "the device xvdb is already attached to a vm",
            // A text too short to name its code is not kept ("Internal error: {0}").
            "Internal error: something",
            // The `is empty` text does not match the `is not empty` line.
            "VBD OpaqueRef:1 - Operation could not be performed because the drive is",
            "",
        ] {
            assert_eq!(error_of_line(line).map(|e| e.code), None, "{line:?}");
        }
        assert_eq!(error_of_line("VBD 1 - Operation could not be performed because the drive is not empty").unwrap().code, "VBD_NOT_EMPTY");
        assert_eq!(error_of_line("VBD 1 - Operation could not be performed because the drive is empty").unwrap().code, "VBD_IS_EMPTY");
    }

    #[test]
    fn equal_matches_of_two_codes_name_neither() {
        let i = idx(&[("A_CODE", "Something went wrong with {0} today"), ("B_CODE", "Something went wrong with the {0} today")]);
        assert_eq!(found(&i, "Something went wrong with the disk today").map(|f| f.0), Some("B_CODE"));
        let i = idx(&[("A_CODE", "Something went wrong with {0}"), ("B_CODE", "{0}g went wrong with the disk")]);
        assert_eq!(found(&i, "Something went wrong with the disk"), None);
    }

    #[test]
    fn texts_keyed_by_their_first_bytes_and_the_others() {
        let i = idx(&[
            ("A", "Abcdefgh {0} one"),
            ("B", "Abcdefghij {0} two"),
            ("C", "Abcdefgx {0} three"),
            ("D", "Abc{0} four"),
            ("E", "{0} five"),
        ]);
        assert_eq!((i.keyed.len(), i.others.len()), (3, 2));
        assert_eq!(found(&i, "Abcdefghij x two").map(|f| f.0), Some("B"));
        assert_eq!(found(&i, "Abcdefgh x one").map(|f| f.0), Some("A"));
        assert_eq!(found(&i, "Abcdefgx x three").map(|f| f.0), Some("C"));
        assert_eq!(found(&i, "Abcdefgh x four").map(|f| f.0), Some("D"));
        assert_eq!(found(&i, "Abcdefgh x five").map(|f| f.0), Some("E"));
        assert_eq!(found(&i, "Abcdefgh x six"), None);
        assert_eq!(found(&i, "Abc"), None);
    }

    #[test]
    fn every_kept_text_matches_itself_filled_in() {
        let idx = index();
        assert!(idx.keyed.len() + idx.others.len() > 200, "{} texts", idx.keyed.len());
        for t in idx.keyed.iter().map(|(_, t)| t).chain(&idx.others) {
            let mut line = String::new();
            for (k, part) in t.parts.iter().enumerate() {
                line.push_str(part);
                if let Some(slot) = t.slots.get(k) {
                    line.push_str(&format!("p{slot}x"));
                }
            }
            let e = error_of_line(&line).unwrap_or_else(|| panic!("{}: {line:?}", t.code));
            assert_eq!(e.code, catalog::canonical_code(t.code), "{line:?}");
            for (k, slot) in t.slots.iter().enumerate() {
                if t.slots[..k].contains(slot) {
                    continue;
                }
                assert_eq!(e.params[*slot], format!("p{slot}x"), "{line:?}");
            }
        }
    }
}

