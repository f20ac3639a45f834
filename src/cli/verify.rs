//! `ewaybill export` and `ewaybill verify`: the log auditor's command line.
//!
//! ```text
//! ewaybill export --server URL --key KEYFILE --out FILE
//! ewaybill verify --server URL --key KEYFILE [--vkey VKEY] [--since OLD_CHECKPOINT_FILE]
//! ewaybill verify --file EXPORT [--vkey VKEY] [--since OLD_CHECKPOINT_FILE]
//! ewaybill verify --proof TLOG_PROOF_FILE --vkey VKEY
//! ... [--witness WITNESS_VKEY]... [--quorum N]: the checkpoint relied on must
//! be cosigned by N (default all) of the witnesses.
//! ```
//!
//! The report goes to standard output, progress to standard error (only on
//! a terminal). Exit status 0 means everything verified; anything else
//! names the first discrepancy.

use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use anyhow::{Context, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;

use crate::client::{ApiClient, read_key};
use crate::merkle::verify_consistency;
use crate::note::{Checkpoint, TlogProof, VerifierKey};
use crate::verifier::{
    Discrepancy, Entry, ExportWriter, Report, SourceError, read_export, verify_log,
    verify_tlog_proof,
};
use crate::witness::WitnessPolicy;

/// Entries asked for per request (the server's page limit).
const PAGE: u64 = 1000;

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Private key file of an auditor or authority party.
    #[arg(long, short, env = "EWAYBILL_KEY")]
    pub key: PathBuf,
    #[arg(long, env = "EWAYBILL_SERVER", default_value = super::session::DEFAULT_SERVER)]
    pub server: String,
    /// Where to write the export (ewaybill-log-export/v1, NDJSON).
    #[arg(long, short)]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The server to audit (ignored with --file or --proof).
    #[arg(long, env = "EWAYBILL_SERVER", default_value = super::session::DEFAULT_SERVER)]
    pub server: String,
    /// Private key file of an auditor or authority party (server mode).
    #[arg(long, short, env = "EWAYBILL_KEY")]
    pub key: Option<PathBuf>,
    /// Verify an export file offline instead of asking the server.
    #[arg(long, short, conflicts_with = "proof")]
    pub file: Option<PathBuf>,
    /// Pin the log key: a vkey (<name>+<key id>+<key>) or a file holding one.
    /// Without it the key is taken from the server or file being audited.
    #[arg(long)]
    pub vkey: Option<String>,
    /// An older signed checkpoint (file): check the log only grew from it.
    #[arg(long, conflicts_with = "proof")]
    pub since: Option<PathBuf>,
    /// Check one C2SP tlog-proof file instead of the whole log (needs --vkey).
    #[arg(long, requires = "vkey")]
    pub proof: Option<PathBuf>,
    /// A witness whose cosignature counts: its cosignature/v1 vkey
    /// (<name>+<key id>+<key>) or a file holding one. Repeat for several.
    #[arg(long = "witness")]
    pub witnesses: Vec<String>,
    /// How many of the --witness keys must have cosigned the checkpoint
    /// relied on (default: all of them).
    #[arg(long, requires = "witnesses")]
    pub quorum: Option<usize>,
}

/// `ewaybill export`.
pub fn export(args: ExportArgs) -> anyhow::Result<()> {
    let rt = runtime()?;
    let server = Server::login(&rt, &args.server, &args.key)?;
    let vkey_text = server.text(&rt, "/v1/log/key")?.trim().to_owned();
    let vkey = VerifierKey::parse(&vkey_text)
        .with_context(|| format!("the server's log key {vkey_text:?} is not a vkey"))?;
    let note = server.text(&rt, "/v1/log/checkpoint")?;
    let checkpoint = Checkpoint::open(&note, &vkey)
        .context("the server's checkpoint does not verify with its own log key")?;

    let partial = PathBuf::from(format!("{}.partial", args.out.display()));
    let written = write_export(&rt, &server, &partial, &vkey_text, &note, checkpoint.size)
        .and_then(|()| {
            std::fs::rename(&partial, &args.out).with_context(|| {
                format!("renaming {} to {}", partial.display(), args.out.display())
            })
        });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    println!(
        "exported {} entries of {} (checkpoint root {}) to {}",
        checkpoint.size,
        checkpoint.origin,
        STANDARD.encode(checkpoint.root_hash),
        args.out.display()
    );
    Ok(())
}

