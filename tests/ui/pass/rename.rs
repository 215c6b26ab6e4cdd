use hubspot_timeline::TimelineEvent;

#[derive(TimelineEvent)]
#[timeline(template_id = "1001298", rename_all = "kebab-case")]
struct Renamed {
    #[timeline(utk)]
    visitor: String,
    page_path: String,
    #[timeline(rename = "pet.name")]
    pet_name: String,
    r#type: String,
    #[timeline(rename = "Score_v2")]
    score: u16,
}

fn main() {
    let names: Vec<&str> = Renamed::TOKENS.iter().map(|token| token.name).collect();
    assert_eq!(names, ["page-path", "pet.name", "type", "Score_v2"]);
}
