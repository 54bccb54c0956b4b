//! `diagnose_text` on any UTF-8 text: never panics, the result serialises, and the same text
//! given as bytes gives the same diagnosis.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xapi_doctor::{diagnose_bytes, diagnose_text, Options};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let options = Options::default();
    let Ok(d) = diagnose_text(&text, &options) else { return };
    serde_json::to_string(&d).expect("the diagnosis serialises");
    let again = diagnose_bytes(text.as_bytes(), &options).expect("bytes are accepted when the text is");
    assert!(d == again, "diagnose_bytes differs from diagnose_text on the same UTF-8");
});