/// Writes the export to `path`: header, then entries 0..size.
fn write_export(
    rt: &tokio::runtime::Runtime,
    server: &Server,
    path: &Path,
    vkey: &str,
    note: &str,
    size: u64,
) -> anyhow::Result<()> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut writer = ExportWriter::new(BufWriter::new(file), vkey, note)?;
    let bar = progress_bar(size, "exporting");
    let mut next = 0;
    while next < size {
        let page = rt.block_on(fetch_page(&server.client, next, size))?;
        if page.is_empty() {
            bail!("the server returned no entries from index {next}");
        }
        for entry in page {
            if entry.index != next {
                bail!(
                    "the server sent entry {} where {next} was expected",
                    entry.index
                );
            }
            writer.entry(entry.index, &entry.leaf)?;
            next += 1;
        }
        bar.set_position(next);
    }
    bar.finish_and_clear();
    let file = writer
        .finish()?
        .into_inner()
        .map_err(|e| anyhow!("writing {}: {}", path.display(), e.error()))?;
    file.sync_all()
        .with_context(|| format!("writing {}", path.display()))
}

/// `ewaybill verify`.
pub fn verify(args: VerifyArgs) -> anyhow::Result<()> {
    let pinned = args.vkey.as_deref().map(pinned_vkey).transpose()?;
    let policy = witness_policy(&args)?;
    if let Some(path) = &args.proof {
        let vkey = pinned.ok_or_else(|| anyhow!("--proof needs --vkey"))?;
        return verify_proof(path, &vkey, policy.as_ref());
    }
    let since = args
        .since
        .as_deref()
        .map(|p| std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display())))
        .transpose()?;
    let (report, relied_on) = match &args.file {
        Some(path) => verify_file(path, pinned.as_ref(), since.as_deref())?,
        None => verify_server(&args, pinned.as_ref(), since.as_deref())?,
    };
    print!("{report}");
    if let Some(d) = &report.discrepancy {
        return Err(anyhow!("verification failed: {d}"));
    }
    match (policy, relied_on) {
        (Some(policy), Some((note, vkey))) => check_witnesses(&policy, &note, &vkey),
        _ => Ok(()),
    }
}

/// `--witness ... --quorum N` as a policy (none without `--witness`).
fn witness_policy(args: &VerifyArgs) -> anyhow::Result<Option<WitnessPolicy>> {
    if args.witnesses.is_empty() {
        return Ok(None);
    }
    let keys = args
        .witnesses
        .iter()
        .map(|arg| key_or_file(arg, "--witness"))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let quorum = args.quorum.unwrap_or(keys.len());
    Ok(Some(WitnessPolicy::new(keys, quorum)?))
}

/// Reports whether the checkpoint relied on is cosigned by enough
/// trusted witnesses; not enough is a failed verification.
fn check_witnesses(policy: &WitnessPolicy, note: &str, vkey: &VerifierKey) -> anyhow::Result<()> {
    let verdict = policy
        .check(note, vkey)
        .map_err(|e| anyhow!("witness cosignatures: {e}"))?;
    let names = if verdict.cosigned_by.is_empty() {
        "none".to_owned()
    } else {
        verdict.cosigned_by.join(", ")
    };
    println!(
        "witnesses:        {} of {} required cosigned size {} ({names})",
        verdict.cosigned_by.len(),
        verdict.quorum,
        verdict.checkpoint.size
    );
    if verdict.satisfied() {
        Ok(())
    } else {
        println!("verdict:          FAILED: the checkpoint is not cosigned by enough witnesses");
        Err(anyhow!(
            "verification failed: the checkpoint is cosigned by {} of the {} witnesses required",
            verdict.cosigned_by.len(),
            verdict.quorum
        ))
    }
}

fn verify_proof(
    path: &Path,
    vkey: &VerifierKey,
    policy: Option<&WitnessPolicy>,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    match verify_tlog_proof(&text, vkey) {
        Ok(report) => {
            print!("{report}");
            match policy {
                Some(policy) => {
                    let proof = TlogProof::parse(&text)?;
                    check_witnesses(policy, &proof.checkpoint, vkey)
                }
                None => Ok(()),
            }
        }
        Err(e) => {
            println!("verdict:          FAILED: {e}");
            Err(anyhow!("verification failed: {e}"))
        }
    }
}

/// A report, and the checkpoint note it relied on with the log key (none
/// when no key could be chosen).
type Verified = (Report, Option<(String, VerifierKey)>);

