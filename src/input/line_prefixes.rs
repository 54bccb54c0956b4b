//! What `grep` and `cat -n` put in front of each line of a log, taken off before anything reads it.
//!
//! Administrators rarely paste a log as it is: they search it first. `grep error /var/log/SMlog*`
//! prints each line after its file's name and a colon (`/var/log/SMlog.1:Dec  6 …`), `grep -n`
//! after its number (`1234:Dec  6 …`), `grep -C` a context line after a dash instead of the colon
//! (and `--` between groups), `cat -n` after a right-aligned number and a tab (two or more spaces
//! once a terminal's copy turned the tab into them). The storage-manager log reader wants each line
//! to start with its timestamp, and a message's reader wants its first word: with the prefixes on,
//! an SMlog excerpt is not read as one, and a `Dec  6` that is not at a line's start is no timestamp.
//!
//! A prefix is taken off only when every non-blank line has one (grep's `--` separator aside): a
//! file name that names a log (its last part ends in `log` or is `messages`, a rotation's `.1`,
//! `.2.gz` or `-20261206` after it), or line numbers that go up from line to line. Numbers that
//! can be the start of a date or a time (`2026-12-06`, `10:01:02`) are not line numbers.

use std::borrow::Cow;

/// `text` without the file names and line numbers `grep` or `cat -n` put in front of its lines;
/// borrowed when it has none (most texts: their first line settles it).
pub fn without_line_prefixes(text: &str) -> Cow<'_, str> {
    let mut lines = NonBlankLines { rest: Some(text) };
    let Some(first) = lines.next() else { return Cow::Borrowed(text) };
    if let Some(Prefix { kind, number: mut previous, alone_is_enough, .. }) = prefix_of(first, None) {
        let several = lines.clone().next().is_some();
        let every_line_has_one = lines.all(|line| match prefix_of(line, Some(kind)) {
            Some(p) if kind == Kind::Number => {
                let ascending = p.number > previous;
                previous = p.number;
                ascending
            }
            Some(_) => true,
            None => false,
        });
        if every_line_has_one && (several || alone_is_enough) {
            return Cow::Owned(strip_each_line(text, kind));
        }
    }
    Cow::Borrowed(text)
}

/// The same prefixes taken off a stream read chunk by chunk (the SMlog scanner's input, a whole
/// file of `grep` output). The first non-blank line decides (the first two when it is only
/// numbered): until then the input is held back, at most [`DECIDE_WITHIN_BYTES`]. Once decided,
/// each line's prefix is taken off when it has one, and a chunk that is not prefixed passes
/// through untouched.
#[derive(Default)]
pub struct StreamedLinePrefixes {
    /// `None` until decided; then the kind of prefix taken off, if any.
    decided: Option<Option<Kind>>,
    /// Before the decision, the input so far; after it, the start of a line too short yet to
    /// hold its whole prefix.
    held: Vec<u8>,
    /// Inside a line whose prefix was already taken off (or found absent).
    mid_line: bool,
    out: Vec<u8>,
}

/// The most input held back before the first line says whether lines are prefixed.
const DECIDE_WITHIN_BYTES: usize = 64 * 1024;

/// A line's start shorter than this, at a chunk's end, waits for the next chunk: its prefix may be cut.
const HOLD_LINE_START_BYTES: usize = MAX_PATH_BYTES + 32;

impl StreamedLinePrefixes {
    /// The bytes of `chunk` to read, prefixes taken off (some may be held back for the next call).
    pub fn push<'a>(&'a mut self, chunk: &'a [u8]) -> &'a [u8] {
        match self.decided {
            Some(None) => chunk,
            Some(Some(kind)) => {
                self.strip(chunk, kind, false);
                &self.out
            }
            // The first chunk often settles it alone: no copy then.
            None if self.held.is_empty() && decide(chunk, false) == Some(None) => {
                self.decided = Some(None);
                chunk
            }
            None => {
                self.held.extend_from_slice(chunk);
                let Some(kind) = decide(&self.held, self.held.len() >= DECIDE_WITHIN_BYTES) else { return &[] };
                self.decided = Some(kind);
                let held = std::mem::take(&mut self.held);
                match kind {
                    Some(kind) => self.strip(&held, kind, false),
                    None => self.out = held,
                }
                &self.out
            }
        }
    }

    /// What was held back, at the end of the input.
    pub fn finish(&mut self) -> &[u8] {
        let held = std::mem::take(&mut self.held);
        match self.decided.unwrap_or_else(|| decide(&held, true).flatten()) {
            Some(kind) => self.strip(&held, kind, true),
            None => self.out = held,
        }
        self.decided = Some(None);
        &self.out
    }

