/**
 * A named, nested state tree: reads and writes by path, deep merge, and
 * subscriptions to a selected part that fire only when that part changes by
 * structural equality (`Equal.equals`, strict: `1` and `true` differ). Built on a
 * `SubscriptionRef` of immutable plain objects: a write copies only the nodes on
 * its path (its cost grows with their widths, not with the size of the tree),
 * readers share snapshots without copying, and a write that changes
 * nothing is not published at all, so subscribers, `changes` and the bus change
 * event all see the same deduplicated sequence. Optionally persisted (see
 * `Persistence`). Original: `create_model` / `Model`.
 *
 * ```ts
 * const player = yield* Model.make("player", { playback: { url: "", position: 0 }, volume: 1 })
 * yield* player.listen("playback.url", (url) => Effect.log(`now playing ${url}`))
 * yield* player.set("playback.url", "https://example.com/a.mp3")
 * yield* player.set(["playback", "position"], 42) // the same path as segments; both forms are type-checked
 * ```
 *
 * A path is a dotted string (empty segments dropped; `""` is the root) or an array
 * of segments. Paths only follow own properties of plain objects (arrays are not
 * indexed), and a path containing `__proto__`, `constructor` or `prototype` is
 * refused with `InvalidPath`, so no path can reach an object's prototype.
 *
 * @since 0.1.0
 */
import { Data, Effect, Equal, type Scope, Stream } from "effect"
import type * as Bus from "./Bus.ts"
import * as path from "./internal/path.ts"
import { type Cell, makeCell, Reject } from "./internal/state.ts"
import type { ListenOptions } from "./internal/listen.ts"
import type { KeyValueStore } from "effect/persistence"
import type { LoadError, MemoryOptions, Options, PersistedError, PersistedOptions } from "./Store.ts"

export type { ListenOptions, LoadError, MemoryOptions, Options, PersistedError, PersistedOptions } from "./Store.ts"

/**
 * A path: `"playback.url"`, or `["playback", "url"]`.
 *
 * @since 0.1.0
 * @category models
 */
export type Path = string | ReadonlyArray<string | number>

type Split<P extends string> = P extends `${infer Head}.${infer Tail}` ? Head extends "" ? Split<Tail> : [Head, ...Split<Tail>]
  : P extends "" ? []
  : [P]
type SegmentsOf<P> = P extends string ? (string extends P ? never : Split<P>) : P extends ReadonlyArray<unknown> ? P : never
type Step<S, K> = unknown extends S ? unknown
  : S extends ReadonlyArray<unknown> ? undefined
  : S extends object ? K extends keyof S ? S[K] : `${K & (string | number)}` extends keyof S ? S[`${K & (string | number)}` & keyof S] : unknown
  : undefined
type Walk<S, Segments> = Segments extends readonly [infer Head, ...infer Tail] ? Walk<Step<S, Head>, Tail>
  : Segments extends readonly [] ? S
  : unknown

/**
 * The type of the value at path `P` in `S` (`unknown` for a path only known at
 * run time).
 *
 * @since 0.1.0
 * @category models
 */
export type ValueAt<S, P extends Path> = [SegmentsOf<P>] extends [never] ? unknown : Walk<S, SegmentsOf<P>>

/**
 * `S` with every key optional, recursively: what `patch` takes.
 *
 * @since 0.1.0
 * @category models
 */
export type DeepPartial<S> = S extends ReadonlyArray<unknown> ? S
  : S extends object ? { readonly [K in keyof S]?: DeepPartial<S[K]> }
  : S

/**
 * A path that is not a string or an array of segments, contains `__proto__`,
 * `constructor` or `prototype`, is empty where a leaf is needed, or would replace
 * a non-object value on the way. Nothing was changed.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidPath extends Data.TaggedError("InvalidPath")<{
  readonly model: string
  readonly path: string
  readonly message: string
}> {}

/**
 * A model. `E` is `never` in memory and `PersistenceError | InvalidState` when
 * persisted (mutations then complete once the new state is durable).
 *
 * @since 0.1.0
 * @category models
 */
