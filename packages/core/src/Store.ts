/**
 * A named, flat key/value state shared between fibers: atomic updates without
 * locks, immutable snapshots, and subscriptions that see every change in order.
 * Built on a `SubscriptionRef`. Original: `create_store` / `Store` (`get`, `set`,
 * `update`, `subscribe`, `watch`).
 *
 * ```ts
 * const items = yield* Store.make("items", { byId: {} as Record<string, Item> })
 * yield* items.set({ byId: { ...(yield* items.get()).byId, [item.id]: item } })
 * yield* items.subscribe((s) => Effect.log(Object.keys(s.byId).length))
 * ```
 *
 * @since 0.1.0
 */
import { Effect, type Scope, type Stream, SubscriptionRef } from "effect"
import { subscribe, type SubscribeOptions } from "./internal/subscribe.ts"

/**
 * The state of a store: a flat record.
 *
 * @since 0.1.0
 * @category models
 */
export type State = Readonly<Record<string, unknown>>

/**
 * @since 0.1.0
 * @category models
 */
export interface Store<S extends State> {
  readonly name: string
  /**
   * With no key, the whole state (an immutable snapshot: treat it as read-only);
   * with a key, that entry. Original: `get(key, default)`, `snapshot()`.
   */
  readonly get: {
    (): Effect.Effect<S>
    <K extends keyof S>(key: K): Effect.Effect<S[K]>
  }
  /** Shallow-merges `partial`, notifies, and returns the new state. Original: `set`. */
  readonly set: (partial: Partial<S>) => Effect.Effect<S>
  /** Replaces the state with `f(state)` atomically (`f` must be pure) and returns it. */
  readonly update: (f: (state: S) => S) => Effect.Effect<S>
  /** The current state, then every change, in order. */
  readonly changes: Stream.Stream<S>
  /**
   * Runs `handler` on every change (and at once when `immediate`) until the calling
   * scope closes. A failing handler is logged and stays subscribed.
   * Original: `subscribe(fn, immediate, owner)`.
   */
  readonly subscribe: <X, R>(
    handler: (state: S) => Effect.Effect<void, X, R>,
    options?: SubscribeOptions
  ) => Effect.Effect<void, never, Scope.Scope | R>
}

/**
 * Creates a store holding `initial`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <S extends State>(name: string, initial: S): Effect.Effect<Store<S>> =>
  Effect.map(SubscriptionRef.make(initial), (ref) => {
    const get = ((key?: keyof S) =>
      key === undefined
        ? SubscriptionRef.get(ref)
        : Effect.map(SubscriptionRef.get(ref), (state) => state[key])) as Store<S>["get"]
    return {
      name,
      get,
      set: (partial) => SubscriptionRef.updateAndGet(ref, (state) => ({ ...state, ...partial })),
      update: (f) => SubscriptionRef.updateAndGet(ref, f),
      changes: SubscriptionRef.changes(ref),
      subscribe: (handler, options) => subscribe(ref, `store '${name}'`, handler, options)
    }
  })
