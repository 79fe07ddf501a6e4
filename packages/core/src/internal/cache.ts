/**
 * Cache internals: the dependency graph of the caches on one bus (for cycle
 * detection at declaration and for invalidation waves), the context references
 * that carry a per-call compute into Effect's Cache lookup and detect a lookup
 * reading its own key, and the hit fast path.
 *
 * @internal
 */
import { Cache, Clock, Context, type Effect, Equal, type Exit, type Fiber, MutableHashMap, Option } from "effect"
import type * as Bus from "../Bus.ts"

/** One cache as the graph sees it. */
export interface Node {
  readonly name: string
  /** Names of the events it depends on. */
  readonly dependsOn: ReadonlySet<string>
  /** Invalidates everything as part of `wave` (names already invalidated, in order). */
  readonly cascade: (wave: Array<string>) => Effect.Effect<void>
}

export const invalidatedEvent = (name: string) => `${name}:invalidated`

/** The caches on one bus, and which depends on which. */
export class Graph {
  readonly nodes = new Map<string, Node>()
  /** Payloads already delivered directly to dependents, which their bus listeners skip. */
  readonly direct = new WeakSet<object>()

  /** The caches that depend on `name`'s invalidation event. */
  dependents(name: string): ReadonlyArray<Node> {
    const event = invalidatedEvent(name)
    const out: Array<Node> = []
    for (const node of this.nodes.values()) if (node.dependsOn.has(event)) out.push(node)
    return out
  }

  /**
   * The cycle `candidate` would close if added (`[a, b, …, a]`, each invalidating
   * the next), or `undefined`.
   */
  cycleThrough(candidate: Node): ReadonlyArray<string> | undefined {
    const nodes = new Map(this.nodes)
    nodes.set(candidate.name, candidate)
    const dependents = (name: string) => {
      const event = invalidatedEvent(name)
      return [...nodes.values()].filter((node) => node.dependsOn.has(event)).map((node) => node.name)
    }
    const path: Array<string> = [candidate.name]
    const seen = new Set<string>()
    const visit = (name: string): boolean => {
      for (const next of dependents(name)) {
        if (next === candidate.name) {
          path.push(next)
          return true
        }
        if (seen.has(next)) continue
        seen.add(next)
        path.push(next)
        if (visit(next)) return true
        path.pop()
      }
      return false
    }
    return visit(candidate.name) ? path : undefined
  }
}

const graphs = new WeakMap<Bus.Service, Graph>()

export const graphOf = (bus: Bus.Service): Graph => {
  let graph = graphs.get(bus)
  if (graph === undefined) graphs.set(bus, graph = new Graph())
  return graph
}

/** A lookup in progress: which cache, which key. */
export interface Frame {
  readonly cache: object
  readonly key: unknown
}

/** The lookups the current fiber runs inside (to detect a lookup reading its own key). */
export const LookupStack = Context.Reference<ReadonlyArray<Frame>>("@specter/core/Cache/LookupStack", {
  defaultValue: () => []
})

/** The compute `getOrCompute` asks the cache's lookup to run for its key on a miss. */
export const PendingCompute = Context.Reference<(Frame & { readonly compute: Effect.Effect<unknown, unknown> }) | undefined>(
  "@specter/core/Cache/PendingCompute",
  { defaultValue: () => undefined }
)

export const sameFrame = (frame: Frame, cache: object, key: unknown) => frame.cache === cache && Equal.equals(frame.key, key)

/** The entry for `key` in Effect's Cache, without touching recency or expiry. */
export const entryOf = <K, A, E>(cache: Cache.Cache<K, A, E>, key: K): Cache.Entry<A, E> | undefined =>
  typeof key !== "object" && typeof key !== "function"
    ? cache.map.backing.get(key)
    : Option.getOrUndefined(MutableHashMap.get(cache.map, key))

/**
 * The hit fast path: the completed, successful, unexpired value for `key` as an
 * `Exit` (an Effect that succeeds with it), or `undefined`. Expiry is read on the
 * fiber's `Clock`, as Effect's Cache does.
 */
export const hit = <K, A, E>(cache: Cache.Cache<K, A, E>, key: K, fiber: Fiber.Fiber<unknown, unknown>): Exit.Exit<A, E> | undefined => {
  const entry = entryOf(cache, key)
  if (entry === undefined) return undefined
  const exit = entry.fiber.pollUnsafe()
  if (exit === undefined || exit._tag !== "Success") return undefined
  if (entry.expiresAt !== undefined && fiber.getRef(Clock.Clock).currentTimeMillisUnsafe() >= entry.expiresAt) return undefined
  return exit
}
