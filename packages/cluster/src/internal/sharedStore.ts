/**
 * Shared stores on PostgreSQL: one row per store in `<prefix>_state` (name,
 * version, JSON value). An update reads the row, applies the function and writes
 * with `WHERE version = <read version>`; when another node won the race the update
 * is computed again on the newer row. Updates of one store on one node go one write
 * at a time (a `Semaphore`), so the races are only between nodes, and those that
 * wait meanwhile are applied together, in order, in the next write. After a write, the new
 * version is published on Redis; every node reloads the row when it sees a version
 * newer than its own.
 *
 * @internal
 */
import { Cause, Deferred, Effect, Exit, Queue, Schema, Semaphore, Stream, SubscriptionRef } from "effect"
import { Redis } from "effect/persistence"
import { SqlClient } from "effect/sql"
import { type Backing, createTable, lostRace, untilWon } from "./backing.ts"
import type { SharedStore } from "../SharedStore.ts"

interface Waiting<A> {
  readonly f: (a: A) => A
  readonly deferred: Deferred.Deferred<A>
}

interface Row {
  readonly version: number
  readonly value: string
}

export const make = (prefix: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const redis = yield* Redis.Redis
    const table = sql(`${prefix}_state`)
    yield* createTable(sql`create table if not exists ${table} (name text primary key, version bigint not null, value text not null)`)
    return {
      make: <A>(name: string, options: { readonly schema: Schema.Codec<A, any>; readonly initial: A }) =>
        makeStore({ sql, redis, table, name, channel: `${prefix}:state:${name}` }, options)
    }
  })

/** Where one shared store lives: its row is `name` in the table. */
interface Place extends Backing {
  readonly name: string
}

/** One shared store as this node knows it: its row's codec, the row as last read, and its loader. */
interface Cell<A> extends Place {
  readonly encode: (a: A) => string
  readonly load: Effect.Effect<Versioned<A>, unknown>
  readonly ref: SubscriptionRef.SubscriptionRef<Versioned<A>>
}

interface Versioned<A> {
  readonly version: number
  readonly value: A
}

const makeStore = <A>(place: Place, options: { readonly schema: Schema.Codec<A, any>; readonly initial: A }) =>
  Effect.gen(function*() {
    const { sql, table, name, redis, channel } = place
    const json = Schema.toCodecJson(options.schema)
    const encode = (a: A) => JSON.stringify(Schema.encodeSync(json)(a))
    const decode = (text: string) => Schema.decodeUnknownSync(json)(JSON.parse(text))
    yield* sql`insert into ${table} (name, version, value) values (${name}, 0, ${encode(options.initial)}) on conflict (name) do nothing`
    const load = Effect.map(
      sql<Row>`select version::int as version, value from ${table} where name = ${name}`,
      (rows) => ({ version: Number(rows[0]!.version), value: decode(rows[0]!.value) })
    )
    const cell: Cell<A> = { ...place, encode, load, ref: yield* SubscriptionRef.make(yield* load) }
    const local = yield* Semaphore.make(1)
    // Updates waiting for the next write of this node: applied in order on one read
    // and written with one compare-and-set (a group commit).
    let waiting: Array<Waiting<A>> = []
    const commit = Effect.suspend(() => {
      const batch = waiting
      waiting = []
      return batch.length === 0 ? Effect.void : write(cell, batch)
    }).pipe(local.withPermits(1), Effect.uninterruptible)
    const update = (f: (a: A) => A): Effect.Effect<A> =>
      Effect.suspend(() => {
        const deferred = Deferred.makeUnsafe<A>()
        waiting.push({ f, deferred })
        return Effect.andThen(commit, Deferred.await(deferred))
      })
    const refresh = Effect.flatMap(load, (row) => SubscriptionRef.update(cell.ref, (current) => (row.version > current.version ? row : current)))
    const announcements = yield* redis.subscribe(channel)
    yield* Effect.forkScoped(Effect.forever(Effect.andThen(Queue.take(announcements), refresh)).pipe(Effect.ignore))
    return {
      name,
      get: Effect.map(SubscriptionRef.get(cell.ref), (row) => row.value),
      update,
      changes: Stream.map(SubscriptionRef.changes(cell.ref), (row) => row.value)
    } satisfies SharedStore<A> as SharedStore<A>
  }).pipe(Effect.orDie)

/** Applies `batch` in order to `value`: the value after each update, or the defect of one that threw. */
const applyAll = <A>(value: A, batch: ReadonlyArray<Waiting<A>>) => {
  const results = batch.map((w) => {
    try {
      value = w.f(value)
      return Exit.succeed(value)
    } catch (error) {
      return Exit.die(error)
    }
  })
  return { value, results }
}

/** One compare-and-set of `batch` applied to the row as it is now; `undefined` when another node wrote first. */
const attempt = <A>({ sql, table, name, encode, load }: Cell<A>, batch: ReadonlyArray<Waiting<A>>) =>
  Effect.gen(function*() {
    const row = yield* load
    const { value, results } = applyAll(row.value, batch)
    const written = yield* sql<{ version: number }>`update ${table} set version = version + 1, value = ${encode(value)}
      where name = ${name} and version = ${row.version} returning version::int as version`
    return written.length === 1 ? { version: Number(written[0]!.version), value, results } : undefined
  })

/**
 * Writes `batch` (again while another node wins the race, see `untilWon`),
 * publishes the new version and completes every update of the batch. A failed
 * write (the database is gone) fails every update of the batch, as a defect.
 */
const write = <A>(cell: Cell<A>, batch: ReadonlyArray<Waiting<A>>): Effect.Effect<void> =>
  Effect.gen(function*() {
    const done = yield* untilWon(
      Effect.flatMap(attempt(cell, batch), (written) => (written === undefined ? Effect.fail(lostRace) : Effect.succeed(written)))
    )
    yield* SubscriptionRef.update(cell.ref, (current) => (done.version > current.version ? done : current))
    yield* Effect.ignore(cell.redis.send("PUBLISH", cell.channel, String(done.version)))
    batch.forEach((w, i) => Deferred.doneUnsafe(w.deferred, done.results[i]!))
  }).pipe(Effect.catchCause((cause) =>
    Effect.sync(() => batch.forEach((w) => Deferred.doneUnsafe(w.deferred, Exit.die(Cause.squash(cause)))))
  ))
