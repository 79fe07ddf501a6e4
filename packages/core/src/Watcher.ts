/**
 * A Watcher observes something (an effect polled on an interval, a `Stream` or
 * async iterable, a file or directory) as a `Stream` of its values. Nothing runs
 * until the Stream runs, and each run is its own watch: stopping it is ending the
 * consumer (interrupting it, closing its scope, `Stream.take` …). A failing source
 * is retried with a capped exponential backoff that starts over after each value;
 * a source that completes runs again after a delay, never in a hot loop.
 *
 * Several consumers share one watch through `Stream.share` (or `Stream.broadcast`);
 * `latest` keeps the last value in a `SubscriptionRef`. Bus events are published
 * when a `Bus` is in context, and a `health` ref is kept up to date when one is given.
 *
 * Original: `Watcher(name, poll, stream, interval, retry, max_backoff, dedupe,
 * transform)`, a handle with `start`, `stop`, `subscribe`, `last_value`, `health`.
 *
 * ```ts
 * const load = Watcher.poll(Effect.sync(() => os.loadavg()[0]), {
 *   name: "load",
 *   interval: "2 seconds",
 *   transform: (load) => Math.round(load * 100) / 100,
 *   dedupe: true
 * })
 * yield* Stream.runForEach(load, (value) => Effect.log(`load ${value}`)).pipe(Effect.forkScoped)
 *
 * // one poll, two consumers: share it in the scope that owns it
 * const shared = yield* Stream.share(load, { capacity: 16, replay: 1 })
 * const current = yield* Watcher.latest(shared) // SubscriptionRef<Option<number>>
 * ```
 *
 * @since 0.1.0
 */
import {
  Cause,
  Clock,
  Data,
  Duration,
  Effect,
  type FileSystem,
  Option,
  type PlatformError,
  Schedule,
  type Scope,
  Stream,
  SubscriptionRef
} from "effect"
import * as Bus from "./Bus.ts"
import { type FileChanges, fileChanges } from "./FileChanges.ts"
import { backoff as makeBackoff } from "./internal/backoff.ts"
import { catchFailure } from "./internal/failure.ts"
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
 * Why a watch ended: its consumer stopped (interrupted, scope closed, `Stream.take`
 * had enough), its source failed with no retry left, or its source completed with
 * no restart left.
 *
 * @since 0.1.0
 * @category models
 */
export type StopReason = "stopped" | "failed" | "completed"

/**
 * Options every watcher takes.
 *
 * - `name`: labels logs, bus events and health (default `"watcher"`).
 * - `transform`: maps each value before dedupe (default: none). A throw counts as
 *   a failure of the source, and is retried.
 * - `dedupe`: skips a value equal (`Equal.equals`, after `transform`) to the last
 *   one emitted, also across restarts (default `false`).
 * - `retry`: what follows a failure (or defect) of the source. `true` (default)
 *   waits `backoff({ max: maxBackoff })`: 1 s, 2 s, 4 s … capped at `maxBackoff`,
 *   starting over after each value. A `Schedule` (its input is the failure's
 *   `Cause`) replaces that policy; `false` fails the Stream on the first failure.
 *   When no retry is left the Stream fails with `WatcherFailed`.
 * - `maxBackoff`: the cap of the default policies (default 30 s).
 * - `health`: a ref from `Watcher.health()` to keep up to date while the Stream runs.
 *
 * No delay a watcher waits (interval, retry, restart) is shorter than 100 ms.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<A, B, E> {
  readonly name?: string | undefined
  readonly transform?: ((value: A) => B) | undefined
  readonly dedupe?: boolean | undefined
  readonly retry?: boolean | Schedule.Schedule<unknown, Cause.Cause<E>> | undefined
  readonly maxBackoff?: Duration.Input | undefined
  readonly health?: SubscriptionRef.SubscriptionRef<Health<B>> | undefined
}

/**
 * Options of `poll`: `interval`, the time between the end of one poll and the start
 * of the next (default 5 s, at least 100 ms).
 *
 * @since 0.1.0
 * @category models
 */
export interface PollOptions<A, B, E> extends Options<A, B, E> {
  readonly interval?: Duration.Input | undefined
}

/**
 * Options of `stream` and `files`: `repeat`, what follows a completion of the
 * source. `true` (default) runs it again after the same backoff as `retry` (1 s,
 * 2 s … capped at `maxBackoff`), starting over after a run that had a value; a
 * `Schedule` gives the delays (the Stream ends when it ends); `false` ends the
 * Stream when the source completes.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamOptions<A, B, E> extends Options<A, B, E> {
  readonly repeat?: boolean | Schedule.Schedule<unknown> | undefined
}

/**
 * Options of `files`: `debounce`, the quiet time that closes a batch of events
 * (default 100 ms), and `recursive`, to watch subdirectories too (default `false`).
 *
 * @since 0.1.0
 * @category models
 */
export interface FilesOptions<B> extends StreamOptions<FileChanges, B, PlatformError.PlatformError> {
  readonly debounce?: Duration.Input | undefined
  readonly recursive?: boolean | undefined
}

