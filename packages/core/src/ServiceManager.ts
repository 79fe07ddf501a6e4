/**
 * The directory of the services of one application: which are up, under which
 * name, since when, and how they are doing. `Service.layer` lists a service here
 * while it runs, when the application provides a `ServiceManager` (`App` does; a
 * test may leave it out, and nothing requires it).
 *
 * Starting and stopping are not done here: services are Layers, so the Layer graph
 * starts them in dependency order and Scope finalization stops them in reverse.
 * Original: `ServiceManager` (`register_service`, `health`), minus the start loop
 * that `boot` ran by hand.
 *
 * @since 0.1.0
 */
import { Context, Data, Effect, Layer, type Scope } from "effect"

/**
 * Where a service is in its life: `starting` while its Layer is being built,
 * `running`, `stopping` from the moment its scope begins to close, `stopped`, and
 * `failed` for a service allowed to fail at start (`Service.optional`) or whose
 * health probe fails.
 *
 * @since 0.1.0
 * @category models
 */
export type Status = "starting" | "running" | "stopping" | "stopped" | "failed"

/**
 * What `health` reports of one service: its name, status, uptime (ms, frozen when
 * it stops), the fibers and timers it started through `Service.spawn`,
 * `Service.interval` and `Service.timeout` that are still running, its listeners
 * (of the bus, `Bus.listen`/`on`/`once`, and of states, `Store`/`Model` `listen`)
 * still running, what its health
 * probes answered (`details`), when it failed, why (`error`), and whether the
 * application may run without it (`optional`, a service of `Service.optional`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ServiceHealth {
  readonly name: string
  readonly status: Status
  readonly uptimeMs: number
  readonly fibers: number
  readonly timers: number
  readonly listeners: number
  readonly details?: ReadonlyArray<unknown> | undefined
  readonly error?: string | undefined
  readonly optional?: boolean | undefined
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
 * The directory, as a `Context` service: one per application.
 *
 * @since 0.1.0
 * @category services
 */
export class ServiceManager extends Context.Service<ServiceManager, {
  /**
   * Lists `service` until the calling scope closes. Fails with `DuplicateService`
   * when the name is taken.
   */
  readonly register: (service: Managed) => Effect.Effect<void, DuplicateService, Scope.Scope>
  /** The services listed now, in the order they registered (start order). */
  readonly services: Effect.Effect<ReadonlyArray<Managed>>
  /** The health of every listed service, by name, in start order. */
  readonly health: Effect.Effect<Readonly<Record<string, ServiceHealth>>>
}>()("@specter-runtime/core/ServiceManager") {}

/**
 * Builds an empty directory.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<ServiceManager["Service"]> = Effect.sync(() => {
  const byName = new Map<string, Managed>()
  const services = Effect.sync(() => [...byName.values()])
  return ServiceManager.of({
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
    services,
    health: Effect.flatMap(services, (all) =>
      Effect.map(Effect.forEach(all, (s) => s.health), (healths) => Object.fromEntries(healths.map((h) => [h.name, h]))))
  })
})

/**
 * A `Layer` providing a fresh `ServiceManager`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ServiceManager> = Layer.effect(ServiceManager, make)
