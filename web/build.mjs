// Builds web/dist/ from web/src/: one JS and one CSS bundle with content
// hashes in their names, and index.html naming them (no inline script or
// style, so the CSP needs no 'unsafe-inline'). The output is deterministic:
// the same sources give byte-identical files, because web/dist/ is
// committed (the service embeds it) and CI rebuilds it and compares.
import { build } from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const assets = join(dist, "assets");

await rm(dist, { recursive: true, force: true });
await mkdir(assets, { recursive: true });

const result = await build({
  absWorkingDir: here,
  entryPoints: { app: "src/app.tsx" },
  outdir: assets,
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  bundle: true,
  format: "esm",
  target: ["chrome120", "firefox121", "safari17"],
  minify: true,
  sourcemap: false,
  legalComments: "none",
  charset: "utf8",
  jsx: "automatic",
  jsxImportSource: "preact",
  define: { "process.env.NODE_ENV": '"production"' },
  metafile: true,
  write: true,
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.filter((name) => /^app-[A-Z0-9]+\.js$/.test(name));
const css = outputs.filter((name) => /^app-[A-Z0-9]+\.css$/.test(name));
if (js.length !== 1 || css.length !== 1 || outputs.length !== 2) {
  throw new Error(`expected one app-[hash].js and one app-[hash].css, got ${outputs.join(", ")}`);
}

// The <noscript> line cannot come from the bundle, so it is read here from
// the same translation files.
const en = JSON.parse(await readFile(join(here, "src/i18n/en.json"), "utf8"));
const lv = JSON.parse(await readFile(join(here, "src/i18n/lv.json"), "utf8"));
const escape = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escape(en["app.title"])}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/${css[0]}">
<script type="module" src="/assets/${js[0]}"></script>
</head>
<body>
<noscript><p lang="en">${escape(en["app.noscript"])}</p><p lang="lv">${escape(lv["app.noscript"])}</p></noscript>
<div id="app"></div>
</body>
</html>
`;
await writeFile(join(dist, "index.html"), html);
console.log(`web/dist: index.html, assets/${js[0]}, assets/${css[0]}`);

// The service worker (src/show/sw.js), with the shell it caches.
const shell = JSON.stringify(["/", `/assets/${js[0]}`, `/assets/${css[0]}`]);
const sw = await readFile(join(here, "src/show/sw.js"), "utf8");
if (!sw.includes('const SHELL = ["/"];')) throw new Error("src/show/sw.js: no SHELL line to fill in");
await writeFile(join(dist, "sw.js"), sw.replace('const SHELL = ["/"];', `const SHELL = ${shell};`));
