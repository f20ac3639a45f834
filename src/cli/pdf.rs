//! `ewaybill pdf ID`: saves a waybill's printable PDF
//! (`GET /v1/waybills/{id}/pdf`), in English or Latvian.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use uuid::Uuid;

use super::session::{ServerArgs, human};

#[derive(Args, Debug)]
pub struct PdfArgs {
    /// The waybill id.
    pub waybill: Uuid,
    /// Where to save it; default `waybill-ID.pdf` in the current directory.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// The language printed (default English).
    #[arg(long, value_enum)]
    pub lang: Option<PdfLang>,
    #[command(flatten)]
    pub server: ServerArgs,
}

/// The languages the service prints the PDF in.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PdfLang {
    En,
    Lv,
}

impl PdfLang {
    fn tag(self) -> &'static str {
        match self {
            PdfLang::En => "en",
            PdfLang::Lv => "lv",
        }
    }
}

pub fn run(args: PdfArgs) -> anyhow::Result<()> {
    let key = args.server.read_key()?;
    let id = args.waybill;
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from(format!("waybill-{id}.pdf")));
    let pdf = super::tokio_runtime()?.block_on(async {
        let client = args.server.login(&key).await?;
        client
            .get_bytes(
                &format!("/v1/waybills/{id}/pdf"),
                args.lang.map(PdfLang::tag),
            )
            .await
            .map_err(human)
    })?;
    std::fs::write(&out, &pdf).with_context(|| format!("writing {}", out.display()))?;
    println!("{} ({} bytes)", out.display(), pdf.len());
    Ok(())
}
