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
fn index_hasher_long_keys_are_std_default_hasher() {
    use std::hash::{BuildHasher, Hash, Hasher};
    // std's DefaultHasher is SipHash-1-3 with zero keys: under zero keys, a key longer than
    // SHORT bytes gets its hash, for every length around the 8-byte words.
    let zero = super::SecretKeys(Box::leak(Box::new(super::Keys::derive(0, 0))));
    let text = "OpaqueRef:5e9c4a7d-0c4f-4f6e-9d3b-1a2b3c4d5e6f ünïcode 😀 and more, and more, and more";
    let cuts: Vec<&str> = (super::SHORT + 1..=text.len()).filter_map(|n| text.get(..n)).collect();
    assert!(cuts.len() > 16);
    for s in cuts {
        let mut std = std::collections::hash_map::DefaultHasher::new();
        s.hash(&mut std);
        assert_eq!(zero.hash_one(s), std.finish(), "{s:?}");
    }
    // Other keys give other hashes; other write sequences stay deterministic.
    let other = super::SecretKeys(Box::leak(Box::new(super::Keys::derive(1, 2))));
    assert_ne!(other.hash_one(text), zero.hash_one(text));
    assert_ne!(other.hash_one("a"), zero.hash_one("a"));
    assert_eq!(zero.hash_one((1u32, "a")), zero.hash_one((1u32, "a")));
    assert_ne!(zero.hash_one((1u32, "a")), zero.hash_one((2u32, "a")));
}

#[test]
fn index_hasher_short_keys_are_multilinear() {
    use std::hash::BuildHasher;
    // The multilinear hash, written out with wide arithmetic: the length and each 32-bit
    // little-endian word (zero padded) times its key, plus the first key, mod 2^64, upper half.
    let keys = Box::leak(Box::new(super::Keys::derive(0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210)));
    let secret = super::SecretKeys(keys);
    let text = "OpaqueRef:5e9c4a7d-0c4f-4f6e-9d3b-1a2b3c4d5e6f ünïcode 😀 and more";
    let mut cuts: Vec<&str> = (0..=super::SHORT.min(text.len())).filter_map(|n| text.get(..n)).collect();
    cuts.extend(["", "\u{ff}", "1234567", "12345678", "123456789", "a\0", "a", "\0", "\0\0"]);
    let mut seen = std::collections::HashSet::new();
    for s in &cuts {
        let b = s.as_bytes();
        let mut sum = u128::from(keys.words[0]) + u128::from(keys.words[1]) * b.len() as u128;
        for (i, chunk) in b.chunks(4).enumerate() {
            let mut w = [0u8; 4];
            w[..chunk.len()].copy_from_slice(chunk);
            sum += u128::from(keys.words[i + 2]) * u128::from(u32::from_le_bytes(w));
        }
        let v = (sum as u64) >> 32;
        assert_eq!(secret.hash_one(s), v | v << 32, "{s:?}");
        seen.insert(secret.hash_one(s));
    }
    // Zero padding does not make "a" and "a\0" (or "" and "\0") collide: the length is hashed.
    let distinct: std::collections::HashSet<&&str> = cuts.iter().collect();
    assert_eq!(seen.len(), distinct.len());
}