/**
 * The state of the last watch run with this ref (a new run starts it over).
 * `mode` and `startedAt` are `None` before the first run; `lastValue` is the last
 * value emitted; `lastError` the last failure of the source and `errorCount` how
 * many there were; `restarts` how often the source ran again after a failure or a
 * completion; `startedAt` / `endedAt` are times in ms on the `Clock` (see `uptime`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Health<A> {
  readonly name: string
  readonly mode: Option.Option<Mode>
  readonly running: boolean
  readonly lastValue: Option.Option<A>
  readonly lastError: Option.Option<Cause.Cause<unknown>>
  readonly errorCount: number
  readonly restarts: number
  readonly startedAt: Option.Option<number>
  readonly endedAt: Option.Option<number>
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
 * The async iterable given to `stream` threw (or rejected).
 *
 * @since 0.1.0
 * @category errors
 */
export class SourceError extends Data.TaggedError("SourceError")<{
  readonly watcher: string
  readonly cause: unknown
}> {
  override get message(): string {
    return `the async iterable threw: ${internal.errorMessage(Cause.fail(this.cause))}`
  }
}

/**
 * Published when a watch starts (each run of a watcher's Stream), when a `Bus` is
 * in context.
 *
 * @since 0.1.0
 * @category events
 */
export const Started = Bus.event<{ readonly watcher: string; readonly mode: Mode }>("watcher:started")

/**
 * Published on every failure of the source: the error's message, the failures so
 * far in this watch, and the delay before the retry (`None` when the watch ends
 * instead).
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
 * restarts so far in this watch and the delay that was waited.
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
 * Published once when a watch ends, with the reason.
 *
 * @since 0.1.0
 * @category events
 */
export const Stopped = Bus.event<{ readonly watcher: string; readonly reason: StopReason }>("watcher:stopped")

/**
 * The default retry and restart policy: `base` (default 1 s), then ×`factor`
 * (default 2) per attempt, never more than `max` (default 30 s): 1 s, 2 s, 4 s …
 * 30 s, 30 s. Give it as `retry` or `repeat` to change the numbers.
 *
 * ```ts
 * Watcher.poll(readSensor, { retry: Watcher.backoff({ base: "100 millis", max: "5 seconds" }) })
 * ```
 *
 * @since 0.1.0
 * @category schedules
 */
export const backoff: (options?: {
  readonly base?: Duration.Input | undefined
  readonly max?: Duration.Input | undefined
  readonly factor?: number | undefined
}) => Schedule.Schedule<Duration.Duration> = makeBackoff

/** The schedule an option asks for; `undefined` for `false` (no retry, no restart). */
const policy = <In>(
  option: boolean | Schedule.Schedule<unknown, In> | undefined,
  maxBackoff: Duration.Input | undefined
): Schedule.Schedule<unknown, In> | undefined =>
  option === false ? undefined : option === undefined || option === true ? makeBackoff({ max: maxBackoff }) : option

const make = <A, B, E, R>(
  mode: Mode,
  source: (name: string) => Stream.Stream<A, E, R>,
  options: StreamOptions<A, B, E> | undefined,
  repeat: boolean
): Stream.Stream<B, WatcherFailed, R> => {
  const name = options?.name ?? "watcher"
  return internal.make<A, B, E, R>({
    name,
    mode,
    source: source(name),
    transform: options?.transform,
    dedupe: options?.dedupe === true,
    retry: policy(options?.retry, options?.maxBackoff),
    repeat: repeat ? policy(options?.repeat, options?.maxBackoff) : undefined, // a poll never completes
    health: options?.health,
    events: { started: Started, failed: Failed, restarted: Restarted, stopped: Stopped },
    failure: (cause) => new WatcherFailed({ watcher: name, cause })
  })
}

