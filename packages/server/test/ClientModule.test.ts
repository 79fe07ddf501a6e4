/**
 * The browser client served as one bundled ES module with its source map, from
 * memory, with an ETag and caching headers, gzipped when asked. The bundle is the
 * one `npm run bundle -w @specter-runtime/client` builds (the client package's
 * `prepare` runs it on `npm install` and `npm ci`).
 */
import { assert, describe, it, layer } from "@effect/vitest"
import type { SocketClient } from "@specter-runtime/client"
import { ClientModule } from "@specter-runtime/server"
import * as TestServer from "@specter-runtime/testing/server"
import { Effect, Exit, Layer } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { request as httpRequest } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { gunzipSync } from "node:zlib"
import WebSocket from "ws"

interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string | Array<string> | undefined>>
  readonly body: Buffer
}

/** A GET with exactly `headers` (no implicit Accept-Encoding), the body as it came. */
const get = (path: string, headers: Record<string, string> = {}) =>
  Effect.flatMap(TestServer.url(path), (url) =>
    Effect.callback<Answer>((resume) => {
      const req = httpRequest(url, { headers }, (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("end", () => resume(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })))
      })
      req.on("error", (error) => resume(Effect.die(error)))
      req.end()
    }))

const IMMUTABLE = "public, max-age=31536000, immutable"

describe("ClientModule", () => {
  layer(TestServer.layer(ClientModule.route()).pipe(Layer.orDie), { excludeTestServices: true })((it) => {
    it.effect("the client is one minified ES module, with its source map, the same bytes on every request", () =>
      Effect.gen(function*() {
        const first = yield* get("/specter/client.js")
        assert.deepStrictEqual([first.status, first.headers["content-type"]], [200, "text/javascript; charset=utf-8"])
        const code = first.body.toString("utf8")
        assert.match(code, /export\s*\{[^}]*\bconnect\b[^}]*\}/)
        assert.notMatch(code, /\bimport\b/, "one module: it imports nothing")
        assert.notMatch(code, /\n\s{2,}\S/, "minified: no indented lines")
        assert.isTrue(code.endsWith("//# sourceMappingURL=client.js.map\n"))
        assert.deepStrictEqual((yield* get("/specter/client.js")).body, first.body)
        const map = yield* get("/specter/client.js.map")
        assert.deepStrictEqual([map.status, map.headers["content-type"]], [200, "application/json; charset=utf-8"])
        const json = JSON.parse(map.body.toString("utf8"))
        assert.strictEqual(json.version, 3)
        assert.include(json.sources.join(" "), "src/internal/connection.ts")
        assert.include(json.sourcesContent.join("\n"), "export const connect")
      }))

    it.effect("the served module is a working client: it connects to the server and gets its sid", () =>
      Effect.gen(function*() {
        const dir = yield* Effect.acquireRelease(
          Effect.sync(() => mkdtempSync(join(tmpdir(), "specter-client-"))),
          (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
        )
        writeFileSync(join(dir, "client.mjs"), (yield* get("/specter/client.js")).body)
        writeFileSync(join(dir, "client.js.map"), (yield* get("/specter/client.js.map")).body)
        const bundled = yield* Effect.promise(() => import(pathToFileURL(join(dir, "client.mjs")).href) as Promise<{ connect: (url: string, options: object) => SocketClient }>)
        const url = yield* TestServer.url("/ws", "ws")
        const client = yield* Effect.acquireRelease(
          Effect.sync(() => bundled.connect(url, { WebSocket, reconnect: false })),
          (client) => Effect.sync(() => client.close())
        )
        const sid = yield* Effect.promise(() => new Promise<string>((resolve) => client.onReady(resolve)))
        assert.match(sid, /^[0-9a-f-]{36}$/)
      }).pipe(Effect.scoped))

    it.effect("the stable URL is revalidated: its ETag answers 304 without a body, another one the module", () =>
      Effect.gen(function*() {
        const first = yield* get("/specter/client.js")
        const etag = String(first.headers.etag)
        assert.match(etag, /^"[0-9a-f]{16}"$/)
        assert.strictEqual(first.headers["cache-control"], "no-cache")
        for (const header of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
          const again = yield* get("/specter/client.js", { "if-none-match": header })
          assert.deepStrictEqual([header, again.status, again.body.length, again.headers.etag], [header, 304, 0, etag])
        }
        assert.strictEqual((yield* get("/specter/client.js", { "if-none-match": '"other"' })).status, 200)
      }))

    it.effect("the content-hashed URL is cached for a year, immutable, and names its own map", () =>
      Effect.gen(function*() {
        const stable = yield* get("/specter/client.js")
        const hash = String(stable.headers.etag).slice(1, -1)
        const hashed = yield* get(`/specter/client.${hash}.js`)
        assert.deepStrictEqual([hashed.status, hashed.headers["cache-control"]], [200, IMMUTABLE])
        const code = hashed.body.toString("utf8")
        assert.isTrue(code.endsWith(`//# sourceMappingURL=client.${hash}.js.map\n`))
        assert.strictEqual(code.replace(`client.${hash}.js.map`, "client.js.map"), stable.body.toString("utf8"))
        const map = yield* get(`/specter/client.${hash}.js.map`)
        assert.deepStrictEqual([map.status, map.headers["cache-control"]], [200, IMMUTABLE])
      }))

    it.effect("a request that accepts gzip gets the same bytes gzipped", () =>
      Effect.gen(function*() {
        const plain = yield* get("/specter/client.js")
        const zipped = yield* get("/specter/client.js", { "accept-encoding": "br;q=1, gzip;q=0.8" })
        assert.deepStrictEqual([zipped.headers["content-encoding"], zipped.headers.vary], ["gzip", "accept-encoding"])
        assert.isBelow(zipped.body.length, plain.body.length / 2)
        assert.deepStrictEqual(gunzipSync(zipped.body), plain.body)
        const refused = yield* get("/specter/client.js", { "accept-encoding": "gzip;q=0" })
        assert.deepStrictEqual([refused.headers["content-encoding"], refused.body], [undefined, plain.body])
      }))

    it.effect("any other path is the 404 envelope", () =>
      Effect.gen(function*() {
        for (const path of ["/specter/client/index.ts", "/specter/client.ts", "/specter/client.0123456789abcdef.js", "/specter/client.js/x"]) {
          const answer = yield* get(path)
          assert.deepStrictEqual([path, answer.status, answer.body.toString("utf8")], [path, 404, '{"error":"not found"}'])
        }
      }))
  })

  it.live("a bundle that cannot be read fails the start with a message that says how to build it", () =>
    Effect.gen(function*() {
      const file = join(tmpdir(), "specter-no-such-dir", "specter-client.js")
      const exit = yield* Effect.exit(Layer.build(TestServer.layer(ClientModule.route({ file }))).pipe(Effect.scoped))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.toString() : ""
      assert.include(error, `the client bundle ${file} cannot be read (ENOENT); build it with \`npm run bundle -w @specter-runtime/client\``)
    }))
})
