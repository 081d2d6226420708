// reference.mjs — runs a transpiled component (jco transpile output) under
// node with @bytecodealliance/preview2-shim: the reference runtime whose
// stdout/exit status the files in expected/ record.
//
//   node reference.mjs run ENTRY.js [--dir HOST::GUEST]... [--env K=V]... [-- ARGS...]
//       wasi:cli/run: the guest sees only the given variables, argv
//       [basename, ARGS...] and only the granted directories (like
//       `wacc run`); stdin is the process's stdin. Exit status: the
//       component's (wasi:cli/exit, or 0 / 1 for run's ok / err).
//   node reference.mjs invoke ENTRY.js CASES.mjs
//       Calls every case of CASES.mjs (see cases/) and prints
//       "CALL<TAB>RESULT" lines, RESULT in WAVE as `wacc run --invoke` prints.
//
// The shim is resolved from ENTRY's folder, so it is the very module
// instance the transpiled code imports.
import { createRequire } from "node:module";
import { basename, dirname, resolve } from "node:path";
import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { formatWave } from "./wave.mjs";

function die(msg) {
  process.stderr.write(`reference: ${msg}\n`);
  process.exit(2);
}

async function shim(entry, name) {
  const req = createRequire(entry);
  const file = realpathSync(req.resolve(`@bytecodealliance/preview2-shim/${name}`));
  return import(pathToFileURL(file).href);
}

async function run(entry, argv) {
  const dirs = {};
  const env = {};
  let args = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--dir" && i + 1 < argv.length) {
      const [host, guest] = argv[++i].split("::");
      dirs[guest ?? host] = resolve(host);
    } else if (a === "--env" && i + 1 < argv.length) {
      const kv = argv[++i];
      const eq = kv.indexOf("=");
      env[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a === "--") {
      args = argv.slice(i + 1);
      break;
    } else {
      args = argv.slice(i);
      break;
    }
  }
  const cli = await shim(entry, "cli");
  const fs = await shim(entry, "filesystem");
  cli._setEnv(env);
  cli._setArgs([basename(entry, ".js"), ...args]);
  cli._setCwd("/");
  fs._setPreopens(dirs);
  const mod = await import(pathToFileURL(entry).href);
  const runner = mod.run ?? mod["wasi:cli/run@0.2.12"];
  if (!runner) die(`${entry} exports no wasi:cli/run`);
  try {
    runner.run();
  } catch (e) {
    // run's result err (jco throws it) means exit status 1
    if (e && e.constructor && e.constructor.name === "ComponentError") process.exit(1);
    throw e;
  }
  process.exit(0);
}

async function invoke(entry, casesFile) {
  const { cases } = await import(pathToFileURL(resolve(casesFile)).href);
  const mod = await import(pathToFileURL(entry).href);
  const out = [];
  for (const c of cases) {
    let text;
    try {
      const v = c.js(mod);
      text = formatWave(v, c.type);
    } catch (e) {
      text = `error: ${e && e.message ? e.message : e}`;
    }
    out.push(`${c.call}\t${text}`);
  }
  process.stdout.write(out.join("\n") + "\n");
}

const [mode, entryArg, ...rest] = process.argv.slice(2);
if (!mode || !entryArg) die("usage: reference.mjs run|invoke ENTRY.js ...");
const entry = resolve(entryArg);
if (mode === "run") await run(entry, rest);
else if (mode === "invoke") await invoke(entry, rest[0] ?? die("invoke needs CASES.mjs"));
else die(`unknown mode ${mode}`);
void dirname;