    /// `self.out` = what was held and `bytes`, each line's prefix of `kind` taken off.
    fn strip(&mut self, bytes: &[u8], kind: Kind, at_end: bool) {
        let joined;
        let input = if self.held.is_empty() {
            bytes
        } else {
            joined = [std::mem::take(&mut self.held).as_slice(), bytes].concat();
            joined.as_slice()
        };
        self.out.clear();
        let mut at = 0;
        while let Some(rest) = input.get(at..).filter(|r| !r.is_empty()) {
            let newline = memchr::memchr(b'\n', rest);
            if self.mid_line {
                let end = newline.map_or(rest.len(), |i| i + 1);
                self.out.extend_from_slice(&rest[..end]);
                at += end;
                self.mid_line = newline.is_none();
                continue;
            }
            if newline.is_none() && rest.len() < HOLD_LINE_START_BYTES && !at_end {
                self.held = rest.to_vec();
                break;
            }
            let line = &rest[..newline.unwrap_or(rest.len())];
            let head = line.get(..HOLD_LINE_START_BYTES).unwrap_or(line);
            let head = std::str::from_utf8(head).unwrap_or_else(|e| std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default());
            at += prefix_of(head, Some(kind)).map_or(0, |p| p.rest_at);
            self.mid_line = true;
        }
    }
}

/// Whether the stream's lines are prefixed, and by what; `None` while its first line (its first
/// two when only numbered) is not complete yet and `at_end` is false.
fn decide(bytes: &[u8], at_end: bool) -> Option<Option<Kind>> {
    // Complete lines only (the last one too at the end), one at a time: the first chunk of a big
    // stream may be megabytes, of which only its first line or two are read.
    let mut rest = bytes;
    let mut next_line = move || loop {
        let line = match memchr::memchr(b'\n', rest) {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                line
            }
            None if at_end && !rest.is_empty() => std::mem::take(&mut rest),
            None => return None,
        };
        let head = String::from_utf8_lossy(line.get(..HOLD_LINE_START_BYTES).unwrap_or(line)).into_owned();
        if !is_blank_or_separator(&head) {
            return Some(head);
        }
    };
    let Some(first) = next_line() else { return at_end.then_some(None) };
    match prefix_of(&first, None) {
        None => Some(None),
        Some(p) if p.alone_is_enough => Some(Some(p.kind)),
        Some(p) => match next_line() {
            Some(second) => Some(prefix_of(&second, Some(p.kind)).filter(|q| q.number > p.number).map(|q| q.kind)),
            None => at_end.then_some(None),
        },
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// A log file's name (and maybe a line number): `grep` over several files, `grep -H`.
    File,
    /// A line number alone: `grep -n` over one file, `cat -n`.
    Number,
}

/// A line's prefix: its kind, where the line's own text starts, and its line number if any.
struct Prefix {
    kind: Kind,
    rest_at: usize,
    number: Option<u64>,
    /// The prefix says what it is on one line alone: a log's name, or `cat -n`'s padded number
    /// and tab. A number and a colon alone may be the line's own text (`12: …`).
    alone_is_enough: bool,
}

fn is_blank_or_separator(line: &str) -> bool {
    let line = line.as_bytes().trim_ascii();
    line.is_empty() || line == b"--"
}

/// A text's lines that are neither blank nor grep's `--` (what `str::lines` and a filter would
/// give, found with a SIMD search: this runs on every pasted error).
#[derive(Clone)]
struct NonBlankLines<'a> {
    rest: Option<&'a str>,
}

impl<'a> Iterator for NonBlankLines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            let rest = self.rest?;
            let line = match memchr::memchr(b'\n', rest.as_bytes()) {
                Some(i) => {
                    self.rest = rest.get(i + 1..);
                    rest.get(..i)?
                }
                None => self.rest.take()?,
            };
            if !is_blank_or_separator(line) {
                return Some(line.strip_suffix('\r').unwrap_or(line));
            }
        }
    }
}

fn strip_each_line(text: &str, kind: Kind) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match prefix_of(line, Some(kind)) {
            Some(p) if !is_blank_or_separator(line) => out.push_str(line.get(p.rest_at..).unwrap_or(line)),
            _ => out.push_str(line),
        }
    }
    out
}

