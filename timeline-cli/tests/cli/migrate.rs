//! `timeline migrate`: a v3 template becomes an app-event definition that
//! parses, checks the struct the v3 template checks, and gives an app-event
//! struct through `timeline codegen`.

use timeline_template::{Origin, definition};

use crate::codegen::{cargo_check, write_crate};
use crate::common::{run, scratch, stderr, templates, timeline};

/// An app-event definition for records of custom objects.
const CAR_SERVICED: &str = r#"{"uid": "car_serviced", "type": "app-event", "config": {"name": "Car serviced",
    "supportsCustomObject": true, "properties": [{"name": "mileage", "label": "Mileage", "type": "number"}]}}"#;

#[tokio::test]
async fn a_migrated_template_checks_the_same_struct_and_generates_an_app_event() {
    let dir = scratch("migrate").join("crate");
    write_crate(&dir);
    // A package name of its own, so that its build never shares artifacts
    // with the codegen test's crate in the same target directory.
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let renamed = manifest.replace("name = \"codegen-check\"", "name = \"migrate-check\"");
    assert_ne!(renamed, manifest);
    std::fs::write(dir.join("Cargo.toml"), renamed).unwrap();
    let migrated_path = "timeline/pet-adopted-hsmeta.json";
    let output =
        run(timeline().current_dir(&dir).args(["migrate", "timeline/1001298.json", "-o", migrated_path])).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("app event `pet_adopted` written to"), "{}", stderr(&output));

    // The file parses, and carries the template over.
    let text = std::fs::read_to_string(dir.join(migrated_path)).unwrap();
    let migrated = definition::parse(&text).unwrap_or_else(|reason| panic!("{reason}\n{text}"));
    let original = &templates()[0];
    assert_eq!(migrated.origin, Origin::AppEvent { uid: "pet_adopted".into() });
    assert_eq!(migrated.name, original.name);
    assert_eq!(migrated.object_type, original.object_type);
    assert_eq!(migrated.header_template, original.header_template);
    assert_eq!(migrated.detail_template, original.detail_template);
    let tokens: Vec<_> =
        migrated.tokens.iter().map(|token| (token.name.clone(), token.kind.variant().to_lowercase())).collect();
    let expected: Vec<_> =
        original.tokens.iter().map(|token| (token.name.clone(), token.kind.as_str().to_owned())).collect();
    assert_eq!(tokens, expected);
    let options: Vec<_> = migrated.tokens[3].options.iter().map(|option| option.value.as_str()).collect();
    assert_eq!(options, ["golden-retriever", "beagle", "mixed"]);
    assert!(text.contains("\"objectType\": \"CONTACT\""), "{text}");

    // The struct codegen makes for the v3 template, bound to the migrated file instead…
    let output = run(timeline().current_dir(&dir).args(["codegen", "timeline/1001298.json"])).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let v3 = String::from_utf8(output.stdout).unwrap();
    let rebound = body(&v3)
        .replace("template = \"timeline/1001298.json\"", &format!("template = {migrated_path:?}"))
        .replace("PetAdopted", "Rebound");
    assert!(rebound.contains("#[timeline(template = \"timeline/pet-adopted-hsmeta.json\", require_all_tokens)]"));
    // …and the app-event struct codegen makes for the migrated file.
    let output = run(timeline().current_dir(&dir).args(["codegen", migrated_path])).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let app_event = String::from_utf8(output.stdout).unwrap();
    assert!(
        app_event.contains("/// An app event of app event `pet_adopted` (Pet adopted), on contacts."),
        "{app_event}"
    );
    assert!(!app_event.contains("template_id"), "{app_event}");
    let app_event = body(&app_event).replace("PetAdopted", "AppPetAdopted");
    // An app event on custom objects gets a field for its object type.
    std::fs::write(dir.join("timeline/car-serviced-hsmeta.json"), CAR_SERVICED).unwrap();
    let output = run(timeline().current_dir(&dir).args(["codegen", "timeline/car-serviced-hsmeta.json"])).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let custom = String::from_utf8(output.stdout).unwrap();
    assert!(custom.contains("    #[timeline(object_type)]\n    pub object_type: String,\n"), "{custom}");
    let custom = body(&custom);
    let kinds = "\n/// Both structs bound to the migrated file are app events; the v3 one is not.\n\
        const _: () = assert!(matches!(Rebound::KIND, hubspot_timeline::events::EventKind::AppEvent));\n\
        const _: () = assert!(matches!(AppPetAdopted::KIND, hubspot_timeline::events::EventKind::AppEvent));\n\
        const _: () = assert!(matches!(PetAdopted::KIND, hubspot_timeline::events::EventKind::Timeline));\n";
    let lib = format!("{v3}{rebound}{app_event}{custom}{kinds}");
    std::fs::write(dir.join("src/lib.rs"), &lib).unwrap();
    cargo_check(&dir).unwrap_or_else(|errors| panic!("the structs do not compile:\n{errors}\n{lib}"));

    // The migrated file is what the derive checks them against: without a
    // property, both fail to build.
    let without_age = text.replace("\"name\": \"petAge\"", "\"name\": \"petYears\"");
    assert_ne!(without_age, text);
    std::fs::write(dir.join(migrated_path), without_age).unwrap();
    let errors = cargo_check(&dir).expect_err("a field without a property in the migrated file is a compile error");
    assert_eq!(errors.matches("no token `petAge` in app event `pet_adopted`").count(), 2, "{errors}");
}

#[tokio::test]
async fn migrate_prints_to_stdout_and_refuses_what_does_not_fit() {
    let dir = scratch("migrate-refused");
    let pet = timeline_cli::pull::render(&templates()[0]);
    std::fs::write(dir.join("pet.json"), &pet).unwrap();
    let output = run(timeline().current_dir(&dir).args(["migrate", "pet.json", "--uid", "pet_adopted_v2"])).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["uid"], "pet_adopted_v2");
    assert_eq!(printed["type"], "app-event");

    let long = pet.replace("\"Pet adopted\"", &format!("{:?}", "Pet adopted ".repeat(5)));
    std::fs::write(dir.join("long.json"), long).unwrap();
    let output = run(timeline().current_dir(&dir).args(["migrate", "long.json", "-o", "long-hsmeta.json"])).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("has 60 characters"), "{}", stderr(&output));
    assert!(!dir.join("long-hsmeta.json").exists(), "nothing is written");
    let output = run(timeline().current_dir(&dir).args(["migrate", "long.json", "--name", "Pet adopted"])).await;
    assert!(output.status.success(), "{}", stderr(&output));

    std::fs::write(dir.join("app-hsmeta.json"), output.stdout).unwrap();
    let output = run(timeline().current_dir(&dir).args(["migrate", "app-hsmeta.json"])).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("is already an app-event definition"), "{}", stderr(&output));
}

/// The generated code without its leading comment and `use` line.
fn body(code: &str) -> String {
    code.lines().skip_while(|line| line.starts_with("//") || line.starts_with("use ")).collect::<Vec<_>>().join("\n")
        + "\n"
}
