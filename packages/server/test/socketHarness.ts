/**
 * A socket server with chosen `SocketServer.Options` on a random port, and a
 * plain `ws` client that can misbehave (a foreign `Origin`, no pongs, a paused
 * reader, raw frames), for the hardening tests. The server is built in the
 * calling scope, so it runs on the test's clock (`TestClock` under `it.effect`).
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Bus, SocketIngress, SocketServer } from "@specter-runtime/server"
import { Context, Effect, Layer, type Scope } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { createServer, request } from "node:http"
import WebSocket from "ws"

/** Handlers of the test server: `echo` acks its payload; `publish` pushes `{ topic, payload }` to a topic. */
const handlers = Layer.effectDiscard(Effect.gen(function*() {
  const ingress = yield* SocketIngress.SocketIngress
  const sockets = yield* SocketServer.SocketServer
  yield* Effect.orDie(ingress.subscribe("echo", { handle: (payload) => Effect.succeed(payload) }))
  yield* Effect.orDie(ingress.subscribe("whoami", { handle: (_, { session }) => Effect.succeed(session.data ?? null) }))
  yield* Effect.orDie(ingress.subscribe("publish", {
    handle: (p: any) => sockets.publish(String(p?.topic), "pushed", p?.payload)
  }))
}))

/** The server's services and its port. */
export interface Running {
  readonly port: number
  readonly sockets: SocketServer.SocketServer["Service"]
}

/** Starts the test server with `options`; it stops when the calling scope closes. */
export const start = (options: SocketServer.Options = {}): Effect.Effect<Running, never, Scope.Scope> =>
  Effect.gen(function*() {
    const live = HttpRouter.serve(Layer.merge(SocketServer.route("/ws"), handlers), { disableLogger: true, disableListenLog: true }).pipe(
      Layer.provideMerge(SocketServer.layer(options)),
      Layer.provideMerge(Bus.layer),
      Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
    )
    const context = yield* Layer.build(Layer.orDie(live))
    const address = Context.get(context, HttpServer.HttpServer).address
    const port = address._tag === "UnixPathAddress" ? 0 : address.port
    return { port, sockets: Context.get(context, SocketServer.SocketServer) }
  })

/** A client: every frame it received (parsed), and waits on them. */
export interface Peer {
  readonly ws: WebSocket
  readonly frames: Array<any>
  readonly send: (frame: unknown) => void
  /** The first not-yet-taken frame matching `predicate`; dies after `ms` (real time). */
  readonly next: (predicate?: (frame: any) => boolean, ms?: number) => Effect.Effect<any>
  /** The close code, once the connection has closed. */
  readonly closed: Effect.Effect<number>
}

export interface PeerOptions {
  readonly origin?: string | undefined
  readonly headers?: Record<string, string> | undefined
  readonly autoPong?: boolean | undefined
}

const parse = (data: WebSocket.RawData): unknown => {
  try {
    return JSON.parse(String(data))
  } catch {
    return String(data)
  }
}

/** Opens a client to the test server's `/ws`; it is cut when the calling scope closes. */
export const connect = (port: number, options: PeerOptions = {}): Effect.Effect<Peer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<Peer>((resume) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
        ...(options.origin === undefined ? {} : { origin: options.origin }),
        headers: options.headers ?? {},
        autoPong: options.autoPong ?? true
      })
      const frames: Array<any> = []
      const pending: Array<any> = []
      const wake = new Set<() => void>()
      let code: number | undefined
      ws.on("message", (data) => {
        const frame = parse(data)
        frames.push(frame)
        pending.push(frame)
        for (const w of [...wake]) w()
      })
      ws.on("close", (c) => {
        code = c
        for (const w of [...wake]) w()
      })
      ws.on("error", () => {})
      const next = (predicate: (frame: any) => boolean = () => true, ms = 5000) =>
        Effect.callback<any>((done) => {
          const check = () => {
            const i = pending.findIndex(predicate)
            if (i !== -1) finish(Effect.succeed(pending.splice(i, 1)[0]))
            else if (code !== undefined) finish(Effect.die(new Error(`socket closed (${code}) while waiting for a frame`)))
          }
          const timer = setTimeout(() => finish(Effect.die(new Error(`no matching frame within ${ms} ms`))), ms)
          const finish = (effect: Effect.Effect<any>) => {
            wake.delete(check)
            clearTimeout(timer)
            done(effect)
          }
          wake.add(check)
          check()
          return Effect.sync(() => finish(Effect.void))
        })
      const closed = Effect.callback<number>((done) => {
        const check = () => {
          if (code === undefined) return
          wake.delete(check)
          done(Effect.succeed(code))
        }
        wake.add(check)
        check()
        return Effect.sync(() => void wake.delete(check))
      })
      ws.once("open", () =>
        resume(Effect.succeed({ ws, frames, next, closed, send: (f) => ws.send(typeof f === "string" ? f : JSON.stringify(f)) })))
      ws.once("unexpected-response", (_, res) => resume(Effect.die(new Error(`upgrade refused with ${res.statusCode}`))))
      ws.once("error", (error) => resume(Effect.die(error)))
    }),
    (peer) => Effect.sync(() => peer.ws.terminate())
  )

/** The status an upgrade to `/ws` with `headers` is answered with (101 when it is accepted). */
export const upgradeStatus = (port: number, headers: Record<string, string>): Effect.Effect<number> =>
  Effect.callback<number>((resume) => {
    const req = request({ host: "127.0.0.1", port, path: "/ws", headers })
    req.on("response", (res) => {
      res.resume()
      resume(Effect.succeed(res.statusCode ?? 0))
    })
    req.on("upgrade", (_res, socket) => {
      socket.destroy()
      resume(Effect.succeed(101))
    })
    req.on("error", (error) => resume(Effect.die(error)))
    req.end()
  })

/** Headers of a well-formed WebSocket upgrade. */
export const upgradeHeaders = (extra: Record<string, string> = {}): Record<string, string> => ({
  connection: "Upgrade",
  upgrade: "websocket",
  "sec-websocket-version": "13",
  "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
  ...extra
})

/** The value at quantile `q` (0..1) of `values`. */
export const quantile = (values: ReadonlyArray<number>, q: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
}
