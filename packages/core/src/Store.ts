/**
 * A named, flat key/value state shared between fibers: atomic updates without
 * locks, immutable snapshots, and subscriptions that see every change in order.
 * Built on a `SubscriptionRef`. Optionally publishes each change on the bus and
 * persists itself (see `Persistence`). Original: `create_store` / `Store` (`get`,
 * `snapshot`, `set`, `replace`, `delete`, `clear`, `update`, `subscribe`, `watch`,
 * `destroy`).
 *
 * ```ts
 * const settings = yield* Store.make("settings", { theme: "dark", volume: 1 })
 * yield* settings.set({ volume: 0.5 })
 *
 * yield* settings.listen((s) => Effect.log(`volume ${s.volume}`))
 *
 * const items = yield* Store.makeKeyed<Item>("items") // a collection: one entry per key
 * yield* items.set(item.id, item)
 * yield* items.listen(({ entries }) => Effect.log(`changed: ${entries.join(", ")}`))
 * ```
 *
 * Snapshots are shared, never copied: the state and every plain object or array
 * written into it are frozen (unless `NODE_ENV` is `production`, see
 * `FreezeStates`), so a snapshot can be handed to any number of readers and a
 * mutation through it throws instead of bypassing the subscribers. A write
 * builds the next record from the previous one, sharing every value (the original
 * copied the state for every reader and subscriber); its cost grows with the
 * number of top-level keys, not with the size of the values, so a collection of
 * thousands of entries belongs in a keyed store (`makeKeyed`): entries in a
 * `HashMap`, each change naming the keys it touched, persisted one row per entry,
 * so a change costs what it changed.
 *
 * @since 0.1.0
 */
import { Context, Effect, HashMap, Option, type Scope, Stream } from "effect"
import type { KeyValueStore } from "effect/persistence"
import type * as Bus from "./Bus.ts"
import { FreezeStates as FreezeStatesReference } from "./internal/immutable.ts"
import * as keyedStore from "./internal/keyedStore.ts"
import { makeCell } from "./internal/state.ts"
import type { ListenOptions } from "./internal/listen.ts"
import type { InvalidState, PersistEntry, PersistenceError, PersistOptions, StoredStateInvalid } from "./Persistence.ts"

export type { ListenOptions } from "./internal/listen.ts"

/**
 * Whether Store and Model deep-freeze what they hold: the state and every plain
 * object or array written into it (in place: a value you wrote is frozen too).
 * With freezing on, a mutation of a snapshot throws a `TypeError` where it is
 * written, instead of changing the state behind the subscribers' backs.
 *
 * Default: on, unless `NODE_ENV` is `production`. Production skips it because
 * V8 copies a frozen array through its slow path (`slice` of a 100-element
 * array: 3.8 µs frozen, 0.07 µs not), which made a store update of a 100-item
 * list several times its cost; the types (`Readonly`, `ReadonlyArray`) already
 * refuse mutations at compile time, and development and tests catch the rest.
 * Read when a Store or Model is made, so provide it around the layer that makes
 * them.
 *
 * @example
 * // Freeze in production too:
 * const app = MyServices.pipe(Layer.provide(Layer.succeed(Store.FreezeStates, true)))
 *
 * @since 0.2.0
 * @category configuration
 */
export const FreezeStates: Context.Reference<boolean> = FreezeStatesReference

/**
 * The state of a store: a flat record.
 *
 * @since 0.1.0
 * @category models
 */
export type State = Readonly<Record<string, unknown>>

/** The keys of `S` that may be absent, hence deleted. */
export type DeletableKey<S> = { [K in keyof S]-?: {} extends Pick<S, K> ? K : never }[keyof S] & string

/**
 * Options of `make` for a store kept in memory.
 *
 * - `events`: publish every change on the bus: `true` as `<name>:changed`, or as
 *   the given event; the payload is the new state. Default: off (and then no `Bus`
 *   is needed). Original: `emit_events`, `change_event`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryOptions<S> {
  readonly events?: boolean | Bus.Event<S> | undefined
  readonly persist?: undefined
}

/**
 * Options of `make` for a persisted store: `persist` loads the state from, and
 * writes every change to, the `KeyValueStore` in context (see `Persistence`).
 *
 * @since 0.1.0
 * @category models
 */
export interface PersistedOptions<S> {
  readonly events?: boolean | Bus.Event<S> | undefined
  readonly persist: PersistOptions<S>
}

/**
 * Options of `make` (shared by `Model.make`).
 *
 * @since 0.1.0
 * @category models
 */
export type Options<S> = MemoryOptions<S> | PersistedOptions<S>

