/**
 * A service is a `Context.Service` class provided by a `Layer`: building the layer
 * starts it, closing the layer's scope stops it, and whatever its `make` acquires
 * (fibers, timers, subscriptions, resources, child layers) belongs to that scope and
 * is released in reverse order. This module adds what a long-lived service wants on
 * top of `Layer.effect`, and nothing it must have:
 *
 * - `layer(Tag, make)`: `Layer.effect` whose failure is a `ServiceStartError` naming
 *   the service, with the service listed (status, uptime, fibers, timers, health) in
 *   the application's `ServiceManager` when there is one, and its name on every log
 *   line of `make` and of the fibers it forks.
 * - `spawn`, `interval`, `timeout`: fibers in the calling scope whose failures are
 *   logged, not propagated; `health(probe)`: a readiness probe for the service.
 * - `optional(layer)`: degraded mode, a service allowed to fail at start.
 *
 * A service's state is whatever it chooses to expose: a `SubscriptionRef`, a
 * `Store`, a method. Cancel-by-key is a `FiberMap`; cleanup is `Effect.addFinalizer`
 * or `Effect.acquireRelease`; a child is a Layer it is provided with.
 * Original: `Service` (`start`, `stop`, `on_start`, `on_stop`, `spawn`,
 * `spawn_later`, `interval`, `timeout`, `adopt`, `add_cleanup`, `health`).
 *
 * ```ts
 * class Metrics extends Context.Service<Metrics, { readonly ticks: SubscriptionRef.SubscriptionRef<number> }>()("app/Metrics") {
 *   static readonly layer = Service.layer(this, Effect.gen(function*() {
 *     const ticks = yield* SubscriptionRef.make(0)
 *     yield* Service.interval("10 seconds", SubscriptionRef.update(ticks, (n) => n + 1))
 *     yield* Bus.listen(OrderPlaced, (order) => Effect.log(`order ${order.id}`))
 *     return { ticks }
 *   }))
 * }
 * ```
 *
 * @since 0.1.0
 */
import { Cause, Context, Duration, Effect, type Fiber, Layer, Option, Schedule, type Scope } from "effect"
import * as internal from "./internal/service.ts"
import { ServiceManager, type ServiceHealth } from "./ServiceManager.ts"
import type { ServiceStartError } from "./ServiceError.ts"

export { ServiceNotRunning, ServiceStartError } from "./ServiceError.ts"
export type { ServiceHealth, Status } from "./ServiceManager.ts"

/**
 * Options of `layer`: `name`, how the service is listed and logged (default: the
 * key of its `Context.Service` class).
 *
 * @since 0.1.0
 * @category models
 */
export interface LayerOptions {
  readonly name?: string | undefined
}

/**
 * The `Layer` of a service: `make` runs in the layer's scope with the service's
 * name on every log line; its failure (or defect) is a `ServiceStartError` naming
 * the service, after everything `make` acquired has been released. The service is
 * listed in the `ServiceManager` while it runs, when the application has one; a
 * second service under the same name fails to start. `make` may also be the
 * class's own `make` (`Context.Service<...>()("key", { make })`).
 *
 * ```ts
 * class Inventory extends Context.Service<Inventory, { readonly list: Effect.Effect<ReadonlyArray<Item>> }>()("app/Inventory") {
 *   static readonly layer = Service.layer(this, makeInventory)
 * }
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: {
  <I, S, E = never, R = never>(
    tag: Context.Key<I, S>,
    make: Effect.Effect<S, E, R>,
    options?: LayerOptions
  ): Layer.Layer<I, ServiceStartError, Exclude<R, Scope.Scope>>
  <I, S, E = never, R = never>(
    tag: Context.Key<I, S> & { readonly make: Effect.Effect<S, E, R> },
    options?: LayerOptions
  ): Layer.Layer<I, ServiceStartError, Exclude<R, Scope.Scope>>
} = (
  tag: Context.Key<any, any> & { readonly make?: Effect.Effect<any, any, any> },
  makeOrOptions?: Effect.Effect<any, any, any> | LayerOptions,
  options?: LayerOptions
): Layer.Layer<any, ServiceStartError, any> => {
  const make = Effect.isEffect(makeOrOptions) ? makeOrOptions : tag.make!
  const name = (Effect.isEffect(makeOrOptions) ? options : makeOrOptions as LayerOptions | undefined)?.name ?? tag.key
  return Layer.effect(tag, internal.build(name, make))
}

/**
 * `layer` for a service that provides nothing to others: a controller, a ticker
 * that pushes to sockets, a listener that keeps two stores in step. It is listed,
 * logged and fails to start like any service.
 *
 * ```ts
 * const Ticker = Service.layerDiscard("ticker", Service.interval("1 second", Bus.emit(Tick, Date.now())))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDiscard = <A, E, R>(name: string, make: Effect.Effect<A, E, R>): Layer.Layer<never, ServiceStartError, Exclude<R, Scope.Scope>> =>
  Layer.effectDiscard(internal.build(name, make))

/**
 * Options of `spawn`, `interval` and `timeout`: `label` names the fiber in the log
 * line of its failures (default: `task`, `interval`, `timeout`).
 *
 * @since 0.1.0
 * @category models
 */
