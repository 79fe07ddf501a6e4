/**
 * A Service is a long-lived unit with a name, a state and a managed lifecycle.
 * While it runs it owns fibers (`spawn`, `spawnLater`), timers (`interval`,
 * `timeout`), bus listeners, child services and cleanups; stopping it (closing its
 * scope) tears all of that down in a fixed order and waits for it to finish.
 *
 * A service is a `Layer`: building the layer starts it, closing the layer's scope
 * stops it. Original: `Service` (`start`, `stop`, `on_start`, `on_stop`, `spawn`,
 * `spawn_later`, `interval`, `timeout`, `listen`, `emit`, `adopt`, `add_cleanup`,
 * `set_state`, `subscribe`, `health`).
 *
 * ```ts
 * class Metrics extends Service.Tag<Metrics>()("metrics", { ticks: 0 }) {}
 *
 * const MetricsLive = Service.layer(Metrics, (self) =>
 *   Effect.gen(function*() {
 *     yield* self.interval("10 seconds", self.update((s) => ({ ticks: s.ticks + 1 })))
 *     yield* self.listen(OrderPlaced, (order) => Effect.log(`order ${order.id}`))
 *   }))
 * ```
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, type Duration, type Scope, type Stream } from "effect"
import * as Bus from "./Bus.ts"
import * as internal from "./internal/service.ts"
import { type DuplicateService, ServiceManager, type ServiceHealth } from "./ServiceManager.ts"
import type { ServiceNotRunning, ServiceStartError } from "./ServiceError.ts"

export { ServiceNotRunning, ServiceStartError } from "./ServiceError.ts"
export type { ServiceHealth } from "./ServiceManager.ts"

/**
 * Where a service is in its life. `starting` while its build effect runs (it may
 * already spawn, listen and schedule), `running` after, `stopping` from the moment
 * a stop begins (nothing new may be acquired), `stopped` once teardown finished.
 *
 * @since 0.1.0
 * @category models
 */
export type ServiceStatus = "starting" | "running" | "stopping" | "stopped"

/**
 * A handle on a fiber or timer a service owns, for `cancel`. `id` is
 * `<kind>_<8 hex digits>`, unique within the service; `label` names it in logs.
 *
 * @since 0.1.0
 * @category models
 */
export interface Task {
  readonly id: string
  readonly kind: "task" | "interval" | "timeout"
  readonly label: string
}

/**
 * @since 0.1.0
 * @category models
 */
export interface TaskOptions {
  /** The name used in logs when the task fails (default: its kind). */
  readonly label?: string | undefined
}

