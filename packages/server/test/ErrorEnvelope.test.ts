/**
 * The one JSON error envelope: every route answers every failure the same way
 * (specter-behaviour.md §17, HTTP-01..16, in the form routes take here).
 *
 * Not ported: `json_endpoint`'s tuple returns (HTTP-04: a handler returns a value
 * or an HttpServerResponse, with the status in the route's options) and
 * `expect_json`/`require_fields` (HTTP-09..15: a route's `body` Schema does it,
 * tested below through Field).
 */
import { assert, describe, layer } from "@effect/vitest"
import { Controller, Field, HttpError, Outcome, Route } from "@specter/server"
import * as TestServer from "@specter/testing/server"
import { Effect, Layer } from "effect"
import { HttpServerResponse } from "effect/http"

const Body = Field.struct({ name: Field.string({ required: true }), n: Field.int({ default: 0 }) })

const Routes = Controller.make("probe", {
  routes: [
    Route.get("/ok", () => Effect.succeed({ ok: true })),
    Route.post("/created", { body: Body, status: 201 }, ({ body }) => Effect.succeed(body)),
    Route.get("/teapot", () => Effect.fail(new HttpError.HttpError({ status: 418, message: "short and stout", payload: { k: 1 } }))),
    Route.get("/payload-error-wins", () => Effect.fail(HttpError.conflict("x", { error: "y", k: 1 }))),
    Route.get("/boom", () => Effect.fail(new Error("secret database password in message"))),
    Route.get("/defect", () => Effect.die(new Error("secret stack"))),
    Route.get("/raw", () => Effect.succeed(HttpServerResponse.text("plain", { status: 202 }))),
    Route.get("/nothing", () => Effect.void),
    Route.get("/query", ({ query }) => Effect.succeed(query)),
    Route.get("/query/typed", { query: Field.struct({ page: Field.int({ default: 1 }) }) }, ({ query }) => Effect.succeed(query)),
    Route.get("/outcome/missing", () => Effect.succeed(Outcome.failure("nope", { status: 404 }))),
    Route.get("/outcome/created", () => Effect.succeed(Outcome.success({ a: 1 }, { status: 201, meta: { x: 1 } })))
  ],
  actions: {
    double: Controller.action({ payload: Body, handle: ({ n }) => Effect.succeed({ doubled: n * 2 }) }),
    echo: Controller.action({ handle: (payload) => Effect.succeed({ payload }) })
  }
})

const call = (path: string, init?: RequestInit) =>
  Effect.gen(function*() {
    const url = yield* TestServer.url(path)
    const response = yield* Effect.promise(() => fetch(url, init))
    const text = yield* Effect.promise(() => response.text())
    const json = response.headers.get("content-type")?.includes("json") === true
    return { status: response.status, body: json ? JSON.parse(text) : undefined, text }
  })

const post = (path: string, body: string) => call(path, { method: "POST", headers: { "content-type": "application/json" }, body })

