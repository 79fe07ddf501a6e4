/**
 * The capped exponential backoff shared by Watcher (retries) and ManagedProcess
 * (restarts): `base`, then ×`factor` per attempt, never more than `max`.
 *
 * @internal
 */
import { type Duration, Schedule } from "effect"

export const backoff = (options?: {
  readonly base?: Duration.Input | undefined
  readonly max?: Duration.Input | undefined
  readonly factor?: number | undefined
}): Schedule.Schedule<Duration.Duration> =>
  Schedule.min([
    Schedule.exponential(options?.base ?? "1 second", options?.factor ?? 2),
    Schedule.spaced(options?.max ?? "30 seconds")
  ])