/**
 * Watches `effect`: runs it at once, then `interval` after each run ends, and
 * emits each result (through `transform` and `dedupe`). A failure or defect is
 * retried per `retry`, and the poll after a retry runs at once; the Stream fails
 * with `WatcherFailed` when no retry is left.
 *
 * ```ts
 * const readings = Watcher.poll(readSensor, { name: "sensor", interval: "1 second", dedupe: true })
 * const firstThree = yield* readings.pipe(Stream.take(3), Stream.runCollect)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const poll: {
  <A, B, E = never, R = never>(
    effect: Effect.Effect<A, E, R>,
    options: PollOptions<A, B, E> & { readonly transform: (value: A) => B }
  ): Stream.Stream<B, WatcherFailed, R>
  <A, E = never, R = never>(effect: Effect.Effect<A, E, R>, options?: PollOptions<A, A, E>): Stream.Stream<A, WatcherFailed, R>
} = <A, B, E, R>(effect: Effect.Effect<A, E, R>, options?: PollOptions<A, B, E>): Stream.Stream<B, WatcherFailed, R> =>
  make<A, B, E, R>(
    "poll",
    () => Stream.fromEffectSchedule(effect, Schedule.spaced(internal.atLeastMinimum(options?.interval ?? "5 seconds"))),
    options,
    false
  )

/**
 * Watches a source of values: a `Stream`, or a function returning an async
 * iterable (a generator, a Node `Readable` …), called again for every run. Emits
 * every element in order; when the source completes it runs again per `repeat`,
 * when it fails per `retry`. An async iterable that throws is a failure with a
 * `SourceError`. The Stream fails with `WatcherFailed` when no retry is left.
 *
 * ```ts
 * const lines = Watcher.stream(() => readline.createInterface({ input: socket }), { name: "feed" })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const stream: {
  <A, B, E = never, R = never>(
    source: Stream.Stream<A, E, R> | (() => AsyncIterable<A>),
    options: StreamOptions<A, B, E | SourceError> & { readonly transform: (value: A) => B }
  ): Stream.Stream<B, WatcherFailed, R>
  <A, E = never, R = never>(
    source: Stream.Stream<A, E, R> | (() => AsyncIterable<A>),
    options?: StreamOptions<A, A, E | SourceError>
  ): Stream.Stream<A, WatcherFailed, R>
} = <A, B, E, R>(
  source: Stream.Stream<A, E, R> | (() => AsyncIterable<A>),
  options?: StreamOptions<A, B, E | SourceError>
): Stream.Stream<B, WatcherFailed, R> =>
  make<A, B, E | SourceError, R>(
    "stream",
    (name) =>
      Stream.isStream(source)
        ? source
        : Stream.suspend(() => Stream.fromAsyncIterable(source(), (cause) => new SourceError({ watcher: name, cause }))),
    options,
    true
  )

/**
 * Watches a file or directory through Effect's `FileSystem.watch`, emitting the
 * events of each debounce window as one `FileChanges` batch (or what `transform`
 * makes of it). A path that does not exist (yet) is a failure, retried per `retry`;
 * the Stream fails with `WatcherFailed` when no retry is left. Requires
 * `FileSystem` (`NodeServices.layer`).
 *
 * ```ts
 * yield* Watcher.files("./config", { debounce: "200 millis" }).pipe(
 *   Stream.runForEach(() => reloadConfig), Effect.forkScoped)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const files: {
  <B>(
    path: string,
    options: FilesOptions<B> & { readonly transform: (value: FileChanges) => B }
  ): Stream.Stream<B, WatcherFailed, FileSystem.FileSystem>
  (path: string, options?: FilesOptions<FileChanges>): Stream.Stream<FileChanges, WatcherFailed, FileSystem.FileSystem>
} = <B>(path: string, options?: FilesOptions<B>): Stream.Stream<B, WatcherFailed, FileSystem.FileSystem> =>
  make<FileChanges, B, PlatformError.PlatformError, FileSystem.FileSystem>("files", () => fileChanges(path, options), options, true)

/**
 * Makes a ref to give as the `health` option of a watcher; it starts with a watch
 * that has not run. Read it with `SubscriptionRef.get`, follow it with
 * `SubscriptionRef.changes`. Use one ref per watch.
 *
 * ```ts
 * const health = yield* Watcher.health<number>()
 * yield* Stream.runDrain(Watcher.poll(readLoad, { health })).pipe(Effect.forkScoped)
 * const { errorCount, restarts } = yield* SubscriptionRef.get(health)
 * ```
 *
 * @since 0.1.0
 * @category health
 */
export const health = <A>(): Effect.Effect<SubscriptionRef.SubscriptionRef<Health<A>>> =>
  SubscriptionRef.make(internal.initialHealth<A>())

/**
 * How long the watch of `health` has run: until now on the `Clock`, or until it
 * ended (frozen then); zero before it started.
 *
 * @since 0.1.0
 * @category health
 */
export const uptime = (health: Health<unknown>): Effect.Effect<Duration.Duration> =>
  Effect.map(Clock.currentTimeMillis, (now) =>
    Option.match(health.startedAt, {
      onNone: () => Duration.zero,
      onSome: (startedAt) => Duration.millis(Option.getOrElse(health.endedAt, () => now) - startedAt)
    }))

/**
 * Runs `stream` on a fiber of the calling scope and keeps its last value in the
 * returned ref (`None` before the first). `SubscriptionRef.changes(ref)` is the
 * current value, then every change. A failure of the stream is logged (the ref
 * keeps its last value); closing the scope stops the stream.
 *
 * ```ts
 * const load = yield* Watcher.latest(Watcher.poll(readLoad, { interval: "2 seconds" }))
 * const now = yield* SubscriptionRef.get(load) // Option<number>
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const latest = <A, E, R>(
  stream: Stream.Stream<A, E, R>
): Effect.Effect<SubscriptionRef.SubscriptionRef<Option.Option<A>>, never, Scope.Scope | R> =>
  Effect.gen(function*() {
    const ref = yield* SubscriptionRef.make(Option.none<A>())
    yield* Stream.runForEach(stream, (value) => SubscriptionRef.set(ref, Option.some(value))).pipe(
      (run) => catchFailure(run, (cause) => Effect.logError("Watcher.latest: the stream failed", cause)),
      Effect.forkScoped({ startImmediately: true })
    )
    return ref
  })
