//! The one way the crate finds many literals at once (the signatures', the Xen Orchestra
//! markers', the SMlog markers'): an Aho-Corasick automaton built here as a DFA table, walked
//! one table load per byte. Until the `perf5` branch it was aho-corasick's contiguous NFA,
//! stepped by hand; its transition lists and failure links were 15-20 % of a one-line error's
//! instructions (bench/README.md).
//!
//! The search steps the automaton byte by byte rather than through an iterator: the inputs
//! are short (one error is ~60 bytes). Case is folded on the fly: the literals are stored in
//! lower case and each byte is lowered (and given its class) as it is read, which is ASCII
//! case-insensitive matching with half the classes and no copy of the text.

/// A multi-literal automaton: `fold_case` makes it ASCII case-insensitive.
#[derive(Clone)]
pub(crate) struct Literals {
    /// The automaton.
    dense: Dense,
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

/// The automaton as a DFA: one table load per byte instead of the NFA's transition lists and
/// failure links (the three walks of a one-line error, signatures, Xen Orchestra markers and
/// SMlog markers, were 15–20 % of its instructions, mostly inside the NFA's `next_state`).
/// States are numbered with the matching ones last, so a match is one comparison.
#[derive(Clone)]
struct Dense {
    /// The class of each byte of the text (case folded first when it is): the distinct bytes of
    /// the literals are a class each, every other byte (which only ever leads back to the start
    /// state) class 0.
    class: [u8; 256],
    /// Classes per state (the length of a state's row).
    stride: usize,
    /// `trans[state * stride + class]`: the next state. The start state is 0. (`u16`: the
    /// signatures' 24,000 states in 3 MB rather than 6.)
    trans: Box<[u16]>,
    /// States from this one on are matching.
    first_match: u16,
    /// The literals each matching state reports (by `state - first_match`): those of the
    /// `i`-th are `match_ids[match_ends[i - 1]..match_ends[i]]`.
    match_ends: Box<[u32]>,
    match_ids: Box<[u32]>,
    /// Each literal's length in bytes.
    lengths: Box<[usize]>,
}

/// The most states a [`Dense`] may have (its states are `u16`, `u16::MAX` is [`NONE`] while it
/// is built; the signatures have ~24,000):
/// over it `Literals::new` gives `None`, and `tests/signatures.rs` fails.
const DENSE_MAX_STATES: usize = u16::MAX as usize;

/// A state with no transition yet while the trie is built.
const NONE: u16 = u16::MAX;

impl Dense {
    /// The Aho-Corasick DFA of `literals` (already folded), built as the textbook does: a trie
    /// whose missing transitions are filled from each state's failure state, breadth first. A
    /// state's matches are its own literals (by number) and then its failure state's, the order
    /// in which aho-corasick reports them. `None` for an empty literal or more than
    /// [`DENSE_MAX_STATES`] states.
    fn new(literals: &[&[u8]], fold: &[u8; 256]) -> Option<Dense> {
        // Classes: 0 for bytes in no literal, then one per distinct literal byte.
        let mut class_of_folded = [0u8; 256];
        let mut classes = 1usize;
        for &b in literals.iter().flat_map(|l| l.iter()) {
            if class_of_folded[usize::from(b)] == 0 {
                class_of_folded[usize::from(b)] = u8::try_from(classes).ok()?;
                classes += 1;
            }
        }
        let stride = classes;
        // The trie, one row of `stride` transitions per state (`NONE`: none yet); it becomes the
        // table itself (`u16`: the WebAssembly memory keeps its peak size).
        let mut goto: Vec<u16> = vec![NONE; stride];
        // Room for every state at once (at most one per literal byte, and the start): grown by
        // doubling, each larger copy was a new block, and the memory kept them all.
        let bound = literals.iter().map(|l| l.len()).sum::<usize>().min(DENSE_MAX_STATES) + 1;
        goto.reserve_exact(bound.saturating_mul(stride).saturating_sub(stride));
        let mut own: Vec<Vec<u32>> = vec![Vec::new()];
        for (id, literal) in literals.iter().enumerate() {
            if literal.is_empty() {
                return None;
            }
            let mut s = 0usize;
            for &b in literal.iter() {
                let at = s * stride + usize::from(class_of_folded[usize::from(b)]);
                if goto[at] == NONE {
                    let n = own.len();
                    if n + 1 > DENSE_MAX_STATES {
                        return None;
                    }
                    goto[at] = u16::try_from(n).ok()?;
                    goto.resize((n + 1) * stride, NONE);
                    own.push(Vec::new());
                }
                s = usize::from(goto[at]);
            }
            own[s].push(u32::try_from(id).ok()?);
        }
        // Failure states, breadth first; the missing transitions from the failure state's row
        // (complete by then: it is nearer the start). Rows are copied and zipped rather than
        // indexed: this runs for every entry of the table, on the first call.
        let states = own.len();
        let mut fail = vec![0usize; states];
        let mut queue: Vec<usize> = Vec::with_capacity(states);
        for slot in &mut goto[..stride] {
            match *slot {
                NONE => *slot = 0,
                t => queue.push(usize::from(t)),
            }
        }
        let mut fail_row = [0u16; 256];
        let mut i = 0;
        while let Some(&s) = queue.get(i) {
            i += 1;
            let f = fail[s];
            fail_row.get_mut(..stride)?.copy_from_slice(goto.get(f * stride..(f + 1) * stride)?);
            for (slot, &from_fail) in goto.get_mut(s * stride..(s + 1) * stride)?.iter_mut().zip(&fail_row) {
                if *slot == NONE {
                    *slot = from_fail;
                } else {
                    let t = usize::from(*slot);
                    *fail.get_mut(t)? = usize::from(from_fail);
                    queue.push(t);
                }
            }
        }
        // A state's matches: its own, then its failure state's (complete before: breadth first).
        let mut matches: Vec<Vec<u32>> = vec![Vec::new(); states];
        for &t in &queue {
            let mut m = std::mem::take(&mut own[t]);
            m.extend_from_slice(matches.get(fail[t])?);
            matches[t] = m;
        }
        // Renumbered: non-matching states first (the start stays 0), then the matching ones.
        let mut order: Vec<usize> = (0..states).filter(|&s| matches[s].is_empty()).collect();
        let first_match = order.len();
        order.extend((0..states).filter(|&s| !matches[s].is_empty()));
        if order.first() != Some(&0) {
            return None;
        }
        let mut new_of = vec![0u16; states];
        for (new, &old) in order.iter().enumerate() {
            new_of[old] = u16::try_from(new).ok()?;
        }
        // The trie becomes the table in place: a second table would be another 3 MB, which the
        // WebAssembly memory keeps once grown. Every transition is renumbered, then every row
        // moved to its new number, one cycle of the permutation at a time.
        for slot in goto.iter_mut() {
            *slot = new_of.get(usize::from(*slot)).copied()?;
        }
        let mut moved = vec![false; states];
        let (mut carried, mut displaced) = (vec![0u16; stride], vec![0u16; stride]);
        for first in 0..states {
            if moved[first] {
                continue;
            }
            carried.copy_from_slice(goto.get(first * stride..(first + 1) * stride)?);
            // Row `old` (carried) goes where row `to` still is; row `to` is carried on next.
            let mut old = first;
            while !moved[old] {
                let to = usize::from(new_of[old]);
                let row = goto.get_mut(to * stride..(to + 1) * stride)?;
                displaced.copy_from_slice(row);
                row.copy_from_slice(&carried);
                moved[old] = true;
                std::mem::swap(&mut carried, &mut displaced);
                old = to;
            }
        }
        let trans = goto;
        let mut match_ends = Vec::with_capacity(states - first_match);
        let mut match_ids = Vec::new();
        for &s in &order[first_match..] {
            match_ids.extend_from_slice(&matches[s]);
            match_ends.push(u32::try_from(match_ids.len()).ok()?);
        }
        Some(Dense {
            class: std::array::from_fn(|b| class_of_folded[usize::from(fold[b])]),
            stride,
            trans: trans.into_boxed_slice(),
            first_match: u16::try_from(first_match).ok()?,
            match_ends: match_ends.into_boxed_slice(),
            match_ids: match_ids.into_boxed_slice(),
            lengths: literals.iter().map(|l| l.len()).collect(),
        })
    }

