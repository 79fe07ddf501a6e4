import { assert, describe, it } from "@effect/vitest"
import { Service } from "@specter-runtime/core"
import { Context, Effect, SubscriptionRef } from "effect"
import { TestClock } from "effect/testing"

class Ticker extends Context.Service<Ticker, { readonly ticks: SubscriptionRef.SubscriptionRef<number> }>()("ticker") {
  static readonly layer = Service.layer(this, Effect.gen(function*() {
    const ticks = yield* SubscriptionRef.make(0)
    yield* Service.interval("1 minute", SubscriptionRef.update(ticks, (n) => n + 1))
    return { ticks }
  }))
}

describe("Ticker", () => {
  // it.effect runs on the TestClock: an hour passes in no time at all.
  it.effect("ticks once a minute", () =>
    Effect.gen(function*() {
      const { ticks } = yield* Ticker
      yield* TestClock.adjust("3 minutes")
      assert.strictEqual(yield* SubscriptionRef.get(ticks), 3)
    }).pipe(Effect.provide(Ticker.layer))) // a fresh service per test, stopped when the test ends
})
