/**
 * The coercion table (§9.4) and the pipeline of one value: coerce, then `nonEmpty`,
 * `maxLength`, list items, choices and the validator. Everything here is synchronous
 * and pure; `fieldSchema.ts` turns it into the decoding transformation of a Schema.
 * Issues carry message tails (see `fieldMessages.ts`), never a label.
 *
 * @internal
 */
import type { ListOptions, Options, StringOptions } from "../Field.ts"
import * as Messages from "./fieldMessages.ts"

/** One error found in a value, at `path` below that value. */
export interface Issue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

export type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issues: ReadonlyArray<Issue> }

const ok = (value: unknown): Outcome => ({ ok: true, value })
const fail = (path: ReadonlyArray<PropertyKey>, message: string): Outcome => ({ ok: false, issues: [{ path, message }] })

/** A conversion of one present value: the converted value, or the inner text of the failure. */
export type Convert = (value: unknown) =>
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly message: string }

/** The runtime description of one field, as built by the `Field` constructors. */
export interface Spec {
  /** `string`, `int`, `float`, `boolean`, `array`, `object`, `literal` or a custom name. */
  readonly kind: string
  /** The name in `must be <target>: ...`; `""` gives `coercion failed: ...`. */
  readonly target: string
  readonly convert: Convert
  /** The field every element of a list goes through. */
  readonly item: Spec | undefined
  readonly required: boolean
  /** Produces the default; `undefined` when the field has none. */
  readonly resolveDefault: (() => unknown) | undefined
  /** The `default` option, when one was given (not a `defaultWith` factory). */
  readonly constant: { readonly value: unknown } | undefined
  /** `undefined` when no choices were given or the list was empty. */
  readonly choices: ReadonlyArray<unknown> | undefined
  readonly validator: ((value: any) => unknown) | undefined
  readonly label: string | undefined
  readonly nonEmpty: boolean
  readonly maxLength: number | undefined
}

/** The options every constructor accepts: the public ones, together. */
export type SpecOptions = Options<any> & Pick<StringOptions, "nonEmpty" | "maxLength">

/** A list's options as a spec's: `maxItems` is the spec's `maxLength` (checked and named as `maxItems`). */
export const listOptions = (options: ListOptions<any> | undefined): SpecOptions | undefined => {
  if (options?.maxItems === undefined) return options
  if (!(Number.isSafeInteger(options.maxItems) && options.maxItems >= 0)) {
    throw new TypeError(`[specter:field] array field: maxItems must be a non-negative integer, got ${options.maxItems}`)
  }
  return { ...options, maxLength: options.maxItems }
}

export const makeSpec = (
  kind: string,
  parts: { readonly target: string; readonly convert: Convert; readonly item?: Spec | undefined },
  options: SpecOptions | undefined
): Spec => {
  const o = options ?? {}
  if (o.choices !== undefined && !Array.isArray(o.choices)) {
    throw new TypeError(`[specter:field] ${kind} field: choices must be an array`)
  }
  if (o.maxLength !== undefined && !(Number.isSafeInteger(o.maxLength) && o.maxLength >= 0)) {
    throw new TypeError(`[specter:field] ${kind} field: maxLength must be a non-negative integer, got ${o.maxLength}`)
  }
  const constant = o.default !== undefined && o.defaultWith === undefined ? { value: o.default } : undefined
  return {
    kind,
    target: parts.target,
    convert: parts.convert,
    item: parts.item,
    required: o.required === true,
    resolveDefault: o.defaultWith ?? (constant !== undefined ? () => constant.value : undefined),
    constant,
    choices: o.choices !== undefined && o.choices.length > 0 ? [...o.choices] : undefined,
    validator: o.validator,
    label: o.label,
    nonEmpty: o.nonEmpty === true,
    maxLength: o.maxLength
  }
}

/** The item spec of a list: its default fills a `null` element, else the element is required. */
export const asItem = (spec: Spec): Spec => ({
  ...spec,
  required: spec.resolveDefault === undefined,
  label: undefined
})

// ---------------------------------------------------------------------------
// Coercion table (§9.4)
// ---------------------------------------------------------------------------

const converted = (value: unknown) => ({ ok: true, value }) as const
const cannot = (value: unknown, target: string) => ({ ok: false, message: Messages.cannotConvert(value, target) }) as const

