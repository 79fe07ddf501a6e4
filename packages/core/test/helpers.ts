/**
 * Helpers shared by the Service tests.
 */
import { Service, ServiceManager } from "@specter-runtime/core"
import { Context, Effect, Layer, Scope } from "effect"

/**
 * A service named `name` whose `make` is `make`, built in a scope of its own:
 * returns what `make` built and that scope (closing it stops the service).
 */
export const startIn = <A, E, R>(name: string, make: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    class Tag extends Context.Service<Tag, A>()(name) {}
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(Service.layer(Tag, make), scope)
    return { service: Context.get(context, Tag), scope }
  })

/** The health of service `name` as the `ServiceManager` reports it. */
export const healthOf = (name: string) =>
  Effect.map(ServiceManager.ServiceManager.use((manager) => manager.health), (all) => all[name])

/** A log of steps, and an effect that appends one. */
export const recorder = () => {
  const log: Array<string> = []
  return { log, add: (entry: string) => Effect.sync(() => void log.push(entry)) }
}
