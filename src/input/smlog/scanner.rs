//! Turns a byte stream cut anywhere (inside a line, inside a UTF-8 sequence) into logical log
//! lines, with bounded memory, and hands each one to the [`Analyzer`].
//!
//! Complete lines are processed where they lie in the caller's chunk. A line broken by a
//! terminal wrap continues on the next physical line, which has no prefix: so before a line is
//! processed, the first bytes of the next one are looked at. Only the last complete line of a
//! chunk (which has no next line yet) and the unfinished line after it are copied, into a
//! buffer that waits for the next chunk. A line longer than `options.maxLineBytes` (default
//! 64 KiB) keeps its first `maxLineBytes` bytes. Whatever the chunking, every line is seen with the same bytes and the same
//! neighbour, so the report is the same as for the whole input.

use super::assemble::Analyzer;
use super::line;

/// At most this many physical lines are joined into one (a line wrapped by a terminal).
const MAX_JOINED: u32 = 16;
/// A wrapped line fills the terminal: shorter lines are not considered wrapped.
const MIN_WRAPPED_LEN: usize = 64;

/// The streaming line splitter.
pub struct LineSplitter {
    /// Longest line kept, in bytes; the rest of a longer line is dropped (and counted).
    max_line: usize,
    /// The group of physical lines waiting for the line after them: their bytes (each cut to
    /// `max_line`, each followed by `\n`).
    deferred: Vec<u8>,
    deferred_lines: u32,
    /// Length (before any cut) of the last physical line of the deferred group.
    deferred_last_len: usize,
    deferred_first_has_prefix: bool,
    /// The unfinished last line (one byte more than a line keeps, for a final `\r`).
    partial: Vec<u8>,
    partial_overflow: bool,
    /// Line number of the next physical line to be analysed (1-based).
    next_line_no: u64,
    pub lines: u64,
    pub unparsed_lines: u64,
    pub truncated_lines: u64,
    pub bytes: u64,
    scratch: Vec<u8>,
    headers: line::HeaderCache,
}

impl LineSplitter {
    pub fn new(max_line: usize) -> Self {
        LineSplitter {
            max_line: max_line.max(1),
            deferred: Vec::new(),
            deferred_lines: 0,
            deferred_last_len: 0,
            deferred_first_has_prefix: false,
            partial: Vec::new(),
            partial_overflow: false,
            next_line_no: 1,
            lines: 0,
            unparsed_lines: 0,
            truncated_lines: 0,
            bytes: 0,
            scratch: Vec::new(),
            headers: line::HeaderCache::default(),
        }
    }
}

