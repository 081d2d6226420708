// hello-js: a wasi:cli/run command written in JavaScript, built into a
// component by componentize-js (StarlingMonkey inside the component).
// console.log goes to wasi:cli/stdout.
export const run = {
  run() {
    console.log("hello from a JS component");
    const words = ["wasm", "components", "native"];
    console.log(words.map((w) => w.toUpperCase()).join(" "));
    let sum = 0;
    for (let i = 1; i <= 100; i++) sum += i * i;
    console.log(`sum of squares 1..100 = ${sum}`);
    console.log(JSON.stringify({ ok: true, n: 3, list: [1, 2, 3] }));
  },
};
