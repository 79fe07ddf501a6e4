/**
 * The app on a real HTTP server on a random port, driven with real HTTP requests and
 * a real WebSocket client.
 */
import { assert, describe, layer } from "@effect/vitest"
import * as TestServer from "@specter-runtime/testing/server"
import { Effect, Layer } from "effect"
import { AppLive } from "../src/app.ts"

const greet = (body: unknown) =>
  TestServer.request("/api/greetings", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

describe("app", () => {
  layer(TestServer.layer(AppLive).pipe(Layer.orDie), { excludeTestServices: true })((it) => {
    it.effect("POST /api/greetings greets by name and counts the greetings", () =>
      Effect.gen(function*() {
        const first = yield* greet({ name: "Ada" })
        const second = yield* greet({ name: "Alan" })
        assert.strictEqual(first.status, 200)
        assert.strictEqual(first.body.message, "Hello, Ada!")
        assert.strictEqual(second.body.count, first.body.count + 1)
      }))

    it.effect("a greeting without a name is answered 400 with a message for the name", () =>
      Effect.gen(function*() {
        const { status, body } = yield* greet({})
        assert.strictEqual(status, 400)
        assert.hasAllKeys(body.errors, ["name"])
      }))

    it.effect("the socket event greet is acked with the greeting", () =>
      Effect.gen(function*() {
        const socket = yield* TestServer.connect("/ws")
        yield* socket.send({ type: "emit", event: "greet", payload: { name: "Grace" }, id: 1 })
        const ack = yield* socket.next((frame) => frame.type === "ack" && frame.id === 1)
        assert.isTrue(ack.ok)
        assert.strictEqual(ack.payload.message, "Hello, Grace!")
      }).pipe(Effect.scoped))

    it.effect("the page is served at /, and /health answers 200", () =>
      Effect.gen(function*() {
        const page = yield* TestServer.request("/")
        assert.strictEqual(page.status, 200)
        assert.include(page.text, `<form id="greet">`)
        assert.strictEqual((yield* TestServer.request("/health")).status, 200)
      }))
  })
})
