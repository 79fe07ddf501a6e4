/**
 * Bus throughput: events emitted per second with 10 listeners, counting an event
 * only once all 10 listeners have handled it, against Node's EventEmitter running
 * the same listener function. Beside the bus (one sliding PubSub per event), a
 * reference row with the other Effect engine that was considered: one
 * `Queue.sliding` per listener, offered to on every emit.
 */
import { Bus } from "@specter-runtime/core"
import { Deferred, Effect, Queue } from "effect"
import { EventEmitter } from "node:events"
import { type Case, perSecond } from "./harness.ts"

const EVENTS = 200_000
const LISTENERS = 10
const Tick = Bus.event<number>("tick")
/**
 * Effect handlers cost one Effect run per event, so a flood of emits outruns them:
 * the event holds all of them, so that the row measures delivery, not overflow.
 */
const Flood = Bus.event<number>("flood", { capacity: EVENTS })

/** The listener every side runs: the same work per event. */
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
    const bus = yield* Bus.Bus
    const done = yield* Deferred.make<void>()
    const count = counter(() => Deferred.doneUnsafe(done, Effect.void))
    for (let i = 0; i < LISTENERS; i++) {
      if (kind === "on") yield* Bus.on(Tick, count)
      else yield* Bus.listen(Flood, (n) => Effect.sync(() => void count(n)))
    }
    const event = kind === "on" ? Tick : Flood
    const start = performance.now()
    for (let i = 0; i < EVENTS; i++) yield* bus.emit(event, i)
    yield* Deferred.await(done)
    return perSecond(EVENTS, start)
  }).pipe(Effect.scoped, Effect.provide(Bus.layer), Effect.runPromise)

/** One sliding Queue per listener, each drained a batch at a time (`takeAll`), like the bus drains its PubSub. */
const slidingQueues = () =>
  Effect.gen(function*() {
    const done = yield* Deferred.make<void>()
    const count = counter(() => Deferred.doneUnsafe(done, Effect.void))
    const queues: Array<Queue.Queue<number>> = []
    for (let i = 0; i < LISTENERS; i++) {
      const queue = yield* Queue.sliding<number>(Tick.capacity)
      queues.push(queue)
      const drain = Effect.andThen(Effect.yieldNow, Queue.takeAll(queue))
      yield* Effect.forkScoped(Effect.forever(Effect.map(drain, (batch) => {
        for (const n of batch) count(n)
      }), { disableYield: true }))
    }
    const start = performance.now()
    for (let i = 0; i < EVENTS; i++) yield* Effect.sync(() => {
      for (const queue of queues) Queue.offerUnsafe(queue, i)
    })
    yield* Deferred.await(done)
    return perSecond(EVENTS, start)
  }).pipe(Effect.scoped, Effect.runPromise)

export const cases: ReadonlyArray<Case> = [
  {
    name: "bus.emit to 10 `on` listeners (PubSub engine, plain functions, delivered)",
    subject: () => bus("on"),
    baselineName: "EventEmitter.emit to 10 listeners",
    baseline: eventEmitter,
    goal: 0.3
  },
  {
    name: "reference: a Queue.sliding per listener, 10 listeners (delivered)",
    subject: slidingQueues,
    baselineName: "EventEmitter.emit to 10 listeners",
    baseline: eventEmitter
  },
  {
    name: "bus.emit to 10 `listen` listeners (Effect handlers, delivered)",
    subject: () => bus("listen"),
    baselineName: "EventEmitter.emit to 10 listeners",
    baseline: eventEmitter
  }
]