/// The prefix `line` starts with, of `kind` when given.
fn prefix_of(line: &str, kind: Option<Kind>) -> Option<Prefix> {
    if kind != Some(Kind::Number) {
        if let Some(p) = file_prefix(line) {
            return Some(p);
        }
    }
    if kind != Some(Kind::File) {
        return number_prefix(line);
    }
    None
}

/// The bytes of a path as grep prints it (letters, digits, `/._-~+`).
static PATH_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-' | b'~' | b'+');
        c += 1;
    }
    table
};

/// The longest log path looked for at a line's start.
const MAX_PATH_BYTES: usize = 256;

/// `/var/log/SMlog.1:`, `SMlog-` (a context line), `xensource.log:1234:`.
fn file_prefix(line: &str) -> Option<Prefix> {
    // A log's path is short; looking no further keeps a long line (a 100 MB one of dashes) linear.
    let b = line.as_bytes().get(..line.len().min(MAX_PATH_BYTES))?;
    // Two SIMD searches rule out most lines (this runs on every pasted error): a separator, and
    // before it a `g`, which every log's name has (`log`, `messages`).
    let separator = memchr::memchr2(b':', b'-', b)?;
    memchr::memchr2(b'g', b'G', b.get(..separator)?)?;
    let run = b.iter().position(|&c| !PATH_BYTES[usize::from(c)]).unwrap_or(b.len());
    // The name ends at the colon after the run, or else at the last dash inside it after a log's name.
    let name_end = if b.get(run) == Some(&b':') && names_a_log(line.get(..run)?) {
        run
    } else {
        // (The last three dashes at most: a rotation's date adds one, `SMlog-20261206.gz-`.)
        memchr::memrchr_iter(b'-', b.get(..run)?).take(3).find(|&i| i > 0 && names_a_log(&line[..i]))?
    };
    let mut rest_at = name_end + 1;
    let mut number = None;
    // `grep -n`'s number after the name, unless the digits begin a date or a time.
    let digits = b.get(rest_at..)?.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && matches!(b.get(rest_at + digits), Some(b':' | b'-')) && !starts_date_or_time(b.get(rest_at..)?) {
        number = line.get(rest_at..rest_at + digits)?.parse().ok();
        rest_at += digits + 1;
    }
    Some(Prefix { kind: Kind::File, rest_at, number, alone_is_enough: true })
}

/// `1234:` (`grep -n`; `1234-` for a context line) or `   12\t` (`cat -n`; `   12  ` once a
/// terminal turned the tab into spaces), not the start of a date or a time.
fn number_prefix(line: &str) -> Option<Prefix> {
    let b = line.as_bytes();
    let spaces = b.iter().take_while(|&&c| c == b' ').count();
    let digits = b.get(spaces..)?.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let after = spaces + digits;
    let (rest_at, alone_is_enough) = match (b.get(after), b.get(after + 1)) {
        (Some(b':' | b'-'), _) if spaces == 0 && !starts_date_or_time(b) => (after + 1, false),
        (Some(b'\t'), _) => (after + 1, spaces > 0),
        (Some(b' '), Some(b' ')) if spaces > 0 => (after + b.get(after..)?.iter().take_while(|&&c| c == b' ').count(), false),
        _ => return None,
    };
    Some(Prefix { kind: Kind::Number, rest_at, number: line.get(spaces..after)?.parse().ok(), alone_is_enough })
}

/// Whether `name` is a log file's path: under a `log` directory (`/var/log/…`), or its last part,
/// a rotation's suffix aside (`.1`, `.2.gz`, `-20261206`, `-20261206.gz`), ends in `.log`
/// (`xensource.log`) or is one of dom0's logs without it (`SMlog`, `syslog`, `messages`, `VMSSlog`).
/// (Not any word ending in "log": `catalog:` or `changelog:` starts a sentence.)
fn names_a_log(name: &str) -> bool {
    if name.contains("/log/") {
        return true;
    }
    let base = name.rsplit('/').next().unwrap_or(name);
    let base = base.strip_suffix(".gz").unwrap_or(base);
    let base = match base.rsplit_once(['.', '-']) {
        Some((head, tail)) if !tail.is_empty() && tail.bytes().all(|c| c.is_ascii_digit()) => head,
        _ => base,
    };
    let lower = base.to_ascii_lowercase();
    (lower.len() > 4 && lower.ends_with(".log")) || ["smlog", "syslog", "messages", "vmsslog"].contains(&lower.as_str())
}

