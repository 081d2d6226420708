#!/usr/bin/env node
// wast2component.mjs — convert a Component Model .wast script into a JSON
// command list plus binaries, in the spirit of wabt's wast2json (which does
// not know components). Used by `wacc wast` (compiler/driver/wast_component.c).
//
//   node wast2component.mjs IN.wast OUTDIR
//
// writes OUTDIR/<base>.json and OUTDIR/<base>.<n>.wasm. Text → binary goes
// through jco's `parse` (the wasm-tools text parser), found in
// $WACC_NODE_DIR/node_modules or <repo>/.node/node_modules (scripts/npm-deps.sh).
//
// JSON: { "source_filename", "features": [";;! lines"], "commands": [...] }
// Every command has "type" and "line" (1-based line of its opening paren).
//   component / module    "filename", "kind" ("component"|"module"), "name"?,
//                         "definition" (true for `(component definition ...)`)
//   component_instance    "name", "definition" (the `$x` it instantiates)
//   assert_invalid / assert_malformed / assert_unlinkable / assert_trap (of a
//   component)            "filename", "kind", "text" (expected message);
//                         a `quote` form that jco rejects: "module_type":"text",
//                         "error" (jco's message), no "filename"
//   assert_return         "action", "expected": [value text...]
//   assert_trap           "action", "text"
//   action                "action"
//   register              "name"?, "as"
//   unconvertible         "form", "reason"  (jco could not convert a form)
//   unsupported           "form", "reason"  (a form this converter does not know)
// An action is {"type":"invoke", "instance"?: "$i", "field": name, "args": [value text...]};
// values are kept as their s-expression text, e.g. "(list.const (u8.const 1))".
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

function fail(msg) {
    process.stderr.write(`wast2component: ${msg}\n`);
    process.exit(2);
}

// ---- s-expression reader ----
// Node kinds: {k:'list', items, start, end, line}, {k:'atom', v, start, end, line},
// {k:'str', raw, start, end, line}  (raw = text between the quotes, escapes kept)

