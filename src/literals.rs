//! The one way the crate finds many literals at once (the signatures', the Xen Orchestra
//! markers', the SMlog markers'): an Aho-Corasick automaton built here as a DFA table, walked
//! one table load per byte. Until the `perf5` branch it was aho-corasick's contiguous NFA,
//! stepped by hand; its transition lists and failure links were 15-20 % of a one-line error's
//! instructions (bench/README.md).
//!
//! A long literal goes in the automaton by its first bytes only, and the rest is compared where
//! those end (see [`Verify`]): the table stays small enough to build on the first call.
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
    /// What each pattern of the automaton stands for (see [`Verify`]).
    verify: Verify,
}

/// Long literals are put in the automaton by their first [`PREFIX`] bytes only, and the rest is
/// compared where such a prefix ends. The automaton's states number about one per distinct
/// literal byte: the signatures' 3,000 literals (86 KB) made 59,000 states of 69 classes, an 8 MB
/// table built on the first call (60 ms in WebAssembly) and close to the 65,535 states a `u16`
/// can number; their patterns make 12,000. A pattern (a literal's first bytes, or a whole short
/// literal) stands for the literals that begin with it.
#[derive(Clone)]
struct Verify {
    /// The members of the `i`-th pattern are `members[ends[i - 1]..ends[i]]`, in input order.
    ends: Box<[u32]>,
    members: Box<[Member]>,
    /// The rests of the long literals (folded when case is), one after the other.
    rests: Box<[u8]>,
}

/// A literal a pattern stands for, and the bytes of it that must follow the pattern
/// (`rests[rest_from..rest_to]`, empty when the pattern is the whole literal).
#[derive(Clone, Copy)]
struct Member {
    literal: u32,
    rest_from: u32,
    rest_to: u32,
}

/// How many bytes of a long literal the automaton holds (the rest is compared, see [`Verify`]).
/// Ten bytes keep spurious prefix hits rare (few texts share ten bytes with a literal and then
/// differ) for a fifth of the states.
const PREFIX: usize = 10;

/// A pattern is made longer than [`PREFIX`] until at most this many literals begin with it.
const MAX_SHARING_A_PATTERN: usize = 4;

/// Sets of literals up to this many bytes in all go in the automaton whole: their tables are
/// small, and the SMlog markers are looked for on every line of a log.
const WHOLE_UP_TO_BYTES: usize = 4096;

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
    /// signatures' 12,000 states of 69 classes in 1.6 MB rather than 3.2.)
    trans: Box<[u16]>,
    /// States from this one on are matching.
    first_match: u16,
    /// The literals each matching state reports (by `state - first_match`): those of the
    /// `i`-th are `match_ids[match_ends[i - 1]..match_ends[i]]`.
    match_ends: Box<[u32]>,
    match_ids: Box<[u32]>,
    /// Each pattern's length in bytes.
    lengths: Box<[usize]>,
}

/// The most states a [`Dense`] may have (its states are `u16`; the signatures' patterns make
/// ~12,000): over it `Literals::new` gives `None`, and `tests/signatures.rs` fails.
const DENSE_MAX_STATES: usize = u16::MAX as usize + 1;

/// No node, while the trie is built.
const NO_NODE: u32 = u32::MAX;

impl Dense {
    /// The Aho-Corasick DFA of `literals` (already folded). A state's matches are its own literals
    /// (by number) and then its failure state's, the order in which aho-corasick reports them.
    /// `None` for an empty literal or more than [`DENSE_MAX_STATES`] states.
    ///
    /// Built in one breadth-first pass over the trie, each state given its final number when it
    /// is reached (non-matching ones counting up from the start's 0, matching ones down from the
    /// last), its row a copy of its failure state's (complete by then: it is nearer the start)
    /// with its own transitions written over. It runs on the first call of a process, in
    /// WebAssembly's baseline tier: one copy per row is the least it can write.
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

