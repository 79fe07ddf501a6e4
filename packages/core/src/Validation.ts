/**
 * Validation of untrusted input with any Effect Schema, and its one error:
 * `ValidationError`, with a message per failing key. `Field.struct` schemas give
 * the messages of §9; `Field` re-exports everything here. Original:
 * `Schema.validate` and its failed `Outcome`.
 *
 * @since 0.1.0
 */
import { Data, Effect, Schema, type SchemaAST } from "effect"
import * as schemaInternal from "./internal/fieldSchema.ts"

/**
 * A payload failed validation. `errors` maps each failing key (dot-joined path for nested
 * values, `_` for the root) to its first message. `message` is
 * `Validation failed: <key>: <msg>; <key2>: <msg2>` in field order, prefixed with
 * `[<name>] ` when the schema has a name. A non-object payload given to a `Field.struct`
 * has `message` `[<name>] Expected an object payload, got <type>` and no `errors`.
 * Original: the failed `Outcome` of `Schema.validate` (status 400, meta `errors`).
 *
 * @since 0.1.0
 * @category errors
 */
export class ValidationError extends Data.TaggedError("ValidationError")<{
  readonly message: string
  readonly errors: Readonly<Record<string, string>>
}> {}

/**
 * Converts the `SchemaError` of any Effect Schema into a `ValidationError`, using the
 * issue paths as keys and the first message per key. An undeclared key rejected with
 * `onExcessProperty: "error"` reads `Unknown field '<key>'` unless the schema sets
 * `messageUnexpectedKey`.
 *
 * @since 0.1.0
 * @category errors
 */
export const toValidationError = (error: Schema.SchemaError): ValidationError => {
  const { entries, name, payload } = schemaInternal.flatten(error.issue)
  const prefix = name === undefined ? "" : `[${name}] `
  if (payload !== undefined) return new ValidationError({ message: prefix + payload, errors: {} })
  return new ValidationError({
    message: `${prefix}Validation failed: ${entries.map(([key, message]) => `${key}: ${message}`).join("; ")}`,
    errors: Object.fromEntries(entries)
  })
}

/**
 * Decodes `input` with any Effect Schema, reporting every error at once
 * (`{ errors: "all" }`, which `options` may override or extend, e.g. with
 * `onExcessProperty: "error"`), and fails with a `ValidationError` (see
 * `toValidationError`). With a `Field.struct` the messages are exactly those of §9.
 * Original: `Schema.validate(data)`.
 *
 * @since 0.1.0
 * @category validation
 */
export const validate = <S extends Schema.Top>(
  schema: S,
  input: unknown,
  options?: SchemaAST.ParseOptions
): Effect.Effect<S["Type"], ValidationError, S["DecodingServices"]> =>
  Schema.decodeUnknownEffect(schema, { errors: "all", ...options })(input).pipe(Effect.mapError(toValidationError))
