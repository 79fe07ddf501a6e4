/**
 * Bus.bridge and Bus.receive: the hook that carries events with a Schema between
 * processes (issue 12; the Redis bridge itself is tested with three real nodes in
 * packages/cluster).
 */
import { assert, describe, it } from "@effect/vitest"
import { Bus } from "@specter-runtime/core"
import { TestLogger } from "@specter-runtime/testing"
import { Effect, Exit, Layer, Schema, Scope } from "effect"

const Placed = Bus.event("orders:placed", Schema.Struct({ id: Schema.String, at: Schema.Date }))
const TestBus = Layer.merge(Bus.layer, TestLogger.layer)
const Local = Bus.event<{ readonly id: string }>("orders:local")

describe("Bus bridge", () => {
  it.effect("an event with a Schema is handed to the bridge encoded as JSON; an event without one stays local", () =>
    Effect.gen(function*() {
      const sent: Array<readonly [string, unknown]> = []
      const bus = yield* Bus.Bus
      yield* bus.bridge({ send: (event, json) => void sent.push([event, json]) })
      yield* Bus.emit(Placed, { id: "o1", at: new Date(0) })
      yield* Bus.emit(Local, { id: "o2" })
      assert.deepStrictEqual(sent, [["orders:placed", { id: "o1", at: "1970-01-01T00:00:00.000Z" }]])
    }).pipe(Effect.provide(TestBus)))

  it.effect("receive delivers a decoded event to the subscribers here and not back to the bridge", () =>
    Effect.gen(function*() {
      const sent: Array<string> = []
      const bus = yield* Bus.Bus
      yield* bus.bridge({ send: (event) => void sent.push(event) })
      const seen: Array<unknown> = []
      yield* Bus.on(Placed, (order) => void seen.push(order))
      assert.isTrue(bus.receive("orders:placed", { id: "o9", at: "1970-01-01T00:00:01.000Z" }))
      assert.isFalse(bus.receive("orders:placed", { id: 7 }), "a payload that does not decode is dropped")
      assert.isFalse(bus.receive("nobody:listens", {}))
      yield* Effect.yieldNow
      yield* Effect.yieldNow
      assert.deepStrictEqual(seen, [{ id: "o9", at: new Date(1000) }])
      assert.deepStrictEqual(sent, [])
    }).pipe(Effect.provide(TestBus)))

  it.effect("closing the scope that installed the bridge removes it", () =>
    Effect.gen(function*() {
      const sent: Array<string> = []
      const bus = yield* Bus.Bus
      const scope = yield* Scope.make()
      yield* Scope.provide(bus.bridge({ send: (event) => void sent.push(event) }), scope)
      yield* Bus.emit(Placed, { id: "a", at: new Date(0) })
      yield* Scope.close(scope, Exit.void)
      yield* Bus.emit(Placed, { id: "b", at: new Date(0) })
      assert.deepStrictEqual(sent, ["orders:placed"])
    }).pipe(Effect.provide(TestBus)))
})