    /// Hands the literals of the matching `state`, reached with the byte before `at`, to
    /// `found`; false when it says stop. Out of line: inlined, its registers pushed the walk's
    /// own (the state, the table, the text) onto the stack, and every byte paid for the loads
    /// (bench/README.md, perf11); a match is rare, a byte is every byte.
    #[inline(never)]
    fn report(&self, state: u16, at: usize, found: &mut dyn FnMut(u32, usize) -> bool) -> bool {
        let i = usize::from(state - self.first_match);
        let from = if i == 0 { 0 } else { self.match_ends.get(i - 1).map_or(0, |&e| e as usize) };
        let to = self.match_ends.get(i).map_or(from, |&e| e as usize);
        for &literal in self.match_ids.get(from..to).unwrap_or(&[]) {
            let start = at.saturating_sub(self.lengths.get(literal as usize).copied().unwrap_or(0));
            if !found(literal, start) {
                return false;
            }
        }
        true
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
        let dense = Dense::new(&literals, &fold)?;
        Some(Literals { fold, starts, pairs, dense })
    }

    /// Calls `found(literal, start)` for every occurrence of every literal in `haystack`,
    /// overlapping ones included, in the order they end (as aho-corasick's overlapping search
    /// reports them); stops when `found` returns false.
    #[inline(never)]
    pub(crate) fn each_match(&self, haystack: &[u8], found: &mut dyn FnMut(u32, usize) -> bool) {
        self.each_match_dense(&self.dense, haystack, found);
    }

