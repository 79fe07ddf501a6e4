/**
 * The HTTP edge's limits and its bounded shutdown (issues 10 and 13, HTTP side):
 * header and request timeouts against slow clients, the connection cap, field
 * length limits answered 400, bad limit options refused at start, and a shutdown
 * that puts readiness first, closes idle keep-alive connections at once, answers
 * what is in flight with `Connection: close`, and is bounded whatever the
 * clients do. The 413 and 415 checks are in ErrorEnvelope.test.ts and
 * Router.test.ts.
 *
 * Real sockets on real time: Node's own timers enforce these limits.
 */
import { assert, describe, it } from "@effect/vitest"
import { App, Field, Health, Route, Router, Service } from "@specter-runtime/server"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Logger, Scope, Stream, SubscriptionRef } from "effect"
import { HttpServer } from "effect/http"
import * as Http from "node:http"
import * as Net from "node:net"
import WebSocket from "ws"

const quiet = Logger.layer([])

const NewItem = Field.struct({
  name: Field.string({ required: true, nonEmpty: true, maxLength: 80 }),
  tags: Field.list(Field.string({ maxLength: 20 }), { maxItems: 3, defaultWith: () => [] })
})

/** A route that answers once the test releases it, with the readiness it then sees. */
const makeRoutes = (release: Deferred.Deferred<void>, entered: Deferred.Deferred<void>) =>
  Router.layer(Health.Readiness.use(({ phase }) =>
    Effect.succeed([
      Route.get("/slow", () =>
        Effect.andThen(Deferred.succeed(entered, undefined), Deferred.await(release)).pipe(
          Effect.andThen(SubscriptionRef.get(phase)),
          Effect.map((seen) => ({ seen }))
        )),
      Route.post("/items", { body: NewItem, status: 201 }, ({ body }) => Effect.succeed(body))
    ])
  ))

/** A service that takes `ms` to stop. */
const slowToStop = (ms: number) => Service.layerDiscard("slow-to-stop", Effect.addFinalizer(() => Effect.sleep(ms)))

/** Boots the app with `http` options in a scope of its own; the port it listens on. */
const boot = (http: App.HttpOptions, stopMs = 0) =>
  Effect.gen(function*() {
    const release = yield* Deferred.make<void>()
    const entered = yield* Deferred.make<void>()
    const scope = yield* Scope.make()
    const app = Layer.merge(makeRoutes(release, entered), slowToStop(stopMs))
    const context = yield* Layer.buildWithScope(App.layer(app, { http: { ...http, port: 0, host: "127.0.0.1" } }), scope)
    const server = Context.get(context, HttpServer.HttpServer)
    const port = server.address._tag === "UnixPathAddress" ? 0 : server.address.port
    return { scope, context, port, release, entered }
  }).pipe(Effect.provide(quiet))

/** A raw TCP connection and everything it receives, with a Deferred for its close. */
const rawConnection = (port: number) =>
  Effect.gen(function*() {
    const closed = yield* Deferred.make<string>()
    const socket = yield* Effect.acquireRelease(
      Effect.callback<Net.Socket>((resume) => {
        const socket = Net.connect(port, "127.0.0.1", () => resume(Effect.succeed(socket)))
        let received = ""
        socket.on("data", (chunk) => received += chunk.toString("latin1"))
        socket.on("error", () => {})
        socket.on("close", () => Deferred.doneUnsafe(closed, Exit.succeed(received)))
      }),
      (socket) => Effect.sync(() => socket.destroy())
    )
    return { socket, closed: Deferred.await(closed) }
  })

/** A GET on a keep-alive agent: the status, the `connection` header and the body. */
const get = (agent: Http.Agent, port: number, path: string) =>
  Effect.callback<{ status: number; connection: string | undefined; body: string }>((resume) => {
    const request = Http.get({ agent, host: "127.0.0.1", port, path }, (response) => {
      let body = ""
      response.on("data", (chunk) => body += chunk)
      response.on("end", () =>
        resume(Effect.succeed({ status: response.statusCode ?? 0, connection: response.headers.connection, body })))
    })
    request.on("error", (error) => resume(Effect.die(error)))
  })

const since = (start: number) => Date.now() - start

