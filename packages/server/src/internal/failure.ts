/**
 * One classification of failures for every edge of the server: an HTTP route,
 * an action called over HTTP, and a socket event's ack all answer a given failure
 * the same way. Expected errors become their own answer; anything else is a 500
 * that is logged in full and answered without details.
 *
 * @internal
 */
import { Field, Outcome } from "@specter/core"
import { Cause, Effect, Option, Schema } from "effect"
import { HttpServerError } from "effect/http"
import * as HttpError from "../HttpError.ts"

export interface Failure {
  /** The HTTP status. */
  readonly status: number
  /** The short code of a socket ack (`"validation"`, `"not_found"`, `"internal"` …). */
  readonly code: string
  readonly message: string
  /** Per-field messages of a validation failure. */
  readonly fields?: Readonly<Record<string, string>> | undefined
  /** The JSON body of the HTTP answer. */
  readonly body: Readonly<Record<string, unknown>>
  /** Whether this is a server fault to be logged. */
  readonly unexpected: boolean
}

const internal: Failure = {
  status: 500,
  code: "internal",
  message: "internal server error",
  body: { error: "internal server error" },
  unexpected: true
}

const fromValidation = (error: Field.ValidationError): Failure => ({
  status: 400,
  code: "validation",
  message: error.message,
  fields: error.errors,
  body: { error: error.message, errors: error.errors },
  unexpected: false
})

const fromError = (error: unknown): Failure => {
  if (error instanceof HttpError.HttpError) {
    return {
      status: error.status,
      code: HttpError.codeOf(error.status),
      message: error.message,
      body: HttpError.toBody(error),
      unexpected: error.status >= 500
    }
  }
  if (error instanceof Outcome.OutcomeFailed) return fromOutcome(error.outcome)
  if (error instanceof Field.ValidationError) return fromValidation(error)
  if (Schema.isSchemaError(error)) return fromValidation(Field.toValidationError(error))
  if (HttpServerError.isHttpServerError(error)) {
    const reason = error.reason
    switch (reason._tag) {
      case "RouteNotFound":
        return { status: 404, code: "not_found", message: "not found", body: { error: "not found" }, unexpected: false }
      case "RequestParseError": {
        const tooLarge = reason.reason === "BodyTooLarge"
        const message = tooLarge ? "request body too large" : "request body is not valid JSON"
        return { status: tooLarge ? 413 : 400, code: tooLarge ? "too_large" : "bad_json", message, body: { error: message }, unexpected: false }
      }
    }
  }
  return internal
}

/** The failure an Outcome stands for (an action or event handler may return one). */
export const fromOutcome = (outcome: Outcome.Failure): Failure => ({
  status: outcome.status,
  code: HttpError.codeOf(outcome.status),
  message: outcome.error,
  body: Outcome.toJSON(outcome),
  unexpected: false
})

/** Classifies the first failure of `cause`; defects and unknown errors are 500s. */
export const classify = (cause: Cause.Cause<unknown>): Failure =>
  Option.match(Cause.findErrorOption(cause), { onNone: () => internal, onSome: fromError })

/** Logs `cause` when it is a server fault. */
const report = (failure: Failure, cause: Cause.Cause<unknown>, where: string): Effect.Effect<void> =>
  failure.unexpected ? Effect.logError(`${where} failed`, cause) : Effect.void

/**
 * The answer to a failure at `where`: classified, and logged when it is a server
 * fault. An interruption is not a failure to answer: it goes on.
 */
export const recover = (cause: Cause.Cause<unknown>, where: string): Effect.Effect<Failure> => {
  if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
  const failure = classify(cause)
  return Effect.as(report(failure, cause, where), failure)
}
