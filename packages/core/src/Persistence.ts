/**
 * Persistence for Store and Model: a state created with a `persist` option loads
 * its last saved value on start and writes every change through Effect's
 * `KeyValueStore` (`effect/persistence`), so any layer providing one will do.
 *
 * - `layer`: the embedded default, no server needed: SQLite through Node's built-in
 *   `node:sqlite`, in WAL mode, in `$SPECTER_DATA_DIR/specter.db` (default `./data`).
 * - `layerMemory`: in memory, for tests.
 *
 * Two layouts: `PersistState` (`persist: { schema }`) keeps the whole state as one
 * value, rewritten on every change; `PersistEntry` (`persist: { entry }`) keeps
 * one row per entry and writes only the rows a change touched: the one for a
 * collection (`Store.makeKeyed`), whose changes then cost what they change.
 *
 * What a persisted state promises:
 * - a mutation's effect completes only once the new state is durable (acknowledged);
 *   mutations made while a write is in flight are coalesced into the next write;
 * - closing the state's scope flushes what is pending;
 * - a stored value that cannot be parsed or no longer matches the Schema is never
 *   silently dropped: it is moved aside to `<key>:invalid:<timestamp>`, reported
 *   with a clear error log, and the state starts from its initial value, or, with
 *   `onInvalid: "fail"`, the state refuses to start (`StoredStateInvalid`) and the
 *   stored value is left where it is.
 *
 * Original: the original kept Store and Model in memory only.
 *
 * @since 0.1.0
 */
import { Config, Data, Effect, Layer, type Schema, type Scope } from "effect"
import { KeyValueStore } from "effect/persistence"
import * as sqlite from "./internal/sqlite.ts"

/**
 * How a Store or Model is persisted: `PersistState` (the whole state as one value)
 * or `PersistEntry` (a record state, one value per entry).
 *
 * @since 0.1.0
 * @category models
 */
export type PersistOptions<S> = PersistState<S> | PersistEntry<S[keyof S]>

/**
 * Options shared by both layouts.
 *
 * - `key`: the key in the `KeyValueStore` (default: the state's name).
 * - `onInvalid`: what to do with a stored value that cannot be read or decoded:
 *   `"reset"` (default) moves it aside, logs an error and starts without it;
 *   `"fail"` makes the constructor fail with `StoredStateInvalid`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PersistBase {
  readonly key?: string | undefined
  readonly onInvalid?: "reset" | "fail" | undefined
}

/**
 * The whole state as one JSON value (through `Schema.toCodecJson(schema)`),
 * rewritten on every change. Every new state is encoded before it is committed,
 * so a state that does not match `schema` is refused (`InvalidState`).
 *
 * **When to use**: small states. A change costs the size of the whole state; for a
 * collection use `Store.makeKeyed` with `PersistEntry`.
 *
 * @since 0.1.0
 * @category models
 */
export interface PersistState<S> extends PersistBase {
  readonly schema: Schema.Codec<S, any>
}

/**
 * One JSON value (one row) per entry, under `<key>/<entry>` (through
 * `Schema.toCodecJson(entry)`): a change encodes and writes only the entries it
 * touched and removes the ones it deleted, so its cost is that of the change, not
 * of the whole state. An entry that does not match `entry` is refused
 * (`InvalidState`); an unreadable stored entry is moved aside on its own, the
 * others load.
 *
 * A value stored whole under `key` itself (by an earlier version that used
 * `PersistState`) is migrated on start by `migrate` (see `migrateFrom`): its
 * entries are written as rows, then the old value is removed (a crash in between
 * migrates again on the next start, to the same rows). Without `migrate`, or when
 * the old value does not decode, it is moved aside to
 * `<key>:previous-layout:<timestamp>` with an error log (`onInvalid: "fail"`
 * refuses to start instead).
 *
 * Used by `Store.makeKeyed` (entries of a `HashMap`), and by `Store.make` and
 * `Model.make` for a record state (`Record<string, V>`, top-level keys as entries).
 *
 * @example
 * const items = yield* Store.makeKeyed<Item>("items", { persist: { entry: Item } })
 *
 * @since 0.1.0
 * @category models
 */
export interface PersistEntry<V> extends PersistBase {
  readonly entry: Schema.Codec<V, any>
  readonly migrate?: Migration<V> | undefined
}

/**
 * How to turn a state stored whole by an earlier version into entries: decode
 * it with `schema`, then `entries(previous)` gives `[entry key, value]` pairs.
 * Build it with `migrateFrom`, which infers the previous type.
 *
 * @since 0.1.0
 * @category models
 */
export interface Migration<V> {
  readonly schema: Schema.Codec<any, any>
  readonly entries: (previous: any) => Iterable<readonly [string, V]>
}

