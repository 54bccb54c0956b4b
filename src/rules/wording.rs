//! What the words of an unrecognised failure point to (data/wording.toml).
//!
//! The catch-all findings (TX000, XO000, SR1200, SR000 for an undecoded storage failure, XA019)
//! report failures no signature or rule knows. Reported bare, they leave the reader with the
//! category `other` even when the words say plainly "No route to host" or "Permission denied".
//! [`classify`] reads the failure's lines against the general cues and [`apply`] gives the
//! catch-all the cue's category, a sentence on what such wording usually means, and a first
//! step, while keeping its id and low confidence: a hint about the kind of problem, never a
//! diagnosis of what happened.

use crate::model::{Category, Confidence, Finding, Step};

/// One general-wording cue (see data/wording.toml for the fields).
pub struct Cue {
    pub name: &'static str,
    pub category: Category,
    pub label: &'static str,
    /// Lower-case literals, one of which must appear in a failure line.
    pub any: &'static [&'static str],
    /// Lower-case literals that keep a line from counting.
    pub none: &'static [&'static str],
    pub meaning: &'static str,
    pub step: &'static str,
    pub example: &'static str,
    pub counterexample: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/wording_data.rs"));

/// Lines read per failure: the catch-alls' evidence is at most a few lines, and a paste's
/// failure lines beyond the first few hundred add nothing a cue would change.
const MAX_LINES: usize = 400;

/// Whether `cue` reads `lower` (an ASCII-lower-cased line).
fn reads(cue: &Cue, lower: &str) -> bool {
    cue.any.iter().any(|l| has_words(lower, l)) && !cue.none.iter().any(|l| lower.contains(l))
}

/// Whether `words` appear in `lower` starting a word: "unknown " is not read inside DRBD's
/// "DUnknown ", nor "denied" inside "undenied". A literal that opens with punctuation or a digit
/// matches anywhere.
fn has_words(lower: &str, words: &str) -> bool {
    if !words.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return lower.contains(words);
    }
    lower.match_indices(words).any(|(at, _)| !lower[..at].ends_with(|c: char| c.is_ascii_alphanumeric()))
}

/// Whether some cue reads `lower` (an ASCII-lower-cased line).
pub fn any_reads(lower: &str) -> bool {
    CUES.iter().any(|cue| reads(cue, lower))
}

/// The first cue (in file order) that one of `lines` matches, with that line.
pub fn classify<'a>(lines: impl IntoIterator<Item = &'a str>) -> Option<(&'static Cue, &'a str)> {
    let lowered: Vec<(String, &str)> = lines.into_iter().take(MAX_LINES).map(|l| (l.to_ascii_lowercase(), l)).collect();
    CUES.iter().find_map(|cue| lowered.iter().find(|(lower, _)| reads(cue, lower)).map(|(_, line)| (cue, *line)))
}

