//! Runtime behaviour of derived impls: what the derive generates is what
//! HubSpot receives.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use hubspot_timeline::events::{TokenKind, TokenSpec, TokenValue};
use hubspot_timeline::wire::TimelineEventIFrame;
use hubspot_timeline::{EncodeError, TimelineEvent, TimelineToken, encode_input};
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, TimelineToken)]
#[timeline(rename_all = "kebab-case")]
enum Breed {
    GoldenRetriever,
    Beagle,
    #[timeline(rename = "mixed")]
    Other,
}

#[derive(Serialize)]
struct Details {
    shelter: &'static str,
    microchipped: bool,
}

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298", rename_all = "camelCase")]
struct PetAdopted<'a> {
    #[timeline(email)]
    owner_email: &'a str,
    #[timeline(id)]
    adoption_id: u64,
    #[timeline(timestamp)]
    adopted_at: DateTime<Utc>,
    pet_name: &'a str,
    pet_age: u8,
    breed: Breed,
    #[timeline(rename = "vaccinatedOn")]
    vaccinated: Option<NaiveDate>,
    #[timeline(extra_data)]
    details: Details,
    #[timeline(skip)]
    #[allow(dead_code)]
    internal_note: String,
}

fn adoption(vaccinated: Option<NaiveDate>) -> PetAdopted<'static> {
    PetAdopted {
        owner_email: "ada@example.com",
        adoption_id: 77,
        adopted_at: Utc.with_ymd_and_hms(2026, 5, 4, 9, 15, 0).unwrap(),
        pet_name: "Rex",
        pet_age: 3,
        breed: Breed::GoldenRetriever,
        vaccinated,
        details: Details { shelter: "North", microchipped: true },
        internal_note: "never sent".into(),
    }
}

fn encoded<E: TimelineEvent>(event: &E) -> (String, Value) {
    let mut body = Vec::new();
    let id = encode_input(event, &mut body).unwrap();
    (id.into_owned(), serde_json::from_slice(&body).unwrap())
}

#[test]
fn tokens_are_listed_in_field_order_with_their_kinds() {
    assert_eq!(PetAdopted::EVENT_TYPE, "1001298");
    assert_eq!(
        PetAdopted::TOKENS,
        &[
            TokenSpec { name: "petName", kind: TokenKind::String },
            TokenSpec { name: "petAge", kind: TokenKind::Number },
            TokenSpec { name: "breed", kind: TokenKind::Enumeration },
            TokenSpec { name: "vaccinatedOn", kind: TokenKind::Date },
        ]
    );
}

#[test]
fn an_event_with_every_kind_of_field_encodes_each_where_hubspot_expects_it() {
    let vaccinated = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
    let (id, json) = encoded(&adoption(Some(vaccinated)));
    assert_eq!(id, "77");
    let midnight = vaccinated.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis().to_string();
    assert_eq!(
        json,
        json!({
            "eventTemplateId": "1001298",
            "tokens": {
                "petName": "Rex",
                "petAge": "3",
                "breed": "golden-retriever",
                "vaccinatedOn": midnight,
            },
            "id": "77",
            "email": "ada@example.com",
            "timestamp": "2026-05-04T09:15:00.000Z",
            "extraData": { "shelter": "North", "microchipped": true },
        })
    );
}

#[test]
fn a_none_token_is_left_out() {
    let event = adoption(None);
    let tokens = event.tokens().unwrap();
    assert_eq!(tokens.keys().collect::<Vec<_>>(), ["breed", "petAge", "petName"]);
    let (_, json) = encoded(&event);
    assert!(json["tokens"].get("vaccinatedOn").is_none());
}

#[test]
fn skipped_fields_are_not_sent() {
    let mut body = Vec::new();
    encode_input(&adoption(None), &mut body).unwrap();
    assert!(!String::from_utf8(body).unwrap().contains("never sent"));
}

#[test]
fn timeline_tokens_know_their_values() {
    assert_eq!(Breed::VALUES, &["golden-retriever", "beagle", "mixed"]);
    assert_eq!(Breed::Other.value(), "mixed");
    assert_eq!(Breed::Beagle.value(), "beagle");
    assert_eq!(<Breed as TokenValue>::KIND, TokenKind::Enumeration);
    assert_eq!(Breed::Other.token_text(), hubspot_timeline::events::by_hand::TokenText::Text(Cow::Borrowed("mixed")));
}

#[derive(TimelineEvent)]
#[timeline(template_id = "2002")]
struct DealStageChanged {
    #[timeline(object_id)]
    deal: u64,
    #[timeline(iframe)]
    details_frame: Option<TimelineEventIFrame>,
    stage: String,
    amount: f64,
}

