/**
 * The internal event bus: decoupled, in-process publish/subscribe between services.
 *
 * Every listener is a fiber in its owner's `Scope` with its own bounded mailbox, so
 * `emit` never waits for a listener, a slow or failing listener harms nobody else,
 * each listener sees events in emit order, and a listener disappears when its owner
 * stops. Original: the process-wide synchronous `bus` (`on`, `off`, `once`, `emit`,
 * `listener_count`), whose listeners ran on the emitter's stack.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, type Schema, type Scope } from "effect"
import * as internal from "./internal/bus.ts"
import type { OverflowStrategy } from "./internal/mailbox.ts"

export type { OverflowStrategy } from "./internal/mailbox.ts"

const EventTypeId = "~@specter/core/Bus/Event" as const

/**
 * A named event with a payload of type `A`, optionally described by a `Schema`
 * (kept for validation at the edges and for bridging the bus between processes).
 *
 * @since 0.1.0
 * @category models
 */
export interface Event<A> {
  readonly [EventTypeId]: { readonly _A: (_: never) => A }
  readonly name: string
  readonly schema: Schema.Top | undefined
}

/**
 * Declares an event. `name` is trimmed and must not be empty (an empty name is a
 * defect: it is a programming error, found at start-up).
 *
 * ```ts
 * const OrderPlaced = Bus.event("orders:placed", Order) // Event<Order>
 * const Tick = Bus.event<number>("clock:tick")          // typed, no schema
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const event: {
  <S extends Schema.Top>(name: string, schema: S): Event<S["Type"]>
  <A = unknown>(name: string): Event<A>
} = (name: string, schema?: Schema.Top): Event<any> => {
  const trimmed = name.trim()
  if (trimmed.length === 0) throw new TypeError("[specter:bus] an event name must be a non-empty string")
  return { [EventTypeId]: { _A: (_: never) => _ }, name: trimmed, schema }
}

/**
 * An event, or just its name (payload `unknown`).
 *
 * @since 0.1.0
 * @category models
 */
export type EventRef<A> = Event<A> | string

/** The payload type of an `EventRef`. */
export type PayloadOf<E> = E extends Event<infer A> ? A : unknown

type EffectHandler = (payload: unknown) => Effect.Effect<void, unknown>

/**
 * The name of an `EventRef`.
 *
 * @since 0.1.0
 * @category accessors
 */
export const nameOf = (ref: EventRef<any>): string => (typeof ref === "string" ? ref : ref.name)

/**
 * Options of one listener.
 *
 * - `label`: the name used in logs and stats (default `listener#<n>`).
 * - `capacity`: how many undelivered events the listener may hold (default 16 384).
 * - `strategy`: what happens when it holds `capacity` events and one more arrives:
 *   `"sliding"` (default) drops the oldest held event, `"dropping"` drops the new one.
 *   The emitter never waits either way; drops are counted in `stats` and logged.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListenOptions {
  readonly label?: string | undefined
  readonly capacity?: number | undefined
  readonly strategy?: OverflowStrategy | undefined
}

/**
 * What the bus knows about one listener: its event, label, how many events it has
 * handled, how many failed, how many it holds, and how many were dropped.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListenerStats {
  readonly event: string
  readonly label: string
  readonly delivered: number
  readonly failed: number
  readonly pending: number
  readonly dropped: number
}

/**
 * The bus service.
 *
 * @since 0.1.0
 * @category services
 */
export interface Service {
  /**
   * Offers `payload` to every current listener of `event` and returns at once.
   * Listeners registered later do not see it. Never fails, never waits.
   * Original: `bus.emit(event, data)`.
   */
  readonly emit: <E extends EventRef<any>>(event: E, payload: PayloadOf<E>) => Effect.Effect<void>
  /** `emit` for callers outside an Effect (a socket callback, a hot loop). */
  readonly emitUnsafe: <E extends EventRef<any>>(event: E, payload: PayloadOf<E>) => void
  /**
   * Emits and then waits until every listener that received `payload` has handled
   * it, failed on it, or been removed. This is the "await all" delivery that the
   * original's synchronous bus gave implicitly.
   */
  readonly emitAndWait: <E extends EventRef<any>>(event: E, payload: PayloadOf<E>) => Effect.Effect<void>
  /**
   * Runs `handler` for every `event` emitted from now until the calling scope
   * closes, on a fiber of its own. A failure or defect of the handler is logged and
   * the listener goes on with the next event. Closing the scope interrupts the
   * listener: events it holds but has not handled are dropped (an `emitAndWait`
   * waiting on them returns). Original: `bus.on(event, cb)`; the returned
   * unsubscribe is the scope.
   */
  readonly listen: <E extends EventRef<any>, X, R>(
    event: E,
    handler: (payload: PayloadOf<E>) => Effect.Effect<void, X, R>,
    options?: ListenOptions
  ) => Effect.Effect<void, never, Scope.Scope | R>
  /**
   * `listen` with a plain function: the cheapest listener, for synchronous work
   * (a counter, forwarding to a socket). Still delivered on its own fiber, in order,
   * with thrown errors logged and isolated.
   */
  readonly on: <E extends EventRef<any>>(
    event: E,
    handler: (payload: PayloadOf<E>) => void,
    options?: ListenOptions
  ) => Effect.Effect<void, never, Scope.Scope>
  /**
   * `listen` for the next `event` only; the listener is removed as that event is
   * emitted, so a second emit, even from inside the handler, does not reach it.
   * Original: `bus.once(event, cb)`.
   */
  readonly once: <E extends EventRef<any>, X, R>(
    event: E,
    handler: (payload: PayloadOf<E>) => Effect.Effect<void, X, R>,
    options?: ListenOptions
  ) => Effect.Effect<void, never, Scope.Scope | R>
  /**
   * A publisher of `event` for a hot path that emits it often: `emit` is
   * `emitUnsafe` without the lookup by name, and `active` says whether anyone
   * listens now (so building a payload nobody receives can be skipped).
   */
  readonly publisher: <E extends EventRef<any>>(event: E) => Publisher<PayloadOf<E>>
  /** Listeners of `event`, or of all events. Original: `listener_count(event)`. */
  readonly listenerCount: (event?: EventRef<any>) => number
  /** A snapshot of every listener's counters. */
  readonly stats: () => ReadonlyArray<ListenerStats>
}

