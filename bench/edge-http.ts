/**
 * The HTTP edge: one routed `POST /items` whose JSON body is validated and
 * coerced with a `Field.struct` and answered 201 with the decoded item, served by
 * Specter (`Route.post` in a `Router.layer`, under `App.layer`: error envelope,
 * route table, socket endpoint, health routes) against the same work on bare
 * Effect (`HttpRouter.add` + `HttpServerRequest.schemaBodyJson` on
 * `NodeHttpServer`), in the same process, over loopback.
 *
 * The load comes from a child process (raw keep-alive sockets, `CONNECTIONS`
 * requests in flight, one per connection) so that the server has its event loop, and a core, to
 * itself; each measurement starts a fresh server (in this process, warm JIT) and
 * a fresh generator, and counts the 201s the generator saw in `DURATION_MS`.
 * Whether the generator is the limit is recorded as extras: the generator's CPU
 * share while driving Specter (1 = a whole core), and the rate it reaches against
 * a bare `node:http` server that does the least work (parse, answer).
 *
 * `node bench/edge-http.ts` runs this case alone and prints its table.
 * `BENCH_HTTP_MS` (default 2000) and `BENCH_HTTP_CONNECTIONS` (default 16) tune it.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Exit, Layer, Logger, Scope } from "effect"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
import { spawn } from "node:child_process"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { App, Field, Route, Router } from "@specter-runtime/server"
import { type Case, runCase, table } from "./harness.ts"

const DURATION_MS = Number(process.env["BENCH_HTTP_MS"] ?? 2000)
const CONNECTIONS = Number(process.env["BENCH_HTTP_CONNECTIONS"] ?? 16)
// Canonical JSON: schemaBodyJson decodes `Schema.toCodecJson(schema)`, which refuses a
// lenient "3"; both sides fill in the absent `tags` from its default.
const BODY = JSON.stringify({ name: "lamp", quantity: 3 })

const NewItem = Field.struct({
  name: Field.string({ required: true, nonEmpty: true, maxLength: 80 }),
  quantity: Field.int({ default: 1 }),
  tags: Field.list(Field.string(), { defaultWith: () => [] })
})

/**
 * The load generator, run by `node -e` in a child: argv port, connections,
 * duration (ms), body. Each connection is a raw keep-alive socket that writes the
 * request bytes, reads one response (status line, `content-length`, body) and
 * writes the next: a client much cheaper than `node:http`'s, so that it is not the
 * limit.
 */
const GENERATOR = `
import { connect } from "node:net"
const [port, connections, duration, body] = process.argv.slice(1)
const request = Buffer.from("POST /items HTTP/1.1\\r\\nhost: 127.0.0.1\\r\\ncontent-type: application/json\\r\\n" +
  "content-length: " + Buffer.byteLength(body) + "\\r\\n\\r\\n" + body)
let ok = 0, other = 0, counting = false, stop = false
const open = () => new Promise((resolve, reject) => {
  const socket = connect(Number(port), "127.0.0.1")
  socket.setNoDelay(true)
  let buffer = Buffer.alloc(0)
  socket.on("data", (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
    for (;;) {
      const end = buffer.indexOf("\\r\\n\\r\\n")
      if (end === -1) return
      const head = buffer.subarray(0, end).toString("latin1")
      const length = Number(/content-length: *(\\d+)/i.exec(head)?.[1] ?? 0)
      if (buffer.length < end + 4 + length) return
      if (!head.startsWith("HTTP/1.1 201") && other++ === 0) process.stderr.write(head + "\\n")
      else if (counting) ok++
      buffer = buffer.subarray(end + 4 + length)
      if (stop) return socket.end(resolve)
      socket.write(request)
    }
  })
  socket.on("error", reject)
  socket.on("connect", () => socket.write(request))
})
const sockets = Array.from({ length: Number(connections) }, open)
await new Promise((r) => setTimeout(r, 200)) // connections open, servers warm
counting = true
const cpu0 = process.cpuUsage(), t0 = performance.now()
await new Promise((r) => setTimeout(r, Number(duration)))
counting = false
const elapsed = performance.now() - t0, cpu = process.cpuUsage(cpu0)
stop = true
await Promise.all(sockets)
process.stdout.write(JSON.stringify({ ok, other, elapsed, cpuShare: (cpu.user + cpu.system) / 1000 / elapsed }))
`