/**
 * The handle a service's build effect receives, and what its `Tag` provides.
 * Every operation that acquires something fails with `ServiceNotRunning` once the
 * service is stopping.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service<S extends object> {
  readonly name: string
  /** The current lifecycle status. */
  readonly status: Effect.Effect<ServiceStatus>
  /** The current state (an immutable snapshot). Original: `get_state()`. */
  readonly get: Effect.Effect<S>
  /** Shallow-merges `partial` into the state and notifies subscribers. Original: `set_state`. */
  readonly setState: (partial: Partial<S>) => Effect.Effect<void>
  /** Replaces the state with `f(state)`, atomically. */
  readonly update: (f: (state: S) => S) => Effect.Effect<void>
  /** The current state, then every change, in order. */
  readonly changes: Stream.Stream<S>
  /**
   * Runs `handler` on every state change (and at once with the current state when
   * `immediate`) until the calling scope closes or this service stops, whichever
   * comes first. A failing handler is logged and keeps its subscription.
   * Original: `subscribe(fn, immediate, owner)`; the owner is the calling scope.
   */
  readonly subscribe: <X, R>(
    handler: (state: S) => Effect.Effect<void, X, R>,
    options?: { readonly immediate?: boolean | undefined }
  ) => Effect.Effect<void, never, Scope.Scope | R>
  /**
   * Runs `effect` on a fiber the service owns; a failure is logged with `label`.
   * Original: `spawn(cb, ...args, label)`.
   */
  readonly spawn: <A, E, R>(effect: Effect.Effect<A, E, R>, options?: TaskOptions) => Effect.Effect<Task, ServiceNotRunning, R>
  /** `spawn` after `delay`. Original: `spawn_later(seconds, cb)`. */
  readonly spawnLater: <A, E, R>(
    delay: Duration.Input,
    effect: Effect.Effect<A, E, R>,
    options?: TaskOptions
  ) => Effect.Effect<Task, ServiceNotRunning, R>
  /**
   * Runs `effect` every `period` (fixed delay: the next run starts `period` after
   * the previous one ended; runs never overlap; the first run comes after one
   * period). A failing run is logged and the next run still happens.
   * Original: `interval(cb, seconds)`.
   */
  readonly interval: <A, E, R>(
    period: Duration.Input,
    effect: Effect.Effect<A, E, R>,
    options?: TaskOptions
  ) => Effect.Effect<Task, ServiceNotRunning, R>
  /** Runs `effect` once after `delay`. Original: `timeout(cb, seconds)`. */
  readonly timeout: <A, E, R>(
    delay: Duration.Input,
    effect: Effect.Effect<A, E, R>,
    options?: TaskOptions
  ) => Effect.Effect<Task, ServiceNotRunning, R>
  /**
   * Cancels a task, interval or timeout and waits until its fiber has finished.
   * Cancelling a finished task, or a timeout whose effect has started, does nothing;
   * a task cancelling itself is interrupted at its next suspension.
   * Original: `cancel_interval`, `cancel_timeout`, `cancel_greenlet`.
   */
  readonly cancel: (task: Task) => Effect.Effect<void>
  /** `Bus.listen`, owned by this service: removed when it stops. Original: `listen`. */
  readonly listen: <E extends Bus.EventRef<any>, X, R>(
    event: E,
    handler: (payload: Bus.PayloadOf<E>) => Effect.Effect<void, X, R>,
    options?: Bus.ListenOptions
  ) => Effect.Effect<void, ServiceNotRunning, R>
  /** `Bus.on` (a plain-function listener), owned by this service. */
  readonly on: <E extends Bus.EventRef<any>>(
    event: E,
    handler: (payload: Bus.PayloadOf<E>) => void,
    options?: Bus.ListenOptions
  ) => Effect.Effect<void, ServiceNotRunning>
  /** `Bus.emit`. Original: `emit(event, data)`. */
  readonly emit: <E extends Bus.EventRef<any>>(event: E, payload: Bus.PayloadOf<E>) => Effect.Effect<void>
  /**
   * Runs a scoped constructor (a child `Service.start`, a watcher, a process …) in
   * a scope this service owns. Children are stopped newest first, after listeners
   * and before cleanups. If `child` fails, what it acquired is released.
   * Original: `adopt(child)` and `own(resource)`.
   */
  readonly adopt: <A, E, R>(
    child: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | ServiceNotRunning, Exclude<R, Scope.Scope>>
  /**
   * Runs `finalizer` at stop, after the children, last added first; a failing one is
   * logged and the rest still run. Original: `add_cleanup`.
   */
  readonly addCleanup: (finalizer: Effect.Effect<unknown, unknown>) => Effect.Effect<void, ServiceNotRunning>
  /**
   * Runs `hook` first thing at stop, while everything still works; a failing hook is
   * logged and teardown goes on. Original: `on_stop`.
   */
  readonly onStop: (hook: Effect.Effect<unknown, unknown>) => Effect.Effect<void, ServiceNotRunning>
  /** Name, status, uptime, owned fibers, timers, listeners, children and state. */
  readonly health: Effect.Effect<ServiceHealth>
  /**
   * Stops the service now (it also stops when its scope closes). Concurrent and
   * repeated stops wait for the one in flight; a stop from inside one of the
   * service's own fibers completes without deadlock.
   */
  readonly stop: Effect.Effect<void>
}

