// wave.mjs — prints a jco-mapped JS value as WAVE text, the way
// `wacc run --invoke` prints component results (abi-glue/format.c):
// "s", [1, 2], {a: 1}, (1, "x"), some(x), none, ok(x), err(e), 'c',
// case(x), {flag-a, flag-b}, %keyword labels, shortest round-trip floats.
//
// Types are plain data (see cases/*.mjs):
//   "bool" "u8".."u64" "s8".."s64" "f32" "f64" "char" "string"
//   { list: T }  { option: T }  { result: [T | null, E | null] }
//   { tuple: [T...] }  { record: [[name, T]...] }
//   { variant: [[name, T | null]...] }  { enum: [name...] }  { flags: [name...] }
// jco's mapping: records and flags use camelCase keys, variants
// { tag, val }, option<T> T | undefined (nested: { tag: "some", val }),
// result { tag: "ok" | "err", val }, u64/s64 BigInt, list<u8> Uint8Array.
const KEYWORDS = new Set(["true", "false", "some", "none", "ok", "err", "inf", "nan"]);

const camel = (s) => s.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const label = (l) => (KEYWORDS.has(l) ? `%${l}` : l);

function quote(s, q) {
  let o = q;
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (ch === "\n") o += "\\n";
    else if (ch === "\r") o += "\\r";
    else if (ch === "\t") o += "\\t";
    else if (ch === "\\") o += "\\\\";
    else if (ch === q) o += `\\${q}`;
    else if (cp < 0x20 || cp === 0x7f) o += `\\u{${cp.toString(16)}}`;
    else o += ch;
  }
  return o + q;
}

// C's "%.*g" with the least precision that round-trips (format.c)
function float(d, single) {
  if (Number.isNaN(d)) return "nan";
  if (!Number.isFinite(d)) return d < 0 ? "-inf" : "inf";
  for (let p = 1; p <= 17; p++) {
    const t = g(d, p);
    const back = Number(t);
    if (single ? Math.fround(back) === Math.fround(d) : back === d) return t;
  }
  return String(d);
}

function g(d, p) {
  if (d === 0) return Object.is(d, -0) ? "-0" : "0";
  const e = Math.floor(Math.log10(Math.abs(Number(d.toPrecision(p)))));
  let s;
  if (e < -4 || e >= p) {
    s = d.toExponential(p - 1);
    let [m, x] = s.split("e");
    if (m.includes(".")) m = m.replace(/0+$/, "").replace(/\.$/, "");
    const sign = x[0] === "-" ? "-" : "+";
    x = x.replace(/^[-+]/, "");
    return `${m}e${sign}${x.padStart(2, "0")}`;
  }
  s = d.toFixed(Math.max(0, p - 1 - e));
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
  return s;
}

export function formatWave(v, t) {
  if (typeof t === "string") {
    switch (t) {
      case "bool":
        return v ? "true" : "false";
      case "f32":
        return float(v, true);
      case "f64":
        return float(v, false);
      case "char":
        return quote(v, "'");
      case "string":
        return quote(v, '"');
      default:
        return BigInt(v).toString();
    }
  }
  if (t.list) return `[${Array.from(v, (x) => formatWave(x, t.list)).join(", ")}]`;
  if (t.tuple) return `(${t.tuple.map((et, i) => formatWave(v[i], et)).join(", ")})`;
  if (t.record)
    return `{${t.record.map(([n, ft]) => `${label(n)}: ${formatWave(v[camel(n)], ft)}`).join(", ")}}`;
  if (t.enum) return label(v);
  if (t.flags) return `{${t.flags.filter((n) => v[camel(n)]).map(label).join(", ")}}`;
  if ("option" in t) {
    const nested = typeof t.option === "object" && "option" in t.option;
    if (nested) return v.tag === "some" ? `some(${formatWave(v.val, t.option)})` : "none";
    return v === undefined || v === null ? "none" : `some(${formatWave(v, t.option)})`;
  }
  if (t.result) {
    const [okT, errT] = t.result;
    const pt = v.tag === "ok" ? okT : errT;
    return pt ? `${v.tag}(${formatWave(v.val, pt)})` : v.tag;
  }
  if (t.variant) {
    const c = t.variant.find(([n]) => n === v.tag);
    if (!c) return "<bad case>";
    return c[1] ? `${label(c[0])}(${formatWave(v.val, c[1])})` : label(c[0]);
  }
  throw new Error(`wave: unknown type ${JSON.stringify(t)}`);
}

// A top-level result<T, E> export: jco returns T or throws a ComponentError
// whose payload is E; turn that back into { tag, val }.
export function asResult(f) {
  try {
    return { tag: "ok", val: f() };
  } catch (e) {
    if (e && e.constructor && e.constructor.name === "ComponentError") return { tag: "err", val: e.payload };
    throw e;
  }
}
