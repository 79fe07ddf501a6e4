/**
 * What the shared stores have in common: a table in PostgreSQL for their rows and
 * a Redis channel on which a node announces what it wrote.
 *
 * @internal
 */
import { Effect, Schedule } from "effect"
import type { Redis } from "effect/persistence"
import type { SqlClient } from "effect/sql"

/** Where a shared store keeps its rows and announces its writes. */
export interface Backing {
  readonly sql: SqlClient.SqlClient
  readonly redis: Redis.Redis["Service"]
  readonly table: ReturnType<SqlClient.SqlClient>
  /** The Redis channel of this store's announcements. */
  readonly channel: string
}

/**
 * Creates a table with `create table if not exists`. Nodes starting together race
 * on "if not exists" (PostgreSQL then reports a duplicate): the next try sees the
 * table. A failure after the retries is a defect: the node cannot start.
 */
export const createTable = (statement: Effect.Effect<unknown, unknown>): Effect.Effect<void> =>
  statement.pipe(Effect.retry({ times: 3 }), Effect.orDie, Effect.asVoid)

/** The failure of a compare-and-set that another node won. */
export const lostRace: unique symbol = Symbol("lost race")

/**
 * Runs `attempt` again, after a short random pause (so that racing nodes drift
 * apart), for as long as it fails with `lostRace`.
 */
export const untilWon = <A, E, R>(attempt: Effect.Effect<A, E | typeof lostRace, R>): Effect.Effect<A, E | typeof lostRace, R> =>
  Effect.retry(attempt, { while: (error) => error === lostRace, schedule: Schedule.jittered(Schedule.spaced("2 millis")) })