describe("HTTP limits", () => {
  it.live("a slow-header client is cut within the configured header timeout (408), and the server keeps serving", () =>
    Effect.gen(function*() {
      const { port, scope } = yield* boot({ headersTimeout: "400 millis", requestTimeout: "2 seconds" })
      const start = Date.now()
      const slow = yield* rawConnection(port)
      slow.socket.write("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ")
      const received = yield* slow.closed.pipe(Effect.timeout("3 seconds"))
      const elapsed = since(start)
      assert.match(received, /^HTTP\/1\.1 408 /)
      // The timeout, plus Node's check interval (a fifth of it), plus slack for a busy machine.
      assert.isTrue(elapsed >= 350 && elapsed < 1_500, `cut after ${elapsed} ms`)
      const agent = new Http.Agent({ keepAlive: false })
      assert.strictEqual((yield* get(agent, port, "/health/live")).status, 200)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.scoped))

  it.live("a client that sends its body too slowly is cut within the request timeout", () =>
    Effect.gen(function*() {
      const { port, scope } = yield* boot({ headersTimeout: "300 millis", requestTimeout: "600 millis" })
      const start = Date.now()
      const slow = yield* rawConnection(port)
      slow.socket.write("POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"na")
      const received = yield* slow.closed.pipe(Effect.timeout("3 seconds"))
      const elapsed = since(start)
      assert.match(received, /^HTTP\/1\.1 408 /)
      assert.isTrue(elapsed >= 500 && elapsed < 1_800, `cut after ${elapsed} ms`)
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.scoped))

  it.live("connections over maxConnections are closed at once; the ones within it are served", () =>
    Effect.gen(function*() {
      const { port, scope } = yield* boot({ maxConnections: 2 })
      const first = yield* rawConnection(port)
      const second = yield* rawConnection(port)
      const third = yield* rawConnection(port)
      assert.strictEqual(yield* third.closed.pipe(Effect.timeout("2 seconds")), "")
      first.socket.write("GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
      assert.match(yield* first.closed.pipe(Effect.timeout("2 seconds")), /^HTTP\/1\.1 200 /)
      second.socket.destroy()
      yield* Scope.close(scope, Exit.void)
    }).pipe(Effect.scoped))

  it.live("field max lengths: a name longer than its maxLength and a list over its maxItems answer 400 naming the field", () =>
    Effect.gen(function*() {
      const { port, scope } = yield* boot({})
      const post = (body: unknown) =>
        Effect.promise(() =>
          fetch(`http://127.0.0.1:${port}/items`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body)
          }).then(async (r) => ({ status: r.status, body: await r.json() }))
        )
      const long = yield* post({ name: "x".repeat(81) })
      assert.deepStrictEqual([long.status, long.body.errors], [400, { name: "'name' must be at most 80 characters" }])
      const many = yield* post({ name: "lamp", tags: ["a", "b", "c", "d"] })
      assert.deepStrictEqual([many.status, many.body.errors], [400, { tags: "'tags' must be at most 3 items" }])
      const longTag = yield* post({ name: "lamp", tags: ["y".repeat(21)] })
      assert.deepStrictEqual([longTag.status, longTag.body.errors], [400, { "tags.0": "'tags[0]' must be at most 20 characters" }])
      assert.strictEqual((yield* post({ name: "x".repeat(80), tags: ["a", "b", "c"] })).status, 201)
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("a bad limit fails the start with a StartupError naming the option", () =>
    Effect.gen(function*() {
      const start = (http: App.HttpOptions) =>
        Effect.flip(Layer.build(App.layer(Layer.empty, { http: { ...http, port: 0 } })).pipe(Effect.scoped))
      assert.deepStrictEqual(
        yield* start({ maxBodyBytes: -1 }),
        new App.StartupError({ message: "http.maxBodyBytes must be an integer of at least 0, got -1" })
      )
      assert.deepStrictEqual(
        yield* start({ headersTimeout: "0 millis" }),
        new App.StartupError({ message: "http.headersTimeout must be a positive, finite duration, got 0 millis" })
      )
      assert.deepStrictEqual(
        yield* start({ headersTimeout: "20 seconds" }),
        new App.StartupError({ message: "http.headersTimeout (20000 ms) must not be longer than http.requestTimeout (10000 ms)" })
      )
    }).pipe(Effect.provide(quiet)))

  it.live("the request timeout does not cut an upgraded socket", () =>
    Effect.gen(function*() {
      const { port, scope } = yield* boot({ headersTimeout: "200 millis", requestTimeout: "300 millis" })
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
      let closedEarly = false
      ws.on("close", () => closedEarly = true)
      yield* Effect.callback<void>((resume) => void ws.once("open", () => resume(Effect.void)))
      // Three request timeouts and more Node checks than that; the socket still answers.
      yield* Effect.sleep("1 second")
      const ready = Effect.callback<string>((resume) => void ws.once("message", (data) => resume(Effect.succeed(String(data)))))
      ws.send(JSON.stringify({ type: "hello", route: "/" }))
      assert.match(yield* ready.pipe(Effect.timeout("2 seconds")), /"type":"ready"/)
      assert.isFalse(closedEarly)
      ws.terminate()
      yield* Scope.close(scope, Exit.void)
    }))
})

describe("bounded shutdown", () => {
  it.live("readiness goes stopping first; a request in flight is still answered, with Connection: close", () =>
    Effect.gen(function*() {
      const { context, entered, port, release, scope } = yield* boot({})
      const agent = new Http.Agent({ keepAlive: true })
      const inFlight = yield* Effect.forkChild(get(agent, port, "/slow"))
      yield* Deferred.await(entered)
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
      const { phase } = Context.get(context, Health.Readiness)
      yield* SubscriptionRef.changes(phase).pipe(Stream.takeUntil((p) => p === "stopping"), Stream.runDrain, Effect.timeout("2 seconds"))
      yield* Deferred.succeed(release, undefined)
      const answer = yield* Fiber.join(inFlight)
      assert.deepStrictEqual(answer, { status: 200, connection: "close", body: JSON.stringify({ seen: "stopping" }) })
      yield* Fiber.join(closing)
      agent.destroy()
    }))

  it.live("shutdown with keep-alive clients is bounded: idle connections close at once, a request that never ends is cut after shutdownTimeout", () =>
    Effect.gen(function*() {
      // The services take 400 ms to stop: the connections close before they do.
      const { entered, port, scope } = yield* boot({ shutdownTimeout: "300 millis", keepAliveTimeout: "30 seconds", requestTimeout: "30 seconds" }, 400)
      const agent = new Http.Agent({ keepAlive: true })
      // Twenty connections, each idle after one answer, kept alive by the agent.
      yield* Effect.forEach(Array.from({ length: 20 }), () => get(agent, port, "/health/live"), { concurrency: 20 })
      const idle = Object.values(agent.freeSockets).flat()
      assert.isTrue(idle.length >= 2, `idle keep-alive sockets: ${idle.length}`)
      const idleClosed = Effect.forEach(idle, (socket) =>
        Effect.callback<void>((resume) => {
          if (socket!.destroyed) return resume(Effect.void)
          socket!.once("close", () => resume(Effect.void))
        }), { concurrency: "unbounded", discard: true })
      // One request that is never answered (its handler waits forever).
      const stuck = yield* rawConnection(port)
      stuck.socket.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
      yield* Deferred.await(entered)
      const start = Date.now()
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
      yield* idleClosed.pipe(Effect.timeout("250 millis"))
      const idleMs = since(start)
      yield* stuck.closed.pipe(Effect.timeout("2 seconds"))
      const stuckMs = since(start)
      yield* Fiber.join(closing).pipe(Effect.timeout("2 seconds"))
      const totalMs = since(start)
      assert.isTrue(idleMs < 250, `idle connections closed after ${idleMs} ms`)
      assert.isTrue(stuckMs >= 250 && stuckMs < 390, `the request in flight was cut after ${stuckMs} ms`)
      assert.isTrue(totalMs < 1_500, `shutdown took ${totalMs} ms`)
      agent.destroy()
    }))

  it.live("shutdown with 5 WebSocket clients that stop answering (no close handshake) ends in under 2 s", () =>
    Effect.gen(function*() {
      const { port, scope } = yield* boot({})
      const clients = yield* Effect.forEach(Array.from({ length: 5 }), () =>
        Effect.callback<WebSocket>((resume) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`)
          ws.on("error", () => {})
          ws.once("open", () => resume(Effect.succeed(ws)))
        }))
      // A frozen peer: it reads nothing more, so it never answers the server's close frame.
      for (const ws of clients) (ws as unknown as { readonly _socket: Net.Socket })._socket.pause()
      const start = Date.now()
      yield* Scope.close(scope, Exit.void).pipe(Effect.timeout("5 seconds"))
      const elapsed = since(start)
      assert.isTrue(elapsed < 2_000, `shutdown took ${elapsed} ms`)
      for (const ws of clients) ws.terminate()
    }))
})
