/**
 * The socket edge: emit → ack round trips per second through Specter (`App.layer`
 * with one `Handler` event that echoes its payload) against bare Effect doing the
 * same work (an `HttpRouter` route, `request.upgrade`, `Socket.readerString`, the
 * same JSON envelope parsed and answered by hand, one frame after the other), in
 * the same run, over loopback.
 *
 * Three processes: this one only orchestrates; one child serves both servers (one
 * is under load at a time, so the one measured has the event loop to itself);
 * another child runs `CLIENTS` closed-loop `ws` clients (each sends its next emit
 * when the previous ack arrives) for `MS` per measurement. The CPU use of both
 * children is recorded (`extra`): a load child near 100 % means the client side is
 * the limit.
 *
 * Beside it, in this process: `SocketProtocol.decode` of an emit frame (the fast
 * path) against `JSON.parse` and a hand-written check building the same frame.
 *
 * Run alone: `node bench/edge-socket.ts` (Node 24; `BENCH_ROUNDS`, `BENCH_WARMUP`,
 * `BENCH_SOCKET_CLIENTS` (default 50), `BENCH_SOCKET_MS` (default 1000)).
 */
import { NodeHttpServer } from "@effect/platform-node"
import { SocketProtocol } from "@specter-runtime/protocol"
import { App, Handler } from "@specter-runtime/server"
import { Context, Effect, Layer, Scope } from "effect"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "effect/http"
import { Socket } from "effect/socket"
import { type ChildProcess, fork } from "node:child_process"
import { createServer } from "node:http"
import { fileURLToPath } from "node:url"
import WebSocket from "ws"
import { type Case, perSecond, runCase, table } from "./harness.ts"

const CLIENTS = Number(process.env["BENCH_SOCKET_CLIENTS"] ?? 50)
const MS = Number(process.env["BENCH_SOCKET_MS"] ?? 1000)
const ROLE = process.env["EDGE_SOCKET_ROLE"]
const self = fileURLToPath(import.meta.url)

/** What a load run reports: round trips, elapsed ms, and CPU % of each child. */
interface Report {
  readonly count: number
  readonly ms: number
  readonly clientCpu: number
  readonly serverCpu: number
}

// ---------------------------------------------------------------------------
// Child: the two servers.

const serveBoth = async () => {
  const specter = App.layer(Handler.layer("bench", { echo: { handle: (payload) => Effect.succeed(payload) } }), {
    http: { port: 0, host: "127.0.0.1", logRequests: false }
  })

  // Bare Effect: parse by hand, answer by hand, one frame after the other.
  const answer = (raw: string): string | undefined => {
    let frame: any
    try {
      frame = JSON.parse(raw)
    } catch {
      return JSON.stringify({ type: "error", code: "bad_json", message: "a frame must be valid JSON" })
    }
    if (frame === null || typeof frame !== "object" || frame.type !== "emit" || typeof frame.event !== "string") {
      return JSON.stringify({ type: "error", code: "bad_frame", message: "not an emit" })
    }
    if (frame.event !== "echo") return JSON.stringify({ type: "error", code: "unknown_event", message: "no handler" })
    return frame.id === undefined ? undefined : JSON.stringify({ type: "ack", id: frame.id, ok: true, payload: frame.payload ?? null })
  }
  const bareRoute = HttpRouter.add("GET", "/ws", Effect.gen(function*() {
    const socket = yield* (yield* HttpServerRequest.HttpServerRequest).upgrade
    const pull = yield* Socket.readerString(socket)
    const writer = yield* socket.writer
    while (true) {
      for (const raw of yield* pull) {
        const reply = answer(raw)
        if (reply !== undefined) yield* writer.write(reply)
      }
    }
  }).pipe(Effect.catchTag("SocketError", () => Effect.void), Effect.as(HttpServerResponse.empty())))
  const bare = HttpRouter.serve(bareRoute, { disableLogger: true, disableListenLog: true }).pipe(
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
  )

  const scope = Scope.makeUnsafe()
  const port = async (layer: Layer.Layer<HttpServer.HttpServer, unknown>) => {
    const context = await Effect.runPromise(Layer.buildWithScope(layer, scope))
    const address = Context.get(context, HttpServer.HttpServer).address
    return address._tag === "UnixPathAddress" ? 0 : address.port
  }
  const ports = { specter: await port(specter), bare: await port(bare) }
  let mark = process.cpuUsage()
  process.on("message", (message: { readonly cmd: string }) => {
    if (message.cmd === "mark") mark = process.cpuUsage()
    else if (message.cmd === "cpu") process.send!({ cpu: process.cpuUsage(mark) })
  })
  process.on("disconnect", () => process.exit(0))
  process.send!({ ports })
}

// ---------------------------------------------------------------------------
// Child: the closed-loop clients.

const load = async () => {
  const payload = { name: "lamp", qty: 2, tags: ["a", "b"] }
  process.on("message", async (message: { readonly url: string; readonly clients: number; readonly ms: number }) => {
    const sockets = await Promise.all(Array.from({ length: message.clients }, () =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(message.url)
        ws.once("open", () => resolve(ws))
        ws.once("error", reject)
      })))
    let count = 0
    let running = true
    const cpu = process.cpuUsage()
    const start = performance.now()
    for (const [i, ws] of sockets.entries()) {
      let id = 0
      const next = () => ws.send(JSON.stringify({ type: "emit", event: "echo", payload, id: ++id * 1000 + i }))
      ws.on("message", () => {
        count++
        if (running) next()
      })
      next()
    }
    await new Promise((resolve) => setTimeout(resolve, message.ms))
    running = false
    const ms = performance.now() - start
    const used = process.cpuUsage(cpu)
    for (const ws of sockets) ws.terminate()
    process.send!({ count, ms, cpu: (used.user + used.system) / 1000 / ms })
  })
  process.on("disconnect", () => process.exit(0))
  process.send!({ ready: true })
}

