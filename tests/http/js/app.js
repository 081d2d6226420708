// app.js — one JS wasi:http handler (componentize-js, StarlingMonkey) for
// every route the http-js test runs, under wacc and under `jco serve`:
//   /hello           200 text
//   /headers?q=..    201, x-echo header, method / query / header in the body
//   /echo            the request body streamed back
//   /big?mib=N       N MiB (default 64) of 'x', streamed from a ReadableStream
//   /fetch           GET http://<x-upstream header>/data; "<status> <body>", or 502
//   /throw           the handler throws
//   /loop            never returns (for --timeout)
//   /alloc           allocates without end (for --max-memory)
addEventListener("fetch", (event) => event.respondWith(handle(event.request)));

const text = { "content-type": "text/plain" };

async function handle(req) {
  const url = new URL(req.url);
  switch (url.pathname) {
    case "/hello":
      return new Response("hello from js\n", { headers: text });
    case "/headers": {
      const x = req.headers.get("x-test") ?? "";
      const body = `method=${req.method} q=${url.searchParams.get("q")} x-test=${x}\n`;
      return new Response(body, { status: 201, headers: { ...text, "x-echo": x } });
    }
    case "/echo":
      return new Response(req.body);
    case "/big": {
      let left = Number(url.searchParams.get("mib") ?? "64") * 1048576;
      const stream = new ReadableStream({
        pull(controller) {
          if (left <= 0) {
            controller.close();
            return;
          }
          const n = Math.min(65536, left);
          left -= n;
          // a fresh buffer each time: the host detaches what it writes
          controller.enqueue(new Uint8Array(n).fill(120));
        },
      });
      return new Response(stream, { headers: { "content-type": "application/octet-stream" } });
    }
    case "/fetch": {
      const up = req.headers.get("x-upstream");
      try {
        const r = await fetch(`http://${up}/data`);
        return new Response(`${r.status} ${await r.text()}\n`, { headers: text });
      } catch (e) {
        return new Response("fetch failed\n", { status: 502, headers: text });
      }
    }
    case "/throw":
      throw new Error("boom");
    case "/loop":
      for (;;) {}
    case "/alloc": {
      const keep = [];
      for (;;) keep.push(new Array(1 << 20).fill(keep.length));
    }
  }
  return new Response("not found\n", { status: 404, headers: text });
}
