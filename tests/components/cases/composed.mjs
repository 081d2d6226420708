// Calls into the composed component (provider + app, wit/compose/).
// Same shape as kitchen.mjs.
const I = "r1:compose/app@0.1.0";
const app = (m) => m.app ?? m[I];
const run = (words) => ({
  call: `${I}#run([${words.map((w) => JSON.stringify(w)).join(", ")}])`,
  type: { list: "string" },
  js: (m) => app(m).run(words),
});

export const cases = [
  run(["hello", "component", "world"]),
  run(["one"]),
  run([]),
  run(["grüße", "ünïcödé", "日本語", ""]),
  run(Array.from({ length: 20 }, (_, i) => `w${i}`)),
];
