/**
 * The QueueService runtime. Jobs go through one Effect `Queue`; capacity is a
 * `Semaphore` of places; the counts are published through a `SubscriptionRef`
 * and `Metric`s by one flusher fiber that a `Latch` wakes once per burst.
 *
 * Two hand-written structures stay for speed (bench row "QueueService, 4 workers,
 * no-op handler", goal ≥ 0.5× a bare `Queue` drained by 4 fibers):
 * - each worker runs the jobs it takes on itself, with no fiber per job: a fiber
 *   per job in a `FiberMap<JobId>` measured 0.33–0.38× of the bare Queue before
 *   any bookkeeping (bench row "Queue + 4 fibers, a FiberMap fiber per job"), so a
 *   cancel interrupts the job's worker, which a new worker replaces;
 * - the live jobs are an array window indexed by sequence number (`JobTable`) and
 *   the finished ones a ring (`history`): a `Map` of 100 000 string keys cost more
 *   than the rest of a job's bookkeeping.
 *
 * @internal
 */
import { Cause, Clock, Deferred, Duration, Effect, Exit, Fiber, Latch, Metric, Option, Queue, type Schema, type Scope, Semaphore, SubscriptionRef } from "effect"
import * as Bus from "../Bus.ts"
import * as Registry from "../Registry.ts"
import { JobNotFound, QueueFull } from "../QueueError.ts"
import type * as QS from "../QueueService.ts"
import { ServiceNotRunning } from "../ServiceError.ts"
import { validate } from "../Validation.ts"
import { JobEntry } from "./job.ts"
import { JobBook } from "./jobBook.ts"
import { causeOf, isTraced, jobSpans, queueRunningOf, queueTimer } from "./metrics.ts"

const DEFAULT_DRAIN = Duration.seconds(10)

/** The bus event of queue `queue`'s job changes (see `QueueService.jobUpdated`). */
export const jobUpdated = <A = unknown>(queue: string): Bus.Event<QS.Job<A>> => Bus.event<QS.Job<A>>(`${queue}:job`)

/** The registry key a running queue is listed under (see `QueueService.registryKey`). */
export const registryKey = (queue: string): Registry.Key<QS.QueueService<unknown>> =>
  Registry.key<QS.QueueService<unknown>>(`${registryPrefix}${queue}`)

export const registryPrefix = "specter/queue/"

/**
 * Lists `queue` in the application's Registry (when there is one) until the
 * calling scope closes, for tools that look at every queue (the inspector); a
 * second queue of the same name keeps the first listing.
 */
export const listed = <A>(queue: QS.QueueService<A>): Effect.Effect<QS.QueueService<A>, never, Scope.Scope> =>
  Effect.flatMap(Effect.serviceOption(Registry.Registry), (registry) =>
    Option.isNone(registry)
      ? Effect.succeed(queue)
      : Effect.as(Effect.ignore(registry.value.provide(registryKey(queue.name), queue as QS.QueueService<unknown>)), queue))

export interface Metrics {
  readonly finished: Metric.Metric<number, unknown>
  readonly queued: Metric.Metric<number, unknown>
}

/** Publishes the counts to `state` and the metrics whenever `dirty` opens; one update per burst. */
const flusher = <A>(book: JobBook<A>, state: SubscriptionRef.SubscriptionRef<QS.QueueState>, metrics: Metrics) => {
  const queued = Metric.withAttributes(metrics.queued, { queue: book.name })
  const running = queueRunningOf(book.name)
  const finished = (outcome: string) => Metric.withAttributes(metrics.finished, { queue: book.name, outcome })
  let last = book.stats()
  const flush = Effect.suspend(() => {
    const now = book.stats()
    const before = last
    last = now
    const delta = (key: "completed" | "failed" | "cancelled") =>
      now[key] === before[key] ? Effect.void : Metric.update(finished(key), now[key] - before[key])
    return Effect.all([
      SubscriptionRef.set(state, now),
      Metric.update(queued, now.queued),
      Metric.update(running, now.running),
      delta("completed"),
      delta("failed"),
      delta("cancelled")
    ], { discard: true })
  })
  // Woken by the first change of a burst, it yields first so that the burst can
  // finish (and only then closes the latch): one update per burst, not per change.
  const step = Effect.andThen(
    book.dirty.await,
    Effect.andThen(Effect.yieldNow, Effect.andThen(Effect.sync(() => book.dirty.closeUnsafe()), flush))
  )
  return { flush, loop: Effect.forever(step, { disableYield: true }) }
}

/** Records the end of a job whose worker was interrupted; a cancel (not a stop) gets a new worker. */
const cancelled = <A>(book: JobBook<A>, entry: JobEntry<A>, respawn: () => Effect.Effect<void>): Effect.Effect<void> => {
  book.finish(entry, "cancelled", entry.cancelReason ?? "interrupted: the queue stopped")
  return entry.cancelReason === "cancelled" && (book.accepting || book.active.size > 0) ? respawn() : Effect.void
}

