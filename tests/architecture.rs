//! The module graph stays a graph without cycles, and the pure domain
//! imports nothing from the floors above it (storage, HTTP, the ledger,
//! keys). The check reads the source as text: every `crate::` and
//! `super::` path (in `use` trees, braces expanded, and in code) is an
//! edge from the file it stands in to the deepest module file it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module of the library, by its path below the crate (`domain::ids`).
type Module = String;

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// `src/a/mod.rs` and `src/a.rs` are `a`; `src/a/b.rs` is `a::b`.
fn module_of(src: &Path, file: &Path) -> Module {
    let relative = file.strip_prefix(src).expect("below src");
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts
        .last()
        .is_some_and(|last| last == "mod" || last == "lib")
    {
        parts.pop();
    }
    parts.join("::")
}

/// The text without comments, string literals and `#[cfg(test)]` modules
/// (tests may reach anywhere).
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
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
            '\'' if chars.peek() == Some(&'"') => {
                out.push(c);
            }
            'r' if matches!(chars.peek(), Some('#' | '"'))
                && !out.ends_with(|p: char| p.is_alphanumeric() || p == '_') =>
            {
                let mut hashes = 0;
                while chars.peek() == Some(&'#') {
                    chars.next();
                    hashes += 1;
                }
                if chars.next() != Some('"') {
                    continue;
                }
                let mut closing = None::<usize>;
                for c in chars.by_ref() {
                    closing = match (c, closing) {
                        ('"', _) => Some(0),
                        ('#', Some(n)) => Some(n + 1),
                        _ => None,
                    };
                    if closing == Some(hashes) {
                        break;
                    }
                }
                out.push_str("\"\"");
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if !escaped && c == '"' {
                        break;
                    }
                    escaped = !escaped && c == '\\';
                }
                out.push_str("\"\"");
            }
            _ => out.push(c),
        }
    }
    match out.find("#[cfg(test)]\nmod tests") {
        Some(at) => out[..at].to_owned(),
        None => out,
    }
}

/// Every path that starts with `crate::` or `super::`, with `use` braces
/// expanded: `crate::a::{b, c::d}` gives `crate::a::b` and `crate::a::c::d`.
fn paths_in(code: &str) -> Vec<String> {
    let bytes: Vec<char> = code.chars().collect();
    let mut paths = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_');
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        if starts_word && (rest.starts_with("crate::") || rest.starts_with("super::")) {
            let (found, end) = path_tree(&bytes, i);
            paths.extend(found);
            i = end;
        } else {
            i += 1;
        }
    }
    paths
}

/// Reads one path (possibly ending in a brace group) from `at`; gives the
/// expanded paths and where reading stopped.
fn path_tree(chars: &[char], mut at: usize) -> (Vec<String>, usize) {
    let mut prefix = String::new();
    while at < chars.len() {
        let c = chars[at];
        if c.is_alphanumeric() || c == '_' || c == ':' {
            prefix.push(c);
            at += 1;
        } else if c.is_whitespace() && prefix.ends_with("::") {
            at += 1;
        } else if c == '{' && prefix.ends_with("::") {
            let mut expanded = Vec::new();
            at += 1;
            loop {
                while at < chars.len() && (chars[at].is_whitespace() || chars[at] == ',') {
                    at += 1;
                }
                if at >= chars.len() || chars[at] == '}' {
                    return (expanded, at + 1);
                }
                let (inner, end) = path_tree(chars, at);
                let inner = if inner.is_empty() {
                    vec![String::new()]
                } else {
                    inner
                };
                expanded.extend(inner.into_iter().map(|p| format!("{prefix}{p}")));
                // Skip what follows a name in a group (`as x`, `*`).
                at = end.max(at + 1);
                while at < chars.len() && !matches!(chars[at], ',' | '}') {
                    at += 1;
                }
            }
        } else {
            break;
        }
    }
    (vec![prefix], at)
}

/// The module a path names: `super::` resolved against `from`, then the
/// longest prefix that is a module of the crate.
fn resolve(path: &str, from: &Module, modules: &BTreeSet<Module>) -> Option<Module> {
    let mut base: Vec<&str> = if from.is_empty() {
        Vec::new()
    } else {
        from.split("::").collect()
    };
    let mut rest = path;
    if rest.starts_with("crate::") {
        base.clear();
        rest = &rest["crate::".len()..];
    } else {
        // `super` in `a/b.rs` is `a`; in `a/b/mod.rs` too, since `a::b` is
        // the module the file is.
        while let Some(after) = rest.strip_prefix("super::") {
            base.pop();
            rest = after;
        }
    }
    let mut segments: Vec<&str> = base;
    segments.extend(rest.split("::").filter(|s| !s.is_empty()));
    (0..=segments.len())
        .rev()
        .map(|n| segments[..n].join("::"))
        .find(|candidate| modules.contains(candidate))
}

fn module_graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    files.retain(|f| f.file_name().is_some_and(|n| n != "main.rs"));
    let modules: BTreeSet<Module> = files.iter().map(|f| module_of(&src, f)).collect();
    let mut graph = BTreeMap::new();
    for file in &files {
        let from = module_of(&src, file);
        let text = std::fs::read_to_string(file).expect("read source");
        let edges: BTreeSet<Module> = paths_in(&code_only(&text))
            .iter()
            .filter_map(|p| resolve(p, &from, &modules))
            // A module naming its parent (the crate root's macros, a
            // `mod.rs`'s re-exports) is not a dependency on its siblings.
            .filter(|to| *to != from && !from.starts_with(&format!("{to}::")) && !to.is_empty())
            .collect();
        graph.insert(from, edges);
    }
    graph
}

/// A cycle through the graph, if there is one (depth-first, three colours).
fn find_cycle(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Option<Vec<Module>> {
    fn visit(
        node: &Module,
        graph: &BTreeMap<Module, BTreeSet<Module>>,
        done: &mut BTreeSet<Module>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.clone());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.clone());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}

#[test]
fn the_module_graph_has_no_cycle() {
    let graph = module_graph();
    assert!(
        graph.len() > 50,
        "the walk found the modules: {}",
        graph.len()
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle: {}", cycle.join(" -> "));
    }
}

#[test]
fn the_domain_imports_nothing_above_it() {
    let above = [
        "storage", "http", "ledger", "crypto", "webhooks", "cli", "startup", "risk",
    ];
    let graph = module_graph();
    let reaching: Vec<String> = graph
        .iter()
        .filter(|(from, _)| from.starts_with("domain"))
        .flat_map(|(from, to)| {
            to.iter()
                .filter(|t| {
                    above
                        .iter()
                        .any(|a| *t == a || t.starts_with(&format!("{a}::")))
                })
                .map(move |t| format!("{from} -> {t}"))
        })
        .collect();
    assert_eq!(reaching, Vec::<String>::new());
}

#[test]
fn the_checker_sees_cycles_and_braces() {
    let modules: BTreeSet<Module> = ["a", "a::b", "c"].into_iter().map(String::from).collect();
    let code =
        code_only("use crate::{a::b::Thing, c as d};\n// crate::x\nfn f() { super::b::g(); }");
    let resolved: Vec<_> = paths_in(&code)
        .iter()
        .filter_map(|p| resolve(p, &"a::z".to_owned(), &modules))
        .collect();
    assert_eq!(resolved, ["a::b", "c", "a::b"]);
    let graph: BTreeMap<Module, BTreeSet<Module>> = [
        ("a".to_owned(), BTreeSet::from(["c".to_owned()])),
        ("c".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]
    .into();
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".to_owned(), "c".to_owned(), "a".to_owned()])
    );
}
