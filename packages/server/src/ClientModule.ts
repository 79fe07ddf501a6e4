/**
 * Serves the `@specter/client` package to browsers as ES modules, with the
 * TypeScript types stripped, so a page can `import { connect } from
 * "/specter/client/index.ts"` without a bundler. Only files of the client
 * package are served; anything else is a 404.
 *
 * @since 0.1.0
 */
import { transformSync } from "amaro"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { readFile } from "node:fs/promises"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = dirname(fileURLToPath(import.meta.resolve("@specter/client")))

/** A module path inside the package: word characters, optional sub-directories, `.ts`. */
const MODULE = /^(?:[A-Za-z0-9_-]+\/)*[A-Za-z0-9_-]+\.ts$/

const notFound = HttpServerResponse.jsonUnsafe({ error: "not found" }, { status: 404 })

/**
 * The route serving the client under `prefix` (default `/specter/client`).
 * Responses are `text/javascript`, computed once per file and cached.
 *
 * @since 0.1.0
 * @category layers
 */
export const route = (prefix: `/${string}` = "/specter/client"): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  HttpRouter.use((router) => {
    const cache = new Map<string, string>()
    const load = (file: string) =>
      Effect.tryPromise(async () => {
        const cached = cache.get(file)
        if (cached !== undefined) return cached
        const code = transformSync(await readFile(join(root, file), "utf8"), { mode: "strip-only" }).code
        cache.set(file, code)
        return code
      })
    return router.add(
      "GET",
      `${prefix}/*`,
      Effect.gen(function*() {
        const params = yield* HttpRouter.params
        const file = params["*"] ?? ""
        if (!MODULE.test(file)) return notFound
        return yield* load(file).pipe(
          Effect.map((code) =>
            HttpServerResponse.text(code, { contentType: "text/javascript; charset=utf-8" })),
          Effect.orElseSucceed(() => notFound)
        )
      })
    )
  })