#[test]
fn object_id_and_iframe_roles_are_encoded() {
    let frame = TimelineEventIFrame {
        link_label: "Open".into(),
        header_label: "Deal".into(),
        url: "https://example.com/deal/9".into(),
        width: 600,
        height: 400,
    };
    let event = DealStageChanged { deal: 9, details_frame: Some(frame), stage: "won".into(), amount: 1250.5 };
    let (_, json) = encoded(&event);
    assert_eq!(json["objectId"], "9");
    assert_eq!(json["tokens"], json!({ "stage": "won", "amount": "1250.5" }));
    assert_eq!(json["timelineIFrame"]["url"], "https://example.com/deal/9");
    assert_eq!(json["timelineIFrame"]["width"], 600);
    assert!(json.get("timestamp").is_none());
    assert!(json.get("extraData").is_none());
}

#[test]
fn a_non_finite_number_is_a_per_event_error() {
    let event = DealStageChanged { deal: 9, details_frame: None, stage: "won".into(), amount: f64::NAN };
    let mut body = Vec::new();
    let error = encode_input(&event, &mut body).unwrap_err();
    assert!(matches!(error, EncodeError::NonFiniteNumber { token: "amount", .. }), "{error:?}");
    assert!(body.is_empty());
}

#[derive(TimelineEvent)]
#[timeline(template_id = "3003", rename_all = "SCREAMING_SNAKE_CASE")]
struct PageVisited {
    #[timeline(utk)]
    visitor: String,
    #[timeline(domain)]
    site: Arc<str>,
    page_path: Cow<'static, str>,
    r#type: &'static str,
}

