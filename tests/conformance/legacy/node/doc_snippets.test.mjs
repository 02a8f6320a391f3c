// Runs the JavaScript blocks of docs/vital-sdks.md, in order, as one program against a fresh
// sandbox `vital-link serve` (unpinned clock, its own data directory), exactly as a reader would.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const DOC = join(HERE, "../../../../docs/vital-sdks.md");
const BIN = process.env.VITAL_LINK_BIN ?? "";

const blocks = (lang) =>
  [...readFileSync(DOC, "utf8").matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, "gm"))].map((m) => m[1]);

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

test("every JavaScript block of docs/vital-sdks.md runs", async (t) => {
  assert.ok(BIN, "set VITAL_LINK_BIN (see tests/conformance/run.sh)");
  const code = blocks("js");
  assert.ok(code.length >= 6, `only ${code.length} js blocks in ${DOC}`);
  const data = mkdtempSync(join(tmpdir(), "vital-sdks-doc-"));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VITAL_")));
  env.VITAL_LINK_DATA_DIR = data;
  const port = await freePort();
  const server = spawn(BIN, ["serve", "--port", String(port)], { env, stdio: "ignore" });
  t.after(() => {
    server.kill();
    rmSync(data, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const key = spawnSync(BIN, ["api-key"], { env, encoding: "utf8" }).stdout.trim();
  // The guide's `await`s run inside an async function.
  const program = `(async () => {\n${code.join("\n")}\n})().catch((e) => { console.error(e); process.exit(1); });`;
  const run = spawnSync(process.execPath, ["-e", program], {
    cwd: HERE,
    env: { ...env, VITAL_API_KEY: key, VITAL_BASE_URL: base },
    encoding: "utf8",
    timeout: 180_000,
  });
  assert.equal(run.status, 0, `the doc's JavaScript failed:\n${run.stderr}`);
  const counts = run.stdout.match(/^(\d+) nights, (\d+) days, (\d+) heart-rate samples$/m);
  assert.ok(counts && counts.slice(1).every((n) => Number(n) > 0), run.stdout);
  assert.match(run.stdout, /\[ 'oura' \]/);
});
