//! The corpus's cases (tests/corpus/cases/<kind>/*.txt, the format of tests/corpus/README.md)
//! and the held-out rule of tests/corpus/score.mjs, shared by the tests that read the corpus as a
//! `#[path]` module.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

/// One case: its header's fields and its body, byte for byte.
pub struct Case {
    /// `<kind>/<name>.txt`.
    pub file: String,
    pub source: String,
    pub kind: String,
    pub category: String,
    /// The `context:` header as JSON text (empty when there is none).
    pub context: String,
    pub body: String,
}

impl Case {
    /// The options the scorer diagnoses the case with: its `context:` header as `options.context`.
    pub fn options(&self) -> xapi_doctor::Options {
        let json = if self.context.is_empty() { String::new() } else { format!("{{\"context\": {}}}", self.context) };
        xapi_doctor::Options::from_json(&json).expect("a case's context is valid options")
    }

    pub fn held_out(&self) -> bool {
        held_out(&self.source)
    }
}

/// Every case of tests/corpus/cases, in file order.
pub fn read_cases() -> Vec<Case> {
    cases(true)
}

/// The development cases: every case but the held-out ones, whose bodies are not read (their
/// header is, up to the `---` line, for the source URL the held-out rule hashes).
pub fn development_cases() -> Vec<Case> {
    cases(false)
}

fn cases(held_out_too: bool) -> Vec<Case> {
    use std::io::{BufRead, Read};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/cases");
    let mut paths = Vec::new();
    for kind in std::fs::read_dir(&dir).expect("tests/corpus/cases") {
        for file in std::fs::read_dir(kind.expect("a kind").path()).expect("a kind's directory") {
            let path = file.expect("a case").path();
            if path.extension().is_some_and(|e| e == "txt") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .iter()
        .filter_map(|path| {
            let mut reader = std::io::BufReader::new(std::fs::File::open(path).expect("a case file"));
            // The header ends at the first line that is exactly `---`.
            let mut header = BTreeMap::new();
            loop {
                let mut line = String::new();
                let n = reader.read_line(&mut line).expect("a case's header");
                assert!(n > 0, "{}: no '---' line", path.display());
                let line = line.trim_end_matches('\n').trim_end_matches('\r');
                if line == "---" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':') {
                    header.insert(k.trim().to_string(), v.trim().to_string());
                }
            }
            let field = |name: &str| header.get(name).cloned().unwrap_or_default();
            if !held_out_too && held_out(&field("source")) {
                return None;
            }
            let mut body = String::new();
            reader.read_to_string(&mut body).expect("a case's body");
            let file = path.strip_prefix(&dir).map_or_else(|_| path.display().to_string(), |p| p.display().to_string());
            Some(Case { file, source: field("source"), kind: field("kind"), category: field("category"), context: field("context"), body })
        })
        .collect()
}

/// The source URL the held-out rule hashes: without query or fragment, without trailing slashes.
pub fn thread(source: &str) -> &str {
    source.split(['#', '?']).next().unwrap_or(source).trim_end_matches('/')
}

/// The scorer's held-out rule: the thread's SHA-256 in bucket 4 of 5.
pub fn held_out(source: &str) -> bool {
    sha256(thread(source).as_bytes())[0] % 5 == 4
}

/// SHA-256 (FIPS 180-4), for the held-out rule: the test needs no crate for it.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
        0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
        0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
        0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
        0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
        0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];
    let mut h: [u32; 8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in message.chunks(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh.wrapping_add(s1).wrapping_add(ch).wrapping_add(K[i]).wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            (hh, g, f, e, d, c, b, a) = (g, f, e, d.wrapping_add(t1), c, b, a, t1.wrapping_add(t2));
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (i, x) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}
