import { Bus, Cache } from "@specter-runtime/core"
import { Console, Effect, Layer } from "effect"

let lookups = 0
const square = (n: number) => Effect.sync(() => (lookups++, n * n))

const program = Effect.gen(function*() {
  const squares = yield* Cache.make("squares", { lookup: square, timeToLive: "5 minutes" })
  const doubled = yield* Cache.make<number, number>("doubled", { dependsOn: [squares] }) // cleared with squares
  yield* doubled.onInvalidate((event) => Console.log(`doubled cleared: ${event.wave.join(" -> ")}`))

  yield* Effect.all([squares.get(4), squares.get(4), squares.get(4)], { concurrency: "unbounded" })
  yield* Console.log(yield* doubled.getOrCompute(4, Effect.map(squares.get(4), (n) => n * 2)), lookups) // => 32 1

  yield* squares.invalidate(4) // publishes squares:invalidated, then clears doubled before it returns
  // => doubled cleared: squares -> doubled
  yield* Console.log(yield* squares.has(4), yield* doubled.has(4)) // => false false
}).pipe(Effect.scoped, Effect.provide(Layer.merge(Bus.layer, Cache.layer)))

Effect.runPromise(program)
