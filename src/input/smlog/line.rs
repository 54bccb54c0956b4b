//! One physical SMlog line split into its parts: timestamp, host, syslog tag, process id and
//! message.
//!
//! The classic rsyslog file format is `Mmm dd HH:MM:SS host SM: [pid] message` (the day is
//! space-padded); a high-precision template puts an RFC 3339 timestamp first instead. Other
//! writers to the same facility carry the pid in the tag (`fairlock[1234]: message`). People
//! paste lines with forum quote marks (`> `), with `grep` file names or line numbers in front,
//! or only the message (`[pid] message`, or not even that): all of these are accepted here,
//! and a line without any recognisable prefix is still returned, as a bare message.
//!
//! The fast path (a well-formed classic prefix) touches only the first ~40 bytes of the line
//! and never allocates.

use serde::Serialize;

/// What kind of timestamp a line carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeKind {
    /// `Mmm dd HH:MM:SS`: no year, local time of the host.
    Syslog,
    /// `2024-01-05T03:12:07.123456+01:00` and similar.
    Rfc3339,
}

/// The syslog tag of a line: the storage manager (`SM`), its garbage collector (`SMGC`) or
/// another program writing to the same log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    Sm,
    Smgc,
    Other,
    /// The line had no syslog prefix.
    None,
}

/// A parsed line. Every slice borrows from the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineParts<'a> {
    /// The timestamp exactly as logged (empty when the line had none).
    pub time: &'a [u8],
    pub time_kind: Option<TimeKind>,
    pub host: &'a [u8],
    pub tag: Tag,
    pub pid: Option<u32>,
    pub msg: &'a [u8],
    /// The line started with a syslog prefix (timestamp, host, tag).
    pub has_prefix: bool,
}

impl<'a> LineParts<'a> {
    fn bare(msg: &'a [u8], pid: Option<u32>) -> LineParts<'a> {
        LineParts { time: &[], time_kind: None, host: &[], tag: Tag::None, pid, msg, has_prefix: false }
    }
}

/// Parses one line, given without its line ending (`\n` or `\r\n`: the caller strips it, once;
/// a `\r` left over is text, as [`HeaderCache::parse`] sees it too).
pub fn parse(line: &[u8]) -> LineParts<'_> {
    let line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
    let line = without_trailing_blanks(line);
    if let Some(parts) = parse_prefixed(line) {
        return parts;
    }
    parse_pasted(line)
}

/// `line` without the spaces and tabs at its end: syslog writes none, but a terminal's copy
/// (PuTTY, the Windows console) or an editor pads lines with them, and a message that ends with
/// its closing quote (`stderr: '…'`) is then not read.
#[inline]
fn without_trailing_blanks(line: &[u8]) -> &[u8] {
    match line.last() {
        Some(b' ' | b'\t') => line.trim_ascii_end(),
        _ => line,
    }
}

/// The header (`timestamp host `) of the last classic line parsed: consecutive lines usually
/// share it (same second, same host), and then only the tag and the pid are left to read.
pub struct HeaderCache {
    bytes: [u8; 64],
    /// Length of `timestamp host ` (0: nothing cached).
    len: usize,
    time_len: usize,
    time_kind: Option<TimeKind>,
}

impl Default for HeaderCache {
    fn default() -> Self {
        HeaderCache { bytes: [0; 64], len: 0, time_len: 0, time_kind: None }
    }
}

impl HeaderCache {
    /// Parses `line` like [`parse`], reusing the previous line's header when it is the same.
    #[inline]
    pub fn parse<'a>(&mut self, line: &'a [u8]) -> LineParts<'a> {
        let line = without_trailing_blanks(line);
        let len = self.len;
        if len > 0 && line.len() > len && same_bytes(&line[..len], &self.bytes[..len]) {
            let time = &line[..self.time_len];
            let host = &line[self.time_len + 1..len - 1];
            if let Some(parts) = parse_after_host(time, self.time_kind.unwrap_or(TimeKind::Syslog), host, &line[len..]) {
                // The shortcut must agree with a full parse (checked under the fuzzers, which
                // build with debug assertions).
                debug_assert_eq!(parts, parse(line), "the header cache disagrees with parse()");
                return parts;
            }
        }
        let parts = parse(line);
        // Only a header at the very start of the line, `time host `, can be reused: a pasted
        // line may carry junk before its timestamp, and the next line's same first bytes would
        // then not be a header at all.
        let starts_line = parts.time.as_ptr() == line.as_ptr() && parts.host.as_ptr() == line.as_ptr().wrapping_add(parts.time.len() + 1);
        if parts.has_prefix && starts_line {
            let header = parts.time.len() + 1 + parts.host.len() + 1;
            if header <= self.bytes.len() && line.len() >= header {
                self.bytes[..header].copy_from_slice(&line[..header]);
                self.len = header;
                self.time_len = parts.time.len();
                self.time_kind = parts.time_kind;
            }
        }
        parts
    }
}

