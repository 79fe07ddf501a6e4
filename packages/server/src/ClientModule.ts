/**
 * Serves the `@specter-runtime/client` package to browsers as ES modules, with the
 * TypeScript types stripped, so a page can `import { connect } from
 * "/specter/client/index.ts"` without a bundler. Only files of the client
 * package are served; anything else is a 404.
 *
 * @since 0.1.0
 */
import { Cache, Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { readFile } from "node:fs/promises"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as HttpError from "./HttpError.ts"

const root = dirname(fileURLToPath(import.meta.resolve("@specter-runtime/client")))

/** A module path inside the package: word characters, optional sub-directories, `.ts`. */
const MODULE = /^(?:[A-Za-z0-9_-]+\/)*[A-Za-z0-9_-]+\.ts$/

const notFound = () => HttpError.notFound("not found")

/**
 * One module of the package as JavaScript. The type stripper is loaded on the
 * first request, not when the server starts. A file that is not there is a 404;
 * any other failure (a read error, a file the stripper rejects) is a server fault.
 */
const compile = (file: string) =>
  Effect.tryPromise({
    try: async () => {
      const [{ transformSync }, source] = await Promise.all([import("amaro"), readFile(join(root, file), "utf8")])
      return transformSync(source, { mode: "strip-only" }).code
    },
    catch: (error) => (error as NodeJS.ErrnoException).code === "ENOENT" ? notFound() : error
  })

/**
 * The route serving the client under `prefix` (default `/specter/client`).
 * Responses are `text/javascript`, computed once per file (an Effect `Cache`, so
 * concurrent first requests share one computation). Fails with `HttpError` 404
 * for a path that is not a module of the package.
 *
 * @since 0.1.0
 * @category layers
 */
export const route = (prefix: `/${string}` = "/specter/client"): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  HttpRouter.use((router) =>
    Effect.gen(function*() {
      const modules = yield* Cache.make({ capacity: 256, lookup: compile })
      const serve = Effect.gen(function*() {
        const file = (yield* HttpRouter.params)["*"] ?? ""
        if (!MODULE.test(file)) return yield* notFound()
        const code = yield* Cache.get(modules, file)
        return HttpServerResponse.text(code, { contentType: "text/javascript; charset=utf-8" })
      })
      // Its failures are answered by the application's error envelope, as a route's are.
      yield* router.add("GET", `${prefix}/*`, serve) as Effect.Effect<void>
    })
  )
