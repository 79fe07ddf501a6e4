/**
 * HTTP routes declared as data: a method, a path, optional Schemas for the body,
 * the path parameters and the query, and a handler that returns a value. The
 * value becomes a JSON answer; an `HttpServerResponse` passes through as it is.
 * Failures (an `HttpError`, a validation failure, malformed JSON, a defect) become
 * the one JSON error envelope of the server.
 * Original: Flask routes, `Router.route`, `json_endpoint`, `expect_json`.
 *
 * ```ts
 * Route.post("/api/items", { body: NewItem, status: 201 }, ({ body }) => addItem(body))
 * Route.get("/api/items/:id", { params: ItemId }, ({ params }) => findItem(params.id))
 * ```
 *
 * @since 0.1.0
 */
import { Field, Outcome } from "@specter/core"
import { Effect, type Schema } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"

/**
 * The methods a route may answer.
 *
 * @since 0.1.0
 * @category models
 */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/**
 * Options of a route. `body`, `params` and `query` are Schemas the raw input is
 * validated and coerced with (a failure answers 400 with per-field errors);
 * `status` is the status of a successful answer (default 200).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly body?: Schema.Top | undefined
  readonly params?: Schema.Top | undefined
  readonly query?: Schema.Top | undefined
  readonly status?: number | undefined
}

type Decoded<S, Default> = S extends Schema.Top ? S["Type"] : Default
type Services<S> = S extends Schema.Top ? S["DecodingServices"] : never

/**
 * What a handler receives: the decoded body, path parameters and query, and the
 * request itself.
 *
 * @since 0.1.0
 * @category models
 */
export interface Input<O extends Options> {
  readonly body: Decoded<O["body"], unknown>
  readonly params: Decoded<O["params"], Readonly<Record<string, string | undefined>>>
  readonly query: Decoded<O["query"], Readonly<Record<string, string>>>
  readonly request: HttpServerRequest.HttpServerRequest
}

/**
 * A route, ready for an `HttpRouter` (and for `Controller.make`).
 *
 * @since 0.1.0
 * @category models
 */
export type Route<E = never, R = never> = HttpRouter.Route<E, R>

/**
 * Turns a handler's result into an answer: a response passes through, an
 * `Outcome` answers its JSON form with its own status, `undefined` is 204, and
 * anything else is JSON with `status`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const respond = (value: unknown, status = 200): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  if (HttpServerResponse.isHttpServerResponse(value)) return Effect.succeed(value)
  if (Outcome.isOutcome(value)) return Effect.succeed(HttpServerResponse.jsonUnsafe(Outcome.toJSON(value), { status: value.status }))
  if (value === undefined) return Effect.succeed(HttpServerResponse.empty({ status: 204 }))
  return Effect.succeed(HttpServerResponse.jsonUnsafe(value, { status }))
}

const decode = (schema: Schema.Top | undefined, input: unknown) =>
  schema === undefined ? Effect.succeed(input) : Field.validate(schema, input)

/** The router's parsed query with one value per key: of a repeated key, the last. */
const queryOf = (parsed: Readonly<Record<string, string | ReadonlyArray<string>>>): Record<string, string> => {
  const query: Record<string, string> = Object.create(null)
  for (const [key, value] of Object.entries(parsed)) query[key] = typeof value === "string" ? value : value[value.length - 1]!
  return query
}

/**
 * A route for `method` at `path`.
 *
 * Fails (as the error envelope answers it) with `ValidationError` (400) when the
 * body, params or query do not match their Schema, with a parse error (400) for
 * a body that is not JSON, and with whatever the handler fails with.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <O extends Options, A, E, R>(
  method: Method,
  path: `/${string}`,
  options: O,
  handler: (input: Input<O>) => Effect.Effect<A, E, R>
): Route<E | Field.ValidationError, Exclude<R | Services<O["body"]> | Services<O["params"]> | Services<O["query"]>, HttpRouter.Provided>> =>
  HttpRouter.route(
    method,
    path,
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const params = yield* decode(options.params, yield* HttpRouter.params)
      const query = yield* decode(options.query, queryOf(yield* HttpServerRequest.ParsedSearchParams))
      const body = options.body === undefined ? undefined : yield* decode(options.body, yield* request.json)
      const result = yield* handler({ body, params, query, request } as Input<O>)
      return yield* respond(result, options.status)
    })
  ) as any

type Overloaded = {
  <A, E, R>(path: `/${string}`, handler: (input: Input<{}>) => Effect.Effect<A, E, R>): Route<
    E | Field.ValidationError,
    Exclude<R, HttpRouter.Provided>
  >
  <const O extends Options, A, E, R>(path: `/${string}`, options: O, handler: (input: Input<O>) => Effect.Effect<A, E, R>): Route<
    E | Field.ValidationError,
    Exclude<R | Services<O["body"]> | Services<O["params"]> | Services<O["query"]>, HttpRouter.Provided>
  >
}

const method = (m: Method): Overloaded =>
  ((path: `/${string}`, optionsOrHandler: any, handler?: any) =>
    handler === undefined ? make(m, path, {}, optionsOrHandler) : make(m, path, optionsOrHandler, handler)) as Overloaded

/** A `GET` route. @since 0.1.0 @category constructors */
export const get: Overloaded = method("GET")
/** A `POST` route. @since 0.1.0 @category constructors */
export const post: Overloaded = method("POST")
/** A `PUT` route. @since 0.1.0 @category constructors */
export const put: Overloaded = method("PUT")
/** A `PATCH` route. @since 0.1.0 @category constructors */
export const patch: Overloaded = method("PATCH")
/** A `DELETE` route. @since 0.1.0 @category constructors */
export const del: Overloaded = method("DELETE")
