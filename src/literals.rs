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
    /// The same automaton as a table of every transition, for small sets of literals (see
    /// [`Dense`]); `None` for the signatures' thousand literals.
    dense: Option<Dense>,
}

/// A small automaton as a DFA: one table load per byte instead of the NFA's transition list
/// and failure links (the Xen Orchestra and SMlog markers' walks were ~10 % of a one-line
/// error's instructions, mostly inside the NFA's `next_state`). States are numbered with the
/// matching ones last, so a match is one comparison; the NFA still answers what matched.
#[derive(Clone)]
struct Dense {
    /// The class of each byte of the text (case folded first when it is): the distinct bytes of
    /// the literals are a class each, every other byte (which only ever leads back to the start
    /// state) class 0.
    class: [u8; 256],
    /// Classes per state: a state's number is its row's offset (`index * stride`).
    stride: usize,
    /// `trans[state + class]`: the next state, as a row offset. The start state is 0.
    trans: Box<[u32]>,
    /// States at or past this offset are matching.
    first_match: u32,
    /// The NFA state of each matching state (by `offset / stride - first_match / stride`).
    matches: Box<[aho_corasick::automaton::StateID]>,
}

/// The most literal bytes an automaton made [`Dense`] may have (its states are at most that
/// plus one): the markers' ~700–900, not the signatures' thousands.
const DENSE_MAX_BYTES: usize = 2048;

impl Dense {
    /// The DFA of `nfa` (built from `literals`, already folded), by a walk of its states.
    fn new(nfa: &NFA, literals: &[&[u8]], fold: &[u8; 256]) -> Option<Dense> {
        use aho_corasick::automaton::StateID;
        if literals.iter().map(|l| l.len()).sum::<usize>() > DENSE_MAX_BYTES {
            return None;
        }
        // Classes: 0 for bytes in no literal, then one per distinct literal byte.
        let mut class_of_folded = [0u8; 256];
        let mut representative: Vec<u8> = Vec::new();
        for &b in literals.iter().flat_map(|l| l.iter()) {
            if class_of_folded[usize::from(b)] == 0 {
                representative.push(b);
                class_of_folded[usize::from(b)] = u8::try_from(representative.len()).ok()?;
            }
        }
        let other = (0..=255u8).find(|&b| class_of_folded[usize::from(b)] == 0)?;
        representative.insert(0, other);
        let stride = representative.len();
        // Every state reachable from the start, in the order first reached, with its row.
        let start = nfa.start_state(Anchored::No).ok()?;
        if nfa.is_match(start) {
            return None;
        }
        let mut states: Vec<StateID> = vec![start];
        // (A state's id is its offset in the NFA's memory: a vector by id, no hash map.)
        let mut index: Vec<usize> = vec![usize::MAX; nfa.memory_usage() / 4 + 1];
        *index.get_mut(start.as_usize())? = 0;
        let mut rows: Vec<usize> = Vec::new();
        let mut i = 0;
        while let Some(&s) = states.get(i) {
            for &b in &representative {
                let next = nfa.next_state(Anchored::No, s, b);
                let n = states.len();
                let slot = index.get_mut(next.as_usize())?;
                if *slot == usize::MAX {
                    *slot = n;
                }
                let id = *slot;
                if id == n {
                    states.push(next);
                    if states.len() > DENSE_MAX_BYTES + 1 {
                        return None;
                    }
                }
                rows.push(id);
            }
            i += 1;
        }
        // Renumbered: non-matching states first (the start stays 0), then the matching ones.
        let mut order: Vec<usize> = (0..states.len()).filter(|&s| !nfa.is_match(states[s])).collect();
        let first_match = order.len();
        order.extend((0..states.len()).filter(|&s| nfa.is_match(states[s])));
        let mut new_of = vec![0usize; states.len()];
        for (new, &old) in order.iter().enumerate() {
            new_of[old] = new;
        }
        let offset = |s: usize| u32::try_from(new_of[s] * stride).ok();
        let mut trans = vec![0u32; states.len() * stride];
        for (old, row) in rows.chunks(stride).enumerate() {
            let at = new_of[old] * stride;
            for (c, &next) in row.iter().enumerate() {
                trans[at + c] = offset(next)?;
            }
        }
        let class = std::array::from_fn(|b| class_of_folded[usize::from(fold[b])]);
        Some(Dense {
            class,
            stride,
            trans: trans.into_boxed_slice(),
            first_match: u32::try_from(first_match * stride).ok()?,
            matches: order[first_match..].iter().map(|&s| states[s]).collect(),
        })
    }
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
        let dense = Dense::new(&nfa, &literals, &fold);
        Some(Literals { nfa, fold, starts, pairs, dense })
    }

    /// Calls `found(literal, start)` for every occurrence of every literal in `haystack`,
    /// overlapping ones included, in the order they end (as aho-corasick's overlapping search
    /// reports them); stops when `found` returns false.
    #[inline(never)]
    pub(crate) fn each_match(&self, haystack: &[u8], found: &mut dyn FnMut(u32, usize) -> bool) {
        if let Some(dense) = &self.dense {
            return self.each_match_dense(dense, haystack, found);
        }
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

    /// [`Literals::each_match`] through the [`Dense`] table: the same states, so the same
    /// matches in the same order.
    fn each_match_dense(&self, dense: &Dense, haystack: &[u8], found: &mut dyn FnMut(u32, usize) -> bool) {
        let nfa = &self.nfa;
        let mut state = 0u32;
        let mut at = 0;
        while at < haystack.len() {
            if state == 0 {
                // The start state's skips, as in `each_match`.
                let Some(skip) = haystack[at..].iter().position(|&b| self.starts[usize::from(b)]) else { return };
                at += skip;
                if let Some(&next) = haystack.get(at + 1) {
                    let pair = usize::from(self.fold[usize::from(haystack[at])]) << 8 | usize::from(self.fold[usize::from(next)]);
                    if self.pairs[pair >> 6] & (1 << (pair & 63)) == 0 {
                        at += 1;
                        continue;
                    }
                }
            }
            let Some(&next) = dense.trans.get(state as usize + usize::from(dense.class[usize::from(haystack[at])])) else { return };
            state = next;
            at += 1;
            if state < dense.first_match {
                continue;
            }
            let Some(&s) = dense.matches.get((state - dense.first_match) as usize / dense.stride) else { return };
            for i in 0..nfa.match_len(s) {
                let literal = nfa.match_pattern(s, i);
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
