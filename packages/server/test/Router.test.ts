/**
 * Route groups: specter-behaviour.md §18 (Router and `route`) and weakness 35, in
 * the form groups take here: `Router.add(routes, { prefix, middleware })` in the
 * scope of their owner, `Router.layer` for a group of its own. Real HTTP against
 * `TestServer.layer`.
 *
 * Not ported (Python mechanics, and what replaces them):
 * - RTR-07 (`mount()` is idempotent and calls `on_mount` once): there is no mount
 *   step; `Router.add` is an Effect that adds its routes once, in its scope.
 * - RTR-09 (endpoint names): routes have no names; a route is its method and path,
 *   and a second running group claiming one is refused (tested below).
 * - RTR-11 (`teardown` runs `on_unmount`, then the cleanups LIFO, swallowing their
 *   errors): a group's owner is the Scope given to `Router.add`; its finalizers are
 *   Effect's (LIFO, failures kept in the Cause: weakness 35). What is ours, that
 *   the routes stop answering when it closes, is tested below.
 * - RTR-12 (class-based route discovery, overrides): a group is an array of
 *   routes, in array order; composing groups is concatenating arrays.
 * - RTR-13 (`own(router)` needs `stop_method`): there is no router handle to own;
 *   `Router.add` needs a `Scope` in its type.
 * - "A handler needs only what the router provides": a type error, checked by tsc
 *   on `Router.layer([needsAService])` below.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Field, Outcome } from "@specter-runtime/core"
import * as TestServer from "@specter-runtime/testing/server"
import { Context, Deferred, Effect, Exit, Layer, Scope } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import * as HttpError from "../src/HttpError.ts"
import * as Route from "../src/Route.ts"
import * as Router from "../src/Router.ts"

const call = TestServer.request

const send = (method: string, path: string, body: string, contentType = "application/json") =>
  call(path, { method, headers: { "content-type": contentType }, body })

const NewItem = Field.struct({ name: Field.string({ required: true }), n: Field.int({ default: 0 }) })
const ItemId = Field.struct({ id: Field.string({ required: true }) })

const Root = Router.layer([
  Route.get("/x", () => Effect.succeed({ x: 1 })),
  Route.post("/y", () => Effect.succeed({ y: 1 })),
  Route.get("/outcome/missing", () => Effect.succeed(Outcome.failure("nope", { status: 404 }))),
  Route.get("/outcome/created", () => Effect.succeed(Outcome.success({ a: 1 }, { status: 201, meta: { x: 1 } }))),
  Route.get("/boom", { errorMessage: "Boom" }, () => Effect.fail(new Error("secret"))),
  Route.get("/gone", { errorMessage: "Boom" }, () => Effect.fail(HttpError.make("gone", { status: 410, payload: { k: 1 } }))),
  Route.post("/json", { body: NewItem }, ({ body }) => Effect.succeed(body))
])

const Api = Router.layer([
  Route.get("/items", () => Effect.succeed({ items: [] })),
  Route.post("/items", { body: NewItem, status: 201 }, ({ body }) => Effect.succeed(body)),
  Route.get("/items/new", () => Effect.succeed({ form: true })),
  Route.get("/items/:id", { params: ItemId }, ({ params }) => Effect.succeed({ got: params.id })),
  Route.del("/items/:id", { params: ItemId }, ({ params }) => Effect.succeed({ deleted: params.id }))
], { prefix: "/api" })

const requireAdmin: Router.Middleware = (handler) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
    request.headers["x-admin"] === "yes" ? handler : Effect.fail(HttpError.forbidden("admins only")))

const Admin = Router.layer([Route.get("/secret", () => Effect.succeed({ secret: 42 }))], {
  prefix: "/admin",
  middleware: requireAdmin
})

const Bare = HttpRouter.add("GET", "/bare", HttpServerResponse.jsonUnsafe({ bare: true }))

/** The application's router, for the tests that add groups while the server runs. */
const running = Deferred.makeUnsafe<HttpRouter.HttpRouter>()
const Capture = Layer.effectDiscard(Effect.flatMap(HttpRouter.HttpRouter, (router) => Deferred.succeed(running, router)))

/** Adds `routes` to the running server in `scope`. */
const addLate = (routes: ReadonlyArray<Route.Route>, scope: Scope.Scope) =>
  Effect.flatMap(Deferred.await(running), (router) =>
    Router.add(routes).pipe(Effect.provideService(HttpRouter.HttpRouter, router), Scope.provide(scope)))

