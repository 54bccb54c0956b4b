use super::*;

#[test]
fn tolerance_follows_javascript_decrement() {
    assert_eq!(Tolerance::from_js_number(1.0), Tolerance::Limit(1));
    assert_eq!(Tolerance::from_js_number(0.0), Tolerance::Limit(0));
    assert_eq!(Tolerance::from_js_number(-3.0), Tolerance::Limit(0));
    assert_eq!(Tolerance::from_js_number(0.5), Tolerance::Limit(1));
    assert_eq!(Tolerance::from_js_number(1.000_001), Tolerance::Limit(2));
    assert_eq!(Tolerance::from_js_number(f64::NAN), Tolerance::Unlimited);
    assert_eq!(Tolerance::from_js_number(f64::INFINITY), Tolerance::Unlimited);
    assert_eq!(Tolerance::from_js_number(f64::NEG_INFINITY), Tolerance::Limit(0));
    assert_eq!(Tolerance::from_json(None), Tolerance::Limit(1));
    assert_eq!(Tolerance::from_json(Some(&Value::Null)), Tolerance::Limit(1));
    assert_eq!(Tolerance::from_json(Some(&serde_json::json!("2"))), Tolerance::Limit(2));
    assert_eq!(Tolerance::from_json(Some(&serde_json::json!("abc"))), Tolerance::Unlimited);
    assert_eq!(Tolerance::from_json(Some(&serde_json::json!(""))), Tolerance::Limit(0));
    assert_eq!(Tolerance::from_json(Some(&serde_json::json!(true))), Tolerance::Limit(1));
    assert_eq!(Tolerance::from_json(Some(&serde_json::json!({}))), Tolerance::Unlimited);
    assert_eq!(js_string_to_number("0x10"), 16.0);
    assert!(js_string_to_number("inf").is_nan());
    assert_eq!(js_string_to_number(" 2 "), 2.0);
    assert_eq!(js_string_to_number("+1.5"), 1.5);
    assert_eq!(js_string_to_number(".5"), 0.5);
    assert_eq!(js_string_to_number("-.5"), -0.5);
    assert_eq!(js_string_to_number("5."), 5.0);
    assert_eq!(js_string_to_number("1e3"), 1000.0);
    assert!(js_string_to_number("1x").is_nan());
}
