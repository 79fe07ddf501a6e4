/**
 * Serves the browser build of `@specter-runtime/client`: one minified ES module
 * and its source map, built by the client package's `bundle` script into its
 * `dist/specter-client.js` (`npm run bundle -w @specter-runtime/client`; the
 * package's `prepare` runs it on `npm install`, `npm ci` and `npm pack`). The
 * files are read once, when the route starts, and answered from memory.
 *
 * A page imports it from the stable URL, which is revalidated (an `ETag`, `304`
 * on a matching `If-None-Match`), or from the content-hashed URL, cached for a
 * year (`immutable`); the hash is the `ETag`'s value:
 *
 * ```html
 * <script type="module">
 *   import { connect } from "/specter/client.js"
 *   const client = connect(`ws://${location.host}/ws`)
 * </script>
 * ```
 *
 * @since 0.1.0
 */
import { Data, Effect, Layer } from "effect"
import { HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { createHash } from "node:crypto"
import { readFile } from "node:fs/promises"
import { basename } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

/**
 * The client bundle (or its source map) could not be read when the route
 * started: it was never built, or `file` names no readable file. The message
 * says how to build it.
 *
 * @since 0.1.0
 * @category errors
 */
export class ClientBundleMissing extends Data.TaggedError("ClientBundleMissing")<{
  readonly file: string
  readonly cause: unknown
}> {
  override get message() {
    const code = (this.cause as { readonly code?: unknown } | undefined)?.code
    return `the client bundle ${this.file} cannot be read${typeof code === "string" ? ` (${code})` : ""}; ` +
      "build it with `npm run bundle -w @specter-runtime/client`"
  }
}

/**
 * Options of `route`.
 *
 * - `path`: the stable URL of the module (default `/specter/client.js`); its map
 *   is at `<path>.map`, and the content-hashed copies at `<path without .js>.<hash>.js`
 *   and `.js.map`.
 * - `file`: the bundle to serve, its map beside it as `<file>.map` (default the
 *   `dist/specter-client.js` of the installed `@specter-runtime/client`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly path?: `/${string}.js` | undefined
  readonly file?: string | undefined
}

/** One answer, ready to send: its bytes, gzipped too, and its validator. */
interface Asset {
  readonly body: Uint8Array
  readonly gzip: Uint8Array
  readonly etag: string
  readonly contentType: string
  readonly cacheControl: string
}

const JS = "text/javascript; charset=utf-8"
const MAP = "application/json; charset=utf-8"
const REVALIDATE = "no-cache"
const IMMUTABLE = "public, max-age=31536000, immutable"

const hashOf = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex").slice(0, 16)

const asset = (body: Uint8Array, contentType: string, cacheControl: string, hash = hashOf(body)): Asset => ({
  body,
  gzip: gzipSync(body, { level: 9 }),
  etag: `"${hash}"`,
  contentType,
  cacheControl
})

/** The bundle with its `sourceMappingURL` pointing at `map`, the map's URL relative to the module's. */
const pointingAt = (code: Uint8Array, map: string): Uint8Array =>
  Buffer.from(Buffer.from(code).toString("utf8").replace(/\/\/# sourceMappingURL=\S*\s*$/, `//# sourceMappingURL=${map}\n`))

/** The bundle of the installed `@specter-runtime/client` (its `./bundle` export). */
const defaultFile = (): Effect.Effect<string, ClientBundleMissing> =>
  Effect.try({
    try: () => fileURLToPath(import.meta.resolve("@specter-runtime/client/bundle")),
    catch: (cause) => new ClientBundleMissing({ file: "@specter-runtime/client/dist/specter-client.js", cause })
  })

/** Whether `header` (an `Accept-Encoding`) accepts gzip. */
const acceptsGzip = (header: string | undefined): boolean =>
  header !== undefined &&
  header.split(",").some((part) => {
    const [coding, ...params] = part.split(";").map((s) => s.trim().toLowerCase())
    return (coding === "gzip" || coding === "*") && !params.some((p) => /^q=0(?:\.0*)?$/.test(p))
  })

/** Whether `header` (an `If-None-Match`) names `etag`, weakly compared as RFC 9110 says for GET. */
const matches = (header: string | undefined, etag: string): boolean =>
  header !== undefined && header.split(",").some((tag) => {
    const t = tag.trim()
    return t === "*" || t.replace(/^W\//, "") === etag
  })

const answer = (a: Asset) => (request: HttpServerRequest.HttpServerRequest) => {
  const headers = { etag: a.etag, "cache-control": a.cacheControl, vary: "accept-encoding" }
  if (matches(request.headers["if-none-match"], a.etag)) return Effect.succeed(HttpServerResponse.empty({ status: 304, headers }))
  const gzip = acceptsGzip(request.headers["accept-encoding"])
  return Effect.succeed(HttpServerResponse.uint8Array(gzip ? a.gzip : a.body, {
    contentType: a.contentType,
    headers: gzip ? { ...headers, "content-encoding": "gzip" } : headers
  }))
}

/**
 * The four answers: the module and its map at the stable path and at the hashed
 * path. Both modules have the bundle's hash as their ETag (they differ only in
 * the URL of their map).
 */
const assets = (path: string, code: Uint8Array, map: Uint8Array): ReadonlyArray<readonly [string, Asset]> => {
  const hash = hashOf(code)
  const hashed = `${path.slice(0, -".js".length)}.${hash}.js`
  return [
    [path, asset(pointingAt(code, `${basename(path)}.map`), JS, REVALIDATE, hash)],
    [`${path}.map`, asset(map, MAP, REVALIDATE)],
    [hashed, asset(pointingAt(code, `${basename(hashed)}.map`), JS, IMMUTABLE, hash)],
    [`${hashed}.map`, asset(map, MAP, IMMUTABLE)]
  ]
}

const load = (file: string) =>
  Effect.tryPromise({
    try: () => Promise.all([readFile(file), readFile(`${file}.map`)]),
    catch: (cause) => new ClientBundleMissing({ file, cause })
  })

/**
 * The routes serving the client bundle (see `Options` for the paths): the
 * module as `text/javascript`, the map as JSON, gzipped when the request accepts
 * it, each with an `ETag` (a `304` without a body when `If-None-Match` names it)
 * and `Cache-Control` (`no-cache` at the stable path, `public, max-age=31536000,
 * immutable` at the hashed one). Fails with `ClientBundleMissing` when the
 * bundle or its map cannot be read as the route starts.
 *
 * @example
 * App.run(Layer.mergeAll(ItemsController, ClientModule.route()))
 *
 * @since 0.1.0
 * @category layers
 */
export const route = (options: Options = {}): Layer.Layer<never, ClientBundleMissing, HttpRouter.HttpRouter> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const file = options.file ?? (yield* defaultFile())
      const [code, map] = yield* load(file)
      for (const [path, served] of assets(options.path ?? "/specter/client.js", code, map)) {
        yield* router.add("GET", path as HttpRouter.PathInput, answer(served))
      }
    })
  )
