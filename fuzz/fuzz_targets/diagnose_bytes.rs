//! `diagnose_bytes` on any bytes (invalid UTF-8 included): never panics, the result
//! serialises, and a second run gives the same result.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xapi_doctor::{diagnose_bytes, Options};

fuzz_target!(|data: &[u8]| {
    let options = Options::default();
    let Ok(d) = diagnose_bytes(data, &options) else { return };
    serde_json::to_string(&d).expect("the diagnosis serialises");
    assert!(d == diagnose_bytes(data, &options).expect("second run"), "not deterministic");
});
