/**
 * The success path of `validate` for a `Field.struct`: the field pipeline run
 * directly over the payload's keys, without Schema's parser. It gives the value
 * the Schema would give, or `undefined` as soon as anything fails or falls
 * outside what it covers; `validate` then decodes with the Schema, which is the
 * contract and writes every message. So a valid payload costs one pass over its
 * fields, and only an invalid one pays for the Schema's issues.
 *
 * Covered: non-strict structs whose fields are strings, ints, floats, booleans,
 * literals and lists of those (a list without an item type is copied, as
 * `Schema.Array` copies it), on a plain-object payload. Objects and custom
 * fields always go through the Schema (it copies and checks them in its own way).
 *
 * Bench: bench/core.ts, "Field.validate of an item body".
 *
 * @internal
 */
import { absent, isAbsent, run, type Spec } from "./field.ts"

/** The fields of a struct, in declaration order, when this path covers it. */
type Plan = ReadonlyArray<readonly [key: string, spec: Spec]>

const SIMPLE = new Set(["string", "int", "float", "boolean", "literal"])

const covered = (spec: Spec): boolean =>
  SIMPLE.has(spec.kind) || (spec.kind === "array" && (spec.item === undefined || covered(spec.item)))

const plans = new WeakMap<object, Plan | null>()

const planOf = (schema: object, strict: boolean): Plan | null => {
  let plan = plans.get(schema)
  if (plan !== undefined) return plan
  const fields = (schema as { readonly fields?: Readonly<Record<string, { readonly spec?: Spec }>> }).fields
  const entries = fields === undefined ? [] : Object.entries(fields).map(([key, field]) => [key, field.spec] as const)
  plan = !strict && entries.length > 0 && entries.every(([key, spec]) => key !== "__proto__" && spec !== undefined && covered(spec))
    ? entries as Plan
    : null
  plans.set(schema, plan)
  return plan
}

const isPlainObject = (input: unknown): input is Record<string, unknown> => {
  if (typeof input !== "object" || input === null) return false
  const proto = Object.getPrototypeOf(input)
  return proto === Object.prototype || proto === null
}

const NO_PATH: ReadonlyArray<PropertyKey> = []

/**
 * The decoded value of `input` for the `Field.struct` `schema`, or `undefined`
 * when it fails anywhere or when this path does not cover it.
 */
export const decode = (schema: object, strict: boolean, input: unknown): Record<string, unknown> | undefined => {
  const plan = planOf(schema, strict)
  if (plan === null || !isPlainObject(input)) return undefined
  const out: Record<string, unknown> = {}
  for (let i = 0; i < plan.length; i++) {
    const [key, spec] = plan[i]!
    // As the Schema reads it: a key present anywhere on the chain, its value as it is.
    const value = key in input ? input[key] : undefined
    if (isAbsent(value)) {
      const outcome = absent(spec, NO_PATH)
      if (!outcome.ok) return undefined
      out[key] = outcome.value
      continue
    }
    const outcome = run(spec, value, NO_PATH)
    if (!outcome.ok) return undefined
    // A list without an item type passes its array through; the Schema's is a copy.
    out[key] = spec.kind === "array" && spec.item === undefined ? (outcome.value as Array<unknown>).slice() : outcome.value
  }
  return out
}