        // The trie: each node's children as a list (first child, next sibling), so that it costs
        // a few words a node rather than a row. (The indexing below cannot go out of bounds: a
        // node number is below the length of the four node vectors, pushed together when the node
        // is made; a class is below `stride`; a row starts at a state number times `stride`, and
        // `trans` has `states * stride` entries.)
        let mut first_child: Vec<u32> = vec![NO_NODE];
        let mut next_sibling: Vec<u32> = vec![NO_NODE];
        let mut class_in: Vec<u8> = vec![0];
        let mut own: Vec<u32> = vec![NO_NODE];
        for (id, literal) in literals.iter().enumerate() {
            if literal.is_empty() {
                return None;
            }
            let mut node = 0usize;
            for &b in literal.iter() {
                let class = class_of_folded[usize::from(b)];
                let mut child = first_child[node];
                while child != NO_NODE && class_in[child as usize] != class {
                    child = next_sibling[child as usize];
                }
                if child == NO_NODE {
                    child = u32::try_from(first_child.len()).ok()?;
                    next_sibling.push(first_child[node]);
                    first_child[node] = child;
                    first_child.push(NO_NODE);
                    class_in.push(class);
                    own.push(NO_NODE);
                }
                node = child as usize;
            }
            // Distinct literals end at distinct nodes; a repeated one keeps its first number.
            if own[node] == NO_NODE {
                own[node] = u32::try_from(id).ok()?;
            }
        }
        let states = first_child.len();
        if states > DENSE_MAX_STATES {
            return None;
        }

        let mut trans = vec![0u16; states * stride];
        let mut number = vec![0u16; states];
        let mut fail = vec![0u16; states];
        let mut matching = vec![false; states];
        // By state number, for the matching states: the literal ending there (if any) and the
        // failure state. A state reports its own literal and then all its failure state's (when
        // that one matches): walked at the end instead of a list kept per state (a few thousand
        // small allocations on the first call).
        let mut own_by_number = vec![NO_NODE; states];
        let mut fail_by_number = vec![0u16; states];
        let (mut next_low, mut next_high) = (1usize, states - 1);
        let mut queue: Vec<u32> = Vec::with_capacity(states);
        queue.push(0);
        let mut i = 0;
        while let Some(&node) = queue.get(i) {
            i += 1;
            let node = node as usize;
            let (row, fail_row) = (usize::from(number[node]) * stride, usize::from(fail[node]) * stride);
            if node != 0 {
                trans.copy_within(fail_row..fail_row + stride, row);
            }
            let mut child = first_child[node];
            while child != NO_NODE {
                let t = child as usize;
                let class = usize::from(class_in[t]);
                // The failure state of the child: where the parent's failure state goes with the
                // same byte (the start's children fail to the start).
                let f = if node == 0 { 0 } else { trans[fail_row + class] };
                let is_matching = own[t] != NO_NODE || matching[usize::from(f)];
                let n = if is_matching {
                    next_high -= 1;
                    next_high + 1
                } else {
                    next_low += 1;
                    next_low - 1
                };
                let n16 = u16::try_from(n).ok()?;
                number[t] = n16;
                fail[t] = f;
                matching[n] = is_matching;
                if is_matching {
                    own_by_number[n] = own[t];
                    fail_by_number[n] = f;
                }
                trans[row + class] = n16;
                queue.push(child);
                child = next_sibling[t];
            }
        }
        let first_match = next_low;
        let mut match_ends = Vec::with_capacity(states - first_match);
        let mut match_ids = Vec::new();
        for n in first_match..states {
            let mut s = n;
            loop {
                if own_by_number[s] != NO_NODE {
                    match_ids.push(own_by_number[s]);
                }
                let f = usize::from(fail_by_number[s]);
                // The start state (0) never matches; a failure state that does not match has no
                // matching state on its own failure chain either.
                if !matching[f] {
                    break;
                }
                s = f;
            }
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
}

impl Literals {
    /// An automaton over `literals` reporting every match (`MatchKind::Standard`); `None` if it
    /// cannot be built (an empty literal, too many states).
    pub(crate) fn new(literals: &[&[u8]], fold_case: bool) -> Option<Literals> {
        let whole = literals.iter().map(|l| l.len()).sum::<usize>() <= WHOLE_UP_TO_BYTES;
        Literals::with_prefix(literals, fold_case, if whole { usize::MAX } else { PREFIX })
    }

