/**
 * The Watcher's Stream. One run of it is one watch:
 *
 *     source → transform → (defects become failures) → Stream.retry(retry policy)
 *            → Stream.repeat(repeat policy, started over after a run with an element)
 *            → dedupe → WatcherFailed
 *
 * What the watch reports (bus events, the health ref, logs) hangs on the steps of
 * that pipeline: `Stream.onStart` of each run reads the `Schedule.CurrentMetadata`
 * that `Stream.retry` / `Stream.repeat` provide (attempt and the delay waited),
 * `Schedule.modifyDelay` sees each retry decision, `Stream.onEnd` / `tapError` /
 * `onExit` see how the watch ended. The only mutable state is one `Run` per run of
 * the Stream (its counters) and the "produced an element" flag of `Stream.repeat`.
 *
 * @internal
 */
import { Cause, Clock, Duration, Effect, Equal, Option, Ref, Schedule, Stream, SubscriptionRef } from "effect"
import * as Bus from "../Bus.ts"
import type { Failed, Health, Mode, Restarted, Started, Stopped, StopReason, WatcherFailed } from "../Watcher.ts"
import { startOverWhen } from "./backoff.ts"

/** Nothing a watcher waits is shorter than this: no poll interval, no retry, no restart. */
export const minimumDelay: Duration.Duration = Duration.millis(100)

export const atLeastMinimum = (delay: Duration.Input): Duration.Duration =>
  Duration.max(Duration.fromInputUnsafe(delay), minimumDelay)

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

/** The health of a watch that has not run yet. */
export const initialHealth = <A>(): Health<A> => ({
  name: "",
  mode: Option.none(),
  running: false,
  lastValue: Option.none(),
  lastError: Option.none(),
  errorCount: 0,
  restarts: 0,
  startedAt: Option.none(),
  endedAt: Option.none()
})

const startedHealth = <A>(name: string, mode: Mode, now: number): Health<A> => ({
  ...initialHealth<A>(),
  name,
  mode: Option.some(mode),
  running: true,
  startedAt: Option.some(now)
})

export interface Events {
  readonly started: typeof Started
  readonly failed: typeof Failed
  readonly restarted: typeof Restarted
  readonly stopped: typeof Stopped
}

export interface Config<A, B, E, R> {
  readonly name: string
  readonly mode: Mode
  readonly source: Stream.Stream<A, E, R>
  readonly transform: ((value: A) => B) | undefined
  readonly dedupe: boolean
  /** After a failure, with the failure as input; `undefined`: the first failure ends the watch. */
  readonly retry: Schedule.Schedule<unknown, Cause.Cause<E>> | undefined
  /** After the source completed; `undefined`: the first completion ends the watch (and a poll never completes). */
  readonly repeat: Schedule.Schedule<unknown> | undefined
  readonly health: SubscriptionRef.SubscriptionRef<Health<B>> | undefined
  readonly events: Events
  readonly failure: (cause: Cause.Cause<E>) => WatcherFailed
}

/** What one run of a watch reports, and the counters it keeps for that. */
interface Run<B, E> {
  readonly started: Effect.Effect<void>
  /** Keeps the last value in the health ref; `undefined` when there is none (no cost). */
  readonly value: ((value: B) => Effect.Effect<void>) | undefined
  /** A retry decision: counts and reports the failure, returns the delay to wait. */
  readonly retrying: (meta: Schedule.Metadata<unknown, Cause.Cause<E>>) => Effect.Effect<Duration.Duration>
  /** At the start of a run of the source: reports a restart if the schedule waited before it. */
  readonly restarted: (after: "failure" | "completion") => Effect.Effect<void>
  /** The last failure: no retry is left. */
  readonly failed: (cause: Cause.Cause<E>) => Effect.Effect<void>
  readonly ended: (reason: StopReason) => Effect.Effect<void>
}

