/**
 * Errors that know their own answer. An error a caller should see (a validation
 * failure, a full queue, a missing record) carries the HTTP status, the short code
 * a socket ack carries, and optionally per-field messages, headers and a JSON body;
 * the server's one mapping from a failure to an answer reads it, for HTTP and for
 * the socket alike. Anything that does not carry an answer is a server fault: a 500
 * and an `internal` ack, logged with its cause.
 *
 * Declare an application error with `Answer.TaggedError`:
 *
 * ```ts
 * class ItemNotFound extends Answer.TaggedError("ItemNotFound", { status: 404 })<{ readonly id: string }> {
 *   override get message() {
 *     return `no item '${this.id}'`
 *   }
 * }
 * // HTTP: 404 {"error":"no item 'x'"}; socket ack: {"code":"not_found","message":"no item 'x'"}
 * ```
 *
 * @since 0.1.0
 */
import { type Cause, Data, Predicate, type Types } from "effect"

/**
 * The key of the method an error answers with.
 *
 * @since 0.1.0
 * @category symbols
 */
export const symbol: unique symbol = Symbol.for("@specter-runtime/core/Answer")

/**
 * How a failure answers: `status` (HTTP, 4xx or 5xx), `code` (the socket ack's,
 * e.g. `"not_found"`), `message`, and optionally `fields` (per-field messages),
 * `headers` (e.g. `Retry-After`) and `body` (the JSON body instead of the default
 * `{ error: message, errors?: fields }`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Answer {
  readonly status: number
  readonly code: string
  readonly message: string
  readonly fields?: Readonly<Record<string, string>> | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly body?: Readonly<Record<string, unknown>> | undefined
}

/**
 * A value that answers for itself.
 *
 * @since 0.1.0
 * @category models
 */
export interface Answerable {
  readonly [symbol]: () => Answer
}

/**
 * Whether `u` answers for itself.
 *
 * @since 0.1.0
 * @category guards
 */
export const isAnswerable = (u: unknown): u is Answerable =>
  Predicate.hasProperty(u, symbol) && typeof (u as Answerable)[symbol] === "function"

/**
 * The short code of an HTTP status (`404` → `"not_found"`); unknown statuses give
 * `"http_<status>"`.
 *
 * @since 0.1.0
 * @category codes
 */
export const codeOf = (status: number): string => codes[status] ?? `http_${status}`

const codes: Readonly<Record<number, string>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  408: "timeout",
  409: "conflict",
  413: "too_large",
  415: "unsupported_media_type",
  422: "unprocessable",
  426: "upgrade_required",
  429: "too_many_requests",
  500: "internal",
  503: "unavailable"
}

/**
 * An answer with `status` and `message`; `code` defaults to `codeOf(status)`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  status: number,
  message: string,
  options?: Omit<Answer, "status" | "message" | "code"> & { readonly code?: string | undefined }
): Answer => ({ ...options, status, code: options?.code ?? codeOf(status), message })

/**
 * A `Data.TaggedError` whose instances answer with `status` (and `code`, default
 * `codeOf(status)`) and their own `message`. Extend it like `Data.TaggedError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const TaggedError = <const Tag extends string>(
  tag: Tag,
  answer: { readonly status: number; readonly code?: string | undefined }
): new<A extends Record<string, any> = {}>(
  args: Types.VoidIfEmpty<{ readonly [P in keyof A as P extends "_tag" ? never : P]: A[P] }>
) => Cause.YieldableError & { readonly _tag: Tag } & Readonly<A> & Answerable => {
  const Base = Data.TaggedError(tag) as unknown as new(args: unknown) => Cause.YieldableError
  return class extends Base {
    [symbol](): Answer {
      return make(answer.status, this.message, { code: answer.code })
    }
  } as any
}