/**
 * How a mutation of a persisted state fails: `InvalidState` (refused, nothing
 * changed) or `PersistenceError` (changed in memory, not yet durable).
 *
 * @since 0.1.0
 * @category errors
 */
export type PersistedError = PersistenceError | InvalidState

/**
 * How making a persisted state fails.
 *
 * @since 0.1.0
 * @category errors
 */
export type LoadError = PersistenceError | StoredStateInvalid

/**
 * A store. Every mutation returns the new state; `E` is `never` for a store in
 * memory, and `PersistenceError | InvalidState` for a persisted one, whose
 * mutations complete once the new state is durable.
 *
 * @since 0.1.0
 * @category models
 */
export interface Store<S extends object, E = never> {
  readonly name: string
  /** The change event (`<name>:changed` unless renamed); published only with `events`. */
  readonly changed: Bus.Event<S>
  /**
   * With no key, the whole state: an immutable snapshot, shared, not copied. With
   * a key, that entry, or `orElse` when the key is absent. Original: `get(key,
   * default)`, `snapshot()`; `access(reader)` is `Effect.map(get(), reader)`.
   */
  readonly get: {
    (): Effect.Effect<S>
    <K extends keyof S & string>(key: K): Effect.Effect<S[K]>
    <K extends keyof S & string, D>(key: K, orElse: D): Effect.Effect<Exclude<S[K], undefined> | D>
  }
  /**
   * Shallow-merges `partial` into the state, notifies (always, even for `{}`), and
   * returns the new state. A non-object `partial` is a defect (`TypeError`) and
   * changes nothing. Original: `set`.
   */
  readonly set: (partial: Partial<S>) => Effect.Effect<S, E>
  /** Replaces the whole state and notifies. Original: `replace`. */
  readonly replace: (state: S) => Effect.Effect<S, E>
  /**
   * Removes `keys`; notifies only if at least one existed. Only keys the type
   * allows to be absent can be deleted. Original: `delete(...keys)`.
   */
  readonly delete: (...keys: ReadonlyArray<DeletableKey<S>>) => Effect.Effect<S, E>
  /** Empties the state and notifies; only for states that may be `{}`. Original: `clear`. */
  readonly clear: {} extends S ? () => Effect.Effect<S, E> : never
  /**
   * Replaces the state with `f(state)` atomically. `f` must be pure: it receives
   * the current state, frozen outside production, and returns the next one (the
   * original's draft mutation is a `TypeError` on a frozen object). If `f` throws,
   * or returns a non-object, the state is unchanged and that is a defect.
   * Original: `update`.
   */
  readonly update: (f: (state: S) => S) => Effect.Effect<S, E>
  /** The current state, then every change, in order; ends on `destroy`. */
  readonly changes: Stream.Stream<S>
  /**
   * Runs `handler` on every change (and at once with the current state when
   * `immediate`) until the calling scope closes or the store is destroyed. Each
   * subscriber runs on its own fiber, in order; a failing handler is logged and
   * stays subscribed. Original: `subscribe(fn, immediate, owner)`, `watch(fn)`.
   */
  readonly listen: <X, R>(
    handler: (state: S) => Effect.Effect<void, X, R>,
    options?: ListenOptions
  ) => Effect.Effect<void, never, Scope.Scope | R>
  /**
   * Ends every subscription and `changes` stream without notifying them and resets
   * the state to its initial value (no change event; a persisted store persists
   * the reset). The store stays usable. Closing the store's scope is the normal
   * teardown and keeps the state. Original: `destroy()`.
   */
  readonly destroy: Effect.Effect<void, E>
}

const freezeValues = <A extends object>(record: A, freeze: <V>(value: V) => V): A => {
  for (const value of Object.values(record)) freeze(value)
  return record
}

