/**
 * Model paths and the operations on immutable trees of plain objects that use them.
 *
 * A path is a dotted string (`"playback.url"`, empty segments dropped) or an array
 * of segments used as-is. No segment may be `__proto__`, `constructor` or
 * `prototype`, so a path can never reach an object's prototype chain; traversal
 * only follows own properties of plain objects (arrays are not indexed, as in the
 * original). Every write copies the nodes on its path and shares the rest, and
 * returns the same root when nothing changed (by structural equality).
 *
 * @internal
 */
import { Equal } from "effect"
import { type Freezer, isPlainObject, typeName } from "./immutable.ts"

type Node = Readonly<Record<string, unknown>>

const FORBIDDEN: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"])

export type Parsed =
  | { readonly _tag: "Ok"; readonly segments: ReadonlyArray<string> }
  | { readonly _tag: "Invalid"; readonly reason: string }

const invalid = (reason: string): Parsed => ({ _tag: "Invalid", reason })

/** Splits and validates a path. The empty path (`""`, `"."`, `[]`) is the root. */
export const parse = (path: unknown): Parsed => {
  let segments: Array<string>
  if (typeof path === "string") {
    segments = path.split(".").filter((s) => s.length > 0)
  } else if (Array.isArray(path)) {
    segments = []
    for (const segment of path as ReadonlyArray<unknown>) {
      if (typeof segment === "string") segments.push(segment)
      else if (typeof segment === "number" && Number.isInteger(segment)) segments.push(String(segment))
      else return invalid(`a path segment must be a string or an integer, got ${typeName(segment)}`)
    }
  } else {
    return invalid(`a path must be a dotted string or an array of segments, got ${typeName(path)}`)
  }
  for (const segment of segments) {
    if (FORBIDDEN.has(segment)) return invalid(`the segment '${segment}' is not allowed in a path`)
  }
  return { _tag: "Ok", segments }
}

/** A path as text, for error messages. */
export const render = (path: unknown): string => {
  if (typeof path === "string") return JSON.stringify(path)
  try {
    return JSON.stringify(path) ?? String(path)
  } catch {
    return String(path)
  }
}

const child = (node: unknown, key: string): { readonly found: boolean; readonly value: unknown } =>
  isPlainObject(node) && Object.hasOwn(node, key) ? { found: true, value: node[key] } : { found: false, value: undefined }

/** The value at `segments`, and whether it exists. */
export const getIn = (root: unknown, segments: ReadonlyArray<string>): { readonly found: boolean; readonly value: unknown } => {
  let current: { found: boolean; value: unknown } = { found: true, value: root }
  for (let i = 0; i < segments.length; i++) {
    current = child(current.value, segments[i]!)
    if (!current.found) return current
  }
  return current
}

export type Written = { readonly _tag: "Ok"; readonly root: Node } | { readonly _tag: "Invalid"; readonly reason: string }

const assign = (seal: Freezer["seal"], node: Node, key: string, value: unknown): Node => seal({ ...node, [key]: value })

/**
 * Sets the value at a non-empty path, creating missing intermediate objects. A
 * value on the way that is not a plain object is never replaced: that is an error
 * (the original silently discarded it). `value` must already be frozen (by
 * `freezer`, which makes the new nodes immutable).
 */
export const setIn = (root: Node, segments: ReadonlyArray<string>, value: unknown, { seal }: Freezer): Written => {
  const go = (node: Node, depth: number): Node | string => {
    const key = segments[depth]!
    const existing = child(node, key)
    if (depth === segments.length - 1) {
      return existing.found && Equal.equals(existing.value, value) ? node : assign(seal, node, key, value)
    }
    if (existing.found && !isPlainObject(existing.value)) {
      return `'${segments.slice(0, depth + 1).join(".")}' holds ${typeName(existing.value)}, not an object; setting inside it would discard it`
    }
    const next = existing.found ? (existing.value as Node) : seal({})
    const written = go(next, depth + 1)
    if (typeof written === "string") return written
    return written === next && existing.found ? node : assign(seal, node, key, written)
  }
  const result = go(root, 0)
  return typeof result === "string" ? { _tag: "Invalid", reason: result } : { _tag: "Ok", root: result }
}

/** Removes the leaf at a non-empty path; returns `root` itself when there is none. */
export const deleteIn = (root: Node, segments: ReadonlyArray<string>, { seal }: Freezer): Node => {
  const go = (node: Node, depth: number): Node => {
    const key = segments[depth]!
    if (!Object.hasOwn(node, key)) return node
    if (depth === segments.length - 1) {
      const { [key]: _removed, ...rest } = node
      return seal(rest)
    }
    const next = node[key]
    if (!isPlainObject(next)) return node
    const written = go(next, depth + 1)
    return written === next ? node : assign(seal, node, key, written)
  }
  return segments.length === 0 ? root : go(root, 0)
}

/**
 * Merges `patch` into `target` deeply: where both sides hold plain objects the
 * merge recurses, anything else in `patch` replaces the target's value. Keys of
 * `patch` are path segments, so the forbidden ones are refused. Returns `target`
 * itself when nothing changed. New values and nodes are made immutable by `freezer`.
 */
export const mergeDeep = (target: Node, patch: Node, { freeze, seal }: Freezer): Written => {
  const go = (node: Node, delta: Node, at: ReadonlyArray<string>): Node | string => {
    let result: Record<string, unknown> | undefined
    for (const key of Object.keys(delta)) {
      if (FORBIDDEN.has(key)) return `the key '${[...at, key].join(".")}' is not allowed in a patch`
      const incoming = delta[key]
      const existing = child(node, key)
      let merged: unknown
      if (existing.found && isPlainObject(existing.value) && isPlainObject(incoming)) {
        const inner = go(existing.value, incoming, [...at, key])
        if (typeof inner === "string") return inner
        merged = inner
      } else {
        // Frozen before comparing: Equal caches hashes, which is only sound for values that cannot change.
        const value = freeze(incoming)
        merged = existing.found && Equal.equals(existing.value, value) ? existing.value : value
      }
      if (!existing.found || merged !== existing.value) (result ??= { ...node })[key] = merged
    }
    return result === undefined ? node : seal(result)
  }
  const merged = go(target, patch, [])
  return typeof merged === "string" ? { _tag: "Invalid", reason: merged } : { _tag: "Ok", root: merged }
}