const makeRun = <B, E>(
  config: Pick<Config<never, B, E, never>, "name" | "mode" | "health" | "events">,
  bus: Option.Option<Bus.Bus["Service"]>
): Run<B, E> => {
  const { events, health, mode, name } = config
  let errors = 0
  let restarts = 0
  let ended = false
  const emit = <P>(event: Bus.Event<P>, payload: P) => (Option.isSome(bus) ? bus.value.emit(event, payload) : Effect.void)
  const update = (f: (health: Health<B>) => Health<B>) => (health === undefined ? Effect.void : SubscriptionRef.update(health, f))
  /** Counts and keeps a failure and publishes it; gives the count. */
  const fail = (cause: Cause.Cause<E>, retryIn: Option.Option<Duration.Duration>) =>
    Effect.suspend(() => {
      const errorCount = ++errors
      return update((h) => ({ ...h, errorCount, lastError: Option.some(cause) })).pipe(
        Effect.andThen(emit(events.failed, { watcher: name, error: errorMessage(cause), errorCount, retryIn })),
        Effect.as(errorCount)
      )
    })
  const log = (level: "Warn" | "Error", detail: string, cause: Cause.Cause<E>) =>
    Effect.logWithLevel(level)(`watcher '${name}': ${mode} failed${detail}`, cause).pipe(Effect.annotateLogs({ watcher: name }))
  const end = (reason: StopReason) =>
    Effect.suspend(() => {
      if (ended) return Effect.void
      ended = true
      return Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.andThen(update((h) => ({ ...h, running: false, endedAt: Option.some(now) })), emit(events.stopped, { watcher: name, reason })))
    })
  return {
    started: Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.andThen(
        health === undefined ? Effect.void : SubscriptionRef.set(health, startedHealth(name, mode, now)),
        emit(events.started, { watcher: name, mode })
      )),
    value: health === undefined ? undefined : (value) => update((h) => ({ ...h, lastValue: Option.some(value) })),
    retrying: (meta) => {
      const delay = atLeastMinimum(meta.duration)
      return fail(meta.input, Option.some(delay)).pipe(
        Effect.flatMap((n) => log("Warn", ` (error #${n}); retrying in ${Duration.format(delay)}`, meta.input)),
        Effect.as(delay)
      )
    },
    restarted: (after) =>
      Schedule.CurrentMetadata.use((meta) => {
        if (meta.attempt === 0) return Effect.void
        const count = ++restarts
        return Effect.andThen(
          update((h) => ({ ...h, restarts: count })),
          emit(events.restarted, { watcher: name, restarts: count, after, delay: meta.duration })
        )
      }),
    failed: (cause) =>
      fail(cause, Option.none()).pipe(Effect.andThen(log("Error", "; the watcher ends", cause)), Effect.andThen(end("failed"))),
    ended: end
  }
}

/** Runs of the source, retried per the retry policy; fails with the last failure's `Cause`. */
const attempts = <A, B, E, R>(config: Config<A, B, E, R>, run: Run<B, E>): Stream.Stream<B, Cause.Cause<E>, R> => {
  const transform = config.transform
  const values: Stream.Stream<B, E, R> = transform === undefined
    ? config.source as unknown as Stream.Stream<B, E, R>
    : Stream.map(config.source, (value) => transform(value)) // a throw is a defect: a failure below
  const failures = Stream.catchCause(values, (cause) =>
    Cause.hasInterruptsOnly(cause) ? Stream.failCause(cause as Cause.Cause<never>) : Stream.fail(cause))
  return config.retry === undefined
    ? failures
    : failures.pipe(Stream.onStart(run.restarted("failure")), Stream.retry(Schedule.modifyDelay(config.retry, run.retrying)))
}

/** `attempts` run again per `repeat` when they complete; a run with an element starts `repeat` over. */
const repeated = <A, B, E, R>(
  config: Config<A, B, E, R>,
  run: Run<B, E>,
  repeat: Schedule.Schedule<unknown>
): Stream.Stream<B, Cause.Cause<E>, R> =>
  Stream.unwrap(Effect.map(Ref.make(false), (produced) =>
    attempts(config, run).pipe(
      Stream.onFirst(() => Ref.set(produced, true)),
      Stream.onStart(run.restarted("completion")),
      Stream.repeat(startOverWhen(
        Schedule.modifyDelay(repeat, (meta) => Effect.succeed(atLeastMinimum(meta.duration))),
        Ref.getAndSet(produced, false)
      ))
    )))

export const make = <A, B, E, R>(config: Config<A, B, E, R>): Stream.Stream<B, WatcherFailed, R> =>
  Stream.unwrap(Effect.map(Effect.serviceOption(Bus.Bus), (bus) => {
    const run = makeRun<B, E>(config, bus)
    const values = config.repeat === undefined ? attempts(config, run) : repeated(config, run, config.repeat)
    const value = run.value
    return values.pipe(
      (self) => (config.dedupe ? Stream.changesWith(self, Equal.equals) : self),
      (self) => (value === undefined ? self : Stream.tap(self, value)),
      Stream.onEnd(run.ended("completed")),
      Stream.tapError(run.failed),
      Stream.mapError(config.failure),
      Stream.onStart(run.started),
      Stream.onExit(() => run.ended("stopped"))
    )
  }))
