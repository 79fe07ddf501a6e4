/**
 * The coalescing writer of a persisted state. A mutation records the keys it
 * changes (synchronously, inside the commit, so the order of records is the order
 * of commits) and receives the acknowledgement of the next write; one writer fiber
 * writes whatever is pending, one write at a time, every key of it at once (the
 * SQLite store commits them in one transaction). Mutations made while a write is in
 * flight all share the following write, and a key changed twice is written once.
 * So a mutation completes only once a write containing it is durable, and a burst
 * of N mutations costs far fewer than N writes. A write that fails keeps its keys
 * for the next one (unless a newer value replaced them). Closing the scope waits
 * for the write in flight and writes what is left.
 *
 * @internal
 */
import { Deferred, Effect, type Scope, Semaphore } from "effect"
import type { KeyValueStore } from "effect/persistence"
import type { PersistenceError } from "../Persistence.ts"
import { commitTimer } from "./metrics.ts"

export type Ack = Deferred.Deferred<void, PersistenceError>

/** A key removed by a change. */
export const REMOVE: unique symbol = Symbol("remove")

/** What one change writes: encoded values (made JSON when written) by key, or `REMOVE`. */
export type Writes = ReadonlyMap<string, unknown>

/** Builds the `PersistenceError` of a failed `operation` on `key`. */
export type Failure = (operation: PersistenceError["operation"], what: string) => (cause: unknown) => PersistenceError

export class Writer {
  private pending = new Map<string, unknown>()
  private flushing = false
  private closed = false
  private next: Ack = Deferred.makeUnsafe()
  private readonly lock = Semaphore.makeUnsafe(1)
  private readonly kv: KeyValueStore.KeyValueStore
  private readonly owner: string
  private readonly failure: Failure
  private readonly scope: Scope.Scope

  constructor(kv: KeyValueStore.KeyValueStore, owner: string, failure: Failure, scope: Scope.Scope) {
    this.kv = kv
    this.owner = owner
    this.failure = failure
    this.scope = scope
    this.timed = commitTimer(owner)
  }

  private readonly timed: ReturnType<typeof commitTimer>

  readonly record = (writes: Writes): Ack => {
    for (const [key, value] of writes) this.pending.set(key, value)
    return this.next
  }

  readonly acknowledge = (ack: Ack): Effect.Effect<void, PersistenceError> => Effect.andThen(this.kick, Deferred.await(ack))

  private writeOne(key: string, value: unknown): Effect.Effect<void, PersistenceError> {
    if (value === REMOVE) return Effect.mapError(this.kv.remove(key), this.failure("write", "removing"))
    return Effect.try({ try: () => JSON.stringify(value), catch: this.failure("write", "encoding") }).pipe(
      Effect.flatMap((text) => Effect.mapError(this.kv.set(key, text), this.failure("write", "writing")))
    )
  }

  /** One write of what is pending, if anything is; its ack gets the outcome. */
  private readonly writeOnce: Effect.Effect<void> = this.lock.withPermit(Effect.suspend(() => {
    if (this.pending.size === 0) return Effect.void
    const writes = this.pending
    const ack = this.next
    this.pending = new Map()
    this.next = Deferred.makeUnsafe()
    return Effect.forEach(writes, ([key, value]) => this.writeOne(key, value), { concurrency: "unbounded", discard: true }).pipe(
      this.timed(writes.size),
      Effect.exit,
      Effect.flatMap((exit) => {
        // Keep what failed for the next write (or the final flush), unless a newer value replaced it.
        if (exit._tag === "Failure") for (const [key, value] of writes) if (!this.pending.has(key)) this.pending.set(key, value)
        return Deferred.done(ack, exit)
      })
    )
  })).pipe(Effect.uninterruptible)

  private readonly loop: Effect.Effect<void> = Effect.suspend(() => {
    if (this.pending.size === 0) {
      this.flushing = false
      return Effect.void
    }
    return Effect.andThen(this.writeOnce, this.loop)
  })

  private readonly kick: Effect.Effect<void> = Effect.suspend(() => {
    if (this.flushing || this.pending.size === 0) return Effect.void
    // After the scope closed there is no writer fiber: the caller writes.
    if (this.closed) return this.writeOnce
    this.flushing = true
    return Effect.asVoid(Effect.forkIn(this.loop, this.scope))
  })

  readonly close: Effect.Effect<void> = Effect.suspend(() => {
    this.closed = true
    this.flushing = false
    if (this.pending.size === 0) return Effect.void
    const ack = this.next
    return Effect.andThen(this.writeOnce, Deferred.await(ack)).pipe(
      Effect.catch((error) => Effect.logError(`${this.owner}: the final write on shutdown failed`, error))
    )
  })
}