/**
 * Creates a store holding `initial` (frozen in place, see `FreezeStates`) in the
 * calling scope. With `persist`, the state starts from the stored one (see
 * `Persistence`); closing the scope flushes pending writes and ends the
 * subscriptions. Needs the `Bus` when `events` is on, and a `KeyValueStore` when
 * persisted.
 *
 * Fails with `PersistenceError` or `StoredStateInvalid` (persisted stores only).
 * Original: `create_store(name, initial_state, emit_events, change_event)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function make<S extends object>(
  name: string,
  initial: S,
  options?: MemoryOptions<S> & { readonly events?: false | undefined }
): Effect.Effect<Store<S>, never, Scope.Scope>
export function make<S extends object>(
  name: string,
  initial: S,
  options: MemoryOptions<S>
): Effect.Effect<Store<S>, never, Scope.Scope | Bus.Bus>
export function make<S extends object>(
  name: string,
  initial: S,
  options: PersistedOptions<S> & { readonly events?: false | undefined }
): Effect.Effect<Store<S, PersistedError>, LoadError, Scope.Scope | KeyValueStore.KeyValueStore>
export function make<S extends object>(
  name: string,
  initial: S,
  options: PersistedOptions<S>
): Effect.Effect<Store<S, PersistedError>, LoadError, Scope.Scope | KeyValueStore.KeyValueStore | Bus.Bus>
export function make<S extends object>(
  name: string,
  initial: S,
  options?: Options<S>
): Effect.Effect<Store<S, PersistedError>, LoadError, Scope.Scope | KeyValueStore.KeyValueStore | Bus.Bus> {
  return Effect.gen(function*() {
    const { cell, changed } = yield* makeCell("store", name, initial, options)
    const { freeze, seal } = cell.freezer

    const get = ((...args: [] | [string] | [string, unknown]) =>
      Effect.sync(() => {
        const state = cell.current
        if (args.length === 0) return state
        return Object.hasOwn(state, args[0]) ? (state as Record<string, unknown>)[args[0]] : args[1]
      })) as Store<S>["get"]
    const replace = (state: S) =>
      cell.commit(() => {
        cell.require("replace()", state)
        return freeze(state)
      })
    const store: Store<S, any> = {
      name,
      changed,
      get,
      set: (partial) =>
        cell.commit((state) => {
          cell.require("set()", partial)
          return seal({ ...state, ...freezeValues(partial, freeze) }) as S
        }),
      replace,
      delete: (...keys) =>
        cell.commit((state) => {
          if (!keys.some((key) => Object.hasOwn(state, key))) return state
          const next: Record<string, unknown> = { ...state } as Record<string, unknown>
          for (const key of keys) delete next[key]
          return seal(next) as S
        }),
      clear: (() => replace({} as S)) as Store<S>["clear"],
      update: (f) =>
        cell.commit((state) => {
          const next = f(state)
          cell.require("update()", next)
          return freeze(next)
        }),
      changes: cell.changes,
      listen: (handler, options) => cell.listen(undefined, undefined, handler, options?.immediate === true),
      destroy: cell.destroy()
    }
    return store
  })
}

/**
 * One change of a keyed store: the whole state after it (a persistent `HashMap`,
 * shared, never copied) and the keys it touched (`entries`: set or removed). A
 * key of `entries` that `state` lacks was removed. The first element of `changes`
 * (and the `immediate` call of `listen`) names every key.
 *
 * @since 0.1.0
 * @category models
 */
export interface Change<V> {
  readonly state: HashMap.HashMap<string, V>
  readonly entries: ReadonlyArray<string>
}

/**
 * Options of `makeKeyed`: `events` publishes every `Change` on the bus (as
 * `<name>:changed`, or the given event); `persist` keeps one row per entry (see
 * `PersistEntry`); `initial` is the state before anything is stored.
 *
 * @since 0.1.0
 * @category models
 */
export interface KeyedOptions<V> {
  readonly initial?: Iterable<readonly [string, V]> | undefined
  readonly events?: boolean | Bus.Event<Change<V>> | undefined
  readonly persist?: PersistEntry<V> | undefined
}

/**
 * A keyed store: a collection of entries by string key, in a `HashMap`, whose
 * every change names the keys it touched. A write costs what it changes: setting
 * one entry is a `HashMap.set` (O(log n)) that freezes only the new value, and a
 * persisted one encodes and writes only that entry's row. Subscribers receive the
 * `Change`, so they can push a delta instead of the whole collection.
 *
 * Every mutation returns the `Change` it made; its `entries` is empty when nothing
 * changed (and then nobody is notified). `E` is `never` in memory and
 * `PersistenceError | InvalidState` when persisted (the mutation completes once
 * its rows are durable).
 *
 * @since 0.1.0
 * @category models
 */