#[test]
fn utk_and_domain_roles_and_raw_identifiers_are_encoded() {
    let event =
        PageVisited { visitor: "utk-1".into(), site: "example.com".into(), page_path: "/pricing".into(), r#type: "ad" };
    let (id, json) = encoded(&event);
    assert_eq!(json["utk"], "utk-1");
    assert_eq!(json["domain"], "example.com");
    assert_eq!(json["tokens"], json!({ "PAGE_PATH": "/pricing", "TYPE": "ad" }));
    assert!(json.get("email").is_none() && json.get("objectId").is_none());
    assert_eq!(id, json["id"]);
}

#[test]
fn events_without_an_id_field_get_the_deterministic_id() {
    let event =
        PageVisited { visitor: "utk-1".into(), site: "example.com".into(), page_path: "/pricing".into(), r#type: "ad" };
    assert_eq!(event.event_id(), None);
    let (id, _) = encoded(&event);
    assert!(id.starts_with("tl2-"), "{id}");
    assert_eq!(id, hubspot_timeline::events::event_id(&event).unwrap());
    let other = PageVisited { page_path: "/docs".into(), ..event };
    assert_ne!(encoded(&other).0, id);
}

#[test]
fn events_with_an_id_field_are_sent_with_it() {
    let event = adoption(None);
    assert_eq!(event.event_id().as_deref(), Some("77"));
    assert_eq!(hubspot_timeline::events::event_id(&event).unwrap(), "77");
    assert_eq!(encoded(&event).0, "77");
}

trait Plan: TimelineToken {}

#[derive(Clone, Copy, TimelineToken)]
#[timeline(rename_all = "lowercase")]
enum Tier {
    Free,
    Pro,
}

impl Plan for Tier {}

#[derive(TimelineEvent)]
#[timeline(template_id = "4004", rename_all = "camelCase")]
struct Signup<'a, P: Plan, Seats = u32>
where
    Seats: Copy,
{
    #[timeline(email)]
    email: &'a str,
    #[timeline(timestamp)]
    at: Option<DateTime<Utc>>,
    plan: P,
    seat_count: Option<Seats>,
}

#[test]
fn generic_events_carry_their_parameters_into_tokens() {
    let event = Signup::<Tier> { email: "ada@example.com", at: None, plan: Tier::Pro, seat_count: Some(5) };
    assert_eq!(Signup::<Tier>::TOKENS[0], TokenSpec { name: "plan", kind: TokenKind::Enumeration });
    assert_eq!(Signup::<Tier, u8>::TOKENS[1], TokenSpec { name: "seatCount", kind: TokenKind::Number });
    let (_, json) = encoded(&event);
    assert_eq!(json["tokens"], json!({ "plan": "pro", "seatCount": "5" }));
    assert!(json.get("timestamp").is_none());
    let with_time = Signup { at: Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()), ..event };
    assert_eq!(encoded(&with_time).1["timestamp"], "2026-01-01T00:00:00.000Z");
}

#[test]
fn a_missing_target_is_a_per_event_error() {
    let event = Signup::<Tier> { email: "", at: None, plan: Tier::Free, seat_count: None };
    // An empty email is still a value; the runtime rejects only absent targets.
    assert!(encode_input(&event, &mut Vec::new()).is_ok());

    #[derive(TimelineEvent)]
    #[timeline(template_id = "5005")]
    struct MaybeContact {
        #[timeline(email)]
        email: Option<String>,
        note: String,
    }
    let error = encode_input(&MaybeContact { email: None, note: "x".into() }, &mut Vec::new()).unwrap_err();
    assert_eq!(error, EncodeError::NoTarget);
}

fn body<E: TimelineEvent>(event: &E) -> Vec<u8> {
    let mut body = Vec::new();
    encode_input(event, &mut body).unwrap();
    body
}

#[derive(TimelineEvent)]
#[timeline(template_id = "5005", rename_all = "camelCase")]
struct PaymentWithUuid {
    #[timeline(id)]
    payment_id: uuid::Uuid,
    #[timeline(object_id)]
    account: uuid::Uuid,
    reference: Option<uuid::Uuid>,
}

#[test]
fn a_uuid_is_sent_as_hyphenated_lower_case_text_as_id_object_id_and_token() {
    let payment_id = uuid::Uuid::from_u128(0x67E5_5044_10B1_426F_9247_BB68_0E5F_E0C8);
    let account = uuid::Uuid::from_u128(0xA1A2_A3A4_B1B2_C1C2_D1D2_D3D4_D5D6_D7D8);
    let event = PaymentWithUuid { payment_id, account, reference: Some(payment_id) };
    let (id, json) = encoded(&event);
    assert_eq!(id, "67e55044-10b1-426f-9247-bb680e5fe0c8");
    assert_eq!(json["id"], "67e55044-10b1-426f-9247-bb680e5fe0c8");
    assert_eq!(json["objectId"], "a1a2a3a4-b1b2-c1c2-d1d2-d3d4d5d6d7d8");
    assert_eq!(json["tokens"]["reference"], "67e55044-10b1-426f-9247-bb680e5fe0c8");
    assert_eq!(<uuid::Uuid as TokenValue>::KIND, TokenKind::String);
}

#[derive(TimelineEvent)]
#[timeline(template_id = "6006", rename_all = "camelCase")]
struct Shipped<At, Day, Local> {
    #[timeline(object_id)]
    contact_id: u64,
    #[timeline(timestamp)]
    shipped_at: At,
    delivered_at: At,
    due_on: Day,
    packed_at: Local,
}

#[test]
fn time_types_encode_to_the_same_bytes_as_chrono_for_the_same_instants() {
    let instants = [
        (2026, 5, 4, 9, 15, 0, 123_456_789),
        (1969, 12, 31, 23, 59, 59, 999_999_999),
        (1901, 3, 2, 1, 0, 0, 1_000_000),
    ];
    for (year, month, day, hour, minute, second, nano) in instants {
        let chrono_date = NaiveDate::from_ymd_opt(year, month, day).unwrap();
        let chrono_local = chrono_date.and_hms_nano_opt(hour, minute, second, nano).unwrap();
        let chrono_event = Shipped {
            contact_id: 5120345,
            shipped_at: chrono_local.and_utc(),
            delivered_at: chrono_local.and_utc(),
            due_on: chrono_date,
            packed_at: chrono_local,
        };
        let time_month = time::Month::try_from(u8::try_from(month).unwrap()).unwrap();
        let time_date = time::Date::from_calendar_date(year, time_month, u8::try_from(day).unwrap()).unwrap();
        let clock = time::Time::from_hms_nano(
            u8::try_from(hour).unwrap(),
            u8::try_from(minute).unwrap(),
            u8::try_from(second).unwrap(),
            nano,
        )
        .unwrap();
        let time_local = time::PrimitiveDateTime::new(time_date, clock);
        let offset = time::UtcOffset::from_hms(2, 0, 0).unwrap();
        let time_event = Shipped {
            contact_id: 5120345,
            shipped_at: time_local.assume_utc().to_offset(offset),
            delivered_at: time_local.assume_utc(),
            due_on: time_date,
            packed_at: time_local,
        };
        assert_eq!(
            String::from_utf8(body(&time_event)).unwrap(),
            String::from_utf8(body(&chrono_event)).unwrap(),
            "{chrono_local}"
        );
        assert_eq!(
            <Shipped<time::OffsetDateTime, time::Date, time::PrimitiveDateTime>>::TOKENS,
            <Shipped<DateTime<Utc>, NaiveDate, chrono::NaiveDateTime>>::TOKENS
        );
    }
}

#[derive(TimelineEvent)]
#[timeline(template_id = "7007", rename_all = "camelCase")]
struct Invoiced {
    #[timeline(object_id)]
    contact_id: u64,
    amount: rust_decimal::Decimal,
    discount: Option<rust_decimal::Decimal>,
}

#[test]
fn a_decimal_is_written_exactly_where_a_float_would_round() {
    use std::str::FromStr;
    let tenth = rust_decimal::Decimal::from_str("0.1").unwrap();
    let fifth = rust_decimal::Decimal::from_str("0.2").unwrap();
    let large = rust_decimal::Decimal::from_str("12345678901234567890.123").unwrap();
    assert_ne!((0.1_f64 + 0.2).to_string(), "0.3");
    assert_ne!(12_345_678_901_234_567_890.123_f64.to_string(), "12345678901234567890.123");
    let event = Invoiced { contact_id: 5120345, amount: large, discount: Some(tenth + fifth) };
    let (_, json) = encoded(&event);
    assert_eq!(json["tokens"]["amount"], "12345678901234567890.123");
    assert_eq!(json["tokens"]["discount"], "0.3");
    assert_eq!(<rust_decimal::Decimal as TokenValue>::KIND, TokenKind::Number);
}

#[derive(Debug, TimelineToken)]
struct ContactId(u64);

#[derive(TimelineToken)]
struct Email {
    address: String,
}

#[derive(TimelineToken)]
struct OrderNumber(String);

#[derive(TimelineToken)]
struct Sent(DateTime<Utc>);

#[derive(TimelineToken)]
struct BreedChoice(Breed);

#[derive(TimelineEvent)]
#[timeline(template_id = "8008", rename_all = "camelCase")]
struct OrderPlaced<Contact, Address, Order, At, Pet, Count> {
    #[timeline(object_id)]
    contact_id: Contact,
    #[timeline(email)]
    email: Address,
    #[timeline(utk)]
    utk: Address,
    #[timeline(domain)]
    domain: Address,
    #[timeline(id)]
    order_number: Order,
    #[timeline(timestamp)]
    placed_at: At,
    breed: Pet,
    items: Count,
    reference: Order,
}

#[test]
fn newtypes_send_exactly_what_their_fields_send() {
    let placed_at = Utc.with_ymd_and_hms(2026, 5, 4, 9, 15, 0).unwrap();
    let plain = OrderPlaced {
        contact_id: 5120345_u64,
        email: "ada@example.com".to_owned(),
        utk: "ada@example.com".to_owned(),
        domain: "ada@example.com".to_owned(),
        order_number: "ord-77".to_owned(),
        placed_at,
        breed: Breed::GoldenRetriever,
        items: 3_u64,
        reference: "ord-77".to_owned(),
    };
    let wrapped = OrderPlaced {
        contact_id: ContactId(5120345),
        email: Email { address: "ada@example.com".to_owned() },
        utk: Email { address: "ada@example.com".to_owned() },
        domain: Email { address: "ada@example.com".to_owned() },
        order_number: OrderNumber("ord-77".to_owned()),
        placed_at: Sent(placed_at),
        breed: BreedChoice(Breed::GoldenRetriever),
        items: ContactId(3),
        reference: OrderNumber("ord-77".to_owned()),
    };
    let (id, json) = encoded(&wrapped);
    assert_eq!(id, "ord-77");
    assert_eq!(json["objectId"], "5120345");
    assert_eq!(json["email"], "ada@example.com");
    assert_eq!(json["tokens"]["breed"], "golden-retriever");
    assert_eq!(json["tokens"]["items"], "3");
    assert_eq!(String::from_utf8(body(&wrapped)).unwrap(), String::from_utf8(body(&plain)).unwrap());
}

#[test]
fn a_newtype_has_the_kind_and_options_of_its_field() {
    assert_eq!(<ContactId as TokenValue>::KIND, TokenKind::Number);
    assert_eq!(<Email as TokenValue>::KIND, TokenKind::String);
    assert_eq!(<Sent as TokenValue>::KIND, TokenKind::Date);
    assert_eq!(<BreedChoice as TokenValue>::KIND, TokenKind::Enumeration);
    assert_eq!(<BreedChoice as TokenValue>::OPTIONS, ["golden-retriever", "beagle", "mixed"]);
    assert_eq!(<BreedChoice as TimelineToken>::VALUES, Breed::VALUES);
    assert_eq!(BreedChoice(Breed::Other).value(), "mixed");
}