    /// [`Literals::new`] with the automaton holding at most `prefix` bytes of each literal.
    #[inline(never)]
    fn with_prefix(literals: &[&[u8]], fold_case: bool, prefix: usize) -> Option<Literals> {
        let fold: [u8; 256] = std::array::from_fn(|b| {
            let b = b as u8;
            if fold_case { b.to_ascii_lowercase() } else { b }
        });
        let mut bytes = Vec::with_capacity(literals.iter().map(|l| l.len()).sum());
        let mut literal_starts = Vec::with_capacity(literals.len() + 1);
        literal_starts.push(0u32);
        for literal in literals {
            if literal.is_empty() {
                return None;
            }
            bytes.extend(literal.iter().map(|&b| fold[usize::from(b)]));
            literal_starts.push(u32::try_from(bytes.len()).ok()?);
        }
        let literal = |j: usize| &bytes[literal_starts[j] as usize..literal_starts[j + 1] as usize];

        // The patterns: each literal's first `prefix` bytes, or more where over
        // [`MAX_SHARING_A_PATTERN`] literals begin with those (the hundred `sr_backend_failure_…`
        // would each be compared on every hit), once each, with the literals they stand for.
        // Lengths: `prefix` bytes (a shorter literal whole), then a byte more for the literals
        // of a pattern over [`MAX_SHARING_A_PATTERN`] share, until none is (a map of the patterns
        // still crowded a round, rather than a sort: no sort routine more in the module).
        let mut length: Vec<usize> = (0..literals.len()).map(|j| literal(j).len().min(prefix)).collect();
        let mut crowded: Vec<usize> = (0..literals.len()).collect();
        while !crowded.is_empty() {
            let mut sharing: std::collections::HashMap<&[u8], usize, crate::hash::BuildWordHasher> =
                std::collections::HashMap::with_capacity_and_hasher(crowded.len(), Default::default());
            for &j in &crowded {
                *sharing.entry(&literal(j)[..length[j]]).or_insert(0) += 1;
            }
            crowded.retain(|&j| {
                let still = length[j] < literal(j).len() && sharing.get(&literal(j)[..length[j]]).is_some_and(|&n| n > MAX_SHARING_A_PATTERN);
                if still {
                    length[j] += 1;
                }
                still
            });
        }
        let mut pattern_of: std::collections::HashMap<&[u8], usize, crate::hash::BuildWordHasher> =
            std::collections::HashMap::with_capacity_and_hasher(literals.len(), Default::default());
        let mut patterns: Vec<&[u8]> = Vec::new();
        let mut members: Vec<Vec<u32>> = Vec::new();
        for j in 0..literals.len() {
            let text = literal(j);
            let length = length[j];
            let head = &text[..length];
            let p = *pattern_of.entry(head).or_insert_with(|| {
                patterns.push(head);
                members.push(Vec::new());
                patterns.len() - 1
            });
            members[p].push(u32::try_from(j).ok()?);
        }

        let mut starts = [false; 256];
        let mut pairs = Box::new([0u64; 1024]);
        for pattern in &patterns {
            match *pattern {
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
                [] => return None,
            }
        }
        let starts = std::array::from_fn(|b| starts[usize::from(fold[b])]);
        let dense = Dense::new(&patterns, &fold)?;
        let mut ends = Vec::with_capacity(members.len());
        let mut flat = Vec::with_capacity(literals.len());
        let mut rests = Vec::new();
        for (pattern, m) in patterns.iter().zip(&members) {
            for &j in m {
                let rest = literal(j as usize).get(pattern.len()..).unwrap_or(&[]);
                let rest_from = u32::try_from(rests.len()).ok()?;
                rests.extend_from_slice(rest);
                flat.push(Member { literal: j, rest_from, rest_to: u32::try_from(rests.len()).ok()? });
            }
            ends.push(u32::try_from(flat.len()).ok()?);
        }
        let verify = Verify { ends: ends.into_boxed_slice(), members: flat.into_boxed_slice(), rests: rests.into_boxed_slice() };
        Some(Literals { fold, starts, pairs, dense, verify })
    }

    /// Calls `found(literal, start)` for every occurrence of every literal in `haystack`,
    /// overlapping ones included; stops when `found` returns false. Each literal's occurrences
    /// come in the order they start; those of different literals in the order their patterns
    /// end (a whole literal's end, a long one's first [`PREFIX`] bytes).
    #[inline(never)]
    pub(crate) fn each_match(&self, haystack: &[u8], found: &mut dyn FnMut(u32, usize) -> bool) {
        let dense = &self.dense;
        let mut state = 0u16;
        let mut at = 0;
        while at < haystack.len() {
            if state == 0 {
                // From the start state, a byte no pattern starts with leads back to it: skip
                // those, and a byte whose pair with the next starts none.
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
                if state >= dense.first_match && !self.report(state, haystack, at, found) {
                    return;
                }
                if state == 0 {
                    break;
                }
            }
        }
    }