export interface Keyed<V, E = never> {
  readonly name: string
  /** The change event (`<name>:changed` unless renamed); published only with `events`. */
  readonly changed: Bus.Event<Change<V>>
  /** With no key, every entry (a snapshot, shared); with a key, its value if present. */
  readonly get: {
    (): Effect.Effect<HashMap.HashMap<string, V>>
    (key: string): Effect.Effect<Option.Option<V>>
  }
  /** The number of entries. */
  readonly size: Effect.Effect<number>
  /** Sets entry `key` to `value` (frozen in place); a change even when equal. */
  readonly set: (key: string, value: V) => Effect.Effect<Change<V>, E>
  /**
   * Replaces entry `key` with `f(current)` atomically (`Option.none()` in, when
   * absent; `Option.none()` out removes it). `f` must be pure; returning the very
   * same value changes nothing.
   */
  readonly modify: (key: string, f: (current: Option.Option<V>) => Option.Option<V>) => Effect.Effect<Change<V>, E>
  /** Removes `keys`; a change only if one of them existed (its `entries` name those). */
  readonly delete: (...keys: ReadonlyArray<string>) => Effect.Effect<Change<V>, E>
  /** Removes every entry. */
  readonly clear: Effect.Effect<Change<V>, E>
  /** The current state (naming every key), then every change, in order; ends on `destroy`. */
  readonly changes: Stream.Stream<Change<V>>
  /**
   * Runs `handler` on every change (and at once with the current state, naming
   * every key, when `immediate`) until the calling scope closes or the store is
   * destroyed; a failing handler is logged and stays subscribed.
   */
  readonly listen: <X, R>(
    handler: (change: Change<V>) => Effect.Effect<void, X, R>,
    options?: ListenOptions
  ) => Effect.Effect<void, never, Scope.Scope | R>
  /** Ends every subscription without notifying it and resets to the initial entries. */
  readonly destroy: Effect.Effect<void, E>
}

/**
 * Where persisted keyed stores are kept when the application shares them between
 * processes: with one in context, `makeKeyed` with `persist` hands the store to it.
 * `@specter-runtime/cluster` provides one in cluster mode (one row per entry in
 * PostgreSQL, compare-and-set per entry, changes reaching the subscribers of every
 * node); without one the store is the process's own, persisted through the
 * `KeyValueStore`.
 *
 * @since 0.2.0
 * @category sharing
 */
export class SharedKeyed extends Context.Service<SharedKeyed, {
  readonly makeKeyed: <V>(
    name: string,
    options: KeyedOptions<V> & { readonly persist: PersistEntry<V> }
  ) => Effect.Effect<Keyed<V, PersistedError>, never, Scope.Scope>
}>()("@specter-runtime/core/Store/SharedKeyed") {}

/**
 * Creates a keyed store in the calling scope (see `Keyed`). With `persist`, the
 * entries load from their rows (see `PersistEntry`, which also migrates a state
 * stored whole by an earlier version); closing the scope flushes pending writes.
 * Needs the `Bus` when `events` is on and a `KeyValueStore` when persisted.
 *
 * **When to use**: a collection that grows (items by id, sessions by user): each
 * change costs what it changes. For a small record of settings, `make`.
 *
 * Fails with `PersistenceError` or `StoredStateInvalid` (persisted stores only).
 *
 * @example
 * const items = yield* Store.makeKeyed<Item>("items", { persist: { entry: Item } })
 * yield* items.set(item.id, item)
 * yield* items.listen(({ state, entries }) => Effect.log(`${entries.length} of ${HashMap.size(state)} changed`))
 *
 * @since 0.1.0
 * @category constructors
 */
export function makeKeyed<V>(
  name: string,
  options?: KeyedOptions<V> & { readonly events?: false | undefined; readonly persist?: undefined }
): Effect.Effect<Keyed<V>, never, Scope.Scope>
export function makeKeyed<V>(
  name: string,
  options: KeyedOptions<V> & { readonly persist?: undefined }
): Effect.Effect<Keyed<V>, never, Scope.Scope | Bus.Bus>
export function makeKeyed<V>(
  name: string,
  options: KeyedOptions<V> & { readonly events?: false | undefined; readonly persist: PersistEntry<V> }
): Effect.Effect<Keyed<V, PersistedError>, LoadError, Scope.Scope | KeyValueStore.KeyValueStore>
export function makeKeyed<V>(
  name: string,
  options: KeyedOptions<V> & { readonly persist: PersistEntry<V> }
): Effect.Effect<Keyed<V, PersistedError>, LoadError, Scope.Scope | KeyValueStore.KeyValueStore | Bus.Bus>
export function makeKeyed<V>(
  name: string,
  options?: KeyedOptions<V>
): Effect.Effect<Keyed<V, PersistedError>, LoadError, Scope.Scope | KeyValueStore.KeyValueStore | Bus.Bus> {
  return Effect.gen(function*() {
    if (options?.persist !== undefined) {
      const shared = yield* Effect.serviceOption(SharedKeyed)
      if (Option.isSome(shared)) return yield* shared.value.makeKeyed(name, options as KeyedOptions<V> & { readonly persist: PersistEntry<V> })
    }
    return yield* keyedStore.make(name, options)
  })
}
