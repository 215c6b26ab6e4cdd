//! `timeline codegen`: the printed code compiles in a crate that depends on
//! the facade, with the derive's template checks applied to it.
//!
//! The crate depends on the facade as a crate that only defines events does,
//! without the `client` feature, so this also keeps that build working. It
//! also holds the code of a hostile template, whose texts try to break out
//! of every place codegen copies them to.

use std::path::Path;
use std::process::Command;

use crate::common::{run, scratch, stderr, target_dir, templates, timeline, workspace_root};

/// A template whose name, object type, token names, labels and option
/// labels and values hold quotes, backslashes, line breaks, comment ends,
/// attributes, braces, Markdown fences and unicode (a text-direction mark
/// among them), each followed by code that must never become code.
const HOSTILE: &str = r#"{"id": "1009999",
    "name": "Hostile \"one\" \\ */ #[x] } `t` \u2603\u202e\nfn injected_name() {}",
    "objectType": "deals\n*/ pub fn injected_object() {} /*",
    "tokens": [
        {"name": "note", "type": "string",
         "label": "Note \"q\" \\\r\n#[doc = \"x\"] */ } ```rust\nfn injected_label() {}\n``` [link](x) <b>"},
        {"name": "level", "label": "Level", "type": "enumeration", "options": [
            {"label": "Low \"1\"\n} fn injected_option() {", "value": "low\"\\\n}"},
            {"label": "", "value": "\u00e9 \u2603 */ #[x] `v`"}]},
        {"name": "x\"}\n#[evil] fn injected_token() {} //", "label": "Gone", "type": "enumeration"}]}"#;

/// Writes the pulled-style template files and the manifest of a crate under `dir`.
pub fn write_crate(dir: &Path) {
    std::fs::create_dir_all(dir.join("timeline")).unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("timeline/1009999.json"), HOSTILE).unwrap();
    for template in templates() {
        let text = timeline_cli::pull::render(&template);
        std::fs::write(dir.join("timeline").join(format!("{}.json", template.id)), text).unwrap();
    }
    let manifest = format!(
        "[package]\nname = \"codegen-check\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nhubspot-timeline = {{ path = {:?}, default-features = false, features = [\"derive\"] }}\nchrono = {{ version = \"0.4\", default-features = false, features = [\"std\", \"clock\"] }}\n\n\
         [workspace]\n",
        workspace_root().display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(workspace_root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

/// `cargo check` of the crate at `dir`; its stderr on failure.
pub fn cargo_check(dir: &Path) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(["check", "--offline", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir().join("codegen-check"))
        .env_remove("TIMELINE_TEMPLATE_DIR")
        .output()
        .expect("cargo runs");
    if output.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&output.stderr).into_owned()) }
}

#[tokio::test]
async fn generated_code_compiles_and_binds_the_template_files() {
    let dir = scratch("codegen").join("crate");
    write_crate(&dir);
    let files = ["timeline/1001298.json", "timeline/1004521.json", "timeline/1009999.json"];
    let output = run(timeline().current_dir(&dir).arg("codegen").args(files)).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let code = String::from_utf8(output.stdout).unwrap();
    assert!(code.contains("#[timeline(template = \"timeline/1001298.json\", require_all_tokens)]"), "{code}");
    assert!(code.contains("pub struct PetAdopted {"), "{code}");
    assert!(code.contains("pub enum PetAdoptedBreed {"), "{code}");
    assert!(code.contains("pub type_: String,"), "{code}");
    assert!(code.lines().all(|line| !line.contains("fn injected") || line.trim_start().starts_with("//")), "{code}");
    for escaped in [
        r#"/// An event of template 1009999 (Hostile "one" \\ \*/ #\[x\] } \`t\` ☃\u{202e}\nfn injected\_name() {}), on deals\n\*/ pub fn injected\_object() {} /\*."#,
        r#"    /// Token `note` (string): Note "q" \\\r\n#\[doc = "x"\] \*/ } \`\`\`rust\nfn injected\_label() {}\n\`\`\` \[link\](x) \<b\>."#,
        r#"    /// Option `low"\\\n}`: Low "1"\n} fn injected\_option() {."#,
        r#"    #[timeline(rename = "low\"\\\n}")]"#,
        r#"    /// Option `` é ☃ */ #[x] `v` ``."#,
        r#"    // Token `x"}\n#[evil] fn injected_token() {} //` is an enumeration without options: no field."#,
    ] {
        assert!(code.contains(escaped), "{escaped}\n{code}");
    }
    let use_them = "\n\n/// Builds one event of each type, so the derives' checks run on concrete types.\n\
        pub fn examples() -> (PetAdopted, BuildFinished, HostileOneXTFnInjectedName) {\n\
        \x20   let now = chrono::Utc::now();\n\
        \x20   let pet = PetAdopted { object_id: \"1\".into(), id: \"a\".into(), timestamp: now, pet_name: \"Rex\".into(),\n\
        \x20       pet_age: 3.0, adopted_on: now, breed: PetAdoptedBreed::GoldenRetriever };\n\
        \x20   let build = BuildFinished { object_id: \"2\".into(), id: \"b\".into(), timestamp: now, type_: \"ci\".into(),\n\
        \x20       build_number: 7.0, id2: \"x\".into(), stage: BuildFinishedStage::V1 };\n\
        \x20   let hostile = HostileOneXTFnInjectedName { object_id: \"3\".into(), id: \"c\".into(), timestamp: now, note: \"n\".into(),\n\
        \x20       level: HostileOneXTFnInjectedNameLevel::Low };\n\
        \x20   (pet, build, hostile)\n}\n";
    std::fs::write(dir.join("src/lib.rs"), format!("{code}{use_them}")).unwrap();
    cargo_check(&dir).unwrap_or_else(|errors| panic!("the generated code does not compile:\n{errors}\n{code}"));

    // The template checks apply: a token the file no longer has fails the build.
    let mut changed = templates()[0].clone();
    changed.tokens.retain(|token| token.name != "petAge");
    std::fs::write(dir.join("timeline/1001298.json"), timeline_cli::pull::render(&changed)).unwrap();
    let errors = cargo_check(&dir).expect_err("a field without a token in the file is a compile error");
    assert!(errors.contains("petAge"), "{errors}");
}

#[tokio::test]
async fn files_outside_the_crate_are_refused() {
    let dir = scratch("codegen-outside");
    let file = dir.join("1.json");
    std::fs::write(&file, r#"{"id": "1", "name": "x", "objectType": "deals"}"#).unwrap();
    let crate_dir = dir.join("crate");
    std::fs::create_dir_all(&crate_dir).unwrap();
    let output = run(timeline().arg("codegen").arg(&file).arg("--crate-dir").arg(&crate_dir)).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("is not inside the crate folder"), "{}", stderr(&output));
}
