// upstream.mjs — the upstream HTTP server of the outbound (wasi:http
// outgoing-handler) tests, on 127.0.0.1 at a free port, which it prints as
// its first line of output. Stops after `seconds` (default 300).
//   GET  /data       "upstream data"
//   POST /sha        "<sha256 hex> <bytes>" of the request body
//   GET  /slow       answers after 3 s (first-byte timeout)
//   GET  /big?mib=N  N MiB of 'y'
//
//   node upstream.mjs [seconds]
import { createHash } from "node:crypto";
import { createServer } from "node:http";

const server = createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  if (url.pathname === "/data") {
    res.end("upstream data");
  } else if (url.pathname === "/sha" && req.method === "POST") {
    const h = createHash("sha256");
    let n = 0;
    req.on("data", (d) => { h.update(d); n += d.length; });
    req.on("end", () => res.end(`${h.digest("hex")} ${n}`));
  } else if (url.pathname === "/slow") {
    setTimeout(() => res.end("slow"), 3000);
  } else if (url.pathname === "/big") {
    let left = Number(url.searchParams.get("mib") ?? "1") * 1048576;
    const chunk = Buffer.alloc(65536, "y");
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return res.once("drain", pump);
      }
      res.end();
    };
    pump();
  } else {
    res.statusCode = 404;
    res.end("not found");
  }
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
setTimeout(() => process.exit(0), Number(process.argv[2] ?? "300") * 1000).unref();
