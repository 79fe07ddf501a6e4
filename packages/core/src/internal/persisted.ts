/**
 * The persistence of one Store or Model: its layout in the `KeyValueStore`
 * (`persistLayout.ts`), loaded on start, and the coalescing writer that makes each
 * committed change durable (`persistWriter.ts`).
 *
 * @internal
 */
import { Effect, Result } from "effect"
import { KeyValueStore } from "effect/persistence"
import type { Scope } from "effect"
import { type InvalidState, PersistenceError, type PersistOptions, type StoredStateInvalid } from "../Persistence.ts"
import type { Freezer } from "./immutable.ts"
import * as Layout from "./persistLayout.ts"
import { type Ack, type Failure, Writer, type Writes } from "./persistWriter.ts"

export type { Ack } from "./persistWriter.ts"

export interface Persisted<S> {
  /** What the change from `current` to `next` writes, or why `next` cannot be stored. */
  readonly encode: (next: S, current: S) => Result.Result<Writes, InvalidState>
  /** Records what a change writes; returns the write that will contain it. */
  readonly record: (writes: Writes) => Ack
  /** Makes sure a write is under way, then waits for `ack`. */
  readonly acknowledge: (ack: Ack) => Effect.Effect<void, PersistenceError>
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * Loads the state under `options.key` (or `name`) and starts its writer in the
 * calling scope. Returns the state to start from: the stored one, or `initial`.
 * A keyed state (`Store.makeKeyed`) is a `Change` and uses the `keyed` layout.
 */
export const open = <S>(
  owner: string,
  name: string,
  initial: S,
  options: PersistOptions<S>,
  freezer: Freezer,
  keyed = false
): Effect.Effect<
  { readonly persisted: Persisted<S>; readonly state: S },
  PersistenceError | StoredStateInvalid,
  Scope.Scope | KeyValueStore.KeyValueStore
> =>
  Effect.gen(function*() {
    const kv = yield* KeyValueStore.KeyValueStore
    const key = options.key ?? name
    const failure: Failure = (operation, what) => (cause) =>
      new PersistenceError({ key, operation, message: `${owner}: ${what} '${key}' failed: ${describe(cause)}`, cause })
    const context: Layout.Context = { kv, owner, key, onInvalid: options.onInvalid, failure, freeze: freezer.freeze }
    const layout = ("entry" in options
      ? (keyed ? Layout.keyed(context, options) : Layout.entries(context, options))
      : Layout.whole(context, options.schema)) as unknown as Layout.Layout<S>
    const state = (yield* layout.load) ?? initial
    const writer = new Writer(kv, owner, failure, yield* Effect.scope)
    // Added before any writer fiber is forked, so it runs after they are interrupted.
    yield* Effect.addFinalizer(() => writer.close)
    const persisted: Persisted<S> = { encode: layout.writes, record: writer.record, acknowledge: writer.acknowledge }
    return { persisted, state }
  })
