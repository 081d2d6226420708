// kitchen: implements r1:kitchen/api (wit/kitchen/kitchen.wit) in JS.
// jco/componentize-js mapping: records are objects with camelCase fields,
// variants { tag, val }, enums strings, flags objects of booleans,
// option<T> is T | undefined, result<T, E> returns T or throws E.
class Counter {
  #n;
  #label;
  constructor(start, label = "counter") {
    this.#n = start;
    this.#label = label;
  }
  add(n) {
    this.#n = (this.#n + n) >>> 0;
    return this.#n;
  }
  value() {
    return this.#n;
  }
  label() {
    return `${this.#label}=${this.#n}`;
  }
}

const colors = ["red", "green", "blue"];

export const api = {
  Counter,
  greet(name) {
    return `Hello, ${name}!`;
  },
  reverseWords(s) {
    return s.split(/\s+/).filter((w) => w.length > 0).reverse();
  },
  sum(xs) {
    let t = 0n;
    for (const x of xs) t += BigInt(x);
    return t;
  },
  bytesLen(b) {
    return b.length;
  },
  sortStrings(xs) {
    return [...xs].sort();
  },
  translate(p, dx, dy) {
    return { x: p.x + dx, y: p.y + dy };
  },
  describe(p) {
    const email = p.email === undefined ? "no email" : `<${p.email}>`;
    return `${p.name} (${p.age}) ${email} [${p.tags.join(",")}]`;
  },
  birthday(p) {
    return { ...p, age: p.age + 1, tags: [...p.tags, "older"] };
  },
  swap([s, n]) {
    return [n, s];
  },
  nextColor(c) {
    return colors[(colors.indexOf(c) + 1) % colors.length];
  },
  grant(p, extra) {
    return {
      read: p.read || extra.read,
      write: p.write || extra.write,
      exec: p.exec || extra.exec,
    };
  },
  area(s) {
    switch (s.tag) {
      case "circle":
        return s.val * s.val * 3;
      case "rect":
        return Math.abs(s.val.x * s.val.y);
      default:
        return 0;
    }
  },
  shapeName(s) {
    return s.tag === "named" ? `named ${s.val}` : s.tag;
  },
  find(xs, needle) {
    const i = xs.indexOf(needle);
    return i < 0 ? undefined : i;
  },
  parseNumber(s) {
    if (s.length === 0) throw { tag: "empty-input" };
    if (s.length > 9) throw { tag: "too-long", val: s.length };
    for (const ch of s) {
      if (!/[0-9-]/.test(ch)) throw { tag: "bad-char", val: ch };
    }
    return parseInt(s, 10);
  },
  checkedDiv(a, b) {
    if (b === 0n) throw "division by zero";
    return a / b;
  },
  firstChar(s) {
    return s.length === 0 ? undefined : String.fromCodePoint(s.codePointAt(0));
  },
  maybePoint(present) {
    return present ? { x: 7, y: -7 } : undefined;
  },
  makeCounter(start, label) {
    return new Counter(start, label);
  },
  total(a, b) {
    return a.value() + b.value();
  },
};
