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
import { Cause, Deferred, Effect, HashMap, Option, Queue, Schema, type Scope, Stream, SubscriptionRef } from "effect"
import { Redis } from "effect/persistence"
import { SqlClient } from "effect/sql"
import { type Backing, createTable, lostRace, untilWon } from "./backing.ts"

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
    const bus = Option.getOrUndefined(yield* Effect.serviceOption(Bus.Bus))
    const table = sql(`${prefix}_entries`)
    yield* createTable(sql`create table if not exists ${table} (
      store text not null, key text not null, version bigint not null, value text not null, primary key (store, key))`)
    return Store.SharedKeyed.of({
      makeKeyed: <V>(name: string, options: Store.KeyedOptions<V> & { readonly persist: Persistence.PersistEntry<V> }) =>
        makeKeyed(name, options, { sql, redis, table, channel: `${prefix}:entries:${name}`, node, bus })
    })
  })

interface Engine extends Backing {
  readonly node: string
  /** Where a store with `events` publishes its changes (this node's bus). */
  readonly bus: Bus.Bus["Service"] | undefined
}

/** A JSON codec of an entry's value, made from its Schema. */
interface EntryCodec<V> {
  readonly encode: (value: V) => string
  readonly decode: (text: string) => V
}

const entryCodec = <V>(entry: Schema.Codec<V, any>): EntryCodec<V> => {
  const json = Schema.toCodecJson(entry)
  return {
    encode: (value) => JSON.stringify(Schema.encodeSync(json)(value)),
    decode: (text) => Schema.decodeUnknownSync(json)(JSON.parse(text)) as V
  }
}

/** What an `Entries` is made with: where it lives, its codec, and who hears its changes. */
interface Setup<V> {
  readonly name: string
  readonly engine: Engine
  readonly codec: EntryCodec<V>
  /** Called with every change this node applies, unless silent (`events`). */
  readonly onChange: ((change: Store.Change<V>) => void) | undefined
}

/**
 * The entries of one shared keyed store as this node knows them: the state in a
 * `SubscriptionRef`, the version of every row it last read, and the writes,
 * each a compare-and-set of one row.
 */
class Entries<V> {
  readonly name: string
  readonly engine: Engine
  readonly codec: EntryCodec<V>
  readonly onChange: ((change: Store.Change<V>) => void) | undefined
  readonly ref: SubscriptionRef.SubscriptionRef<Store.Change<V>>
  readonly versions: Map<string, number>
  /** Completed when the streams of this generation end (`destroy`). */
  private ended: Deferred.Deferred<void> = Deferred.makeUnsafe()

  constructor(setup: Setup<V>, ref: SubscriptionRef.SubscriptionRef<Store.Change<V>>, versions: Map<string, number>) {
    this.name = setup.name
    this.engine = setup.engine
    this.codec = setup.codec
    this.onChange = setup.onChange
    this.ref = ref
    this.versions = versions
  }

  /** Loads the store's rows (inserting `initial` where absent). */
  static load<V>(setup: Setup<V>, initial: Iterable<readonly [string, V]>) {
    return Effect.gen(function*() {
      const { codec, engine, name } = setup
      const { sql, table } = engine
      for (const [key, value] of initial) {
        yield* sql`insert into ${table} (store, key, version, value) values (${name}, ${key}, 1, ${codec.encode(value)}) on conflict do nothing`
      }
      const versions = new Map<string, number>()
      let state = HashMap.empty<string, V>()
      for (const row of yield* rows(engine, name)) {
        versions.set(row.key, Number(row.version))
        state = HashMap.set(state, row.key, codec.decode(row.value))
      }
      const ref = yield* SubscriptionRef.make<Store.Change<V>>({ state, entries: [...HashMap.keys(state)] })
      return new Entries(setup, ref, versions)
    })
  }

  /** Applies the rows of `keys` as they are in the database now (absent: removed). */
  reload(keys: ReadonlyArray<string>, silent = false): Effect.Effect<void, unknown> {
    if (keys.length === 0) return Effect.void
    return Effect.flatMap(rows(this.engine, this.name, keys), (found) => {
      const byKey = new Map(found.map((row) => [row.key, row]))
      return SubscriptionRef.modify(this.ref, (current) => {
        const next = this.applyRows(current, keys, byKey)
        return [next === current ? undefined : next, next] as const
      }).pipe(Effect.map((change) => {
        if (change !== undefined && !silent) this.onChange?.(change)
      }))
    })
  }

  private applyRows(current: Store.Change<V>, keys: ReadonlyArray<string>, found: Map<string, Row>): Store.Change<V> {
    let next = current.state
    const touched: Array<string> = []
    for (const key of keys) {
      const row = found.get(key)
      if (row === undefined) {
        if (HashMap.has(next, key)) touched.push(key)
        this.versions.delete(key)
        next = HashMap.remove(next, key)
      } else if (Number(row.version) !== this.versions.get(key)) {
        this.versions.set(key, Number(row.version))
        next = HashMap.set(next, key, this.codec.decode(row.value))
        touched.push(key)
      }
    }
    return touched.length === 0 ? current : { state: next, entries: touched }
  }

