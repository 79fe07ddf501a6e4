/**
 * An error that knows its HTTP answer: a status, a message, and an optional
 * payload merged into the JSON body. Fail with one anywhere in a route, an action
 * or a socket handler and the client gets exactly that answer.
 * Original: `HTTPError(message, status_code, payload)`.
 *
 * ```ts
 * return yield* HttpError.notFound(`no item '${id}'`)
 * return yield* new HttpError.HttpError({ status: 409, message: "taken", payload: { field: "name" } })
 * ```
 *
 * @since 0.1.0
 */
import { Answer } from "@specter/core"
import { Data } from "effect"

/**
 * The error. `status` is an HTTP status code (4xx or 5xx); the response body is
 * `{ ...payload, error: message }`, except that a payload's own `error` wins.
 *
 * @since 0.1.0
 * @category errors
 */
export class HttpError extends Data.TaggedError("HttpError")<{
  readonly status: number
  readonly message: string
  readonly payload?: Readonly<Record<string, unknown>> | undefined
}> {
  /** Its status, the code of that status, and `toBody` as the HTTP body. */
  [Answer.symbol](): Answer.Answer {
    return Answer.make(this.status, this.message, { body: toBody(this) })
  }
}

/**
 * The JSON body an `HttpError` answers with. Original: `HTTPError.to_response()`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toBody = (error: HttpError): Record<string, unknown> => {
  const body: Record<string, unknown> = { ...error.payload }
  if (!Object.hasOwn(body, "error")) body["error"] = error.message
  return body
}

const make = (status: number) => (message: string, payload?: Readonly<Record<string, unknown>>) =>
  new HttpError({ status, message, payload })

/** 400. @since 0.1.0 @category constructors */
export const badRequest = make(400)
/** 401. @since 0.1.0 @category constructors */
export const unauthorized = make(401)
/** 403. @since 0.1.0 @category constructors */
export const forbidden = make(403)
/** 404. @since 0.1.0 @category constructors */
export const notFound = make(404)
/** 409. @since 0.1.0 @category constructors */
export const conflict = make(409)
/** 422. @since 0.1.0 @category constructors */
export const unprocessable = make(422)

/**
 * The short code a socket ack carries for an HTTP status (`404` → `"not_found"`);
 * unknown statuses give `"http_<status>"`. The same as `Answer.codeOf`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const codeOf: (status: number) => string = Answer.codeOf
