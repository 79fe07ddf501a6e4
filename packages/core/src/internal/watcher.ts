/**
 * The Watcher runtime, plus the two pieces ManagedProcess shares with it:
 *
 * - `Hub`: a fan-out of values to subscriber queues that never makes the publisher
 *   wait, with an optional replay of the last values, ended (not interrupted) when
 *   its owner stops, so every `Stream` read from it ends cleanly.
 * - `Backoff`: a `Schedule` driven step by step, which can be reset after a success
 *   (weakness 26: the original's backoff never reset in poll mode).
 *
 * The watcher itself is one fiber running the source again and again: after a
 * failure it waits what the retry schedule says, after a completion what the
 * repeat schedule says (never less than `minimumDelay`, so it cannot spin), and a
 * value from the source resets both schedules. Subscribers run on fibers of their
 * own, so a slow or failing subscriber never holds up the source.
 *
 * @internal
 */
import { Cause, Clock, Deferred, Duration, Effect, Equal, Exit, Fiber, Option, Queue, Schedule, Scope, Stream } from "effect"
import type { Health, Mode, StopReason, SubscribeOptions, Watcher, WatcherFailed } from "../Watcher.ts"
import { logFailure } from "./failure.ts"

/** Nothing a watcher schedules waits less than this: no poll interval, no retry, no restart. */
export const minimumDelay: Duration.Duration = Duration.millis(100)

const atLeastMinimum = (delay: Duration.Duration): Duration.Duration => Duration.max(delay, minimumDelay)

export const backoff = (options?: {
  readonly base?: Duration.Input | undefined
  readonly max?: Duration.Input | undefined
  readonly factor?: number | undefined
}): Schedule.Schedule<Duration.Duration> =>
  Schedule.min([
    Schedule.exponential(options?.base ?? "1 second", options?.factor ?? 2),
    Schedule.spaced(options?.max ?? "30 seconds")
  ])

/** A short, one-line description of a failure, for events and error messages. */
export const errorMessage = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  if (error instanceof Error) return error.message.length > 0 ? error.message : error.name
  if (typeof error === "string") return error
  try {
    return JSON.stringify(error) ?? String(error)
  } catch {
    // A BigInt or a cycle: the text form is the best that can be said.
    return String(error)
  }
}

// ---------------------------------------------------------------------------
// Hub
// ---------------------------------------------------------------------------

export class Hub<A> {
  private readonly queues = new Set<Queue.Queue<A, Cause.Done>>()
  private readonly recent: Array<A> = []
  private ended = false
  readonly capacity: number
  readonly replay: number

  /** `capacity`: values held per subscriber (the oldest is dropped beyond it); `replay`: values kept for late subscribers. */
  constructor(capacity: number, replay: number) {
    this.capacity = Math.max(1, capacity)
    this.replay = Math.max(0, replay)
  }

  get size(): number {
    return this.queues.size
  }

  publish(value: A): void {
    if (this.ended) return
    if (this.replay > 0) {
      this.recent.push(value)
      if (this.recent.length > this.replay) this.recent.shift()
    }
    for (const queue of this.queues) Queue.offerUnsafe(queue, value)
  }

  /**
   * A queue that receives every later value (the kept ones first, with `replay`),
   * removed from the hub when the calling scope closes. Already ended when the hub is.
   */
  subscribe(replay: boolean): Effect.Effect<Queue.Dequeue<A, Cause.Done>, never, Scope.Scope> {
    return Effect.acquireRelease(
      Effect.map(Queue.make<A, Cause.Done>({ capacity: this.capacity, strategy: "sliding" }), (queue) => {
        if (replay) for (const value of this.recent) Queue.offerUnsafe(queue, value)
        if (this.ended) Queue.endUnsafe(queue)
        else this.queues.add(queue)
        return queue
      }),
      (queue) => Effect.sync(() => void this.queues.delete(queue))
    )
  }

  /** Every later value as a `Stream`, which ends when the hub ends. */
  stream(replay: boolean): Stream.Stream<A> {
    return Stream.unwrap(Effect.map(this.subscribe(replay), Stream.fromQueue))
  }

  /** Ends every subscriber's queue after what it holds; later subscribers get an ended queue. */
  end(): void {
    this.ended = true
    for (const queue of this.queues) Queue.endUnsafe(queue)
    this.queues.clear()
  }
}

/**
 * Runs `handler` on a fiber of the calling scope for every value of `queue`, logging
 * (not propagating) its failures. `fibers` holds the fiber while it runs.
 */
