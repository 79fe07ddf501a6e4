/**
 * An OpenAPI 3.1 description of the application's HTTP API, and a docs page that
 * renders it, both made by Effect's `effect/http-api` (`OpenApi.fromApi`,
 * `HttpApiScalar`).
 *
 * Every route added with `Router.add` (so every controller route and action) is
 * described with the Schemas it was given: `body` (the request body), `params`
 * (path parameters), `query` (query parameters) and `response` (the answer's
 * body; `unknown` when not given), under the route's `status` (default 200), and
 * its error answers (the `{ error, errors? }` envelope: 400 when it validates
 * input, 500 always). A
 * `Field.struct` gives its JSON Schema: a required `Field.string` is a required
 * `string`, `Field.int` an `integer`, `Field.bool` a `boolean`. Routes added with
 * bare `HttpRouter.add` (health, the socket endpoint, static files) are not listed.
 *
 * @since 0.2.0
 */
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { HttpApiScalar, type OpenApi } from "effect/http-api"
import * as internal from "./internal/openapi.ts"

/**
 * Where the document and the page are served, and what the document says of itself.
 *
 * - `path`: the JSON document (default `/openapi.json`).
 * - `docsPath`: the Scalar docs page (default `/docs`); `false` serves no page.
 * - `title`, `version`: the document's `info` (default "Specter API", "0.0.0").
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  readonly path?: `/${string}` | undefined
  readonly docsPath?: `/${string}` | false | undefined
  readonly title?: string | undefined
  readonly version?: string | undefined
}

const infoOf = (options: Options) => ({ title: options.title ?? "Specter API", version: options.version ?? "0.0.0" })

/**
 * The OpenAPI document of the routes the current router serves now.
 *
 * @example
 * const spec = yield* OpenApi.document({ title: "Inventory" })
 * spec.paths["/api/items"]?.post?.requestBody
 *
 * @since 0.2.0
 * @category constructors
 */
export const document = (options: Options = {}): Effect.Effect<OpenApi.OpenAPISpec, never, HttpRouter.HttpRouter> =>
  Effect.map(HttpRouter.HttpRouter, (router) => internal.document(router, infoOf(options)))

/**
 * `GET /openapi.json` (the document, made again on each request, so a controller
 * that stopped or started is reflected) and the docs page at `/docs` (Scalar,
 * shipped inside Effect: no CDN; it shows the routes served when this layer was
 * built). `App` adds it after the application, with `observability: { openApi: true }`;
 * when building a router yourself, add it after the routes.
 *
 * @example
 * App.run(AppLive, { observability: { openApi: { title: "Inventory", docsPath: "/api/docs" } } })
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  Layer.unwrap(Effect.map(HttpRouter.HttpRouter, (router) => {
    const info = infoOf(options)
    const json = HttpRouter.add(
      "GET",
      options.path ?? "/openapi.json",
      Effect.sync(() => HttpServerResponse.jsonUnsafe(internal.document(router, info)))
    )
    if (options.docsPath === false) return json
    return Layer.merge(json, HttpApiScalar.layer(internal.api(router, info), { path: options.docsPath ?? "/docs" }))
  }))
