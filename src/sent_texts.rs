//! Texts a result shares with earlier results, sent to JavaScript once (issue 13, item 4).
//!
//! A finding's title, cause, remediation and links are mostly the rule's own words, the same on
//! every call: for one XAPI error they are ~2.8 KB of the ~3.6 KB result, and escaping them into
//! JSON and parsing them back in JavaScript was a third of `diagnose()`. The boundary keeps one
//! [`SentTexts`] per WebAssembly instance and the JavaScript wrapper the matching array: a text
//! already sent goes out as DEL (`"\u{7f}"`, which JSON does not escape) followed by its index in
//! that array; a new one goes out once, in the list of added texts, and then as its index too.
//! A text of those fields that starts with DEL itself and is not in the table is sent with one
//! more DEL in front.
//! The wrapper puts every text back, so callers see the same `Diagnosis` as before.
//!
//! The table holds at most [`MAX_TEXTS`] texts and [`MAX_BYTES`] bytes (texts with a context's
//! uuids filled in differ from call to call): past that it starts again empty, and the result
//! says so, so that the wrapper empties its array too.

use std::collections::BTreeMap;

use crate::model::Finding;

/// Shorter texts are sent as they are (an index would save little).
pub const MIN_LEN: usize = 24;
/// At most this many texts in the table…
pub const MAX_TEXTS: usize = 4096;
/// …and this many bytes of text.
pub const MAX_BYTES: usize = 1 << 20;

const MARK: char = '\u{7f}';

/// The texts sent so far, in the order of the JavaScript array, found by a hash of their bytes.
/// Two texts with the same hash: the second is sent as it is (no chains to walk, whatever the
/// input). Hashing and comparing go a word at a time: in WebAssembly `memcmp` and `str`'s
/// comparisons go byte by byte, and looking the texts up in an ordered map cost more than
/// the escaping it saved.
#[derive(Debug, Default)]
pub struct SentTexts {
    index: BTreeMap<u64, usize>,
    texts: Vec<String>,
    bytes: usize,
    /// Set when the table was emptied and the wrapper has not been told yet.
    reset_pending: bool,
}

/// What one result adds to the wrapper's array.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Added {
    /// Empty the array first.
    pub reset: bool,
    /// Push these texts, in order.
    pub texts: Vec<String>,
}

impl SentTexts {
    /// Replaces the shared texts of `findings` by their index, adding the new ones to the table.
    pub fn replace_in(&mut self, findings: &mut [Finding]) -> Added {
        if self.texts.len() >= MAX_TEXTS || self.bytes >= MAX_BYTES {
            self.clear();
        }
        let mut added = Added { reset: std::mem::take(&mut self.reset_pending), texts: Vec::new() };
        for f in findings {
            self.replace(&mut f.title, &mut added.texts);
            self.replace(&mut f.cause, &mut added.texts);
            for step in &mut f.remediation {
                self.replace(&mut step.text, &mut added.texts);
                if let Some(command) = &mut step.command {
                    self.replace(command, &mut added.texts);
                }
            }
            for link in &mut f.links {
                self.replace(&mut link.title, &mut added.texts);
                self.replace(&mut link.url, &mut added.texts);
            }
        }
        added
    }

    /// Forgets everything, e.g. when a result that added texts could not be sent: the next
    /// result tells the wrapper to empty its array.
    pub fn clear(&mut self) {
        self.index.clear();
        self.texts.clear();
        self.bytes = 0;
        self.reset_pending = true;
    }

    fn replace(&mut self, text: &mut String, added: &mut Vec<String>) {
        if text.len() < MIN_LEN {
            if text.starts_with(MARK) {
                text.insert(0, MARK);
            }
            return;
        }
        let hash = hash(text.as_bytes());
        let n = match self.index.get(&hash) {
            Some(&n) if same(self.texts[n].as_bytes(), text.as_bytes()) => n,
            Some(_) => {
                if text.starts_with(MARK) {
                    text.insert(0, MARK);
                }
                return;
            }
            None => {
                let n = self.texts.len();
                self.bytes += text.len();
                self.index.insert(hash, n);
                added.push(text.clone());
                self.texts.push(std::mem::take(text));
                n
            }
        };
        *text = reference(n);
    }
}

