/**
 * A `KeyValueStore` on Node's built-in `node:sqlite`, in WAL mode, with group
 * commit: every `set`/`remove` issued before the next turn of the event loop goes
 * into one transaction (one fsync at `synchronous=FULL`), the last value per key
 * wins, and each caller resumes only once that transaction is committed. So a
 * write whose effect has completed is durable, and many concurrent writers share
 * one fsync.
 *
 * Why this is crash-safe: SQLite commits a transaction by appending it to the
 * write-ahead log; with `synchronous=FULL` the log is fsynced before COMMIT
 * returns. On the next open, SQLite replays only complete, checksummed
 * transactions from the log, so a transaction cut short by `kill -9` (or a power
 * cut) is ignored as a whole: a value is never read back half-written.
 *
 * `node:sqlite` is synchronous: a commit blocks the event loop for the length of
 * one fsync (about a millisecond on an SSD), once per batch, not per write.
 *
 * @internal
 */
import { Deferred, Effect, type Scope } from "effect"
import { KeyValueStore } from "effect/persistence"
import { mkdirSync } from "node:fs"
import { join, resolve } from "node:path"
import { DatabaseSync, type StatementSync } from "node:sqlite"

export interface Options {
  readonly directory: string
  readonly filename: string
  readonly synchronous: "full" | "normal"
}

export interface Stats {
  /** The database file. */
  readonly path: string
  /** Transactions committed (each one fsync of the log at `synchronous=FULL`). */
  readonly commits: number
  /** Keys written or removed by those transactions (after coalescing). */
  readonly writes: number
  /** `set`/`remove` calls accepted (before coalescing). */
  readonly requests: number
}

const REMOVE = Symbol("remove")
type Pending = string | Uint8Array | typeof REMOVE

const kvError = (method: string, key: string | undefined, cause: unknown) =>
  new KeyValueStore.KeyValueStoreError({
    method,
    ...(key === undefined ? {} : { key }),
    message: `sqlite ${method}${key === undefined ? "" : ` '${key}'`} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause
  })

const encoder = new TextEncoder()

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")

class Database {
  readonly path: string
  private readonly db: DatabaseSync
  private readonly select: StatementSync
  private readonly upsert: StatementSync
  private readonly del: StatementSync
  private pending = new Map<string, Pending>()
  private batch = Deferred.makeUnsafe<void, KeyValueStore.KeyValueStoreError>()
  private scheduled: ReturnType<typeof setImmediate> | undefined
  commits = 0
  writes = 0
  requests = 0

  constructor(options: Options) {
    mkdirSync(options.directory, { recursive: true })
    this.path = resolve(join(options.directory, options.filename))
    this.db = new DatabaseSync(this.path, { timeout: 5_000 })
    try {
      const mode = this.db.prepare("PRAGMA journal_mode=WAL").get() as { journal_mode?: string } | undefined
      if (mode?.journal_mode !== "wal") throw new Error(`could not switch ${this.path} to WAL mode (got ${mode?.journal_mode})`)
      this.db.exec(`PRAGMA synchronous=${options.synchronous === "full" ? "FULL" : "NORMAL"}`)
      this.db.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY NOT NULL, value ANY NOT NULL) STRICT, WITHOUT ROWID")
      this.select = this.db.prepare("SELECT value FROM kv WHERE key = ?")
      this.upsert = this.db.prepare("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      this.del = this.db.prepare("DELETE FROM kv WHERE key = ?")
    } catch (error) {
      this.db.close()
      throw error
    }
  }

  /** Queues a write for the next group commit; returns the batch to wait for. */
  enqueue(key: string, value: Pending): Deferred.Deferred<void, KeyValueStore.KeyValueStoreError> {
    this.requests++
    this.pending.set(key, value)
    this.scheduled ??= setImmediate(() => this.commit())
    return this.batch
  }

  /** Commits everything queued in one transaction and settles its waiters. */
  commit(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled)
    this.scheduled = undefined
    const pending = this.pending
    const batch = this.batch
    if (pending.size === 0) return
    this.pending = new Map()
    this.batch = Deferred.makeUnsafe()
    try {
      this.db.exec("BEGIN IMMEDIATE")
      try {
        for (const [key, value] of pending) {
          if (value === REMOVE) this.del.run(key)
          else this.upsert.run(key, value)
        }
        this.db.exec("COMMIT")
      } catch (error) {
        if (this.db.isTransaction) this.db.exec("ROLLBACK")
        throw error
      }
      this.commits++
      this.writes += pending.size
      Deferred.doneUnsafe(batch, Effect.void)
    } catch (error) {
      Deferred.doneUnsafe(batch, Effect.fail(kvError("commit", undefined, error)))
    }
  }

  read(key: string): string | Uint8Array | undefined {
    const queued = this.pending.get(key)
    if (queued !== undefined) return queued === REMOVE ? undefined : queued
    const row = this.select.get(key) as { value: string | Uint8Array } | undefined
    return row?.value
  }

  /** Runs `f` after committing what is queued, so it sees every earlier write. */
  direct<A>(f: (db: DatabaseSync) => A): A {
    this.commit()
    return f(this.db)
  }

  close(): void {
    this.commit()
    this.db.close()
  }
}

const attempt = <A>(method: string, key: string | undefined, f: () => A): Effect.Effect<A, KeyValueStore.KeyValueStoreError> =>
  Effect.try({ try: f, catch: (cause) => kvError(method, key, cause) })

export const make = (options: Options): Effect.Effect<{ readonly store: KeyValueStore.KeyValueStore; readonly stats: () => Stats }, KeyValueStore.KeyValueStoreError, Scope.Scope> =>
  Effect.gen(function*() {
    const db = yield* Effect.acquireRelease(
      attempt("open", undefined, () => new Database(options)),
      (db) => Effect.sync(() => db.close())
    )
    const write = (method: string, key: string, value: Pending) =>
      Effect.flatMap(attempt(method, key, () => db.enqueue(key, value)), Deferred.await)
    const store = KeyValueStore.make({
      get: (key) =>
        attempt("get", key, () => {
          const value = db.read(key)
          return value === undefined || typeof value === "string" ? value : toBase64(value)
        }),
      getUint8Array: (key) =>
        attempt("getUint8Array", key, () => {
          const value = db.read(key)
          return value === undefined || typeof value !== "string" ? value : encoder.encode(value)
        }),
      set: (key, value) => write("set", key, value),
      remove: (key) => write("remove", key, REMOVE),
      clear: attempt("clear", undefined, () => void db.direct((d) => d.exec("DELETE FROM kv"))),
      clearPrefix: (prefix) =>
        attempt("clearPrefix", prefix, () =>
          void db.direct((d) => d.prepare("DELETE FROM kv WHERE substr(key, 1, ?) = ?").run(prefix.length, prefix))),
      size: attempt("size", undefined, () =>
        Number((db.direct((d) => d.prepare("SELECT count(*) AS n FROM kv").get()) as { n: number | bigint }).n)),
      keys: attempt("keys", undefined, () =>
        (db.direct((d) => d.prepare("SELECT key FROM kv").all()) as Array<{ key: string }>).map((row) => row.key))
    })
    const stats = (): Stats => ({ path: db.path, commits: db.commits, writes: db.writes, requests: db.requests })
    return { store, stats }
  })
