use super::super::raw::{size_from_str, LSize, RawTables};

fn bytes(s: LSize) -> Option<u64> {
    match s {
        LSize::Bytes(b) => Some(b),
        _ => None,
    }
}

#[test]
fn sizes_parse_from_numbers_and_strings() {
    assert_eq!(bytes(size_from_str("10737418240")), Some(10_737_418_240));
    assert_eq!(bytes(size_from_str("1e3")), Some(1000));
    assert_eq!(bytes(size_from_str("-5")), None);
    assert_eq!(bytes(size_from_str("1.5")), None);
    assert_eq!(bytes(size_from_str("99999999999999999999999")), None);
    assert_eq!(bytes(size_from_str("abc")), None);
    assert_eq!(bytes(size_from_str("inf")), None);
    let raw: RawTables<'_> = serde_json::from_str(
        r#"{"VDI": [{"virtual_size": 10}, {"virtual_size": -1}, {"virtual_size": 1.5}, {"virtual_size": 1e30},
                    {"virtual_size": 18446744073709551615}, {"virtual_size": [1]}, 7]}"#,
    )
    .unwrap();
    let super::super::raw::Table::Array(items) = &raw.VDI else { panic!() };
    let sizes: Vec<Option<u64>> = items
        .iter()
        .filter_map(|e| match e {
            super::super::raw::Entry::Record(r) => Some(bytes(r.virtual_size().size())),
            _ => None,
        })
        .collect();
    assert_eq!(sizes, vec![Some(10), None, None, None, Some(u64::MAX), None]);
}

#[test]
fn siphash13_is_std_default_hasher() {
    use std::hash::{Hash, Hasher};
    // std's DefaultHasher is SipHash-1-3 with zero keys: the same function, whatever the split
    // of the input into writes.
    for s in ["", "a", "1234567", "12345678", "123456789", "OpaqueRef:5e9c4a7d-0c4f-4f6e-9d3b-1a2b3c4d5e6f", "ünïcode 😀"] {
        let mut ours = super::SipHasher13::new_with_keys(0, 0);
        let mut std = std::collections::hash_map::DefaultHasher::new();
        s.hash(&mut ours);
        s.hash(&mut std);
        assert_eq!(ours.finish(), std.finish(), "{s:?}");
        for size in 1..=9 {
            let mut split = super::SipHasher13::new_with_keys(0, 0);
            for chunk in s.as_bytes().chunks(size) {
                split.write(chunk);
            }
            split.write_u8(0xff);
            assert_eq!(split.finish(), std.finish(), "{s:?} in pieces of {size}");
        }
        let mut bytes = super::SipHasher13::new_with_keys(0, 0);
        for &b in s.as_bytes() {
            bytes.write_u8(b);
        }
        bytes.write(&[0xff]);
        assert_eq!(bytes.finish(), std.finish(), "{s:?} byte by byte");
    }
}
