/**
 * The dependency graph of one application's caches: which cache a name belongs
 * to, which caches an invalidation reaches, and the cycle a new cache would close.
 * An edge runs from a cache to every cache that depends on its invalidation event
 * (given as the cache or as that event); edges are found by event name, so a cache
 * may be declared before the caches it depends on.
 *
 * @internal
 */
import { Effect, Option } from "effect"
import type { Invalidated } from "../Cache.ts"

/** One cache as the graph sees it. */
export interface Node {
  readonly name: string
  /** The name of its invalidation event (`<name>:invalidated`). */
  readonly event: string
  /** Names of the events it depends on. */
  readonly dependsOn: ReadonlySet<string>
  /** Invalidates everything as part of `wave` (names already invalidated, in order). */
  readonly cascade: (wave: Array<string>) => Effect.Effect<void>
}

/** Why `add` refused a node. */
export type Refusal =
  | { readonly _tag: "Duplicate" }
  | { readonly _tag: "Cycle"; readonly cycle: ReadonlyArray<string> }

export const invalidatedEvent = (name: string) => `${name}:invalidated`

/** The caches of one application, and which depends on which. */
export class Graph {
  private readonly nodes = new Map<string, Node>()
  /** Payloads a wave delivered to dependents directly, which their bus listeners skip. */
  readonly direct = new WeakSet<object>()

  has(node: Node): boolean {
    return this.nodes.get(node.name) === node
  }

  /**
   * Adds `node` unless its name is taken or it would close a cycle; check and
   * registration are one synchronous step, so two caches made at once cannot both
   * take a name or both close the halves of one cycle.
   */
  add(node: Node): Refusal | undefined {
    if (this.nodes.has(node.name)) return { _tag: "Duplicate" }
    const cycle = this.cycleThrough(node)
    if (cycle !== undefined) return { _tag: "Cycle", cycle }
    this.nodes.set(node.name, node)
    return undefined
  }

  remove(node: Node): void {
    if (this.has(node)) this.nodes.delete(node.name)
  }

  /** The caches that depend on `node`'s invalidation event, in the order they were made. */
  dependents(node: Node): ReadonlyArray<Node> {
    return [...this.nodes.values()].filter((other) => other.dependsOn.has(node.event))
  }

  /** The cycle `candidate` would close (`[a, b, …, a]`, each invalidating the next), or `undefined`. */
  private cycleThrough(candidate: Node): ReadonlyArray<string> | undefined {
    const nodes = [...this.nodes.values(), candidate]
    const dependents = (event: string) => nodes.filter((node) => node.dependsOn.has(event))
    const path: Array<string> = [candidate.name]
    const seen = new Set<string>()
    const visit = (node: Node): boolean => {
      for (const next of dependents(node.event)) {
        if (next === candidate) {
          path.push(next.name)
          return true
        }
        if (seen.has(next.name)) continue
        seen.add(next.name)
        path.push(next.name)
        if (visit(next)) return true
        path.pop()
      }
      return false
    }
    return visit(candidate) ? path : undefined
  }
}

/** What a wave does to one cache: empty it (one key or all), then run its handlers, then publish. */
export interface Steps<K> {
  readonly clear: (key: Option.Option<K>) => Effect.Effect<void>
  readonly handle: (event: Invalidated<K>) => Effect.Effect<void>
  readonly publish: (event: Invalidated<K>) => Effect.Effect<void>
}

/**
 * The node of cache `name` (whose invalidation event is `event`) and its wave:
 * run `steps`, then, while the node is registered, cascade to its dependents,
 * skipping the caches this wave already reached.
 */
export const invalidation = <K>(graph: Graph, name: string, event: string, dependsOn: ReadonlySet<string>, steps: Steps<K>) => {
  const wave = (key: Option.Option<K>, within?: Array<string>): Effect.Effect<void> =>
    Effect.suspend(() => {
      const visited = within ?? []
      if (visited.includes(name)) return Effect.void
      visited.push(name)
      const payload: Invalidated<K> = { cache: name, key, wave: [...visited] }
      const registered = graph.has(node)
      if (registered) graph.direct.add(payload)
      return Effect.gen(function*() {
        yield* steps.clear(key)
        yield* steps.handle(payload)
        yield* steps.publish(payload)
        if (registered) for (const dependent of graph.dependents(node)) yield* dependent.cascade(visited)
      })
    })
  const node: Node = { name, event, dependsOn, cascade: (visited) => wave(Option.none(), visited) }
  return { node, wave }
}