export interface TaskOptions {
  readonly label?: string | undefined
}

/**
 * Runs `effect` on a fiber of the calling scope (it is interrupted when the scope
 * closes) and returns the fiber. A failure or defect is logged with `label`, never
 * propagated. Original: `spawn(cb, ...args, label)`.
 *
 * ```ts
 * yield* Service.spawn(consumeOrders, { label: "orders" })
 * ```
 *
 * @since 0.1.0
 * @category fibers
 */
export const spawn = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  options?: TaskOptions
): Effect.Effect<Fiber.Fiber<A | void>, never, Scope.Scope | R> =>
  internal.forkCounted("fibers")(internal.logged(`task '${options?.label ?? "task"}'`)(effect))

/**
 * Runs `effect` every `period` for as long as the calling scope is open: the first
 * run comes one period after the call, each next one `period` after the previous
 * one ended (runs never overlap; a slow run delays the next). A failing run is
 * logged and the next run still happens. Interrupt the returned fiber (or keep it
 * in a `FiberMap`) to cancel it early. Original: `interval(cb, seconds)`.
 *
 * ```ts
 * yield* Service.interval("10 seconds", flushMetrics)
 * ```
 *
 * @since 0.1.0
 * @category timers
 */
export const interval = <A, E, R>(
  period: Duration.Input,
  effect: Effect.Effect<A, E, R>,
  options?: TaskOptions
): Effect.Effect<Fiber.Fiber<void>, never, Scope.Scope | R> =>
  internal.forkCounted("timers")(
    effect.pipe(
      internal.logged(`interval '${options?.label ?? "interval"}'`),
      Effect.schedule(Schedule.spaced(Duration.fromInputUnsafe(period))),
      Effect.asVoid
    )
  )

/**
 * Runs `effect` once, `delay` after the call, on a fiber of the calling scope;
 * closing the scope (or interrupting the returned fiber) before then cancels it. A
 * failure is logged. Original: `timeout(cb, seconds)` and `spawn_later`.
 *
 * ```ts
 * const reminder = yield* Service.timeout("30 seconds", sendReminder)
 * yield* Fiber.interrupt(reminder) // cancelled
 * ```
 *
 * @since 0.1.0
 * @category timers
 */
export const timeout = <A, E, R>(
  delay: Duration.Input,
  effect: Effect.Effect<A, E, R>,
  options?: TaskOptions
): Effect.Effect<Fiber.Fiber<A | void>, never, Scope.Scope | R> =>
  internal.forkCounted("timers")(Effect.delay(internal.logged(`timeout '${options?.label ?? "timeout"}'`)(effect), delay))

/**
 * Adds `probe` to the health of the service whose `make` is running, until the
 * calling scope closes: while the probe fails, the service reports `failed` with the
 * probe's error (`/health` answers 503); what it succeeds with is shown as one of
 * the service's `details`. Called outside a service's `make`, it does nothing.
 *
 * ```ts
 * yield* Service.health(Effect.map(pool.size, (connections) => ({ connections })))
 * ```
 *
 * @since 0.1.0
 * @category health
 */
