/**
 * The directory of the services of one application: which are up, under which
 * name, in which order they started, and their health.
 *
 * Starting and stopping are not done here: services are Layers, so the Layer graph
 * starts them in dependency order and Scope finalization stops them in reverse.
 * The manager only sees them come and go, rejects a second service with a name that
 * is taken, and answers `health`. Original: `ServiceManager` (`register_service`,
 * `health`), minus the start loop that `boot` ran by hand.
 *
 * @since 0.1.0
 */
import { Context, Data, Effect, Layer, Scope } from "effect"

/**
 * What `health` reports of one service: its name, lifecycle status, uptime (ms,
 * frozen when it stops), the fibers and timers it owns, its bus listeners, its
 * children, and its state. A service that was allowed to fail at start
 * (`Service.optional`) is listed as `"failed"` with its `error`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServiceHealth {
  readonly name: string
  readonly status: "starting" | "running" | "stopping" | "stopped" | "failed"
  readonly error?: string | undefined
  readonly uptimeMs: number
  readonly fibers: number
  readonly timers: number
  readonly listeners: number
  readonly children: number
  readonly state: unknown
}

/**
 * Anything the manager can list: a name and a way to read its health.
 *
 * @since 0.1.0
 * @category models
 */
export interface Managed {
  readonly name: string
  readonly health: Effect.Effect<ServiceHealth>
}

/**
 * A service tried to start under a name that a running service already has.
 * Original: duplicate names silently replaced each other in the registry.
 *
 * @since 0.1.0
 * @category errors
 */
export class DuplicateService extends Data.TaggedError("DuplicateService")<{ readonly service: string }> {
  override get message() {
    return `a service named '${this.service}' is already running`
  }
}

/**
 * @since 0.1.0
 * @category services
 */
export interface Service {
  /**
   * Adds `service` to the directory until the calling scope closes. Fails with
   * `DuplicateService` when the name is taken.
   */
  readonly register: (service: Managed) => Effect.Effect<void, DuplicateService, Scope.Scope>
  /**
   * Records that service `name` failed to start and the application goes on
   * without it (degraded mode); `health` lists it as failed until the calling
   * scope closes.
   */
  readonly recordFailure: (name: string, error: string) => Effect.Effect<void, never, Scope.Scope>
  /** The services that are up, in the order they registered (start order). */
  readonly services: Effect.Effect<ReadonlyArray<Managed>>
  /** The health of every service that is up or failed, by name, in start order. */
  readonly health: Effect.Effect<Readonly<Record<string, ServiceHealth>>>
}

/**
 * @since 0.1.0
 * @category services
 */
export class ServiceManager extends Context.Service<ServiceManager, Service>()("@specter/core/ServiceManager") {}

/**
 * Builds an empty directory.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service> = Effect.sync(() => {
  const byName = new Map<string, Managed>()
  const services = Effect.sync(() => [...byName.values()])
  return {
    register: (service) =>
      Effect.gen(function*() {
        if (byName.has(service.name)) return yield* new DuplicateService({ service: service.name })
        byName.set(service.name, service)
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            if (byName.get(service.name) === service) byName.delete(service.name)
          })
        )
      }),
    recordFailure: (name, error) =>
      Effect.gen(function*() {
        const failed: Managed = {
          name,
          health: Effect.succeed({
            name,
            status: "failed",
            error,
            uptimeMs: 0,
            fibers: 0,
            timers: 0,
            listeners: 0,
            children: 0,
            state: undefined
          })
        }
        if (!byName.has(name)) byName.set(name, failed)
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            if (byName.get(name) === failed) byName.delete(name)
          })
        )
      }),
    services,
    health: Effect.flatMap(services, (all) =>
      Effect.map(
        Effect.forEach(all, (s) => s.health),
        (healths) => Object.fromEntries(healths.map((h) => [h.name, h]))
      ))
  }
})

/**
 * A `Layer` providing a fresh `ServiceManager`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ServiceManager> = Layer.effect(ServiceManager, make)
