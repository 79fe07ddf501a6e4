/**
 * What the page shows besides the items: the load average (`system:load`) and the
 * helper process's output (`process:lines` on connect, then `process:line`), pushed
 * over the socket, and both services in `GET /health`. The load is read from a
 * variable every 100 ms here instead of from the host every 2 s, so that a change
 * can be made and seen.
 */
import { assert, describe, layer } from "@effect/vitest"
import * as TestServer from "@specter-runtime/testing/server"
import { Effect, Layer } from "effect"
import { makeApp } from "../src/app.ts"
import { recentLines } from "../src/Heartbeat.ts"
import { makeLoadLive } from "../src/LoadService.ts"

let reading = 0.5
const TestLoad = makeLoadLive({ interval: "100 millis", read: Effect.sync(() => reading) })
const app = makeApp(TestLoad)

const isEvent = (event: string) => (frame: any) => frame.type === "event" && frame.event === event

describe("system", () => {
  layer(TestServer.layer(app).pipe(Layer.orDie), { excludeTestServices: true })((it) => {
    it.effect("a page that connects gets the current load at once as system:load", () =>
      Effect.gen(function*() {
        const socket = yield* TestServer.connect("/ws")
        const load = yield* socket.next(isEvent("system:load"), "1 second")
        assert.isNumber(load.payload.oneMinute)
      }).pipe(Effect.scoped))

    it.effect("a change of the load reaches a connected page as system:load, rounded to hundredths", () =>
      Effect.gen(function*() {
        const socket = yield* TestServer.connect("/ws")
        yield* socket.next(isEvent("system:load"), "1 second")
        reading = 1.234
        const changed = yield* socket.next((f) => isEvent("system:load")(f) && f.payload.oneMinute === 1.23, "2 seconds")
        assert.deepStrictEqual(changed.payload, { oneMinute: 1.23 })
      }).pipe(Effect.scoped))

    it.effect("each line the helper process prints reaches a connected page as process:line", () =>
      Effect.gen(function*() {
        const socket = yield* TestServer.connect("/ws")
        const { payload } = yield* socket.next(isEvent("process:line"), "5 seconds")
        assert.strictEqual(payload.stream, "stdout")
        assert.hasAllKeys(JSON.parse(payload.line), ["pid", "beat", "rss"])
      }).pipe(Effect.scoped))

    it.effect("a page that connects late gets the recent lines at once as process:lines", () =>
      Effect.gen(function*() {
        const early = yield* TestServer.connect("/ws")
        const seen = yield* early.next(isEvent("process:line"), "5 seconds")
        const late = yield* TestServer.connect("/ws")
        const recent = yield* late.next(isEvent("process:lines"), "1 second")
        assert.isAtMost(recent.payload.lines.length, recentLines)
        assert.deepInclude(recent.payload.lines, seen.payload)
      }).pipe(Effect.scoped))

    it.effect("GET /health lists load and heartbeat as running, with the load and the helper's restarts as their details", () =>
      Effect.gen(function*() {
        const url = yield* TestServer.url("/health")
        const health = yield* Effect.promise(() => fetch(url).then((r) => r.json()))
        assert.includeMembers(Object.keys(health.services), ["load", "heartbeat"])
        assert.strictEqual(health.services.load.status, "running")
        assert.isNumber(health.services.load.details[0].oneMinute)
        assert.strictEqual(health.services.heartbeat.status, "running")
        assert.deepInclude(health.services.heartbeat.details[0], { running: true })
      }).pipe(Effect.scoped))
  })
})
