/**
 * A group of routes with a URL prefix and its own middleware, served by the
 * application's `HttpRouter` for as long as the scope that added it is open. A
 * controller adds its routes with `Router.add` in its own scope; an application
 * adds a group of its own with `Router.layer`.
 *
 * - **Lifetime**: when the scope closes, the group's routes stop running their
 *   handlers (whose services are stopped too) and answer **503** `unavailable`
 *   instead: the path is still known, its owner is not running (during shutdown,
 *   or until the owner starts again and adds the routes anew).
 * - **Methods**: a path the router knows, asked with a method none of its routes
 *   takes, answers **405** `{"error":"method not allowed"}` with an `Allow` header
 *   listing the methods it takes (`HEAD` with `GET`); an unknown path answers 404.
 *   A `GET` route answers `HEAD` too.
 * - **Paths**: a trailing slash is not significant and case does not matter (the
 *   router's defaults). The handler sees the full request URL, prefix included.
 * - **Conflicts**: a method and path that a running group already serves is a
 *   defect when the second group is added. A route added with bare
 *   `HttpRouter.add` at a path a group also uses conflicts with it (the router
 *   refuses it); elsewhere the two kinds mix freely, but only routes added here
 *   get 405s and stop with their scope.
 *
 * ```ts
 * const Admin = Router.layer(Effect.gen(function*() {
 *   const inventory = yield* Inventory // resolved once; the handlers close over it
 *   return [
 *     Route.get("/items", () => inventory.list),
 *     Route.del("/items/:id", { params: ItemId }, ({ params }) => inventory.remove(params.id))
 *   ]
 * }), { prefix: "/admin", middleware: requireAdmin })
 * ```
 *
 * @since 0.1.0
 */
import { Effect, Layer, type Scope } from "effect"
import type { HttpRouter, HttpServerResponse } from "effect/http"
import * as internal from "./internal/router.ts"
import type * as Route from "./Route.ts"

/**
 * Middleware of a group: wraps each of its route handlers. A handler never fails
 * (a route answers its own failures); the middleware may, and its failure is
 * answered the same way (an `HttpError` with its status, anything else 500).
 *
 * @example
 * const requireAdmin: Router.Middleware = (handler) =>
 *   Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
 *     request.headers["x-admin"] === "yes" ? handler : Effect.fail(HttpError.forbidden("admins only")))
 *
 * @since 0.1.0
 * @category models
 */
export type Middleware = (
  handler: Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpRouter.Provided>
) => Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, HttpRouter.Provided>

/**
 * Options of a group: `prefix`, prepended to each route's path (`"/api"` +
 * `"/items"`), and `middleware`, applied to each of its routes and no other.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly prefix?: `/${string}` | undefined
  readonly middleware?: Middleware | undefined
}

/**
 * Adds `routes` to the application's router until the calling scope closes; then
 * they answer 503 (see the module comment). The routes need nothing but what the
 * router provides per request: a handler uses a service by closing over it.
 * Adding a method and path that another running group serves is a defect.
 *
 * **When to use**: in the scope of whatever owns the routes (a controller's
 * `make`), so that they stop with it. For a group of its own, use `layer`.
 *
 * @example
 * Effect.gen(function*() {
 *   const inventory = yield* Inventory
 *   yield* Router.add([Route.get("/items", () => inventory.list)], { prefix: "/api" })
 * })
 *
 * @since 0.1.0
 * @category constructors
 */
export const add = (
  routes: ReadonlyArray<Route.Route>,
  options?: Options
): Effect.Effect<void, never, HttpRouter.HttpRouter | Scope.Scope> =>
  internal.add(routes, options?.prefix, options?.middleware === undefined ? undefined : internal.middleware(options.middleware))

/**
 * `add` as a Layer: the routes, or an effect that builds them (where it resolves
 * the services the handlers close over), served while the layer is.
 *
 * @example
 * const Api = Router.layer(Inventory.use((inventory) => Effect.succeed([
 *   Route.get("/items", () => inventory.list)
 * ])), { prefix: "/api" })
 * App.run(Api.pipe(Layer.provide(Inventory.layer)))
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <E = never, R = never>(
  routes: ReadonlyArray<Route.Route> | Effect.Effect<ReadonlyArray<Route.Route>, E, R>,
  options?: Options
): Layer.Layer<never, E, HttpRouter.HttpRouter | Exclude<R, Scope.Scope>> =>
  Layer.effectDiscard(
    Effect.isEffect(routes) ? Effect.flatMap(routes, (routes) => add(routes, options)) : add(routes, options)
  )
