/**
 * How a route's result and a route's failure become a response: the
 * normalisation of a handler's value (JSON, an Outcome, a response as it is, 204)
 * and the answer to a failure through the one mapping of `failure.ts`, with the
 * route's own message for a server fault.
 *
 * @internal
 */
import { Answer, Outcome } from "@specter-runtime/core"
import { Cause, Effect, Option } from "effect"
import { type Headers, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpError } from "../HttpError.ts"
import { type Failure, recover } from "./failure.ts"

/** The answer to a handler's `value`, with `status` and `headers` for a plain value. */
export const respond = (
  value: unknown,
  status: number | undefined,
  headers: Headers.Input | undefined
): HttpServerResponse.HttpServerResponse => {
  if (HttpServerResponse.isHttpServerResponse(value)) return value
  if (Outcome.isOutcome(value)) return HttpServerResponse.jsonUnsafe(Outcome.toJSON(value), { status: value.status, headers })
  if (value === undefined) return HttpServerResponse.empty({ status: 204, headers })
  return HttpServerResponse.jsonUnsafe(value, { status: status ?? 200, headers })
}

/** The JSON response of a classified failure. */
export const toResponse = (failure: Failure): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.jsonUnsafe(failure.body, { status: failure.status, headers: failure.headers ?? {} })

/** An `HttpError` that asks to be logged is logged at its level (HTTP-08). */
const logAsked = (error: unknown): Effect.Effect<void> =>
  error instanceof HttpError && error.logMessage !== undefined
    ? Effect.logWithLevel(error.logLevel ?? "Warn")(error.logMessage)
    : Effect.void

/**
 * The answer to `cause`, a failure of a request's handling: classified by the one
 * mapping (which logs a server fault once, with its cause). A server fault that
 * does not answer for itself answers `{ error: message }` when the route set one.
 * An interruption is not answered: it goes on.
 */
export const answerFailure = (
  cause: Cause.Cause<unknown>,
  request: HttpServerRequest.HttpServerRequest,
  message: string | undefined
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  const error = Option.getOrUndefined(Cause.findErrorOption(cause))
  const answered = recover(cause, `${request.method} ${request.url}`).pipe(
    Effect.map((failure) =>
      toResponse(
        message !== undefined && failure.unexpected && !Answer.isAnswerable(error) ? { ...failure, body: { error: message } } : failure
      )
    )
  )
  return error === undefined ? answered : Effect.andThen(logAsked(error), answered)
}
