/**
 * Controller: specter-behaviour.md §4, the integration checks of §19 that involve
 * controllers, and weakness 32.
 *
 * A controller is a service whose definition (routes, events, actions) is built
 * once when its Layer is built, so some checks have no test:
 * - CTL-01 (name from the argument, else the class attribute): the name is the
 *   argument of `Controller.make`; there is no class attribute.
 * - CTL-04 and CTL-10 (build_handler with or without socketio, stop before start):
 *   events are subscribed when the controller starts, to the application's one
 *   ingress, and there is nothing before the start to tear down.
 * - CTL-08 (schema('missing')): Schemas are values imported where they are used; a
 *   missing one is a compile error.
 */
import { assert, describe, it } from "@effect/vitest"
import { Controller, Field, Registry, Route, Service, SocketIngress, Store } from "@specter-runtime/server"
import * as TestServer from "@specter-runtime/testing/server"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Logger, Scope, Stream } from "effect"

const quiet = Logger.layer([])

const NewNote = Field.struct({ text: Field.string({ required: true, nonEmpty: true }) })

/** Builds `app` on a test server in a scope of its own. */
const boot = <ROut, E>(app: Layer.Layer<ROut, E, any>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(TestServer.layer(app as Layer.Layer<ROut, E, never>), scope)
    return { scope, context: context as Context.Context<any> }
  }).pipe(Effect.provide(quiet), Effect.orDie)

const request = (context: Context.Context<any>, method: string, path: string, body?: unknown) =>
  Effect.flatMap(Effect.provideContext(TestServer.url(path), context), (url) =>
    Effect.promise(() =>
      fetch(url, {
        method,
        ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
      }).then(async (r) => ({ status: r.status, body: r.headers.get("content-type")?.includes("json") ? await r.json() : null }))
    ))

const emit = (context: Context.Context<any>, event: string, payload: unknown) =>
  Effect.gen(function*() {
    const socket = yield* TestServer.connect()
    yield* socket.send({ type: "emit", event, payload, id: 1 })
    return yield* socket.next((f) => f.type === "ack" || f.type === "error")
  }).pipe(Effect.provideContext(context), Effect.scoped)

/** A notes controller whose definition counts its builds and whose store is kept in `stores`. */
const notes = (builds: { count: number }, stores: Array<Store.Store<{ notes: ReadonlyArray<string> }>>, prefix?: `/${string}`) =>
  Controller.make("notes", Effect.gen(function*() {
    builds.count++
    const store = yield* Store.make("notes", { notes: [] as ReadonlyArray<string> })
    stores.push(store)
    const add = (text: string) => Effect.map(store.update((s) => ({ notes: [...s.notes, text] })), (s) => s.notes.length)
    return {
      prefix,
      routes: [
        Route.get("/notes", () => store.get()),
        Route.post("/notes", { body: NewNote, status: 201 }, ({ body }) => add(body.text))
      ],
      events: { "notes:add": Controller.event({ payload: NewNote, handle: ({ text }) => add(text) }) },
      actions: { count: Controller.action({ handle: () => Effect.map(store.get(), (s) => s.notes.length) }) }
    }
  }))

