/**
 * An Outcome is the result of an operation as data: a success with a value, or a
 * failure with an error message, each with an HTTP-style status and free-form meta.
 * A route or socket handler may return one and gets its status and JSON form.
 * Outcomes are immutable. Original: `Outcome(ok, value, error, status, meta)` with
 * `success`, `failure`, `unwrap`, `to_dict`, `to_tuple`.
 *
 * ```ts
 * const found = Outcome.success(item, { status: 200 })
 * const missing = Outcome.failure("no such item", { status: 404 })
 * Outcome.toJSON(missing) // { ok: false, status: 404, error: "no such item", value: null }
 * ```
 *
 * @since 0.1.0
 */
import { Data, Effect } from "effect"
import * as Answer from "./Answer.ts"

const TypeId = "~@specter-runtime/core/Outcome" as const

/**
 * @since 0.1.0
 * @category models
 */
export interface Success<A> {
  readonly [TypeId]: typeof TypeId
  readonly _tag: "Success"
  readonly ok: true
  readonly value: A
  readonly error: null
  readonly status: number
  readonly meta: Readonly<Record<string, unknown>>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Failure {
  readonly [TypeId]: typeof TypeId
  readonly _tag: "Failure"
  readonly ok: false
  readonly value: unknown
  readonly error: string
  readonly status: number
  readonly meta: Readonly<Record<string, unknown>>
}

/**
 * @since 0.1.0
 * @category models
 */
export type Outcome<A> = Success<A> | Failure

/**
 * Options of `success` (`status`, default 200) and `failure` (`status`, default
 * 400, and `value`, default `null`); `meta` is copied.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly status?: number | undefined
  readonly meta?: Readonly<Record<string, unknown>> | undefined
}

/**
 * A successful outcome carrying `value`. Original: `Outcome.success(value, status, **meta)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const success = <A>(value: A, options?: Options): Success<A> =>
  Object.freeze({
    [TypeId]: TypeId,
    _tag: "Success",
    ok: true,
    value,
    error: null,
    status: options?.status ?? 200,
    meta: Object.freeze({ ...options?.meta })
  })

/**
 * A failed outcome. An `Error` becomes its message; anything else its text.
 * Original: `Outcome.failure(error, status, value, **meta)` (which turned `None`
 * into the text "None"; here `null` and `undefined` become "unknown error").
 *
 * @since 0.1.0
 * @category constructors
 */
export const failure = (error: unknown, options?: Options & { readonly value?: unknown }): Failure =>
  Object.freeze({
    [TypeId]: TypeId,
    _tag: "Failure",
    ok: false,
    value: options?.value ?? null,
    error: error instanceof Error ? error.message : error === null || error === undefined ? "unknown error" : String(error),
    status: options?.status ?? 400,
    meta: Object.freeze({ ...options?.meta })
  })

/**
 * @since 0.1.0
 * @category guards
 */
export const isOutcome = (u: unknown): u is Outcome<unknown> => typeof u === "object" && u !== null && TypeId in u

/**
 * The JSON form: the meta, then `ok`, `status`, `value`, and (for a failure)
 * `error`. The reserved keys always win over meta keys of the same name.
 * Original: `to_dict()`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toJSON = <A>(outcome: Outcome<A>): Record<string, unknown> =>
  outcome.ok
    ? { ...outcome.meta, ok: true, status: outcome.status, value: outcome.value }
    : { ...outcome.meta, ok: false, status: outcome.status, error: outcome.error, value: outcome.value }

/**
 * `[ok, value, error]`. Original: `to_tuple()`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toTuple = <A>(outcome: Outcome<A>): readonly [boolean, unknown, string | null] => [
  outcome.ok,
  outcome.value,
  outcome.error
]

/**
 * `unwrap` of a failed outcome: `message` is its error (or "Outcome is not
 * successful" when empty), and `outcome` is the failure.
 *
 * @since 0.1.0
 * @category errors
 */
export class OutcomeFailed extends Data.TaggedError("OutcomeFailed")<{ readonly outcome: Failure }> {
  override get message() {
    return this.outcome.error.length > 0 ? this.outcome.error : "Outcome is not successful"
  }

  /** The outcome's status, with its JSON form as the HTTP body. */
  [Answer.symbol](): Answer.Answer {
    return Answer.make(this.outcome.status, this.message, { body: toJSON(this.outcome) })
  }
}

/**
 * The value of a success, or `OutcomeFailed`. Original: `unwrap()`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const unwrap = <A>(outcome: Outcome<A>): Effect.Effect<A, OutcomeFailed> =>
  outcome.ok ? Effect.succeed(outcome.value) : Effect.fail(new OutcomeFailed({ outcome }))
