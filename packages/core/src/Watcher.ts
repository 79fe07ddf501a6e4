/**
 * A Watcher observes something — an effect polled on an interval, a `Stream`, a
 * file or directory — and hands every value to its subscribers and to a `Stream`.
 * It retries a failing source with a capped exponential backoff that starts over
 * after each success, restarts a source that completes after a delay (never in a
 * hot loop), and stops the moment its owning `Scope` closes or `stop` runs, even
 * from inside one of its own subscribers.
 *
 * Original: `Watcher(name, poll, stream, interval, retry, max_backoff, dedupe,
 * transform)` with `start`, `stop`, `subscribe`, `last_value` and `health`.
 *
 * ```ts
 * const LoadAverage = Service.layer(Monitor, (self) =>
 *   Effect.gen(function*() {
 *     const load = yield* self.adopt(Watcher.poll("load", Effect.sync(() => os.loadavg()[0]), {
 *       interval: "2 seconds",
 *       transform: (load) => Math.round(load * 100) / 100,
 *       dedupe: true
 *     }))
 *     yield* load.subscribe((value) => self.setState({ load: value }))
 *   }))
 * ```
 *
 * @since 0.1.0
 */
import { Cause, Data, type Duration, Effect, FileSystem, Option, type PlatformError, Schedule, type Scope, Stream } from "effect"
import * as Bus from "./Bus.ts"
import { type FileChanges, fileChanges } from "./FileChanges.ts"
import * as internal from "./internal/watcher.ts"

export { type FileChanges, fileChanges } from "./FileChanges.ts"

/**
 * Where the values come from: an effect run on an interval, a stream, or file events.
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = "poll" | "stream" | "files"

/**
 * Why a watcher ended: `stop` (or its scope closed), its source failed with no retry
 * left, or its source completed with no restart left.
 *
 * @since 0.1.0
 * @category models
 */
export type StopReason = "stopped" | "failed" | "completed"

/**
 * Options every watcher takes.
 *
 * - `transform`: maps each value before dedupe and delivery (default: none). A throw
 *   counts as a failure of the source. Original: `transform`.
 * - `dedupe`: skip a value structurally equal (`Equal.equals`, after `transform`) to
 *   the last delivered one (default `false`). Original: `dedupe`.
 * - `retry`: what to do after a failure. `true` (default) waits `backoff({ max:
 *   maxBackoff })` — 1 s, 2 s, 4 s … capped at `maxBackoff` — and starts over after
 *   a value arrives; a `Schedule` replaces that policy (the watcher ends when it
 *   ends); `false` ends the watcher on the first failure. Original: `retry`.
 * - `maxBackoff`: the cap of the default retry policy (default 30 s). Original: `max_backoff`.
 * - `capacity`: values held per subscriber before the oldest is dropped (default 1024).
 * - `publishValues`: also publish every delivered value as a `Value` bus event (default `false`).
 *
 * No delay a watcher waits is shorter than 100 ms, whatever the schedules say.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<A, B = A> {
  readonly transform?: ((value: A) => B) | undefined
  readonly dedupe?: boolean | undefined
  readonly retry?: boolean | Schedule.Schedule<unknown, unknown> | undefined
  readonly maxBackoff?: Duration.Input | undefined
  readonly capacity?: number | undefined
  readonly publishValues?: boolean | undefined
}

/**
 * Options of `poll`: `interval` between the end of one poll and the start of the
 * next (default 5 s, at least 100 ms). Original: `interval`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PollOptions<A, B = A> extends Options<A, B> {
  readonly interval?: Duration.Input | undefined
}

/**
 * Options of `stream` and `files`: `repeat` is what happens when the source
 * completes. `true` (default) runs it again after the same backoff as `retry`
 * (1 s, 2 s … capped at `maxBackoff`, starting over after a value); a `Schedule`
 * gives the delays (the watcher ends when it ends); `false` ends the watcher.
 * Original: a completed iterable was restarted at once, a hot loop (weakness 25).
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamOptions<A, B = A> extends Options<A, B> {
  readonly repeat?: boolean | Schedule.Schedule<unknown, unknown> | undefined
}

/**
 * Options of `files`: `debounce`, the quiet time that closes a batch of events
 * (default 100 ms), and `recursive`, to watch subdirectories too (default `false`).
 *
 * @since 0.1.0
 * @category models
 */
export interface FilesOptions<B = FileChanges> extends StreamOptions<FileChanges, B> {
  readonly debounce?: Duration.Input | undefined
  readonly recursive?: boolean | undefined
}

/**
 * Options of `Watcher.subscribe`. Original: `subscribe(fn)` had none.
 *
 * @since 0.1.0
 * @category models
 */
export interface SubscribeOptions {
  /** Also run the handler at once with the last delivered value, if there is one. */
  readonly immediate?: boolean | undefined
}

