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
fn index_hasher_is_std_default_hasher_on_strs() {
    use std::hash::{BuildHasher, Hash, Hasher};
    // std's DefaultHasher is SipHash-1-3 with zero keys: the index hasher under zero keys gives
    // its hash for every str, of every length around the 8-byte words.
    let zero = super::SecretKeys(0, 0);
    let text = "OpaqueRef:5e9c4a7d-0c4f-4f6e-9d3b-1a2b3c4d5e6f ünïcode 😀 and more";
    let mut cuts: Vec<&str> = (0..=text.len()).filter_map(|n| text.get(..n)).collect();
    cuts.extend(["", "\u{ff}", "1234567", "12345678", "123456789"]);
    for s in cuts {
        let mut std = std::collections::hash_map::DefaultHasher::new();
        s.hash(&mut std);
        assert_eq!(zero.hash_one(s), std.finish(), "{s:?}");
    }
    // Other keys give other hashes; other write sequences stay deterministic.
    assert_ne!(super::SecretKeys(1, 2).hash_one("a"), zero.hash_one("a"));
    assert_eq!(zero.hash_one((1u32, "a")), zero.hash_one((1u32, "a")));
}