describe("Controller", () => {
  it.live("CTL-02 and CTL-03 the definition is built once; its routes, events and actions all answer", () =>
    Effect.gen(function*() {
      const builds = { count: 0 }
      const { context, scope } = yield* boot(notes(builds, []))
      assert.strictEqual((yield* request(context, "POST", "/notes", { text: "a" })).status, 201)
      assert.deepStrictEqual((yield* emit(context, "notes:add", { text: "b" })).payload, 2)
      assert.deepStrictEqual((yield* emit(context, "notes/count", null)).payload, 2)
      assert.deepStrictEqual(yield* request(context, "POST", "/actions/notes/count", {}), { status: 200, body: 2 })
      assert.deepStrictEqual((yield* request(context, "GET", "/notes")).body, { notes: ["a", "b"] })
      assert.strictEqual(builds.count, 1)
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("CTL-05 and INT-04 events keep their priorities across controllers; the ack is the last non-null result", () =>
    Effect.gen(function*() {
      const order: Array<string> = []
      const late = Controller.make("late", {
        events: { greet: Controller.event({ priority: 150, handle: () => Effect.sync(() => void order.push("150")).pipe(Effect.as("late")) }) }
      })
      const early = Controller.make("early", {
        events: { greet: Controller.event({ priority: 50, handle: () => Effect.sync(() => void order.push("50")).pipe(Effect.as("early")) }) }
      })
      const { context, scope } = yield* boot(Layer.mergeAll(late, early))
      const ack = yield* emit(context, "greet", null)
      assert.deepStrictEqual([order, ack.payload], [["50", "150"], "late"])
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("CTL-06, CTL-07 and INT-01 when it stops, its events and actions are gone, its routes answer 503 and its store has ended", () =>
    Effect.gen(function*() {
      const stores: Array<Store.Store<{ notes: ReadonlyArray<string> }>> = []
      const controllerScope = yield* Scope.make()
      const { context, scope } = yield* boot(Layer.empty)
      yield* Layer.buildWithScope(notes({ count: 0 }, stores), controllerScope).pipe(Effect.provideContext(context))
      assert.strictEqual((yield* request(context, "POST", "/notes", { text: "a" })).status, 201)
      const ended = yield* Effect.forkChild(Stream.runDrain(stores[0]!.changes), { startImmediately: true })
      yield* Scope.close(controllerScope, Exit.void)
      yield* Fiber.join(ended) // the store's subscriptions and streams end with the controller
      assert.strictEqual((yield* request(context, "GET", "/notes")).status, 503)
      assert.strictEqual((yield* emit(context, "notes:add", { text: "b" })).error.code, "unknown_event")
      assert.strictEqual((yield* request(context, "POST", "/actions/notes/count", {})).status, 503)
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("CTL-09 its health lists its prefix, routes, events and actions", () =>
    Effect.gen(function*() {
      const { context, scope } = yield* boot(notes({ count: 0 }, [], "/api"))
      const health = (yield* request(context, "GET", "/health")).body.services.notes
      assert.deepInclude(health, { status: "running" })
      assert.deepStrictEqual(health.details, [{
        prefix: "/api",
        routes: ["GET /api/notes", "POST /api/notes"],
        events: ["notes:add"],
        actions: ["count"]
      }])
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("CTL-11 (weakness 32) the prefix is the controller's own: its routes answer under it and nowhere else", () =>
    Effect.gen(function*() {
      const { context, scope } = yield* boot(notes({ count: 0 }, [], "/api"))
      assert.strictEqual((yield* request(context, "GET", "/api/notes")).status, 200)
      assert.strictEqual((yield* request(context, "GET", "/notes")).status, 404)
      assert.strictEqual((yield* request(context, "DELETE", "/api/notes")).status, 405)
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("a handler closes over the services its controller resolved at start; a controller failing to start fails the app, naming it", () =>
    Effect.gen(function*() {
      class Greeting extends Context.Service<Greeting, { readonly text: string }>()("greeting") {}
      const hello = Controller.make("hello", Greeting.use((greeting) =>
        Effect.succeed({ routes: [Route.get("/hello", () => Effect.succeed(greeting.text))] })))
      const { context, scope } = yield* boot(hello.pipe(Layer.provide(Layer.succeed(Greeting, { text: "hi" }))))
      assert.deepStrictEqual((yield* request(context, "GET", "/hello")).body, "hi")
      yield* Scope.close(scope, Exit.void)
      const broken = Controller.make("broken", Effect.fail("no config"))
      const failed = yield* Effect.flip(Layer.build(TestServer.layer(broken)).pipe(Effect.scoped, Effect.provide(quiet)))
      assert.deepInclude(failed, { _tag: "ServiceStartError", service: "broken" })
    }))
})

describe("integration", () => {
  it.live("INT-06 a service waiting in the registry for a key is resumed when a service started later provides it", () =>
    Effect.gen(function*() {
      const Tunnel = Registry.key<string>("tunnel")
      const got = yield* Deferred.make<string>()
      const waiter = Service.layerDiscard("waiter", Service.spawn(Effect.flatMap(
        Registry.Registry.use((registry) => registry.waitFor(Tunnel, "10 seconds")),
        (url) => Deferred.succeed(got, url)
      )))
      const provider = Service.layerDiscard("provider", Registry.Registry.use((registry) => registry.provide(Tunnel, "wss://up")))
      const { scope } = yield* boot(provider.pipe(Layer.provide(waiter)))
      assert.strictEqual(yield* Deferred.await(got), "wss://up")
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("INT-08 a controller whose teardown fails still loses its subscriptions, and the others still stop", () =>
    Effect.gen(function*() {
      const stopped: Array<string> = []
      const bad = Controller.make("bad", Effect.as(Effect.addFinalizer(() => Effect.die("teardown broke")), {
        events: { "bad:ping": Controller.event({ handle: () => Effect.succeed("pong") }) }
      }))
      const other = Service.layerDiscard("other", Effect.addFinalizer(() => Effect.sync(() => void stopped.push("other"))))
      const { context, scope } = yield* boot(Layer.mergeAll(bad, other))
      const ingress = Context.get(context as Context.Context<SocketIngress.SocketIngress>, SocketIngress.SocketIngress)
      assert.strictEqual(ingress.count("bad:ping"), 1)
      const closed = yield* Effect.exit(Scope.close(scope, Exit.void))
      assert.isTrue(Exit.isFailure(closed)) // the teardown's failure is reported, not swallowed
      assert.deepStrictEqual(stopped, ["other"])
      assert.strictEqual(ingress.count(), 0)
    }))
})
