// provider (Rust) + directory (C++): validate-token on every test token.
import { asResult } from "../../../tests/components/wave.mjs";
import { tokens } from "../tokens.mjs";

const I = "codesec:auth/provider@0.1.0";
const user = { record: [["id", "string"], ["username", "string"], ["roles", { list: "string" }]] };
export const cases = tokens.map(([, t]) => ({
  call: `${I}#validate-token(${JSON.stringify(t)})`,
  type: { result: [user, "string"] },
  js: (m) => asResult(() => (m.provider ?? m[I]).validateToken(t)),
}));
