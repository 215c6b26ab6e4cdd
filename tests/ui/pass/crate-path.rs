mod vendored {
    pub use hubspot_timeline as timeline;
}

use hubspot_timeline::{TimelineEvent, TimelineToken};

#[derive(TimelineToken)]
#[timeline(crate = "vendored::timeline")]
enum Plan {
    Free,
}

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298", crate = "crate::vendored::timeline")]
struct Signup {
    #[timeline(email)]
    email: String,
    plan: Plan,
}

fn main() {
    assert_eq!(<Signup as vendored::timeline::TimelineEvent>::TOKENS.len(), 1);
}