const INT = /^[+-]?\d+(?:_\d+)*$/
const FLOAT = /^[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?$/
const FLOAT_SPECIAL = /^([+-]?)(nan|inf|infinity)$/i

const safeInt = (n: number, input: unknown) => Number.isSafeInteger(n) ? converted(n === 0 ? 0 : n) : cannot(input, "int")

export const toInt: Convert = (value) => {
  if (typeof value === "boolean") return converted(value ? 1 : 0)
  if (typeof value === "number") return Number.isFinite(value) ? safeInt(Math.trunc(value), value) : cannot(value, "int")
  if (typeof value === "string") {
    const text = value.trim()
    return INT.test(text) ? safeInt(Number(text.replaceAll("_", "")), value) : cannot(value, "int")
  }
  return cannot(value, "int")
}

export const toFloat: Convert = (value) => {
  if (typeof value === "number") return converted(value)
  if (typeof value === "boolean") return converted(value ? 1 : 0)
  if (typeof value === "string") {
    const text = value.trim()
    const special = FLOAT_SPECIAL.exec(text)
    if (special !== null) {
      const magnitude = special[2]!.toLowerCase() === "nan" ? Number.NaN : Number.POSITIVE_INFINITY
      return converted(special[1] === "-" ? -magnitude : magnitude)
    }
    return FLOAT.test(text) ? converted(Number(text.replaceAll("_", ""))) : cannot(value, "float")
  }
  return cannot(value, "float")
}

export const toStr: Convert = (value) =>
  converted(
    typeof value === "string" ? value : typeof value === "object" && value !== null ? Messages.json(value) : String(value)
  )

const TRUE_WORDS = new Set(["1", "true", "yes", "on"])
const FALSE_WORDS = new Set(["", "0", "false", "no", "off"])

export const toBool: Convert = (value) => {
  if (typeof value === "boolean") return converted(value)
  if (typeof value === "number") return converted(value !== 0)
  if (typeof value === "string") {
    const word = value.trim().toLowerCase()
    return converted(TRUE_WORDS.has(word) || !FALSE_WORDS.has(word))
  }
  if (Array.isArray(value)) return converted(value.length > 0)
  if (typeof value === "object" && value !== null) return converted(Object.keys(value).length > 0)
  return converted(Boolean(value))
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export const toDict: Convert = (value) =>
  isRecord(value) ? converted(value) : { ok: false, message: Messages.expected("object", value) }

export const toList: Convert = (value) =>
  Array.isArray(value) ? converted(value) : { ok: false, message: Messages.expected("array", value) }

export const passthrough: Convert = converted

/** A user coercer: its return value, or its thrown message. */
export const custom = (coerce: (value: unknown) => unknown): Convert => (value) => {
  try {
    return converted(coerce(value))
  } catch (error) {
    return { ok: false, message: Messages.messageOf(error) }
  }
}

// ---------------------------------------------------------------------------
// The pipeline
// ---------------------------------------------------------------------------

/**
 * An absent value: `null`, `undefined`, or a function. No JSON payload holds a
 * function, so one can only be a member inherited from a prototype (`constructor`,
 * `toString`): it never becomes a field value.
 */
export const isAbsent = (value: unknown): boolean =>
  value === null || value === undefined || typeof value === "function"

/** The value of an absent field: its default, else `null`, else (required) an error. */
export const absent = (spec: Spec, path: ReadonlyArray<PropertyKey>): Outcome =>
  spec.resolveDefault !== undefined ? ok(spec.resolveDefault()) : spec.required ? fail(path, Messages.required) : ok(null)

/** Coercion, then `nonEmpty`, `maxLength`, list items, choices, the validator; each step only if the last passed. */
export const run = (spec: Spec, value: unknown, path: ReadonlyArray<PropertyKey>): Outcome => {
  const coerced = spec.convert(value)
  if (!coerced.ok) return fail(path, Messages.coercion(spec.target, coerced.message))
  let result = coerced.value
  if (spec.nonEmpty && result === "") return fail(path, Messages.notEmpty)
  if (spec.maxLength !== undefined && (result as { readonly length: number }).length > spec.maxLength) {
    return fail(path, Messages.maxLength(spec.maxLength, typeof result === "string" ? "characters" : "items"))
  }
  if (spec.item !== undefined) {
    const items = runItems(spec.item, result as ReadonlyArray<unknown>, path)
    if (!items.ok) return items
    result = items.value
  }
  if (spec.choices !== undefined && !spec.choices.some((choice) => choice === result)) {
    return fail(path, Messages.choices(spec.choices, result))
  }
  if (spec.validator !== undefined) {
    try {
      if (spec.validator(result) === false) return fail(path, Messages.failedValidation)
    } catch (error) {
      return fail(path, Messages.validationError(error))
    }
  }
  return ok(result)
}

/** A fresh array of the items' values, or every item's errors (at `<path>.<index>`). */
const runItems = (item: Spec, values: ReadonlyArray<unknown>, path: ReadonlyArray<PropertyKey>): Outcome => {
  const out: Array<unknown> = []
  const issues: Array<Issue> = []
  for (let i = 0; i < values.length; i++) {
    const element = values[i]
    const outcome = isAbsent(element) ? absent(item, [...path, i]) : run(item, element, [...path, i])
    if (outcome.ok) out.push(outcome.value)
    else issues.push(...outcome.issues)
  }
  return issues.length > 0 ? { ok: false, issues } : ok(out)
}