/// What the pieces of a group of physical lines look like (see `LineSplitter::emit_group`).
#[derive(Clone, Copy)]
enum Pieces {
    AsRead,
    Stripped,
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn cut(line: &[u8], max: usize) -> &[u8] {
    line.get(..max).unwrap_or(line)
}

/// A cheap look at the first bytes: `Mmm …` or `2024-…` start a syslog line. `line` may run on
/// past its end (the rest of a chunk): only bytes before its first newline are looked at, so
/// that the verdict does not depend on where a chunk ends.
fn looks_prefixed(line: &[u8]) -> bool {
    match line.first() {
        // A month (`Jan 14 …`), not any capitalised word (`VHD trees): `).
        Some(b) if b.is_ascii_uppercase() => line.get(3) == Some(&b' ') && line.get(1..3).is_some_and(|rest| rest.iter().all(u8::is_ascii_lowercase)),
        Some(_) if line.get(..4).is_some_and(|year| year.iter().all(u8::is_ascii_digit)) => line.get(4) == Some(&b'-'),
        _ => false,
    }
}

/// Can `next` (judged on its first bytes only) continue the previous line? A necessary
/// condition of [`continues`], checked before every line.
fn may_continue(prev_has_prefix: bool, prev_len: usize, next: &[u8]) -> bool {
    if !prev_has_prefix || prev_len < MIN_WRAPPED_LEN {
        return false;
    }
    match next.first() {
        None | Some(b'\n' | b'\r' | b'\t' | b'*' | b'>' | b'#' | b'$' | b'~' | b'=') => false,
        // A bracket before a lowercase word is the storage manager's `[opterr=…]` cut from its
        // exception; any other opens a tag of its own.
        Some(b'[') => next.get(1).is_some_and(u8::is_ascii_lowercase),
        // One space is the cut falling before a word or a count (`0 of …`); two or more, or one
        // before another number, an indentation.
        Some(b' ') => next.get(1).is_some_and(|&c| !c.is_ascii_whitespace() && !c.is_ascii_digit()) || crate::input::is_counted_word(&next[1..]),
        Some(_) => !looks_prefixed(next),
    }
}

/// Does the physical line `next` continue the previous one, as a terminal wrap does? Only
/// after a prefixed, long line, and only for a line that has no prefix and does not look like
/// the start of something else (indented traceback, banner, quote, prompt); one space before a
/// word is where the cut fell.
fn continues(prev_has_prefix: bool, prev_len: usize, next: &[u8], max_line: usize) -> bool {
    may_continue(prev_has_prefix, prev_len, next) && !line::parse(cut(next, max_line)).has_prefix
}

impl LineSplitter {
    /// Feeds a chunk; complete lines are analysed at once.
    pub fn push(&mut self, mut chunk: &[u8], analyzer: &mut Analyzer) {
        self.bytes += chunk.len() as u64;
        if !self.partial.is_empty() || self.partial_overflow {
            let Some(nl) = memchr::memchr(b'\n', chunk) else {
                self.append_partial(chunk);
                return;
            };
            self.append_partial(&chunk[..nl]);
            chunk = &chunk[nl + 1..];
            let completed = std::mem::take(&mut self.partial);
            self.complete_partial(&completed, analyzer);
            self.partial = completed;
            self.partial.clear();
        }
        let Some(last_nl) = memchr::memrchr(b'\n', chunk) else {
            self.append_partial(chunk);
            return;
        };
        let body = &chunk[..last_nl];
        let tail = &chunk[last_nl + 1..];
        let mut start = 0usize;
        loop {
            let (end, encoded) = line_end(body, start);
            let line = strip_cr(&body[start..end]);
            if self.deferred_lines > 0 {
                if self.deferred_lines < MAX_JOINED && continues(self.deferred_first_has_prefix, self.deferred_last_len, line, self.max_line) {
                    self.append_deferred(line);
                    if end == body.len() {
                        break;
                    }
                    start = end + 1;
                    continue;
                }
                self.flush_deferred(analyzer);
            }
            let parts = self.headers.parse(cut(line, self.max_line));
            if end == body.len() {
                // The last complete line waits for the next chunk: its next line may continue it.
                self.defer(line, parts.has_prefix);
                break;
            }
            let next = &body[end + 1..];
            if may_continue(parts.has_prefix, line.len(), next) {
                start = self.join_in_place(body, start, end, parts.has_prefix, analyzer);
                if start > body.len() {
                    break;
                }
                continue;
            }
            if line.len() > self.max_line {
                self.truncated_lines += 1;
            }
            self.analyse(cut(line, self.max_line), parts, encoded, analyzer);
            start = end + 1;
        }
        self.append_partial(tail);
    }

