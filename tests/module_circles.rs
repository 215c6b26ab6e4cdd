//! No module of any crate of the workspace reaches, through the paths it
//! names (`use crate::…`, `super::…`, inline `crate::x::Y`), a module that
//! reaches back to it. A module naming its own ancestors or descendants is
//! not counted: a parent holds its children, and a crate root re-exports.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module: its crate and its path inside it (`[]` for the root).
type Module = (String, Vec<String>);

/// The workspace's crates: the folder of each one's `src`.
fn crate_sources() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut crates = vec![("hubspot-timeline".to_owned(), root.join("src"))];
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.join("Cargo.toml").is_file() && path.join("src").is_dir() {
            crates.push((path.file_name().unwrap().to_string_lossy().into_owned(), path.join("src")));
        }
    }
    crates.sort();
    crates
}

/// The module a source file is, from its path under `src`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut segments: Vec<String> = relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
    if matches!(segments.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        segments.pop();
    }
    segments
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

/// The text of `source` without comments and string literals, so that
/// paths in docs or messages are not taken for uses.
fn code_only(source: &str) -> String {
    let mut code = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        code.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut previous = ' ';
                for c in chars.by_ref() {
                    if previous == '*' && c == '/' {
                        break;
                    }
                    previous = c;
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if !escaped && c == '"' {
                        break;
                    }
                    escaped = !escaped && c == '\\';
                }
                code.push_str("\"\"");
            }
            '\'' => {
                // A char literal ('x', '\n') or a lifetime ('a): skip a literal only.
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with('\\') {
                    while chars.next().is_some_and(|c| c != '\'') {}
                } else if rest.chars().nth(1) == Some('\'') {
                    chars.next();
                    chars.next();
                }
                code.push(' ');
            }
            c => code.push(c),
        }
    }
    code
}

/// The paths a piece of code names from `crate`, `super` or `self`, each as
/// its segments, `use` trees expanded (`use super::{a::B, c}` names
/// `super::a::B` and `super::c`).
fn named_paths(code: &str) -> Vec<Vec<String>> {
    let tokens = tokenize(code);
    let mut paths = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if matches!(tokens[i].as_str(), "crate" | "super" | "self")
            && (i == 0 || tokens[i - 1] != "::")
            && tokens.get(i + 1).is_some_and(|next| next == "::")
        {
            i = expand(&tokens, i, Vec::new(), &mut paths);
        } else {
            i += 1;
        }
    }
    paths
}

/// Identifiers and the punctuation `::`, `{`, `}`, `,` of `code`.
fn tokenize(code: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            let mut word = c.to_string();
            while let Some(&next) = chars.peek() {
                if !(next.is_alphanumeric() || next == '_') {
                    break;
                }
                word.push(next);
                chars.next();
            }
            tokens.push(word);
        } else if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            tokens.push("::".to_owned());
        } else if matches!(c, '{' | '}' | ',' | ';' | '(' | ')' | '<' | '>' | '=' | '!' | '&' | '.') {
            tokens.push(c.to_string());
        }
    }
    tokens
}

/// Reads the path starting at `tokens[i]` after `prefix`, pushing each full
/// path of a `use` tree; returns the index after it.
fn expand(tokens: &[String], mut i: usize, mut prefix: Vec<String>, paths: &mut Vec<Vec<String>>) -> usize {
    while let Some(token) = tokens.get(i) {
        if token == "{" {
            i += 1;
            loop {
                match tokens.get(i).map(String::as_str) {
                    Some("}") => {
                        i += 1;
                        break;
                    }
                    Some(",") => i += 1,
                    Some(_) => i = expand(tokens, i, prefix.clone(), paths),
                    None => return i,
                }
            }
            return i;
        }
        if token.chars().all(|c| c.is_alphanumeric() || c == '_') {
            prefix.push(token.clone());
            i += 1;
            if tokens.get(i).is_some_and(|next| next == "::") {
                i += 1;
                continue;
            }
        }
        break;
    }
    if !prefix.is_empty() {
        paths.push(prefix);
    }
    i
}

