/**
 * The one JSON error envelope: every route answers every failure the same way,
 * through the server's one mapping (`internal/failure.ts`), and errors answer for
 * themselves through `Answer` end to end: a full `QueueService` (503 with
 * `Retry-After`), an application's own `Answer.TaggedError`, a `ValidationError`
 * (400 with `errors`), and a defect (500 saying nothing more, logged once).
 *
 * The numbered checks live with their modules: HTTP-01..16 in
 * HttpHelpers.test.ts, RTR-01..10 in Router.test.ts (the Outcome answers this file
 * had, RTR-04 and RTR-05, moved there). The tests here are the envelope's own.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Answer, Field, QueueService } from "@specter-runtime/core"
import { Controller } from "@specter-runtime/server"
import { TestLogger } from "@specter-runtime/testing"
import * as TestServer from "@specter-runtime/testing/server"
import { Context, Effect, Layer, Schema } from "effect"
import { HttpServerResponse } from "effect/http"
import * as HttpError from "../src/HttpError.ts"
import * as Route from "../src/Route.ts"
import * as Router from "../src/Router.ts"

const Body = Field.struct({ name: Field.string({ required: true }), n: Field.int({ default: 0 }) })

class ItemNotFound extends Answer.TaggedError("ItemNotFound", { status: 404 })<{ readonly id: string }> {
  override get message() {
    return `no item '${this.id}'`
  }
}

const Job = Schema.Struct({ n: Schema.Number })
class Jobs extends Context.Service<Jobs, QueueService.QueueService<typeof Job.Type>>()("test/Jobs") {
  // One worker that never finishes and one place in the queue: the third job finds it full.
  static readonly layer = QueueService.layer(this, { item: Job, workers: 1, capacity: 1, drainTimeout: "10 millis", handle: () => Effect.never })
}

const Routes = Router.layer([
  Route.get("/ok", () => Effect.succeed({ ok: true })),
  Route.post("/created", { body: Body, status: 201 }, ({ body }) => Effect.succeed(body)),
  Route.get("/teapot", () => Effect.fail(HttpError.make("short and stout", { status: 418, payload: { k: 1 } }))),
  Route.get("/payload-error-wins", () => Effect.fail(HttpError.conflict("x", { payload: { error: "y", k: 1 } }))),
  Route.get("/boom", () => Effect.fail(new Error("secret database password in message"))),
  Route.get("/defect", () => Effect.die(new Error("secret stack"))),
  Route.get("/raw", () => Effect.succeed(HttpServerResponse.text("plain", { status: 202 }))),
  Route.get("/nothing", () => Effect.void),
  Route.get("/query", ({ query }) => Effect.succeed(query)),
  Route.get("/query/typed", { query: Field.struct({ page: Field.int({ default: 1 }) }) }, ({ query }) => Effect.succeed(query)),
  Route.get("/items/:id", ({ params }) => Effect.fail(new ItemNotFound({ id: params.id ?? "" }))),
  Route.get("/validate", () => Field.validate(Body, { n: "x" }))
])

const JobRoutes = Router.layer(
  Jobs.use((jobs) => Effect.succeed([Route.post("/jobs", { body: Job, status: 202 }, ({ body }) => Effect.map(jobs.enqueue(body), (id) => ({ id })))]))
).pipe(Layer.provide(Jobs.layer))

const Actions = Controller.make("probe", {
  actions: {
    double: Controller.action({ payload: Body, handle: ({ n }) => Effect.succeed({ doubled: n * 2 }) }),
    echo: Controller.action({ handle: (payload) => Effect.succeed({ payload }) })
  }
})

const call = TestServer.request

const post = (path: string, body: string) => call(path, { method: "POST", headers: { "content-type": "application/json" }, body })

const App = Layer.mergeAll(Routes, JobRoutes, Actions)

describe("error envelope", () => {
  layer(TestServer.layer(App).pipe(Layer.provideMerge(TestLogger.layer), Layer.orDie), { excludeTestServices: true })((it) => {
    it.effect("a value answers 200 JSON; a route status option answers with that status", () =>
      Effect.gen(function*() {
        const ok = yield* call("/ok")
        assert.deepStrictEqual([ok.status, ok.text], [200, '{"ok":true}'])
        const created = yield* post("/created", '{"name":"a","n":"4"}')
        assert.deepStrictEqual([created.status, created.body], [201, { name: "a", n: 4 }])
      }))

    it.effect("an HttpError answers its status with {...payload, error}; a payload error wins", () =>
      Effect.gen(function*() {
        const teapot = yield* call("/teapot")
        assert.deepStrictEqual([teapot.status, teapot.body], [418, { k: 1, error: "short and stout" }])
        const conflict = yield* call("/payload-error-wins")
        assert.deepStrictEqual([conflict.status, conflict.body], [409, { error: "y", k: 1 }])
      }))

    it.effect("a failure that does not answer for itself answers 500 {error} without its message or a stack", () =>
      Effect.gen(function*() {
        for (const path of ["/boom", "/defect"]) {
          const { status, body, text } = yield* call(path)
          assert.deepStrictEqual([status, body], [500, { error: "internal server error" }])
          assert.notInclude(text, "secret")
          assert.notInclude(text, "at ")
        }
      }))

    it.effect("a defect is a 500 that says nothing more, logged once with its cause", () =>
      Effect.gen(function*() {
        const logs = yield* TestLogger.TestLogger
        logs.clear()
        assert.deepStrictEqual((yield* call("/defect")).body, { error: "internal server error" })
        const logged = logs.entries().filter((entry) => entry.cause.includes("secret stack"))
        assert.deepStrictEqual(logged.map((entry) => [entry.level, entry.message]), [["Error", "GET /defect failed"]])
      }))

    it.effect("a schema failure of the body answers 400 {error, errors: {field: message}}", () =>
      Effect.gen(function*() {
        const { status, body } = yield* post("/created", '{"n":"x"}')
        assert.strictEqual(status, 400)
        assert.deepStrictEqual(body.errors, { name: "'name' is required", n: "'n' must be int: Cannot convert string 'x' to int" })
        assert.include(body.error, "Validation failed")
      }))

    it.effect("a ValidationError from a handler answers 400 with errors too", () =>
      Effect.gen(function*() {
        const { status, body } = yield* call("/validate")
        assert.deepStrictEqual([status, body.errors], [400, { name: "'name' is required", n: "'n' must be int: Cannot convert string 'x' to int" }])
      }))

    it.effect("an application's own Answer.TaggedError answers its declared status and message", () =>
      Effect.gen(function*() {
        const { status, text } = yield* call("/items/lamp")
        assert.deepStrictEqual([status, text], [404, `{"error":"no item 'lamp'"}`])
      }))

    it.effect("a QueueService at capacity behind a route answers 503 with Retry-After and a JSON error, never 500", () =>
      Effect.gen(function*() {
        const answers: Array<{ status: number; body: any; retryAfter: string | null }> = []
        for (let n = 0; n < 3; n++) {
          const answer = yield* post("/jobs", JSON.stringify({ n }))
          answers.push({ status: answer.status, body: answer.body, retryAfter: answer.headers.get("retry-after") })
        }
        const full = answers.find((answer) => answer.status !== 202)
        assert.deepStrictEqual(full, { status: 503, body: { error: "queue 'test/Jobs' is full (1 jobs)" }, retryAfter: "1" })
      }))

    it.effect("a route's body that is not valid JSON answers 400, never 500; a non-object body answers 400", () =>
      Effect.gen(function*() {
        const malformed = yield* post("/created", "{oops")
        assert.deepStrictEqual([malformed.status, malformed.text], [400, '{"error":"request body is not valid JSON"}'])
        const array = yield* post("/created", "[1]")
        assert.deepStrictEqual([array.status, array.body.errors], [400, {}])
      }))

    it.effect("an unknown path answers 404 JSON; a trailing slash still matches", () =>
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
        const raw = yield* call("/raw")
        assert.deepStrictEqual([raw.status, raw.body, raw.text], [202, undefined, "plain"])
        assert.strictEqual((yield* call("/nothing")).status, 204)
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
