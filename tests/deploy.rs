//! The deployment contract: the Docker build copies every file the build
//! embeds, `.dockerignore` keeps out only what it should, the compose file
//! uses real variable names and a real health endpoint, and the binary
//! refuses a setting it cannot parse, naming it (issue 9, item 13).

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use clap::CommandFactory;
use globset::{GlobBuilder, GlobMatcher};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `a/b/../c` -> `a/c`.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// The first string literal at the start of `text`.
fn literal(text: &str) -> Option<&str> {
    let rest = text.trim_start().strip_prefix('"')?;
    rest.find('"').map(|end| &rest[..end])
}

/// Every file or directory the crate's build reads through a macro, relative
/// to the crate root: `include_str!`/`include_bytes!` (relative to the file
/// using it, or `concat!(env!("CARGO_MANIFEST_DIR"), ...)`) and
/// `embed_migrations!` (relative to the crate root).
fn embedded_paths() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut dirs = vec![Path::new(ROOT).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                let at = || format!("{}:{}", path.display(), n + 1);
                for mac in ["include_str!(", "include_bytes!(", "embed_migrations!("] {
                    for (i, _) in line.match_indices(mac) {
                        let arg = &line[i + mac.len()..];
                        let relative = if let Some(rest) =
                            arg.strip_prefix("concat!(env!(\"CARGO_MANIFEST_DIR\"),")
                        {
                            let lit = literal(rest).unwrap_or_else(|| panic!("{}", at()));
                            PathBuf::from(ROOT).join(lit.trim_start_matches('/'))
                        } else if let Some(lit) = literal(arg) {
                            if mac == "embed_migrations!(" {
                                PathBuf::from(ROOT).join(lit)
                            } else {
                                path.parent().unwrap().join(lit)
                            }
                        } else {
                            panic!("{}: an embedded path this test cannot read", at());
                        };
                        let relative = normalise(&relative);
                        let relative = relative
                            .strip_prefix(ROOT)
                            .unwrap_or_else(|_| panic!("{}: outside the crate", at()));
                        found.insert(relative.display().to_string());
                    }
                }
            }
        }
    }
    found
}

/// The `COPY` sources and destinations of the Dockerfile's build stage (up
/// to its `cargo build`), without `--from` copies.
fn build_copies(dockerfile: &str) -> Vec<(String, String)> {
    let mut copies = Vec::new();
    for line in dockerfile.lines() {
        let line = line.trim();
        if line.starts_with("RUN") && line.contains("cargo build") {
            return copies;
        }
        let Some(rest) = line.strip_prefix("COPY ") else {
            continue;
        };
        let words: Vec<&str> = rest.split_whitespace().collect();
        if words.iter().any(|w| w.starts_with("--from")) {
            continue;
        }
        let words: Vec<&str> = words.into_iter().filter(|w| !w.starts_with("--")).collect();
        if let Some((dest, sources)) = words.split_last() {
            for source in sources {
                copies.push((source.to_string(), dest.to_string()));
            }
        }
    }
    panic!("the Dockerfile has no RUN ... cargo build");
}

/// Whether the build stage finds `path` where the source tree has it
/// (WORKDIR is the crate root of the copy).
fn copied(copies: &[(String, String)], path: &str) -> bool {
    let clean = |s: &str| s.trim_start_matches("./").trim_end_matches('/').to_owned();
    copies.iter().any(|(source, dest)| {
        let (source, dest) = (clean(source), clean(dest));
        if source.is_empty() || source == "." {
            return dest.is_empty() || dest == ".";
        }
        (path == source || path.starts_with(&format!("{source}/"))) && dest == source
    })
}

/// `.dockerignore` rules, in order: (negated, pattern).
fn ignore_rules(text: &str) -> Vec<(bool, GlobMatcher)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (negated, pattern) = match l.strip_prefix('!') {
                Some(p) => (true, p),
                None => (false, l),
            };
            let pattern = pattern.trim_start_matches('/');
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .unwrap_or_else(|e| panic!("{l}: {e}"));
            (negated, glob.compile_matcher())
        })
        .collect()
}

/// Docker's rule: a path is excluded when the last rule matching it or one
/// of its parent directories excludes it.
fn ignored(rules: &[(bool, GlobMatcher)], path: &str) -> bool {
    let mut prefixes = Vec::new();
    let mut at = String::new();
    for part in path.split('/') {
        if !at.is_empty() {
            at.push('/');
        }
        at.push_str(part);
        prefixes.push(at.clone());
    }
    let mut excluded = false;
    for (negated, glob) in rules {
        if prefixes.iter().any(|p| glob.is_match(p)) {
            excluded = !negated;
        }
    }
    excluded
}

/// What the Docker build would miss of `embedded`.
fn missing(dockerfile: &str, dockerignore: &str, embedded: &BTreeSet<String>) -> Vec<String> {
    let copies = build_copies(dockerfile);
    let rules = ignore_rules(dockerignore);
    embedded
        .iter()
        .filter(|p| !copied(&copies, p) || ignored(&rules, p))
        .cloned()
        .collect()
}

#[test]
fn the_docker_build_has_every_file_the_build_embeds() {
    let embedded = embedded_paths();
    for known in [
        "models/risk/ledger-2026.11.0.toml",
        "migrations/postgres",
        "migrations/sqlite",
    ] {
        assert!(
            embedded.contains(known),
            "{known} not found in {embedded:#?}"
        );
    }
    for path in &embedded {
        assert!(Path::new(ROOT).join(path).exists(), "{path} does not exist");
    }
    let missing = missing(&read("Dockerfile"), &read(".dockerignore"), &embedded);
    assert_eq!(
        missing,
        Vec::<String>::new(),
        "the Docker build misses these"
    );
}

