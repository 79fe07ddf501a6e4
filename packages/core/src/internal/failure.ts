/**
 * Handling a failure without swallowing an interruption: the one rule every
 * isolating loop of the runtime follows (bus listeners, subscribers, service tasks,
 * watcher and process handlers, cache handlers, operations).
 *
 * @internal
 */
import { Cause, Effect } from "effect"

/** Runs `f` for a failure or defect of `self`; an interruption passes through. */
export const catchFailure = <A, E, R, B, E2, R2>(
  self: Effect.Effect<A, E, R>,
  f: (cause: Cause.Cause<E>) => Effect.Effect<B, E2, R2>
): Effect.Effect<A | B, E2, R | R2> =>
  Effect.catchCause(self, (cause) => (Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause as Cause.Cause<never>) : f(cause)))

/** Logs a failure or defect of `self` as `<message> failed` at `level`; an interruption passes through. */
export const logFailure = (message: string, level: "Error" | "Warn" = "Error") =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A | void, never, R> =>
  catchFailure(self, (cause) => Effect.logWithLevel(level)(`${message} failed`, cause))