/**
 * A `Migration` from a state stored whole with `schema` (the `PersistState` of an
 * earlier version) to entries.
 *
 * @example
 * const items = yield* Store.makeKeyed<Item>("items", {
 *   persist: {
 *     entry: Item,
 *     migrate: Persistence.migrateFrom(Schema.Struct({ items: Schema.Array(Item) }), (old) =>
 *       old.items.map((item) => [item.id, item] as const))
 *   }
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const migrateFrom = <P, V>(
  schema: Schema.Codec<P, any>,
  entries: (previous: P) => Iterable<readonly [string, V]>
): Migration<V> => ({ schema, entries })

/**
 * The key-value store could not be read or written. When a mutation fails with it,
 * the new state is kept in memory (subscribers saw it) but is not yet durable; the
 * next successful write persists it.
 *
 * @since 0.1.0
 * @category errors
 */
export class PersistenceError extends Data.TaggedError("PersistenceError")<{
  readonly key: string
  readonly operation: "load" | "write" | "move-aside"
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * The stored value under `key` could not be parsed or does not match the Schema,
 * and the state was created with `onInvalid: "fail"`. The value was left in place.
 *
 * @since 0.1.0
 * @category errors
 */
export class StoredStateInvalid extends Data.TaggedError("StoredStateInvalid")<{
  readonly key: string
  readonly message: string
}> {}

/**
 * A mutation of a persisted state produced a state its Schema cannot encode; the
 * mutation was refused and the state is unchanged.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidState extends Data.TaggedError("InvalidState")<{
  readonly key: string
  readonly message: string
}> {}

/**
 * Options of the SQLite layer.
 *
 * - `directory`: where the database lives (default: `SPECTER_DATA_DIR`, else `./data`);
 *   created if missing.
 * - `filename`: default `specter.db`.
 * - `synchronous`: `"full"` (default) fsyncs the log at every commit, so an
 *   acknowledged write survives a process crash and a power cut; `"normal"` skips
 *   that fsync: still safe against a process crash (`kill -9`), not a power cut.
 *
 * @since 0.1.0
 * @category models
 */
export interface SqliteOptions {
  readonly directory?: string | undefined
  readonly filename?: string | undefined
  readonly synchronous?: "full" | "normal" | undefined
}

/**
 * Counters of a SQLite store: `commits` (transactions, each one fsync at
 * `synchronous=FULL`), `writes` (keys written by them, after coalescing) and
 * `requests` (`set`/`remove` calls), plus the database `path`.
 *
 * @since 0.1.0
 * @category models
 */
export type SqliteStats = sqlite.Stats

/**
 * The data directory: `SPECTER_DATA_DIR`, default `./data`.
 *
 * @since 0.1.0
 * @category config
 */
export const dataDirectory: Config.Config<string> = Config.String("SPECTER_DATA_DIR").pipe(Config.withDefault("./data"))

/**
 * Opens a SQLite-backed `KeyValueStore` in the calling scope (closing the scope
 * commits what is pending and closes the database), with its counters. Writes are
 * group-committed: all `set`/`remove` calls issued before the next turn of the
 * event loop share one transaction, and each call completes once it is committed.
 *
 * Fails with `PersistenceError` when the directory or database cannot be opened.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeSqlite = (
  options?: SqliteOptions
): Effect.Effect<
  { readonly store: KeyValueStore.KeyValueStore; readonly stats: () => SqliteStats },
  PersistenceError,
  Scope.Scope
> =>
  Effect.gen(function*() {
    const directory = options?.directory ?? (yield* Effect.orDie(dataDirectory))
    const filename = options?.filename ?? "specter.db"
    return yield* sqlite.make({ directory, filename, synchronous: options?.synchronous ?? "full" }).pipe(
      Effect.mapError((error) =>
        new PersistenceError({ key: `${directory}/${filename}`, operation: "load", message: error.message, cause: error })
      )
    )
  })

/**
 * A `KeyValueStore` on SQLite (see `makeSqlite`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerSqlite = (options?: SqliteOptions): Layer.Layer<KeyValueStore.KeyValueStore, PersistenceError> =>
  Layer.effect(KeyValueStore.KeyValueStore, Effect.map(makeSqlite(options), (sqlite) => sqlite.store))

/**
 * The embedded default: `layerSqlite()` in `$SPECTER_DATA_DIR/specter.db`
 * (default `./data/specter.db`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<KeyValueStore.KeyValueStore, PersistenceError> = layerSqlite()

/**
 * An in-memory `KeyValueStore`, fresh per build: for tests.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory: Layer.Layer<KeyValueStore.KeyValueStore> = KeyValueStore.layerMemory
