// front (JS) + provider (Rust) + directory (C++): handle("Bearer TOKEN").
import { tokens } from "../tokens.mjs";

const calls = [...tokens.map(([, t]) => `Bearer ${t}`), "Basic dXNlcjpwYXNz", ""];
export const cases = calls.map((a) => ({
  call: `handle(${JSON.stringify(a)})`,
  type: { tuple: ["u16", "string"] },
  js: (m) => m.handle(a),
}));
