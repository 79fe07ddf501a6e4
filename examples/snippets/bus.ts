import { Bus } from "@specter-runtime/core"
import { Console, Effect, Stream } from "effect"

const Tick = Bus.event<number>("tick")

const program = Effect.gen(function*() {
  yield* Bus.listen(Tick, (n) => Console.log(`listen ${n}`))   // an Effect handler, on a fiber of this scope
  yield* Bus.once(Tick, (n) => Console.log(`once ${n}`))       // the first event only
  const ticks = yield* Bus.subscribe(Tick)                      // a Stream of the events from now on
  yield* ticks.pipe(Stream.take(2), Stream.runForEach((n) => Console.log(`stream ${n}`)), Effect.forkScoped)

  yield* Bus.emitAndWait(Tick, 1) // returns once every listener has handled it
  // => listen 1
  // => once 1
  // => stream 1
  yield* Bus.emitAndWait(Tick, 2) // the once listener is gone
  // => listen 2
  // => stream 2
  yield* Bus.emit(Tick, 3)        // returns at once; listeners run on their own fibers
  yield* Bus.emitAndWait(Tick, 4)
  // => listen 3
  // => listen 4
}).pipe(Effect.scoped, Effect.provide(Bus.layer)) // closing the scope removes the listeners

Effect.runPromise(program)
