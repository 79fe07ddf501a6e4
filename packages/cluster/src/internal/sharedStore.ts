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
import { Cause, Deferred, Effect, Exit, Queue, Random, Schema, Semaphore, Stream, SubscriptionRef } from "effect"
import { Redis } from "effect/persistence"
import { SqlClient } from "effect/sql"
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
    yield* sql`create table if not exists ${table} (name text primary key, version bigint not null, value text not null)`.pipe(
      // Nodes starting together race on "if not exists" (PostgreSQL then reports a duplicate): the next try sees the table.
      Effect.retry({ times: 3 }),
      Effect.orDie
    )
    return {
      make: <A>(name: string, options: { readonly schema: Schema.Codec<A, any>; readonly initial: A }) =>
        Effect.gen(function*() {
          const json = Schema.toCodecJson(options.schema)
          const encode = (a: A) => JSON.stringify(Schema.encodeSync(json)(a))
          const decode = (text: string) => Schema.decodeUnknownSync(json)(JSON.parse(text))
          const channel = `${prefix}:state:${name}`
          yield* sql`insert into ${table} (name, version, value) values (${name}, 0, ${encode(options.initial)}) on conflict (name) do nothing`
          const load = Effect.map(
            sql<Row>`select version::int as version, value from ${table} where name = ${name}`,
            (rows) => ({ version: Number(rows[0]!.version), value: decode(rows[0]!.value) })
          )
          const ref = yield* SubscriptionRef.make(yield* load)
          const local = yield* Semaphore.make(1)
          const refresh = Effect.flatMap(load, (row) =>
            SubscriptionRef.update(ref, (current) => (row.version > current.version ? row : current)))

          // Updates waiting for the next write of this node: applied in order on one read
          // and written with one compare-and-set (a group commit).
          let waiting: Array<Waiting<A>> = []
          const attempt = (batch: ReadonlyArray<Waiting<A>>) =>
            Effect.gen(function*() {
              const row = yield* load
              let value = row.value
              const results = batch.map((w) => {
                try {
                  value = w.f(value)
                  return Exit.succeed(value)
                } catch (error) {
                  return Exit.die(error)
                }
              })
              const written = yield* sql<{ version: number }>`update ${table} set version = version + 1, value = ${encode(value)}
                where name = ${name} and version = ${row.version} returning version::int as version`
              return written.length === 1 ? { version: Number(written[0]!.version), value, results } : undefined
            })
          const commit = Effect.gen(function*() {
            const batch = waiting
            waiting = []
            if (batch.length === 0) return
            const write = Effect.gen(function*() {
              while (true) {
                const done = yield* attempt(batch)
                if (done !== undefined) {
                  yield* SubscriptionRef.update(ref, (current) => (done.version > current.version ? done : current))
                  yield* Effect.ignore(redis.send("PUBLISH", channel, String(done.version)))
                  batch.forEach((w, i) => Deferred.doneUnsafe(w.deferred, done.results[i]!))
                  return
                }
                // Lost the race to another node: a short random pause spreads the retries.
                yield* Effect.sleep(yield* Random.nextBetween(0, 3))
              }
            })
            // A failed write (the database is gone) fails every update of the batch, as a defect.
            yield* Effect.catchCause(write, (cause) =>
              Effect.sync(() => batch.forEach((w) => Deferred.doneUnsafe(w.deferred, Exit.die(Cause.squash(cause))))))
          }).pipe(local.withPermits(1), Effect.uninterruptible)
          const update = (f: (a: A) => A): Effect.Effect<A> =>
            Effect.suspend(() => {
              const deferred = Deferred.makeUnsafe<A>()
              waiting.push({ f, deferred })
              return Effect.andThen(commit, Deferred.await(deferred))
            })

          const announcements = yield* redis.subscribe(channel)
          yield* Effect.forkScoped(Effect.forever(Effect.andThen(Queue.take(announcements), refresh)).pipe(Effect.ignore))
          return {
            name,
            get: Effect.map(SubscriptionRef.get(ref), (row) => row.value),
            update,
            changes: Stream.map(SubscriptionRef.changes(ref), (row) => row.value)
          } satisfies SharedStore<A> as SharedStore<A>
        }).pipe(Effect.orDie)
    }
  })
