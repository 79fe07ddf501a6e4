/**
 * How a persisted state lies in the `KeyValueStore`:
 *
 * - `whole`: the state is one JSON value under its key, rewritten on every change;
 * - `entries`: each top-level entry of a record state is a JSON value of its own,
 *   under `<key>/<entry>`; a change writes only the entries that changed (by
 *   identity: an update shares what it does not change) and removes the ones that
 *   went, so a change encodes what it changed, not the whole state;
 * - `keyed`: the same rows for a keyed store, whose change names its keys, so not
 *   even the unchanged keys are looked at.
 *
 * A stored value that cannot be read is moved aside (or, with `onInvalid: "fail"`,
 * refused); see `Persistence`.
 *
 * @internal
 */
import { Clock, Effect, HashMap, Result, Schema } from "effect"
import type { KeyValueStore } from "effect/persistence"
import { InvalidState, type Migration, type PersistenceError, type PersistEntry, StoredStateInvalid } from "../Persistence.ts"
import type { Change } from "../Store.ts"
import { type Failure, REMOVE, type Writes } from "./persistWriter.ts"

export interface Layout<S> {
  /** The stored state, `undefined` when nothing is stored (or it was moved aside). */
  readonly load: Effect.Effect<S | undefined, PersistenceError | StoredStateInvalid>
  /** What a change from `current` to `next` writes, or why `next` cannot be stored. */
  readonly writes: (next: S, current: S) => Result.Result<Writes, InvalidState>
}

