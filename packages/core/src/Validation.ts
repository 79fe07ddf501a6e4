/**
 * Validation of untrusted input with any Effect Schema, and its one error:
 * `ValidationError`, with a message per failing key. With a `Field.struct` the
 * messages are those of §9 (`'quantity' must be int: ...`); with any other Schema they
 * are Effect's. `Field` re-exports everything here.
 *
 * Original: `Schema.validate` and its failed `Outcome` (status 400, meta `errors`).
 *
 * @since 0.1.0
 */
import * as Answer from "./Answer.ts"
import { Data, Effect, Option, type Schema, type SchemaAST, type SchemaIssue, SchemaParser } from "effect"
import * as Messages from "./internal/fieldMessages.ts"
import * as fieldFast from "./internal/fieldFast.ts"
import { structOf } from "./internal/fieldSchema.ts"
import { flatten } from "./internal/validation.ts"

/**
 * A payload failed validation. `errors` maps each failing key (dot-joined path for nested
 * values, `_` for the root) to its first message. `message` is
 * `Validation failed: <key>: <msg>; <key2>: <msg2>` in issue order (a struct's fields
 * in declaration order, unknown keys first), prefixed with `[<name>] ` when the schema
 * has an `identifier` (`Field.struct`'s `name`). A `Field.struct` given something other
 * than an object fails with `[<name>] Expected an object payload, got <type>` and no
 * `errors`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ValidationError extends Data.TaggedError("ValidationError")<{
  readonly message: string
  readonly errors: Readonly<Record<string, string>>
}> {
  /** 400, code `validation`, with the per-field messages (`{ error, errors }` over HTTP). */
  [Answer.symbol](): Answer.Answer {
    return Answer.make(400, this.message, {
      code: "validation",
      fields: this.errors,
      body: { error: this.message, errors: this.errors }
    })
  }
}

/** `input` is what was decoded: a non-object payload's type is read from it when the struct saw it directly. */
const fromIssue = (issue: SchemaIssue.Issue, input: Option.Option<unknown>): ValidationError => {
  const { entries, name, payload } = flatten(issue)
  if (payload !== undefined) {
    const got = Option.isSome(payload.input) || !payload.atRoot ? payload.input : input
    return new ValidationError({ message: Messages.named(name, Messages.payload(got)), errors: {} })
  }
  return new ValidationError({ message: Messages.validationFailed(name, entries), errors: Object.fromEntries(entries) })
}

/**
 * Converts the `SchemaError` of any Effect Schema into a `ValidationError`, using the
 * issue paths as keys and the first message per key. An undeclared key rejected with
 * `onExcessProperty: "error"` reads `Unknown field '<key>'` unless the schema sets
 * `messageUnexpectedKey`. The type in `Expected an object payload, got <type>` is only
 * known when decoding kept the input (`reportInput: true`); `validate` always knows it.
 *
 * @example
 * Schema.decodeUnknownEffect(NewItem)(body).pipe(Effect.mapError(Field.toValidationError))
 *
 * @since 0.1.0
 * @category errors
 */
export const toValidationError = (error: Schema.SchemaError): ValidationError => fromIssue(error.issue, Option.none())

/**
 * Decodes `input` with any Effect Schema and fails with a `ValidationError` (see
 * `toValidationError`). Every error is reported at once (`errors: "all"`), and a
 * `Field.struct` built with `strict: true` rejects undeclared keys
 * (`onExcessProperty: "error"`); `options` may override both.
 *
 * **When to use**: at every edge that takes untrusted data (HTTP bodies, socket
 * payloads, queued jobs). A synchronous Schema (every `Field.struct`) gives back a
 * completed Effect (an `Exit`), so running it costs no fiber.
 *
 * @example
 * const item = yield* Field.validate(NewItem, body) // Effect<NewItem, ValidationError>
 *
 * @since 0.1.0
 * @category validation
 */
export const validate = <S extends Schema.Top>(
  schema: S,
  input: unknown,
  options?: SchemaAST.ParseOptions
): Effect.Effect<S["Type"], ValidationError, S["DecodingServices"]> => {
  const struct = structOf(schema.ast)
  if (struct !== undefined && options === undefined) {
    // A Field.struct's success path skips the parser (see internal/fieldFast.ts).
    const value = fieldFast.decode(schema, struct.strict, input)
    if (value !== undefined) return Effect.succeed(value as S["Type"])
  }
  const strict = struct?.strict === true ? { onExcessProperty: "error" as const } : undefined
  return SchemaParser.decodeUnknownEffect(schema)(input, { errors: "all", ...strict, ...options }).pipe(
    Effect.mapErrorEager((issue) => fromIssue(issue, Option.some(input)))
  )
}
