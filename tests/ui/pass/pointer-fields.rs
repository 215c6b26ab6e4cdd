use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;

use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct Pointers<'a> {
    #[timeline(email)]
    email: Arc<str>,
    #[timeline(timestamp)]
    at: Option<chrono::NaiveDate>,
    cow: Cow<'a, str>,
    arc: Arc<String>,
    rc: Rc<u32>,
    boxed: Box<f64>,
    borrowed: &'a i64,
    maybe: Option<Cow<'a, str>>,
    nested: Option<Box<chrono::NaiveDateTime>>,
    flag: bool,
}

fn main() {
    assert_eq!(Pointers::TOKENS.len(), 8);
}