    /// A line of `body` (`start..end`) that the next line may continue: gathers the group and
    /// analyses it, or defers it when it reaches the end of the chunk. Returns where the next
    /// line starts (past the end of `body` when everything was deferred).
    #[inline(never)]
    fn join_in_place(&mut self, body: &[u8], start: usize, end: usize, has_prefix: bool, analyzer: &mut Analyzer) -> usize {
        let mut group_end = end;
        let mut lines = 1u32;
        let mut prev_len = strip_cr(&body[start..end]).len();
        loop {
            if group_end == body.len() {
                // The group reaches the end of the chunk: it waits for the next one.
                self.deferred.clear();
                for piece in body[start..group_end].split(|&b| b == b'\n') {
                    let piece = strip_cr(piece);
                    if piece.len() > self.max_line {
                        self.truncated_lines += 1;
                    }
                    self.deferred.extend_from_slice(cut(piece, self.max_line));
                    self.deferred.push(b'\n');
                    self.deferred_last_len = piece.len();
                }
                self.deferred_lines = lines;
                self.deferred_first_has_prefix = has_prefix;
                return body.len() + 1;
            }
            let next_start = group_end + 1;
            let next_end = memchr::memchr(b'\n', &body[next_start..]).map_or(body.len(), |i| next_start + i);
            let next = strip_cr(&body[next_start..next_end]);
            if lines >= MAX_JOINED || !continues(has_prefix, prev_len, next, self.max_line) {
                break;
            }
            lines += 1;
            prev_len = next.len();
            group_end = next_end;
        }
        let long = body[start..group_end].split(|&b| b == b'\n').filter(|p| strip_cr(p).len() > self.max_line).count();
        self.truncated_lines += long as u64;
        self.emit_group(&body[start..group_end], lines, Pieces::AsRead, analyzer);
        group_end + 1
    }

    /// Keeps one complete line for the next chunk.
    #[inline(never)]
    fn defer(&mut self, line: &[u8], has_prefix: bool) {
        if line.len() > self.max_line {
            self.truncated_lines += 1;
        }
        self.deferred.clear();
        self.deferred.extend_from_slice(cut(line, self.max_line));
        self.deferred.push(b'\n');
        self.deferred_lines = 1;
        self.deferred_last_len = line.len();
        self.deferred_first_has_prefix = has_prefix;
    }

    /// Ends the input: the unfinished last line (if any) is a line too.
    pub fn finish(&mut self, analyzer: &mut Analyzer) {
        if !self.partial.is_empty() || self.partial_overflow {
            let completed = std::mem::take(&mut self.partial);
            self.complete_partial(&completed, analyzer);
        }
        self.flush_deferred(analyzer);
    }

    /// The partial line is complete: cut it like an in-place line would be.
    fn complete_partial(&mut self, completed: &[u8], analyzer: &mut Analyzer) {
        let line = if self.partial_overflow { completed } else { strip_cr(completed) };
        if self.partial_overflow || line.len() > self.max_line {
            self.truncated_lines += 1;
        }
        self.partial_overflow = false;
        let full_len = if line.len() > self.max_line { self.max_line.saturating_add(1) } else { line.len() };
        let line = cut(line, self.max_line);
        if self.deferred_lines > 0 {
            if self.deferred_lines < MAX_JOINED && continues(self.deferred_first_has_prefix, self.deferred_last_len, line, self.max_line) {
                self.deferred.extend_from_slice(line);
                self.deferred.push(b'\n');
                self.deferred_lines += 1;
                self.deferred_last_len = full_len;
                return;
            }
            self.flush_deferred(analyzer);
        }
        let has_prefix = line::parse(line).has_prefix;
        self.deferred.clear();
        self.deferred.extend_from_slice(line);
        self.deferred.push(b'\n');
        self.deferred_lines = 1;
        self.deferred_last_len = full_len;
        self.deferred_first_has_prefix = has_prefix;
    }

