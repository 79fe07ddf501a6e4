/**
 * ManagedProcess.make: the acceptance checks of specter-behaviour.md §8 and weakness
 * 28 of §20, with real child processes (Node scripts, fixtures in ./fixtures). Tests
 * wait on real events (a line, an exit, a stream's end), never on real time; the
 * library's own timers (the drain after the exit) run on the TestClock. The
 * spawner's SIGTERM-to-SIGKILL wait is native time, measured with Date.now.
 *
 * Checks the shape makes impossible to violate, so they have no test:
 * - PRC-01 (an invalid owner is rejected before spawning): the owner is the
 *   calling `Scope`, required by the type of `make`; there is nothing else to pass.
 * - PRC-02, first half (start while alive raises): there is no `start`; each `make`
 *   is a new process. The second half is tested below.
 * - PRC-07 (watch before start; a stream that is not piped): there is no value
 *   before the process has spawned, and stdout and stderr are always piped.
 * - PRC-09 (stop(timeout) overrides terminate_timeout): there is no stop method;
 *   an early stop is closing a scope, which takes no argument. The grace period is
 *   `terminateTimeout`, chosen at `make` (PRC-08 uses 300 ms).
 * - PRC-10 (stop twice is safe): closing a closed scope does nothing (Effect's
 *   `Scope.close`); there is no stop of our own to call twice.
 * - PRC-12 (follow_output returns one reader per handler): there are no readers to
 *   return; each consumer is one run of `stdout` or `stderr`.
 *
 * The original's chunk_size and strip=false modes are the byte streams here
 * (`stdoutBytes`): PRC-04 and PRC-05 check that they keep the output as written.
 * Tests: 18 before, 22 now. The three of PRC-09, PRC-10 and PRC-12 went with
 * those checks; added: a failing consumer (PRC-06, the Stream side), the drain
 * before the close returns, several consumers, a late consumer's replay, a slow
 * consumer's drops, the bus events of `make`, and a process without a Bus.
 *
 * Zombies: this container's PID 1 does not reap orphans, so a killed grandchild
 * stays a zombie (it can never run again); `alive` counts a zombie as gone.
 */
import { assert, describe, it } from "@effect/vitest"
import { NodeServices } from "@effect/platform-node"
import { Context, Deferred, Effect, Exit, Fiber, Layer, Metric, Option, Scope, Stream } from "effect"
import { TestClock } from "effect/testing"
import * as Bus from "../src/Bus.ts"
import * as ManagedProcess from "../src/ManagedProcess.ts"
import { alive, fixture, forever, node, script, take, TestLayer, TestLogger, until } from "./processHelpers.ts"

/** A scope of its own for the process, closed by the test: an early stop (shape 1). */
const forked = Effect.flatMap(Effect.scope, (scope) => Scope.fork(scope, "sequential"))

const exited = (code: number): ManagedProcess.ProcessExit => ({ _tag: "Exited", code })

const assertKilledBy = (exit: ManagedProcess.ProcessExit, signal: string) => {
  assert.strictEqual(exit._tag, "Killed")
  if (exit._tag === "Killed") assert.include(exit.message, signal)
}

