// front (JS) + provider (Rust) + directory (C++): handle("Bearer TOKEN").
import { tokens } from "../tokens.mjs";

export const auth = [...tokens.map(([, t]) => `Bearer ${t}`), "Basic dXNlcjpwYXNz", ""];
export const cases = auth.map((a) => ({
  call: `handle(${JSON.stringify(a)})`,
  type: { tuple: ["u16", "string"] },
  js: (m) => m.handle(a),
}));
