//! Turns a byte stream cut anywhere (inside a line, inside a UTF-8 sequence) into logical log
//! lines, with bounded memory, and hands each one to the [`Analyzer`].
//!
//! Complete lines are processed where they lie in the caller's chunk; only the unfinished last
//! line and the last complete line are copied (the last complete line waits for the next one,
//! because a line broken by a terminal wrap continues on a line without a prefix). A line longer
//! than [`MAX_LINE`] keeps its first `MAX_LINE` bytes. Whatever the chunking, every line is seen
//! with the same bytes and the same neighbour, so the report is the same as for the whole input.

use super::assemble::Analyzer;
use super::line;
use memchr::memmem;

/// Longest line kept, in bytes; the rest of a longer line is dropped (and counted).
pub const MAX_LINE: usize = 64 * 1024;
/// At most this many physical lines are joined into one (a line wrapped by a terminal).
const MAX_JOINED: u32 = 16;
/// A wrapped line fills the terminal: shorter lines are not considered wrapped.
const MIN_WRAPPED_LEN: usize = 64;

/// The streaming line splitter.
pub struct LineSplitter {
    /// The group of physical lines waiting for the line after them (bytes of each line, each
    /// followed by `\n`).
    deferred: Vec<u8>,
    deferred_lines: u32,
    /// Length of the last physical line of the deferred group (to judge a wrap).
    deferred_last_len: usize,
    deferred_first_has_prefix: bool,
    /// Over-long lines in the deferred group (already cut to `MAX_LINE`).
    deferred_truncated: u64,
    /// The unfinished last line.
    partial: Vec<u8>,
    partial_overflow: bool,
    /// Line number of the next physical line to be emitted (1-based).
    next_line_no: u64,
    pub lines: u64,
    pub unparsed_lines: u64,
    pub truncated_lines: u64,
    pub bytes: u64,
    scratch: Vec<u8>,
}

impl Default for LineSplitter {
    fn default() -> Self {
        LineSplitter {
            deferred: Vec::new(),
            deferred_lines: 0,
            deferred_last_len: 0,
            deferred_first_has_prefix: false,
            deferred_truncated: 0,
            partial: Vec::new(),
            partial_overflow: false,
            next_line_no: 1,
            lines: 0,
            unparsed_lines: 0,
            truncated_lines: 0,
            bytes: 0,
            scratch: Vec::new(),
        }
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Does `line` (whose own prefix parse said `has_prefix`) continue the previous physical line,
/// as a terminal wrap does? Only after a prefixed, long line, and only for a line that has no
/// prefix and does not look like the start of something else (indented traceback, banner,
/// quote, prompt).
fn continues(head_has_prefix: bool, previous_len: usize, line: &[u8], has_prefix: bool) -> bool {
    if !head_has_prefix || previous_len < MIN_WRAPPED_LEN || has_prefix {
        return false;
    }
    let Some(&first) = line.first() else { return false };
    !matches!(first, b' ' | b'\t' | b'*' | b'>' | b'[' | b'#' | b'$' | b'~' | b'=')
}

/// A line of the current chunk waiting for the next one (it may be continued by it).
struct Pending<'a> {
    start: usize,
    end: usize,
    lines: u32,
    head_has_prefix: bool,
    last_len: usize,
    parts: line::LineParts<'a>,
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
        let encoded = has_encoded_newline(body);
        let mut start = 0usize;
        let mut pending: Option<Pending> = None;
        for end in memchr::memchr_iter(b'\n', body).chain(std::iter::once(body.len())) {
            let line = strip_cr(&body[start..end]);
            let parts = line::parse(&line[..line.len().min(MAX_LINE)]);
            if self.deferred_lines > 0 {
                if self.deferred_lines < MAX_JOINED && continues(self.deferred_first_has_prefix, self.deferred_last_len, line, parts.has_prefix) {
                    self.append_deferred(line);
                    start = end + 1;
                    continue;
                }
                self.flush_deferred(analyzer);
            }
            match pending.as_mut() {
                Some(p) if p.lines < MAX_JOINED && continues(p.head_has_prefix, p.last_len, line, parts.has_prefix) => {
                    p.lines += 1;
                    p.end = end;
                    p.last_len = line.len();
                }
                _ => {
                    if let Some(p) = pending.take() {
                        self.emit_pending(body, p, encoded, analyzer);
                    }
                    pending = Some(Pending { start, end, lines: 1, head_has_prefix: parts.has_prefix, last_len: line.len(), parts });
                }
            }
            start = end + 1;
        }
        // The last group waits for the next chunk (its next line may continue it).
        if let Some(p) = pending {
            let group = &body[p.start..p.end];
            self.deferred.clear();
            self.deferred_truncated = 0;
            for piece in group.split(|&b| b == b'\n') {
                let piece = strip_cr(piece);
                if piece.len() > MAX_LINE {
                    self.deferred_truncated += 1;
                }
                self.deferred.extend_from_slice(&piece[..piece.len().min(MAX_LINE)]);
                self.deferred.push(b'\n');
                self.deferred_last_len = piece.len();
            }
            self.deferred_first_has_prefix = p.head_has_prefix;
            self.deferred_lines = p.lines;
        }
        self.append_partial(tail);
    }