    /// Hands the literals of the patterns of the matching `state`, reached with the byte before
    /// `at`, to `found` (a long literal once the rest of it is found to follow); false when it
    /// says stop. Out of line: inlined, its registers pushed the walk's own (the state, the
    /// table, the text) onto the stack, and every byte paid for the loads (bench/README.md,
    /// perf11); a match is rare, a byte is every byte.
    #[inline(never)]
    fn report(&self, state: u16, haystack: &[u8], at: usize, found: &mut dyn FnMut(u32, usize) -> bool) -> bool {
        let (dense, verify) = (&self.dense, &self.verify);
        let i = usize::from(state - dense.first_match);
        let from = if i == 0 { 0 } else { dense.match_ends.get(i - 1).map_or(0, |&e| e as usize) };
        let to = dense.match_ends.get(i).map_or(from, |&e| e as usize);
        for &pattern in dense.match_ids.get(from..to).unwrap_or(&[]) {
            let p = pattern as usize;
            let start = at.saturating_sub(dense.lengths.get(p).copied().unwrap_or(0));
            let first = if p == 0 { 0 } else { verify.ends.get(p - 1).map_or(0, |&e| e as usize) };
            let last = verify.ends.get(p).map_or(first, |&e| e as usize);
            for member in verify.members.get(first..last).unwrap_or(&[]) {
                if member.rest_to != member.rest_from {
                    let rest = verify.rests.get(member.rest_from as usize..member.rest_to as usize).unwrap_or(&[]);
                    let follows = haystack
                        .get(at..at + rest.len())
                        .is_some_and(|h| h.iter().zip(rest).all(|(&b, &r)| self.fold[usize::from(b)] == r));
                    if !follows {
                        continue;
                    }
                }
                if !found(member.literal, start) {
                    return false;
                }
            }
        }
        true
    }

    /// How many states the automaton has (at most [`DENSE_MAX_STATES`]).
    #[cfg(test)]
    pub(crate) fn states(&self) -> usize {
        self.dense.trans.len() / self.dense.stride.max(1)
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

    /// With the automaton holding only the first bytes of long literals, the same occurrences
    /// are found (each literal's in the order they start), for every prefix length: literals
    /// sharing a prefix, one the prefix of another, duplicates, a long literal cut off by the
    /// text's end, case folded or not.
    #[test]
    fn prefixes_and_the_rest_compared_find_what_aho_corasick_finds() {
        use aho_corasick::{AhoCorasick, MatchKind};
        let literals: [&[u8]; 12] = [
            b"exit code 32", b"exit code 1", b"exit", b"xit code", b"she sells", b"he", b"hers", b"she sells", b"sr_backend_failure_44",
            b"sr_backend_failure_4", b"\xc3\xa9t\xc3\xa9 long", b"code 3",
        ];
        let texts: [&[u8]; 6] = [
            b"Command failed with exit code 32: mount; EXIT CODE 1", b"", b"she sells shells, SHE SELLS", b"SR_BACKEND_FAILURE_44 and SR_BACKEND_FAILURE_4",
            b"\xc3\xa9t\xc3\xa9 long \xc3\xa9t\xc3\xa9 lon", b"exit cod",
        ];
        for fold_case in [true, false] {
            let fold = |b: &[u8]| if fold_case { b.to_ascii_lowercase() } else { b.to_vec() };
            let folded: Vec<Vec<u8>> = literals.iter().map(|l| fold(l)).collect();
            let Ok(ac) = AhoCorasick::builder().match_kind(MatchKind::Standard).build(&folded) else { panic!("no NFA") };
            for prefix in 1..=12 {
                let Some(table) = Literals::with_prefix(&literals, fold_case, prefix) else { panic!("no automaton") };
                for text in texts {
                    let mut expected: Vec<(u32, usize)> =
                        ac.find_overlapping_iter(&fold(text)).map(|m| (m.pattern().as_u32(), m.start())).collect();
                    let got = all(&table, text);
                    for literal in 0..literals.len() as u32 {
                        let starts = |v: &[(u32, usize)]| v.iter().filter(|(l, _)| *l == literal).map(|&(_, s)| s).collect::<Vec<_>>();
                        assert_eq!(starts(&got), starts(&expected), "literal {literal}, prefix {prefix}, {:?}", String::from_utf8_lossy(text));
                    }
                    let mut got = got;
                    got.sort_unstable();
                    expected.sort_unstable();
                    assert_eq!(got, expected, "prefix {prefix}, {:?}", String::from_utf8_lossy(text));
                }
            }
        }
    }
}
