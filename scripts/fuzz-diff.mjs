// fuzz-diff.mjs — the V8 side of scripts/fuzz-diff: runs modules made by
// `wasm-opt -ttf` exactly as tests/fuzz/fuzz_host.c runs them under wacc and
// prints the same lines (call NAME / log T V / result T V / trap).
//
//   node fuzz-diff.mjs DIR SEED...   reads DIR/SEED.wasm and DIR/SEED.sigs
//                                    (fuzz_host --sigs), writes DIR/SEED.v8
import { readFileSync, writeFileSync } from 'node:fs';

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);

function show(what, type, v) {
  switch (type) {
    case 'i': return `${what} i32 ${v | 0}`;
    case 'l': return `${what} i64 ${BigInt.asIntN(64, BigInt(v))}`;
    case 'f':
      if (Number.isNaN(v)) return `${what} f32 nan`;
      f32[0] = v; return `${what} f32 0x${u32[0].toString(16).padStart(8, '0')}`;
    case 'd':
      if (Number.isNaN(v)) return `${what} f64 nan`;
      f64[0] = v; return `${what} f64 0x${u64[0].toString(16).padStart(16, '0')}`;
  }
  return `${what} ?`;
}

async function runOne(dir, seed) {
  const out = [];
  const sigs = readFileSync(`${dir}/${seed}.sigs`, 'utf8').split('\n').filter(Boolean)
    .map((l) => { const [name, p, r] = l.split(' '); return { name, p: p === '-' ? '' : p, r: r === '-' ? '' : r }; });
  const log = (t) => (v) => { out.push(show('log', t, v)); };
  const imports = { 'fuzzing-support': { 'log-i32': log('i'), 'log-i64': log('l'), 'log-f32': log('f'), 'log-f64': log('d'),
    'log-v128': () => { /* V8 throws a TypeError before calling this */ } } };
  let inst;
  try {
    inst = (await WebAssembly.instantiate(readFileSync(`${dir}/${seed}.wasm`), imports)).instance;
  } catch (e) {
    out.push(`instantiate: ${e instanceof WebAssembly.RuntimeError || e instanceof RangeError ? 'trap' : 'error'}`);
    writeFileSync(`${dir}/${seed}.v8`, out.join('\n') + '\n');
    return;
  }
  const hang = inst.exports.hangLimitInitializer;
  for (const s of sigs) {
    if (s.name === 'hangLimitInitializer') continue;
    out.push(`call ${s.name}`);
    try {
      if (hang) hang();
      const args = [...s.p].map((t) => (t === 'l' ? 0n : 0));
      let res = inst.exports[s.name](...args);
      if (s.r.length === 1) res = [res];
      for (let i = 0; i < s.r.length; i++) out.push(show('result', s.r[i], res[i]));
    } catch (e) {
      // RangeError: stack exhausted; TypeError: a v128 reached JS (log-v128).
      if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError || e instanceof TypeError) out.push('trap');
      else throw e;
    }
  }
  writeFileSync(`${dir}/${seed}.v8`, out.join('\n') + '\n');
}

const [dir, ...seeds] = process.argv.slice(2);
for (const seed of seeds) {
  try { await runOne(dir, seed); } catch (e) { writeFileSync(`${dir}/${seed}.v8`, `error ${e}\n`); }
}
