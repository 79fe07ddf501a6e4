/**
 * HTTP routes declared as data: a method, a path, optional Schemas for the body,
 * the path parameters and the query, and a handler that returns a value. Add
 * routes to the application with `Router.add` / `Router.layer` (a controller does
 * it for its own).
 *
 * - **What a handler returns**: a value answers JSON with the route's `status`
 *   (default 200) and `headers`; an `Outcome` answers its JSON form with its own
 *   status; an `HttpServerResponse` passes as it is (for a status or headers that
 *   depend on the request); `undefined` answers 204.
 * - **What a route reads**: only what it declares. Without a `body` Schema the
 *   body is never read; without `params` / `query` Schemas the handler gets the
 *   router's raw values, read when it looks at them.
 * - **A route with a body takes JSON only** (`application/json` or
 *   `<type>/<subtype>+json`, any parameters): any other `content-type`, or none
 *   (text, forms, multipart: the requests a browser sends cross-site without
 *   asking) answers 415 `unsupported_media_type`, unread. A body that is not valid JSON
 *   answers 400 `bad_json`; one that does not match the Schema answers 400
 *   `validation` with `errors` per field; one over the server's limit, 413.
 * - **Every failure is answered by the route**, through the server's one mapping:
 *   an error that answers for itself (`HttpError`, `ValidationError`, any
 *   `Answer.TaggedError`) gets its own answer; anything else (an unexpected error,
 *   a defect) answers 500 `{ error: errorMessage }` (default "internal server
 *   error") with no details, and is logged once with its cause. An `HttpError`
 *   with a `logMessage` is logged at its level.
 * - **What a handler may require**: only what the router provides per request
 *   (`HttpServerRequest`, the request `Scope`, ...). A route uses a service by
 *   closing over it: resolve the service once where the routes are built.
 *
 * ```ts
 * const ItemRoutes = Router.layer(Effect.gen(function*() {
 *   const inventory = yield* Inventory
 *   return [
 *     Route.post("/items", { body: NewItem, status: 201 }, ({ body }) => inventory.add(body)),
 *     Route.get("/items/:id", { params: ItemId }, ({ params }) => inventory.find(params.id)),
 *     Route.del("/items/:id", { params: ItemId, errorMessage: "could not remove the item" }, ({ params }) =>
 *       inventory.remove(params.id)) // undefined: 204
 *   ]
 * }), { prefix: "/api" })
 * ```
 *
 * @since 0.1.0
 */
import type { Effect, Schema } from "effect"
import { type Headers, HttpRouter, type HttpServerRequest, type HttpServerResponse } from "effect/http"
import * as openapi from "./internal/openapi.ts"
import * as internal from "./internal/route.ts"
import * as response from "./internal/response.ts"

/**
 * The methods a route may answer. A route for `GET` also answers `HEAD`.
 *
 * @since 0.1.0
 * @category models
 */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/**
 * Options of a route.
 *
 * - `body`, `params`, `query`: Schemas the raw input is validated and coerced
 *   with (a `Field.struct` or any Effect Schema); a failure answers 400 with
 *   per-field `errors`.
 * - `status`, `headers`: the status (default 200) and headers of the answer to a
 *   plain value.
 * - `errorMessage`: the `error` of the 500 answer to a failure that does not
 *   answer for itself (default, and for `""`, "internal server error"); what
 *   failed is logged, never sent.
 * - `response`: the Schema of the answer's body, for the OpenAPI document only
 *   (`OpenApi`); the answer is not checked against it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly body?: Schema.Top | undefined
  readonly params?: Schema.Top | undefined
  readonly query?: Schema.Top | undefined
  readonly status?: number | undefined
  readonly headers?: Headers.Input | undefined
  readonly errorMessage?: string | undefined
  readonly response?: Schema.Top | undefined
}

type Decoded<S, Default> = S extends Schema.Top ? S["Type"] : Default
type Services<S> = S extends Schema.Top ? S["DecodingServices"] : never

/**
 * What a handler receives: the decoded body (`undefined` without a `body`
 * Schema), path parameters and query (the router's strings without a Schema; of
 * a repeated query key, the last value), and the request itself.
 *
 * @since 0.1.0
 * @category models
 */