export const health = <A, E, R>(probe: Effect.Effect<A, E, R>): Effect.Effect<void, never, Scope.Scope | R> =>
  internal.withCurrentService((record) => {
    if (record === undefined) return Effect.void
    return Effect.flatMap(Effect.context<R>(), (context) => {
      const entry = Effect.provideContext(probe, context) as Effect.Effect<unknown, unknown>
      return Effect.acquireRelease(
        Effect.sync(() => void record.probes.push(entry)),
        () => Effect.sync(() => void record.probes.splice(record.probes.indexOf(entry), 1))
      )
    })
  })

/**
 * Degraded mode for one service: builds `layer`, and if it fails with
 * `ServiceStartError`, logs the error, lists the service as `failed` in the
 * `ServiceManager` (when there is one) and lets the application go on without it.
 * The result provides nothing, so nothing can depend on a service that may be
 * absent. Original: `ServiceManager` went on after a failed start, silently; here
 * that is a choice made per service (weakness 31).
 *
 * @since 0.1.0
 * @category layers
 */
export const optional = <ROut, RIn>(layer: Layer.Layer<ROut, ServiceStartError, RIn>): Layer.Layer<never, never, RIn> =>
  Layer.flatMap(layer, () => Layer.empty).pipe(
    Layer.catchTag("ServiceStartError", (error: ServiceStartError) =>
      Layer.effectDiscard(Effect.gen(function*() {
        yield* Effect.logError(`service '${error.service}' failed to start; going on without it`, error.cause)
        const manager = yield* Effect.serviceOption(ServiceManager)
        if (Option.isNone(manager)) return
        const failed: ServiceHealth = {
          name: error.service,
          status: "failed",
          error: Cause.pretty(error.cause),
          optional: true,
          uptimeMs: 0,
          fibers: 0,
          timers: 0,
          listeners: 0
        }
        yield* Effect.ignore(manager.value.register({ name: error.service, health: Effect.succeed(failed) }))
      })))
  )

/**
 * Where singletons run (see `singleton`). Without one in context a singleton runs
 * in its own process; `@specter-runtime/cluster` provides one in cluster mode that
 * runs each singleton on exactly one node of the cluster at a time.
 *
 * `run(name, effect)` keeps `effect` registered until the calling scope closes,
 * starting it when this process becomes its owner and interrupting it when it stops
 * being the owner.
 *
 * @since 0.2.0
 * @category singletons
 */
export class Singletons extends Context.Service<Singletons, {
  readonly run: (name: string, effect: Effect.Effect<void>) => Effect.Effect<void, never, Scope.Scope>
}>()("@specter-runtime/core/Service/Singletons") {}

/**
 * A service that must run in one place at a time: in cluster mode on exactly one node
 * of the cluster (another node takes it over when that node dies), alone in this
 * process otherwise. `run` runs in a scope of its own that closes when it stops
 * here; a failure of `run` is logged and ends it until its owner changes. Name it
 * uniquely in the application: the name is its identity across the cluster.
 *
 * **When to use**: a poller or a watcher whose readings every node shares (emit
 * them as an event with a Schema), a cleanup that must not run twice at once.
 *
 * @example
 * const LoadWatcher = Service.singleton("load-watcher",
 *   Watcher.poll(readLoad, { interval: "2 seconds" }).pipe(Stream.runForEach((load) => Bus.emit(LoadRead, load))))
 *
 * @since 0.2.0
 * @category singletons
 */
export const singleton = <E, R>(name: string, run: Effect.Effect<void, E, R>): Layer.Layer<never, ServiceStartError, Exclude<R, Scope.Scope>> =>
  layerDiscard(name, Effect.gen(function*() {
    const context = yield* Effect.context<Exclude<R, Scope.Scope>>()
    const guarded: Effect.Effect<void> = Effect.scoped(run as Effect.Effect<void, E, Exclude<R, Scope.Scope> | Scope.Scope>).pipe(
      Effect.catchCause((cause) =>
        Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause as Cause.Cause<never>) : Effect.logError(`singleton '${name}' failed`, cause)
      ),
      Effect.provideContext(context)
    )
    const owner = yield* Effect.serviceOption(Singletons)
    if (Option.isSome(owner)) return yield* owner.value.run(name, guarded)
    yield* Effect.forkScoped(guarded)
  }))