/**
 * A snapshot of a watcher. `lastValue` is the last delivered value (`None` before
 * the first), `lastError` the last failure of the source, `errorCount` how many
 * failures there were, `restarts` how often the source was run again after a
 * failure (or, for `stream` and `files`, after completing), `subscribers` the live
 * subscriptions and `values` streams, `fibers` the fibers the watcher runs (its loop
 * and its subscribers), and `uptimeMs` the time since it started, frozen when it
 * ends. Original: `health()` and `last_value`, whose uptime kept growing after stop.
 *
 * @since 0.1.0
 * @category models
 */
export interface Health<A, E = unknown> {
  readonly name: string
  readonly mode: Mode
  readonly running: boolean
  readonly lastValue: Option.Option<A>
  readonly lastError: Option.Option<Cause.Cause<E>>
  readonly errorCount: number
  readonly restarts: number
  readonly subscribers: number
  readonly fibers: number
  readonly uptimeMs: number
}

/**
 * A running watcher of values of type `A` whose source fails with `E`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Watcher<A, E = never> {
  readonly name: string
  readonly mode: Mode
  /**
   * The last delivered value (if any), then every value delivered from now on;
   * ends when the watcher ends. Each run of the stream is one more subscriber.
   */
  readonly values: Stream.Stream<A>
  /**
   * Runs `handler` for every value delivered from now until the calling scope
   * closes or the watcher ends, on a fiber of its own, in order. A failing handler
   * is logged and keeps its subscription; it never counts as a watcher error.
   * Original: `subscribe(fn)`; the returned unsubscribe is the scope.
   */
  readonly subscribe: <X, R>(
    handler: (value: A) => Effect.Effect<void, X, R>,
    options?: SubscribeOptions
  ) => Effect.Effect<void, never, Scope.Scope | R>
  /** The last delivered value. Original: `last_value` (null before the first). */
  readonly latest: Effect.Effect<Option.Option<A>>
  readonly running: Effect.Effect<boolean>
  readonly health: Effect.Effect<Health<A, E>>
  /**
   * Waits until the watcher ends: succeeds when it was stopped or its source
   * completed for good, fails with `WatcherFailed` when its source failed for good.
   */
  readonly join: Effect.Effect<void, WatcherFailed>
  /**
   * Stops the watcher now: interrupts an in-flight poll or wait and the other
   * subscribers, and ends `values`. Idempotent. From inside a subscriber it returns
   * at once and the rest of that handler still runs. Original: `stop()`, which
   * waited up to 5 s and, from a subscriber, cancelled its caller (weakness 27).
   */
  readonly stop: Effect.Effect<void>
}

/**
 * The watcher's source failed and no retry was left (`retry: false`, or a retry
 * schedule that ended). `cause` is the last failure.
 *
 * @since 0.1.0
 * @category errors
 */
export class WatcherFailed extends Data.TaggedError("WatcherFailed")<{
  readonly watcher: string
  readonly cause: Cause.Cause<unknown>
}> {
  override get message(): string {
    return `watcher '${this.watcher}' failed: ${internal.errorMessage(this.cause)}`
  }
}

/**
 * An async iterable (or Node `Readable`) given to `stream` threw.
 *
 * @since 0.1.0
 * @category errors
 */
export class SourceError extends Data.TaggedError("SourceError")<{
  readonly watcher: string
  readonly cause: unknown
}> {
  override get message(): string {
    return `watcher '${this.watcher}': the source threw: ${internal.errorMessage(Cause.fail(this.cause))}`
  }
}

/**
 * Published when a watcher starts.
 *
 * @since 0.1.0
 * @category events
 */
export const Started = Bus.event<{ readonly watcher: string; readonly mode: Mode }>("watcher:started")

/**
 * Published for every delivered value, when the watcher has `publishValues: true`.
 *
 * @since 0.1.0
 * @category events
 */
export const Value = Bus.event<{ readonly watcher: string; readonly value: unknown }>("watcher:value")

/**
 * Published on every failure of the source: the error's message, the error count so
 * far, and the delay before the retry (`None` when the watcher ends instead).
 *
 * @since 0.1.0
 * @category events
 */
export const Failed = Bus.event<{
  readonly watcher: string
  readonly error: string
  readonly errorCount: number
  readonly retryIn: Option.Option<Duration.Duration>
}>("watcher:failed")

/**
 * Published when the source runs again, after a failure or a completion, with the
 * restart count and the delay that was waited.
 *
 * @since 0.1.0
 * @category events
 */
export const Restarted = Bus.event<{
  readonly watcher: string
  readonly restarts: number
  readonly after: "failure" | "completion"
  readonly delay: Duration.Duration
}>("watcher:restarted")

/**
 * Published once when a watcher ends, with the reason.
 *
 * @since 0.1.0
 * @category events
 */
export const Stopped = Bus.event<{ readonly watcher: string; readonly reason: StopReason }>("watcher:stopped")