interface Load {
  readonly perSecond: number
  readonly cpuShare: number
}

/** Runs the generator against `port` and reads its report; a non-201 answer is an error. */
const load = (port: number): Promise<Load> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", GENERATOR, String(port), String(CONNECTIONS), String(DURATION_MS), BODY], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    child.stdout.on("data", (chunk) => (out += String(chunk)))
    child.on("error", reject)
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`the load generator exited with ${code}`))
      const report = JSON.parse(out) as { ok: number; other: number; elapsed: number; cpuShare: number }
      if (report.other > 0) return reject(new Error(`${report.other} answers were not 201`))
      resolve({ perSecond: report.ok / (report.elapsed / 1000), cpuShare: report.cpuShare })
    })
  })

/** Builds `server`, runs the load against it, and closes it. */
const measure = (server: Layer.Layer<HttpServer.HttpServer, unknown>): Promise<Load> =>
  Effect.runPromise(Effect.gen(function*() {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(Layer.provide(server, Logger.layer([])), scope)
    const address = Context.get(context, HttpServer.HttpServer).address
    const port = address._tag === "UnixPathAddress" ? 0 : address.port
    const result = yield* Effect.promise(() => load(port))
    yield* Scope.close(scope, Exit.void)
    return result
  }) as Effect.Effect<Load, unknown>)

const specter = App.layer(
  Router.layer([Route.post("/items", { body: NewItem, status: 201 }, ({ body }) => Effect.succeed(body))]),
  { http: { port: 0, host: "127.0.0.1", logRequests: false } }
)

const bareEffect = HttpRouter.serve(
  HttpRouter.add(
    "POST",
    "/items",
    HttpServerRequest.schemaBodyJson(NewItem).pipe(
      Effect.flatMap((item) => HttpServerResponse.json(item, { status: 201 })),
      Effect.catch(() => Effect.succeed(HttpServerResponse.empty({ status: 400 })))
    )
  ),
  { disableLogger: true, disableListenLog: true }
).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })))

/** The least a server can do for this request on node:http: read, parse, answer. */
const nodeHttpCeiling = (): Promise<Load> =>
  new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      let text = ""
      req.on("data", (chunk) => (text += chunk))
      req.on("end", () => {
        const answer = JSON.stringify(JSON.parse(text))
        res.writeHead(201, { "content-type": "application/json", "content-length": Buffer.byteLength(answer) }).end(answer)
      })
    })
    server.listen(0, "127.0.0.1", () => {
      load((server.address() as AddressInfo).port).then((result) => server.close(() => resolve(result)), reject)
    })
  })

export const cases: ReadonlyArray<Case> = [
  {
    name: `POST /items, body decoded with a Field.struct, 201 (requests/s, ${CONNECTIONS} keep-alive connections)`,
    subject: () => measure(specter as Layer.Layer<HttpServer.HttpServer, unknown>).then((r) => r.perSecond),
    baselineName: "bare Effect: HttpRouter + schemaBodyJson on NodeHttpServer",
    baseline: () => measure(bareEffect).then((r) => r.perSecond),
    extra: async () => {
      const driven = await measure(specter as Layer.Layer<HttpServer.HttpServer, unknown>)
      const ceiling = await nodeHttpCeiling()
      return {
        generator_cpu_share_percent: Math.round(driven.cpuShare * 100),
        node_http_ceiling_rps: Math.round(ceiling.perSecond),
        generator_cpu_share_at_ceiling_percent: Math.round(ceiling.cpuShare * 100)
      }
    }
  }
]

if (import.meta.main) {
  const rounds = Number(process.env["BENCH_ROUNDS"] ?? 7)
  const results = []
  for (const c of cases) results.push(await runCase(c, rounds))
  console.log(table(results))
}