// ---------------------------------------------------------------------------
// This process: start the children once, then measure.

const once = <A>(make: () => Promise<A>) => {
  let value: Promise<A> | undefined
  return () => (value ??= make())
}

/** Keeps this process alive while waiting for `p`, and lets it exit when idle (the children exit with it). */
const hold = (p: ChildProcess, held: boolean) => {
  const channel = (p as unknown as { readonly channel?: { ref(): void; unref(): void } }).channel
  if (held) {
    p.ref()
    channel?.ref()
  } else {
    p.unref()
    channel?.unref()
  }
}

const child = (role: string) =>
  new Promise<{ readonly process: ChildProcess; readonly first: any }>((resolve, reject) => {
    const p = fork(self, [], { env: { ...process.env, EDGE_SOCKET_ROLE: role }, stdio: ["ignore", "inherit", "inherit", "ipc"] })
    p.once("message", (first) => {
      hold(p, false)
      resolve({ process: p, first })
    })
    p.once("error", reject)
  })

const ask = <A>(p: ChildProcess, message: object) =>
  new Promise<A>((resolve) => {
    hold(p, true)
    p.once("message", (answer) => {
      hold(p, false)
      resolve(answer as A)
    })
    p.send(message)
  })

const children = once(async () => {
  const [server, client] = await Promise.all([child("server"), child("load")])
  return { server: server.process, client: client.process, ports: server.first.ports as { specter: number; bare: number } }
})

/** Every measurement, by server, for `extra`. */
const reports: Record<"specter" | "bare", Array<Report>> = { specter: [], bare: [] }

const roundTrips = (which: "specter" | "bare") => async (): Promise<number> => {
  const { client, ports, server } = await children()
  server.send({ cmd: "mark" })
  const result = await ask<{ count: number; ms: number; cpu: number }>(client, {
    url: `ws://127.0.0.1:${ports[which]}/ws`,
    clients: CLIENTS,
    ms: MS
  })
  const { cpu } = await ask<{ cpu: NodeJS.CpuUsage }>(server, { cmd: "cpu" })
  reports[which].push({ count: result.count, ms: result.ms, clientCpu: result.cpu, serverCpu: (cpu.user + cpu.system) / 1000 / result.ms })
  return (result.count / result.ms) * 1000
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0

/**
 * Medians over the measurements: CPU % of the server and the load child, and the
 * server's CPU time per round trip in µs (the figure least moved by other load on
 * the machine).
 */
const figures = (which: "specter" | "bare") => {
  const all = reports[which]
  return {
    [`${which}_server_cpu_pct`]: Math.round(median(all.map((r) => r.serverCpu)) * 100),
    [`${which}_client_cpu_pct`]: Math.round(median(all.map((r) => r.clientCpu)) * 100),
    [`${which}_server_us_per_round_trip`]: Math.round(median(all.map((r) => (r.serverCpu * r.ms * 1000) / r.count)) * 10) / 10
  }
}

// The decode fast path against the hand-written check it must match.
const FRAME = JSON.stringify({ type: "emit", event: "items:add", payload: { name: "lamp", qty: 2 }, id: 17 })
const DECODES = 300_000

const byHand = (text: string) => {
  const o = JSON.parse(text)
  if (typeof o !== "object" || o === null || o.type !== "emit" || typeof o.event !== "string") return undefined
  if (o.event.length === 0 || o.event.length > 256) return undefined
  if (o.id !== undefined && !(typeof o.id === "number" ? Number.isFinite(o.id) : typeof o.id === "string")) return undefined
  return { type: "emit", event: o.event, payload: o.payload, id: o.id }
}

const decodes = (decode: (text: string) => unknown) => async () => {
  let kept: unknown
  const start = performance.now()
  for (let i = 0; i < DECODES; i++) kept = decode(FRAME)
  if (kept === undefined) throw new Error("the frame did not decode")
  return perSecond(DECODES, start)
}

export const cases: ReadonlyArray<Case> = [
  {
    name: `socket emit→ack round trips, ${CLIENTS} clients (App.layer + Handler)`,
    subject: roundTrips("specter"),
    baselineName: "bare Effect (HttpRouter + upgrade + Socket, parsed by hand)",
    baseline: roundTrips("bare"),
    extra: async () => ({ ...figures("specter"), ...figures("bare") })
  },
  {
    name: "SocketProtocol.decode of an emit frame",
    subject: decodes(SocketProtocol.decode),
    baselineName: "JSON.parse + a hand-written check",
    baseline: decodes(byHand)
  }
]

if (ROLE === "server") await serveBoth()
else if (ROLE === "load") await load()
else if (import.meta.main) {
  const rounds = Number(process.env["BENCH_ROUNDS"] ?? 7)
  const results = []
  for (const c of cases) results.push(await runCase(c, rounds))
  console.log(table(results))
}