export interface Context {
  readonly kv: KeyValueStore.KeyValueStore
  readonly owner: string
  readonly key: string
  readonly onInvalid: "reset" | "fail" | undefined
  readonly failure: Failure
  /** Makes a loaded value immutable (see `Store.FreezeStates`). */
  readonly freeze: <A>(value: A) => A
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Parses and decodes `raw`, or says why it cannot be. */
const read = <A>(raw: string, decode: (input: unknown) => Result.Result<A, Schema.SchemaError>): Result.Result<A, string> => {
  try {
    const decoded = decode(JSON.parse(raw))
    return Result.isSuccess(decoded) ? Result.succeed(decoded.success) : Result.fail(`does not match its schema: ${decoded.failure.message}`)
  } catch (error) {
    return Result.fail(`is not valid JSON (${describe(error)})`)
  }
}

/**
 * Refuses to start, or moves the unreadable value under `key` aside to
 * `movedTo(time)` and logs it, saying what the state starts `from`.
 */
const unreadable = (context: Context, key: string, raw: string, reason: string, movedTo: (time: string) => string, from: string) =>
  Effect.gen(function*() {
    const { failure, kv, owner } = context
    if (context.onInvalid === "fail") {
      return yield* new StoredStateInvalid({
        key,
        message: `${owner}: the stored state under '${key}' ${reason}; refusing to start (it was left in place)`
      })
    }
    const target = movedTo(new Date(yield* Clock.currentTimeMillis).toISOString())
    yield* Effect.mapError(kv.set(target, raw), failure("move-aside", `moving aside`))
    yield* Effect.mapError(kv.remove(key), failure("move-aside", `removing`))
    yield* Effect.logError(
      `${owner}: the stored state under '${key}' ${reason}; it was moved aside to '${target}' and the state starts ${from}`
    ).pipe(Effect.annotateLogs({ key, movedTo: target }))
  })

const refused = (context: Context, what: string) => (error: Schema.SchemaError) =>
  new InvalidState({ key: context.key, message: `${context.owner}: ${what} does not match its schema: ${error.message}` })

/** The whole state as one value under `key`. */
export const whole = <S>(context: Context, schema: Schema.Codec<S, any>): Layout<S> => {
  const codec = Schema.toCodecJson(schema)
  const encode = Schema.encodeUnknownResult(codec)
  const decode = Schema.decodeUnknownResult(codec) as (input: unknown) => Result.Result<S, Schema.SchemaError>
  const { key } = context
  return {
    load: Effect.gen(function*() {
      const raw = yield* Effect.mapError(context.kv.get(key), context.failure("load", "reading"))
      if (raw === undefined) return undefined
      const state = read(raw, decode)
      if (Result.isSuccess(state)) return context.freeze(state.success)
      yield* unreadable(context, key, raw, state.failure, (time) => `${key}:invalid:${time}`, "from its initial value")
      return undefined
    }),
    writes: (next) => Result.mapBoth(encode(next), { onSuccess: (encoded) => new Map([[key, encoded]]), onFailure: refused(context, "the new state") })
  }
}

type Decode<V> = (input: unknown) => Result.Result<V, Schema.SchemaError>

/**
 * A value stored whole under `key` by an earlier version: migrated to rows with
 * `migrate` (rows first, then the old value removed: a crash in between migrates
 * again), or moved aside. Returns the migrated entries.
 */
const previousLayout = <V>(
  context: Context,
  raw: string,
  migrate: Migration<V> | undefined,
  encode: (value: V) => Result.Result<unknown, Schema.SchemaError>
) =>
  Effect.gen(function*() {
    const { failure, key, kv, owner } = context
    const aside = (reason: string) =>
      Effect.as(unreadable(context, key, raw, reason, (time) => `${key}:previous-layout:${time}`, "without it"), [])
    if (migrate === undefined) return yield* aside("is in the whole-state layout and no `migrate` was given")
    const previous = read(raw, Schema.decodeUnknownResult(Schema.toCodecJson(migrate.schema)) as Decode<unknown>)
    if (Result.isFailure(previous)) return yield* aside(`is in the whole-state layout and ${previous.failure}`)
    const rows: Array<readonly [string, V, string]> = []
    for (const [name, value] of migrate.entries(previous.success)) {
      const encoded = encode(value)
      if (Result.isFailure(encoded)) return yield* aside(`is in the whole-state layout and its entry '${name}' does not match its schema: ${encoded.failure.message}`)
      rows.push([name, value, JSON.stringify(encoded.success)])
    }
    yield* Effect.forEach(rows, ([name, , text]) => kv.set(`${key}/${name}`, text), { discard: true }).pipe(
      Effect.andThen(kv.remove(key)),
      Effect.mapError(failure("write", "migrating"))
    )
    yield* Effect.logInfo(`${owner}: migrated ${rows.length} entries from the whole state under '${key}' to one row each`)
    return rows.map(([name, value]) => [name, value] as const)
  })

/**
 * The stored entries under `<key>/`, plus those migrated from a whole state under
 * `key`; `undefined` when nothing is stored. Unreadable entries are moved aside.
 */
const loadEntries = <V>(context: Context, schema: Schema.Codec<V, any>, migrate: Migration<V> | undefined) =>
  Effect.gen(function*() {
    const { failure, kv } = context
    const codec = Schema.toCodecJson(schema)
    const decode = Schema.decodeUnknownResult(codec) as Decode<V>
    const prefix = `${context.key}/`
    const whole = yield* Effect.mapError(kv.get(context.key), failure("load", "reading"))
    const loaded: Array<readonly [string, V]> = whole === undefined
      ? []
      : yield* previousLayout(context, whole, migrate, Schema.encodeUnknownResult(codec))
    const keys = (yield* Effect.mapError(kv.keys, failure("load", "listing"))).filter((k) => k.startsWith(prefix))
    if (keys.length === 0 && whole === undefined) return undefined
    for (const key of keys) {
      const raw = yield* Effect.mapError(kv.get(key), failure("load", "reading"))
      if (raw === undefined) continue
      const name = key.slice(prefix.length)
      const entry = read(raw, decode)
      if (Result.isSuccess(entry)) loaded.push([name, context.freeze(entry.success)])
      else yield* unreadable(context, key, raw, entry.failure, (time) => `${context.key}:invalid:${time}/${name}`, "without that entry")
    }
    return loaded
  })

/** Encodes the value of entry `name`, or refuses it. */
const encodeEntry = <V>(context: Context, encode: (value: V) => Result.Result<unknown, Schema.SchemaError>) =>
(name: string, value: V): Result.Result<unknown, InvalidState> =>
  Result.mapError(encode(value), refused(context, `entry '${name}'`))

/** A record state, one value per entry under `<key>/<entry>`. */
export const entries = <V>(context: Context, options: PersistEntry<V>): Layout<Readonly<Record<string, V>>> => {
  const encode = encodeEntry(context, Schema.encodeUnknownResult(Schema.toCodecJson(options.entry)))
  const prefix = `${context.key}/`
  const load = Effect.map(loadEntries(context, options.entry, options.migrate), (loaded) => {
    if (loaded === undefined) return undefined
    const state: Record<string, V> = {}
    for (const [name, value] of loaded) {
      Object.defineProperty(state, name, { value, enumerable: true, writable: true, configurable: true })
    }
    return context.freeze(state)
  })
  const writes = (next: Readonly<Record<string, V>>, current: Readonly<Record<string, V>>): Result.Result<Writes, InvalidState> => {
    const out = new Map<string, unknown>()
    for (const name of Object.keys(next)) {
      const value = next[name]!
      if (Object.hasOwn(current, name) && current[name] === value) continue
      const encoded = encode(name, value)
      if (Result.isFailure(encoded)) return Result.fail(encoded.failure)
      out.set(prefix + name, encoded.success)
    }
    for (const name of Object.keys(current)) if (!Object.hasOwn(next, name)) out.set(prefix + name, REMOVE)
    return Result.succeed(out)
  }
  return { load, writes }
}

/**
 * The entries of a keyed store (a `Change`), one value per entry under
 * `<key>/<entry>`; a change writes only the keys it names.
 */
export const keyed = <V>(context: Context, options: PersistEntry<V>): Layout<Change<V>> => {
  const encode = encodeEntry(context, Schema.encodeUnknownResult(Schema.toCodecJson(options.entry)))
  const prefix = `${context.key}/`
  const load = Effect.map(loadEntries(context, options.entry, options.migrate), (loaded): Change<V> | undefined =>
    loaded === undefined ? undefined : { state: HashMap.fromIterable(loaded), entries: [] }
  )
  const writes = (next: Change<V>): Result.Result<Writes, InvalidState> => {
    const out = new Map<string, unknown>()
    for (const name of next.entries) {
      const value = HashMap.get(next.state, name)
      if (value._tag === "None") {
        out.set(prefix + name, REMOVE)
        continue
      }
      const encoded = encode(name, value.value)
      if (Result.isFailure(encoded)) return Result.fail(encoded.failure)
      out.set(prefix + name, encoded.success)
    }
    return Result.succeed(out)
  }
  return { load, writes }
}