/// Gives a catch-all finding what `lines` point to, when a cue reads one of them. The cue's step
/// comes first: it is the one that follows from the words; the catch-all's own steps (where to
/// find more) follow. Says whether a cue read them. When none does, the words' resemblance to
/// known failures may still give a category the catch-all lacks (rules/resemblance.rs).
pub fn apply<'a>(f: &mut Finding, lines: impl IntoIterator<Item = &'a str> + Clone) -> bool {
    let Some((cue, line)) = classify(lines.clone()) else {
        // A resemblance only fills in a category the catch-all lacks; it never overrides one
        // the catch-all knows from its code.
        if f.category != Category::Other {
            return false;
        }
        let Some((category, closest)) = super::resemblance::resemble(lines) else { return false };
        f.category = category;
        f.confidence = Confidence::Low;
        f.title = format!("{}: its words resemble {}", f.title, super::resemblance::label(category)).into();
        // The nearest known failure is named only when it shares enough rare words with these
        // lines to be the same kind of fault, not merely the same kind of log (rules/resemblance.rs).
        let nearest = closest.map(|c| format!("; the nearest is {c}")).unwrap_or_default();
        f.cause = format!(
            "No wording xapi-doctor knows reads these lines, but their words are closest to those of its known failures of this kind{nearest}. {}",
            f.cause
        ).into();
        // It brings no step of its own: the caller's usual steps still apply.
        return false;
    };
    f.category = cue.category;
    f.confidence = Confidence::Low;
    f.title = format!("{}: its wording points to {}", f.title, cue.label).into();
    let quoted = line.trim();
    let quoted = match quoted.char_indices().nth(160) {
        Some((cut, _)) => format!("{}\u{2026}", &quoted[..cut]),
        None => quoted.to_string(),
    };
    f.cause = format!("The words of \u{201c}{quoted}\u{201d} usually mean this: {} {}", cue.meaning, f.cause).into();
    // "Not found", "permission denied", "invalid argument", "not allowed": the configuration
    // cues' words are said by failures of every kind (a missing SR, a remote's share refused).
    // When the failure's words as a whole lean clearly to another kind, that kind is the better
    // guess (measured on the signatures' examples, each left out: of 103 a configuration cue
    // reads, the cue's category is right for 51, with the resemblance's for 61).
    if cue.category == Category::Configuration {
        if let Some((category, closest)) = super::resemblance::resemble(lines).filter(|&(c, _)| c != Category::Configuration) {
            f.category = category;
            f.title = format!("{}, and its words resemble {}", f.title, super::resemblance::label(category)).into();
            let nearest = closest.map(|c| format!("; the nearest is {c}")).unwrap_or_default();
            f.cause = format!("{} Its words as a whole are closest to those of xapi-doctor's known failures of another kind{nearest}.", f.cause).into();
        }
    }
    f.remediation.insert(0, Step { text: std::borrow::Cow::Borrowed(cue.step), command: None });
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cue_reads_its_example_first_and_not_its_counterexample() {
        for cue in CUES {
            let (found, _) = classify([cue.example]).unwrap_or_else(|| panic!("{}: the example reads as nothing", cue.name));
            assert_eq!(found.name, cue.name, "{}: its example is read by an earlier cue", cue.name);
            assert!(!reads(cue, &cue.counterexample.to_ascii_lowercase()), "{}: the counterexample matches", cue.name);
        }
    }

    #[test]
    fn a_cue_reads_words_not_the_inside_of_a_word() {
        // DRBD's disk state "DUnknown" is not the word "unknown".
        assert!(classify(["kernel: drbd r0/0 drbd1000 host2: pdsk( UpToDate -> DUnknown ) repl( Established -> Off )"]).is_none());
        // Nor is its role or state "Unknown" in a state change.
        assert!(classify(["kernel: drbd r0 host2: conn( Connected -> Disconnecting ) peer( Secondary -> Unknown )"]).is_none());
        let (cue, _) = classify(["xenops] Unknown device kind: 'vbd4'"]).unwrap();
        assert_eq!(cue.name, "unrecognised-value");
        assert!(has_words("open failed: (unknown device)", "unknown "));
        assert!(!has_words("state dunknown now", "unknown "));
        // A literal that opens with punctuation or a digit is read anywhere.
        assert!(has_words("status=404", "=404"));
    }

    #[test]
    fn the_more_specific_wording_wins() {
        // "timed out" of a connection is the network's, not a lock's.
        let (cue, _) = classify(["connect ETIMEDOUT 192.0.2.1:443 (Connection timed out)"]).unwrap();
        assert_eq!(cue.category, Category::Network);
        // A Python error with a "not found" message is a bug first.
        let (cue, _) = classify(["KeyError: 'not found'"]).unwrap();
        assert_eq!(cue.name, "python-programming-error");
        assert!(classify(["all went well", "42 VMs exported"]).is_none());
    }

    #[test]
    fn a_long_line_is_quoted_short() {
        let mut f = Finding::of(&super::super::generic::TX000, &super::super::Facts::new(&Default::default(), &Default::default()));
        let line = format!("{} No route to host", "é".repeat(500));
        apply(&mut f, [line.as_str()]);
        assert_eq!(f.category, Category::Network);
        assert!(f.cause.chars().count() < 600, "{}", f.cause);
        assert!(f.remediation[0].text.contains("/dev/tcp/"));
        assert_eq!(f.confidence, Confidence::Low);
    }

    #[test]
    fn a_configuration_cue_gives_way_to_a_clear_resemblance() {
        let facts = super::super::Facts::new(&Default::default(), &Default::default());
        // "No such file" reads as configuration; the words as a whole are a backup target's.
        let line = "mount.nfs: mounting nas:/export/backups failed, reason given by server: No such file or directory";
        let mut f = Finding::of(&super::super::generic::TX000, &facts);
        assert!(apply(&mut f, [line]));
        assert_eq!(f.category, Category::RemoteUnreachable, "{}", f.title);
        assert!(f.title.contains("a name, path or object that does not exist") && f.title.contains("resemble"), "{}", f.title);
        assert!(f.cause.contains("the nearest is"), "{}", f.cause);
        // Words that lean nowhere else keep the cue's category.
        let mut f = Finding::of(&super::super::generic::TX000, &facts);
        assert!(apply(&mut f, ["Couldn't find a VDI named 'tools.iso'"]));
        assert_eq!(f.category, Category::Configuration);
        assert!(!f.title.contains("resemble"), "{}", f.title);
    }

    #[test]
    fn without_a_cue_the_resemblance_fills_in_only_a_missing_category() {
        let facts = super::super::Facts::new(&Default::default(), &Default::default());
        let line = "the coalesce of the leaf VHD into its parent was aborted by the garbage collector";
        let mut f = Finding::of(&super::super::generic::TX000, &facts);
        assert!(!apply(&mut f, [line]), "a resemblance is not a cue: the caller keeps its own steps");
        assert_eq!(f.category, Category::CoalesceFailure);
        assert_eq!(f.confidence, Confidence::Low);
        // Made-up words: its closest known text shares fewer than three rare words with it, so
        // no known failure is named.
        assert!(f.title.contains("resemble") && !f.cause.contains("the nearest is"), "{} / {}", f.title, f.cause);
        // A real storage-manager failure (rules/resemblance.rs) keeps its pointer.
        let mut f = Finding::of(&super::super::generic::TX000, &facts);
        apply(&mut f, ["`SR_BACKEND_FAILURE_1200(, not all arguments converted during string formatting, )`"]);
        assert!(f.cause.contains("the nearest is KI201,"), "{}", f.cause);
        let mut known = Finding::of(&super::super::generic::TX000, &facts);
        known.category = Category::XapiVersion;
        apply(&mut known, [line]);
        assert_eq!(known.category, Category::XapiVersion);
    }
}
