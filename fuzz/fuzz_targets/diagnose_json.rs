//! `diagnose_json` (what JavaScript objects become): JSON built from the vocabulary of the
//! recognisers (XAPI envelopes, Xen Orchestra errors and logs, records, space plans, deep
//! nests), with options built the same way. Input starting with `{` or `[` is JSON text as is
//! (the committed seeds are fixtures).
#![no_main]
use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use xapi_doctor::{diagnose_json, Options};
use xapi_doctor_fuzz::json_value;

fuzz_target!(|data: &[u8]| {
    let (json, options) = if matches!(data.first(), Some(b'{' | b'[')) {
        (String::from_utf8_lossy(data).into_owned(), Options::default())
    } else {
        let mut u = Unstructured::new(data);
        let Ok(options) = json_value(&mut u, 4) else { return };
        let Ok(value) = json_value(&mut u, 0) else { return };
        let options = Options::from_json(&options.to_string()).unwrap_or_default();
        (value.to_string(), options)
    };
    match diagnose_json(&json, &options) {
        Ok(d) => {
            serde_json::to_string(&d).expect("the diagnosis serialises");
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
