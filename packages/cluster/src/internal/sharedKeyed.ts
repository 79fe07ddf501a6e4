/**
 * Persisted keyed stores (`Store.makeKeyed` with `persist`) in cluster mode: one row
 * per entry in `<prefix>_entries` (store, key, version, JSON value). A change of an
 * entry is a compare-and-set on that row's version (an insert that must not find
 * the row, an update or a delete that must find the version read), computed again
 * when another node won the race; the changed keys and their versions are then
 * announced on Redis, and every node reloads those rows and notifies its own
 * subscribers, so a change made anywhere reaches the subscribers everywhere.
 *
 * @internal
 */
import { Bus, Persistence, Store } from "@specter-runtime/core"
import { Cause, Effect, HashMap, Option, Queue, Random, Schema, type Scope, Stream, SubscriptionRef } from "effect"
import { Redis } from "effect/persistence"
import { SqlClient } from "effect/sql"

interface Row {
  readonly key: string
  readonly version: number
  readonly value: string
}

interface Announcement {
  readonly o: string
  readonly keys: ReadonlyArray<string>
}

export const make = (prefix: string, node: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const redis = yield* Redis.Redis
    const table = sql(`${prefix}_entries`)
    yield* sql`create table if not exists ${table} (
      store text not null, key text not null, version bigint not null, value text not null, primary key (store, key))`.pipe(Effect.orDie)
    return Store.SharedKeyed.of({
      makeKeyed: <V>(name: string, options: Store.KeyedOptions<V> & { readonly persist: Persistence.PersistEntry<V> }) =>
        makeKeyed(name, options, { sql, redis, table, channel: `${prefix}:entries:${name}`, node })
    })
  })

interface Engine {
  readonly sql: SqlClient.SqlClient
  readonly redis: Redis.Redis["Service"]
  readonly table: ReturnType<SqlClient.SqlClient>
  readonly channel: string
  readonly node: string
}

