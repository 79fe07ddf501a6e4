/**
 * Issue 11's observability checks against the example app, served with the
 * example's own options (`metrics`, `openApi`) on a real server: the OpenAPI
 * document, and the Prometheus endpoint after real HTTP, socket, bus, queue and
 * persistence traffic (a report job on the example's `reports` queue included).
 */
import { assert, describe, layer } from "@effect/vitest"
import * as TestServer from "@specter-runtime/testing/server"
import { Effect, Layer, Schedule } from "effect"
import { AppLive, options } from "../src/app.ts"

/** The value of the first sample line of `name` whose labels include every one of `labels`. */
const sample = (text: string, name: string, labels: Record<string, string> = {}): number | undefined => {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(" ") + 1))
  }
  return undefined
}

describe("observability of the example app", () => {
  layer(TestServer.layer(AppLive, options).pipe(Layer.orDie), { excludeTestServices: true })((it) => {
    it.effect("GET /openapi.json on the example app lists POST /api/items with name required string, quantity integer and active boolean in its request body", () =>
      Effect.gen(function*() {
        const { status, body } = yield* TestServer.request("/openapi.json")
        assert.strictEqual(status, 200)
        const post = body.paths["/api/items"].post
        assert.isDefined(post, "POST /api/items is listed")
        const ref: string = post.requestBody.content["application/json"].schema.$ref
        const schema = ref === undefined ? post.requestBody.content["application/json"].schema : body.components.schemas[ref.split("/").pop()!]
        assert.include(schema.required, "name")
        assert.strictEqual(schema.properties.name.type, "string")
        assert.strictEqual(schema.properties.quantity.type, "integer")
        assert.strictEqual(schema.properties.active.type, "boolean")
        assert.isDefined(post.responses["201"], "answers 201")
        assert.isDefined(body.paths["/api/items"].get, "GET /api/items is listed")
        const docs = yield* TestServer.request("/docs")
        assert.strictEqual(docs.status, 200)
      }))

    it.effect("GET /metrics on the example app shows socket, bus, queue, persistence and HTTP metrics after traffic", () =>
      Effect.gen(function*() {
        // HTTP and persistence: a POST stores an item.
        const created = yield* TestServer.request("/api/items", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: '{"name":"lamp","quantity":2}'
        })
        assert.strictEqual(created.status, 201)
        // Sockets and the bus: a connection (announced on the bus), an acked emit and a bad frame.
        const socket = yield* TestServer.connect("/ws")
        yield* socket.send({ type: "emit", event: "items:add", payload: { name: "desk", quantity: 1 }, id: 1 })
        yield* socket.next((f) => f.type === "ack")
        yield* socket.send("{oops")
        yield* socket.next((f) => f.type === "error")
        // A queue job: a report (about 1.25 s).
        assert.strictEqual((yield* TestServer.request("/api/reports", { method: "POST" })).status, 202)

        // Bounded: at most 100 scrapes, 100 ms apart (10 s), until the report has finished.
        const metrics = yield* Effect.flatMap(TestServer.request("/metrics"), ({ status, text }) =>
          status === 200 && (sample(text, "specter_queue_jobs_finished_total", { queue: "reports", outcome: "completed" }) ?? 0) >= 1
            ? Effect.succeed(text)
            : Effect.fail("the report has not finished")).pipe(Effect.retry({ schedule: Schedule.spaced("100 millis"), times: 100 }))
        assert.isAtLeast(sample(metrics, "specter_http_requests_total", { method: "POST", route: "/api/items", status: "201" }) ?? 0, 1)
        assert.isAtLeast(sample(metrics, "specter_http_request_duration_ms_count", { route: "/api/items" }) ?? 0, 1)
        assert.isAtLeast(sample(metrics, "specter_socket_sessions") ?? 0, 1)
        assert.isAtLeast(sample(metrics, "specter_socket_frames_in_total") ?? 0, 2)
        assert.isAtLeast(sample(metrics, "specter_socket_frames_out_total") ?? 0, 2)
        assert.isAtLeast(sample(metrics, "specter_socket_acks_total", { outcome: "ok" }) ?? 0, 1)
        assert.isAtLeast(sample(metrics, "specter_socket_errors_total", { code: "bad_json" }) ?? 0, 1)
        assert.isAtLeast(sample(metrics, "specter_bus_delivered_total", { event: "socket:connected" }) ?? 0, 1)
        assert.strictEqual(sample(metrics, "specter_queue_jobs_queued", { queue: "reports" }), 0)
        assert.strictEqual(sample(metrics, "specter_queue_jobs_running", { queue: "reports" }), 0)
        assert.isAtLeast(sample(metrics, "specter_queue_job_duration_ms_sum", { queue: "reports", outcome: "completed" }) ?? 0, 1000)
        assert.isAtLeast(sample(metrics, "specter_bus_delivered_total", { event: "reports:job" }) ?? 0, 1)
        assert.isAtLeast(sample(metrics, "specter_persistence_commits_total", { outcome: "ok" }) ?? 0, 1)
        assert.isAtLeast(sample(metrics, "specter_persistence_writes_per_commit_count") ?? 0, 1)
        assert.isAtLeast(sample(metrics, "specter_persistence_commit_duration_ms_count") ?? 0, 1)
      }).pipe(Effect.scoped))
  })
})
