/**
 * Listening to a Stream of states: one fiber in the caller's scope that runs a
 * handler for every element, in order, logging (not propagating) handler failures.
 * Shared by Store and Model.
 *
 * @internal
 */
import { Effect, type Scope, Stream } from "effect"
import { catchFailure } from "./failure.ts"
import { forkCounted } from "./service.ts"

export interface ListenOptions {
  /** Also run the handler at once with the current value. */
  readonly immediate?: boolean | undefined
}

/**
 * Runs `handler` for every element of `stream` on one fiber in the caller's scope,
 * in order, logging (not propagating) handler failures; stops early when `until`
 * completes.
 */
export const forEachScoped = <A, X, R>(
  stream: Stream.Stream<A>,
  owner: string,
  handler: (value: A) => Effect.Effect<void, X, R>,
  until?: Effect.Effect<void>,
  skip = 0
): Effect.Effect<void, never, Scope.Scope | R> => {
  let toSkip = skip
  // Values arrive in arrays; one failure catch per array, resuming after the value
  // that failed, instead of one per value.
  const run = Stream.runForEachArray(stream, (values) => {
    let i = Math.min(toSkip, values.length)
    toSkip -= i
    const from = (): Effect.Effect<void, never, R> =>
      catchFailure(
        Effect.whileLoop({ while: () => i < values.length, body: () => handler(values[i++]!), step: () => {} }),
        (cause) => Effect.andThen(Effect.logError(`${owner}: subscriber failed`, cause), Effect.suspend(from))
      )
    return from()
  })
  return Effect.asVoid(
    forkCounted("listeners", { startImmediately: true })(until === undefined ? run : Effect.raceFirst(run, until))
  )
}