const makeKeyed = <V>(
  name: string,
  options: Store.KeyedOptions<V> & { readonly persist: Persistence.PersistEntry<V> },
  { channel, node, redis, sql, table }: Engine
): Effect.Effect<Store.Keyed<V, Store.PersistedError>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const json = Schema.toCodecJson(options.persist.entry)
    const encode = (value: V) => JSON.stringify(Schema.encodeSync(json)(value))
    const decode = (text: string) => Schema.decodeUnknownSync(json)(JSON.parse(text)) as V
    for (const [key, value] of options.initial ?? []) {
      yield* sql`insert into ${table} (store, key, version, value) values (${name}, ${key}, 1, ${encode(value)}) on conflict do nothing`
    }
    const rows = (keys?: ReadonlyArray<string>) =>
      keys === undefined
        ? sql<Row>`select key, version::int as version, value from ${table} where store = ${name}`
        : sql<Row>`select key, version::int as version, value from ${table} where store = ${name} and key in ${sql.in(keys)}`
    const versions = new Map<string, number>()
    let state = HashMap.empty<string, V>()
    for (const row of yield* rows()) {
      versions.set(row.key, Number(row.version))
      state = HashMap.set(state, row.key, decode(row.value))
    }
    const ref = yield* SubscriptionRef.make<Store.Change<V>>({ state, entries: [...HashMap.keys(state)] })

    /** Applies the rows of `keys` as they are in the database now (absent: removed). */
    const reload = (keys: ReadonlyArray<string>) =>
      Effect.gen(function*() {
        if (keys.length === 0) return
        const found = new Map((yield* rows(keys)).map((row) => [row.key, row]))
        yield* SubscriptionRef.update(ref, (current) => {
          let next = current.state
          const touched: Array<string> = []
          for (const key of keys) {
            const row = found.get(key)
            if (row === undefined) {
              if (HashMap.has(next, key)) touched.push(key)
              versions.delete(key)
              next = HashMap.remove(next, key)
            } else if (Number(row.version) !== versions.get(key)) {
              versions.set(key, Number(row.version))
              next = HashMap.set(next, key, decode(row.value))
              touched.push(key)
            }
          }
          return touched.length === 0 ? current : { state: next, entries: touched }
        })
      })

    /** One compare-and-set of `key` from what the database holds now; `undefined` when nothing changes. */
    const attempt = (key: string, f: (current: Option.Option<V>) => Option.Option<V>) =>
      Effect.gen(function*() {
        const [row] = yield* rows([key])
        const current = row === undefined ? Option.none<V>() : Option.some(decode(row.value))
        const next = f(current)
        if (Option.isNone(next) && row === undefined) return "unchanged" as const
        const written = Option.isNone(next)
          ? yield* sql`delete from ${table} where store = ${name} and key = ${key} and version = ${row!.version} returning key`
          : row === undefined
          ? yield* sql`insert into ${table} (store, key, version, value) values (${name}, ${key}, 1, ${encode(next.value)})
              on conflict do nothing returning key`
          : yield* sql`update ${table} set version = version + 1, value = ${encode(next.value)}
              where store = ${name} and key = ${key} and version = ${row.version} returning key`
        return written.length === 1 ? "written" as const : "lost" as const
      })

    const modifyAll = (keys: ReadonlyArray<string>, f: (key: string, current: Option.Option<V>) => Option.Option<V>) =>
      Effect.gen(function*() {
        const written: Array<string> = []
        for (const key of keys) {
          while (true) {
            const outcome = yield* attempt(key, (current) => f(key, current))
            if (outcome === "written") written.push(key)
            if (outcome !== "lost") break
            yield* Effect.sleep(yield* Random.nextBetween(0, 3))
          }
        }
        if (written.length === 0) return { state: (yield* SubscriptionRef.get(ref)).state, entries: [] }
        yield* reload(written)
        yield* Effect.ignore(redis.send("PUBLISH", channel, JSON.stringify({ o: node, keys: written } satisfies Announcement)))
        return { state: (yield* SubscriptionRef.get(ref)).state, entries: written }
      }).pipe(
        Effect.catchCause((cause) =>
          Cause.hasInterruptsOnly(cause)
            ? Effect.failCause(cause as Cause.Cause<never>)
            : Effect.fail(
              new Persistence.PersistenceError({ key: name, operation: "write", message: `store '${name}': the shared write failed`, cause: Cause.squash(cause) })
            ))
      ) as Effect.Effect<Store.Change<V>, Store.PersistedError>

    const announcements = yield* redis.subscribe(channel)
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(announcements), (message) => {
      const { keys, o } = JSON.parse(message.message) as Announcement
      return o === node ? Effect.void : Effect.ignore(reload(keys))
    })).pipe(Effect.ignore))

    const changes = Stream.suspend(() => {
      let first = true
      return Stream.map(SubscriptionRef.changes(ref), (change) =>
        first ? ((first = false), { state: change.state, entries: [...HashMap.keys(change.state)] }) : change)
    })
    const keyed: Store.Keyed<V, Store.PersistedError> = {
      name,
      changed: typeof options.events === "object" ? options.events : Bus.event<Store.Change<V>>(`${name}:changed`),
      get: ((key?: string) =>
        Effect.map(SubscriptionRef.get(ref), (change) => (key === undefined ? change.state : HashMap.get(change.state, key)))) as Store.Keyed<V>["get"],
      size: Effect.map(SubscriptionRef.get(ref), (change) => HashMap.size(change.state)),
      set: (key, value) => modifyAll([key], () => Option.some(value)),
      modify: (key, f) => modifyAll([key], (_, current) => f(current)),
      delete: (...keys) => modifyAll(keys, () => Option.none()),
      clear: Effect.flatMap(SubscriptionRef.get(ref), (change) => modifyAll([...HashMap.keys(change.state)], () => Option.none())),
      changes,
      listen: (handler, listenOptions) =>
        Effect.asVoid(Effect.forkScoped(Stream.runForEach(
          listenOptions?.immediate === true ? changes : Stream.drop(changes, 1),
          (change) => Effect.catchCause(handler(change), (cause) => Effect.logError(`store '${name}': a listener failed`, cause))
        ))),
      destroy: Effect.void
    }
    return keyed
  }).pipe(Effect.orDie)