/// Byte equality, eight bytes at a time (slice `==` is a byte loop in WebAssembly).
#[inline(always)]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut xs = a.chunks_exact(8);
    let mut ys = b.chunks_exact(8);
    for (x, y) in (&mut xs).zip(&mut ys) {
        if word(x) != word(y) {
            return false;
        }
    }
    xs.remainder() == ys.remainder()
}

/// The eight bytes of a `chunks_exact(8)` chunk as one word (one load).
#[inline(always)]
pub(crate) fn word(chunk: &[u8]) -> u64 {
    <[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes)
}

/// `true` when the line starts with a syslog prefix (used to decide whether a line continues
/// the previous one).
pub fn starts_with_prefix(line: &[u8]) -> bool {
    parse_prefixed(line).is_some()
}

fn parse_prefixed(line: &[u8]) -> Option<LineParts<'_>> {
    let (time, time_kind, host, rest) = split_header(line)?;
    parse_after_host(time, time_kind, host, rest)
}

/// A line's timestamp, its kind, its host and what follows the host's space.
type Header<'a> = (&'a [u8], TimeKind, &'a [u8], &'a [u8]);

/// `timestamp host rest`, split.
#[inline]
fn split_header(line: &[u8]) -> Option<Header<'_>> {
    let first = *line.first()?;
    let (time_kind, time_end) = if first.is_ascii_uppercase() {
        (TimeKind::Syslog, syslog_time_end(line)?)
    } else if first.is_ascii_digit() {
        (TimeKind::Rfc3339, rfc3339_time_end(line)?)
    } else {
        return None;
    };
    let time = &line[..time_end];
    if line.get(time_end) != Some(&b' ') {
        return None;
    }
    let rest = &line[time_end + 1..];
    let host_len = rest.iter().position(|&b| b == b' ')?;
    if host_len == 0 {
        return None;
    }
    Some((time, time_kind, &rest[..host_len], &rest[host_len + 1..]))
}

/// The program that wrote a syslog line (`Mmm dd HH:MM:SS host program[pid]: …` → `program`):
/// the tag after the timestamp and host, up to `[`, `:` or a space. `None` without the prefix.
pub fn syslog_program(line: &[u8]) -> Option<&[u8]> {
    let line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
    let (_, _, _, rest) = split_header(line)?;
    let len = rest.iter().take(64).position(|&b| b == b':' || b == b'[' || b == b' ')?;
    (len > 0).then(|| &rest[..len])
}

/// The tag, pid and message after `timestamp host `.
#[inline]
fn parse_after_host<'a>(time: &'a [u8], time_kind: TimeKind, host: &'a [u8], rest: &'a [u8]) -> Option<LineParts<'a>> {
    // The storage manager's own tags first (nearly every line): `SM: [pid] ` / `SMGC: [pid] `.
    let (tag, after_tag) = if rest.len() >= 4 && rest[0] == b'S' && rest[1] == b'M' && rest[2] == b':' && rest[3] == b' ' {
        (Tag::Sm, &rest[4..])
    } else if rest.len() >= 6 && rest[0] == b'S' && rest[1] == b'M' && rest[2] == b'G' && rest[3] == b'C' && rest[4] == b':' && rest[5] == b' ' {
        (Tag::Smgc, &rest[6..])
    } else {
        return parse_other_tag(time, time_kind, host, rest);
    };
    let (pid, msg) = match bracketed_pid(after_tag) {
        Some((p, after)) => (Some(p), after.strip_prefix(b" ").unwrap_or(after)),
        None => (None, after_tag),
    };
    Some(LineParts { time, time_kind: Some(time_kind), host, tag, pid, msg, has_prefix: true })
}

