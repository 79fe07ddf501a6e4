/**
 * Coercion rules, the per-field pipeline and the struct decoder behind `Field`.
 * Everything here is synchronous and pure; `Field.ts` wraps it in an Effect Schema.
 *
 * @internal
 */
import type { Options } from "../Field.ts"

/** One error found while validating, at `path` below the payload root. */
export interface FieldIssue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

export type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issues: ReadonlyArray<FieldIssue> }

const ok = (value: unknown): Outcome => ({ ok: true, value })
const fail = (path: ReadonlyArray<PropertyKey>, message: string): Outcome => ({ ok: false, issues: [{ path, message }] })

/** A conversion of one present, non-null value; `label` and `path` locate its messages. */
export type Coerce = (value: unknown, label: string, path: ReadonlyArray<PropertyKey>) => Outcome

/** The runtime description of one field, as built by the `Field` constructors. */
export interface Spec {
  readonly kind: string
  readonly coerce: Coerce
  readonly required: boolean
  /** Produces the default; `undefined` when the field has none. */
  readonly resolveDefault: (() => unknown) | undefined
  /** `undefined` when no choices were given or the list was empty. */
  readonly choices: ReadonlyArray<unknown> | undefined
  readonly validator: ((value: any) => unknown) | undefined
  readonly label: string | undefined
  readonly nonEmpty: boolean
}

/** The options every constructor accepts (see `Field.Options` and `Field.StringOptions`). */
export type SpecOptions = Options<any> & { readonly nonEmpty?: boolean | undefined }

export const makeSpec = (kind: string, coerce: Coerce, options: SpecOptions | undefined): Spec => {
  const o = options ?? {}
  if (o.choices !== undefined && !Array.isArray(o.choices)) {
    throw new TypeError(`[specter:field] ${kind} field: choices must be an array`)
  }
  const fallback = o.default
  return {
    kind,
    coerce,
    required: o.required === true,
    resolveDefault: o.defaultWith ?? (fallback !== undefined ? () => fallback : undefined),
    choices: o.choices !== undefined && o.choices.length > 0 ? [...o.choices] : undefined,
    validator: o.validator,
    label: o.label,
    nonEmpty: o.nonEmpty === true
  }
}

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

const MAX_VALUE_TEXT = 100

/** The JS type name used in messages: `null`, `array`, or the `typeof` result. */
export const typeName = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value

const json = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

/** A value as text inside a message: strings raw, containers as JSON, at most 100 characters. */
export const formatValue = (value: unknown): string => {
  const text = typeof value === "string"
    ? value
    : typeof value === "object" && value !== null
    ? json(value)
    : String(value)
  return text.length > MAX_VALUE_TEXT ? `${text.slice(0, MAX_VALUE_TEXT - 3)}...` : text
}

const repr = (value: unknown): string => (typeof value === "string" ? `'${value}'` : formatValue(value))

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

// ---------------------------------------------------------------------------
// Coercers
// ---------------------------------------------------------------------------

type Convert = (value: unknown) => { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string }

/** Wraps a conversion: a failure becomes `'<label>' must be <target>: <inner>`. */
export const simple = (target: string, convert: Convert): Coerce => (value, label, path) => {
  const result = convert(value)
  if (result.ok) return ok(result.value)
  return fail(
    path,
    target.length > 0 ? `'${label}' must be ${target}: ${result.message}` : `'${label}' coercion failed: ${result.message}`
  )
}

const cannot = (value: unknown, target: string) =>
  ({ ok: false, message: `Cannot convert ${typeName(value)} '${formatValue(value)}' to ${target}` }) as const

