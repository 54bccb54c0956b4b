// Generated from the rule registry by `UPDATE_DOCS=1 cargo test --test docs`; do not edit.
export type RuleId = string;