export interface Model<S extends object, E = never> {
  readonly name: string
  /** The change event (`<name>:changed` unless renamed); published only with `events`. */
  readonly changed: Bus.Event<S>
  /**
   * With no path, the whole state; with a path, the value there, or `orElse` when
   * it is missing (a stored `null` is returned as `null`). Snapshots are shared,
   * never copied, and frozen outside production (see `Store.FreezeStates`).
   * Original: `get(path, default)`, `snapshot()`.
   */
  readonly get: {
    (): Effect.Effect<S>
    <const P extends Path>(path: P): Effect.Effect<ValueAt<S, P>, InvalidPath>
    <const P extends Path, D>(path: P, orElse: D): Effect.Effect<Exclude<ValueAt<S, P>, undefined> | D, InvalidPath>
  }
  /** `selector(state)`; a throwing selector is a defect. Original: `select(fn)`. */
  readonly select: <A>(selector: (state: S) => A) => Effect.Effect<A>
  /**
   * Sets the value at a non-empty path, creating missing objects on the way, and
   * returns the new state. `value` is frozen in place (see `Store.FreezeStates`).
   * Setting a structurally equal value changes nothing and notifies nobody. Fails
   * with `InvalidPath` when a value on the way is not an object (the original
   * replaced it). Original: `set(path, value)`.
   */
  readonly set: <const P extends Path>(path: P, value: ValueAt<S, P>) => Effect.Effect<S, InvalidPath | E>
  /**
   * Deep-merges `partial`: plain objects merge key by key, anything else replaces.
   * A non-object `partial` is a defect (`TypeError`). Original: `patch` (which
   * replaced top-level keys wholesale: use `set(key, value)` for that).
   */
  readonly patch: (partial: DeepPartial<S>) => Effect.Effect<S, InvalidPath | E>
  /**
   * Replaces the state with `f(state)` atomically; `f` must be pure. A throwing `f`,
   * or one returning a non-object, is a defect and changes nothing. Original: `update`.
   */
  readonly update: (f: (state: S) => S) => Effect.Effect<S, E>
  /** Removes the leaf at `path`; notifies only if it existed. Original: `delete(path)`. */
  readonly delete: <const P extends Path>(path: P) => Effect.Effect<S, InvalidPath | E>
  /** Empties the state; only for states that may be `{}`. Original: `clear()`. */
  readonly clear: {} extends S ? () => Effect.Effect<S, E> : never
  /** The current state, then every change, in order; ends on `destroy`. */
  readonly changes: Stream.Stream<S>
  /** The selected value now, then each time it changes (by `Equal.equals`). */
  readonly changesOf: {
    <A>(selector: (state: S) => A): Stream.Stream<A>
    <const P extends Path>(path: P): Stream.Stream<ValueAt<S, P>, InvalidPath>
  }
  /**
   * Runs `handler` whenever the selected value (the whole state, `selector(state)`,
   * or the value at a path, `undefined` when missing) changes by structural
   * equality, until the calling scope closes or the model is destroyed; with
   * `immediate`, also at once. A throwing selector or failing handler is logged and
   * the subscription goes on. Original: `subscribe(fn, selector, immediate, owner)`, `watch`.
   */
  readonly listen: {
    <X, R>(handler: (state: S) => Effect.Effect<void, X, R>, options?: ListenOptions): Effect.Effect<void, never, Scope.Scope | R>
    <A, X, R>(
      selector: (state: S) => A,
      handler: (value: A) => Effect.Effect<void, X, R>,
      options?: ListenOptions
    ): Effect.Effect<void, never, Scope.Scope | R>
    <const P extends Path, X, R>(
      selector: P,
      handler: (value: ValueAt<S, P>) => Effect.Effect<void, X, R>,
      options?: ListenOptions
    ): Effect.Effect<void, InvalidPath, Scope.Scope | R>
  }
  /**
   * Ends every subscription and stream without notifying them and resets the state
   * to its initial value (no change event). The model stays usable. Original: `destroy()`.
   */
  readonly destroy: Effect.Effect<void, E>
}

type Node = Readonly<Record<string, unknown>>