export const consume = <A, X, R>(
  queue: Queue.Dequeue<A, Cause.Done>,
  handler: (value: A) => Effect.Effect<void, X, R>,
  what: string,
  fibers: Set<Fiber.Fiber<unknown, unknown>>
): Effect.Effect<Fiber.Fiber<void>, never, Scope.Scope | R> =>
  Effect.map(
    Effect.forkScoped(
      Stream.runForEach(Stream.fromQueue(queue), (value) =>
        logFailure(what)(handler(value)))
    ),
    (fiber) => {
      fibers.add(fiber)
      fiber.addObserver(() => fibers.delete(fiber))
      return fiber
    }
  )

// ---------------------------------------------------------------------------
// Backoff
// ---------------------------------------------------------------------------

type Step<In> = (now: number, input: In) => Effect.Effect<[unknown, Duration.Duration], unknown>

export class Backoff<In> {
  private step: Step<In> | undefined = undefined
  private readonly schedule: Schedule.Schedule<unknown, In>

  constructor(schedule: Schedule.Schedule<unknown, In>) {
    this.schedule = schedule
  }

  /** Starts the schedule over: the next delay is its first again. */
  reset(): void {
    this.step = undefined
  }

  /** The delay the schedule gives for the next attempt, or `None` when it is done. */
  next(input: In): Effect.Effect<Option.Option<Duration.Duration>> {
    return Effect.gen({ self: this }, function*() {
      if (this.step === undefined) this.step = (yield* Schedule.toStep(this.schedule)) as Step<In>
      const now = yield* Clock.currentTimeMillis
      const exit = yield* Effect.exit(this.step(now, input))
      return Exit.isSuccess(exit) ? Option.some(exit.value[1]) : Option.none()
    })
  }
}

// ---------------------------------------------------------------------------
// Watcher
// ---------------------------------------------------------------------------

export interface Config<A, B, E, R> {
  readonly name: string
  readonly mode: Mode
  /** One run of the source, handing each element to `emit`; poll: one call, stream: to its end. */
  readonly attempt: (emit: (value: A) => Effect.Effect<void>) => Effect.Effect<void, E, R>
  readonly transform: ((value: A) => B) | undefined
  readonly dedupe: boolean
  /** After a failure; `undefined` ends the watcher on the first one. */
  readonly retry: Schedule.Schedule<unknown, unknown> | undefined
  /** After the source completed; `undefined` ends the watcher. */
  readonly repeat: Schedule.Schedule<unknown, unknown> | undefined
  /** Whether running the source again after a completion counts as a restart (not for a poll). */
  readonly completionIsRestart: boolean
  readonly capacity: number
}

/** What the watcher reports as it goes (the public module turns these into bus events). */
export interface Notify<B, E> {
  readonly started: Effect.Effect<void>
  readonly value: ((value: B) => Effect.Effect<void>) | undefined
  readonly failed: (cause: Cause.Cause<E>, errorCount: number, retryIn: Option.Option<Duration.Duration>) => Effect.Effect<void>
  readonly restarted: (restarts: number, after: "failure" | "completion", delay: Duration.Duration) => Effect.Effect<void>
  readonly stopped: (reason: StopReason) => Effect.Effect<void>
}