  /** One compare-and-set of `key` from what the database holds now. */
  attempt(key: string, f: (current: Option.Option<V>) => Option.Option<V>) {
    const { engine: { sql, table }, name, codec } = this
    return Effect.gen(function*() {
      const [row] = yield* rows({ sql, table }, name, [key])
      const current = row === undefined ? Option.none<V>() : Option.some(codec.decode(row.value))
      const next = f(current)
      if (Option.isNone(next) && row === undefined) return "unchanged" as const
      const written = Option.isNone(next)
        ? yield* sql`delete from ${table} where store = ${name} and key = ${key} and version = ${row!.version} returning key`
        : row === undefined
        ? yield* sql`insert into ${table} (store, key, version, value) values (${name}, ${key}, 1, ${codec.encode(next.value)})
            on conflict do nothing returning key`
        : yield* sql`update ${table} set version = version + 1, value = ${codec.encode(next.value)}
            where store = ${name} and key = ${key} and version = ${row.version} returning key`
      return written.length === 1 ? "written" as const : "lost" as const
    })
  }

  /** Whether `f` of `key` was written: tried again, after a short random pause, while another node wins the race. */
  writeKey(key: string, f: (current: Option.Option<V>) => Option.Option<V>) {
    return untilWon(
      Effect.flatMap(this.attempt(key, f), (outcome) => (outcome === "lost" ? Effect.fail(lostRace) : Effect.succeed(outcome === "written")))
    )
  }

  /** Writes `f` of each key (see `writeKey`), then reloads and announces the keys written. */
  modifyAll(
    keys: ReadonlyArray<string>,
    f: (key: string, current: Option.Option<V>) => Option.Option<V>,
    silent = false
  ): Effect.Effect<Store.Change<V>, Store.PersistedError> {
    const self = this
    const { channel, node, redis } = this.engine
    return Effect.gen(function*() {
      const written: Array<string> = []
      for (const key of keys) {
        if (yield* self.writeKey(key, (current) => f(key, current))) written.push(key)
      }
      if (written.length > 0) {
        yield* self.reload(written, silent)
        yield* Effect.ignore(redis.send("PUBLISH", channel, JSON.stringify({ o: node, keys: written } satisfies Announcement)))
      }
      return { state: (yield* SubscriptionRef.get(self.ref)).state, entries: written }
    }).pipe(Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.failCause(cause as Cause.Cause<never>)
        : Effect.fail(
          new Persistence.PersistenceError({ key: self.name, operation: "write", message: `store '${self.name}': the shared write failed`, cause: Cause.squash(cause) })
        )))
  }

  /** Every change, the first naming every key, until `destroy`. */
  get changes(): Stream.Stream<Store.Change<V>> {
    return Stream.suspend(() => {
      let first = true
      return Stream.map(SubscriptionRef.changes(this.ref), (change) =>
        first ? ((first = false), { state: change.state, entries: [...HashMap.keys(change.state)] }) : change).pipe(
          Stream.interruptWhen(Deferred.await(this.ended))
        )
    })
  }

  /**
   * Ends this node's subscriptions and streams without notifying them, then resets
   * the rows to the `initial` entries (every other key removed), with no change
   * event here; every other node then reloads them.
   */
  destroy(initial: ReadonlyMap<string, V>): Effect.Effect<void, Store.PersistedError> {
    return Effect.suspend(() => {
      const ended = this.ended
      this.ended = Deferred.makeUnsafe()
      const keys = new Set([...HashMap.keys(this.ref.value.state), ...initial.keys()])
      return Deferred.succeed(ended, undefined).pipe(
        Effect.andThen(this.modifyAll([...keys], (key) => (initial.has(key) ? Option.some(initial.get(key)!) : Option.none()), true)),
        Effect.asVoid
      )
    })
  }
}

/** The rows of store `name` (of `keys` only, when given). */
const rows = ({ sql, table }: Pick<Engine, "sql" | "table">, name: string, keys?: ReadonlyArray<string>) =>
  keys === undefined
    ? sql<Row>`select key, version::int as version, value from ${table} where store = ${name}`
    : sql<Row>`select key, version::int as version, value from ${table} where store = ${name} and key in ${sql.in(keys)}`

/** The `Store.Keyed` of `entries`. */
const facade = <V>(entries: Entries<V>, options: Store.KeyedOptions<V>, changed: Bus.Event<Store.Change<V>>): Store.Keyed<V, Store.PersistedError> => {
  const { name, ref } = entries
  const changes = entries.changes
  const modifyAll = entries.modifyAll.bind(entries)
  return {
    name,
    changed,
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
    destroy: entries.destroy(new Map(options.initial ?? []))
  }
}

const makeKeyed = <V>(
  name: string,
  options: Store.KeyedOptions<V> & { readonly persist: Persistence.PersistEntry<V> },
  engine: Engine
): Effect.Effect<Store.Keyed<V, Store.PersistedError>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const changed = typeof options.events === "object" ? options.events : Bus.event<Store.Change<V>>(`${name}:changed`)
    const bus = engine.bus
    // Every change this node applies (its own and those it reloads), as `events` does in memory.
    const onChange = options.events && bus !== undefined ? (change: Store.Change<V>) => bus.emitUnsafe(changed, change) : undefined
    const entries = yield* Entries.load({ name, engine, codec: entryCodec(options.persist.entry), onChange }, options.initial ?? [])
    const announcements = yield* engine.redis.subscribe(engine.channel)
    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(announcements), (message) => {
      const { keys, o } = JSON.parse(message.message) as Announcement
      return o === engine.node ? Effect.void : Effect.ignore(entries.reload(keys))
    })).pipe(Effect.ignore))
    return facade(entries, options, changed)
  }).pipe(Effect.orDie)