/// The module a path named in `from` lands in: the longest prefix of its
/// resolved segments that is a module of the crate.
fn target(from: &[String], path: &[String], modules: &BTreeSet<Vec<String>>) -> Option<Vec<String>> {
    let mut resolved: Vec<String> = from.to_vec();
    let mut segments = path.iter().peekable();
    match segments.peek().map(|segment| segment.as_str()) {
        Some("crate") => {
            resolved.clear();
            segments.next();
        }
        Some("super" | "self") => {
            while let Some(segment) = segments.peek() {
                match segment.as_str() {
                    "super" => {
                        resolved.pop()?;
                    }
                    "self" => {}
                    _ => break,
                }
                segments.next();
            }
        }
        _ => return None,
    }
    let mut landed = resolved.clone();
    for segment in segments {
        resolved.push(segment.clone());
        if modules.contains(&resolved) {
            landed = resolved.clone();
        } else {
            break;
        }
    }
    Some(landed)
}

/// The module graph of every crate: an edge from a module to each module
/// it names that is neither its ancestor nor its descendant.
fn module_graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let mut graph: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (name, src) in crate_sources() {
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let modules: BTreeSet<Vec<String>> = files.iter().map(|file| module_of(&src, file)).collect();
        for file in &files {
            let from = module_of(&src, file);
            let code = code_only(&std::fs::read_to_string(file).unwrap());
            let edges = graph.entry((name.clone(), from.clone())).or_default();
            for path in named_paths(&code) {
                let Some(to) = target(&from, &path, &modules) else { continue };
                if !to.starts_with(&from) && !from.starts_with(&to) {
                    edges.insert((name.clone(), to));
                }
            }
        }
    }
    graph
}

/// The circles of `graph`: its strongly connected components of more than
/// one module (Tarjan's algorithm).
fn circles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on_stack: BTreeSet<&'a Module>,
        found: Vec<Vec<Module>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, module: &'a Module) {
            let number = self.index.len();
            self.index.insert(module, number);
            self.low.insert(module, number);
            self.stack.push(module);
            self.on_stack.insert(module);
            for next in self.graph.get(module).into_iter().flatten() {
                let Some((next, _)) = self.graph.get_key_value(next) else { continue };
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[module].min(self.low[next]);
                    self.low.insert(module, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[module].min(self.index[next]);
                    self.low.insert(module, low);
                }
            }
            if self.low[module] == self.index[module] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    component.push(member.clone());
                    if member == module {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for module in graph.keys() {
        if !walk.index.contains_key(module) {
            walk.visit(module);
        }
    }
    walk.found
}

fn shown(module: &Module) -> String {
    let (name, path) = module;
    if path.is_empty() { name.clone() } else { format!("{name}::{}", path.join("::")) }
}

#[test]
fn no_module_reaches_a_module_that_reaches_back() {
    let found: Vec<String> = circles(&module_graph())
        .iter()
        .map(|circle| circle.iter().map(shown).collect::<Vec<_>>().join(" ↔ "))
        .collect();
    assert!(found.is_empty(), "{} circle(s) between modules:\n{}", found.len(), found.join("\n"));
}

#[test]
fn the_check_sees_a_circle_and_expands_use_trees() {
    let paths = named_paths(&code_only(
        "use super::{a::B, c::{D, e::F}}; // crate::comment::X\nfn f() { crate::g::h(\"crate::text::Y\"); }",
    ));
    let shown: Vec<String> = paths.iter().map(|path| path.join("::")).collect();
    assert_eq!(shown, ["super::a::B", "super::c::D", "super::c::e::F", "crate::g::h"]);

    let module = |path: &str| ("k".to_owned(), path.split("::").map(str::to_owned).collect::<Vec<_>>());
    let graph = BTreeMap::from([
        (module("a"), BTreeSet::from([module("b")])),
        (module("b"), BTreeSet::from([module("c")])),
        (module("c"), BTreeSet::from([module("a")])),
        (module("d"), BTreeSet::from([module("a")])),
    ]);
    assert_eq!(circles(&graph), [vec![module("a"), module("b"), module("c")]]);
}
