/**
 * Subscribing to a `SubscriptionRef`: one fiber in the caller's scope that runs a
 * handler for every change, in order, logging (not propagating) handler failures.
 * Shared by Service state, Store and Model.
 *
 * @internal
 */
import { Cause, Effect, type Scope, Stream, SubscriptionRef } from "effect"

export interface SubscribeOptions {
  /** Also run the handler at once with the current value. */
  readonly immediate?: boolean | undefined
}

export const subscribe = <A, X, R>(
  ref: SubscriptionRef.SubscriptionRef<A>,
  owner: string,
  handler: (value: A) => Effect.Effect<void, X, R>,
  options: SubscribeOptions | undefined,
  until?: Effect.Effect<void>
): Effect.Effect<void, never, Scope.Scope | R> => {
  // `changes` starts with the current value; without `immediate` it is skipped.
  const changes = options?.immediate === true ? SubscriptionRef.changes(ref) : Stream.drop(SubscriptionRef.changes(ref), 1)
  return forEachScoped(changes, owner, handler, until)
}

/**
 * Runs `handler` for every element of `stream` on one fiber in the caller's scope,
 * in order, logging (not propagating) handler failures; stops early when `until`
 * completes. The building block of `subscribe`, for subscriptions to derived streams.
 */
export const forEachScoped = <A, X, R>(
  stream: Stream.Stream<A>,
  owner: string,
  handler: (value: A) => Effect.Effect<void, X, R>,
  until?: Effect.Effect<void>
): Effect.Effect<void, never, Scope.Scope | R> => {
  const run = Stream.runForEach(stream, (value) =>
    Effect.catchCause(handler(value), (cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.failCause(cause as Cause.Cause<never>)
        : Effect.logError(`${owner}: subscriber failed`, cause)))
  return Effect.asVoid(
    Effect.forkScoped(until === undefined ? run : Effect.raceFirst(run, until), { startImmediately: true })
  )
}
