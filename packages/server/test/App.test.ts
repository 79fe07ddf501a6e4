/**
 * The application lifecycle: specter-behaviour.md §16 (ServiceManager and boot)
 * where the application is one Layer, weakness 31, health and readiness, and the
 * start-up configuration.
 *
 * Start order comes from the Layer graph (a layer starts after what it is provided
 * with), and a missing dependency is a type error, so some checks have no test:
 * - MGR-06 (boot twice): building the Layer twice is two applications.
 * - MGR-09 (register a non-service): the types reject it.
 * - MGR-12 (shutdown before boot): there is no scope to close before the Layer is built.
 * - MGR-18 (one exit hook): `NodeRuntime.runMain` installs the signal handlers, once.
 * MGR-05, MGR-10 and MGR-11 (controllers' routes and events) are in Controller.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { App, Health, Registry, Service, ServiceManager, SocketIngress } from "@specter-runtime/server"
import * as TestServer from "@specter-runtime/testing/server"
import { ConfigProvider, Context, Effect, Exit, Fiber, Layer, Logger, Scope, SubscriptionRef } from "effect"
import { HttpServer } from "effect/http"
import { createServer } from "node:net"
import WebSocket from "ws"

const quiet = Logger.layer([])

/** A service that records its start and stop in `log`, and may fail either. */
const recorded = (name: string, log: Array<string>, options: { failStart?: boolean; failStop?: boolean } = {}) =>
  Service.layerDiscard(name, Effect.gen(function*() {
    log.push(`start ${name}`)
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        log.push(`stop ${name}`)
        return options.failStop === true ? Effect.die(`${name} failed to stop`) : Effect.void
      })
    )
    if (options.failStart === true) return yield* Effect.fail(`${name} cannot start`)
  }))

/** Builds `app` on a test server in a scope of its own. */
const boot = <ROut, E, RIn extends App.Provided | App.RouteMarkers>(app: Layer.Layer<ROut, E, RIn>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const exit = yield* Effect.exit(Layer.buildWithScope(TestServer.layer(app), scope))
    return { scope, exit, context: Exit.isSuccess(exit) ? exit.value : Context.empty() }
  }).pipe(Effect.provide(quiet)) as Effect.Effect<{
    scope: Scope.Closeable
    exit: Exit.Exit<Context.Context<any>, unknown>
    context: Context.Context<any>
  }>

const fetchJson = (context: Context.Context<any>, path: string) =>
  Effect.flatMap(Effect.provideContext(TestServer.url(path), context), (url) =>
    Effect.promise(() => fetch(url).then(async (r) => ({ status: r.status, body: await r.json() }))))

const firstError = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isFailure(exit) ? exit.cause.reasons.map((r) => ("error" in r ? r.error : r))[0] : undefined