/**
 * Starts a service in the calling scope: registers it under `name`, runs `build`
 * with the handle (resources `build` acquires belong to the service), and returns
 * the handle with what `build` returned. Closing the scope stops it.
 *
 * Fails with `ServiceStartError` if `build` fails or the name is taken; what was
 * acquired is released first. Original: `Service(name, initial_state).start()`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = <S extends object, A = void, E = never, R = never>(
  name: string,
  initial: S,
  build?: (self: Service<S>) => Effect.Effect<A, E, R>
): Effect.Effect<readonly [Service<S>, A], ServiceStartError, Scope.Scope | Bus.Bus | ServiceManager | Exclude<R, Scope.Scope>> =>
  Effect.flatMap(Effect.all([Bus.Bus, ServiceManager]), ([bus, manager]) =>
    internal.start(name, initial, build ?? (() => Effect.void as Effect.Effect<any>), bus, manager))

/**
 * The key of a service in the `Context`, declared as a class:
 *
 * ```ts
 * class Clock extends Service.Tag<Clock>()("clock", { ticks: 0 }) {}
 * class Items extends Service.Tag<Items, { readonly add: (i: Item) => Effect.Effect<void> }>()("items", { items: [] }) {}
 * ```
 *
 * `Api` is what the build effect returns, merged into the handle.
 *
 * @since 0.1.0
 * @category constructors
 */
export const Tag = <Self, Api extends object = {}>() =>
<const Name extends string, S extends object>(name: Name, initial: S) => {
  const Key = Context.Service<Self, Service<S> & Api>()(`@specter/service/${name}`)
  return class extends Key {
    static readonly serviceName: Name = name
    static readonly initialState: S = initial
  }
}

/**
 * A key made by `Tag`: a `Context` key whose shape is `Service<S>` plus an API.
 *
 * @since 0.1.0
 * @category models
 */
export interface AnyTag {
  readonly serviceName: string
  readonly initialState: object
  readonly Identifier: any
  readonly Service: Service<any>
}

/** The state type of a tag. */
export type StateOf<T extends AnyTag> = T["initialState"]

/** What a tag's build effect must return: the members of its shape beyond `Service`. */
export type ApiOf<T extends AnyTag> = keyof Omit<T["Service"], keyof Service<any>> extends never ? void | {}
  : Omit<T["Service"], keyof Service<any>>

/**
 * The `Layer` that starts the service of `tag` with `build` and provides its handle
 * (merged with what `build` returns). Fails with `ServiceStartError`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <T extends AnyTag, E = never, R = never>(
  tag: T,
  build?: (self: Service<StateOf<T>>) => Effect.Effect<ApiOf<T>, E, R>
): Layer.Layer<T["Identifier"], ServiceStartError, Bus.Bus | ServiceManager | Exclude<R, Scope.Scope>> =>
  Layer.effect(
    tag as unknown as Context.Key<T["Identifier"], T["Service"]>,
    Effect.map(start(tag.serviceName, tag.initialState, build), ([self, api]) =>
      (api === undefined ? self : { ...self, ...api }) as T["Service"])
  )

/**
 * Degraded mode for one service: starts `layer`, and if it fails with
 * `ServiceStartError`, logs the error, lists the service as `"failed"` in the
 * `ServiceManager`'s health, and lets the application go on without it. The
 * result provides nothing, so nothing can depend on a service that may be absent.
 * Original: `ServiceManager` went on after a failed start, silently; here that is
 * a choice made per service (weakness 31).
 *
 * @since 0.1.0
 * @category layers
 */
export const optional = <ROut, RIn>(
  layer: Layer.Layer<ROut, ServiceStartError, RIn>
): Layer.Layer<never, never, RIn | ServiceManager> => {
  const started: Layer.Layer<never, ServiceStartError, RIn> = Layer.flatMap(layer, () => Layer.empty)
  return started.pipe(Layer.catchTag("ServiceStartError", (error: ServiceStartError) =>
    Layer.effectDiscard(
      Effect.gen(function*() {
        yield* Effect.logError(`service '${error.service}' failed to start; going on without it`, error.cause)
        yield* (yield* ServiceManager).recordFailure(error.service, error.message)
      })
    )))
}

export type { DuplicateService }