describe("error envelope", () => {
  layer(TestServer.layer(Routes).pipe(Layer.orDie), { excludeTestServices: true })((it) => {
    it.effect("a value answers 200 JSON; a route status option answers with that status", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* call("/ok"), { status: 200, body: { ok: true }, text: '{"ok":true}' })
        const created = yield* post("/created", '{"name":"a","n":"4"}')
        assert.deepStrictEqual([created.status, created.body], [201, { name: "a", n: 4 }])
      }))

    it.effect("HTTP-01..03 an HttpError answers its status with {...payload, error}; a payload error wins", () =>
      Effect.gen(function*() {
        const teapot = yield* call("/teapot")
        assert.deepStrictEqual([teapot.status, teapot.body], [418, { k: 1, error: "short and stout" }])
        const conflict = yield* call("/payload-error-wins")
        assert.deepStrictEqual([conflict.status, conflict.body], [409, { error: "y", k: 1 }])
      }))

    it.effect("HTTP-06 any other failure answers 500 {error} without its message or a stack", () =>
      Effect.gen(function*() {
        for (const path of ["/boom", "/defect"]) {
          const { status, body, text } = yield* call(path)
          assert.deepStrictEqual([status, body], [500, { error: "internal server error" }])
          assert.notInclude(text, "secret")
          assert.notInclude(text, "at ")
        }
      }))

    it.effect("a schema failure answers 400 {error, errors: {field: message}}", () =>
      Effect.gen(function*() {
        const { status, body } = yield* post("/created", '{"n":"x"}')
        assert.strictEqual(status, 400)
        assert.deepStrictEqual(body.errors, { name: "'name' is required", n: "'n' must be int: Cannot convert string 'x' to int" })
        assert.include(body.error, "Validation failed")
      }))

    it.effect("HTTP-16 malformed JSON answers 400, not 500; a non-object body answers 400", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* post("/created", "{oops"), {
          status: 400,
          body: { error: "request body is not valid JSON" },
          text: '{"error":"request body is not valid JSON"}'
        })
        const array = yield* post("/created", "[1]")
        assert.deepStrictEqual([array.status, array.body.errors], [400, {}])
      }))

    it.effect("an unknown path answers 404 JSON; a trailing slash still matches (RTR-03)", () =>
      Effect.gen(function*() {
        const missing = yield* call("/nope")
        assert.deepStrictEqual([missing.status, missing.body], [404, { error: "not found" }])
        assert.strictEqual((yield* call("/ok/")).status, 200)
      }))

    it.effect("a body over the limit answers 413 and the server keeps serving", () =>
      Effect.gen(function*() {
        const huge = yield* post("/created", JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) }))
        assert.deepStrictEqual([huge.status, huge.body], [413, { error: "request body too large" }])
        assert.strictEqual((yield* call("/ok")).status, 200)
      }))

    it.effect("a response passes through; undefined answers 204", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* call("/raw"), { status: 202, body: undefined, text: "plain" })
        assert.strictEqual((yield* call("/nothing")).status, 204)
      }))

    it.effect("RTR-04 and RTR-05 a handler returning an Outcome answers its JSON form with its status", () =>
      Effect.gen(function*() {
        const missing = yield* call("/outcome/missing")
        assert.deepStrictEqual([missing.status, missing.body], [404, { ok: false, status: 404, error: "nope", value: null }])
        const created = yield* call("/outcome/created")
        assert.deepStrictEqual([created.status, created.body], [201, { x: 1, ok: true, status: 201, value: { a: 1 } }])
      }))

    it.effect("a query has one value per key, the last of a repeated one; a query Schema coerces it", () =>
      Effect.gen(function*() {
        const raw = yield* call("/query?a=1&b=x&a=2")
        assert.deepStrictEqual([raw.status, raw.body], [200, { a: "2", b: "x" }])
        const typed = yield* call("/query/typed?page=3")
        assert.deepStrictEqual([typed.status, typed.body], [200, { page: 3 }])
        const bad = yield* call("/query/typed?page=three")
        assert.strictEqual(bad.status, 400)
      }))

    it.effect("an action is callable as POST /actions/<controller>/<action>, validated like a route", () =>
      Effect.gen(function*() {
        const ok = yield* post("/actions/probe/double", '{"name":"a","n":"21"}')
        assert.deepStrictEqual([ok.status, ok.body], [200, { doubled: 42 }])
        const bad = yield* post("/actions/probe/double", "{}")
        assert.deepStrictEqual([bad.status, bad.body.errors], [400, { name: "'name' is required" }])
      }))

    it.effect("an action with no payload Schema takes the JSON body as it is; a body that is not JSON answers 400", () =>
      Effect.gen(function*() {
        const echoed = yield* post("/actions/probe/echo", '{"any":[1,"two"]}')
        assert.deepStrictEqual([echoed.status, echoed.body], [200, { payload: { any: [1, "two"] } }])
        const empty = yield* post("/actions/probe/echo", "")
        assert.deepStrictEqual([empty.status, empty.body], [200, { payload: null }])
        const malformed = yield* post("/actions/probe/echo", "{not json")
        assert.strictEqual(malformed.status, 400)
      }))
  })
})