#[test]
fn a_dockerfile_that_copies_by_hand_is_caught() {
    // The Dockerfile before issue 9: it forgot models/ (and knew nothing of
    // the PDF's font in assets/ or the fixture the PDF tests include).
    let old = "FROM rust AS build\nWORKDIR /src\nCOPY Cargo.toml Cargo.lock ./\n\
               COPY src ./src\nCOPY migrations ./migrations\nCOPY benches ./benches\n\
               RUN cargo build --release --locked --bin ewaybill\n";
    let missing = missing(old, "", &embedded_paths());
    assert_eq!(
        missing,
        [
            "assets/fonts/DejaVuSans.ttf",
            "fixtures/waybills/brewery-beer.json",
            "models/risk/ledger-2026.11.0.toml",
        ]
        .map(str::to_owned)
    );
    // And a .dockerignore that drops an embedded directory.
    let missing = missing_with_ignore("models\n");
    assert_eq!(
        missing,
        vec!["models/risk/ledger-2026.11.0.toml".to_owned()]
    );
}

fn missing_with_ignore(dockerignore: &str) -> Vec<String> {
    missing(&read("Dockerfile"), dockerignore, &embedded_paths())
}

#[test]
fn dockerignore_keeps_out_build_output_data_and_git() {
    let rules = ignore_rules(&read(".dockerignore"));
    for path in [
        "target/release/ewaybill",
        "data/ewaybill.db",
        "data/service_key.pem",
        ".git/HEAD",
        "ledger.db",
    ] {
        assert!(ignored(&rules, path), "{path} reaches the build context");
    }
    for path in [
        "src/main.rs",
        "Cargo.lock",
        "fixtures/parties.json",
        "models/risk",
    ] {
        assert!(!ignored(&rules, path), "{path} is kept out of the build");
    }
}

/// Every variable `ewaybill serve` reads.
fn service_variables() -> BTreeSet<String> {
    let mut command = ewaybill::cli::Cli::command();
    command
        .find_subcommand_mut("serve")
        .unwrap()
        .get_arguments()
        .filter_map(|a| a.get_env())
        .map(|n| n.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn compose_uses_real_variables_and_a_health_endpoint() {
    let compose = read("docker-compose.yml");
    let known = service_variables();
    let service = compose
        .split("\n  ewaybill:\n")
        .nth(1)
        .expect("an ewaybill service");
    let environment = service
        .split("environment:\n")
        .nth(1)
        .expect("an environment block");
    let mut names = Vec::new();
    for line in environment.lines() {
        if !line.starts_with("      ") {
            break;
        }
        let name = line.trim().split(':').next().unwrap().to_owned();
        names.push(name);
    }
    assert!(names.contains(&"DATABASE_URL".to_owned()), "{names:?}");
    for name in &names {
        assert!(
            known.contains(name) || name == "RUST_LOG",
            "docker-compose.yml sets {name}, which the service does not read"
        );
    }
    assert!(
        service.contains("DATABASE_URL: postgres://ewaybill:ewaybill@postgres:5432/ewaybill"),
        "the service must reach the compose PostgreSQL"
    );
    let health = service
        .split("healthcheck:")
        .nth(1)
        .expect("a healthcheck for the service");
    let test_line = health.lines().find(|l| l.contains("test:")).unwrap();
    assert!(
        test_line.contains("/readyz") || test_line.contains("/healthz"),
        "{test_line}"
    );
    if test_line.contains("curl") {
        assert!(
            read("Dockerfile").contains(" curl"),
            "the healthcheck needs curl in the image"
        );
    }
}

fn ewaybill(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ewaybill"))
        .args(args)
        .env_clear()
        .env("EWAYBILL_DATA_DIR", dir.path())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("x.db").display()),
        )
        .env("EWAYBILL_LISTEN", "127.0.0.1:0")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_binary_refuses_a_setting_it_cannot_parse() {
    for (name, value) in [
        ("EWAYBILL_ROADSIDE_BURST", "abc"),
        ("EWAYBILL_DB_CONNECT_TIMEOUT_MS", "2s"),
        ("EWAYBILL_WEBHOOK_ALLOW_PRIVATE", "perhaps"),
    ] {
        // `serve`, and no command at all (which serves too).
        for args in [&["serve"][..], &[]] {
            let (ok, text) = ewaybill(args, &[(name, value)]);
            assert!(!ok, "{args:?} with {name}={value} started: {text}");
            assert!(text.contains(name), "{text}");
            assert!(text.contains(value), "{text}");
        }
    }
}

#[test]
fn serve_help_lists_every_variable() {
    let (ok, help) = ewaybill(&["serve", "--help"], &[]);
    assert!(ok, "{help}");
    let known = service_variables();
    assert!(known.contains("EWAYBILL_ROADSIDE_BURST"), "{known:?}");
    assert!(known.contains("EWAYBILL_PUBLIC_URL"), "{known:?}");
    for name in &known {
        assert!(
            help.contains(&format!("[env: {name}")),
            "{name} not in\n{help}"
        );
    }
    assert!(help.contains("[default: 30]"), "{help}");
}