/// Tags of other programs writing to the same log: `fairlock[1873]: …`, `SMAPIv3: …`.
fn parse_other_tag<'a>(time: &'a [u8], time_kind: TimeKind, host: &'a [u8], rest: &'a [u8]) -> Option<LineParts<'a>> {
    let tag_len = rest.iter().take(64).position(|&b| b == b':' || b == b'[' || b == b' ')?;
    let tag_bytes = &rest[..tag_len];
    if tag_bytes.is_empty() {
        return None;
    }
    let mut rest = &rest[tag_len..];
    let mut pid = None;
    if rest.first() == Some(&b'[') {
        let (p, after) = bracketed_pid(rest)?;
        pid = Some(p);
        rest = after;
    }
    rest = rest.strip_prefix(b":")?;
    rest = rest.strip_prefix(b" ").unwrap_or(rest);
    let tag = match tag_bytes {
        b"SM" => Tag::Sm,
        b"SMGC" => Tag::Smgc,
        _ => Tag::Other,
    };
    if rest.first() == Some(&b'[') {
        if let Some((p, after)) = bracketed_pid(rest) {
            pid = Some(p);
            rest = after.strip_prefix(b" ").unwrap_or(after);
        }
    }
    Some(LineParts { time, time_kind: Some(time_kind), host, tag, pid, msg: rest, has_prefix: true })
}

/// `Mmm dd HH:MM:SS` (day space-padded or not): the index just after the seconds.
fn syslog_time_end(l: &[u8]) -> Option<usize> {
    if l.len() < 15 || !(l[1].is_ascii_lowercase() && l[2].is_ascii_lowercase() && l[3] == b' ') {
        return None;
    }
    let mut i = 4;
    if l[i] == b' ' {
        i += 1;
    }
    let day_start = i;
    while i < l.len() && l[i].is_ascii_digit() && i - day_start < 2 {
        i += 1;
    }
    if i == day_start || l.get(i) != Some(&b' ') {
        return None;
    }
    i += 1;
    let t = l.get(i..i + 8)?;
    let d = |k: usize| t[k].is_ascii_digit();
    if !(d(0) && d(1) && t[2] == b':' && d(3) && d(4) && t[5] == b':' && d(6) && d(7)) {
        return None;
    }
    Some(i + 8)
}

/// `YYYY-MM-DDTHH:MM:SS…` up to the next space.
fn rfc3339_time_end(l: &[u8]) -> Option<usize> {
    let head = l.get(..19)?;
    let shape = head.iter().enumerate().all(|(k, &c)| match k {
        4 | 7 => c == b'-',
        10 => c == b'T' || c == b' ',
        13 | 16 => c == b':',
        _ => c.is_ascii_digit(),
    });
    if !shape || head[10] == b' ' {
        return None;
    }
    let len = l[19..].iter().take(16).position(|&b| b == b' ')?;
    Some(19 + len)
}

/// `[1234]…` → (1234, the rest after `]`). At most nine digits, so no overflow is possible.
#[inline]
fn bracketed_pid(s: &[u8]) -> Option<(u32, &[u8])> {
    if s.first() != Some(&b'[') {
        return None;
    }
    let mut value: u32 = 0;
    let mut i = 1;
    while i < s.len() && i <= 10 {
        let d = s[i];
        if d == b']' {
            return if i > 1 { Some((value, &s[i + 1..])) } else { None };
        }
        let digit = d.wrapping_sub(b'0');
        if digit > 9 || i > 9 {
            return None;
        }
        value = value * 10 + u32::from(digit);
        i += 1;
    }
    None
}

/// The slow path for what people paste: quote marks, `grep` prefixes, bare `[pid] message`.
fn parse_pasted(line: &[u8]) -> LineParts<'_> {
    let mut rest = line;
    // Forum and e-mail quote marks: `> `, `>> `, `> > `.
    loop {
        let trimmed = trim_start(rest);
        match trimmed.first() {
            Some(b'>') => rest = &trimmed[1..],
            _ => break,
        }
    }
    if rest.len() != line.len() {
        rest = rest.strip_prefix(b" ").unwrap_or(rest);
    }
    let trimmed = trim_start(rest);
    if let Some(parts) = parse_prefixed(trimmed) {
        return parts;
    }
    // `grep` output: `SMlog:…`, `/var/log/SMlog.1:…`, `1234:…`, `1234-…` in front of the line.
    if let Some(after) = strip_grep_prefix(trimmed) {
        if let Some(parts) = parse_prefixed(after) {
            return parts;
        }
    }
    // Only the message, maybe with the storage manager's `[pid] `.
    if trimmed.first() == Some(&b'[') {
        if let Some((pid, after)) = bracketed_pid(trimmed) {
            if after.first().is_none_or(|&b| b == b' ') {
                return LineParts::bare(after.strip_prefix(b" ").unwrap_or(after), Some(pid));
            }
        }
    }
    LineParts::bare(rest, None)
}