    #[inline(never)]
    fn append_partial(&mut self, bytes: &[u8]) {
        let room = (self.max_line.saturating_add(1)).saturating_sub(self.partial.len());
        if bytes.len() > room {
            self.partial_overflow = true;
        }
        self.partial.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn append_deferred(&mut self, line: &[u8]) {
        if line.len() > self.max_line {
            self.truncated_lines += 1;
        }
        self.deferred.extend_from_slice(cut(line, self.max_line));
        self.deferred.push(b'\n');
        self.deferred_lines += 1;
        self.deferred_last_len = line.len();
    }

    fn flush_deferred(&mut self, analyzer: &mut Analyzer) {
        if self.deferred_lines == 0 {
            return;
        }
        let group = std::mem::take(&mut self.deferred);
        let body = group.strip_suffix(b"\n").unwrap_or(&group);
        let encoded = has_encoded_newline(body);
        let lines = self.deferred_lines;
        self.deferred_lines = 0;
        if lines == 1 {
            let parts = line::parse(body);
            self.analyse(body, parts, encoded, analyzer);
        } else {
            self.emit_group(body, lines, Pieces::Stripped, analyzer);
        }
        self.deferred = group;
        self.deferred.clear();
    }

    /// One logical line made of `lines` physical lines (joined without separator). The pieces
    /// of a group gathered in place are as read (each may end with its `\r`); deferred ones
    /// were stripped and cut already, and must not lose a second `\r`.
    fn emit_group(&mut self, group: &[u8], lines: u32, pieces: Pieces, analyzer: &mut Analyzer) {
        let mut joined = std::mem::take(&mut self.scratch);
        joined.clear();
        for piece in group.split(|&b| b == b'\n') {
            let piece = match pieces {
                Pieces::AsRead => cut(strip_cr(piece), self.max_line),
                Pieces::Stripped => piece,
            };
            let room = self.max_line.saturating_sub(joined.len());
            joined.extend_from_slice(&piece[..piece.len().min(room)]);
        }
        let encoded = has_encoded_newline(&joined);
        let parts = line::parse(&joined);
        self.analyse_lines(&joined, parts, lines, encoded, analyzer);
        self.scratch = joined;
    }

    fn analyse(&mut self, line: &[u8], parts: line::LineParts, encoded: bool, analyzer: &mut Analyzer) {
        self.analyse_lines(line, parts, 1, encoded, analyzer);
    }

    /// Analyses one logical line spanning `lines` physical lines.
    fn analyse_lines(&mut self, line: &[u8], parts: line::LineParts, lines: u32, encoded: bool, analyzer: &mut Analyzer) {
        let line_no = u32::try_from(self.next_line_no).unwrap_or(u32::MAX);
        self.next_line_no += u64::from(lines);
        self.lines += u64::from(lines);
        if !parts.has_prefix && !line.iter().all(|b| b.is_ascii_whitespace()) {
            self.unparsed_lines += 1;
        }
        if encoded && has_encoded_newline(parts.msg) {
            for piece in split_encoded(parts.msg) {
                let mut sub = parts;
                sub.msg = piece;
                analyzer.line(line_no, &sub);
            }
        } else {
            analyzer.line(line_no, &parts);
        }
    }
}

/// The end of the line starting at `start` (its `\n`, or the end of `body`), and whether it
/// holds an encoded newline: one SIMD search for the newline and the two rare bytes that start
/// an encoding, so no separate pass over the chunk is needed.
#[inline]
fn line_end(body: &[u8], start: usize) -> (usize, bool) {
    let mut i = start;
    let mut encoded = false;
    while let Some(k) = memchr::memchr3(b'\n', b'#', b'\\', &body[i..]) {
        let j = i + k;
        if body[j] == b'\n' {
            return (j, encoded);
        }
        let rest = &body[j..];
        encoded |= rest.starts_with(b"#012") || rest.starts_with(b"\\x0A") || rest.starts_with(b"\\x0a");
        i = j + 1;
    }
    (body.len(), encoded)
}

/// Newlines that a syslog daemon or a copy encoded: rsyslog's `#012`, and `\x0A`. One SIMD
/// pass for the two rare bytes that start them.
fn has_encoded_newline(bytes: &[u8]) -> bool {
    memchr::memchr2_iter(b'#', b'\\', bytes).any(|i| {
        let rest = &bytes[i..];
        rest.starts_with(b"#012") || rest.starts_with(b"\\x0A") || rest.starts_with(b"\\x0a")
    })
}

/// The pieces of a message between encoded newlines.
fn split_encoded(msg: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut piece_start = 0;
    let mut i = 0;
    while i < msg.len() {
        let rest = &msg[i..];
        if rest.starts_with(b"#012") || rest.starts_with(b"\\x0A") || rest.starts_with(b"\\x0a") {
            out.push(&msg[piece_start..i]);
            i += 4;
            piece_start = i;
        } else {
            i += 1;
        }
    }
    out.push(&msg[piece_start..]);
    out
}
