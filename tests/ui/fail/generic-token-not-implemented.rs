use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298")]
struct Signup<P> {
    #[timeline(email)]
    email: String,
    plan: P,
}

struct Plan;

fn main() {
    let signup = Signup { email: "ada@example.com".to_owned(), plan: Plan };
    let _ = hubspot_timeline::encode_input(&signup, &mut Vec::new());
}
