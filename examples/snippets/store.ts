import { Bus, Store } from "@specter/core"
import { Effect } from "effect"

const program = Effect.gen(function*() {
  const counter = yield* Store.make("counter", { hits: 0, page: "/" }, { events: true }) // also publishes counter:changed
  yield* counter.subscribe((s) => Effect.log(`${s.hits} hits on ${s.page}`), { immediate: true })
  // logs "0 hits on /", "1 hits on /", "1 hits on /home": the state now, then every change in order

  yield* counter.update((s) => ({ ...s, hits: s.hits + 1 }))   // a pure function of the old state
  const now = yield* counter.set({ page: "/home" })             // shallow merge; returns the new state
  console.log(now, yield* counter.get("hits"), Object.isFrozen(now)) // { hits: 1, page: '/home' } 1 true
}).pipe(Effect.scoped, Effect.provide(Bus.layer))

Effect.runPromise(program)
