//! Helpers shared by the integration tests.
#![allow(dead_code)]

use xapi_doctor::{Diagnosis, Options};

/// Runs an input the way rule examples are written (see `xapi_doctor::docs::run_example`).
pub fn run_example(example: &str) -> Diagnosis {
    xapi_doctor::docs::run_example(example).expect("diagnose")
}

pub fn rules_of(d: &Diagnosis) -> Vec<&'static str> {
    d.findings.iter().map(|f| f.rule).collect()
}

pub fn text(input: &str) -> Diagnosis {
    xapi_doctor::diagnose_text(input, &Options::default()).expect("diagnose")
}

pub fn text_with(input: &str, options: &str) -> Diagnosis {
    xapi_doctor::diagnose_text(input, &Options::from_json(options).expect("options")).expect("diagnose")
}
