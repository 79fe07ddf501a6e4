/**
 * Service: the acceptance checks of specter-behaviour.md §2, in their Effect form.
 *
 * Checks the design makes impossible to violate, and so has no test:
 * - SVC-02 (stop before start): there is no handle before `Service.start` ran.
 * - SVC-07 (spawn before start): the handle only exists inside or after start;
 *   the "after stop" half is tested below.
 * - SVC-35..38 (adopt(null), adopt(nonService), adopt(running child),
 *   add_cleanup(non-callable)): `adopt` takes a scoped constructor and
 *   `addCleanup` an Effect; the types reject the rest.
 * - SVC-40 (restart): a service is a Layer; restarting is building it again, which
 *   is a new service (state persistence is the Store's job, with persistence).
 */
import { TestLogger, TestSpecter } from "@specter/testing"
import { assert, describe, it } from "@effect/vitest"
import { Bus, Service, ServiceManager } from "@specter/core"
import { Deferred, Effect, Exit, Fiber, Layer, Ref, Scope } from "effect"
import { TestClock } from "effect/testing"
import { recorder, startIn } from "./helpers.ts"

const Ping = Bus.event<string>("ping")

describe("Service", () => {
  it.effect("SVC-01 start runs build exactly once; a second service under the same name is rejected", () =>
    Effect.gen(function*() {
      let builds = 0
      const { self } = yield* startIn("svc", {}, () => Effect.sync(() => void builds++))
      assert.strictEqual(builds, 1)
      assert.strictEqual(yield* self.status, "running")
      const second = yield* Effect.exit(startIn("svc", {}, () => Effect.sync(() => void builds++)))
      assert.isTrue(Exit.isFailure(second))
      assert.strictEqual(builds, 1)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-03 stop twice runs the onStop hook once", () =>
    Effect.gen(function*() {
      let hooks = 0
      const { self } = yield* startIn("svc", {}, (self) => self.onStop(Effect.sync(() => void hooks++)))
      yield* self.stop
      yield* self.stop
      assert.strictEqual(hooks, 1)
      assert.strictEqual(yield* self.status, "stopped")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("weakness 15: concurrent stops wait for the one in flight, and nothing runs twice", () =>
    Effect.gen(function*() {
      const { log, add } = recorder()
      const { self } = yield* startIn("svc", {}, (self) =>
        Effect.andThen(self.onStop(add("onStop")), self.addCleanup(Effect.andThen(Effect.sleep("1 second"), add("cleanup")))))
      const first = yield* Effect.forkChild(self.stop, { startImmediately: true })
      const second = yield* Effect.forkChild(self.stop, { startImmediately: true })
      assert.strictEqual(yield* self.status, "stopping")
      yield* TestClock.adjust("999 millis")
      assert.isUndefined(second.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(first)
      yield* Fiber.join(second)
      assert.deepStrictEqual(log, ["onStop", "cleanup"])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("weakness 15: while stopping, spawning and scheduling fail with ServiceNotRunning instead of leaking", () =>
    Effect.gen(function*() {
      const attempts: Array<string> = []
      const { self } = yield* startIn("svc", {}, (self) =>
        self.onStop(
          Effect.gen(function*() {
            const spawn = yield* Effect.flip(self.spawn(Effect.never))
            const interval = yield* Effect.flip(self.interval("1 second", Effect.void))
            attempts.push(`${spawn._tag} ${spawn.status}`, `${interval._tag} ${interval.status}`)
          })
        ))
      yield* self.stop
      assert.deepStrictEqual(attempts, ["ServiceNotRunning stopping", "ServiceNotRunning stopping"])
      assert.deepInclude(yield* self.health, { fibers: 0, timers: 0 })
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-04 the service is live while build runs: spawn and interval inside build succeed", () =>
    Effect.gen(function*() {
      const { self } = yield* startIn("svc", {}, (self) =>
        Effect.gen(function*() {
          assert.strictEqual(yield* self.status, "starting")
          yield* self.spawn(Effect.never)
          yield* self.interval("1 second", Effect.void)
        }))
      const health = yield* self.health
      assert.strictEqual(health.fibers, 1)
      assert.strictEqual(health.timers, 1)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-05 a failing build fails start with ServiceStartError naming the service; it ends stopped", () =>
    Effect.gen(function*() {
      let handle: Service.Service<{}> | undefined
      const error = yield* Effect.flip(startIn("broken", {}, (self) => {
        handle = self
        return Effect.fail("boom")
      }))
      assert.strictEqual(error._tag, "ServiceStartError")
      assert.strictEqual(error.service, "broken")
      assert.include(error.message, "boom")
      assert.strictEqual(yield* handle!.status, "stopped")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-06 (weakness 13) a failed start releases what it acquired: listeners, timers, children, cleanups", () =>
    Effect.gen(function*() {
      const bus = yield* Bus.Bus
      const { log, add } = recorder()
      yield* Effect.flip(startIn("broken", {}, (self) =>
        Effect.gen(function*() {
          yield* self.listen(Ping, () => add("heard"))
          yield* self.interval("1 second", add("tick"))
          yield* self.adopt(Service.start("child", {}, (child) => child.addCleanup(add("child stopped"))))
          yield* self.addCleanup(add("cleanup"))
          return yield* Effect.fail("boom")
        })))
      assert.strictEqual(bus.listenerCount(Ping), 0)
      yield* bus.emitAndWait(Ping, "x")
      yield* TestClock.adjust("5 seconds")
      assert.deepStrictEqual(log, ["child stopped", "cleanup"])
      assert.deepStrictEqual(Object.keys(yield* (yield* ServiceManager.ServiceManager).health), [])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-07 spawn, spawnLater, interval, timeout, listen and adopt after stop fail with ServiceNotRunning", () =>
    Effect.gen(function*() {
      const { self } = yield* startIn("svc", {})
      yield* self.stop
      const errors = yield* Effect.all([
        Effect.flip(self.spawn(Effect.void)),
        Effect.flip(self.spawnLater("1 second", Effect.void)),
        Effect.flip(self.interval("1 second", Effect.void)),
        Effect.flip(self.timeout("1 second", Effect.void)),
        Effect.flip(self.listen(Ping, () => Effect.void)),
        Effect.flip(self.adopt(Effect.void)),
        Effect.flip(self.addCleanup(Effect.void))
      ])
      assert.deepStrictEqual(errors.map((e) => [e._tag, e.operation, e.status]), [
        ["ServiceNotRunning", "spawn", "stopped"],
        ["ServiceNotRunning", "spawnLater", "stopped"],
        ["ServiceNotRunning", "interval", "stopped"],
        ["ServiceNotRunning", "timeout", "stopped"],
        ["ServiceNotRunning", "listen", "stopped"],
        ["ServiceNotRunning", "adopt", "stopped"],
        ["ServiceNotRunning", "addCleanup", "stopped"]
      ])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-08 interval(1s) has not run at 0.5s, ran once by 1.5s and twice by 2.5s", () =>
    Effect.gen(function*() {
      const ticks = yield* Ref.make(0)
      const { self } = yield* startIn("svc", {})
      yield* self.interval("1 second", Ref.update(ticks, (n) => n + 1))
      yield* TestClock.adjust("500 millis")
      assert.strictEqual(yield* Ref.get(ticks), 0)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Ref.get(ticks), 1)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* Ref.get(ticks), 2)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-09 an interval whose run fails keeps running, and the failure is logged", () =>
    Effect.gen(function*() {
      let runs = 0
      const { self } = yield* startIn("svc", {})
      yield* self.interval("1 second", Effect.suspend(() => (++runs, Effect.fail("bad tick"))), { label: "flaky" })
      yield* TestClock.adjust("3 seconds")
      assert.strictEqual(runs, 3)
      const errors = (yield* TestLogger.TestLogger).at("Error")
      assert.strictEqual(errors.length, 3)
      assert.include(errors[0]!.message, "interval 'flaky' failed")
      assert.include(errors[0]!.cause, "bad tick")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-10 cancel stops an interval; cancelling it again does nothing", () =>
    Effect.gen(function*() {
      const ticks = yield* Ref.make(0)
      const { self } = yield* startIn("svc", {})
      const task = yield* self.interval("1 second", Ref.update(ticks, (n) => n + 1))
      yield* TestClock.adjust("2 seconds")
      yield* self.cancel(task)
      yield* self.cancel(task)
      yield* TestClock.adjust("5 seconds")
      assert.strictEqual(yield* Ref.get(ticks), 2)
      assert.strictEqual((yield* self.health).timers, 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-11 timeout(1s) runs exactly once, after 1s", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const { self } = yield* startIn("svc", {})
      yield* self.timeout("1 second", Ref.update(runs, (n) => n + 1))
      yield* TestClock.adjust("999 millis")
      assert.strictEqual(yield* Ref.get(runs), 0)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* Ref.get(runs), 1)
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(yield* Ref.get(runs), 1)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-12 cancelling a timeout before it fires prevents it", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const { self } = yield* startIn("svc", {})
      const task = yield* self.timeout("1 second", Ref.update(runs, (n) => n + 1))
      yield* TestClock.adjust("500 millis")
      yield* self.cancel(task)
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(yield* Ref.get(runs), 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-12 cancelling a timeout from inside its own effect does nothing: the effect completes", () =>
    Effect.gen(function*() {
      const { log, add } = recorder()
      const { self } = yield* startIn("svc", {})
      const task: { current?: Service.Task } = {}
      task.current = yield* self.timeout(
        "1 second",
        Effect.gen(function*() {
          yield* self.cancel(task.current!)
          yield* Effect.yieldNow
          yield* add("completed")
        })
      )
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(log, ["completed"])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-13 and SVC-14 stop prevents pending timeouts and spawnLater tasks", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const { self } = yield* startIn("svc", {})
      yield* self.timeout("1 second", Ref.update(runs, (n) => n + 1))
      yield* self.spawnLater("1 second", Ref.update(runs, (n) => n + 1))
      yield* self.stop
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual(yield* Ref.get(runs), 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-15 and weakness 16 stop interrupts a long-running task and waits until it has unwound", () =>
    Effect.gen(function*() {
      const { log, add } = recorder()
      const { self } = yield* startIn("svc", {})
      yield* self.spawn(Effect.never.pipe(Effect.onInterrupt(() => Effect.andThen(Effect.sleep("1 second"), add("unwound")))))
      const stopping = yield* Effect.forkChild(self.stop)
      yield* TestClock.adjust("500 millis")
      assert.isUndefined(stopping.pollUnsafe())
      yield* TestClock.adjust("500 millis")
      yield* Fiber.join(stopping)
      assert.deepStrictEqual(log, ["unwound"])
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-16 and SVC-17 a failing task is logged and untracked; a finished task is untracked", () =>
    Effect.gen(function*() {
      const { self } = yield* startIn("svc", {})
      yield* self.spawn(Effect.fail("task broke"), { label: "worker" })
      yield* self.spawn(Effect.void)
      yield* Effect.yieldNow
      assert.strictEqual((yield* self.health).fibers, 0)
      assert.strictEqual(yield* self.status, "running")
      const [error] = (yield* TestLogger.TestLogger).at("Error")
      assert.include(error!.message, "task 'worker' failed")
      assert.strictEqual(error!.annotations["service"], "svc")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-18 cancelling a spawnLater task before it starts prevents it", () =>
    Effect.gen(function*() {
      const runs = yield* Ref.make(0)
      const { self } = yield* startIn("svc", {})
      const task = yield* self.spawnLater("1 second", Ref.update(runs, (n) => n + 1))
      yield* self.cancel(task)
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(yield* Ref.get(runs), 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-19 teardown order: onStop, intervals, timeouts, tasks, listeners, children (newest first), cleanups (LIFO), stopped", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const bus = yield* Bus.Bus
      let self: Service.Service<{}> | undefined
      // Each entry records what is still alive at that point of the teardown.
      const add = (step: string) =>
        Effect.gen(function*() {
          const health = yield* self!.health
          log.push(`${step}: timers ${health.timers}, tasks ${health.fibers}, listeners ${bus.listenerCount(Ping)}`)
        })
      const started = yield* startIn("svc", {}, (svc) =>
        Effect.gen(function*() {
          self = svc
          yield* svc.addCleanup(add("cleanup 1"))
          yield* svc.adopt(Service.start("child 1", {}, (c) => c.addCleanup(add("child 1"))))
          yield* svc.adopt(Service.start("child 2", {}, (c) => c.addCleanup(add("child 2"))))
          yield* svc.addCleanup(add("cleanup 2"))
          yield* svc.listen(Ping, () => Effect.void)
          yield* svc.spawn(Effect.onInterrupt(Effect.never, () => add("task interrupted")))
          yield* svc.timeout("1 hour", Effect.void)
          yield* svc.interval("1 hour", Effect.void)
          yield* svc.onStop(add("onStop"))
        }))
      yield* started.self.stop
      assert.deepStrictEqual(log, [
        "onStop: timers 2, tasks 1, listeners 1",
        "task interrupted: timers 0, tasks 0, listeners 1",
        "child 2: timers 0, tasks 0, listeners 0",
        "child 1: timers 0, tasks 0, listeners 0",
        "cleanup 2: timers 0, tasks 0, listeners 0",
        "cleanup 1: timers 0, tasks 0, listeners 0"
      ])
      assert.strictEqual(yield* started.self.status, "stopped")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-22 and SVC-24 a failing cleanup or child teardown does not stop the others", () =>
    Effect.gen(function*() {
      const { log, add } = recorder()
      const { self } = yield* startIn("svc", {}, (self) =>
        Effect.gen(function*() {
          yield* self.addCleanup(add("cleanup 1"))
          yield* self.addCleanup(Effect.die("cleanup 2 broke"))
          yield* self.adopt(Service.start("good child", {}, (c) => c.addCleanup(add("good child"))))
          yield* self.adopt(Service.start("bad child", {}, (c) => c.addCleanup(Effect.fail("bad child broke"))))
        }))
      yield* self.stop
      assert.deepStrictEqual(log, ["good child", "cleanup 1"])
      const errors = (yield* TestLogger.TestLogger).at("Error").map((e) => e.cause)
      assert.isTrue(errors.some((c) => c.includes("cleanup 2 broke")))
      assert.isTrue(errors.some((c) => c.includes("bad child broke")))
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-23 a failing onStop hook does not prevent teardown", () =>
    Effect.gen(function*() {
      const { log, add } = recorder()
      const { self } = yield* startIn("svc", {}, (self) =>
        Effect.andThen(self.addCleanup(add("cleanup")), self.onStop(Effect.fail("hook broke"))))
      yield* self.stop
      assert.deepStrictEqual(log, ["cleanup"])
      assert.strictEqual(yield* self.status, "stopped")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-25 a listener is removed when its service stops", () =>
    Effect.gen(function*() {
      const heard: Array<string> = []
      const bus = yield* Bus.Bus
      const { self } = yield* startIn("svc", {}, (self) => self.on(Ping, (p) => void heard.push(p)))
      yield* bus.emitAndWait(Ping, "before")
      yield* self.stop
      yield* bus.emitAndWait(Ping, "after")
      assert.deepStrictEqual(heard, ["before"])
      assert.strictEqual(bus.listenerCount(), 0)
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("SVC-42 stop called from inside the service's own interval completes without deadlock", () =>
    Effect.gen(function*() {
      const { log, add } = recorder()
      const done = yield* Deferred.make<void>()
      const { self } = yield* startIn("svc", {}, (self) =>
        Effect.gen(function*() {
          yield* self.addCleanup(Effect.andThen(add("cleanup"), Deferred.succeed(done, undefined)))
          yield* self.interval("1 second", Effect.andThen(add("tick"), self.stop))
        }))
      yield* TestClock.adjust("1 second")
      yield* Deferred.await(done)
      assert.deepStrictEqual(log, ["tick", "cleanup"])
      assert.strictEqual(yield* self.status, "stopped")
    }).pipe(Effect.provide(TestSpecter.layer)))

  it.effect("a Service.layer starts on build and stops, in reverse order, when the app's scope closes", () =>
    Effect.gen(function*() {
      const { log, add } = recorder()
      class A extends Service.Tag<A>()("a", { n: 0 }) {}
      class B extends Service.Tag<B, { readonly twice: Effect.Effect<number> }>()("b", {}) {}
      const ALive = Service.layer(A, (self) => Effect.andThen(add("a up"), self.addCleanup(add("a down"))))
      const BLive = Service.layer(B, (self) =>
        Effect.gen(function*() {
          const a = yield* A
          yield* self.addCleanup(add("b down"))
          yield* add("b up")
          return { twice: Effect.map(a.get, (s) => s.n * 2) }
        })).pipe(Layer.provide(ALive))
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(BLive, scope)
      const b = yield* Effect.provide(B.use(Effect.succeed), context)
      assert.strictEqual(yield* b.twice, 0)
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(log, ["a up", "b up", "b down", "a down"])
    }).pipe(Effect.provide(TestSpecter.layer)))
})
