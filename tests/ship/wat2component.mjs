// wat2component.mjs — component text to binary through jco's parse (the
// wasm-tools text parser), for tests/ship/otel.sh.
//   node wat2component.mjs JCO_DIR IN.wat OUT.wasm
import fs from "node:fs";
import { pathToFileURL } from "node:url";

const [jco, input, out] = process.argv.slice(2);
const { parse } = await import(pathToFileURL(`${jco}/dist/api.js`).href);
fs.writeFileSync(out, await parse(fs.readFileSync(input, "utf8")));
