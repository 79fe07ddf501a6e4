import { SharedStore } from "@specter-runtime/cluster"
import { Console, Effect, Schema } from "effect"

const program = Effect.gen(function*() {
  // In cluster mode one row in PostgreSQL, updated by compare-and-set; alone, in memory.
  const visits = yield* SharedStore.make("visits", { schema: Schema.Number, initial: 0 })
  yield* Effect.all([visits.update((n) => n + 1), visits.update((n) => n + 1)], { concurrency: 2 })
  yield* Console.log(yield* visits.get) // => 2
}).pipe(Effect.scoped)

Effect.runPromise(program)