describe("App lifecycle", () => {
  it.live("MGR-03, MGR-13 and MGR-19 start order comes from the graph (what a layer is provided with starts first); stop is the reverse", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const app = recorded("controller", log).pipe(
        Layer.provide(recorded("b", log)),
        Layer.provide(recorded("a", log))
      )
      const { exit, scope } = yield* boot(app)
      assert.isTrue(Exit.isSuccess(exit))
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(log, ["start a", "start b", "start controller", "stop controller", "stop b", "stop a"])
    }))

  it.live("MGR-01 and MGR-02 while a service starts, the manager and the ingress are there, and it is listed as starting", () =>
    Effect.gen(function*() {
      const seen: Array<unknown> = []
      const app = Service.layerDiscard("probe", Effect.gen(function*() {
        const health = yield* ServiceManager.ServiceManager.use((m) => m.health)
        seen.push(health["probe"]?.status, (yield* SocketIngress.SocketIngress.use(Effect.succeed)) !== undefined)
      }))
      const { exit, scope } = yield* boot(app)
      assert.isTrue(Exit.isSuccess(exit))
      assert.deepStrictEqual(seen, ["starting", true])
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("MGR-04 (weakness 31) a service that fails to start fails the app with ServiceStartError naming it; what started is stopped", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const app = recorded("c", log).pipe(Layer.provide(recorded("broken", log, { failStart: true })), Layer.provide(recorded("a", log)))
      const { exit } = yield* boot(app)
      assert.deepInclude(firstError(exit), { _tag: "ServiceStartError", service: "broken" })
      assert.deepStrictEqual(log, ["start a", "start broken", "stop broken", "stop a"])
    }))

  it.live("degraded mode: Service.optional logs a failed start, lists it as failed, /health answers 503 and /health/ready 200", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const app = Layer.mergeAll(recorded("a", log), Service.optional(recorded("flaky", log, { failStart: true })))
      const { context, exit, scope } = yield* boot(app)
      assert.isTrue(Exit.isSuccess(exit))
      const health = yield* fetchJson(context, "/health")
      assert.strictEqual(health.status, 503)
      assert.deepInclude(health.body.services.flaky, { status: "failed", optional: true })
      assert.include(health.body.services.flaky.error, "flaky cannot start")
      assert.strictEqual((yield* fetchJson(context, "/health/ready")).status, 200)
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("two services with one name: the second fails to start with DuplicateService", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const { exit } = yield* boot(recorded("same", log).pipe(Layer.provide(recorded("same", log))))
      assert.include(String((firstError(exit) as Error | undefined)?.message), "a service named 'same' is already running")
    }))

  it.live("MGR-07 and MGR-08 a service built while the app runs starts at once and is listed", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const { context, scope } = yield* boot(Layer.empty)
      const late = yield* Scope.make()
      yield* Layer.buildWithScope(recorded("late", log), late).pipe(Effect.provideContext(context))
      assert.deepStrictEqual(log, ["start late"])
      assert.strictEqual((yield* fetchJson(context, "/health")).body.services.late.status, "running")
      yield* Scope.close(late, Exit.void)
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("MGR-14 a service whose stop fails does not keep the others from stopping, and the failure is reported", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const app = recorded("c", log).pipe(Layer.provide(recorded("bad", log, { failStop: true })), Layer.provide(recorded("a", log)))
      const { scope } = yield* boot(app)
      const closed = yield* Effect.exit(Scope.close(scope, Exit.void))
      assert.isTrue(Exit.isFailure(closed))
      assert.deepStrictEqual(log.filter((l) => l.startsWith("stop")), ["stop c", "stop bad", "stop a"])
    }))

  it.live("MGR-15 and MGR-20 after shutdown the registry is cleared, pending waiters fail, and the ingress has no handlers", () =>
    Effect.gen(function*() {
      const { context, scope } = yield* boot(Layer.empty)
      const registry = Context.get(context as Context.Context<Registry.Registry>, Registry.Registry)
      const ingress = Context.get(context as Context.Context<SocketIngress.SocketIngress>, SocketIngress.SocketIngress)
      const waiting = yield* Effect.forkChild(Effect.flip(registry.waitFor(Registry.key<number>("late"), "1 minute")), {
        startImmediately: true
      })
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual((yield* Fiber.join(waiting))._tag, "RegistryCleared")
      assert.strictEqual(ingress.count(), 0)
    }))

  it.live("MGR-16 shutdown is idempotent: closing twice at once runs everything once", () =>
    Effect.gen(function*() {
      let stops = 0
      const { scope } = yield* boot(Service.layerDiscard("once", Effect.addFinalizer(() => Effect.sync(() => void stops++))))
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
      yield* Scope.close(scope, Exit.void)
      yield* Fiber.join(closing)
      assert.strictEqual(stops, 1)
    }))

  it.live("MGR-17 /health nests every service's health by name; a failing probe makes its service failed and the answer 503", () =>
    Effect.gen(function*() {
      let healthy = true
      const app = Layer.mergeAll(
        Service.layerDiscard("db", Service.health(Effect.suspend(() => (healthy ? Effect.succeed({ pool: 4 }) : Effect.fail("connection lost"))))),
        Service.layerDiscard("cache", Effect.void)
      )
      const { context, scope } = yield* boot(app)
      const ok = yield* fetchJson(context, "/health")
      assert.strictEqual(ok.status, 200)
      assert.deepInclude(ok.body.services.db, { name: "db", status: "running", details: [{ pool: 4 }] })
      healthy = false
      const failed = yield* fetchJson(context, "/health")
      assert.strictEqual(failed.status, 503)
      assert.strictEqual(failed.body.services.db.status, "failed")
      assert.include(failed.body.services.db.error, "connection lost")
      assert.strictEqual((yield* fetchJson(context, "/health/ready")).status, 503)
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("/health/live and /health/ready answer while the process runs; readiness is stopping before any service stops", () =>
    Effect.gen(function*() {
      const during: Array<string> = []
      const app = Service.layerDiscard("watcher", Effect.flatMap(Health.Readiness, ({ phase }) =>
        Effect.addFinalizer(() => Effect.map(SubscriptionRef.get(phase), (now) => void during.push(now)))))
      const booted = yield* boot(app)
      assert.strictEqual((yield* fetchJson(booted.context, "/health/live")).status, 200)
      assert.strictEqual((yield* fetchJson(booted.context, "/health/ready")).status, 200)
      yield* Scope.close(booted.scope, Exit.void)
      // Once shutdown begins the server no longer accepts connections (HttpLimits.test.ts).
      assert.deepStrictEqual(during, ["stopping"])
    }))
})

/** Opens a WebSocket to `url`: the HTTP status it was refused with, or 101 once it is open (then closed). */
const upgradeStatus = (url: string) =>
  Effect.callback<number>((resume) => {
    const socket = new WebSocket(url)
    socket.once("unexpected-response", (_, response) => {
      resume(Effect.succeed(response.statusCode ?? 0))
      socket.terminate()
    })
    socket.once("open", () => {
      resume(Effect.succeed(101))
      socket.close()
    })
    socket.once("error", () => {})
  })

/** The status and `Retry-After` of a GET of `url`. */
const getStatus = (url: string) =>
  Effect.promise(async () => {
    const response = await fetch(url)
    await response.arrayBuffer()
    return { status: response.status, retryAfter: response.headers.get("retry-after") }
  })

describe("App while starting", () => {
  it.live("a socket upgrade before the application is ready gets 503 with Retry-After (its handlers are not registered yet); once ready it is upgraded", () =>
    Effect.gen(function*() {
      let during: number | undefined
      const app = Service.layerDiscard("slow", Effect.gen(function*() {
        const { address } = yield* HttpServer.HttpServer
        during = yield* upgradeStatus(`ws://127.0.0.1:${"port" in address ? address.port : 0}/ws`)
      }))
      const booted = yield* boot(app)
      assert.strictEqual(during, 503)
      const url = yield* Effect.provideContext(TestServer.url("/ws", "ws"), booted.context)
      assert.strictEqual(yield* upgradeStatus(url), 101)
      yield* Scope.close(booted.scope, Exit.void)
    }))

  it.live("a request for a path with no route yet gets 503 with Retry-After while the application starts, and 404 once it is ready", () =>
    Effect.gen(function*() {
      let during: { status: number; retryAfter: string | null } | undefined
      const app = Service.layerDiscard("slow", Effect.gen(function*() {
        const { address } = yield* HttpServer.HttpServer
        during = yield* getStatus(`http://127.0.0.1:${"port" in address ? address.port : 0}/api/later`)
      }))
      const booted = yield* boot(app)
      assert.deepStrictEqual(during, { status: 503, retryAfter: "1" })
      const url = yield* Effect.provideContext(TestServer.url("/api/later"), booted.context)
      assert.deepStrictEqual(yield* getStatus(url), { status: 404, retryAfter: null })
      yield* Scope.close(booted.scope, Exit.void)
    }))
})

describe("App start-up configuration", () => {
  it.live("PORT that is not a port fails the start with a StartupError naming PORT", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Layer.build(App.layer(Layer.empty)).pipe(
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ PORT: "abc" }))),
        Effect.scoped
      ))
      assert.deepStrictEqual(firstError(exit), new App.StartupError({ message: "PORT must be a port number, got 'abc'" }))
    }).pipe(Effect.provide(quiet)))

  it.live("a port already in use fails the start with a StartupError naming the port", () =>
    Effect.gen(function*() {
      const blocker = createServer()
      const port = yield* Effect.callback<number>((resume) => {
        blocker.listen(0, "127.0.0.1", () => resume(Effect.succeed((blocker.address() as { port: number }).port)))
      })
      const exit = yield* Effect.exit(Layer.build(App.layer(Layer.empty, { http: { port, host: "127.0.0.1" } })).pipe(Effect.scoped))
      blocker.close()
      assert.deepStrictEqual(firstError(exit), new App.StartupError({ message: `port ${port} is already in use` }))
    }).pipe(Effect.provide(quiet)))
})