fn verify_file(
    path: &Path,
    pinned: Option<&VerifierKey>,
    since: Option<&str>,
) -> anyhow::Result<Verified> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let (header, entries) =
        read_export(BufReader::new(file)).with_context(|| format!("reading {}", path.display()))?;
    let vkey = match choose_vkey(pinned, &header.vkey, "export file")? {
        Ok(vkey) => vkey,
        Err(report) => return Ok((report, None)),
    };
    let size = Checkpoint::open(&header.checkpoint, &vkey).map_or(0, |c| c.size);
    let bar = progress_bar(size, "verifying");
    let mut report = verify_log(&vkey, &header.checkpoint, entries, since, &mut |n| {
        bar.set_position(n)
    });
    bar.finish_and_clear();
    pin_note(&mut report, pinned, "the export file");
    Ok((report, Some((header.checkpoint, vkey))))
}

fn verify_server(
    args: &VerifyArgs,
    pinned: Option<&VerifierKey>,
    since: Option<&str>,
) -> anyhow::Result<Verified> {
    let key = args.key.as_deref().ok_or_else(|| {
        anyhow!("--key (or EWAYBILL_KEY) is needed to read the log from a server; or use --file")
    })?;
    let rt = runtime()?;
    let server = Server::login(&rt, &args.server, key)?;
    let served = server.text(&rt, "/v1/log/key")?;
    let vkey = match choose_vkey(pinned, served.trim(), "server")? {
        Ok(vkey) => vkey,
        Err(report) => return Ok((report, None)),
    };
    let note = server.text(&rt, "/v1/log/checkpoint")?;
    let checkpoint = Checkpoint::open(&note, &vkey).ok();
    let size = checkpoint.as_ref().map_or(0, |c| c.size);

    let bar = progress_bar(size, "verifying");
    let pages = spawn_fetcher(rt.handle().clone(), server.client.clone(), size);
    let entries = pages.into_iter().flat_map(|page| match page {
        Ok(entries) => entries.into_iter().map(Ok).collect::<Vec<_>>(),
        Err(e) => vec![Err(e)],
    });
    let mut report = verify_log(&vkey, &note, entries, since, &mut |n| bar.set_position(n));
    bar.finish_and_clear();
    pin_note(&mut report, pinned, "the server");

    // The server's own consistency proof from the old checkpoint, on top of
    // the one recomputed from the leaves.
    let old = since.and_then(|note| Checkpoint::open(note, &vkey).ok());
    if let (Some(old), Some(new)) = (old, checkpoint) {
        if old.size == 0 || old.size > new.size {
            return Ok((report, Some((note, vkey))));
        }
        match consistency(&rt, &server, &old, &new) {
            Ok(()) => report.notes.push(format!(
                "consistency proof:    size {} -> {} from the server verifies",
                old.size, new.size
            )),
            Err(detail) => report.fail(Discrepancy::ConsistencyProof {
                from: old.size,
                to: new.size,
                detail,
            }),
        }
    }
    Ok((report, Some((note, vkey))))
}

#[derive(Deserialize)]
struct ConsistencyView {
    proof: Vec<String>,
}

fn consistency(
    rt: &tokio::runtime::Runtime,
    server: &Server,
    old: &Checkpoint,
    new: &Checkpoint,
) -> Result<(), String> {
    let path = format!(
        "/v1/log/proof/consistency?from={}&to={}",
        old.size, new.size
    );
    let answer = rt
        .block_on(server.client.get(&path))
        .map_err(|e| format!("cannot fetch it: {e}"))?;
    let view: ConsistencyView =
        serde_json::from_value(answer).map_err(|e| format!("unexpected answer: {e}"))?;
    let proof = view
        .proof
        .iter()
        .map(|h| STANDARD.decode(h))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("proof hash is not base64: {e}"))?;
    verify_consistency(old.size, new.size, &old.root_hash, &new.root_hash, &proof)
        .map_err(|e| e.to_string())
}

/// `--vkey`: a vkey, or a file holding one.
fn pinned_vkey(arg: &str) -> anyhow::Result<VerifierKey> {
    key_or_file(arg, "--vkey")
}

/// A vkey given on the command line as itself or as a file holding it.
fn key_or_file(arg: &str, flag: &str) -> anyhow::Result<VerifierKey> {
    let path = Path::new(arg);
    let text = if path.is_file() {
        std::fs::read_to_string(path).with_context(|| format!("reading {arg}"))?
    } else {
        arg.to_owned()
    };
    VerifierKey::parse(text.trim()).with_context(|| {
        format!("{flag} {arg}: neither a vkey (<name>+<key id>+<key>) nor a file holding one")
    })
}

