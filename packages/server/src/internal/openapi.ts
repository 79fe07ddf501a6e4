/**
 * What the OpenAPI document is made of: the Schemas each `Route.make` was given
 * (kept beside the route, keyed by the route object), and the routes each router
 * serves now (added by `Router.add`, removed when the group that added them
 * stops). The document is Effect's own: the routes become `HttpApiEndpoint`s of
 * an `HttpApi`, which `OpenApi.fromApi` turns into OpenAPI 3.1.
 *
 * @internal
 */
import { Effect, Schema, type Scope } from "effect"
import type { HttpRouter } from "effect/http"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"

/** What a route declares about its input and output. */
export interface Described {
  readonly body?: Schema.Top | undefined
  readonly params?: Schema.Top | undefined
  readonly query?: Schema.Top | undefined
  readonly response?: Schema.Top | undefined
  readonly status?: number | undefined
}

/** A route a router serves now, at its full path. */
interface Served {
  readonly method: string
  readonly path: string
  readonly described: Described | undefined
}

const described = new WeakMap<object, Described>()
const served = new WeakMap<HttpRouter.HttpRouter, Set<Served>>()

/** Keeps what `route` declares, for the document. */
export const describe = <R extends object>(route: R, options: Described): R => {
  described.set(route, options)
  return route
}

/** Lists `route` as served by `router` at `path` until the calling scope closes. */
export const serve = (
  router: HttpRouter.HttpRouter,
  route: HttpRouter.Route<any, any>,
  path: string
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.suspend(() => {
    let routes = served.get(router)
    if (routes === undefined) served.set(router, routes = new Set())
    const entry: Served = { method: route.method, path, described: described.get(route) }
    routes.add(entry)
    return Effect.addFinalizer(() => Effect.sync(() => routes.delete(entry)))
  })

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])

/** The group of a path: its first segment after a leading `api` (`/api/items/:id` → `items`). */
const groupOf = (path: string): string => {
  const segments = path.split("/").filter((s) => s.length > 0 && !s.startsWith(":"))
  return (segments[0] === "api" ? segments[1] : segments[0]) ?? "root"
}

/** The path parameters of `path` as strings: what a route without a `params` Schema receives. */
const rawParams = (path: string): Schema.Top | undefined => {
  const names = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!)
  return names.length === 0 ? undefined : Schema.Struct(Object.fromEntries(names.map((name) => [name, Schema.String])))
}

/** The error envelope every route answers a failure with (`{ error, errors? }`). */
const Envelope = Schema.Struct({
  error: Schema.String,
  errors: Schema.optionalKey(Schema.Record(Schema.String, Schema.String))
}).annotate({ identifier: "Error" })

/** A 400 (invalid input) for a route that validates input, and a 500 for every route. */
const errorsOf = (validates: boolean) =>
  validates ? [Envelope.pipe(HttpApiSchema.status(400)), Envelope.pipe(HttpApiSchema.status(500))] : [Envelope.pipe(HttpApiSchema.status(500))]

const endpoint = (route: Served) => {
  const d = route.described
  const params = d?.params ?? rawParams(route.path)
  const success = (d?.response ?? Schema.Unknown).pipe(HttpApiSchema.status(d?.status ?? 200))
  const make = HttpApiEndpoint.make(route.method as "GET")
  return make(`${route.method} ${route.path}`, route.path as `/${string}`, {
    ...(d?.body === undefined || route.method === "GET" ? {} : { payload: d.body as Schema.Struct<{}> }),
    ...(params === undefined ? {} : { params: params as Schema.Struct<{}> }),
    ...(d?.query === undefined ? {} : { query: d.query as Schema.Struct<{}> }),
    success,
    error: errorsOf(d?.body !== undefined || d?.params !== undefined || d?.query !== undefined)
  } as {})
}

/** The routes `router` serves now as an `HttpApi`, one group (tag) per leading path segment. */
export const api = (
  router: HttpRouter.HttpRouter,
  info: { readonly title: string; readonly version: string }
): HttpApi.HttpApi<string, any> => {
  const groups = new Map<string, Array<Served>>()
  const routes = [...(served.get(router) ?? [])]
    .filter((route) => METHODS.has(route.method))
    .sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method))
  for (const route of routes) {
    const name = groupOf(route.path)
    const list = groups.get(name) ?? []
    list.push(route)
    groups.set(name, list)
  }
  // The builders' types track every endpoint; a list known only at run time is `any` here.
  let built: any = HttpApi.make("specter").annotate(OpenApi.Title, info.title).annotate(OpenApi.Version, info.version)
  for (const [name, list] of groups) {
    let group: any = HttpApiGroup.make(name)
    for (const route of list) group = group.add(endpoint(route))
    built = built.add(group)
  }
  return built
}

/** The routes `router` serves now as an OpenAPI 3.1 document. */
export const document = (router: HttpRouter.HttpRouter, info: { readonly title: string; readonly version: string }): OpenApi.OpenAPISpec =>
  OpenApi.fromApi(api(router, info))