/**
 * A worker takes jobs one by one and runs each on itself, with no Effect wrapped
 * around a single job: a job that completes is recorded in the loop's `step`; a job
 * that fails ends the worker, whose one `catchCause` records the failure and forks
 * a replacement; an interruption (a cancel, the end of a stop) is recorded by its
 * one `onInterrupt`. No yield per job either: the fiber yields when the queue is
 * empty or its op budget is spent.
 */
const worker = <A, E, R>(
  book: JobBook<A>,
  handle: (entry: JobEntry<A>) => Effect.Effect<unknown, E, R>,
  respawn: () => Effect.Effect<void>,
  n: number
): Effect.Effect<void, never, R> => {
  let current: JobEntry<A> | undefined
  let self: Fiber.Fiber<unknown, unknown>
  // The time the last job completed, while nothing has run since: a job taken at once
  // starts at that same time (one clock read fewer per job in a busy queue).
  let now: number | undefined
  const run = (entry: JobEntry<A>, startedAt: number | undefined): Effect.Effect<unknown, E, R> => {
    if (entry.cancelled) return Effect.void
    current = entry
    book.begin(entry, self, startedAt)
    return book.places === undefined ? handle(entry) : Effect.andThen(book.places.release(1), handle(entry))
  }
  const waitAndRun = (entry: JobEntry<A>) => run(entry, undefined)
  const loop = Effect.whileLoop({
    while: () => true,
    body: () => {
      const taken = Queue.takeUnsafe(book.queue)
      const startedAt = now
      now = undefined
      return taken !== undefined && taken._tag === "Success"
        ? run(taken.value, startedAt)
        : Effect.flatMap(Queue.take(book.queue), waitAndRun)
    },
    step: () => {
      if (current !== undefined) now = book.finish(current, "completed")
      current = undefined
    }
  })
  return Effect.withFiber((fiber) => {
    self = fiber
    return loop
  }).pipe(
    Effect.catchCause((cause) => {
      const entry = current
      current = undefined
      // A job that cancelled itself: its worker ends with it, and a new one takes its place.
      if (entry !== undefined && Cause.hasInterruptsOnly(cause)) return cancelled(book, entry, respawn)
      if (entry === undefined) return Effect.andThen(Effect.logError(`queue '${book.name}': worker ${n} failed`, cause), respawn())
      return Effect.andThen(
        Effect.logWarning(`queue '${book.name}': job '${entry.id}' failed`, cause),
        Effect.andThen(Effect.sync(() => book.finish(entry, "failed", Cause.pretty(cause))), respawn())
      )
    }),
    Effect.onInterrupt(() => Effect.suspend(() => (current === undefined ? Effect.void : cancelled(book, current, respawn)))),
    Effect.annotateLogs({ worker: n })
  ) as Effect.Effect<void, never, R>
}

/** The handler with the retry policy; a retry counts its attempt (the first is counted by `begin`). */
const withRetry = <A, E, R>(
  book: JobBook<A>,
  options: { readonly retry?: QS.Options<any, E, R>["retry"]; readonly handle: (item: A, job: QS.JobContext) => Effect.Effect<unknown, E, R> }
) =>
(entry: JobEntry<A>): Effect.Effect<unknown, E, R> => {
  if (options.retry === undefined) return options.handle(entry.item, entry)
  let attempt = 0
  return Effect.retry(
    Effect.suspend(() => {
      if (++attempt > 1) book.retried(entry, attempt)
      return options.handle(entry.item, entry)
    }),
    options.retry
  )
}

/**
 * Stopping: no new jobs (waiting enqueuers give up); the workers drain for up to
 * `drainTimeout`; what never started is cancelled; what still runs is marked, and
 * the scope's close then interrupts it.
 */
const drain = <A>(book: JobBook<A>, timeout: Duration.Duration): Effect.Effect<void> =>
  Effect.gen(function*() {
    book.accepting = false
    yield* Deferred.succeed(book.stopping, undefined)
    if (book.active.size > 0) {
      book.idle = yield* Deferred.make<void>()
      yield* Effect.timeoutOption(Deferred.await(book.idle), timeout)
    }
    for (const entry of [...book.active.values()]) {
      if (entry.state === "queued") {
        entry.cancelled = true
        book.finish(entry, "cancelled", "the queue stopped before the job ran")
      } else entry.cancelReason = "interrupted: the queue stopped before the job finished"
    }
  })

const notRunning = (book: JobBook<any>) =>
  Effect.suspend(() =>
    Effect.fail(new ServiceNotRunning({ service: book.name, status: book.stopped ? "stopped" : "stopping", operation: "enqueue" }))
  )