/// The key to verify with: the pinned one, which must equal the one the
/// source names (else a failed report), or else the source's own.
fn choose_vkey(
    pinned: Option<&VerifierKey>,
    found: &str,
    source_name: &str,
) -> anyhow::Result<Result<VerifierKey, Report>> {
    match pinned {
        Some(pinned) => {
            if VerifierKey::parse(found).ok().as_ref() == Some(pinned) {
                return Ok(Ok(pinned.clone()));
            }
            let mut report = Report::new(pinned);
            report.fail(Discrepancy::KeyMismatch {
                pinned: pinned.to_vkey(),
                found: found.to_owned(),
                source_name: source_name.to_owned(),
            });
            Ok(Err(report))
        }
        None => {
            eprintln!(
                "WARNING: the log key is NOT PINNED: it was taken from the {source_name} being \
                 audited, so this run only proves the log is consistent with a key of its own \
                 choosing. Pin the key you trust with --vkey."
            );
            VerifierKey::parse(found)
                .map(Ok)
                .with_context(|| format!("the {source_name}'s log key {found:?} is not a vkey"))
        }
    }
}

fn pin_note(report: &mut Report, pinned: Option<&VerifierKey>, source: &str) {
    report.notes.insert(
        0,
        match pinned {
            Some(_) => "log key pinned:       yes (--vkey)".to_owned(),
            None => format!("log key pinned:       NO, taken from {source}; pass --vkey to pin it"),
        },
    );
}

/// One worker thread drives the HTTP connections, also while the main
/// thread verifies and the fetcher thread blocks on the runtime's handle.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?)
}

fn progress_bar(len: u64, what: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len).with_message(what);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} entries, {per_sec}, eta {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// A logged-in session; text endpoints are read with the same token.
struct Server {
    client: ApiClient,
    http: reqwest::Client,
    base: String,
}

impl Server {
    fn login(rt: &tokio::runtime::Runtime, base: &str, key: &Path) -> anyhow::Result<Self> {
        let key = read_key(key)?;
        let client = rt
            .block_on(ApiClient::login(base, &key))
            .with_context(|| format!("logging in to {base}"))?;
        Ok(Self {
            client,
            http: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// GET a text/plain endpoint, exactly as served.
    fn text(&self, rt: &tokio::runtime::Runtime, path: &str) -> anyhow::Result<String> {
        let url = format!("{}{path}", self.base);
        rt.block_on(async {
            let response = self
                .http
                .get(&url)
                .bearer_auth(self.client.token())
                .send()
                .await
                .with_context(|| format!("cannot reach {url}"))?;
            let status = response.status();
            let text = response
                .text()
                .await
                .with_context(|| format!("reading {url}"))?;
            if !status.is_success() {
                bail!("{status} from {url}: {text}");
            }
            Ok(text)
        })
    }
}

#[derive(Deserialize)]
struct EntriesPage {
    entries: Vec<EntryView>,
}

#[derive(Deserialize)]
struct EntryView {
    index: u64,
    leaf: String,
}

/// Entries from `start`, at most one page, never at or beyond `size`.
async fn fetch_page(client: &ApiClient, start: u64, size: u64) -> anyhow::Result<Vec<Entry>> {
    let end = start.saturating_add(PAGE).min(size);
    let answer = client
        .get(&format!("/v1/log/entries?start={start}&end={end}"))
        .await?;
    let page: EntriesPage = serde_json::from_value(answer)
        .with_context(|| format!("entries {start}..{end}: unexpected answer"))?;
    page.entries
        .into_iter()
        .map(|e| {
            let leaf = STANDARD
                .decode(&e.leaf)
                .with_context(|| format!("entry {}: leaf is not standard base64", e.index))?;
            Ok(Entry {
                index: e.index,
                leaf,
            })
        })
        .collect()
}

/// Fetches entries 0..size on its own thread, a page ahead of the
/// verifier; stops when the verifier stops listening.
fn spawn_fetcher(
    rt: tokio::runtime::Handle,
    client: ApiClient,
    size: u64,
) -> mpsc::Receiver<Result<Vec<Entry>, SourceError>> {
    let (tx, rx) = mpsc::sync_channel(4);
    std::thread::spawn(move || {
        let mut next = 0;
        while next < size {
            let page = match rt.block_on(fetch_page(&client, next, size)) {
                Ok(page) if page.is_empty() => Err(SourceError(format!(
                    "the server returned no entries from index {next}"
                ))),
                Ok(page) => Ok(page),
                Err(e) => Err(SourceError(format!("{e:#}"))),
            };
            let failed = page.is_err();
            if let Ok(page) = &page {
                next += page.len() as u64;
            }
            if tx.send(page).is_err() || failed {
                return;
            }
        }
    });
    rx
}
