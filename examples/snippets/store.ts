import { Bus, Store } from "@specter-runtime/core"
import { Console, Effect } from "effect"

const program = Effect.gen(function*() {
  const counter = yield* Store.make("counter", { hits: 0, page: "/" }, { events: true }) // also publishes counter:changed
  yield* counter.listen((s) => Console.log(`${s.hits} hits on ${s.page}`), { immediate: true })
  // => 0 hits on /

  yield* counter.update((s) => ({ ...s, hits: s.hits + 1 }))  // a pure function of the old state
  // => 1 hits on /
  const now = yield* counter.set({ page: "/home" })           // shallow merge; returns the new state
  // => 1 hits on /home
  yield* Effect.yieldNow
  yield* Console.log(now, yield* counter.get("hits"), Object.isFrozen(now)) // => { hits: 1, page: '/home' } 1 true
}).pipe(Effect.scoped, Effect.provide(Bus.layer))

Effect.runPromise(program)
