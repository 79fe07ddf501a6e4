/**
 * The capped exponential backoff shared by Watcher (retries, restarts) and
 * ManagedProcess (restarts), and the combinator that lets `Stream.repeat` start a
 * schedule over (`Stream.retry` does that by itself after each element;
 * `Stream.repeat` keeps one schedule for the whole stream).
 *
 * @internal
 */
import { type Duration, Effect, Schedule } from "effect"

/** `base`, then ×`factor` per attempt, never more than `max`: 1 s, 2 s, 4 s … 30 s by default. */
export const backoff = (options?: {
  readonly base?: Duration.Input | undefined
  readonly max?: Duration.Input | undefined
  readonly factor?: number | undefined
}): Schedule.Schedule<Duration.Duration> =>
  Schedule.min([
    Schedule.exponential(options?.base ?? "1 second", options?.factor ?? 2),
    Schedule.spaced(options?.max ?? "30 seconds")
  ])

/**
 * `schedule`, started over (its next delay is its first again) at each step where
 * `startOver` yields `true`. For `Stream.repeat`, with a `startOver` that says
 * whether the run that just completed produced an element.
 */
export const startOverWhen = <Output, Input, Error, Env, Env2>(
  schedule: Schedule.Schedule<Output, Input, Error, Env>,
  startOver: Effect.Effect<boolean, never, Env2>
): Schedule.Schedule<Output, Input, Error, Env | Env2> =>
  Schedule.fromStep(Effect.map(Schedule.toStep(schedule), (first) => {
    let step = first
    return (now: number, input: Input) =>
      Effect.flatMap(startOver, (fresh) =>
        fresh
          ? Effect.flatMap(Schedule.toStep(schedule), (next) => {
            step = next
            return next(now, input)
          })
          : step(now, input))
  }))
