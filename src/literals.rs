//! The one way the crate builds a multi-literal automaton (aho-corasick's contiguous NFA) and
//! walks it. Its builder is generic over the type of the list of literals: the signatures'
//! `Vec<String>`, the Xen Orchestra markers' `&[String]` and the SMlog markers' chained `&str`s
//! each compiled their own copy of the trie and NFA construction (~6 KB of WebAssembly each,
//! docs/size.md). Every caller passes byte slices through here instead, so the module carries it
//! once, and the one search loop below.
//!
//! The search steps the automaton byte by byte itself rather than through the crate's
//! overlapping iterator: the inputs are short (one error is ~60 bytes) and the iterator's setup
//! and per-byte bookkeeping cost more than the search. Case is folded on the fly: the literals
//! are stored in lower case and each byte is lowered as it is read, which is ASCII
//! case-insensitive matching with half the transitions in the automaton and no copy of the text.

use aho_corasick::automaton::Automaton as _;
use aho_corasick::nfa::contiguous::NFA;
use aho_corasick::{Anchored, MatchKind};

/// A multi-literal automaton: `fold_case` makes it ASCII case-insensitive.
#[derive(Clone)]
pub(crate) struct Literals {
    nfa: NFA,
    /// Each byte as the automaton reads it: lower-cased when case is folded, else itself (one
    /// table load rather than a test and a conversion per byte).
    fold: [u8; 256],
    /// The bytes of the text (before folding) some literal starts with: from the start state, any
    /// other byte leads back to it, so the search skips it without a transition.
    starts: [bool; 256],
    /// The same for the first two bytes (bit `b0 << 8 | b1`, folded; a one-byte literal sets
    /// every pair it starts): from the start state, a byte whose pair with the next begins no
    /// literal leads back to it after the next byte too, so it is skipped as well. Most bytes of a
    /// text begin a literal (the signatures' start with 40 different bytes), few begin one with
    /// the next.
    pairs: Box<[u64; 1024]>,
}

impl Literals {
    /// An automaton over `literals` reporting every match (`MatchKind::Standard`); `None` if it
    /// cannot be built (too many states).
    #[inline(never)]
    pub(crate) fn new(literals: &[&[u8]], fold_case: bool) -> Option<Literals> {
        let lowered: Vec<Vec<u8>>;
        let literals: Vec<&[u8]> = if fold_case {
            lowered = literals.iter().map(|l| l.to_ascii_lowercase()).collect();
            lowered.iter().map(Vec::as_slice).collect()
        } else {
            literals.to_vec()
        };
        let nfa = NFA::builder().match_kind(MatchKind::Standard).build(&literals).ok()?;
        let mut starts = [false; 256];
        let mut pairs = Box::new([0u64; 1024]);
        for literal in &literals {
            match *literal {
                [first, second, ..] => {
                    starts[usize::from(*first)] = true;
                    let pair = usize::from(*first) << 8 | usize::from(*second);
                    pairs[pair >> 6] |= 1 << (pair & 63);
                }
                [first] => {
                    starts[usize::from(*first)] = true;
                    let at = usize::from(*first) << 2;
                    pairs[at..at + 4].fill(u64::MAX);
                }
                // An empty literal matches everywhere: no byte may be skipped.
                [] => {
                    starts = [true; 256];
                    pairs.fill(u64::MAX);
                }
            }
        }
        let fold: [u8; 256] = std::array::from_fn(|b| {
            let b = b as u8;
            if fold_case { b.to_ascii_lowercase() } else { b }
        });
        let starts = std::array::from_fn(|b| starts[usize::from(fold[b])]);
        Some(Literals { nfa, fold, starts, pairs })
    }

    /// Calls `found(literal, start)` for every occurrence of every literal in `haystack`,
    /// overlapping ones included, in the order they end (as aho-corasick's overlapping search
    /// reports them); stops when `found` returns false.
    #[inline(never)]
    pub(crate) fn each_match(&self, haystack: &[u8], found: &mut dyn FnMut(u32, usize) -> bool) {
        let nfa = &self.nfa;
        let Ok(start) = nfa.start_state(Anchored::No) else { return };
        let fold = |b: u8| self.fold[usize::from(b)];
        let mut state = start;
        let mut at = 0;
        while at < haystack.len() {
            if state == start {
                // In the start state most bytes begin no literal: skip them in a tight loop.
                let Some(skip) = haystack[at..].iter().position(|&b| self.starts[usize::from(b)]) else { return };
                at += skip;
                if let Some(&next) = haystack.get(at + 1) {
                    let pair = usize::from(fold(haystack[at])) << 8 | usize::from(fold(next));
                    if self.pairs[pair >> 6] & (1 << (pair & 63)) == 0 {
                        at += 1;
                        continue;
                    }
                }
            }
            state = nfa.next_state(Anchored::No, state, fold(haystack[at]));
            at += 1;
            if !nfa.is_special(state) {
                continue;
            }
            if nfa.is_dead(state) {
                return;
            }
            for i in 0..nfa.match_len(state) {
                let literal = nfa.match_pattern(state, i);
                let start = at.saturating_sub(nfa.pattern_len(literal));
                if !found(literal.as_u32(), start) {
                    return;
                }
            }
        }
    }

    /// Whether `haystack` contains any of the literals.
    pub(crate) fn is_match(&self, haystack: &[u8]) -> bool {
        let mut any = false;
        self.each_match(haystack, &mut |_, _| {
            any = true;
            false
        });
        any
    }
}