class Needs extends Context.Service<Needs, { readonly n: number }>()("test/Needs") {}
const needsAService = Route.get("/needs", () => Needs.use(({ n }) => Effect.succeed({ n })))
// @ts-expect-error a route whose handler needs a service is refused: handlers close over services
Router.layer([needsAService])

const App = Layer.mergeAll(Root, Api, Admin, Bare, Capture)

describe("Router", () => {
  layer(TestServer.layer(App).pipe(Layer.orDie), { excludeTestServices: true })((it) => {
    it.effect("RTR-01 a GET route is served; another method on its path answers 405 with Allow", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual((yield* call("/x")).body, { x: 1 })
        const post = yield* send("POST", "/x", "{}")
        assert.deepStrictEqual([post.status, post.body, post.headers.get("allow")], [405, { error: "method not allowed" }, "GET, HEAD"])
      }))

    it.effect("RTR-02 a POST route accepts POST only", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual((yield* send("POST", "/y", "{}")).body, { y: 1 })
        const get = yield* call("/y")
        assert.deepStrictEqual([get.status, get.headers.get("allow")], [405, "POST"])
      }))

    it.effect("RTR-03 a trailing slash reaches the route (slashes are not strict)", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* Effect.map(call("/x/"), (r) => [r.status, r.body]), [200, { x: 1 }])
        assert.deepStrictEqual(yield* Effect.map(call("/api/items/"), (r) => [r.status, r.body]), [200, { items: [] }])
      }))

    it.effect("RTR-04 a handler returning a failed Outcome answers its status with its JSON form", () =>
      Effect.gen(function*() {
        const missing = yield* call("/outcome/missing")
        assert.deepStrictEqual([missing.status, missing.body], [404, { ok: false, status: 404, error: "nope", value: null }])
      }))

    it.effect("RTR-05 a handler returning a successful Outcome answers its status, meta first", () =>
      Effect.gen(function*() {
        const created = yield* call("/outcome/created")
        assert.deepStrictEqual([created.status, created.text], [201, '{"x":1,"ok":true,"status":201,"value":{"a":1}}'])
      }))

    it.effect("RTR-06 with errorMessage a generic failure answers 500 with it; an HttpError answers its own status and body", () =>
      Effect.gen(function*() {
        const boom = yield* call("/boom")
        assert.deepStrictEqual([boom.status, boom.body], [500, { error: "Boom" }])
        const gone = yield* call("/gone")
        assert.deepStrictEqual([gone.status, gone.body], [410, { k: 1, error: "gone" }])
      }))

    it.effect("RTR-08 (weakness 35) a group added while the server runs is served at once", () =>
      Effect.gen(function*() {
        assert.strictEqual((yield* call("/late")).status, 404)
        const scope = yield* Scope.make()
        yield* addLate([Route.get("/late", () => Effect.succeed({ late: true }))], scope)
        assert.deepStrictEqual(yield* Effect.map(call("/late"), (r) => [r.status, r.body]), [200, { late: true }])
        yield* Scope.close(scope, Exit.void)
      }))

    it.effect("RTR-10 a group is served under its prefix", () =>
      Effect.gen(function*() {
        const created = yield* send("POST", "/api/items", '{"name":"lamp","n":"2"}')
        assert.deepStrictEqual([created.status, created.body], [201, { name: "lamp", n: 2 }])
        assert.deepStrictEqual((yield* call("/api/items/7")).body, { got: "7" })
        assert.strictEqual((yield* call("/items")).status, 404)
      }))

    it.effect("a path known with other methods answers 405 with every method it takes; an unknown path stays 404", () =>
      Effect.gen(function*() {
        const put = yield* send("PUT", "/api/items", "{}")
        assert.deepStrictEqual([put.status, put.body, put.headers.get("allow")], [405, { error: "method not allowed" }, "GET, HEAD, POST"])
        const nowhere = yield* send("DELETE", "/api/nothing-here", "{}")
        assert.deepStrictEqual([nowhere.status, nowhere.body], [404, { error: "not found" }])
        // A route added with bare HttpRouter.add keeps Effect's own answers.
        assert.strictEqual((yield* send("POST", "/bare", "{}")).status, 404)
      }))

    it.effect("a method missing on a static path reaches a parameter route that takes it (DELETE /items/new)", () =>
      Effect.gen(function*() {
        assert.deepStrictEqual((yield* call("/api/items/new")).body, { form: true })
        const deleted = yield* send("DELETE", "/api/items/new", "")
        assert.deepStrictEqual([deleted.status, deleted.body], [200, { deleted: "new" }])
        const patch = yield* send("PATCH", "/api/items/new", "{}")
        assert.deepStrictEqual([patch.status, patch.headers.get("allow")], [405, "GET, HEAD, DELETE"])
      }))

    it.effect("a GET route answers HEAD without a body", () =>
      Effect.gen(function*() {
        const head = yield* call("/x", { method: "HEAD" })
        assert.deepStrictEqual([head.status, head.text], [200, ""])
      }))

    it.effect("a group's middleware runs for its routes only, and its failure is answered like a route's", () =>
      Effect.gen(function*() {
        const refused = yield* call("/admin/secret")
        assert.deepStrictEqual([refused.status, refused.body], [403, { error: "admins only" }])
        const allowed = yield* call("/admin/secret", { headers: { "x-admin": "yes" } })
        assert.deepStrictEqual([allowed.status, allowed.body], [200, { secret: 42 }])
        assert.strictEqual((yield* call("/x")).status, 200)
      }))

    it.effect("a route with a body answers 415 to text, a form and multipart, without reading them", () =>
      Effect.gen(function*() {
        for (const contentType of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
          const refused = yield* send("POST", "/json", '{"name":"a"}', contentType)
          assert.deepStrictEqual([refused.status, refused.body.error], [415, "request body must be JSON (content-type: application/json)"])
        }
        const none = yield* call("/json", { method: "POST", body: new Uint8Array(0) })
        assert.strictEqual(none.status, 415)
      }))

    it.effect("a route with a body takes application/json and */*+json with any parameters", () =>
      Effect.gen(function*() {
        for (const contentType of ["application/json", "application/json; charset=utf-8", "application/vnd.api+json", "APPLICATION/JSON"]) {
          const taken = yield* send("POST", "/json", '{"name":"a"}', contentType)
          assert.deepStrictEqual([contentType, taken.status, taken.body], [contentType, 200, { name: "a", n: 0 }])
        }
      }))

    it.effect("once its scope has closed a group's routes answer 503 without running their handlers", () =>
      Effect.gen(function*() {
        let runs = 0
        const scope = yield* Scope.make()
        yield* addLate([Route.get("/stopping", () => Effect.sync(() => ({ runs: ++runs })))], scope)
        assert.strictEqual((yield* call("/stopping")).status, 200)
        yield* Scope.close(scope, Exit.void)
        const stopped = yield* call("/stopping")
        assert.deepStrictEqual([stopped.status, stopped.body], [503, { error: "unavailable: this route has stopped" }])
        assert.strictEqual(runs, 1)
      }))

    it.effect("a group added again after its scope closed (a restarted owner) is served again", () =>
      Effect.gen(function*() {
        const first = yield* Scope.make()
        yield* addLate([Route.get("/restart", () => Effect.succeed({ run: 1 }))], first)
        yield* Scope.close(first, Exit.void)
        const second = yield* Scope.make()
        yield* addLate([Route.get("/restart", () => Effect.succeed({ run: 2 }))], second)
        assert.deepStrictEqual((yield* call("/restart")).body, { run: 2 })
        yield* Scope.close(second, Exit.void)
      }))

    it.effect("a route whose pattern clashes with the router's (other parameter names) is a defect naming it", () =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const exit = yield* Effect.exit(addLate([Route.put("/api/items/:key", () => Effect.void)], scope))
        assert.isTrue(Exit.hasDies(exit))
        assert.include(String(exit), "cannot add PUT /api/items/:key")
        assert.deepStrictEqual((yield* call("/api/items/7")).body, { got: "7" })
        assert.strictEqual((yield* send("PUT", "/api/items/7", "{}")).status, 405)
        yield* Scope.close(scope, Exit.void)
      }))

    it.effect("a method and path a running group serves cannot be added by another (a defect)", () =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const exit = yield* Effect.exit(addLate([Route.get("/x", () => Effect.succeed({ again: true }))], scope))
        assert.isTrue(Exit.hasDies(exit))
        assert.deepStrictEqual((yield* call("/x")).body, { x: 1 })
        yield* Scope.close(scope, Exit.void)
      }))
  })
})
