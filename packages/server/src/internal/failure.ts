/**
 * The one mapping from a failure to an answer, for every edge of the server: an
 * HTTP route, an action called over HTTP, and a socket event's ack all answer a
 * given failure the same way. An error that answers for itself (`Answer`) gets its
 * own answer; a Schema failure is a validation failure; the router's own failures
 * (no route, a body that is not JSON or too large) get theirs; anything else is a
 * 500 that is logged in full and answered without details.
 *
 * @internal
 */
import { Answer, Field, Outcome } from "@specter-runtime/core"
import { Cause, Effect, Option, Schema } from "effect"
import { HttpServerError } from "effect/http"

export interface Failure extends Answer.Answer {
  /** The JSON body of the HTTP answer. */
  readonly body: Readonly<Record<string, unknown>>
  /** Whether this is a server fault to be logged. */
  readonly unexpected: boolean
}

const fromAnswer = (answer: Answer.Answer): Failure => ({
  ...answer,
  body: answer.body ?? (answer.fields === undefined ? { error: answer.message } : { error: answer.message, errors: answer.fields }),
  unexpected: answer.status >= 500 && answer.code === "internal"
})

const internal: Failure = fromAnswer(Answer.make(500, "internal server error"))

const fromRouter = (error: HttpServerError.HttpServerError): Failure | undefined => {
  const reason = error.reason
  switch (reason._tag) {
    case "RouteNotFound":
      return fromAnswer(Answer.make(404, "not found"))
    case "RequestParseError": {
      const tooLarge = reason.reason === "BodyTooLarge"
      return tooLarge
        ? fromAnswer(Answer.make(413, "request body too large"))
        : fromAnswer(Answer.make(400, "request body is not valid JSON", { code: "bad_json" }))
    }
  }
  return undefined
}

const fromError = (error: unknown): Failure => {
  if (Answer.isAnswerable(error)) return fromAnswer(error[Answer.symbol]())
  if (Schema.isSchemaError(error)) return fromAnswer(Field.toValidationError(error)[Answer.symbol]())
  if (HttpServerError.isHttpServerError(error)) return fromRouter(error) ?? internal
  return internal
}

/** The failure an Outcome stands for (a route, action or event handler may return one). */
export const fromOutcome = (outcome: Outcome.Failure): Failure =>
  fromAnswer(new Outcome.OutcomeFailed({ outcome })[Answer.symbol]())

/** Classifies the first failure of `cause`; defects and errors that do not answer for themselves are 500s. */
export const classify = (cause: Cause.Cause<unknown>): Failure =>
  Option.match(Cause.findErrorOption(cause), { onNone: () => internal, onSome: fromError })

/**
 * The answer to a failure at `where`: classified, and logged once, with its
 * cause, when it is a server fault. An interruption is not a failure to answer: it
 * goes on.
 */
export const recover = (cause: Cause.Cause<unknown>, where: string): Effect.Effect<Failure> => {
  if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
  const failure = classify(cause)
  return failure.unexpected ? Effect.as(Effect.logError(`${where} failed`, cause), failure) : Effect.succeed(failure)
}