    fn emit_pending(&mut self, body: &[u8], p: Pending, encoded: bool, analyzer: &mut Analyzer) {
        if p.lines == 1 {
            let line_no = self.next_line_no;
            self.next_line_no += 1;
            self.lines += 1;
            let raw = strip_cr(&body[p.start..p.end]);
            if raw.len() > MAX_LINE {
                self.truncated_lines += 1;
            }
            self.analyse(raw, p.parts, line_no, encoded, analyzer);
        } else {
            self.emit_group(&body[p.start..p.end], p.lines, encoded, analyzer);
        }
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
        if self.partial_overflow || line.len() > MAX_LINE {
            self.truncated_lines += 1;
        }
        self.partial_overflow = false;
        self.owned_line(&line[..line.len().min(MAX_LINE)], line.len(), analyzer);
    }

    fn append_partial(&mut self, bytes: &[u8]) {
        // One byte more than a line keeps, for a `\r` that may end it.
        let room = (MAX_LINE + 1).saturating_sub(self.partial.len());
        if bytes.len() > room {
            self.partial_overflow = true;
        }
        self.partial.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// A complete line that is not in a chunk (the completed partial line), already cut to
    /// `MAX_LINE`; `full_len` is its length before the cut.
    fn owned_line(&mut self, line: &[u8], full_len: usize, analyzer: &mut Analyzer) {
        let has_prefix = line::parse(line).has_prefix;
        if self.deferred_lines > 0 {
            if self.deferred_lines < MAX_JOINED && continues(self.deferred_first_has_prefix, self.deferred_last_len, line, has_prefix) {
                self.deferred.extend_from_slice(line);
                self.deferred.push(b'\n');
                self.deferred_lines += 1;
                self.deferred_last_len = full_len;
                return;
            }
            self.flush_deferred(analyzer);
        }
        self.deferred.clear();
        self.deferred.extend_from_slice(line);
        self.deferred.push(b'\n');
        self.deferred_lines = 1;
        self.deferred_last_len = full_len;
        self.deferred_first_has_prefix = has_prefix;
        self.deferred_truncated = 0;
    }

    fn append_deferred(&mut self, line: &[u8]) {
        self.deferred.extend_from_slice(&line[..line.len().min(MAX_LINE)]);
        self.deferred.push(b'\n');
        self.deferred_lines += 1;
        self.deferred_last_len = line.len();
        if line.len() > MAX_LINE {
            self.truncated_lines += 1;
        }
    }

    fn flush_deferred(&mut self, analyzer: &mut Analyzer) {
        if self.deferred_lines == 0 {
            return;
        }
        let group = std::mem::take(&mut self.deferred);
        let body = group.strip_suffix(b"\n").unwrap_or(&group);
        let encoded = has_encoded_newline(body);
        self.truncated_lines += self.deferred_truncated;
        self.deferred_truncated = 0;
        let lines = self.deferred_lines;
        self.deferred_lines = 0;
        self.emit_group(body, lines, encoded, analyzer);
        self.deferred = group;
        self.deferred.clear();
    }

    /// One logical line made of `lines` physical lines (joined without separator).
    fn emit_group(&mut self, group: &[u8], lines: u32, encoded: bool, analyzer: &mut Analyzer) {
        let line_no = self.next_line_no;
        self.next_line_no += u64::from(lines);
        self.lines += u64::from(lines);
        let mut joined = std::mem::take(&mut self.scratch);
        joined.clear();
        for piece in group.split(|&b| b == b'\n') {
            let piece = strip_cr(piece);
            if lines > 1 && piece.len() > MAX_LINE {
                self.truncated_lines += 1;
            }
            let room = MAX_LINE.saturating_sub(joined.len());
            joined.extend_from_slice(&piece[..piece.len().min(room)]);
        }
        if lines == 1 && strip_cr(group).len() > MAX_LINE {
            self.truncated_lines += 1;
        }
        let parts = line::parse(&joined);
        self.analyse(&joined, parts, line_no, encoded, analyzer);
        self.scratch = joined;
    }

    fn analyse(&mut self, line: &[u8], parts: line::LineParts, line_no: u64, encoded: bool, analyzer: &mut Analyzer) {
        let line_no = u32::try_from(line_no).unwrap_or(u32::MAX);
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
    let mut rest = msg;
    loop {
        let hash = memmem::find(rest, b"#012").map(|i| (i, 4));
        let hex = memmem::find(rest, b"\\x0A").or_else(|| memmem::find(rest, b"\\x0a")).map(|i| (i, 4));
        let next = match (hash, hex) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        match next {
            Some((i, len)) => {
                out.push(&rest[..i]);
                rest = &rest[i + len..];
            }
            None => {
                out.push(rest);
                return out;
            }
        }
    }
}
