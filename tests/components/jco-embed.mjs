// jco-embed.mjs — `jco embed` through jco's API: embeds the component type
// of one world of a single-file WIT package into a core module.
//
//   node jco-embed.mjs JCO_DIR CORE.wasm WORLD.wit WORLD OUT.wasm
//
// Why not the CLI: in jco 1.35 `jco embed -n WORLD` passes the world as
// `worldName` while the bundled wasm-tools reads `world`, so a package with
// two worlds cannot be embedded; and `--wit DIR` is read through
// preview2-shim 0.26, which starts with no preopens, so any path fails with
// "No such file or directory" unless a preload calls _setPreopens first.
// Passing the WIT text (witSource) and `world` avoids both.
import { existsSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [jco, core, wit, world, out] = process.argv.slice(2);
if (!out) {
  process.stderr.write("usage: jco-embed.mjs JCO_DIR CORE.wasm WORLD.wit WORLD OUT.wasm\n");
  process.exit(2);
}
// jco-transpile (which holds wasm-tools) is nested under jco or hoisted next to it
const dir = [`${jco}/node_modules/@bytecodealliance/jco-transpile`, `${jco}/../jco-transpile`]
  .find((d) => existsSync(`${d}/dist/wasm-tools.js`));
if (!dir) {
  process.stderr.write(`jco-embed: no @bytecodealliance/jco-transpile next to ${jco}\n`);
  process.exit(2);
}
const tools = await import(pathToFileURL(realpathSync(`${dir}/dist/wasm-tools.js`)).href);
const bytes = await tools.componentEmbed({
  binary: readFileSync(core),
  witSource: readFileSync(wit, "utf8"),
  world,
});
writeFileSync(out, bytes);
