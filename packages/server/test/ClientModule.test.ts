/**
 * The client package served to browsers as ES modules, types stripped.
 */
import { assert, describe, layer } from "@effect/vitest"
import { ClientModule } from "@specter-runtime/server"
import * as TestServer from "@specter-runtime/testing/server"
import { Effect, Layer } from "effect"

const get = (path: string) =>
  Effect.flatMap(TestServer.url(path), (url) =>
    Effect.promise(async () => {
      const response = await fetch(url)
      return { status: response.status, type: response.headers.get("content-type") ?? "", text: await response.text() }
    }))

describe("ClientModule", () => {
  layer(TestServer.layer(ClientModule.route()).pipe(Layer.orDie), { excludeTestServices: true })((it) => {
    it.effect("a module of the package is JavaScript with its types stripped, the same on every request", () =>
      Effect.gen(function*() {
        const first = yield* get("/specter/client/Client.ts")
        assert.deepStrictEqual([first.status, first.type], [200, "text/javascript; charset=utf-8"])
        assert.include(first.text, "export const connect")
        assert.notMatch(first.text, /\): SocketClient/)
        assert.strictEqual((yield* get("/specter/client/Client.ts")).text, first.text)
      }))

    it.effect("a path that is not a module of the package answers the 404 envelope", () =>
      Effect.gen(function*() {
        for (const path of ["/specter/client/Missing.ts", "/specter/client/package.json", "/specter/client/a%2F..%2F..%2Fx.ts"]) {
          const answer = yield* get(path)
          assert.deepStrictEqual([path, answer.status, answer.text], [path, 404, '{"error":"not found"}'])
        }
      }))
  })
})
