#!/usr/bin/env node
// host_api.mjs — component text → binary with jco's `parse` (the wasm-tools
// text parser), for the host API test (host_api.c, meson.build here):
//
//   node host_api.mjs IN.wat OUT.wasm
//
// jco is found in $WACC_NODE_DIR/node_modules or <repo>/.node/node_modules
// (scripts/npm-deps.sh). Exit 2 on errors, 77 when jco is not installed.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [inPath, outPath] = process.argv.slice(2);
if (!inPath || !outPath) {
    process.stderr.write('usage: host_api.mjs IN.wat OUT.wasm\n');
    process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const nodeDir = process.env.WACC_NODE_DIR || path.join(here, '..', '..', '.node');
const api = path.join(nodeDir, 'node_modules', '@bytecodealliance', 'jco', 'dist', 'api.js');
if (!fs.existsSync(api)) {
    process.stderr.write(`host_api.mjs: jco not found at ${api}\n`);
    process.exit(77);
}
const { parse } = await import(pathToFileURL(api).href);
try {
    fs.writeFileSync(outPath, await parse(fs.readFileSync(inPath, 'utf8')));
} catch (e) {
    process.stderr.write(`host_api.mjs: ${inPath}: ${String(e.message || e).split('\n')[0]}\n`);
    process.exit(2);
}
