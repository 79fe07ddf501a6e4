/**
 * Helpers shared by the Watcher tests.
 */
import type { Watcher } from "@specter/core"
import { Clock, Effect } from "effect"

/** Lets forked fibers run, without moving the clock. */
export const settle = Effect.forEach(Array.from({ length: 25 }), () => Effect.yieldNow, { discard: true })

/** Subscribes in the calling scope and returns the array the values land in. */
export const collect = <A, E>(watcher: Watcher.Watcher<A, E>) =>
  Effect.gen(function*() {
    const got: Array<A> = []
    yield* watcher.subscribe((value) => Effect.sync(() => void got.push(value)))
    return got
  })

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

/**
 * Lets the event loop turn (async iterables settle on real promise ticks, which the
 * TestClock does not drive) until `done()` holds; gives up after `turns` turns.
 */
export const untilTrue = (done: () => boolean, turns = 1_000): Effect.Effect<void> =>
  Effect.suspend(() =>
    done() || turns <= 0
      ? Effect.void
      : Effect.andThen(Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve))), untilTrue(done, turns - 1)))