function readForms(src) {
    let i = 0, line = 1;
    const n = src.length;
    function skipSpace() {
        for (;;) {
            if (i >= n) return;
            const c = src[i];
            if (c === '\n') { line++; i++; continue; }
            if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
            if (c === ';' && src[i + 1] === ';') {
                while (i < n && src[i] !== '\n') i++;
                continue;
            }
            if (c === '(' && src[i + 1] === ';') {
                const l0 = line;
                let d = 1;
                i += 2;
                while (i < n && d > 0) {
                    if (src[i] === '\n') line++;
                    if (src[i] === '(' && src[i + 1] === ';') { d++; i += 2; continue; }
                    if (src[i] === ';' && src[i + 1] === ')') { d--; i += 2; continue; }
                    i++;
                }
                if (d > 0) throw new Error(`line ${l0}: unterminated block comment`);
                continue;
            }
            return;
        }
    }
    function readNode() {
        skipSpace();
        const start = i, l0 = line;
        const c = src[i];
        if (c === '(') {
            i++;
            const items = [];
            for (;;) {
                skipSpace();
                if (i >= n) throw new Error(`line ${l0}: unbalanced '('`);
                if (src[i] === ')') { i++; break; }
                items.push(readNode());
            }
            return { k: 'list', items, start, end: i, line: l0 };
        }
        if (c === ')') throw new Error(`line ${line}: unexpected ')'`);
        if (c === '"') {
            i++;
            while (i < n && src[i] !== '"') {
                if (src[i] === '\\') i++;
                else if (src[i] === '\n') line++;
                i++;
            }
            if (i >= n) throw new Error(`line ${l0}: unterminated string`);
            i++;
            return { k: 'str', raw: src.slice(start + 1, i - 1), start, end: i, line: l0 };
        }
        while (i < n && !/[\s()";]/.test(src[i])) i++;
        return { k: 'atom', v: src.slice(start, i), start, end: i, line: l0 };
    }
    const forms = [];
    for (;;) {
        skipSpace();
        if (i >= n) break;
        forms.push(readNode());
    }
    return forms;
}

// A wast string's bytes (escapes: \t \n \r \" \' \\ \hh \u{...}).
function strBytes(raw) {
    const out = [];
    const enc = new TextEncoder();
    for (let i = 0; i < raw.length; i++) {
        const c = raw[i];
        if (c !== '\\') {
            const cp = raw.codePointAt(i);
            if (cp > 0xffff) i++;
            out.push(...enc.encode(String.fromCodePoint(cp)));
            continue;
        }
        const e = raw[++i];
        const simple = { t: 9, n: 10, r: 13, '"': 34, "'": 39, '\\': 92 };
        if (e in simple) { out.push(simple[e]); continue; }
        if (e === 'u') {
            const close = raw.indexOf('}', i);
            if (raw[i + 1] !== '{' || close < 0) throw new Error('bad \\u escape');
            out.push(...enc.encode(String.fromCodePoint(parseInt(raw.slice(i + 2, close).replace(/_/g, ''), 16))));
            i = close;
            continue;
        }
        const h = raw.slice(i, i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new Error(`bad escape \\${e}`);
        out.push(parseInt(h, 16));
        i++;
    }
    return Uint8Array.from(out);
}

function strText(raw) {
    return new TextDecoder('utf-8', { fatal: true }).decode(strBytes(raw));
}

// One line out of jco's Debug-formatted error: the innermost `kind: ...`,
// e.g. Custom("unexpected token") → unexpected token, or
// Lex(InvalidStringEscape('z')) as it is.
function jcoReason(e, line) {
    const m = String(e && e.message !== undefined ? e.message : e);
    const pos = m.match(/line: (\d+), col: (\d+)/);
    const at = m.lastIndexOf('kind: ');
    let why = m.split('\n')[0].slice(0, 200);
    if (at >= 0) {
        const rest = m.slice(at + 6);
        let i = 0, depth = 0;
        while (i < rest.length) {
            const c = rest[i];
            if (c === '"' || c === "'") {
                for (i++; i < rest.length && rest[i] !== c; i++)
                    if (rest[i] === '\\') i++;
            } else if (c === '(') {
                depth++;
            } else if (c === ')') {
                if (depth === 0) break;
                if (--depth === 0) { i++; break; }
            } else if (depth === 0 && /[\s,}]/.test(c)) {
                break;
            }
            i++;
        }
        why = rest.slice(0, i);
        const custom = why.match(/^Custom\("((?:[^"\\]|\\.)*)"\)$/);
        if (custom) why = custom[1].replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    if (pos) why += ` (at line ${line + Number(pos[1])}, column ${Number(pos[2]) + 1})`;
    return why;
}

// ---- the `cancellable` immediate ----
// jco 1.35's text parser no longer knows `cancellable` (dropped upstream
// after component-model#716), but CanonicalABI.md/Binary.md still define it
// (a cancel? byte after the opcode of waitable-set.wait/poll, thread.yield,
// thread.suspend and thread.{suspend,yield}-then-{resume,promote}). So the
// text is parsed without the keyword and the bytes are set afterwards: the
// n-th such canon of the text (in order) is the n-th in the binary (a
// depth-first walk of the component's sections); if the counts differ the
// form stays unconvertible.
const CANCEL_OPS = new Map([
    ['waitable-set.wait', 0x20], ['waitable-set.poll', 0x21], ['thread.yield', 0x0c],
    ['thread.suspend', 0x29], ['thread.suspend-then-resume', 0x2a], ['thread.yield-then-resume', 0x2b],
    ['thread.suspend-then-promote', 0x2c], ['thread.yield-then-promote', 0x2d],
]);

// The text without `cancellable` after those canons, and for each such
// canon (in order) whether it had it; null when there is none.
function stripCancellable(text) {
    const atoms = [];      // {v, start, end, open}: `(` and atoms outside comments/strings
    for (let i = 0; i < text.length;) {
        const c = text[i];
        if (c === ';' && text[i + 1] === ';') {
            while (i < text.length && text[i] !== '\n') i++;
        } else if (c === '(' && text[i + 1] === ';') {
            let depth = 0;
            do {
                if (text[i] === '(' && text[i + 1] === ';') { depth++; i += 2; }
                else if (text[i] === ';' && text[i + 1] === ')') { depth--; i += 2; }
                else i++;
            } while (depth > 0 && i < text.length);
        } else if (c === '"') {
            for (i++; i < text.length && text[i] !== '"'; i++)
                if (text[i] === '\\') i++;
            i++;
            atoms.push({ v: '"', start: i, end: i });
        } else if (c === '(' || c === ')') {
            atoms.push({ v: c, start: i, end: i + 1 });
            i++;
        } else if (/\s/.test(c)) {
            i++;
        } else {
            const start = i;
            while (i < text.length && !/[\s()";]/.test(text[i])) i++;
            atoms.push({ v: text.slice(start, i), start, end: i });
        }
    }
    const marks = [];
    let out = text, any = false;
    for (let k = 0; k + 2 < atoms.length; k++) {
        if (atoms[k].v !== '(' || atoms[k + 1].v !== 'canon' || !CANCEL_OPS.has(atoms[k + 2].v)) continue;
        const next = atoms[k + 3];
        const has = next !== undefined && next.v === 'cancellable';
        marks.push(has);
        if (has) {
            any = true;
            out = out.slice(0, next.start) + ' '.repeat(next.end - next.start) + out.slice(next.end);
        }
    }
    return any ? { text: out, marks } : null;
}

// Sets the cancel? byte of the marked canons in a component binary;
// false when the binary's canons do not match the marks.
function setCancellable(bytes, marks) {
    let p = 0, n = 0, ok = true;
    const at = [];
    const u32 = () => {
        let v = 0, shift = 0, b;
        do {
            if (p >= bytes.length) throw new Error('truncated');
            b = bytes[p++];
            v += (b & 0x7f) * 2 ** shift;
            shift += 7;
        } while (b & 0x80);
        return v;
    };
    const opts = () => { for (let k = u32(); k > 0; k--) { const o = bytes[p++]; if (o === 3 || o === 4 || o === 5 || o === 7) u32(); } };
    function component(end) {
        p += 8;                                 // magic, version, layer
        while (p < end) {
            const id = bytes[p++];
            const size = u32();
            const sectionEnd = p + size;
            if (id === 4) {                     // nested component
                component(sectionEnd);
            } else if (id === 8) {              // canonical definitions
                for (let k = u32(); k > 0; k--) {
                    const op = bytes[p++];
                    switch (op) {
                    case 0x00: p++; u32(); opts(); u32(); break;
                    case 0x01: p++; u32(); opts(); break;
                    case 0x02: case 0x03: case 0x04: case 0x07: case 0x0e: case 0x13: case 0x14:
                    case 0x15: case 0x1a: case 0x1b: u32(); break;
                    case 0x05: case 0x0d: case 0x1e: case 0x1f: case 0x22: case 0x23: case 0x24:
                    case 0x25: case 0x26: case 0x28: break;
                    case 0x06: p++; break;
                    case 0x09: if (bytes[p++] === 0x00) u32(); else p++; opts(); break;
                    case 0x0a: case 0x0b: p++; u32(); break;
                    case 0x0f: case 0x10: case 0x16: case 0x17: u32(); opts(); break;
                    case 0x11: case 0x12: case 0x18: case 0x19: u32(); p++; break;
                    case 0x1c: case 0x1d: opts(); break;
                    case 0x20: case 0x21: at.push(p); p++; u32(); break;
                    case 0x0c: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: at.push(p); p++; break;
                    case 0x27: u32(); u32(); break;
                    case 0x40: p++; u32(); break;
                    case 0x41: p++; u32(); u32(); break;
                    case 0x42: p++; break;
                    default: ok = false; p = sectionEnd; k = 0; break;
                    }
                }
            }
            p = sectionEnd;
        }
    }
    try {
        component(bytes.length);
    } catch {
        return false;
    }
    if (!ok || at.length !== marks.length) return false;
    for (const m of marks) {
        if (bytes[at[n]] !== 0) return false;
        if (m) bytes[at[n]] = 1;
        n++;
    }
    return true;
}

// ---- conversion ----

async function main() {
    const [inPath, outDir] = process.argv.slice(2);
    if (!inPath || !outDir) fail('usage: wast2component.mjs IN.wast OUTDIR');
    const here = path.dirname(fileURLToPath(import.meta.url));
    const nodeDir = process.env.WACC_NODE_DIR || path.join(here, '..', '.node');
    const api = path.join(nodeDir, 'node_modules', '@bytecodealliance', 'jco', 'dist', 'api.js');
    if (!fs.existsSync(api)) fail(`jco not found at ${api} (run scripts/npm-deps.sh or set WACC_NODE_DIR)`);
    const { parse } = await import(pathToFileURL(api).href);

    let src;
    try {
        src = fs.readFileSync(inPath, 'utf8');
    } catch (e) {
        fail(`${inPath}: ${e.message}`);
    }
    const base = path.basename(inPath).replace(/\.wast$/, '');
    const features = src.split('\n').filter((l) => l.startsWith(';;!')).map((l) => l.slice(3).trim());
    let forms;
    try {
        forms = readForms(src);
    } catch (e) {
        fail(`${inPath}: ${e.message}`);
    }
    const cmds = [];
    let nbin = 0;

    function writeBin(bytes) {
        const name = `${base}.${nbin++}.wasm`;
        fs.writeFileSync(path.join(outDir, name), bytes);
        return name;
    }

    // A `(component ...)` / `(module ...)` form, possibly with `definition`,
    // `binary` or `quote`. Returns {kind, name?, definition, filename} or
    // {kind, textError} for a rejected quote, or throws {unconvertible}.
    async function convertModule(node) {
        const items = node.items;
        let kind = items[0].v;
        let at = 1;
        const r = { definition: false };
        if (kind === 'core' && items[1] && items[1].v === 'module') { kind = 'module'; at = 2; }
        r.kind = kind;
        let defTok = null;
        if (items[at] && items[at].k === 'atom' && items[at].v === 'definition') { defTok = items[at]; r.definition = true; at++; }
        if (items[at] && items[at].k === 'atom' && items[at].v.startsWith('$')) { r.name = items[at].v; at++; }
        const mode = items[at] && items[at].k === 'atom' && (items[at].v === 'binary' || items[at].v === 'quote') ? items[at].v : null;
        if (mode === 'binary') {
            const parts = [];
            for (const s of items.slice(at + 1)) {
                if (s.k !== 'str') throw { unconvertible: 'binary form with a non-string' };
                parts.push(strBytes(s.raw));
            }
            r.filename = writeBin(Buffer.concat(parts));
            return r;
        }
        let text;
        if (mode === 'quote') {
            let body;
            try {
                body = items.slice(at + 1).map((s) => {
                    if (s.k !== 'str') throw new Error('quote form with a non-string');
                    return strText(s.raw);
                }).join(' ');
            } catch (e) {
                r.textError = e.message;
                return r;
            }
            text = `(${kind === 'module' ? 'module' : 'component'} ${r.name || ''} ${body})`;
        } else {
            text = src.slice(node.start, node.end);
            if (items[0].v === 'core')          // `(core module ...)` → `(module ...)`
                text = '(' + text.slice(items[1].start - node.start);
            if (defTok)                         // wast-only keyword
                text = text.slice(0, defTok.start - node.start) + ' '.repeat(defTok.end - defTok.start) +
                    text.slice(defTok.end - node.start);
        }
        let bytes;
        try {
            const strip = kind === 'component' ? stripCancellable(text) : null;
            if (strip) {
                let alt = null;
                try {
                    alt = await parse(strip.text);
                } catch {
                    alt = null;
                }
                if (alt && setCancellable(alt, strip.marks)) {
                    r.filename = writeBin(alt);
                    return r;
                }
            }
            bytes = await parse(text);
        } catch (e) {
            if (mode === 'quote') {
                r.textError = jcoReason(e, node.line);
                return r;
            }
            throw { unconvertible: jcoReason(e, node.line) };
        }
        r.filename = writeBin(bytes);
        return r;
    }

    function isModuleForm(n) {
        if (!n || n.k !== 'list' || !n.items[0] || n.items[0].k !== 'atom') return false;
        const h = n.items[0].v;
        return h === 'component' || h === 'module' || (h === 'core' && n.items[1] && n.items[1].v === 'module');
    }

    function textOf(n) {
        return src.slice(n.start, n.end);
    }

    function action(n) {
        if (n.k !== 'list' || !n.items[0] || n.items[0].v !== 'invoke')
            throw { unsupported: `action ${n.k === 'list' && n.items[0] ? n.items[0].v || '?' : '?'}` };
        const a = { type: 'invoke' };
        let at = 1;
        if (n.items[at] && n.items[at].k === 'atom' && n.items[at].v.startsWith('$')) a.instance = n.items[at++].v;
        if (!n.items[at] || n.items[at].k !== 'str') throw { unsupported: 'invoke without a name' };
        a.field = strText(n.items[at++].raw);
        a.args = n.items.slice(at).map(textOf);
        return a;
    }

    for (const f of forms) {
        const line = f.line;
        let head = f.k === 'list' && f.items[0] && f.items[0].k === 'atom' ? f.items[0].v : null;
        try {
            if (head === null) throw { unsupported: 'not a command' };
            if (head === 'component' && f.items[1] && f.items[1].v === 'instance') {
                const c = { type: 'component_instance', line };
                if (f.items[2] && f.items[2].k === 'atom') c.name = f.items[2].v;
                if (f.items[3] && f.items[3].k === 'atom') c.definition = f.items[3].v;
                if (!c.name || !c.definition) throw { unsupported: 'component instance needs $name $definition' };
                cmds.push(c);
            } else if (isModuleForm(f)) {
                const m = await convertModule(f);
                if (m.textError) throw { unconvertible: m.textError };
                cmds.push({ type: m.kind === 'module' ? 'module' : 'component', line, ...m });
            } else if (head === 'assert_invalid' || head === 'assert_malformed' ||
                       head === 'assert_unlinkable' || (head === 'assert_trap' && isModuleForm(f.items[1]))) {
                const inner = f.items[1];
                if (!isModuleForm(inner)) throw { unsupported: `${head} of a non-module form` };
                const c = { type: head, line };
                const msg = f.items[2];
                c.text = msg && msg.k === 'str' ? strText(msg.raw) : '';
                const m = await convertModule(inner);
                c.kind = m.kind;
                if (m.name) c.name = m.name;
                if (m.textError) {
                    c.module_type = 'text';
                    c.error = m.textError;
                } else {
                    c.module_type = 'binary';
                    c.filename = m.filename;
                }
                cmds.push(c);
            } else if (head === 'assert_return') {
                cmds.push({ type: head, line, action: action(f.items[1] || {}), expected: f.items.slice(2).map(textOf) });
            } else if (head === 'assert_trap' || head === 'assert_exhaustion') {
                const msg = f.items[2];
                cmds.push({ type: head, line, action: action(f.items[1] || {}),
                            text: msg && msg.k === 'str' ? strText(msg.raw) : '' });
            } else if (head === 'invoke') {
                cmds.push({ type: 'action', line, action: action(f) });
            } else if (head === 'register') {
                const c = { type: 'register', line };
                if (f.items[1] && f.items[1].k === 'str') c.as = strText(f.items[1].raw);
                if (f.items[2] && f.items[2].k === 'atom') c.name = f.items[2].v;
                cmds.push(c);
            } else {
                throw { unsupported: `unknown command (${head})` };
            }
        } catch (e) {
            if (e && e.unconvertible !== undefined)
                cmds.push({ type: 'unconvertible', line, form: head, reason: e.unconvertible });
            else if (e && e.unsupported !== undefined)
                cmds.push({ type: 'unsupported', line, form: head, reason: e.unsupported });
            else
                cmds.push({ type: 'unconvertible', line, form: head, reason: String(e && e.message || e) });
        }
    }
    const out = { source_filename: inPath, features, commands: cmds };
    fs.writeFileSync(path.join(outDir, `${base}.json`), JSON.stringify(out, null, 1) + '\n');
}

await main();