/**
 * See `Service.publisher`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Publisher<A> {
  readonly active: boolean
  readonly emit: (payload: A) => void
}

/**
 * The bus, as a `Context` service: one per application, not per process.
 *
 * @since 0.1.0
 * @category services
 */
export class Bus extends Context.Service<Bus, Service>()("@specter/core/Bus") {}

/**
 * Builds a bus. Listeners belong to the scopes that registered them, so the bus
 * itself owns nothing that needs closing.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service> = Effect.sync(() => {
  const state = new internal.BusState()
  const emitUnsafe = (event: EventRef<any>, payload: unknown) => {
    state.offer(nameOf(event), payload)
  }
  const listenWith = (event: EventRef<any>, handler: internal.Handler, options?: internal.ListenerOptions) =>
    internal.register(state, nameOf(event), handler, options ?? {})
  return {
    emit: (event, payload) => Effect.sync(() => emitUnsafe(event, payload)),
    emitUnsafe,
    emitAndWait: (event, payload) =>
      Effect.callback<void>((resume) => {
        const name = nameOf(event)
        const listeners = state.count(name)
        if (listeners === 0) return resume(Effect.void)
        state.offer(name, new internal.Acknowledged(payload, listeners, () => resume(Effect.void)))
      }),
    // The handler's requirements are in the caller's context, which the listener fiber inherits.
    listen: (event, handler, options) => listenWith(event, { _tag: "Effect", run: handler as EffectHandler }, options),
    on: (event, handler, options) => listenWith(event, { _tag: "Sync", run: handler }, options),
    once: (event, handler, options) =>
      listenWith(event, { _tag: "Effect", run: handler as EffectHandler }, { ...options, once: true }),
    publisher: (event) => {
      const topic = state.pin(nameOf(event))
      return {
        get active() {
          return topic.listeners.length > 0
        },
        emit: (payload) => {
          if (topic.listeners.length > 0) state.offerTo(topic, payload)
        }
      }
    },
    listenerCount: (event) => state.count(event === undefined ? undefined : nameOf(event)),
    stats: () =>
      state.all().map((entry) => ({
        event: entry.event,
        label: entry.label,
        delivered: entry.delivered,
        failed: entry.failed,
        pending: entry.mailbox.size,
        dropped: entry.mailbox.dropped
      }))
  } satisfies Service
})

/**
 * A `Layer` providing a fresh `Bus`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Bus> = Layer.effect(Bus, make)

/**
 * `emit` on the bus in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const emit = <E extends EventRef<any>>(event: E, payload: PayloadOf<E>): Effect.Effect<void, never, Bus> =>
  Bus.use((bus) => bus.emit(event, payload))

/**
 * `listen` on the bus in context; the listener lives as long as the calling scope.
 *
 * @since 0.1.0
 * @category accessors
 */
export const listen = <E extends EventRef<any>, X, R>(
  event: E,
  handler: (payload: PayloadOf<E>) => Effect.Effect<void, X, R>,
  options?: ListenOptions
): Effect.Effect<void, never, Bus | Scope.Scope | R> => Bus.use((bus) => bus.listen(event, handler, options))

/**
 * `once` on the bus in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const once = <E extends EventRef<any>, X, R>(
  event: E,
  handler: (payload: PayloadOf<E>) => Effect.Effect<void, X, R>,
  options?: ListenOptions
): Effect.Effect<void, never, Bus | Scope.Scope | R> => Bus.use((bus) => bus.once(event, handler, options))
