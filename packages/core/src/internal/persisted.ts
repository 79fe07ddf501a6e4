/**
 * The persistence of one Store or Model: loading its last state on start (moving
 * an unreadable value aside), and a writer that makes each committed state
 * durable with write coalescing.
 *
 * The writer holds the latest encoded state. A mutation records its encoded state
 * (synchronously, inside the commit, so the order of records is the order of
 * commits) and receives the acknowledgement of the next write; one writer fiber
 * writes whatever is latest, one write at a time. Mutations made while a write is
 * in flight all share the following write. So a mutation completes only once a
 * write containing it is durable, and a burst of N mutations costs far fewer than
 * N writes. Closing the scope waits for the write in flight and writes what is left.
 *
 * @internal
 */
import { Clock, Deferred, Effect, Result, Schema, type Scope, Semaphore } from "effect"
import { KeyValueStore } from "effect/persistence"
import { InvalidState, PersistenceError, type PersistOptions, StoredStateInvalid } from "../Persistence.ts"
import { freeze } from "./immutable.ts"

export type Ack = Deferred.Deferred<void, PersistenceError>

export interface Persisted<S> {
  /** The encoded form of `state`, or why it cannot be stored. */
  readonly encode: (state: S) => Result.Result<unknown, InvalidState>
  /** Records the latest encoded state; returns the write that will contain it. */
  readonly record: (encoded: unknown) => Ack
  /** Makes sure a write is under way, then waits for `ack`. */
  readonly acknowledge: (ack: Ack) => Effect.Effect<void, PersistenceError>
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/** Builds the `PersistenceError` of a failed `operation` on `key`. */
type Failure = (operation: PersistenceError["operation"], what: string) => (cause: unknown) => PersistenceError

interface Load<S> {
  readonly kv: KeyValueStore.KeyValueStore
  readonly owner: string
  readonly key: string
  readonly initial: S
  readonly decode: (input: unknown) => Result.Result<S, Schema.SchemaError>
  readonly onInvalid: PersistOptions<S>["onInvalid"]
  readonly failure: Failure
}

/** The stored state, or `initial` when there is none or it is unreadable (moved aside, or refused). */
const load = <S>(config: Load<S>): Effect.Effect<S, PersistenceError | StoredStateInvalid> =>
  Effect.gen(function*() {
    const { failure, key, kv, owner } = config
    const raw = yield* Effect.mapError(kv.get(key), failure("load", "reading"))
    if (raw === undefined) return config.initial
    let reason: string
    try {
      const decoded = config.decode(JSON.parse(raw))
      if (Result.isSuccess(decoded)) return freeze(decoded.success)
      reason = `does not match its schema: ${decoded.failure.message}`
    } catch (error) {
      reason = `is not valid JSON (${describe(error)})`
    }
    if (config.onInvalid === "fail") {
      return yield* new StoredStateInvalid({
        key,
        message: `${owner}: the stored state under '${key}' ${reason}; refusing to start (it was left in place)`
      })
    }
    const movedTo = `${key}:invalid:${new Date(yield* Clock.currentTimeMillis).toISOString()}`
    yield* Effect.mapError(kv.set(movedTo, raw), failure("move-aside", `moving aside`))
    yield* Effect.mapError(kv.remove(key), failure("move-aside", `removing`))
    yield* Effect.logError(
      `${owner}: the stored state under '${key}' ${reason}; it was moved aside to '${movedTo}' and the state starts from its initial value`
    ).pipe(Effect.annotateLogs({ key, movedTo }))
    return config.initial
  })

/**
 * The coalescing writer of one key: `record` keeps the latest encoded state,
 * `acknowledge` starts a write if none is under way and waits for the one that
 * contains it; `close` (when the scope closes) writes what is left, once the
 * writer fibers are gone.
 */
class Writer {
  private latest: unknown = undefined
  private dirty = false
  private unwritten = false
  private flushing = false
  private closed = false
  private next: Ack = Deferred.makeUnsafe()
  private readonly lock = Semaphore.makeUnsafe(1)
  private readonly kv: KeyValueStore.KeyValueStore
  private readonly owner: string
  private readonly key: string
  private readonly failure: Failure
  private readonly scope: Scope.Scope

