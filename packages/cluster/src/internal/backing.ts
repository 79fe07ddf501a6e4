/**
 * What the shared stores have in common: a table in PostgreSQL for their rows and
 * a Redis channel on which a node announces what it wrote.
 *
 * @internal
 */
import { Effect } from "effect"
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
