//! How each Rust type turns into token text.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use timeline_core::{EncodeError, TokenKind, TokenValue, TokenWriter};

/// The text `value` is written as, or `None` when the token is omitted.
fn text<T: TokenValue + ?Sized>(value: &T) -> Result<Option<String>, EncodeError> {
    let mut map = BTreeMap::new();
    TokenWriter::map(&mut map).token("t", value)?;
    Ok(map.remove("t"))
}

fn written<T: TokenValue + ?Sized>(value: &T) -> String {
    text(value).unwrap().expect("the token is present")
}

#[test]
fn every_string_type_is_written_as_is() {
    let text = "Rex \"the dog\" — 🐕";
    assert_eq!(written(text), text);
    assert_eq!(written(&text.to_owned()), text);
    assert_eq!(written(&Cow::Borrowed(text)), text);
    assert_eq!(written(&Cow::<str>::Owned(text.to_owned())), text);
    assert_eq!(written(&Box::<str>::from(text)), text);
    assert_eq!(written(&Arc::<str>::from(text)), text);
    assert_eq!(written(&Rc::<str>::from(text)), text);
    assert_eq!(written(&&text), text);
    assert_eq!(<&str as TokenValue>::KIND, TokenKind::String);
    assert_eq!(<Arc<str> as TokenValue>::KIND, TokenKind::String);
}

#[test]
fn integers_are_written_in_decimal_at_their_limits() {
    assert_eq!(written(&i8::MIN), "-128");
    assert_eq!(written(&i16::MAX), "32767");
    assert_eq!(written(&i32::MIN), "-2147483648");
    assert_eq!(written(&i64::MIN), "-9223372036854775808");
    assert_eq!(written(&i128::MIN), "-170141183460469231731687303715884105728");
    assert_eq!(written(&isize::MAX), isize::MAX.to_string());
    assert_eq!(written(&u8::MAX), "255");
    assert_eq!(written(&u16::MAX), "65535");
    assert_eq!(written(&u32::MAX), "4294967295");
    assert_eq!(written(&u64::MAX), "18446744073709551615");
    assert_eq!(written(&u128::MAX), "340282366920938463463374607431768211455");
    assert_eq!(written(&usize::MIN), "0");
    assert_eq!(<u8 as TokenValue>::KIND, TokenKind::Number);
    assert_eq!(<i128 as TokenValue>::KIND, TokenKind::Number);
}

#[test]
fn floats_are_written_as_plain_decimals() {
    assert_eq!(written(&412.5f64), "412.5");
    assert_eq!(written(&3.0f64), "3");
    assert_eq!(written(&-0.25f64), "-0.25");
    assert_eq!(written(&0.1f32), "0.1", "an f32 is not widened to f64 digits");
    assert_eq!(written(&1e21f64), "1000000000000000000000", "no exponent notation");
    assert_eq!(written(&5e-7f64), "0.0000005");
    assert_eq!(<f32 as TokenValue>::KIND, TokenKind::Number);
}

#[test]
fn non_finite_floats_are_an_error_naming_the_token() {
    for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        match text(&value) {
            Err(EncodeError::NonFiniteNumber { token: "t", value: got }) => {
                assert_eq!(got.is_nan(), value.is_nan());
            }
            other => panic!("{value} gave {other:?}"),
        }
    }
    let error = text(&f32::NAN).unwrap_err();
    assert!(error.to_string().contains("token `t` is NaN"), "{error}");
}

#[test]
fn dates_are_epoch_milliseconds_whatever_the_time_zone() {
    let utc = Utc.with_ymd_and_hms(2026, 5, 4, 9, 15, 0).unwrap();
    assert_eq!(written(&utc), "1777886100000");
    for offset_hours in [-11, -5, 0, 5, 13] {
        let zone = FixedOffset::east_opt(offset_hours * 3600).unwrap();
        assert_eq!(written(&utc.with_timezone(&zone)), "1777886100000", "offset {offset_hours}h");
    }
    let india = FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
    let local = india.with_ymd_and_hms(2026, 5, 4, 14, 45, 0).unwrap();
    assert_eq!(written(&local), "1777886100000");
    assert_eq!(<chrono::DateTime<FixedOffset> as TokenValue>::KIND, TokenKind::Date);
}

#[test]
fn naive_dates_are_midnight_utc_and_naive_date_times_are_utc() {
    let date = NaiveDate::from_ymd_opt(2026, 5, 4).unwrap();
    assert_eq!(written(&date), "1777852800000");
    let before_epoch = NaiveDate::from_ymd_opt(1969, 12, 31).unwrap();
    assert_eq!(written(&before_epoch), "-86400000");
    let naive: NaiveDateTime = date.and_hms_milli_opt(9, 15, 0, 250).unwrap();
    assert_eq!(written(&naive), "1777886100250");
    assert_eq!(<NaiveDate as TokenValue>::KIND, TokenKind::Date);
}

#[test]
fn options_omit_the_token_when_none() {
    assert_eq!(text(&None::<String>).unwrap(), None);
    assert_eq!(text(&Some(7u8)).unwrap().as_deref(), Some("7"));
    assert_eq!(text(&Some(Some("x"))).unwrap().as_deref(), Some("x"));
    assert_eq!(<Option<NaiveDate> as TokenValue>::KIND, TokenKind::Date);
}

#[test]
fn booleans_are_text() {
    assert_eq!(written(&true), "true");
    assert_eq!(written(&false), "false");
}
