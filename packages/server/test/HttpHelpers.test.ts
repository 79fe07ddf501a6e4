/**
 * HTTP helpers: specter-behaviour.md §17, in the form they take here. `HTTPError`
 * is `HttpError` (it answers for itself), `json_endpoint`'s normalisation and
 * error handling are every `Route`'s (with `errorMessage` for its message), and
 * `expect_json` / `require_fields` are `Body.json` / `Body.requireFields`. Real
 * HTTP against `TestServer.layer`, except `requireFields` on a plain object.
 *
 * Ported with a change:
 * - HTTP-02: `HttpError` has one `status` (the original's `status` and
 *   `status_code` were two names for it), so "status wins" has nothing to pin.
 * - HTTP-04: a handler returns a value, not a tuple: the status and headers of a
 *   plain value are the route's `status` / `headers`, and a handler that picks
 *   them per request returns `Route.respond(value, { status, headers })`.
 * - HTTP-07: the default message is the envelope's "internal server error".
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { TestLogger } from "@specter-runtime/testing"
import * as TestServer from "@specter-runtime/testing/server"
import { Effect, Exit, Layer } from "effect"
import * as Body from "../src/Body.ts"
import * as HttpError from "../src/HttpError.ts"
import * as Route from "../src/Route.ts"
import * as Router from "../src/Router.ts"

const call = TestServer.request

const post = (path: string, body: string, contentType = "application/json") =>
  call(path, { method: "POST", headers: { "content-type": contentType }, body })

const fail = (error: HttpError.HttpError) => () => Effect.fail(error)

const Routes = Router.layer([
  Route.get("/error/default", fail(HttpError.make("x"))),
  Route.get("/error/404", fail(HttpError.make("x", { status: 404 }))),
  Route.get("/error/409", fail(HttpError.conflict("x"))),
  Route.get("/error/payload", fail(HttpError.make("x", { payload: { error: "y", k: 1 } }))),
  Route.get("/error/422", fail(HttpError.make("bad", { status: 422, payload: { f: 1 } }))),
  Route.get("/error/logged", fail(HttpError.badRequest("nope", { logMessage: "user 7 sent nope", logLevel: "Info" }))),
  Route.get("/error/unlogged", fail(HttpError.badRequest("nope"))),
  Route.get("/value", () => Effect.succeed({ a: 1 })),
  Route.get("/value/created", { status: 201 }, () => Effect.succeed({ a: 1 })),
  Route.get("/value/headers", { status: 202, headers: { "x-kept": "route" } }, () => Effect.succeed([1])),
  Route.get("/value/respond", () => Effect.succeed(Route.respond([1], { status: 202, headers: { "x-kept": "handler" } }))),
  Route.post("/create", { errorMessage: "Failed to create" }, () => Effect.fail(new Error("duplicate key in table users"))),
  Route.post("/create/bare", () => Effect.die(new Error("duplicate key in table users"))),
  Route.post("/expect", () => Body.json()),
  Route.post("/expect/empty-ok", () => Body.json({ allowEmpty: true })),
  Route.post("/expect/name", () => Body.json({ required: ["name"] }))
])

describe("HTTP helpers", () => {
  layer(TestServer.layer(Routes).pipe(Layer.provideMerge(TestLogger.layer), Layer.orDie), { excludeTestServices: true })((it) => {
    it.effect("HTTP-01 an HttpError answers 400 {error: message} by default", () =>
      Effect.gen(function*() {
        const { status, text } = yield* call("/error/default")
        assert.deepStrictEqual([status, text], [400, '{"error":"x"}'])
      }))

    it.effect("HTTP-02 an HttpError answers its status", () =>
      Effect.gen(function*() {
        assert.strictEqual((yield* call("/error/404")).status, 404)
        assert.strictEqual((yield* call("/error/409")).status, 409)
      }))

    it.effect("HTTP-03 a payload's own error wins over the message", () =>
      Effect.gen(function*() {
        const { status, body } = yield* call("/error/payload")
        assert.deepStrictEqual([status, body], [400, { error: "y", k: 1 }])
      }))

    it.effect("HTTP-04 a value answers 200 JSON; the route's status and headers, or Route.respond's, are kept", () =>
      Effect.gen(function*() {
        const plain = yield* call("/value")
        assert.deepStrictEqual([plain.status, plain.body, plain.headers.get("content-type")], [200, { a: 1 }, "application/json"])
        const created = yield* call("/value/created")
        assert.deepStrictEqual([created.status, created.body], [201, { a: 1 }])
        for (const [path, kept] of [["/value/headers", "route"], ["/value/respond", "handler"]] as const) {
          const answer = yield* call(path)
          assert.deepStrictEqual([answer.status, answer.body, answer.headers.get("x-kept")], [202, [1], kept])
        }
      }))

    it.effect("HTTP-05 an HttpError with a payload answers {...payload, error}", () =>
      Effect.gen(function*() {
        const { status, body } = yield* call("/error/422")
        assert.deepStrictEqual([status, body], [422, { f: 1, error: "bad" }])
      }))

    it.effect("HTTP-06 with errorMessage a generic failure answers 500 {error: errorMessage}, its own text absent", () =>
      Effect.gen(function*() {
        const { status, body, text } = yield* post("/create", "{}")
        assert.deepStrictEqual([status, body], [500, { error: "Failed to create" }])
        assert.notInclude(text, "duplicate")
      }))

    it.effect("HTTP-07 without errorMessage a failure answers 500 {error: 'internal server error'}", () =>
      Effect.gen(function*() {
        const { status, body, text } = yield* post("/create/bare", "{}")
        assert.deepStrictEqual([status, body], [500, { error: "internal server error" }])
        assert.notInclude(text, "duplicate")
      }))

    it.effect("HTTP-08 an HttpError with a logMessage is logged at its level; without one nothing is logged", () =>
      Effect.gen(function*() {
        const logs = yield* TestLogger.TestLogger
        logs.clear()
        assert.strictEqual((yield* call("/error/logged")).status, 400)
        assert.deepStrictEqual(logs.entries().map((e) => [e.level, e.message]), [["Info", "user 7 sent nope"]])
        logs.clear()
        assert.strictEqual((yield* call("/error/unlogged")).status, 400)
        assert.deepStrictEqual(logs.entries(), [])
      }))

    it.effect("HTTP-09 Body.json: no body answers 400 'Request body is required'; [1] answers 400 'JSON body must be an object'", () =>
      Effect.gen(function*() {
        const none = yield* call("/expect", { method: "POST" })
        assert.deepStrictEqual([none.status, none.body], [400, { error: "Request body is required" }])
        const array = yield* post("/expect", "[1]")
        assert.deepStrictEqual([array.status, array.body], [400, { error: "JSON body must be an object" }])
      }))

    it.effect("HTTP-10 Body.json: {} answers 400 unless allowEmpty", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* Effect.map(post("/expect", "{}"), (r) => [r.status, r.body]), [400, { error: "Request body is required" }])
        assert.deepStrictEqual(yield* Effect.map(post("/expect/empty-ok", "{}"), (r) => [r.status, r.body]), [200, {}])
      }))

    it.effect("HTTP-11 Body.json with required: a blank field answers 400 {missing, error}", () =>
      Effect.gen(function*() {
        const { status, text } = yield* post("/expect/name", '{"name":"  "}')
        assert.deepStrictEqual([status, text], [400, '{"missing":["name"],"error":"Missing required field(s): name"}'])
        assert.deepStrictEqual((yield* post("/expect/name", '{"name":"a"}')).body, { name: "a" })
      }))

    it.effect("HTTP-16 Body.json: a body that is not valid JSON counts as absent: 400 with the error text, not 500", () =>
      Effect.gen(function*() {
        const { status, body } = yield* post("/expect", "{oops")
        assert.deepStrictEqual([status, body], [400, { error: "Request body is required" }])
      }))

    it.effect("Body.json reads JSON content types only: text answers 415 unread; no content-type counts as no body", () =>
      Effect.gen(function*() {
        const text = yield* post("/expect", '{"a":1}', "text/plain")
        assert.deepStrictEqual([text.status, text.body], [415, { error: "request body must be JSON (content-type: application/json)" }])
        const untyped = yield* call("/expect", { method: "POST", body: new TextEncoder().encode('{"a":1}') })
        assert.deepStrictEqual([untyped.status, untyped.body], [400, { error: "Request body is required" }])
        assert.deepStrictEqual((yield* post("/expect", '{"a":1}', "application/merge-patch+json")).body, { a: 1 })
      }))

    it.effect("Body.json: a body over the server's limit answers 413, not 'absent'", () =>
      Effect.gen(function*() {
        const huge = yield* post("/expect", JSON.stringify({ a: "x".repeat(2 * 1024 * 1024) }))
        assert.deepStrictEqual([huge.status, huge.body], [413, { error: "request body too large" }])
      }))
  })

  const missing = (exit: Exit.Exit<unknown, HttpError.HttpError>) =>
    Exit.isFailure(exit) && exit.cause.reasons[0]?._tag === "Fail" ? (exit.cause.reasons[0].error as HttpError.HttpError) : undefined

  it.effect("HTTP-12 requireFields: 0 and false are present", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Body.requireFields({ a: 0, b: false }, ["a", "b"]), { a: 0, b: false })
    }))

  it.effect("HTTP-13 requireFields: null and absent fields are missing, in the order required", () =>
    Effect.gen(function*() {
      const error = missing(yield* Effect.exit(Body.requireFields({ a: null }, ["a", "c"])))
      assert.deepStrictEqual([error?.status, error?.payload, error?.message], [400, { missing: ["a", "c"] }, "Missing required field(s): a, c"])
    }))

  it.effect("HTTP-14 requireFields with blankIsMissing false: a blank string is present", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* Body.requireFields({ a: " " }, ["a"], { blankIsMissing: false }), { a: " " })
      assert.isDefined(missing(yield* Effect.exit(Body.requireFields({ a: " " }, ["a"]))))
    }))

  it.effect("HTTP-15 requireFields with a custom error uses it and keeps payload.missing", () =>
    Effect.gen(function*() {
      const error = missing(yield* Effect.exit(Body.requireFields({}, ["a"], { error: "give me a" })))
      assert.deepStrictEqual(error === undefined ? undefined : HttpError.toBody(error), { missing: ["a"], error: "give me a" })
    }))
})