  constructor(kv: KeyValueStore.KeyValueStore, owner: string, key: string, failure: Failure, scope: Scope.Scope) {
    this.kv = kv
    this.owner = owner
    this.key = key
    this.failure = failure
    this.scope = scope
  }

  readonly record = (encoded: unknown): Ack => {
    this.latest = encoded
    this.dirty = true
    return this.next
  }

  readonly acknowledge = (ack: Ack): Effect.Effect<void, PersistenceError> =>
    Effect.andThen(this.kick, Deferred.await(ack))

  /** One write of the latest state, if there is one to write; its ack gets the outcome. */
  private readonly writeOnce: Effect.Effect<void> = this.lock.withPermit(Effect.suspend(() => {
    if (!this.dirty && !this.unwritten) return Effect.void
    const value = this.latest
    const ack = this.next
    this.next = Deferred.makeUnsafe()
    this.dirty = false
    this.unwritten = false
    return Effect.try({ try: () => JSON.stringify(value), catch: this.failure("write", "encoding") }).pipe(
      Effect.flatMap((text) => Effect.mapError(this.kv.set(this.key, text), this.failure("write", "writing"))),
      Effect.exit,
      Effect.flatMap((exit) => {
        // Keep the state for the next write (or the final flush) if this one failed.
        if (exit._tag === "Failure" && !this.dirty) this.unwritten = true
        return Deferred.done(ack, exit)
      })
    )
  })).pipe(Effect.uninterruptible)

  private readonly loop: Effect.Effect<void> = Effect.suspend(() => {
    if (!this.dirty) {
      this.flushing = false
      return Effect.void
    }
    return Effect.andThen(this.writeOnce, this.loop)
  })

  private readonly kick: Effect.Effect<void> = Effect.suspend(() => {
    if (this.flushing || !this.dirty) return Effect.void
    // After the scope closed there is no writer fiber: the caller writes.
    if (this.closed) return this.writeOnce
    this.flushing = true
    return Effect.asVoid(Effect.forkIn(this.loop, this.scope))
  })

  readonly close: Effect.Effect<void> = Effect.suspend(() => {
    this.closed = true
    this.flushing = false
    if (!this.dirty && !this.unwritten) return Effect.void
    const ack = this.next
    return Effect.andThen(this.writeOnce, Deferred.await(ack)).pipe(
      Effect.catch((error) => Effect.logError(`${this.owner}: the final write on shutdown failed`, error))
    )
  })
}

/**
 * Loads the state under `options.key` (or `name`) and starts its writer in the
 * calling scope. Returns the state to start from: the stored one, or `initial`.
 */
export const open = <S>(
  owner: string,
  name: string,
  initial: S,
  options: PersistOptions<S>
): Effect.Effect<
  { readonly persisted: Persisted<S>; readonly state: S },
  PersistenceError | StoredStateInvalid,
  Scope.Scope | KeyValueStore.KeyValueStore
> =>
  Effect.gen(function*() {
    const kv = yield* KeyValueStore.KeyValueStore
    const key = options.key ?? name
    const codec = Schema.toCodecJson(options.schema)
    const encodeState = Schema.encodeUnknownResult(codec)
    const failure: Failure = (operation, what) => (cause) =>
      new PersistenceError({ key, operation, message: `${owner}: ${what} '${key}' failed: ${describe(cause)}`, cause })
    const state = yield* load({
      kv,
      owner,
      key,
      initial,
      decode: Schema.decodeUnknownResult(codec) as (input: unknown) => Result.Result<S, Schema.SchemaError>,
      onInvalid: options.onInvalid,
      failure
    })
    const writer = new Writer(kv, owner, key, failure, yield* Effect.scope)
    // Added before any writer fiber is forked, so it runs after they are interrupted.
    yield* Effect.addFinalizer(() => writer.close)
    const persisted: Persisted<S> = {
      encode: (value) =>
        Result.mapError(
          encodeState(value),
          (error) => new InvalidState({ key, message: `${owner}: the new state does not match its schema: ${error.message}` })
        ),
      record: writer.record,
      acknowledge: writer.acknowledge
    }
    return { persisted, state }
  })
