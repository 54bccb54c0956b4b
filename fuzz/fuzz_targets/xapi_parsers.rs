//! The XAPI error parsers on any text: free text (`from_text`), each line (`codes_in_line`),
//! every `[` (`parse_quoted_list`) and the XML-RPC body (`from_xmlrpc`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use xapi_doctor::input::xapi;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = xapi::from_text(&text, xapi_doctor::rules::xo_markers_lower());
    for line in text.lines().take(64) {
        let _ = xapi::codes_in_line(line);
    }
    for (i, _) in text.match_indices('[').take(64) {
        if let Some(items) = xapi::parse_quoted_list(&text[i..]) {
            assert!(items.len() <= text.len());
        }
    }
    let _ = xapi::from_xmlrpc(&text);
});
