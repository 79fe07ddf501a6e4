import { assert, describe, layer } from "@effect/vitest"
import { Controller, Route } from "@specter-runtime/server"
import * as TestServer from "@specter-runtime/testing/server"
import { Effect, Layer } from "effect"
import { HttpClient } from "effect/http"

const Hello = Controller.make("hello", {
  routes: [Route.get("/hello", () => Effect.succeed({ hello: "world" }))],
  events: { hello: Controller.event({ handle: (_, { session }) => Effect.succeed(`hello ${session.sid.length > 0}`) }) }
})

describe("the hello app", () => {
  // The whole app on a random port, built once for the block; real sockets, so real time.
  layer(TestServer.layer(Hello).pipe(Layer.orDie), { excludeTestServices: true })((it) => {
    it.effect("answers over HTTP", () =>
      Effect.gen(function*() {
        const response = yield* HttpClient.get("/hello") // relative URLs reach the test server
        assert.deepStrictEqual([response.status, yield* response.json], [200, { hello: "world" }])
      }))

    it.effect("acks a socket event", () =>
      Effect.gen(function*() {
        const socket = yield* TestServer.connect("/ws")
        yield* socket.send({ type: "emit", event: "hello", id: 1 })
        assert.deepInclude(yield* socket.next((frame) => frame.type === "ack"), { id: 1, ok: true, payload: "hello true" })
      }).pipe(Effect.scoped))
  })
})
