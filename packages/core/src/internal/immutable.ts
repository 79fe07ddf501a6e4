/**
 * Immutable state values for Store and Model: plain objects and arrays handed to a
 * state are frozen in place, recursively, so that a snapshot can be shared with
 * every reader and subscriber without copying, and a later mutation throws instead
 * of silently changing state behind the subscribers' backs (weakness 21).
 *
 * Only plain data is frozen (objects whose prototype is `Object.prototype` or
 * `null`, and arrays); class instances (Date, Map, Effect data types …) are kept
 * as they are. An object that is already frozen is taken to be deeply frozen, so
 * freezing a new state walks only the parts that are new (a value frozen by its
 * owner, shallowly, keeps whatever mutable parts it has).
 *
 * @internal
 */

/** True for `{}`-like objects (prototype `Object.prototype` or `null`). */
export const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== "object" || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

const isPlainData = (value: object): boolean => Array.isArray(value) || isPlainObject(value)

/**
 * Deep-freezes the plain data in `value`, in place, and returns it. Frozen parts
 * are not walked again.
 */
export const freeze = <A>(value: A): A => {
  if (typeof value !== "object" || value === null || Object.isFrozen(value) || !isPlainData(value)) return value
  if (Array.isArray(value)) {
    // An indexed loop: `for…in` over an array walks string keys, several times slower.
    for (let i = 0; i < value.length; i++) freeze(value[i])
  } else {
    const record = value as Record<string, unknown>
    for (const key of Object.keys(record)) freeze(record[key])
  }
  return Object.freeze(value)
}

/**
 * Freezes a node whose children are already frozen (a node built by copying a
 * frozen node and replacing one child with a frozen value).
 */
export const seal = <A extends object>(node: A): A => Object.freeze(node)

/** `typeof`, with `null` and arrays named, for error messages. */
export const typeName = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
    ? "array"
    : typeof value !== "object"
    ? typeof value
    : isPlainObject(value)
    ? "object"
    : (value.constructor?.name ?? "object")