const INT = /^[+-]?\d+(?:_\d+)*$/
const FLOAT = /^[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?$/
const FLOAT_SPECIAL = /^([+-]?)(nan|inf|infinity)$/i

const safeInt = (n: number, input: unknown) =>
  Number.isSafeInteger(n) ? ({ ok: true, value: n === 0 ? 0 : n }) as const : cannot(input, "int")

export const toInt: Convert = (value) => {
  if (typeof value === "boolean") return { ok: true, value: value ? 1 : 0 }
  if (typeof value === "number") return Number.isFinite(value) ? safeInt(Math.trunc(value), value) : cannot(value, "int")
  if (typeof value === "string") {
    const text = value.trim()
    return INT.test(text) ? safeInt(Number(text.replaceAll("_", "")), value) : cannot(value, "int")
  }
  return cannot(value, "int")
}

export const toFloat: Convert = (value) => {
  if (typeof value === "number") return { ok: true, value }
  if (typeof value === "boolean") return { ok: true, value: value ? 1 : 0 }
  if (typeof value === "string") {
    const text = value.trim()
    const special = FLOAT_SPECIAL.exec(text)
    if (special !== null) {
      const magnitude = special[2]!.toLowerCase() === "nan" ? Number.NaN : Number.POSITIVE_INFINITY
      return { ok: true, value: special[1] === "-" ? -magnitude : magnitude }
    }
    return FLOAT.test(text) ? { ok: true, value: Number(text.replaceAll("_", "")) } : cannot(value, "float")
  }
  return cannot(value, "float")
}

export const toStr: Convert = (value) => {
  if (typeof value === "string") return { ok: true, value }
  if (typeof value === "object" && value !== null) return { ok: true, value: json(value) }
  return { ok: true, value: String(value) }
}

const TRUE_WORDS = new Set(["1", "true", "yes", "on"])
const FALSE_WORDS = new Set(["", "0", "false", "no", "off"])

export const toBool: Convert = (value) => {
  if (typeof value === "boolean") return { ok: true, value }
  if (typeof value === "number") return { ok: true, value: value !== 0 }
  if (typeof value === "string") {
    const word = value.trim().toLowerCase()
    return { ok: true, value: TRUE_WORDS.has(word) || !FALSE_WORDS.has(word) }
  }
  if (Array.isArray(value)) return { ok: true, value: value.length > 0 }
  if (typeof value === "object" && value !== null) return { ok: true, value: Object.keys(value).length > 0 }
  return { ok: true, value: Boolean(value) }
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export const toDict: Convert = (value) =>
  isRecord(value) ? { ok: true, value } : { ok: false, message: `Expected object, got ${typeName(value)}` }

export const passthrough: Coerce = (value) => ok(value)

/** An array, unchanged when there is no item field, else a fresh array of validated items. */
export const list = (item: Spec | undefined): Coerce => (value, label, path) => {
  if (!Array.isArray(value)) {
    return fail(path, `'${label}' must be array: Expected array, got ${typeName(value)}`)
  }
  if (item === undefined) return ok(value)
  const out: Array<unknown> = []
  const issues: Array<FieldIssue> = []
  for (let i = 0; i < value.length; i++) {
    const element: unknown = value[i]
    const itemLabel = `${label}[${i}]`
    const itemPath = [...path, i]
    if (element === null || element === undefined) {
      if (item.resolveDefault !== undefined) out.push(item.resolveDefault())
      else issues.push({ path: itemPath, message: `'${itemLabel}' is required` })
      continue
    }
    const outcome = run(item, element, itemLabel, itemPath)
    if (outcome.ok) out.push(outcome.value)
    else issues.push(...outcome.issues)
  }
  return issues.length > 0 ? { ok: false, issues } : ok(out)
}

/** A user coercer: its return value, or a field error for anything it throws. */
export const custom = (name: string, coerce: (value: unknown) => unknown): Coerce =>
  simple(name, (value) => {
    try {
      return { ok: true, value: coerce(value) }
    } catch (error) {
      return { ok: false, message: messageOf(error) }
    }
  })

// ---------------------------------------------------------------------------
// The pipeline of one present, non-null value
// ---------------------------------------------------------------------------

/** Coercion, then `nonEmpty`, then choices, then the validator; each step only runs if the last passed. */
export const run = (spec: Spec, value: unknown, label: string, path: ReadonlyArray<PropertyKey>): Outcome => {
  const coerced = spec.coerce(value, label, path)
  if (!coerced.ok) return coerced
  const result = coerced.value
  if (spec.nonEmpty && result === "") return fail(path, `'${label}' must not be empty`)
  if (spec.choices !== undefined && !spec.choices.some((choice) => choice === result)) {
    return fail(path, `'${label}' must be one of [${spec.choices.map(repr).join(", ")}], got '${formatValue(result)}'`)
  }
  if (spec.validator !== undefined) {
    try {
      if (spec.validator(result) === false) return fail(path, `'${label}' failed validation`)
    } catch (error) {
      return fail(path, `'${label}' validation error: ${messageOf(error)}`)
    }
  }
  return coerced
}

// ---------------------------------------------------------------------------
// Structs
// ---------------------------------------------------------------------------

/** Sets an own data property, even for `__proto__` (which plain assignment would treat as the prototype). */
export const assign = (target: Record<string, unknown>, key: string, value: unknown): void => {
  if (key === "__proto__") {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
  } else {
    target[key] = value
  }
}