/// `2026-12-06`, `10:01:02`: digits that begin a date or a time, not a line number.
fn starts_date_or_time(b: &[u8]) -> bool {
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let date = (0..4).all(digit) && b.get(4) == Some(&b'-') && digit(5) && digit(6) && b.get(7) == Some(&b'-');
    let time = digit(0) && digit(1) && b.get(2) == Some(&b':') && digit(3) && digit(4) && b.get(5) == Some(&b':');
    date || time
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMLOG: &str = "Dec  6 01:02:03 host1 SM: [1234] lock: opening lock file /var/lock/sm/x/sr\nDec  6 01:02:04 host1 SMGC: [1235] Coalesce failed\n";

    fn each_line(prefixes: &[&str], text: &str) -> String {
        text.lines().zip(prefixes).map(|(l, p)| format!("{p}{l}\n")).collect()
    }

    #[test]
    fn greps_file_names_and_numbers_are_taken_off() {
        for prefixes in [
            ["/var/log/SMlog.1:", "/var/log/SMlog:"],
            ["SMlog:", "SMlog.2.gz:"],
            ["/var/log/SMlog-", "/var/log/SMlog:"],
            ["/var/log/SMlog:1201:", "/var/log/SMlog:1202-"],
            ["/var/log/SMlog-20261206.gz:", "/var/log/SMlog-20261206.gz-"],
            ["1201:", "1207:"],
            ["1201-", "1202:"],
            ["     1\t", "     2\t"],
            ["     9  ", "    10  "],
        ] {
            assert_eq!(without_line_prefixes(&each_line(&prefixes, SMLOG)), SMLOG, "{prefixes:?}");
        }
        let grepped = "/var/log/SMlog:Dec  6 01:02:03 host1 SM: [1234] x\n--\n/var/log/SMlog.1:Dec  6 01:02:03 host1 SM: [1234] y\n";
        assert_eq!(without_line_prefixes(grepped), "Dec  6 01:02:03 host1 SM: [1234] x\n--\nDec  6 01:02:03 host1 SM: [1234] y\n");
        // One line grepped out of a log, or printed by `cat -n`, is one line of it.
        assert_eq!(without_line_prefixes("     7\tThe user name is missing"), "The user name is missing");
        assert_eq!(without_line_prefixes("/var/log/xensource.log:Dec  6 01:02:03 host1 xapi: [error||1 ||x] y"), "Dec  6 01:02:03 host1 xapi: [error||1 ||x] y");
    }

    #[test]
    fn a_stream_loses_the_same_prefixes_whatever_its_chunks() {
        let grepped = each_line(&["/var/log/SMlog.1:", "/var/log/SMlog:"], SMLOG);
        let numbered = each_line(&["1201:", "1207-"], SMLOG);
        let catted = each_line(&["     1\t", "     2\t"], SMLOG);
        for (input, expected) in [(grepped.as_str(), SMLOG), (numbered.as_str(), SMLOG), (catted.as_str(), SMLOG), (SMLOG, SMLOG), ("1: one line", "1: one line")] {
            for size in [1, 3, 7, 64, 4096] {
                let mut stream = StreamedLinePrefixes::default();
                let mut out = Vec::new();
                for chunk in input.as_bytes().chunks(size) {
                    out.extend_from_slice(stream.push(chunk));
                }
                out.extend_from_slice(stream.finish());
                assert_eq!(String::from_utf8_lossy(&out), expected, "{input:?} in chunks of {size}");
            }
        }
    }

    #[test]
    fn texts_that_only_look_numbered_or_named_are_left_alone() {
        for text in [
            "SR_BACKEND_FAILURE_44(, There is insufficient space, )",
            "2026-12-06T01:02:03.456Z xo:backups WARN x\n2026-12-06T01:02:04.456Z xo:backups WARN y",
            "10:01:02 first\n11:01:02 second\n12:01:02 third",
            "12: the only numbered line",
            "1: first\n3: second\n2: third",
            "backup: the job failed\nbackup: again",
            "catalog:x\ncatalog:y",
            "changelog:\n- fixed",
            "xen-orchestra  | Error: x\nxen-orchestra  | Error: y",
            "/var/log/SMlog:x\nnot grepped",
            "Error: EACCES: permission denied, open '/run/xo-server/mounts/x/xo-vm-backups'",
        ] {
            assert!(matches!(without_line_prefixes(text), Cow::Borrowed(_)), "{text:?}");
        }
        // A log whose lines start with an ISO date keeps it after the file's name.
        assert_eq!(without_line_prefixes("/var/log/xo.log:2026-12-06T01:02:03Z x\n"), "2026-12-06T01:02:03Z x\n");
    }
}
