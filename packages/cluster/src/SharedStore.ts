/**
 * A state every node of the cluster shares: in cluster mode one row of the table
 * `<prefix>_state` in PostgreSQL (the value as JSON, encoded with its Schema, and a
 * version), changed by compare-and-set on the version (a change that lost the race
 * is computed again on the newer value, so no update is lost), and announced on
 * Redis so that the `changes` of every node follow. Alone (no cluster), a
 * `SubscriptionRef` in the process.
 *
 * **When to use**: a counter, a small document or settings that several nodes
 * update. Each update is a database round trip (plus one per lost race): keep
 * per-request hot state in a `Store`.
 *
 * ```ts
 * const visits = yield* SharedStore.make("visits", { schema: Schema.Number, initial: 0 })
 * yield* visits.update((n) => n + 1)
 * ```
 *
 * @since 0.2.0
 */
import { Context, Effect, Option, type Schema, type Scope, type Stream, SubscriptionRef } from "effect"

/**
 * A shared state of type `A`: `get` (this node's latest view), `update` (atomic across
 * the cluster; returns the new value), `changes` (the value now, then every change
 * made on any node).
 *
 * @since 0.2.0
 * @category models
 */
export interface SharedStore<A> {
  readonly name: string
  readonly get: Effect.Effect<A>
  readonly update: (f: (a: A) => A) => Effect.Effect<A>
  readonly changes: Stream.Stream<A>
}

/**
 * The engine of shared stores, provided by `Cluster.layer` in cluster mode.
 *
 * @since 0.2.0
 * @category services
 */
export class SharedStores extends Context.Service<SharedStores, {
  readonly make: <A>(name: string, options: { readonly schema: Schema.Codec<A, any>; readonly initial: A }) => Effect.Effect<SharedStore<A>, never, Scope.Scope>
}>()("@specter-runtime/cluster/SharedStores") {}

/**
 * The shared store named `name` (its identity across the cluster), starting at
 * `initial` when no node has written it yet. `schema` encodes it to JSON.
 *
 * @example
 * const counter = yield* SharedStore.make("counter", { schema: Schema.Number, initial: 0 })
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = <A>(
  name: string,
  options: { readonly schema: Schema.Codec<A, any>; readonly initial: A }
): Effect.Effect<SharedStore<A>, never, Scope.Scope> =>
  Effect.flatMap(Effect.serviceOption(SharedStores), (engine) =>
    Option.isSome(engine)
      ? engine.value.make(name, options)
      : Effect.map(SubscriptionRef.make(options.initial), (ref) => ({
        name,
        get: SubscriptionRef.get(ref),
        update: (f: (a: A) => A) => SubscriptionRef.updateAndGet(ref, f),
        changes: SubscriptionRef.changes(ref)
      })))
