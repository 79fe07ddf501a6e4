/**
 * The application lifecycle: specter-behaviour.md §16 (ServiceManager and boot)
 * in its Layer form, and weakness 31.
 *
 * Not ported: MGR-01/02/18/19 (the manager as a service that starts first and
 * installs an exit hook: the Layer graph and `NodeRuntime.runMain` do both),
 * MGR-05/08/11 (handlers set up after services: socket handlers are subscribed by
 * their controllers as they start), MGR-09 (wrong types are type errors), MGR-10
 * (url prefixes: a route's path is its own).
 */
import { assert, describe, it } from "@effect/vitest"
import { App, Registry, Service, ServiceManager } from "@specter/server"
import * as TestServer from "@specter/testing/server"
import { Context, Effect, Exit, Fiber, Layer, Logger, Scope } from "effect"

const quiet = Logger.layer([])

/** A service that records its start and stop in `log`, and may fail either. */
const recorded = (name: string, log: Array<string>, options: { failStart?: boolean; failStop?: boolean } = {}) => {
  return Service.layerDiscard(name, Effect.gen(function*() {
    log.push(`start ${name}`)
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() => {
        log.push(`stop ${name}`)
        return options.failStop === true ? Effect.die(`${name} failed to stop`) : Effect.void
      })
    )
    if (options.failStart === true) return yield* Effect.fail(`${name} cannot start`)
  }))
}

/** Builds the app of `options` on a test server in a scope of its own. */
const boot = <const O extends App.Options<any, any, any>>(options: O) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const exit = yield* Effect.exit(Layer.buildWithScope(TestServer.layer(options), scope))
    return { scope, exit, context: Exit.isSuccess(exit) ? exit.value : Context.empty() }
  }).pipe(Effect.provide(quiet)) as Effect.Effect<{
    scope: Scope.Closeable
    exit: Exit.Exit<Context.Context<any>, unknown>
    context: Context.Context<any>
  }>

describe("App lifecycle", () => {
  it.live("MGR-03 and MGR-13 services start in the order given and stop in reverse", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const { scope, exit } = yield* boot({ services: [recorded("a", log), recorded("b", log), recorded("c", log)] })
      assert.isTrue(Exit.isSuccess(exit))
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(log, ["start a", "start b", "start c", "stop c", "stop b", "stop a"])
    }))

  it.live("a later service can use what an earlier one provides", () =>
    Effect.gen(function*() {
      class Greeter extends Context.Service<Greeter, { readonly greet: (n: string) => string }>()("Greeter") {}
      const GreeterLive = Layer.succeed(Greeter, { greet: (n) => `hello ${n}` })
      class User extends Context.Service<User, { readonly greeting: string }>()("user") {}
      const UserLive = Service.layer(User, Greeter.use((greeter) => Effect.succeed({ greeting: greeter.greet("ada") })))
      const { scope, exit, context } = yield* boot({ services: [GreeterLive, UserLive] })
      assert.isTrue(Exit.isSuccess(exit))
      assert.strictEqual(Context.get(context as Context.Context<User>, User).greeting, "hello ada")
      const health = yield* Effect.provideContext(ServiceManager.ServiceManager.use((m) => m.health), context)
      assert.strictEqual(health["user"]?.status, "running")
      yield* Scope.close(scope, Exit.void)
    }))

  it.live("MGR-04 (weakness 31) a service that fails to start fails the app with ServiceStartError naming it; what started is stopped", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const { exit } = yield* boot({ services: [recorded("a", log), recorded("broken", log, { failStart: true }), recorded("c", log)] })
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.reasons.map((r) => ("error" in r ? r.error : r))[0] : undefined
      assert.deepInclude(error, { _tag: "ServiceStartError", service: "broken" })
      assert.deepStrictEqual(log, ["start a", "start broken", "stop broken", "stop a"])
    }))

  it.live("degraded mode: Service.optional logs a failed start, lists it as failed in health, and the app goes on", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const { scope, exit, context } = yield* boot({
        services: [recorded("a", log), Service.optional(recorded("flaky", log, { failStart: true })), recorded("c", log)]
      })
      assert.isTrue(Exit.isSuccess(exit))
      const url = yield* Effect.provideContext(TestServer.url("/health"), context)
      const health = yield* Effect.promise(() => fetch(url).then((r) => r.json()))
      assert.deepStrictEqual(Object.keys(health.services), ["a", "flaky", "c"])
      assert.strictEqual(health.services.flaky.status, "failed")
      assert.include(health.services.flaky.error, "flaky cannot start")
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(log, ["start a", "start flaky", "stop flaky", "start c", "stop c", "stop a"])
    }))

  it.live("two services with one name: the second fails to start with DuplicateService", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const { exit } = yield* boot({ services: [recorded("same", log), recorded("same", log)] })
      assert.isTrue(Exit.isFailure(exit))
      assert.include(String(Exit.isFailure(exit) ? exit.cause.reasons.map((r) => ("error" in r ? (r.error as Error).message : "")) : ""), "a service named 'same' is already running")
    }))

  it.live("MGR-14 a service whose stop fails does not keep the others from stopping", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const { scope } = yield* boot({ services: [recorded("a", log), recorded("bad", log, { failStop: true }), recorded("c", log)] })
      const closed = yield* Effect.exit(Scope.close(scope, Exit.void))
      assert.isTrue(Exit.isFailure(closed)) // the failure is reported, not swallowed
      assert.deepStrictEqual(log.filter((l) => l.startsWith("stop")), ["stop c", "stop bad", "stop a"])
    }))

  it.live("MGR-16 shutdown is idempotent: closing twice at once runs everything once", () =>
    Effect.gen(function*() {
      let hooks = 0
      const SelfishLive = Service.layerDiscard("selfish", Effect.addFinalizer(() => Effect.sync(() => void hooks++)))
      const { scope } = yield* boot({ services: [SelfishLive] })
      const closing = yield* Effect.forkChild(Scope.close(scope, Exit.void))
      yield* Scope.close(scope, Exit.void)
      yield* Fiber.join(closing)
      assert.strictEqual(hooks, 1)
    }))

  it.live("MGR-15 and MGR-20 after shutdown the registry is cleared and pending waiters fail", () =>
    Effect.gen(function*() {
      const { scope, context } = yield* boot({ services: [] })
      const registry = Context.get(context as Context.Context<Registry.Registry>, Registry.Registry)
      const waiting = yield* Effect.forkChild(Effect.flip(registry.waitFor(Registry.key<number>("late"), "1 minute")), { startImmediately: true })
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual((yield* Fiber.join(waiting))._tag, "RegistryCleared")
    }))
})