describe("ManagedProcess", () => {
  it.effect("PRC-02 a second make after the first process exited runs a new process; the first keeps its exit", () =>
    Effect.gen(function*() {
      const first = yield* ManagedProcess.make(...script("process.exit(0)"))
      assert.deepStrictEqual(yield* first.exit, exited(0))
      const second = yield* ManagedProcess.make(...script(forever))
      assert.isTrue(yield* second.isRunning)
      assert.notStrictEqual(second.pid, first.pid)
      assert.deepStrictEqual(yield* first.exit, exited(0))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-03 a process made by a service layer is terminated when the layer is released", () =>
    Effect.gen(function*() {
      class Child extends Context.Service<Child, ManagedProcess.ManagedProcess>()("test/Child") {
        static readonly layer = Layer.effect(Child, ManagedProcess.make(...script(forever)))
      }
      const scope = yield* Scope.make()
      const proc = Context.get(yield* Layer.buildWithScope(Child.layer, scope), Child)
      assert.isTrue(alive(proc.pid))
      yield* Scope.close(scope, Exit.void)
      assert.isFalse(alive(proc.pid))
      assert.isFalse(yield* proc.isRunning)
      assertKilledBy(yield* proc.exit, "SIGTERM")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-04 lines lose their line ending (\\n, \\r\\n); the byte stream keeps the output as written", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(...script("process.stdout.write('a\\nb\\nx\\r\\nlast')"))
      const [lines, bytes] = yield* Effect.all([Stream.runCollect(proc.stdout), Stream.runCollect(proc.stdoutBytes)], {
        concurrency: 2
      })
      assert.deepStrictEqual(lines, ["a", "b", "x", "last"])
      assert.strictEqual(Buffer.concat(bytes).toString(), "a\nb\nx\r\nlast")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-05 the byte chunks of a 200 KB output concatenate to the output", () =>
    Effect.gen(function*() {
      const text = "0123456789".repeat(20_000)
      const proc = yield* ManagedProcess.make(...script("process.stdout.write('0123456789'.repeat(20000))"))
      const chunks = yield* Stream.runCollect(proc.stdoutBytes)
      assert.isAbove(chunks.length, 1)
      assert.strictEqual(Buffer.concat(chunks).toString(), text)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-06 (weakness 28a) listen logs a failing handler and gives it the next lines; the process keeps running", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(...script(`for (const l of ["one", "two", "three"]) console.log(l); ${forever}`))
      const got: Array<string> = []
      const three = yield* Deferred.make<void>()
      yield* ManagedProcess.listen(proc.stdout, (line) => {
        got.push(line)
        if (got.length === 3) Deferred.doneUnsafe(three, Exit.void)
        return line === "one" ? Effect.fail("handler broke") : Effect.void
      }, { label: "picky" })
      yield* Deferred.await(three)
      assert.deepStrictEqual(got, ["one", "two", "three"])
      assert.isTrue(yield* proc.isRunning)
      const errors = (yield* TestLogger.TestLogger).at("Error")
      assert.isTrue(errors.some((e) => e.message.includes("'picky' failed") && e.cause.includes("handler broke")))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-06 (weakness 28a) a failing consumer ends only itself: another consumer and the process go on", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(...script(`for (const l of ["one", "two", "three"]) console.log(l); ${forever}`))
      const failing = yield* Effect.forkChild(
        Stream.runForEach(proc.stdout, (line) => line === "one" ? Effect.fail("consumer broke") : Effect.void),
        { startImmediately: true }
      )
      const other = yield* Effect.forkChild(take(proc.stdout, 3), { startImmediately: true })
      assert.deepStrictEqual(yield* Fiber.await(failing), Exit.fail("consumer broke"))
      assert.deepStrictEqual(yield* Fiber.join(other), ["one", "two", "three"])
      assert.isTrue(yield* proc.isRunning)
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-08 a process that ignores SIGTERM is killed after terminateTimeout; the close returns within terminate + kill timeouts", () =>
    Effect.gen(function*() {
      const scope = yield* forked
      const proc = yield* ManagedProcess.make(...script(`process.on('SIGTERM', () => {}); console.log('up'); ${forever}`), {
        terminateTimeout: "300 millis",
        killTimeout: "200 millis"
      }).pipe(Scope.provide(scope))
      yield* until(proc.stdout, (line) => line === "up")
      const started = Date.now()
      yield* Scope.close(scope, Exit.void)
      const took = Date.now() - started
      assert.isAtLeast(took, 290)
      assert.isBelow(took, 300 + 200 + 300)
      assert.isFalse(alive(proc.pid))
      assertKilledBy(yield* proc.exit, "SIGKILL")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-08 no orphan after the scope closes: a process that ignores SIGTERM and its grandchild are both gone", () =>
    Effect.gen(function*() {
      const grace = 500
      const scope = yield* forked
      const proc = yield* ManagedProcess.make(node, [fixture("stubborn.mjs")], { terminateTimeout: `${grace} millis` })
        .pipe(Scope.provide(scope))
      const lines = yield* Effect.forkChild(Stream.runCollect(proc.stdout), { startImmediately: true })
      const [first, second] = yield* take(proc.stdout, 2)
      const pids = [first!, second!].map((line) => Number(line.split(" ")[1]))
      assert.isTrue(pids.every(alive))
      const started = Date.now()
      yield* Scope.close(scope, Exit.void)
      // The spawner waits up to 1 s after SIGKILL for the group: the grandchild is a zombie by then.
      assert.isBelow(Date.now() - started, grace + 1000 + 500)
      assert.deepStrictEqual(pids.map(alive), [false, false])
      assert.include(yield* Fiber.join(lines), "parent ignores SIGTERM")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-11 (weakness 28c) after the scope closes: not running, the pid is gone, and the exit is kept", () =>
    Effect.gen(function*() {
      const scope = yield* forked
      const proc = yield* ManagedProcess.make(...script(forever)).pipe(Scope.provide(scope))
      assert.isTrue(yield* proc.isRunning)
      yield* Scope.close(scope, Exit.void)
      assert.isFalse(yield* proc.isRunning)
      assert.isFalse(alive(proc.pid))
      assertKilledBy(yield* proc.exit, "SIGTERM")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-13 exit waits for the process; isRunning holds until it exits by itself, then its code is kept", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(...script("setTimeout(() => process.exit(3), 100)"))
      assert.isTrue(yield* proc.isRunning)
      assert.deepStrictEqual(yield* proc.exit, exited(3))
      assert.isFalse(yield* proc.isRunning)
      assert.deepStrictEqual(yield* proc.exit, exited(3))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-14 (weakness 28b) closing the scope drains the output first: a consumer in an outer scope gets the lines written on SIGTERM", () =>
    Effect.gen(function*() {
      const scope = yield* forked
      const proc = yield* ManagedProcess.make(node, [fixture("graceful.mjs")]).pipe(Scope.provide(scope))
      const consumer = yield* Effect.forkChild(Stream.runCollect(proc.stdout), { startImmediately: true })
      yield* until(proc.stdout, (line) => line === "ready")
      yield* Scope.close(scope, Exit.void)
      assert.deepStrictEqual(yield* Fiber.join(consumer), ["ready", "bye 1", "bye 2", "bye 3", "last words without newline"])
      assert.deepStrictEqual(yield* proc.exit, exited(0))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("the output is drained before the scope close returns: right after it, a new consumer gets the last lines and ends", () =>
    Effect.gen(function*() {
      const scope = yield* forked
      const proc = yield* ManagedProcess.make(node, [fixture("graceful.mjs")], { replay: 2 }).pipe(Scope.provide(scope))
      yield* until(proc.stdout, (line) => line === "ready")
      yield* Scope.close(scope, Exit.void)
      const late = yield* Effect.forkChild(Stream.runCollect(proc.stdout), { startImmediately: true })
      assert.deepStrictEqual(late.pollUnsafe(), Exit.succeed(["bye 3", "last words without newline"]))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-15 (weakness 28b) every line of a process that writes 200 000 lines and exits reaches the consumer", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(...script(
        "const out = []; for (let i = 0; i < 200000; i++) out.push('line ' + i); process.stdout.write(out.join('\\n') + '\\n')"
      ))
      const got = yield* Stream.runCollect(proc.stdout)
      assert.strictEqual(got.length, 200_000)
      assert.strictEqual(got[199_999], "line 199999")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-15 (weakness 28b) after the exit the output is read for killTimeout more (a grandchild holds the pipe), then it ends", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(node, [fixture("escapee.mjs")], { killTimeout: "400 millis" })
      const consumer = yield* Effect.forkChild(Stream.runCollect(proc.stdout), { startImmediately: true })
      const grandchild = Number((yield* take(proc.stdout, 1))[0]!.split(" ")[1])
      yield* Effect.addFinalizer(() => Effect.sync(() => alive(grandchild) && process.kill(grandchild, "SIGKILL")))
      assert.deepStrictEqual(yield* proc.exit, exited(0))
      yield* until(proc.stdout, (line) => line === "late") // written by the grandchild 100 ms after the exit
      yield* TestClock.adjust("399 millis")
      assert.isUndefined(consumer.pollUnsafe())
      yield* TestClock.adjust("1 milli")
      assert.deepStrictEqual(yield* Fiber.join(consumer), [`grandchild ${grandchild}`, "late"])
      const warnings = (yield* TestLogger.TestLogger).at("Warn")
      assert.isTrue(warnings.some((e) => e.message.includes("output still open 400ms after the exit")))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-19 a command that cannot be spawned fails make with ProcessSpawnError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(ManagedProcess.make("/no/such/executable", ["x"], { name: "ghost" }))
      assert.strictEqual(error._tag, "ProcessSpawnError")
      assert.strictEqual(error.process, "ghost")
      assert.strictEqual(error.command, "/no/such/executable x")
      assert.include(error.message, "/no/such/executable")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-20 env (extending the parent's) and cwd reach the process", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(...script("console.log(process.env.GREETING, process.cwd(), !!process.env.PATH)"), {
        env: { GREETING: "hello" },
        cwd: "/tmp"
      })
      assert.deepStrictEqual(yield* Stream.runCollect(proc.stdout), ["hello /tmp true"])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-22 a consumer stops the process from inside its handler: the close completes, then its stream ends", () =>
    Effect.gen(function*() {
      const scope = yield* forked
      const proc = yield* ManagedProcess.make(...script(`console.log('stop me'); ${forever}`)).pipe(Scope.provide(scope))
      const log: Array<string> = []
      yield* Stream.runForEach(proc.stdout, (line) =>
        Effect.gen(function*() {
          log.push(line)
          yield* Scope.close(scope, Exit.void)
          log.push("closed")
        }))
      assert.deepStrictEqual(log, ["stop me", "closed"])
      assertKilledBy(yield* proc.exit, "SIGTERM")
    }).pipe(Effect.provide(TestLayer)))

  it.effect("several consumers of stdout each get every line", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(...script("for (let i = 1; i <= 50; i++) console.log(i)"))
      const all = yield* Effect.all([1, 2, 3].map(() => Stream.runCollect(proc.stdout)), { concurrency: "unbounded" })
      const expected = Array.from({ length: 50 }, (_, i) => String(i + 1))
      assert.deepStrictEqual(all, [expected, expected, expected])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a consumer that starts after the output ended gets the last `replay` lines, then the end", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(...script("for (let i = 1; i <= 10; i++) console.log(i)"), { replay: 3 })
      yield* Stream.runDrain(proc.stdout)
      assert.deepStrictEqual(yield* Stream.runCollect(proc.stdout), ["8", "9", "10"])
      assert.deepStrictEqual(yield* Stream.runCollect(proc.stderr), [])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("a consumer more than `capacity` lines behind loses the oldest ones, counted; the others miss nothing", () =>
    Effect.gen(function*() {
      const name = `slow-${Date.now()}`
      const dropped = Metric.withAttributes(ManagedProcess.outputDropped, { process: name, output: "stdout" })
      const proc = yield* ManagedProcess.make(...script("for (let i = 1; i <= 100; i++) console.log(i)"), { name, capacity: 10 })
      const gate = yield* Deferred.make<void>()
      const slow = yield* Effect.forkChild(
        Stream.runCollect(Stream.tap(proc.stdout, (line) => line === "1" ? Deferred.await(gate) : Effect.void)),
        { startImmediately: true }
      )
      const fast = yield* Stream.runCollect(proc.stdout)
      yield* Deferred.succeed(gate, undefined)
      const slowGot = yield* Fiber.join(slow)
      const lost = Number((yield* Metric.value(dropped)).count)
      assert.strictEqual(fast.length, 100)
      assert.isAbove(lost, 0)
      assert.strictEqual(slowGot.length + lost, 100)
      assert.deepStrictEqual(slowGot.slice(-10), fast.slice(-10))
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-21 make publishes Started, Line, Exited, Failed and Stopped on the bus", () =>
    Effect.gen(function*() {
      const seen = yield* Effect.all([
        Bus.subscribe(ManagedProcess.Started),
        Bus.subscribe(ManagedProcess.Line),
        Bus.subscribe(ManagedProcess.Exited),
        Bus.subscribe(ManagedProcess.Failed),
        Bus.subscribe(ManagedProcess.Stopped)
      ])
      const proc = yield* ManagedProcess.make(...script("console.error('oops'); process.exit(2)"), { name: "p", publishLines: true })
      const [started, line, exit, failed, stopped] = yield* Effect.all(seen.map((events) => take<unknown>(events, 1)))
      assert.deepStrictEqual(started, [{ process: "p", pid: proc.pid, restarts: 0 }])
      assert.deepStrictEqual(line, [{ process: "p", stream: "stderr", line: "oops" }])
      assert.deepStrictEqual(exit, [{ process: "p", pid: proc.pid, exit: exited(2) }])
      assert.deepStrictEqual(failed, [{ process: "p", reason: "exited with code 2", exit: Option.some(exited(2)) }])
      assert.deepStrictEqual(stopped, [{ process: "p", exit: Option.some(exited(2)) }])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("without a Bus in context a process runs all the same", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.make(...script("console.log('no bus')"), { publishLines: true })
      assert.deepStrictEqual(yield* Stream.runCollect(proc.stdout), ["no bus"])
      assert.deepStrictEqual(yield* proc.exit, exited(0))
    }).pipe(Effect.provide(NodeServices.layer)))
})
