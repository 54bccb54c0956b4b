//! The SMlog analysis, whole and streamed: the same bytes cut into chunks at points chosen by
//! the fuzzer (one byte, inside a line, inside a UTF-8 sequence, inside `\r\n`) must give
//! exactly the report of the whole input. Byte 0 seeds the cuts, byte 1 picks the largest
//! chunk (low 6 bits) and `maxLineBytes` (high 2 bits: the default, 16, 80 or 300 bytes, so
//! that small inputs reach the paths that cut long lines); the rest is the log.
#![no_main]
use libfuzzer_sys::fuzz_target;
use xapi_doctor::{analyze_smlog, Options, SmlogScanner};
use xapi_doctor_fuzz::chunk_sizes;

fuzz_target!(|data: &[u8]| {
    let [seed, max, body @ ..] = data else { return };
    let max_line_bytes = [None, Some(16), Some(80), Some(300)][usize::from(*max >> 6)];
    let options = Options { max_line_bytes, ..Options::default() };
    let whole = analyze_smlog(body, &options);
    serde_json::to_string(&whole).expect("the report serialises");
    let mut scanner = SmlogScanner::new(options);
    let mut at = 0;
    for n in chunk_sizes(*seed, usize::from(*max % 64) + 1, body.len()) {
        scanner.push(&body[at..at + n]).expect("a stream without maxInputBytes takes any chunk");
        at += n;
    }
    let streamed = scanner.finish().expect("first finish");
    assert!(whole == streamed, "the streamed report differs from the whole input's");
});
