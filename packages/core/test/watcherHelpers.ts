/**
 * Helpers shared by the Watcher tests.
 */
import { Clock, Context, Duration, Effect, Fiber, Layer, Logger, Option, Stream } from "effect"
import * as Bus from "../src/Bus.ts"
import * as Watcher from "../src/Watcher.ts"

/** Lets forked fibers run, without moving the clock. */
export const settle = Effect.forEach(Array.from({ length: 25 }), () => Effect.yieldNow, { discard: true })

/** What the watcher logged, level and message, oldest first. */
export class Logs extends Context.Service<Logs, Array<{ readonly level: string; readonly message: string }>>()(
  "test/WatcherLogs"
) {}

/** A fresh `Bus`, and a logger that records into `Logs` instead of printing. */
export const TestLayer: Layer.Layer<Bus.Bus | Logs> = Layer.merge(
  Bus.layer,
  Layer.unwrap(Effect.sync(() => {
    const entries: Array<{ readonly level: string; readonly message: string }> = []
    const logger = Logger.make<unknown, void>((options) => {
      const parts = Array.isArray(options.message) ? options.message : [options.message]
      entries.push({ level: options.logLevel, message: parts.map(String).join(" ") })
    })
    return Layer.merge(Layer.succeed(Logs, entries), Logger.layer([logger]))
  }))
)

/**
 * Runs `stream` on a fiber of the calling scope (started at once) and returns the
 * array its values land in, and the fiber.
 */
export const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.gen(function*() {
    const values: Array<A> = []
    const fiber = yield* Stream.runForEach(stream, (value) => Effect.sync(() => void values.push(value))).pipe(
      Effect.forkScoped({ startImmediately: true })
    )
    return { values, fiber } as const
  })

/** Whether the fiber has ended (without waiting for it). */
export const isDone = (fiber: Fiber.Fiber<unknown, unknown>) => Effect.sync(() => fiber.pollUnsafe() !== undefined)

/** A poll that plays `steps` in order (the last one forever); an `Error` step fails. */
export const script = <A>(steps: ReadonlyArray<A | Error>) => {
  let i = 0
  return Effect.suspend(() => {
    const step = steps[Math.min(i++, steps.length - 1)]!
    return step instanceof Error ? Effect.fail(step) : Effect.succeed(step)
  })
}

/** A poll that records the clock time of every attempt and always fails. */
export const failingPoll = () => {
  const attempts: Array<number> = []
  const poll = Effect.flatMap(Clock.currentTimeMillis, (now) => {
    attempts.push(now)
    return Effect.fail(new Error("down"))
  })
  return { attempts, poll }
}

/** Every watcher bus event, as one line of text each, oldest first. */
export const recordEvents = Effect.gen(function*() {
  const seen: Array<string> = []
  const ms = (delay: Duration.Duration) => Duration.toMillis(delay)
  yield* Bus.on(Watcher.Started, (e) => void seen.push(`started ${e.watcher} ${e.mode}`))
  yield* Bus.on(Watcher.Failed, (e) =>
    void seen.push(`failed ${e.error} #${e.errorCount} retry ${Option.match(e.retryIn, { onNone: () => "none", onSome: ms })}`))
  yield* Bus.on(Watcher.Restarted, (e) => void seen.push(`restarted ${e.restarts} after ${e.after} ${ms(e.delay)}`))
  yield* Bus.on(Watcher.Stopped, (e) => void seen.push(`stopped ${e.reason}`))
  return seen
})

/**
 * Lets the event loop turn (async iterables settle on real promise ticks, which the
 * TestClock does not drive) until `done()` holds; gives up after `turns` turns.
 */
export const untilTrue = (done: () => boolean, turns = 1_000): Effect.Effect<void> =>
  Effect.suspend(() =>
    done() || turns <= 0
      ? Effect.void
      : Effect.andThen(Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve))), untilTrue(done, turns - 1)))
