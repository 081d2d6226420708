// The auth-service front door (componentize-js): imports
// codesec:auth/provider and answers an Authorization header with an HTTP
// status and a JSON body, as an export (`handle`) and over HTTP
// (wasi:http/incoming-handler, any path).
import { validateToken } from "codesec:auth/provider@0.1.0";

export function handle(authorization) {
  const m = /^Bearer ([^ ]+)$/.exec(authorization);
  if (!m) return [401, JSON.stringify({ error: "missing bearer token" })];
  try {
    const user = validateToken(m[1]);
    return [200, JSON.stringify({ id: user.id, username: user.username, roles: user.roles })];
  } catch (e) {
    return [401, JSON.stringify({ error: String(e.payload ?? e) })];
  }
}

addEventListener("fetch", (event) => {
  const [status, body] = handle(event.request.headers.get("authorization") ?? "");
  event.respondWith(new Response(body, { status, headers: { "content-type": "application/json" } }));
});
