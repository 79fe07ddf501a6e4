/**
 * An error that knows its HTTP answer: a status, a message, and an optional
 * payload merged into the JSON body. Fail with one anywhere in a route, an action
 * or a socket handler and the client gets exactly that answer (a socket ack
 * carries the code of its status, `404` → `"not_found"`). It may also say what to
 * log when it is answered (`logMessage`, at `logLevel`): the client sees the
 * message, the log says more.
 *
 * ```ts
 * return yield* HttpError.notFound(`no item '${id}'`)
 * return yield* HttpError.make("taken", { status: 409, payload: { field: "name" } })
 * return yield* HttpError.forbidden("not yours", { logMessage: `user ${user} tried item ${id}` })
 * ```
 *
 * @since 0.1.0
 */
import { Answer } from "@specter-runtime/core"
import { Data, type LogLevel } from "effect"

/**
 * The error. `status` is an HTTP status code (4xx or 5xx); the response body is
 * `{ ...payload, error: message }`, except that a payload's own `error` wins.
 * When `logMessage` is set, a route that answers the error logs it at `logLevel`
 * (default `"Warn"`); without it nothing is logged.
 *
 * @since 0.1.0
 * @category errors
 */
export class HttpError extends Data.TaggedError("HttpError")<{
  readonly status: number
  readonly message: string
  readonly payload?: Readonly<Record<string, unknown>> | undefined
  readonly logMessage?: string | undefined
  readonly logLevel?: LogLevel.Severity | undefined
}> {
  /** Its status, the code of that status, and `toBody` as the HTTP body. */
  [Answer.symbol](): Answer.Answer {
    return Answer.make(this.status, this.message, { body: toBody(this) })
  }
}

/**
 * Options of `make` and of the constructors named after a status.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The HTTP status (default 400). */
  readonly status?: number | undefined
  /** Merged into the JSON body; its own `error` key wins over the message. */
  readonly payload?: Readonly<Record<string, unknown>> | undefined
  /** Logged when the error is answered; nothing is logged without it. */
  readonly logMessage?: string | undefined
  /** The level of `logMessage` (default `"Warn"`). */
  readonly logLevel?: LogLevel.Severity | undefined
}

/**
 * An `HttpError` with `message`, answering `options.status` (default 400).
 *
 * @example
 * HttpError.make("x") // 400 {"error":"x"}
 * HttpError.make("bad", { status: 422, payload: { field: "name" } }) // 422 {"field":"name","error":"bad"}
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (message: string, options?: Options): HttpError =>
  new HttpError({
    status: options?.status ?? 400,
    message,
    payload: options?.payload,
    logMessage: options?.logMessage,
    logLevel: options?.logLevel
  })

/**
 * The JSON body an `HttpError` answers with: a copy of the payload, with
 * `error: message` unless the payload has its own `error`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toBody = (error: HttpError): Record<string, unknown> => {
  const body: Record<string, unknown> = { ...error.payload }
  if (!Object.hasOwn(body, "error")) body["error"] = error.message
  return body
}

const withStatus = (status: number) => (message: string, options?: Omit<Options, "status">): HttpError =>
  make(message, { ...options, status })

/**
 * An `HttpError` answering 400 Bad Request: the input is wrong in a way a Schema
 * did not catch. `options` as for `make`, without `status`.
 *
 * @example
 * HttpError.badRequest("the end is before the start", { payload: { field: "end" } })
 *
 * @since 0.1.0
 * @category constructors
 */
export const badRequest = withStatus(400)
/**
 * An `HttpError` answering 401 Unauthorized: the caller is not authenticated.
 *
 * @example
 * HttpError.unauthorized("sign in first")
 *
 * @since 0.1.0
 * @category constructors
 */
export const unauthorized = withStatus(401)
/**
 * An `HttpError` answering 403 Forbidden: the caller may not do this. Log who
 * tried with `logMessage`; the client only sees the message.
 *
 * @example
 * HttpError.forbidden("not yours", { logMessage: `user ${user} tried item ${id}`, logLevel: "Info" })
 *
 * @since 0.1.0
 * @category constructors
 */
export const forbidden = withStatus(403)
/**
 * An `HttpError` answering 404 Not Found.
 *
 * @example
 * HttpError.notFound(`no item '${id}'`)
 *
 * @since 0.1.0
 * @category constructors
 */
export const notFound = withStatus(404)
/**
 * An `HttpError` answering 409 Conflict: the request clashes with the current state.
 *
 * @example
 * HttpError.conflict("name taken", { payload: { field: "name" } })
 *
 * @since 0.1.0
 * @category constructors
 */
export const conflict = withStatus(409)
/**
 * An `HttpError` answering 422 Unprocessable Content: well-formed, but not acceptable.
 *
 * @example
 * HttpError.unprocessable("quantity exceeds the stock", { payload: { stock: 3 } })
 *
 * @since 0.1.0
 * @category constructors
 */
export const unprocessable = withStatus(422)
