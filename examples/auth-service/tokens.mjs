// tokens.mjs — the test tokens of the blueprint, minted with node's crypto
// (HS256, the provider's demo key): valid, tampered, expired, malformed.
// Deterministic: fixed claims, `exp` far in the future (2100) or past (2001).
import { createHmac } from "node:crypto";

const SECRET = "wacc-auth-demo-secret";
const b64 = (x) => Buffer.from(x).toString("base64url");
export function mint(payload, { key = SECRET, header = { alg: "HS256", typ: "JWT" } } = {}) {
  const signed = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  return `${signed}.${createHmac("sha256", key).update(signed).digest("base64url")}`;
}

const FUTURE = 4102444800, PAST = 1000000000;
const alice = mint({ sub: "u-1001", name: "Alice", exp: FUTURE });
const [h, , s] = alice.split(".");
export const tokens = [
  ["valid alice", alice],
  ["valid carol (no roles)", mint({ sub: "u-1003", exp: FUTURE, iat: 1700000000 })],
  ["tampered payload", `${h}.${b64(JSON.stringify({ sub: "u-1002", name: "Alice", exp: FUTURE }))}.${s}`],
  ["tampered signature", `${alice.slice(0, -2)}${alice.endsWith("AA") ? "AB" : "AA"}`],
  ["expired", mint({ sub: "u-1001", exp: PAST })],
  ["wrong key", mint({ sub: "u-1001", exp: FUTURE }, { key: "not-the-key" })],
  ["alg none", mint({ sub: "u-1001", exp: FUTURE }, { header: { alg: "none", typ: "JWT" } })],
  ["unknown user", mint({ sub: "u-9999", exp: FUTURE })],
  ["no exp", mint({ sub: "u-1001" })],
  ["malformed: two parts", "abc.def"],
  ["malformed: not base64url", "a*b.c.d"],
  ["malformed: payload not JSON", `${h}.${b64("not json")}.${s}`],
  ["empty", ""],
];
