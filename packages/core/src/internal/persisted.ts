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
    const scope = yield* Effect.scope
    const key = options.key ?? name
    const codec = Schema.toCodecJson(options.schema)
    const encodeState = Schema.encodeUnknownResult(codec)
    const decodeState = Schema.decodeUnknownResult(codec)
    const failure = (operation: PersistenceError["operation"], what: string) => (cause: unknown) =>
      new PersistenceError({ key, operation, message: `${owner}: ${what} '${key}' failed: ${describe(cause)}`, cause })

    // Loading.
    const state = yield* Effect.gen(function*() {
      const raw = yield* Effect.mapError(kv.get(key), failure("load", "reading"))
      if (raw === undefined) return initial
      let reason: string
      try {
        const decoded = decodeState(JSON.parse(raw))
        if (Result.isSuccess(decoded)) return freeze(decoded.success)
        reason = `does not match its schema: ${decoded.failure.message}`
      } catch (error) {
        reason = `is not valid JSON (${describe(error)})`
      }
      if (options.onInvalid === "fail") {
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
      return initial
    })

    // Writing.
    let latest: unknown = undefined
    let dirty = false
    let unwritten = false
    let flushing = false
    let closed = false
    let next: Ack = Deferred.makeUnsafe()
    const lock = Semaphore.makeUnsafe(1)

    const writeOnce: Effect.Effect<void> = lock.withPermit(Effect.suspend(() => {
      if (!dirty && !unwritten) return Effect.void
      const value = latest
      const ack = next
      next = Deferred.makeUnsafe()
      dirty = false
      unwritten = false
      return Effect.try({ try: () => JSON.stringify(value), catch: failure("write", "encoding") }).pipe(
        Effect.flatMap((text) => Effect.mapError(kv.set(key, text), failure("write", "writing"))),
        Effect.exit,
        Effect.flatMap((exit) => {
          // Keep the state for the next write (or the final flush) if this one failed.
          if (exit._tag === "Failure" && !dirty) unwritten = true
          return Deferred.done(ack, exit)
        })
      )
    })).pipe(Effect.uninterruptible)

    const loop: Effect.Effect<void> = Effect.suspend(() => {
      if (!dirty) {
        flushing = false
        return Effect.void
      }
      return Effect.andThen(writeOnce, loop)
    })

    const kick = Effect.suspend(() => {
      if (flushing || !dirty) return Effect.void
      // After the scope closed there is no writer fiber: the caller writes.
      if (closed) return writeOnce
      flushing = true
      return Effect.asVoid(Effect.forkIn(loop, scope))
    })

    // Added before any writer fiber is forked, so it runs after they are interrupted.
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        closed = true
        flushing = false
        if (!dirty && !unwritten) return Effect.void
        const ack = next
        return Effect.andThen(writeOnce, Deferred.await(ack)).pipe(
          Effect.catch((error) => Effect.logError(`${owner}: the final write on shutdown failed`, error))
        )
      })
    )

    const persisted: Persisted<S> = {
      encode: (value) =>
        Result.mapError(
          encodeState(value),
          (error) => new InvalidState({ key, message: `${owner}: the new state does not match its schema: ${error.message}` })
        ),
      record: (encoded) => {
        latest = encoded
        dirty = true
        return next
      },
      acknowledge: (ack) => Effect.andThen(kick, Deferred.await(ack))
    }
    return { persisted, state }
  })
