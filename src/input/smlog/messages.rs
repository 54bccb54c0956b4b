//! The storage manager's one-line messages that mean an episode on their own ("Failed to pause
//! VDI…", "ERROR deactivating LVs…"), compiled from `data/smlog_messages.toml` by `build.rs`.
//! The assembler keeps the log's structure (processes, tracebacks, coalesce attempts) in code
//! and asks [`recognise`] about every message it does not skip as routine, before reading its
//! structure (so an entry's literal must not claim a structural message); what the entry says to
//! capture is applied by `Analyzer::declared`.

use super::assemble::{find, starts};
use super::incident::IncidentKind;

/// One entry of `data/smlog_messages.toml` (its header documents the fields).
#[derive(Debug)]
pub(super) struct Message {
    pub starts: &'static str,
    pub kind: IncidentKind,
    pub detail: bool,
    pub sr_after: Option<&'static str>,
    pub vdi_after: Option<&'static str>,
    pub word_fact: Option<&'static str>,
    pub facts: &'static [(&'static str, &'static str)],
    pub gc_context: bool,
}

include!(concat!(env!("OUT_DIR"), "/smlog_messages_data.rs"));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::smlog::assemble::Analyzer;
    use crate::input::smlog::scanner::LineSplitter;
    use crate::input::smlog::IncidentGroup;

    /// The incident groups the assembler makes of `text`.
    fn groups_of(text: &str) -> Vec<IncidentGroup> {
        let mut analyzer = Analyzer::default();
        let mut splitter = LineSplitter::new(crate::options::Options::default().max_line_bytes());
        splitter.push(format!("{text}\n").as_bytes(), &mut analyzer);
        splitter.finish(&mut analyzer);
        analyzer.finish();
        analyzer.out.groups().to_vec()
    }

    #[test]
    fn every_entry_recognises_its_example_with_what_it_declares() {
        assert_eq!(EXAMPLES.len(), MESSAGES.len());
        for &(i, example, _) in EXAMPLES {
            let m = &MESSAGES[i];
            let groups = groups_of(example);
            let Some(g) = groups.iter().find(|g| g.first.kind == m.kind) else {
                panic!("{:?}: its example gives no {:?} incident (shadowed by the assembler's structure or its routine filter?)", m.starts, m.kind)
            };
            let inc = &g.first;
            assert_eq!(inc.line, 1, "{:?}", m.starts);
            assert!(!inc.evidence.is_empty(), "{:?}: no evidence", m.starts);
            let message = &example[example.find("] ").map_or(0, |i| i + 2)..];
            assert_eq!(inc.detail.as_deref(), if m.detail { Some(message) } else { None }, "{:?}: detail", m.starts);
            if m.sr_after.is_some() {
                assert!(inc.sr.is_some(), "{:?}: no SR read", m.starts);
            }
            if m.vdi_after.is_some() {
                assert!(inc.vdi.is_some(), "{:?}: no VDI read", m.starts);
            }
            if let Some(name) = m.word_fact {
                assert!(inc.facts.get(name).is_some_and(|v| !v.is_empty()), "{:?}: no {name}", m.starts);
            }
            for (name, value) in m.facts {
                assert_eq!(inc.facts.get(name), Some(*value), "{:?}: fact {name}", m.starts);
            }
        }
    }

    #[test]
    fn no_entry_recognises_its_counterexample() {
        for &(i, _, counterexample) in EXAMPLES {
            let m = &MESSAGES[i];
            assert!(groups_of(counterexample).iter().all(|g| g.first.kind != m.kind), "{:?}: its counterexample gives a {:?} incident", m.starts, m.kind);
        }
    }

    #[test]
    fn a_message_nobody_declared_is_not_recognised() {
        assert!(recognise(b"Failed to frobnicate VDI 8341e744").is_none());
        assert!(recognise(b"SR 5b1c: all fine").is_none());
        assert!(recognise(b"x").is_none());
        assert!(recognise(b"").is_none());
    }
}
