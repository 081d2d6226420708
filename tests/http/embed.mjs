// embed.mjs — `jco embed` of a world whose WIT has deps/ (a folder), which
// tests/components/jco-embed.mjs (a single WIT text) cannot do: jco's
// wasm-tools reads the folder through preview2-shim, which starts with no
// preopens, so "/" is granted before it is loaded.
//
//   node embed.mjs JCO_DIR CORE.wasm WIT_DIR WORLD OUT.wasm
import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [jco, core, wit, world, out] = process.argv.slice(2);
if (!out) {
  process.stderr.write("usage: embed.mjs JCO_DIR CORE.wasm WIT_DIR WORLD OUT.wasm\n");
  process.exit(2);
}
const dir = [`${jco}/node_modules/@bytecodealliance/jco-transpile`, `${jco}/../jco-transpile`]
  .find((d) => existsSync(`${d}/dist/wasm-tools.js`));
if (!dir) {
  process.stderr.write(`embed: no @bytecodealliance/jco-transpile next to ${jco}\n`);
  process.exit(2);
}
const real = realpathSync(dir);
const shim = [`${real}/node_modules/@bytecodealliance/preview2-shim`, `${real}/../preview2-shim`]
  .find((d) => existsSync(`${d}/package.json`));
const fs = await import(pathToFileURL(`${realpathSync(shim)}/dist/nodejs/filesystem.js`).href);
fs._setPreopens({ "/": "/" });
const tools = await import(pathToFileURL(`${real}/dist/wasm-tools.js`).href);
const bytes = await tools.componentEmbed({
  binary: readFileSync(core),
  witPath: resolve(wit),
  world,
});
writeFileSync(out, bytes);
