/**
 * Service state and QueueService throughput, each against the bare Effect
 * primitive doing the same work:
 * - `service.setState` with one subscriber vs `SubscriptionRef.update` with one
 *   `changes` consumer (an update counts once the subscriber has seen it);
 * - a QueueService with 4 workers and a no-op handler vs a bare `Queue` drained
 *   by 4 fibers (a job counts once a worker has finished it).
 */
import { QueueService, Service, Specter } from "@specter/core"
import { Deferred, Effect, Layer, Logger, Queue, Schema, type Scope, Stream, SubscriptionRef } from "effect"
import { type Case, perSecond } from "./harness.ts"

const UPDATES = 100_000
const JOBS = 100_000
const WORKERS = 4

/** Runs `effect` on a fresh runtime, without logs (services log their start and stop). */
const quiet = <A, E>(effect: Effect.Effect<A, E, Specter.Runtime | Scope.Scope>) =>
  Effect.runPromise(effect.pipe(Effect.scoped, Effect.provide(Layer.merge(Specter.layer, Logger.layer([])))) as Effect.Effect<A>)

const setState = () =>
  quiet(Effect.gen(function*() {
    const [self] = yield* Service.start("bench", { n: 0 })
    const done = yield* Deferred.make<void>()
    yield* self.subscribe((s) => (s.n === UPDATES ? Deferred.succeed(done, undefined) : Effect.void))
    const start = performance.now()
    for (let i = 1; i <= UPDATES; i++) yield* self.setState({ n: i })
    yield* Deferred.await(done)
    return perSecond(UPDATES, start)
  }))

const subscriptionRef = () =>
  Effect.runPromise(Effect.gen(function*() {
    const ref = yield* SubscriptionRef.make({ n: 0 })
    const done = yield* Deferred.make<void>()
    yield* SubscriptionRef.changes(ref).pipe(
      Stream.runForEach((s) => (s.n === UPDATES ? Deferred.succeed(done, undefined) : Effect.void)),
      Effect.forkScoped({ startImmediately: true })
    )
    const start = performance.now()
    for (let i = 1; i <= UPDATES; i++) yield* SubscriptionRef.update(ref, (s) => ({ ...s, n: i }))
    yield* Deferred.await(done)
    return perSecond(UPDATES, start)
  }).pipe(Effect.scoped))

const Item = Schema.Struct({ n: Schema.Number })

const queueService = () =>
  quiet(Effect.gen(function*() {
    const done = yield* Deferred.make<void>()
    let handled = 0
    const queue = yield* QueueService.start("bench", {
      item: Item,
      workers: WORKERS,
      
      handle: () => Effect.sync(() => void (++handled === JOBS && Deferred.doneUnsafe(done, Effect.void)))
    })
    const start = performance.now()
    for (let i = 0; i < JOBS; i++) yield* queue.enqueue({ n: i })
    yield* Deferred.await(done)
    return perSecond(JOBS, start)
  }))

const bareQueue = () =>
  Effect.runPromise(Effect.gen(function*() {
    const done = yield* Deferred.make<void>()
    const queue = yield* Queue.unbounded<{ n: number }>()
    let handled = 0
    const handle = () => Effect.sync(() => void (++handled === JOBS && Deferred.doneUnsafe(done, Effect.void)))
    // The same loop as QueueService's workers: no yield per job.
    for (let w = 0; w < WORKERS; w++) {
      yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(queue), handle), { disableYield: true }))
    }
    const start = performance.now()
    for (let i = 0; i < JOBS; i++) yield* Queue.offer(queue, { n: i })
    yield* Deferred.await(done)
    return perSecond(JOBS, start)
  }).pipe(Effect.scoped))

export const cases: ReadonlyArray<Case> = [
  {
    name: "service.setState with 1 subscriber",
    subject: setState,
    baselineName: "SubscriptionRef.update with 1 changes consumer",
    baseline: subscriptionRef,
    goal: 0.8
  },
  {
    name: "QueueService, 4 workers, no-op handler (jobs/s)",
    subject: queueService,
    baselineName: "Queue + 4 fibers",
    baseline: bareQueue,
    goal: 0.5
  }
]
