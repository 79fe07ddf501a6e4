/**
 * The keyed store of `Store.makeKeyed` in this process: entries in a `HashMap` in
 * a state cell, each commit naming the keys it touched (see `Store.Keyed`).
 *
 * @internal
 */
import { Effect, HashMap, Option, type Scope, Stream } from "effect"
import type { KeyValueStore } from "effect/persistence"
import type * as Bus from "../Bus.ts"
import type { Change, Keyed, KeyedOptions, LoadError, PersistedError } from "../Store.ts"
import { freezer } from "./immutable.ts"
import { type Cell, type CellOptions, makeCell } from "./state.ts"

/**
 * Commits `transition` of the entries (`undefined`: nothing changes) and returns
 * the change made, with no entries when there was none.
 */
const keyedCommit = <V>(cell: Cell<Change<V>>) =>
(
  transition: (state: HashMap.HashMap<string, V>) => readonly [HashMap.HashMap<string, V>, ReadonlyArray<string>] | undefined
): Effect.Effect<Change<V>, PersistedError> =>
  Effect.suspend(() => {
    let changed = false
    const { seal } = cell.freezer
    const commit = cell.commit((current) => {
      const next = transition(current.state)
      if (next === undefined) return current
      changed = true
      return seal({ state: next[0], entries: seal(next[1]) })
    })
    return Effect.map(commit, (change) => (changed ? change : seal({ state: change.state, entries: [] })))
  })

/** The current state as a change that names every key. */
const naming = <V>(change: Change<V>): Change<V> => ({ state: change.state, entries: [...HashMap.keys(change.state)] })

/** A keyed store kept by this process (persisted through the `KeyValueStore` when `options.persist` is given). */
export const make = <V>(
  name: string,
  options: KeyedOptions<V> | undefined
): Effect.Effect<Keyed<V, PersistedError>, LoadError, Scope.Scope | KeyValueStore.KeyValueStore | Bus.Bus> =>
  Effect.gen(function*() {
    const { freeze } = yield* freezer
    const entries = [...(options?.initial ?? [])].map(([key, value]) => [key, freeze(value)] as const)
    const initial: Change<V> = { state: HashMap.fromIterable(entries), entries: [] }
    const cellOptions = { events: options?.events, persist: options?.persist } as CellOptions<Change<V>>
    const { cell, changed } = yield* makeCell("store", name, initial, cellOptions, true)
    const commit = keyedCommit(cell)
    const store: Keyed<V, any> = {
      name,
      changed,
      get: ((key?: string) =>
        Effect.sync(() => (key === undefined ? cell.current.state : HashMap.get(cell.current.state, key)))) as Keyed<V>["get"],
      size: Effect.sync(() => HashMap.size(cell.current.state)),
      set: (key, value) => commit((state) => [HashMap.set(state, key, freeze(value)), [key]]),
      modify: (key, f) =>
        commit((state) => {
          const current = HashMap.get(state, key)
          const next = f(current)
          if (Option.isNone(next)) return Option.isNone(current) ? undefined : [HashMap.remove(state, key), [key]]
          if (Option.isSome(current) && current.value === next.value) return undefined
          return [HashMap.set(state, key, freeze(next.value)), [key]]
        }),
      delete: (...keys) =>
        commit((state) => {
          const present = keys.filter((key) => HashMap.has(state, key))
          return present.length === 0 ? undefined : [HashMap.removeMany(state, present), present]
        }),
      clear: commit((state) => (HashMap.isEmpty(state) ? undefined : [HashMap.empty(), [...HashMap.keys(state)]])),
      changes: Stream.suspend(() => {
        let first = true
        return Stream.map(cell.changes, (change) => (first ? ((first = false), naming(change)) : change))
      }),
      listen: (handler, listenOptions) => {
        if (listenOptions?.immediate !== true) return cell.listen(undefined, undefined, handler, false)
        return Effect.suspend(() => {
          let first = true
          return cell.listen(undefined, undefined, (change: Change<V>) => handler(first ? ((first = false), naming(change)) : change), true)
        })
      },
      destroy: cell.destroy((current) => ({
        state: initial.state,
        entries: [...new Set([...HashMap.keys(current.state), ...HashMap.keys(initial.state)])]
      }))
    }
    return store
  })
