/**
 * An Operation is a named unit of work that validates its input, performs it, and
 * always yields an `Outcome`, never a failure: an `OperationError` becomes a
 * failure with its status and meta, a validation failure a 400 with per-field
 * errors, any other failure a 500 with its message, and a defect a 500 that is
 * logged and says only "internal error". Original: `Operation` (`validate`,
 * `perform`, `run`) and `OperationError(message, status, meta)`.
 *
 * ```ts
 * const Rename = Operation.make("rename", {
 *   validate: ({ name }) => name.length > 0 ? Effect.void : Effect.fail(new Operation.OperationError({ message: "empty name", status: 422 })),
 *   perform: ({ id, name }) => items.rename(id, name)
 * })
 * const outcome = yield* Rename.run({ id: "a", name: "lamp" }) // Outcome<Item>
 * ```
 *
 * @since 0.1.0
 */
import { Cause, Data, Effect, Option } from "effect"
import { ValidationError } from "./Validation.ts"
import * as Outcome from "./Outcome.ts"
import { catchFailure } from "./internal/failure.ts"

/**
 * The error an operation fails with on purpose: a message, a status (default 400),
 * meta for the outcome, and optionally a value. Unlike the original, a `status` or
 * `value` key in meta is just meta (weakness 36).
 *
 * @since 0.1.0
 * @category errors
 */
export class OperationError extends Data.TaggedError("OperationError")<{
  readonly message: string
  readonly status?: number | undefined
  readonly meta?: Readonly<Record<string, unknown>> | undefined
  readonly value?: unknown
}> {}

/**
 * @since 0.1.0
 * @category models
 */
export interface Operation<I, A, R> {
  readonly name: string
  /** Validates `input`, performs it, and returns its Outcome; never fails. */
  readonly run: (input: I) => Effect.Effect<Outcome.Outcome<A>, never, R>
}

/**
 * How an operation works. `validate` may fail to refuse the input (its success
 * value is ignored); `perform` returns a value (a 200 success) or an Outcome,
 * which is returned as it is, failure included.
 *
 * @since 0.1.0
 * @category models
 */
export interface Definition<I, A, E, R> {
  readonly validate?: ((input: I) => Effect.Effect<unknown, E, R>) | undefined
  readonly perform: (input: I) => Effect.Effect<A | Outcome.Outcome<A>, E, R>
}

const toOutcome = (name: string, cause: Cause.Cause<unknown>): Effect.Effect<Outcome.Failure> => {
  const error = Cause.findErrorOption(cause)
  if (Option.isNone(error)) {
    return Effect.as(Effect.logError(`operation '${name}' died`, cause), Outcome.failure("internal error", { status: 500 }))
  }
  const e = error.value
  if (e instanceof OperationError) {
    return Effect.succeed(Outcome.failure(e.message, { status: e.status ?? 400, meta: e.meta, value: e.value }))
  }
  if (e instanceof ValidationError) {
    return Effect.succeed(Outcome.failure(e.message, { status: 400, meta: { errors: e.errors } }))
  }
  return Effect.as(Effect.logError(`operation '${name}' failed`, cause), Outcome.failure(e, { status: 500 }))
}

/**
 * Makes an operation named `name`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <I, A, E = never, R = never>(name: string, definition: Definition<I, A, E, R>): Operation<I, A, R> => ({
  name,
  run: (input) =>
    Effect.suspend(() =>
      definition.validate === undefined
        ? definition.perform(input)
        : Effect.andThen(definition.validate(input), () => definition.perform(input))
    ).pipe(
      Effect.map((result): Outcome.Outcome<A> => (Outcome.isOutcome(result) ? result as Outcome.Outcome<A> : Outcome.success(result))),
      (performed) => catchFailure(performed, (cause) => toOutcome(name, cause))
    )
})
