use super::*;

#[test]
fn strings_cut_at_byte_offsets() {
    let text = "abé😀x";
    let s = Strings::new(text, &[2, 4, 8, 8, 9]).unwrap();
    assert_eq!((0..5).map(|i| s.get(i).unwrap()).collect::<Vec<_>>(), ["ab", "é", "😀", "", "x"]);
    assert_eq!(s.index_of(s.get(2).unwrap()), Some(2));
    assert_eq!(s.index_of(s.get(3).unwrap()), Some(3), "an empty string sharing its start with the next");
    assert_eq!(s.index_of("ab"), None, "a string not borrowed from the table");
    assert!(Strings::new(text, &[2, 3]).is_err(), "inside a character");
    assert!(Strings::new(text, &[2, 4, 10]).is_err(), "beyond the end");
    assert!(Strings::new("abc", &[2, 1, 3]).is_err(), "backwards");
}

#[test]
fn numbers_read_as_serde_json_reads_their_json_text() {
    assert!(matches!(loose_number(0.0), Loose::U64(0)));
    assert!(matches!(loose_number(-0.0), Loose::U64(0)));
    assert!(matches!(loose_number(42.0), Loose::U64(42)));
    assert!(matches!(loose_number(-5.0), Loose::I64(-5)));
    assert!(matches!(loose_number(1.5), Loose::F64(f) if f == 1.5));
    assert!(matches!(loose_number(1e20), Loose::F64(_)), "more digits than u64 holds");
    assert!(matches!(loose_number(1e21), Loose::F64(_)));
    assert!(matches!(loose_number(-1e19), Loose::F64(_)));
    // Beyond 2^53 JavaScript writes the shortest digits, padded with zeros.
    assert!(matches!(loose_number(2f64.powi(60)), Loose::U64(1_152_921_504_606_847_000)));
    assert!(matches!(loose_number(-(2f64.powi(62))), Loose::I64(-4_611_686_018_427_388_000)));
    assert!(matches!(loose_number(-(2f64.powi(63))), Loose::F64(_)), "-9223372036854776000 does not fit in i64");
    assert!(matches!(loose_number(2f64.powi(64)), Loose::F64(_)));
}

#[test]
fn malformed_words_are_errors_not_panics() {
    let s = Strings::new("ab", &[1, 2]).unwrap();
    let names = "uuid\nVDIs";
    for words in [&[][..], &[9], &[0, 0, 1, 5], &[0, 0, 2, 1, 3], &[0, 0, 2, 1, 1, 0, 0, 7], &[0, 0, 2, 1, 1, 0, 4, 99], &[0, 0, 0, 0, 1], &[0, 0, 2, 1, 1, 6, 0, 0], &[0, 0, 2, 1, 1, 7, 0, 0], &[0, 0, 2, 1, 1, 16, 0, 0]] {
        assert!(decode(words, &[], &s, names, 10, &mut Vec::new()).is_err(), "{words:?}");
    }
    let mut arena = Vec::new();
    let ok = decode(&[0, 0, 2, 2, 1, 0, 1, NONE, 0], &[], &s, names, 10, &mut arena).unwrap();
    assert!(matches!(ok.VDI, Table::Array(ref e) if e.len() == 2));
    assert!(matches!(decode(&[0, 0, 2, 2, 1, 0, 1, NONE, 0], &[], &s, names, 1, &mut Vec::new()), Err(Error::TooManyRecords { limit: 1 })));
}
