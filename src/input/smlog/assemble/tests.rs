use super::*;

#[test]
fn uuids_and_vdi_names() {
    assert_eq!(find_uuid(b"VDI 8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12 locked").map(lossy).as_deref(), Some("8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12"));
    assert_eq!(find_uuid(b"no uuid here, 8341e744-0c1d"), None);
    assert_eq!(find_uuid(b"x"), None);
    assert_eq!(vdi_name(b"*8341e744[VHD](100.000G///60.004G|n)").as_deref(), Some("8341e744"));
    assert_eq!(vdi_name(b"8341e744(2.000G/1.512G)").as_deref(), Some("8341e744"));
    assert_eq!(vdi_name(b"0f9e8d7c-55aa-4e11-8c1b-3d2e1f0a9b88 is coalescable").as_deref(), Some("0f9e8d7c-55aa-4e11-8c1b-3d2e1f0a9b88"));
    assert_eq!(vdi_name(b"zz"), None);
}

#[test]
fn descriptions_map_back_to_codes() {
    assert_eq!(code_of_description("NFS mount error [opterr=mount failed with return code 32]"), Some(73));
    assert_eq!(code_of_description("There is insufficient space"), Some(44));
    assert_eq!(code_of_description("The VDI is not available [opterr=VDI x locked]"), Some(46));
    assert_eq!(code_of_description("something nobody wrote"), None);
}

#[test]
fn driver_tags() {
    assert!(is_driver_tag("Local VHD on LVM"));
    assert!(is_driver_tag("NFS VHD"));
    assert!(!is_driver_tag("vdi_snapshot"));
    assert!(!is_driver_tag("generic exception: vdi_snapshot"));
}

#[test]
fn decimals_read_as_the_standard_parser_reads_them() {
    let mut texts: Vec<String> = [
        "0", "17", "17.25", "1.15", "1.35", "0.05", "5e-05", "1E3", "+2.5", "-0.25", ".5", "5.", "inf", "-Infinity", "NaN",
        "1.1500000000000000", "123456789012345678901234", "0.000000000000000000000000123", "1e308", "1e400", "1e-400",
        "16.999999999999996", "2.675", "1.0000000000000002",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut seed = 11u64;
    for _ in 0..20_000 {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let digits = 1 + (seed >> 60) as usize;
        let n = (seed >> 8) % 10u64.pow(digits.min(15) as u32);
        let point = (seed >> 4) as usize % (digits + 1);
        let s = format!("{n:0digits$}");
        texts.push(format!("{}.{}", &s[..point], &s[point..]));
        // Python's repr of a float: the shortest text that reads back as it.
        texts.push(format!("{:?}", f64::from_bits(seed >> 2)));
        texts.push(format!("{:?}", (seed >> 11) as f64 / 2f64.powi(40)));
    }
    for t in &texts {
        let ours = parse_decimal(t);
        let std = t.parse::<f64>().ok();
        match (ours, std) {
            (Some(a), Some(b)) if a.is_nan() && b.is_nan() => {}
            (Some(a), Some(b)) => {
                let digits = t.trim_start_matches(['-', '+']).bytes().filter(u8::is_ascii_digit).count();
                if digits <= 15 && (b == 0.0 || (1e-7..1e22).contains(&b.abs())) {
                    assert_eq!(a.to_bits(), b.to_bits(), "{t}");
                } else {
                    assert!(a == b || ((a - b) / b).abs() < 1e-14, "{t}: {a} against {b}");
                }
                // What the analysis prints: the same tenths.
                if a.abs() < 1e6 {
                    assert_eq!(format!("{a:.1}"), format!("{b:.1}"), "{t}");
                }
            }
            (a, b) => assert_eq!(a.is_some(), b.is_some(), "{t}: {a:?} against {b:?}"),
        }
    }
    for bad in ["", ".", "e5", "1e", "1.2.3", "abc", "1,5", "--1"] {
        assert_eq!(parse_decimal(bad), None, "{bad}");
    }
}
