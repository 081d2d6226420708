// Calls into the JS kitchen component (wit/kitchen/kitchen.wit). `call` is
// the `wacc run kitchen.so --invoke` argument (WAVE), `js` the same call on
// jco's transpiled module, `type` the result type for wave.mjs.
// Cases with `session: true` use a resource across several calls: their
// `call` lists the calls separated by " ; " and $N is the handle the N-th
// call returned; the expected text is the last call's result.
import { asResult } from "../wave.mjs";

const I = "r1:kitchen/api@0.1.0";
const point = { record: [["x", "s32"], ["y", "s32"]] };
const person = {
  record: [["name", "string"], ["age", "u8"], ["email", { option: "string" }], ["tags", { list: "string" }]],
};
const color = { enum: ["red", "green", "blue"] };
const perms = { flags: ["read", "write", "exec"] };
const parseError = { variant: [["empty-input", null], ["bad-char", "char"], ["too-long", "u32"]] };
const api = (m) => m.api ?? m[I];

const ada = { name: "Ada", age: 36, email: "ada@example.org", tags: ["math", "engines"] };
const bob = { name: "Bob \"the builder\"", age: 255, email: undefined, tags: [] };

export const cases = [
  { call: `${I}#greet("wasm")`, type: "string", js: (m) => api(m).greet("wasm") },
  { call: `${I}#greet("héllo wörld ✓ 🦀")`, type: "string", js: (m) => api(m).greet("héllo wörld ✓ 🦀") },
  { call: `${I}#greet("")`, type: "string", js: (m) => api(m).greet("") },
  {
    call: `${I}#reverse-words("  the quick  brown fox ")`,
    type: { list: "string" },
    js: (m) => api(m).reverseWords("  the quick  brown fox "),
  },
  { call: `${I}#sum([1, -2, 2147483647, 2147483647])`, type: "s64", js: (m) => api(m).sum([1, -2, 2147483647, 2147483647]) },
  { call: `${I}#sum([])`, type: "s64", js: (m) => api(m).sum([]) },
  { call: `${I}#bytes-len([0, 1, 2, 255])`, type: "u32", js: (m) => api(m).bytesLen(new Uint8Array([0, 1, 2, 255])) },
  {
    call: `${I}#sort-strings(["pear", "apple", "Zebra", "äpfel", ""])`,
    type: { list: "string" },
    js: (m) => api(m).sortStrings(["pear", "apple", "Zebra", "äpfel", ""]),
  },
  { call: `${I}#translate({x: 1, y: -2}, 10, 20)`, type: point, js: (m) => api(m).translate({ x: 1, y: -2 }, 10, 20) },
  {
    call: `${I}#describe({name: "Ada", age: 36, email: some("ada@example.org"), tags: ["math", "engines"]})`,
    type: "string",
    js: (m) => api(m).describe(ada),
  },
  {
    call: `${I}#describe({name: "Bob \\"the builder\\"", age: 255, email: none, tags: []})`,
    type: "string",
    js: (m) => api(m).describe(bob),
  },
  {
    call: `${I}#birthday({name: "Ada", age: 36, email: some("ada@example.org"), tags: ["math", "engines"]})`,
    type: person,
    js: (m) => api(m).birthday(ada),
  },
  { call: `${I}#swap(("seven", 7))`, type: { tuple: ["u32", "string"] }, js: (m) => api(m).swap(["seven", 7]) },
  { call: `${I}#next-color(red)`, type: color, js: (m) => api(m).nextColor("red") },
  { call: `${I}#next-color(blue)`, type: color, js: (m) => api(m).nextColor("blue") },
  {
    call: `${I}#grant({read}, {write, exec})`,
    type: perms,
    js: (m) => api(m).grant({ read: true, write: false, exec: false }, { read: false, write: true, exec: true }),
  },
  { call: `${I}#grant({}, {})`, type: perms, js: (m) => api(m).grant({}, {}) },
  { call: `${I}#area(circle(2.5))`, type: "f64", js: (m) => api(m).area({ tag: "circle", val: 2.5 }) },
  { call: `${I}#area(rect({x: 3, y: -4}))`, type: "f64", js: (m) => api(m).area({ tag: "rect", val: { x: 3, y: -4 } }) },
  { call: `${I}#area(empty)`, type: "f64", js: (m) => api(m).area({ tag: "empty" }) },
  { call: `${I}#shape-name(named("hexagon"))`, type: "string", js: (m) => api(m).shapeName({ tag: "named", val: "hexagon" }) },
  { call: `${I}#shape-name(rect({x: 0, y: 0}))`, type: "string", js: (m) => api(m).shapeName({ tag: "rect", val: { x: 0, y: 0 } }) },
  { call: `${I}#find(["a", "b", "c"], "c")`, type: { option: "u32" }, js: (m) => api(m).find(["a", "b", "c"], "c") },
  { call: `${I}#find(["a", "b", "c"], "z")`, type: { option: "u32" }, js: (m) => api(m).find(["a", "b", "c"], "z") },
  {
    call: `${I}#parse-number("-1234")`,
    type: { result: ["s32", parseError] },
    js: (m) => asResult(() => api(m).parseNumber("-1234")),
  },
  {
    call: `${I}#parse-number("")`,
    type: { result: ["s32", parseError] },
    js: (m) => asResult(() => api(m).parseNumber("")),
  },
  {
    call: `${I}#parse-number("12x4")`,
    type: { result: ["s32", parseError] },
    js: (m) => asResult(() => api(m).parseNumber("12x4")),
  },
  {
    call: `${I}#parse-number("12345678901")`,
    type: { result: ["s32", parseError] },
    js: (m) => asResult(() => api(m).parseNumber("12345678901")),
  },
  {
    call: `${I}#checked-div(18446744073709551615, 5)`,
    type: { result: ["u64", "string"] },
    js: (m) => asResult(() => api(m).checkedDiv(18446744073709551615n, 5n)),
  },
  {
    call: `${I}#checked-div(1, 0)`,
    type: { result: ["u64", "string"] },
    js: (m) => asResult(() => api(m).checkedDiv(1n, 0n)),
  },
  { call: `${I}#first-char("🦀 crab")`, type: { option: "char" }, js: (m) => api(m).firstChar("🦀 crab") },
  { call: `${I}#first-char("")`, type: { option: "char" }, js: (m) => api(m).firstChar("") },
  { call: `${I}#maybe-point(true)`, type: { option: point }, js: (m) => api(m).maybePoint(true) },
  { call: `${I}#maybe-point(false)`, type: { option: point }, js: (m) => api(m).maybePoint(false) },
  {
    session: true,
    call: `${I}#[constructor]counter(5) ; ${I}#[method]counter.add($1, 10) ; ${I}#[method]counter.value($1)`,
    type: "u32",
    js: (m) => {
      const c = new (api(m).Counter)(5);
      c.add(10);
      return c.value();
    },
  },
  {
    session: true,
    call: `${I}#make-counter(3, "apples") ; ${I}#[method]counter.add($1, 4) ; ${I}#[method]counter.label($1)`,
    type: "string",
    js: (m) => {
      const c = api(m).makeCounter(3, "apples");
      c.add(4);
      return c.label();
    },
  },
  {
    session: true,
    call: `${I}#make-counter(40, "a") ; ${I}#[constructor]counter(2) ; ${I}#total($1, $2)`,
    type: "u32",
    js: (m) => api(m).total(api(m).makeCounter(40, "a"), new (api(m).Counter)(2)),
  },
];
