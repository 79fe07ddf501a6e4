/**
 * Helpers shared by the Service tests.
 */
import { Service } from "@specter/core"
import { Effect, Scope } from "effect"

/** Starts a service in a scope of its own; returns the handle and that scope. */
export const startIn = <S extends object, A = void, E = never, R = never>(
  name: string,
  initial: S,
  build?: (self: Service.Service<S>) => Effect.Effect<A, E, R>
) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const [self] = yield* Scope.provide(Service.start(name, initial, build), scope)
    return { self, scope }
  })

/** A log of steps, and an effect that appends one. */
export const recorder = () => {
  const log: Array<string> = []
  return { log, add: (entry: string) => Effect.sync(() => void log.push(entry)) }
}