export interface Input<O extends Options> {
  readonly body: Decoded<O["body"], undefined>
  readonly params: Decoded<O["params"], Readonly<Record<string, string | undefined>>>
  readonly query: Decoded<O["query"], Readonly<Record<string, string>>>
  readonly request: HttpServerRequest.HttpServerRequest
}

/**
 * A route: an `HttpRouter.Route` that answers all of its failures itself (so its
 * error channel is empty), needing `R` besides what the router provides per
 * request. `Router.add` takes routes that need nothing more (`Route<never>`).
 *
 * @since 0.1.0
 * @category models
 */
export type Route<R = never> = HttpRouter.Route<never, R>

/**
 * Turns a handler's result into an answer, the way every route does: a response
 * passes through, an `Outcome` answers its JSON form with its own status,
 * `undefined` is 204, and anything else is JSON with `status` (default 200) and
 * `headers`.
 *
 * @example
 * Route.respond({ a: 1 }, { status: 201, headers: { location: "/a/1" } })
 *
 * @since 0.1.0
 * @category conversions
 */
export const respond = (
  value: unknown,
  options?: { readonly status?: number | undefined; readonly headers?: Headers.Input | undefined }
): HttpServerResponse.HttpServerResponse => response.respond(value, options?.status, options?.headers)

/**
 * A route for `method` at `path` (`:name` segments are path parameters; a
 * trailing slash is not significant). See the module comment for what it reads,
 * how it answers and how it fails.
 *
 * @example
 * Route.make("PUT", "/items/:id", { params: ItemId, body: NewItem }, ({ params, body }) => inventory.put(params.id, body))
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <const O extends Options, A, E, R>(
  method: Method,
  path: `/${string}`,
  options: O,
  handler: (input: Input<O>) => Effect.Effect<A, E, R>
): Route<Exclude<R | Services<O["body"]> | Services<O["params"]> | Services<O["query"]>, HttpRouter.Provided>> =>
  openapi.describe(HttpRouter.route(method, path, internal.make(options, handler)), options) as any

type Overloaded = {
  <A, E, R>(path: `/${string}`, handler: (input: Input<{}>) => Effect.Effect<A, E, R>): Route<Exclude<R, HttpRouter.Provided>>
  <const O extends Options, A, E, R>(path: `/${string}`, options: O, handler: (input: Input<O>) => Effect.Effect<A, E, R>): Route<
    Exclude<R | Services<O["body"]> | Services<O["params"]> | Services<O["query"]>, HttpRouter.Provided>
  >
}

const method = (m: Method): Overloaded =>
  ((path: `/${string}`, optionsOrHandler: any, handler?: any) =>
    handler === undefined ? make(m, path, {}, optionsOrHandler) : make(m, path, optionsOrHandler, handler)) as Overloaded

/**
 * A `GET` route (it answers `HEAD` too).
 *
 * @example
 * Route.get("/items", () => Effect.map(inventory.list, (items) => ({ items })))
 *
 * @since 0.1.0
 * @category constructors
 */
export const get: Overloaded = method("GET")
/**
 * A `POST` route.
 *
 * @example
 * Route.post("/items", { body: NewItem, status: 201 }, ({ body }) => inventory.add(body))
 *
 * @since 0.1.0
 * @category constructors
 */
export const post: Overloaded = method("POST")
/**
 * A `PUT` route.
 *
 * @example
 * Route.put("/items/:id", { params: ItemId, body: NewItem }, ({ params, body }) => inventory.put(params.id, body))
 *
 * @since 0.1.0
 * @category constructors
 */
export const put: Overloaded = method("PUT")
/**
 * A `PATCH` route.
 *
 * @example
 * Route.patch("/items/:id", { params: ItemId, body: ItemPatch }, ({ params, body }) => inventory.patch(params.id, body))
 *
 * @since 0.1.0
 * @category constructors
 */
export const patch: Overloaded = method("PATCH")
/**
 * A `DELETE` route.
 *
 * @example
 * Route.del("/items/:id", { params: ItemId }, ({ params }) => inventory.remove(params.id))
 *
 * @since 0.1.0
 * @category constructors
 */
export const del: Overloaded = method("DELETE")
