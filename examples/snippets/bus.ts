import { Bus } from "@specter/core"
import { Effect } from "effect"

const Tick = Bus.event<number>("tick")

const program = Effect.gen(function*() {
  const bus = yield* Bus.Bus
  yield* bus.listen(Tick, (n) => Effect.log(`tick ${n}`))   // Effect handler
  yield* bus.on(Tick, (n) => void console.log(n))            // plain function, the cheapest
  yield* bus.once(Tick, () => Effect.log("first tick only"))
  yield* bus.emitAndWait(Tick, 1) // returns once every listener has handled it
  yield* bus.emitAndWait(Tick, 2) // the once listener is gone: two listeners get it
  yield* bus.emit(Tick, 3)        // returns at once; listeners run on their own fibers
}).pipe(Effect.scoped, Effect.provide(Bus.layer)) // closing the scope removes the listeners

Effect.runPromise(program)
