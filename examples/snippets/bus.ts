import { Bus } from "@specter/core"
import { Effect } from "effect"

const Tick = Bus.event<number>("tick")

const program = Effect.gen(function*() {
  const bus = yield* Bus.Bus
  yield* bus.listen(Tick, (n) => Effect.log(`tick ${n}`))   // Effect handler
  yield* bus.on(Tick, (n) => void console.log(n))            // plain function, the cheapest
  yield* bus.once(Tick, () => Effect.log("first tick only"))
  yield* bus.emit(Tick, 1)
  yield* bus.emitAndWait(Tick, 2)
}).pipe(Effect.scoped, Effect.provide(Bus.layer))

Effect.runPromise(program)
