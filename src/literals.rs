//! The one way the crate builds a multi-literal automaton (aho-corasick's contiguous NFA). Its
//! builder is generic over the type of the list of literals: the signatures' `Vec<String>`, the
//! Xen Orchestra markers' `&[String]` and the SMlog markers' chained `&str`s each compiled their
//! own copy of the trie and NFA construction (~6 KB of WebAssembly each, docs/size.md). Every
//! caller passes byte slices through here instead, so the module carries it once.

use aho_corasick::nfa::contiguous::NFA;
use aho_corasick::MatchKind;

/// An automaton over `literals` reporting every match (`MatchKind::Standard`), for the
/// overlapping search the callers use; `None` if it cannot be built (too many states).
#[inline(never)]
pub(crate) fn automaton(literals: &[&[u8]], ascii_case_insensitive: bool) -> Option<NFA> {
    NFA::builder().ascii_case_insensitive(ascii_case_insensitive).match_kind(MatchKind::Standard).build(literals).ok()
}