const enqueueWith = <A>(book: JobBook<A>, traced: boolean) =>
(item: A, options?: { readonly timeout?: Duration.Input | undefined }): Effect.Effect<string, QueueFull | ServiceNotRunning> =>
  Effect.withFiber(({ context }) => {
    if (!book.accepting) return notRunning(book)
    const cause = traced ? causeOf(context) : undefined
    const places = book.places
    if (places === undefined) return Exit.succeed(book.offer(item, cause))
    const admit = (taken: boolean) =>
      taken ? Effect.succeed(book.offer(item, cause)) : Effect.fail(new QueueFull({ queue: book.name, capacity: book.capacity }))
    if (options?.timeout === undefined) return Effect.flatMap(places.takeIfAvailable(1), admit)
    const wait = Effect.raceFirst(Effect.as(places.take(1), true), Effect.andThen(Deferred.await(book.stopping), notRunning(book)))
    return Effect.flatMap(Effect.timeoutOption(wait, options.timeout), (taken) => admit(Option.getOrElse(taken, () => false)))
  })

/** Cancels job `id` (see `QueueService.cancel`). */
const cancelWith = <A>(book: JobBook<A>) => (id: string): Effect.Effect<boolean> =>
  Effect.suspend(() => {
    const entry = book.get(id)
    if (entry === undefined || entry.cancelled) return Effect.succeed(false)
    entry.cancelled = true
    entry.cancelReason = "cancelled"
    if (entry.state === "queued") {
      book.finish(entry, "cancelled", "cancelled")
      return Effect.as(book.places === undefined ? Effect.void : book.places.release(1), true)
    }
    // A running job has its worker; interrupting it ends the job (the worker replaces
    // itself). A job cancelling itself is interrupted at its next suspension.
    const fiber = entry.worker!
    return Effect.withFiber((current) =>
      Effect.as(fiber === current ? Effect.interrupt : Fiber.interrupt(fiber), true))
  })

export const make = <S extends Schema.Top, E, R>(name: string, options: QS.Options<S, E, R>, metrics: Metrics) =>
  Effect.gen(function*() {
    type A = S["Type"]
    const capacity = options.capacity === undefined ? undefined : Math.max(1, Math.floor(options.capacity))
    const bus = yield* Effect.serviceOption(Bus.Bus)
    const book = new JobBook<A>({
      name,
      workers: Math.max(1, Math.floor(options.workers ?? 1)),
      history: Math.max(0, Math.floor(options.history ?? 1000)),
      capacity,
      places: capacity === undefined ? undefined : yield* Semaphore.make(capacity),
      queue: yield* Queue.make<JobEntry<A>>(),
      clock: yield* Clock.Clock,
      dirty: yield* Latch.make(false),
      stopping: yield* Deferred.make<void>(),
      updated: Option.map(bus, (bus) => bus.publisher(jobUpdated<A>(name))),
      timed: queueTimer(name, yield* Effect.context())
    })
    // Added first, so it runs last, once the queue has stopped.
    yield* Effect.addFinalizer(() => Effect.sync(() => void (book.stopped = true)))
    const state = yield* SubscriptionRef.make(book.stats())
    const { flush, loop } = flusher(book, state, metrics)
    yield* Effect.forkScoped(loop)
    yield* Effect.addFinalizer(() => flush)

    // What the handler and the item Schema need, for workers forked later and submits.
    const services = yield* Effect.context<R | S["DecodingServices"]>()
    const scope = yield* Effect.scope
    const traced = isTraced(services)
    const handle = jobSpans(name, withRetry(book, options), traced)
    let spawned = 0
    const respawn = (): Effect.Effect<void> =>
      Effect.asVoid(Effect.forkIn(Effect.provideContext(worker(book, handle, respawn, ++spawned), services), scope))
    for (let n = 0; n < book.workers; n++) yield* respawn()
    // Added after the workers, so it runs before the scope interrupts them.
    const drainTimeout = options.drainTimeout === undefined ? DEFAULT_DRAIN : Duration.fromInputUnsafe(options.drainTimeout)
    yield* Effect.addFinalizer(() => drain(book, drainTimeout))

    const enqueue = enqueueWith(book, traced)
    const queue = {
      name,
      updated: jobUpdated<A>(name),
      enqueue,
      submit: (input, enqueueOptions) =>
        Effect.flatMap(Effect.provideContext(validate(options.item, input), services), (item) => enqueue(item, enqueueOptions)),
      job: (id) => Effect.sync(() => Option.fromNullishOr(book.find(id))),
      jobs: Effect.sync(() => book.all()),
      await: (id) =>
        Effect.suspend((): Effect.Effect<QS.Job<A>, JobNotFound> => {
          const waiter = book.waiter(id)
          if (waiter === undefined) return Effect.fail(new JobNotFound({ queue: name, id }))
          return Deferred.isDeferred(waiter) ? Deferred.await(waiter as Deferred.Deferred<QS.Job<A>>) : Effect.succeed(waiter as QS.Job<A>)
        }),
      cancel: cancelWith(book),
      pending: Effect.sync(() => book.counts.queued),
      stats: Effect.sync(() => book.stats()),
      changes: SubscriptionRef.changes(state)
    } satisfies QS.QueueService<A> as QS.QueueService<A>
    return queue
  })
