//! Documentation generated from the rule registry: `RULES.md` and the TypeScript union of rule
//! ids (`pkg/rule-ids.d.ts`). `tests/docs.rs` fails when the committed files are stale and
//! rewrites them with `UPDATE_DOCS=1 cargo test --test docs`.

use std::fmt::Write as _;

use crate::{Diagnosis, Error, Options};

/// Runs a rule's example: plain text, or `{"input": <text or JSON value>, "options": {...}}`.
pub fn run_example(example: &str) -> Result<Diagnosis, Error> {
    if example.starts_with("{\"input\"") {
        let v: serde_json::Value = serde_json::from_str(example).map_err(|e| Error::InvalidJson(e.to_string()))?;
        let options = Options::from_json(&v["options"].to_string())?;
        return match &v["input"] {
            serde_json::Value::String(s) => crate::diagnose_text(s, &options),
            other => crate::diagnose_json(&other.to_string(), &options),
        };
    }
    crate::diagnose_text(example, &Options::default())
}

/// The TypeScript union of every rule id.
pub fn rule_ids_dts() -> String {
    let mut out = String::from(
        "// Generated from the rule registry by `UPDATE_DOCS=1 cargo test --test docs`; do not edit.\n\n/** Every rule id of the catalogue. */\nexport type RuleId =\n",
    );
    let rules = crate::list_rules();
    for (i, r) in rules.iter().enumerate() {
        let end = if i + 1 == rules.len() { ";" } else { "" };
        let _ = writeln!(out, "  | '{}'{end}", r.id);
    }
    out
}

/// RULES.md: every rule with what triggers it, its remediation and an example diagnosis.
pub fn rules_markdown() -> String {
    let rules = crate::list_rules();
    let mut out = String::new();
    out.push_str("# xapi-doctor rules\n\n");
    out.push_str(
        "Generated from the rule registry (`UPDATE_DOCS=1 cargo test --test docs`); do not edit by hand.\n\
         Each rule's remediation below is what `diagnose()` returns for the rule's example input; with real \
         input the uuids, names and sizes it carries are filled in.\n\n",
    );
    out.push_str("| id | name | title | category | severity |\n| --- | --- | --- | --- | --- |\n");
    for r in &rules {
        let _ = writeln!(
            out,
            "| [{}](#{}) | `{}` | {} | `{}` | `{}` |",
            r.id,
            r.id.to_ascii_lowercase(),
            r.name,
            r.title,
            r.category.as_str(),
            r.severity.as_str()
        );
    }
    for r in &rules {
        let _ = write!(
            out,
            "\n## {}\n\n**{}** (`{}`) — category `{}`, severity `{}`\n\n{}\n\n**Triggered by:** {}\n\n",
            r.id,
            r.title,
            r.name,
            r.category.as_str(),
            r.severity.as_str(),
            r.description,
            r.trigger
        );
        let example = if r.example.contains('\n') || r.example.len() > 100 {
            format!("```\n{}\n```\n", r.example.trim_end())
        } else {
            format!("`{}`\n", r.example)
        };
        let _ = write!(out, "**Example input:**\n\n{example}\n");
        let finding = run_example(r.example).ok().and_then(|d| d.findings.into_iter().find(|f| f.rule == r.id));
        match finding {
            Some(f) => {
                let _ = writeln!(out, "**Diagnosis:** {}\n", f.summary);
                out.push_str("**Remediation:**\n\n");
                for (i, step) in f.remediation.iter().enumerate() {
                    let _ = writeln!(out, "{}. {}", i + 1, step.text);
                    if let Some(cmd) = &step.command {
                        let _ = writeln!(out, "   ```\n   {cmd}\n   ```");
                    }
                }
                if !f.links.is_empty() {
                    out.push_str("\n**Links:** ");
                    let links: Vec<String> = f.links.iter().map(|l| format!("[{}]({})", l.title, l.url)).collect();
                    out.push_str(&links.join(" · "));
                    out.push('\n');
                }
            }
            None => out.push_str("_The example does not produce this rule's finding (a test fails)._\n"),
        }
    }
    out.push_str(
        "\n## General wording (data/wording.toml)\n\nWhen no rule or signature recognises a failure, its catch-all finding \
         (TX000, XO000, SR1200, SR000, XA019; and the category of SM019 / SM023) takes the category its words point to, \
         at low confidence: the first cue below whose words appear in one of the failure's lines.\n\n\
         | cue | category | reads like | words |\n| --- | --- | --- | --- |\n",
    );
    for cue in crate::rules::wording::CUES {
        let words: Vec<String> = cue.any.iter().map(|w| format!("`{w}`")).collect();
        let _ = writeln!(out, "| `{}` | `{}` | {} | {} |", cue.name, cue.category.as_str(), cue.label, words.join(", "));
    }
    out
}