/// FxHash (rustc's) over 8-byte words, the length mixed in last.
fn hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = 0u64;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    for &b in words.remainder() {
        h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
    }
    (h.rotate_left(5) ^ bytes.len() as u64).wrapping_mul(K)
}

/// `a == b`, 8 bytes at a time.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    for (p, q) in (&mut x).zip(&mut y) {
        if u64::from_le_bytes([p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]]) != u64::from_le_bytes([q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7]]) {
            return false;
        }
    }
    x.remainder().iter().zip(y.remainder()).all(|(p, q)| p == q)
}

/// DEL and the decimal index.
fn reference(mut n: usize) -> String {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut s = String::with_capacity(1 + digits.len() - i);
    s.push(MARK);
    s.extend(digits[i..].iter().map(|&d| d as char));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the JavaScript wrapper does (`sharedText` in pkg/node.cjs and pkg/web.js).
    fn put_back(table: &[String], s: &str) -> String {
        match s.strip_prefix(MARK) {
            Some(rest) if rest.starts_with(MARK) => rest.to_string(),
            Some(rest) => table[rest.parse::<usize>().unwrap()].clone(),
            None => s.to_string(),
        }
    }

    fn finding(cause: &str, command: Option<&str>) -> Finding {
        let mut f = crate::diagnose_text("SR_BACKEND_FAILURE_44(, There is insufficient space, )", &Default::default())
            .unwrap()
            .findings
            .remove(0);
        f.cause = cause.to_string();
        f.remediation[0].command = command.map(str::to_string);
        f
    }

    fn round_trip(sent: &mut SentTexts, table: &mut Vec<String>, f: &Finding) {
        let mut out = vec![f.clone()];
        let added = sent.replace_in(&mut out);
        if added.reset {
            table.clear();
        }
        table.extend(added.texts);
        let g = &mut out[0];
        g.title = put_back(table, &g.title);
        g.cause = put_back(table, &g.cause);
        for s in &mut g.remediation {
            s.text = put_back(table, &s.text);
            s.command = s.command.as_deref().map(|c| put_back(table, c));
        }
        for l in &mut g.links {
            l.title = put_back(table, &l.title);
            l.url = put_back(table, &l.url);
        }
        assert_eq!(*g, *f);
    }

    #[test]
    fn texts_come_back_as_they_were() {
        let (mut sent, mut table) = (SentTexts::default(), Vec::new());
        let long = "a cause long enough to be shared between results";
        for f in [
            finding(long, None),
            finding(long, Some("xe sr-scan uuid=<sr-uuid> and more")),
            finding("\u{7f}7", None),
            finding("\u{7f}\u{7f}x", Some("\u{7f}0")),
            finding(&format!("\u{7f}{long}"), None),
            finding("", None),
        ] {
            round_trip(&mut sent, &mut table, &f);
            round_trip(&mut sent, &mut table, &f);
        }
    }

    #[test]
    fn a_second_result_sends_nothing_new() {
        let mut sent = SentTexts::default();
        let f = finding("a cause long enough to be shared between results", None);
        assert!(!sent.replace_in(&mut [f.clone()]).texts.is_empty());
        assert_eq!(sent.replace_in(&mut [f]), Added { reset: false, texts: Vec::new() });
    }

    #[test]
    fn a_full_table_starts_again() {
        let (mut sent, mut table) = (SentTexts::default(), Vec::new());
        for i in 0..MAX_TEXTS + 10 {
            round_trip(&mut sent, &mut table, &finding(&format!("cause number {i} of many distinct causes"), None));
        }
        assert!(table.len() < MAX_TEXTS);
        assert!(sent.texts.len() <= MAX_TEXTS);
    }

    #[test]
    fn references() {
        assert_eq!(reference(0), "\u{7f}0");
        assert_eq!(reference(4095), "\u{7f}4095");
        assert!(same(b"0123456789abcdefX", b"0123456789abcdefX") && !same(b"0123456789abcdefX", b"0123456789abcdefY"));
        assert!(!same(b"01234567", b"01234568") && !same(b"ab", b"abc"));
    }
}