/**
 * Creates a model holding `initial` (frozen in place, see `Store.FreezeStates`)
 * in the calling scope; same options as `Store.make` (`events`, `persist`).
 * Needs the `Bus` when `events` is on, and a `KeyValueStore` when persisted.
 *
 * Fails with `PersistenceError` or `StoredStateInvalid` (persisted models only).
 * Original: `create_model(name, initial_state, emit_events, change_event)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export function make<S extends object>(
  name: string,
  initial: S,
  options?: MemoryOptions<S> & { readonly events?: false | undefined }
): Effect.Effect<Model<S>, never, Scope.Scope>
export function make<S extends object>(
  name: string,
  initial: S,
  options: MemoryOptions<S>
): Effect.Effect<Model<S>, never, Scope.Scope | Bus.Bus>
export function make<S extends object>(
  name: string,
  initial: S,
  options: PersistedOptions<S> & { readonly events?: false | undefined }
): Effect.Effect<Model<S, PersistedError>, LoadError, Scope.Scope | KeyValueStore.KeyValueStore>
export function make<S extends object>(
  name: string,
  initial: S,
  options: PersistedOptions<S>
): Effect.Effect<Model<S, PersistedError>, LoadError, Scope.Scope | KeyValueStore.KeyValueStore | Bus.Bus>
export function make<S extends object>(
  name: string,
  initial: S,
  options?: Options<S>
): Effect.Effect<Model<S, PersistedError>, LoadError, Scope.Scope | KeyValueStore.KeyValueStore | Bus.Bus> {
  return Effect.map(makeCell("model", name, initial, options), ({ cell, changed, owner }) => {
    const paths = pathsOf(name, owner)
    return { name, changed, ...readers<S>(cell, paths), ...writers<S>(cell, paths), destroy: cell.destroy() } as Model<S, any>
  })
}

/** Path parsing for one model: a malformed path fails with `InvalidPath` naming the model. */
const pathsOf = (name: string, owner: string) => {
  const invalid = (p: unknown, message: string) => new InvalidPath({ model: name, path: path.render(p), message: `${owner}: ${message}` })
  const parsed = (p: unknown): Effect.Effect<ReadonlyArray<string>, InvalidPath> => {
    const result = path.parse(p)
    return result._tag === "Ok" ? Effect.succeed(result.segments) : Effect.fail(invalid(p, result.reason))
  }
  /** The selector of the value at path `p` (`undefined` when missing). */
  const selectorAt = <S>(p: unknown) => Effect.map(parsed(p), (segments) => (state: S) => path.getIn(state, segments).value)
  return { invalid, parsed, selectorAt }
}

type Paths = ReturnType<typeof pathsOf>

const readers = <S extends object>(cell: Cell<S>, { parsed, selectorAt }: Paths) => ({
  get: ((...args: [] | [unknown] | [unknown, unknown]) => {
    if (args.length === 0) return Effect.sync(() => cell.current)
    return Effect.map(parsed(args[0]), (segments) => {
      const found = path.getIn(cell.current, segments)
      return found.found ? found.value : args[1]
    })
  }) as Model<S>["get"],
  select: ((selector: (state: S) => unknown) => Effect.sync(() => selector(cell.current))) as Model<S>["select"],
  changes: cell.changes,
  changesOf: ((selector: unknown) => {
    const select = typeof selector === "function" ? Effect.succeed(selector as (state: S) => unknown) : selectorAt<S>(selector)
    return Stream.unwrap(Effect.map(select, (f) => Stream.changesWith(Stream.map(cell.changes, f), Equal.equals)))
  }) as Model<S>["changesOf"],
  listen: ((first: unknown, second?: unknown, third?: unknown) => {
    if (typeof second !== "function") {
      // Commits publish only real changes, so every element is one: no comparison needed.
      const immediate = (second as ListenOptions | undefined)?.immediate === true
      return cell.listen(undefined, undefined, first as (state: S) => Effect.Effect<void>, immediate)
    }
    const immediate = (third as ListenOptions | undefined)?.immediate === true
    const select = typeof first === "function" ? Effect.succeed(first as (state: S) => unknown) : selectorAt<S>(first)
    return Effect.flatMap(select, (f) => cell.listen(f, Equal.equals, second as (value: unknown) => Effect.Effect<void>, immediate))
  }) as Model<S>["listen"]
})

const writers = <S extends object>(cell: Cell<S>, { invalid, parsed }: Paths) => {
  const commit = <X>(transition: (state: Node) => Node | Reject<X>) =>
    cell.commit(transition as unknown as (state: S) => S | Reject<X>)
  const { freezer } = cell
  const { freeze, seal } = freezer
  return {
    set: (p: unknown, value: unknown) =>
      Effect.flatMap(parsed(p), (segments) => {
        if (segments.length === 0) return Effect.fail(invalid(p, "set() requires a non-empty path"))
        return commit((state) => {
          const written = path.setIn(state, segments, freeze(value), freezer)
          return written._tag === "Ok" ? written.root : new Reject(invalid(p, written.reason))
        })
      }),
    patch: (partial: unknown) =>
      commit((state) => {
        cell.require("patch()", partial)
        const merged = path.mergeDeep(state, partial as Node, freezer)
        return merged._tag === "Ok" ? merged.root : new Reject(invalid("", merged.reason))
      }),
    update: (f: (state: S) => S) =>
      commit((state) => {
        const next = f(state as S)
        cell.require("update()", next)
        // Frozen before it is compared: Equal caches what it computed for an object.
        const frozen = freeze(next as Node)
        return Equal.equals(frozen, state) ? state : frozen
      }),
    delete: (p: unknown) => Effect.flatMap(parsed(p), (segments) => commit((state) => path.deleteIn(state, segments, freezer))),
    clear: () => commit((state) => (Object.keys(state).length === 0 ? state : seal({})))
  }
}
