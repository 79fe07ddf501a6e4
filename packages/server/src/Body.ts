/**
 * A JSON object body, read by hand: for a handler that wants the body as a plain
 * object with some fields present, not decoded by a Schema (for that, give the
 * route a `body` Schema). Both helpers fail with an `HttpError` (400 unless said
 * otherwise), which answers for itself.
 *
 * ```ts
 * Route.post("/notes", () =>
 *   Effect.gen(function*() {
 *     const body = yield* Body.json({ required: ["title"] }) // 400 {missing: ["title"], error: ...}
 *     return yield* notes.add(String(body.title))
 *   }))
 * ```
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { HttpServerRequest } from "effect/http"
import * as HttpError from "./HttpError.ts"
import { contentTypeOf, isJson } from "./internal/route.ts"

/**
 * Options of `json`.
 *
 * - `required`: fields that must be present (see `requireFields`, with its defaults).
 * - `error`: the message when there is no body (default "Request body is required").
 * - `allowEmpty`: whether `{}` is a body (default `false`: it answers `error`).
 *
 * @since 0.1.0
 * @category models
 */
export interface JsonOptions {
  readonly required?: ReadonlyArray<string> | undefined
  readonly error?: string | undefined
  readonly allowEmpty?: boolean | undefined
}

/**
 * Options of `requireFields`.
 *
 * - `error`: the message (default `Missing required field(s): a, b`).
 * - `blankIsMissing`: whether a string that is empty after trimming counts as
 *   missing (default `true`).
 *
 * @since 0.1.0
 * @category models
 */
export interface RequireOptions {
  readonly error?: string | undefined
  readonly blankIsMissing?: boolean | undefined
}

const isMissing = (value: unknown, blankIsMissing: boolean): boolean =>
  value === undefined || value === null || (blankIsMissing && typeof value === "string" && value.trim() === "")

/**
 * Succeeds with `payload` when every field of `required` is present; fails with
 * an `HttpError` 400 whose payload is `{ missing: [...] }` (in the order of
 * `required`) otherwise. A field is missing when its key is absent, its value is
 * `null`, or (with `blankIsMissing`, the default) it is a blank string; `0`,
 * `false` and `[]` are present.
 *
 * @example
 * yield* Body.requireFields({ a: 0, b: " " }, ["a", "b", "c"])
 * // fails: 400 {"missing":["b","c"],"error":"Missing required field(s): b, c"}
 *
 * @since 0.1.0
 * @category validation
 */
export const requireFields = <P extends Readonly<Record<string, unknown>>>(
  payload: P,
  required: ReadonlyArray<string>,
  options?: RequireOptions
): Effect.Effect<P, HttpError.HttpError> => {
  const blankIsMissing = options?.blankIsMissing ?? true
  const missing = required.filter((field) => !Object.hasOwn(payload, field) || isMissing(payload[field], blankIsMissing))
  if (missing.length === 0) return Effect.succeed(payload)
  const message = options?.error ?? `Missing required field(s): ${missing.join(", ")}`
  return Effect.fail(HttpError.badRequest(message, { payload: { missing } }))
}

/** The parsed body, or `null` when there is none or it is not valid JSON; too large is an error. */
const readLeniently = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<unknown, HttpError.HttpError> =>
  Effect.catch(request.json, (error) =>
    error.reason._tag === "RequestParseError" && error.reason.reason === "BodyTooLarge"
      ? Effect.fail(HttpError.make("request body too large", { status: 413 }))
      : Effect.succeed(null))

/**
 * The request's body as a JSON object. A body that is absent, empty, not valid
 * JSON or the JSON `null` fails with `error` (400); valid JSON that is not an
 * object (an array, a string, a number) fails with "JSON body must be an object"
 * (400); `{}` fails with `error` unless `allowEmpty`; then `required` is checked
 * with `requireFields`.
 *
 * Only a JSON `content-type` (`application/json`, `*\/*+json`) is read; a request
 * with another one (text, a form) fails with 415 unread, and one without any
 * counts as having no body. A body over the server's limit fails with 413.
 *
 * @example
 * const body = yield* Body.json({ required: ["name"], allowEmpty: false })
 *
 * @since 0.1.0
 * @category parsing
 */
export const json = (
  options?: JsonOptions
): Effect.Effect<Record<string, unknown>, HttpError.HttpError, HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const absent = HttpError.badRequest(options?.error ?? "Request body is required")
    const contentType = contentTypeOf(request)
    if (contentType === undefined) return Effect.fail(absent)
    if (!isJson(contentType)) {
      return Effect.fail(HttpError.make("request body must be JSON (content-type: application/json)", { status: 415 }))
    }
    return Effect.flatMap(readLeniently(request), (body): Effect.Effect<Record<string, unknown>, HttpError.HttpError> => {
      if (body === null) return Effect.fail(absent)
      if (typeof body !== "object" || Array.isArray(body)) return Effect.fail(HttpError.badRequest("JSON body must be an object"))
      const object = body as Record<string, unknown>
      if (options?.allowEmpty !== true && Object.keys(object).length === 0) return Effect.fail(absent)
      return options?.required === undefined ? Effect.succeed(object) : requireFields(object, options.required)
    })
  })
