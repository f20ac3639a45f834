// The service the browser tests drive: the real binary as `ewaybill demo`
// on a free port, with a temporary SQLite database (or the PostgreSQL
// database in EWAYBILL_BROWSER_DATABASE_URL). Shared by run.mjs (Chromium)
// and firefox.mjs.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";

export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Starts `ewaybill demo` and resolves with its base URL once the demo data is loaded. */
export async function startDemo(binary, root, work) {
  const port = await freePort();
  const child = spawn(
    binary,
    [
      "demo",
      "--fixtures", join(root, "fixtures"),
      "--listen", `127.0.0.1:${port}`,
      "--data-dir", join(work, "data"),
      // SQLite by default; EWAYBILL_BROWSER_DATABASE_URL (a fresh, empty
      // PostgreSQL database) runs the same suite on PostgreSQL.
      "--database-url", process.env.EWAYBILL_BROWSER_DATABASE_URL ?? `sqlite://${join(work, "ewaybill.db")}`,
    ],
    { cwd: work, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: "warn" } },
  );
  let output = "";
  const ready = new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`demo did not start in 120 s:\n${output}`)), 120_000);
    const seen = (chunk) => {
      output += chunk;
      if (output.includes("API docs:")) {
        clearTimeout(timer);
        done();
      }
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`demo exited with ${code}:\n${output}`));
    });
  });
  await ready;
  return { child, base: `http://127.0.0.1:${port}`, output: () => output };
}

