/**
 * The walking skeleton's "done when", against the example app on a real server:
 * HTTP with coercion and the error envelope, the item limits, the list on
 * `items:join` and the deltas after it, `DELETE`, and `items:add` acked with the
 * stored item.
 */
import { assert, describe, layer } from "@effect/vitest"
import * as TestServer from "@specter-runtime/testing/server"
import { Effect, Layer } from "effect"
import { AppLive } from "../src/app.ts"
import { limits } from "../src/Item.ts"

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

    it.effect("items:join answers the full list (items:snapshot, then an ack with {count}); after it a POST pushes items:added and a DELETE items:removed", () =>
      Effect.gen(function*() {
        const { body: first } = yield* post('{"name":"shelf","quantity":1}')
        const socket = yield* TestServer.connect("/ws")
        yield* socket.send({ type: "emit", event: "items:join", id: 1 })
        const snapshot = yield* socket.next((f) => f.type === "event" && f.event === "items:snapshot")
        const ack = yield* socket.next((f) => f.type === "ack" && f.id === 1)
        assert.deepStrictEqual(ack.payload, { count: snapshot.payload.items.length })
        assert.deepInclude(snapshot.payload.items, first)
        const { body: added } = yield* post('{"name":"desk","quantity":1}')
        const pushed = yield* socket.next((f) => f.type === "event" && f.event === "items:added")
        assert.deepStrictEqual(pushed.payload, added)
        const deleted = yield* TestServer.request(`/api/items/${added.id}`, { method: "DELETE" })
        assert.strictEqual(deleted.status, 204)
        const removed = yield* socket.next((f) => f.type === "event" && f.event === "items:removed")
        assert.deepStrictEqual(removed.payload, { id: added.id })
        const listed = (yield* TestServer.request("/api/items")).body.items.map((item: { id: string }) => item.id)
        assert.notInclude(listed, added.id)
      }).pipe(Effect.scoped))

    it.effect("a page that joins while items are being added gets each item exactly once: in the list or as a delta after it", () =>
      Effect.gen(function*() {
        const writer = yield* TestServer.connect("/ws")
        const page = yield* TestServer.connect("/ws")
        const adds = 60
        for (let i = 1; i <= adds; i++) {
          yield* writer.send({ type: "emit", event: "items:add", payload: { name: `race ${i}`, quantity: 1 }, id: i })
          if (i === adds / 2) yield* page.send({ type: "emit", event: "items:join", id: 1 })
        }
        for (let i = 1; i <= adds; i++) yield* writer.next((f) => f.type === "ack" && f.id === i)
        const stored: ReadonlyArray<string> = (yield* TestServer.request("/api/items")).body.items.map((item: { id: string }) => item.id)
        const snapshot = yield* page.next((f) => f.event === "items:snapshot")
        const listed = new Set<string>(snapshot.payload.items.map((item: { id: string }) => item.id))
        for (const id of stored) if (!listed.has(id)) yield* page.next((f) => f.event === "items:added" && f.payload.id === id)
        const frames = page.frames.filter((f) => f.type === "event" && f.event.startsWith("items:"))
        assert.strictEqual(frames[0].event, "items:snapshot", "nothing before the list")
        const added = frames.slice(1).map((f) => f.payload.id)
        assert.deepStrictEqual([...listed, ...added].sort(), [...stored].sort(), "every stored item once, none twice")
      }).pipe(Effect.scoped))

    it.effect("DELETE /api/items/:id of an unknown id answers 404 naming it", () =>
      Effect.gen(function*() {
        const { status, body } = yield* TestServer.request("/api/items/nope", { method: "DELETE" })
        assert.deepStrictEqual([status, body.error], [404, "no item 'nope'"])
      }))

    it.effect("a test posts a name longer than the example's limit and gets 400", () =>
      Effect.gen(function*() {
        const { status, body } = yield* post(JSON.stringify({ name: "x".repeat(limits.name + 1), quantity: 1 }))
        assert.strictEqual(status, 400)
        assert.hasAllKeys(body.errors, ["name"])
        assert.strictEqual((yield* post(JSON.stringify({ name: "x".repeat(limits.name), quantity: 1 }))).status, 201)
      }))

    it.effect("too many tags, a tag too long and a quantity out of 0..1,000,000 each answer 400 naming the field", () =>
      Effect.gen(function*() {
        const fieldsOf = (item: object) => Effect.map(post(JSON.stringify({ name: "n", quantity: 1, ...item })), ({ status, body }) => [status, Object.keys(body.errors ?? {})])
        const tags = Array.from({ length: limits.tags + 1 }, (_, i) => `t${i}`)
        assert.deepStrictEqual(yield* fieldsOf({ tags }), [400, ["tags"]])
        assert.deepStrictEqual((yield* fieldsOf({ tags: ["x".repeat(limits.tag + 1)] }))[0], 400)
        assert.deepStrictEqual(yield* fieldsOf({ quantity: limits.quantity + 1 }), [400, ["quantity"]])
        assert.deepStrictEqual(yield* fieldsOf({ quantity: -1 }), [400, ["quantity"]])
        assert.deepStrictEqual(yield* fieldsOf({ quantity: limits.quantity, tags: tags.slice(1) }), [201, []])
      }))

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
