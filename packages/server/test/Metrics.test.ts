/**
 * The server's metrics (issue 11): the socket and HTTP families on a real server,
 * and the Prometheus endpoint. Each test serves its app with a metric registry of
 * its own (`Metric.MetricRegistry` provided with a fresh `Map`), so the counts are
 * exactly this test's traffic.
 */
import { assert, describe, it } from "@effect/vitest"
import { Controller, Field, Route } from "@specter-runtime/server"
import * as TestServer from "@specter-runtime/testing/server"
import { Context, Effect, Layer, Logger, Metric, Schedule } from "effect"
import WebSocket from "ws"

const Note = Field.struct({ text: Field.string({ required: true }) })

const Notes = Controller.make("notes", Effect.succeed({
  prefix: "/api",
  routes: [
    Route.get("/notes/:id", { params: Field.struct({ id: Field.int({ required: true }) }) }, ({ params }) => Effect.succeed({ id: params.id }))
  ],
  events: { "notes:add": Controller.event({ payload: Note, handle: (note) => Effect.succeed({ saved: note.text }) }) }
}))

/** Serves `Notes` (with `/metrics`) on a registry of its own for the test's scope. */
const serve = Effect.gen(function*() {
  const registry: Metric.MetricRegistry = new Map()
  const context = yield* Layer.build(TestServer.layer(Notes, { observability: { metrics: true } })).pipe(
    Effect.provideService(Metric.MetricRegistry, registry)
  )
  const read = (id: string, attributes: Record<string, string> = {}) =>
    Metric.snapshotUnsafe(Context.make(Metric.MetricRegistry, registry)).find((m) =>
      m.id === id && Object.entries(attributes).every(([k, v]) => m.attributes?.[k] === v)
    )?.state as any
  return { context, read }
})

const inContext = <A, E>(context: Context.Context<any>, effect: Effect.Effect<A, E, any>): Effect.Effect<A, E> =>
  Effect.provideContext(effect, context) as Effect.Effect<A, E>

/** A raw `ws` client that opens, then closes with `code`. */
const openAndClose = (url: string, code: number) =>
  Effect.callback<void>((resume) => {
    const ws = new WebSocket(url)
    ws.on("open", () => ws.close(code))
    ws.on("close", () => resume(Effect.void))
  })

describe("Metrics", () => {
  it.live("socket metrics: sessions, frames in and out, acks, errors and closes by code", () =>
    Effect.gen(function*() {
      const { context, read } = yield* serve
      const socket = yield* inContext(context, TestServer.connect("/ws"))
      yield* socket.send({ type: "hello" })
      yield* socket.next((f) => f.type === "ready")
      assert.strictEqual(read("specter_socket_sessions").value, 1)
      yield* socket.send({ type: "emit", event: "notes:add", payload: { text: "a" }, id: 1 })
      yield* socket.next((f) => f.type === "ack" && f.id === 1)
      yield* socket.send({ type: "emit", event: "notes:add", payload: {}, id: 2 })
      yield* socket.next((f) => f.type === "ack" && f.id === 2)
      yield* socket.send({ type: "emit", event: "nope", payload: {} })
      yield* socket.next((f) => f.type === "error")
      assert.strictEqual(read("specter_socket_frames_in_total").count, 4)
      assert.strictEqual(read("specter_socket_frames_out_total").count, 4)
      assert.strictEqual(read("specter_socket_acks_total", { outcome: "ok" }).count, 1)
      assert.strictEqual(read("specter_socket_acks_total", { outcome: "error" }).count, 1)
      assert.strictEqual(read("specter_socket_errors_total", { code: "validation" }).count, 1)
      assert.strictEqual(read("specter_socket_errors_total", { code: "unknown_event" }).count, 1)
      // The client closes with 4001; the session is counted closed with that code.
      yield* openAndClose(yield* inContext(context, TestServer.url("/ws", "ws")), 4001)
      yield* Effect.suspend(() => read("specter_socket_closes_total", { code: "4001" }) === undefined ? Effect.fail("open") : Effect.void).pipe(
        Effect.retry({ times: 100, schedule: Schedule.spaced("20 millis") })
      )
      assert.strictEqual(read("specter_socket_closes_total", { code: "4001" }).count, 1)
      assert.strictEqual(read("specter_socket_sessions").value, 1)
      assert.strictEqual(read("specter_socket_sessions_opened_total").count, 2)
    }).pipe(Effect.scoped, Effect.provide(Logger.layer([]))))

  it.live("HTTP metrics: requests by route and status, and latency", () =>
    Effect.gen(function*() {
      const { context, read } = yield* serve
      for (const path of ["/api/notes/1", "/api/notes/2", "/api/notes/x", "/nowhere"]) {
        yield* inContext(context, TestServer.request(path))
      }
      assert.strictEqual(read("specter_http_requests_total", { method: "GET", route: "/api/notes/:id", status: "200" }).count, 2)
      assert.strictEqual(read("specter_http_requests_total", { method: "GET", route: "/api/notes/:id", status: "400" }).count, 1)
      assert.strictEqual(read("specter_http_requests_total", { method: "GET", route: "unmatched", status: "404" }).count, 1)
      assert.strictEqual(read("specter_http_request_duration_ms", { method: "GET", route: "/api/notes/:id" }).count, 3)
    }).pipe(Effect.scoped, Effect.provide(Logger.layer([]))))

  it.live("HTTP metrics cost nothing when nothing reads them: no /metrics, no inspector, no exporter", () =>
    Effect.gen(function*() {
      const registry: Metric.MetricRegistry = new Map()
      const context = yield* Layer.build(TestServer.layer(Notes)).pipe(Effect.provideService(Metric.MetricRegistry, registry))
      assert.strictEqual((yield* inContext(context, TestServer.request("/api/notes/1"))).status, 200)
      const ids = Metric.snapshotUnsafe(Context.make(Metric.MetricRegistry, registry)).map((m) => m.id)
      assert.notInclude(ids, "specter_http_requests_total")
      assert.notInclude(ids, "specter_http_request_duration_ms")
    }).pipe(Effect.scoped, Effect.provide(Logger.layer([]))))

  it.live("GET /metrics answers the registry in the Prometheus text format", () =>
    Effect.gen(function*() {
      const { context } = yield* serve
      yield* inContext(context, TestServer.request("/api/notes/7"))
      const { status, headers, text } = yield* inContext(context, TestServer.request("/metrics"))
      assert.strictEqual(status, 200)
      assert.include(headers.get("content-type"), "text/plain")
      assert.include(text, "# TYPE specter_http_requests_total counter")
      assert.match(text, /specter_http_requests_total\{[^}]*route="\/api\/notes\/:id"[^}]*status="200"[^}]*\} 1/)
    }).pipe(Effect.scoped, Effect.provide(Logger.layer([]))))
})