export const make = <A, B, E, R>(
  config: Config<A, B, E, R>,
  notify: Notify<B, E>,
  failure: (cause: Cause.Cause<E>) => WatcherFailed
): Effect.Effect<Watcher<B, E>, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    const { name } = config
    const parent = yield* Effect.scope
    const startedAt = yield* Clock.currentTimeMillis
    const hub = new Hub<B>(config.capacity, 1)
    const done = yield* Deferred.make<void, WatcherFailed>()
    const handlers = new Set<Fiber.Fiber<unknown, unknown>>()
    const retry = config.retry === undefined ? undefined : new Backoff(config.retry)
    const repeat = config.repeat === undefined ? undefined : new Backoff(config.repeat)
    const transform = config.transform ?? ((value: A) => value as unknown as B)
    let running = true
    let stopping = false
    let loopAlive = true
    let stoppedAt: number | undefined
    let lastValue = Option.none<B>()
    let lastError = Option.none<Cause.Cause<E>>()
    let errorCount = 0
    let restarts = 0

    const emit = (value: A): Effect.Effect<void> =>
      Effect.suspend(() => {
        const next = transform(value) // a throw is a defect, so a failure of this run
        // A transformed value is a success: the next failure or completion waits the
        // first delay again. (Resetting before `transform` would let a transform
        // that always throws retry forever at the first delay.)
        retry?.reset()
        repeat?.reset()
        if (config.dedupe && Option.isSome(lastValue) && Equal.equals(lastValue.value, next)) return Effect.void
        lastValue = Option.some(next)
        hub.publish(next)
        return notify.value === undefined ? Effect.void : notify.value(next)
      })

    /** Ends the watcher once, for whatever reason; what subscribers hold is still delivered. */
    const finish = (reason: StopReason, exit: Exit.Exit<void, WatcherFailed>): Effect.Effect<void> =>
      Effect.suspend(() => {
        if (!running) return Effect.void
        running = false
        hub.end()
        return Effect.gen(function*() {
          stoppedAt = yield* Clock.currentTimeMillis
          yield* notify.stopped(reason)
          yield* Deferred.done(done, exit)
        })
      })

    const loop: Effect.Effect<void, never, R> = Effect.gen(function*() {
      yield* notify.started
      while (true) {
        const exit = yield* Effect.exit(config.attempt(emit))
        if (Exit.isSuccess(exit)) {
          const delay = repeat === undefined ? Option.none() : yield* repeat.next(undefined)
          if (Option.isNone(delay)) return yield* finish("completed", Exit.void)
          const wait = atLeastMinimum(delay.value)
          yield* Effect.sleep(wait)
          if (config.completionIsRestart) yield* notify.restarted(++restarts, "completion", wait)
          continue
        }
        const cause = exit.cause
        if (Cause.hasInterruptsOnly(cause)) return yield* Effect.interrupt
        errorCount++
        lastError = Option.some(cause)
        const delay = retry === undefined ? Option.none() : Option.map(yield* retry.next(cause), atLeastMinimum)
        yield* notify.failed(cause, errorCount, delay)
        if (Option.isNone(delay)) {
          yield* Effect.logError(`watcher '${name}': ${config.mode} failed; the watcher ends`, cause)
          return yield* finish("failed", Exit.fail(failure(cause)))
        }
        yield* Effect.logWarning(
          `watcher '${name}': ${config.mode} failed (error #${errorCount}); retrying in ${Duration.format(delay.value)}`,
          cause
        )
        yield* Effect.sleep(delay.value)
        yield* notify.restarted(++restarts, "failure", delay.value)
      }
    })

    // `ensuring`: a source that interrupts itself still ends the watcher properly.
    const loopFiber = yield* Effect.forkDetach(
      loop.pipe(Effect.ensuring(finish("stopped", Exit.void)), Effect.annotateLogs({ watcher: name }))
    )
    loopFiber.addObserver(() => {
      loopAlive = false
    })

    const stop: Effect.Effect<void> = Effect.suspend(() => {
      const current = Fiber.getCurrent()
      const own = current === loopFiber || (current !== undefined && handlers.has(current))
      if (stopping || !running) return own ? Effect.void : Effect.ignore(Deferred.await(done))
      stopping = true
      const others = [...handlers].filter((fiber) => fiber !== current)
      return Effect.uninterruptible(Effect.gen(function*() {
        yield* finish("stopped", Exit.void)
        yield* Fiber.interruptAll(others)
        // From inside the loop (a poll that stops its own watcher), the loop ends at
        // its next suspension instead of waiting for itself.
        if (current === loopFiber) yield* Effect.forkDetach(Fiber.interrupt(loopFiber))
        else yield* Fiber.interrupt(loopFiber)
      }))
    })
    yield* Scope.addFinalizer(parent, stop)

    const subscribe = <X, R2>(handler: (value: B) => Effect.Effect<void, X, R2>, options?: SubscribeOptions) =>
      Effect.asVoid(Effect.flatMap(hub.subscribe(options?.immediate === true), (queue) =>
        consume(queue, handler, `watcher '${name}': subscriber`, handlers)))

    const health: Effect.Effect<Health<B, E>> = Effect.map(Clock.currentTimeMillis, (now) => ({
      name,
      mode: config.mode,
      running,
      lastValue,
      lastError,
      errorCount,
      restarts,
      subscribers: hub.size,
      fibers: handlers.size + (loopAlive ? 1 : 0),
      uptimeMs: (stoppedAt ?? now) - startedAt
    }))

    return {
      name,
      mode: config.mode,
      values: hub.stream(true),
      subscribe,
      latest: Effect.sync(() => lastValue),
      running: Effect.sync(() => running),
      health,
      join: Deferred.await(done),
      stop
    } satisfies Watcher<B, E>
  })