fn strip_grep_prefix(s: &[u8]) -> Option<&[u8]> {
    let colon = s.iter().take(200).position(|&b| b == b':')?;
    let head = &s[..colon];
    let is_file = memchr::memmem::find(head, b"SMlog").is_some() && !head.contains(&b' ');
    let digits = !head.is_empty() && head.iter().all(u8::is_ascii_digit);
    if is_file || digits {
        let after = &s[colon + 1..];
        // `grep -n` on several files: `SMlog:123:…`.
        if is_file {
            if let Some(next) = after.iter().take(12).position(|&b| b == b':') {
                if next > 0 && after[..next].iter().all(u8::is_ascii_digit) {
                    return Some(&after[next + 1..]);
                }
            }
        }
        return Some(after);
    }
    // `grep -n -A` context lines use `-`: `1234-Jan 14 …`.
    let dash = s.iter().take(12).position(|&b| b == b'-')?;
    if dash > 0 && s[..dash].iter().all(u8::is_ascii_digit) {
        return Some(&s[dash + 1..]);
    }
    None
}

fn trim_start(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
    &s[n..]
}

/// A timestamp as logged, plus what can be derived from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogTime {
    /// The timestamp exactly as logged.
    pub text: String,
    /// Milliseconds since 1970-01-01 UTC, when the line carried a full date (RFC 3339).
    /// Classic syslog lines have no year and no time zone, so this is `null` for them.
    pub unix_ms: Option<i64>,
    /// Seconds since 1 January 00:00 of the (unknown) year, in the time the host logged
    /// (non-leap calendar): orders events and measures durations within a log. A log that
    /// crosses New Year starts again from 0.
    pub second_of_year: Option<u32>,
}

const MONTHS: [&[u8; 3]; 12] = [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];
const DAYS_BEFORE_MONTH: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

impl LogTime {
    /// The timestamp of a line, or `None` when it had none.
    pub fn from_parts(time: &[u8], kind: Option<TimeKind>) -> Option<LogTime> {
        let kind = kind?;
        let text = String::from_utf8_lossy(time).into_owned();
        let (unix_ms, second_of_year) = match kind {
            TimeKind::Syslog => (None, syslog_second_of_year(time)),
            TimeKind::Rfc3339 => rfc3339_values(time).map_or((None, None), |(ms, soy)| (Some(ms), Some(soy))),
        };
        Some(LogTime { text, unix_ms, second_of_year })
    }
}

fn num(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 9 {
        return None;
    }
    s.iter().try_fold(0u32, |acc, &d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
}

fn syslog_second_of_year(t: &[u8]) -> Option<u32> {
    let month = MONTHS.iter().position(|m| t.get(..3) == Some(&m[..]))?;
    let rest = trim_start(t.get(4..)?);
    let space = rest.iter().position(|&b| b == b' ')?;
    let day = num(&rest[..space])?;
    let clock = rest.get(space + 1..space + 9)?;
    let (h, m, s) = (num(&clock[0..2])?, num(&clock[3..5])?, num(&clock[6..8])?);
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some((DAYS_BEFORE_MONTH[month] + day - 1) * 86_400 + h * 3600 + m * 60 + s)
}

/// (Unix milliseconds, second of the year in the logged time zone).
fn rfc3339_values(t: &[u8]) -> Option<(i64, u32)> {
    let year = i64::from(num(t.get(0..4)?)?);
    let month = num(t.get(5..7)?)?;
    let day = num(t.get(8..10)?)?;
    let (h, m, s) = (num(t.get(11..13)?)?, num(t.get(14..16)?)?, num(t.get(17..19)?)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if t.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < t.len() && t[i].is_ascii_digit() {
            i += 1;
        }
        let frac = &t[start..i];
        let mut scale = 100;
        for &d in frac.iter().take(3) {
            millis += i64::from(d - b'0') * scale;
            scale /= 10;
        }
    }
    let offset_minutes: i64 = match t.get(i) {
        Some(b'Z') | Some(b'z') | None => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let hh = i64::from(num(t.get(i + 1..i + 3)?)?);
            let mm_start = if t.get(i + 3) == Some(&b':') { i + 4 } else { i + 3 };
            let mm = t.get(mm_start..mm_start + 2).and_then(num).map_or(0, i64::from);
            let v = hh * 60 + mm;
            if sign == b'-' {
                -v
            } else {
                v
            }
        }
        _ => 0,
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let mut day_of_year = DAYS_BEFORE_MONTH[(month - 1) as usize] + day - 1;
    if leap && month > 2 {
        day_of_year += 1;
    }
    let days = days_from_civil(year, month, day);
    let local_secs = days * 86_400 + i64::from(h * 3600 + m * 60 + s);
    let unix_ms = (local_secs - offset_minutes * 60) * 1000 + millis;
    Some((unix_ms, day_of_year * 86_400 + h * 3600 + m * 60 + s))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests;
