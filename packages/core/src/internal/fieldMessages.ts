/**
 * Every text a `Field` schema reports, in one place. A field's issues carry only the
 * tail of a message (`is required`, `must be int: ...`); `Validation` puts the quoted
 * label in front (`'quantity' must be int: ...`) and joins the entries.
 *
 * Type names are JavaScript's (`string`, `number`, `boolean`, `array`, `object`,
 * `null`, `undefined`); values quoted in messages are cut to 100 characters.
 *
 * @internal
 */
import { Option } from "effect"

const MAX_VALUE_TEXT = 100

/** The JS type name used in messages: `null`, `array`, or the `typeof` result. */
export const typeName = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "array" : typeof value

/** JSON text of a value, or its `Object.prototype.toString` tag when it has none (a cycle, a bigint). */
export const json = (value: unknown): string => {
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

const quote = (value: unknown): string => (typeof value === "string" ? `'${value}'` : formatValue(value))

/** The message of anything thrown: an `Error`'s message, else its text. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

// ---------------------------------------------------------------------------
// Tails: what follows the quoted label
// ---------------------------------------------------------------------------

export const required = "is required"

/** A failed coercion to `target` (`int`, `float`, or a custom name; `""` for an unnamed one). */
export const coercion = (target: string, inner: string): string =>
  target.length > 0 ? `must be ${target}: ${inner}` : `coercion failed: ${inner}`

export const cannotConvert = (value: unknown, target: string): string =>
  `Cannot convert ${typeName(value)} '${formatValue(value)}' to ${target}`

export const expected = (kind: string, value: unknown): string => `Expected ${kind}, got ${typeName(value)}`

export const notEmpty = "must not be empty"

export const maxLength = (max: number, unit: "characters" | "items"): string => `must be at most ${max} ${unit}`

export const choices = (allowed: ReadonlyArray<unknown>, value: unknown): string =>
  `must be one of [${allowed.map(quote).join(", ")}], got '${formatValue(value)}'`

export const failedValidation = "failed validation"

export const validationError = (error: unknown): string => `validation error: ${messageOf(error)}`

// ---------------------------------------------------------------------------
// Whole messages
// ---------------------------------------------------------------------------

export const labelled = (label: string, tail: string): string => `'${label}' ${tail}`

export const unknownField = (key: string): string => `Unknown field '${key}'`

/** A payload that is not an object; the type is left out when the input is not known. */
export const payload = (input: Option.Option<unknown>): string =>
  Option.isSome(input) ? `Expected an object payload, got ${typeName(input.value)}` : "Expected an object payload"

const prefix = (name: string | undefined): string => (name === undefined ? "" : `[${name}] `)

export const validationFailed = (name: string | undefined, entries: ReadonlyArray<readonly [string, string]>): string =>
  `${prefix(name)}Validation failed: ${entries.map(([key, message]) => `${key}: ${message}`).join("; ")}`

export const named = (name: string | undefined, message: string): string => prefix(name) + message
