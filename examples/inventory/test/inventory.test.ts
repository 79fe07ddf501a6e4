/**
 * The walking skeleton's "done when", against the example app on a real server:
 * HTTP with coercion and the error envelope, the socket push after a POST, and
 * `items:add` acked with the stored item.
 */
import { assert, describe, layer } from "@effect/vitest"
import * as TestServer from "@specter-runtime/testing/server"
import { Effect, Layer } from "effect"
import { AppLive } from "../src/app.ts"

const post = (body: string) =>
  TestServer.request("/api/items", { method: "POST", headers: { "content-type": "application/json" }, body })

describe("inventory", () => {
  layer(TestServer.layer(AppLive).pipe(Layer.orDie), { excludeTestServices: true })((it) => {
    it.effect("POST /api/items answers 201 with the stored item, coercing quantity and active", () =>
      Effect.gen(function*() {
        const { status, body } = yield* post('{"name":"lamp","quantity":"3","active":"yes","tags":["a"]}')
        assert.strictEqual(status, 201)
        assert.deepInclude(body, { name: "lamp", quantity: 3, active: true, tags: ["a"] })
        assert.isString(body.id)
        const list = (yield* TestServer.request("/api/items")).body
        assert.isTrue(list.items.some((item: { id: string }) => item.id === body.id))
      }))

    it.effect("POST /api/items with {quantity: \"x\"} answers 400 with errors for name and quantity", () =>
      Effect.gen(function*() {
        const { status, body } = yield* post('{"quantity":"x"}')
        assert.strictEqual(status, 400)
        assert.hasAllKeys(body.errors, ["name", "quantity"])
      }))

    it.effect("a socket that joined topic items receives items:changed after a POST", () =>
      Effect.gen(function*() {
        const socket = yield* TestServer.connect("/ws")
        yield* socket.send({ type: "topic", action: "join", topic: "items" })
        yield* socket.send({ type: "hello" })
        yield* socket.next((f) => f.type === "ready")
        const { body } = yield* post('{"name":"desk","quantity":1}')
        const changed = yield* socket.next((f) => f.type === "event" && f.event === "items:changed")
        assert.isTrue(changed.payload.items.some((item: { id: string }) => item.id === body.id))
      }).pipe(Effect.scoped))

    it.effect("emit items:add with an id is acked with the stored item; a bad one with field errors", () =>
      Effect.gen(function*() {
        const socket = yield* TestServer.connect("/ws")
        yield* socket.send({ type: "emit", event: "items:add", payload: { name: "chair", quantity: "2" }, id: 41 })
        const ack = yield* socket.next((f) => f.type === "ack")
        assert.deepInclude(ack, { type: "ack", id: 41, ok: true })
        assert.deepInclude(ack.payload, { name: "chair", quantity: 2, active: true, tags: [] })
        yield* socket.send({ type: "emit", event: "items:add", payload: { quantity: 1 }, id: 42 })
        const rejected = yield* socket.next((f) => f.type === "ack")
        assert.deepStrictEqual([rejected.ok, rejected.error.code, Object.keys(rejected.error.fields)], [false, "validation", ["name"]])
      }).pipe(Effect.scoped))

    it.effect("the page, its script and the client bundle are served", () =>
      Effect.gen(function*() {
        const get = (path: string) =>
          Effect.map(TestServer.request(path), ({ headers, text }) => ({ type: headers.get("content-type") ?? "", text }))
        assert.include((yield* get("/")).text, "<title>Specter inventory</title>")
        assert.include((yield* get("/app.js")).type, "javascript")
        const client = yield* get("/specter/client.js")
        assert.include(client.type, "text/javascript")
        assert.match(client.text, /export\s*\{[^}]*\bconnect\b/)
        assert.strictEqual((yield* TestServer.request("/specter/client/../package.json")).status, 404)
      }))

    it.effect("GET /health lists each service with what its health probe says", () =>
      Effect.gen(function*() {
        const url = yield* TestServer.url("/health")
        const health = yield* Effect.promise(() => fetch(url).then((r) => r.json()))
        assert.strictEqual(health.status, "ok")
        assert.includeMembers(Object.keys(health.services), ["clock", "load", "heartbeat", "inventory", "items"])
        assert.strictEqual(health.services.clock.status, "running")
        assert.hasAllKeys(health.services.clock.details[0], ["now", "ticks"])
      }))
  })
})
