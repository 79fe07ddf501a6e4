/**
 * Bus throughput: events emitted per second with 10 listeners, counting an event
 * only once all 10 listeners have handled it, against Node's EventEmitter.
 */
import { Bus } from "@specter/core"
import { Deferred, Effect } from "effect"
import { EventEmitter } from "node:events"
import { type Case, perSecond } from "./harness.ts"

const EVENTS = 200_000
const LISTENERS = 10
const Tick = Bus.event<number>("tick")

/** The listener both sides run: the same work per event. */
const counter = (onDone: () => void) => {
  let handled = 0
  let sink = 0
  return (n: number) => {
    sink += n
    if (++handled === EVENTS * LISTENERS) onDone()
    return sink
  }
}

const eventEmitter = async () => {
  const emitter = new EventEmitter()
  const count = counter(() => {})
  for (let i = 0; i < LISTENERS; i++) emitter.on("tick", count)
  const start = performance.now()
  for (let i = 0; i < EVENTS; i++) emitter.emit("tick", i)
  return perSecond(EVENTS, start)
}

const bus = (kind: "on" | "listen") =>
  Effect.gen(function*() {
    const bus = yield* Bus.make
    const done = yield* Deferred.make<void>()
    const count = counter(() => Deferred.doneUnsafe(done, Effect.void))
    for (let i = 0; i < LISTENERS; i++) {
      if (kind === "on") yield* bus.on(Tick, count)
      else yield* bus.listen(Tick, (n) => Effect.sync(() => void count(n)))
    }
    const start = performance.now()
    for (let i = 0; i < EVENTS; i++) yield* bus.emit(Tick, i)
    yield* Deferred.await(done)
    return perSecond(EVENTS, start)
  }).pipe(Effect.scoped, Effect.runPromise)

export const cases: ReadonlyArray<Case> = [
  {
    name: "bus.emit to 10 `on` listeners (plain functions, delivered)",
    subject: () => bus("on"),
    baselineName: "EventEmitter.emit to 10 listeners",
    baseline: eventEmitter,
    goal: 0.25
  },
  {
    name: "bus.emit to 10 `listen` listeners (Effect handlers, delivered)",
    subject: () => bus("listen"),
    baselineName: "EventEmitter.emit to 10 listeners",
    baseline: eventEmitter
  }
]
