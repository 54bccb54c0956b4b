use super::*;

#[test]
fn every_upstream_and_xcpng_sr_code_decodes() {
    assert_eq!(SR_CODES.iter().filter(|c| c.upstream).count(), 173);
    assert_eq!(SR_CODES.iter().filter(|c| c.xcpng).count(), 185);
    assert_eq!(sr_error(44).unwrap().name, "SRNoSpace");
    assert_eq!(sr_error(44).unwrap().description, "There is insufficient space");
    assert_eq!(sr_error(109).unwrap().description, "The snapshot chain is too long");
    let x = sr_error(5008).unwrap();
    assert!(x.xcpng && !x.upstream);
    assert!(sr_error(119).unwrap().upstream && !sr_error(119).unwrap().xcpng);
    assert!(sr_error(3).is_none());
    assert!(SR_CODES.windows(2).all(|w| w[0].value < w[1].value));
}

#[test]
fn history_tells_reused_values() {
    let h = sr_error_history(457);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].name, "SRInsufficientSpace");
    assert_eq!(h[0].value_now_used_by, Some("CBTActivateFailed"));
    assert!(sr_error_history(44).is_empty());
    assert_eq!(sr_error_history(111)[0].value_now_used_by, Some("SMBMount"));
}

#[test]
fn every_xapi_code_has_its_params() {
    assert_eq!(API_ERRORS.iter().filter(|e| e.removed.is_none()).count(), 635);
    assert_eq!(API_ERRORS.iter().filter(|e| e.removed.is_some()).count(), 45);
    assert_eq!(api_error("VDI_IN_USE").unwrap().params, &["vdi", "operation"]);
    assert_eq!(api_error("LICENSE_RESTRICTION").unwrap().code, "LICENCE_RESTRICTION");
    assert_eq!(api_error("LICENCE_RESTRICTION").unwrap().params, &["feature"]);
    assert!(api_error("VM_LACKS_FEATURE_SHUTDOWN").unwrap().removed.is_some());
    assert!(!api_error("VDI_IO_ERROR").unwrap().documented);
    assert!(API_ERRORS.windows(2).all(|w| w[0].code < w[1].code));
}

#[test]
fn the_hashed_index_finds_every_code_and_only_those() {
    // What the binary search over the sorted codes found, the index finds.
    for e in API_ERRORS.iter() {
        assert!(std::ptr::eq(api_error(e.code).unwrap(), e), "{}", e.code);
        let i = API_ERRORS.binary_search_by(|x| x.code.cmp(e.code)).unwrap();
        assert!(std::ptr::eq(&API_ERRORS[i], e));
    }
    for missing in ["", "VDI_IN_US", "VDI_IN_USE_", "vdi_in_use", "SR_BACKEND_FAILURE_44", "\u{e9}", "VDI_IN_USE\0"] {
        assert!(api_error(missing).is_none(), "{missing}");
    }
}

#[test]
fn sr_backend_failure_values_parse_strictly() {
    assert_eq!(sr_backend_failure_value("SR_BACKEND_FAILURE_44"), Some(44));
    assert_eq!(sr_backend_failure_value("SR_BACKEND_FAILURE_5011"), Some(5011));
    assert_eq!(sr_backend_failure_value("SR_BACKEND_FAILURE_"), None);
    assert_eq!(sr_backend_failure_value("SR_BACKEND_FAILURE"), None);
    assert_eq!(sr_backend_failure_value("SR_BACKEND_FAILURE_4x"), None);
    assert_eq!(sr_backend_failure_value("SR_BACKEND_FAILURE_99999999999999"), None);
    assert!(is_known_code("SR_BACKEND_FAILURE_777"));
    assert!(!is_known_code("NOT_A_CODE"));
}

/// A toast's line is read as an API error only when it is one's whole message (not a prefix
/// such as `no such `, nor an ordinary phrase), whatever the case, with a final period.
#[test]
fn a_whole_line_is_an_xo_api_errors_message() {
    assert_eq!(super::xo_api_error_whole_line("  Host offline.").map(|e| e.number), Some(18));
    assert_eq!(super::xo_api_error_whole_line("incorrect state").map(|e| e.number), Some(25));
    assert!(super::xo_api_error_whole_line("no such").is_none());
    assert!(super::xo_api_error_whole_line("operation failed").is_none());
    assert!(super::xo_api_error_whole_line("host offline since yesterday").is_none());
    // Every message, indented and with a period, fits the length the lookup rejects lines above.
    assert!(super::XO_API.iter().all(|e| e.message.len() + 8 <= 48));
}