/**
 * The default retry policy: `base` (default 1 s), then ×`factor` (default 2) per
 * attempt, never more than `max` (default 30 s): 1 s, 2 s, 4 s … 30 s, 30 s.
 * Original: the fixed backoff 1, 2, 4 … `max_backoff` seconds.
 *
 * @since 0.1.0
 * @category schedules
 */
export const backoff: (options?: {
  readonly base?: Duration.Input | undefined
  readonly max?: Duration.Input | undefined
  readonly factor?: number | undefined
}) => Schedule.Schedule<Duration.Duration> = internal.backoff

const policy = (
  option: boolean | Schedule.Schedule<unknown, unknown> | undefined,
  maxBackoff: Duration.Input | undefined
): Schedule.Schedule<unknown, unknown> | undefined =>
  option === false ? undefined : option === undefined || option === true ? backoff({ max: maxBackoff }) : option

const make = <A, B, E, R>(
  name: string,
  mode: Mode,
  attempt: (emit: (value: A) => Effect.Effect<void>) => Effect.Effect<void, E, R>,
  options: Options<A, B> | undefined,
  repeat: Schedule.Schedule<unknown, unknown> | undefined
): Effect.Effect<Watcher<B, E>, never, Scope.Scope | R> =>
  Effect.flatMap(Effect.serviceOption(Bus.Bus), (bus) => {
    const emit = <P>(event: Bus.Event<P>, payload: P) => Option.isSome(bus) ? bus.value.emit(event, payload) : Effect.void
    return internal.make<A, B, E, R>(
      {
        name,
        mode,
        attempt,
        transform: options?.transform,
        dedupe: options?.dedupe === true,
        retry: policy(options?.retry, options?.maxBackoff),
        repeat,
        completionIsRestart: mode !== "poll",
        capacity: options?.capacity ?? 1024
      },
      {
        started: emit(Started, { watcher: name, mode }),
        value: options?.publishValues === true ? (value) => emit(Value, { watcher: name, value }) : undefined,
        failed: (cause, errorCount, retryIn) =>
          emit(Failed, { watcher: name, error: internal.errorMessage(cause), errorCount, retryIn }),
        restarted: (restarts, after, delay) => emit(Restarted, { watcher: name, restarts, after, delay }),
        stopped: (reason) => emit(Stopped, { watcher: name, reason })
      },
      (cause) => new WatcherFailed({ watcher: name, cause })
    )
  })

/**
 * Watches `effect` by running it at once and then `interval` after each run ends,
 * until the calling scope closes. Returns the running watcher.
 *
 * A failure (or defect) of `effect` is counted, logged and retried per `retry`; a
 * value resets the backoff (the original never reset it, weakness 26).
 * Original: `Watcher(name, poll=fn, interval, …)` + `start()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const poll = <A, E = never, R = never, B = A>(
  name: string,
  effect: Effect.Effect<A, E, R>,
  options?: PollOptions<A, B>
): Effect.Effect<Watcher<B, E>, never, Scope.Scope | R> =>
  make<A, B, E, R>(
    name,
    "poll",
    (emit) => Effect.flatMap(effect, emit),
    options,
    Schedule.spaced(options?.interval ?? "5 seconds")
  )

/**
 * Watches a source of values: an Effect `Stream`, or a function returning an async
 * iterable (a generator, a Node `Readable` …), called again for every run. Every
 * element is delivered in order; when the source completes it runs again per
 * `repeat`, when it fails per `retry`. Returns the running watcher.
 * An iterable that throws fails with `SourceError`.
 * Original: `Watcher(name, stream=fn, …)` + `start()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const stream = <A, E = never, R = never, B = A>(
  name: string,
  source: Stream.Stream<A, E, R> | (() => AsyncIterable<A>),
  options?: StreamOptions<A, B>
): Effect.Effect<Watcher<B, E | SourceError>, never, Scope.Scope | R> => {
  const run: Stream.Stream<A, E | SourceError, R> = Stream.isStream(source)
    ? source
    : Stream.suspend(() => Stream.fromAsyncIterable(source(), (cause) => new SourceError({ watcher: name, cause })))
  return make<A, B, E | SourceError, R>(
    name,
    "stream",
    (emit) => Stream.runForEach(run, emit),
    options,
    policy(options?.repeat, options?.maxBackoff)
  )
}

/**
 * Watches a file or directory through Effect's `FileSystem` (`watch`), delivering
 * the events of each debounce window as one `FileChanges` batch (or what
 * `transform` makes of it). A path that does not exist yet is retried per `retry`.
 * Requires `FileSystem` (from `NodeServices.layer`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const files = <B = FileChanges>(
  name: string,
  path: string,
  options?: FilesOptions<B>
): Effect.Effect<Watcher<B, PlatformError.PlatformError>, never, Scope.Scope | FileSystem.FileSystem> =>
  make<FileChanges, B, PlatformError.PlatformError, FileSystem.FileSystem>(
    name,
    "files",
    (emit) => Stream.runForEach(fileChanges(path, options), emit),
    options,
    policy(options?.repeat, options?.maxBackoff)
  )