    /// [`Literals::each_match`] through the [`Dense`] table: the same states, so the same
    /// matches in the same order.
    fn each_match_dense(&self, dense: &Dense, haystack: &[u8], found: &mut dyn FnMut(u32, usize) -> bool) {
        let mut state = 0u16;
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
            // Out of the start state: step byte after byte until it is back there.
            loop {
                let Some(&b) = haystack.get(at) else { return };
                let Some(&next) = dense.trans.get(usize::from(state) * dense.stride + usize::from(dense.class[usize::from(b)])) else { return };
                state = next;
                at += 1;
                if state >= dense.first_match && !dense.report(state, at, found) {
                    return;
                }
                if state == 0 {
                    break;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every match, in order, of the walk `l` uses.
    fn all(l: &Literals, text: &[u8]) -> Vec<(u32, usize)> {
        let mut out = Vec::new();
        l.each_match(text, &mut |lit, start| {
            out.push((lit, start));
            true
        });
        out
    }

    /// The table reports what aho-corasick's overlapping search reports (the crate is a
    /// dev-dependency for this test only), in the same order: overlapping literals, suffixes of
    /// others, duplicates, case folded or not, bytes in no literal, non-ASCII.
    #[test]
    fn the_table_finds_what_aho_corasick_finds() {
        use aho_corasick::{AhoCorasick, MatchKind};
        let literals: [&[u8]; 10] = [b"he", b"she", b"his", b"hers", b"she", b"e", b"Sm.", b"exit code", b"xit", b"\xc3\xa9t\xc3\xa9"];
        let texts: [&[u8]; 6] = [
            b"ushers SHE said: HIS hers", b"", b"exit code 32: mount; Sm.foo", b"eeeee", b"l'\xc3\xa9t\xc3\xa9 \xc3\x89T\xc3\x89", b"\x00\xff she",
        ];
        for fold_case in [true, false] {
            let Some(table) = Literals::new(&literals, fold_case) else { panic!("no automaton") };
            let fold = |b: &[u8]| if fold_case { b.to_ascii_lowercase() } else { b.to_vec() };
            let folded: Vec<Vec<u8>> = literals.iter().map(|l| fold(l)).collect();
            let Ok(ac) = AhoCorasick::builder().match_kind(MatchKind::Standard).build(&folded) else { panic!("no NFA") };
            for text in texts {
                let expected: Vec<(u32, usize)> =
                    ac.find_overlapping_iter(&fold(text)).map(|m| (m.pattern().as_u32(), m.start())).collect();
                assert_eq!(all(&table, text), expected, "{:?}", String::from_utf8_lossy(text));
            }
        }
        assert!(Literals::new(&[b"a", b""], true).is_none(), "an empty literal");
    }
}
