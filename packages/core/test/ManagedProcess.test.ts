/**
 * ManagedProcess: the acceptance checks of specter-behaviour.md §8 and weakness 28
 * of §20, with real child processes (Node scripts) and short real durations.
 *
 * Checks the design makes impossible to violate, and so has no test:
 * - PRC-01 (an invalid owner is rejected before spawning): the owner is the calling
 *   `Scope`, required by the type of `start`; there is nothing else to pass.
 * - PRC-02, first half (start while alive raises): `start` returns a new, running
 *   handle and the handle has no `start`; a second process is a second `start`.
 *   The second half (start after the previous process exited) is tested below.
 * - PRC-07 (watch_stream before start; on a stream that is not piped): there is no
 *   handle before the process has spawned, and stdout and stderr are always piped.
 *
 * The original's `strip=false` and binary line modes are the byte streams here
 * (`stdoutBytes`, `watchBytes`): PRC-04 checks that they keep the output as written.
 *
 * Zombies: this container's PID 1 does not reap orphans, so a killed grandchild
 * stays in the process table as a zombie (state `Z`): it has exited and can no
 * longer run. `alive` counts a zombie as gone. For the same reason Effect's
 * spawner, which waits up to 1 s after SIGKILL for the process group to empty,
 * waits that full second when the group holds such a zombie.
 */
import { assert, describe, it } from "@effect/vitest"
import { Bus, ManagedProcess, Service } from "@specter/core"
import { TestLogger } from "@specter/testing"
import { Duration, Effect, Fiber, Option, Scope, Stream } from "effect"
import { alive, eventually, fixture, forever, lines, node, script, TestLayer } from "./processHelpers.ts"

describe("ManagedProcess", () => {
  it.live("PRC-02 a process can be started again under the same name once the previous one exited", () =>
    Effect.gen(function*() {
      const first = yield* ManagedProcess.start("job", ...script("process.exit(0)"))
      assert.deepStrictEqual(yield* first.awaitExit, { code: 0, signal: null })
      const second = yield* ManagedProcess.start("job", ...script(forever))
      assert.isTrue(yield* second.running)
      assert.deepStrictEqual(yield* first.exit, Option.some({ code: 0, signal: null }))
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-03 a service that started a process (adopt) terminates it when it stops", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const [service, proc] = yield* Scope.provide(
        Service.start("svc", {}, (self) => self.adopt(ManagedProcess.start("child", ...script(forever)))),
        scope
      )
      const pid = Option.getOrThrow(yield* proc.pid)
      assert.isTrue(alive(pid))
      yield* service.stop
      assert.isFalse(alive(pid))
      assert.isFalse(yield* proc.running)
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-04 lines lose their line ending (\\n, \\r\\n); the byte stream keeps the output as written", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.start("echo", ...script("process.stdout.write('a\\nb\\nx\\r\\nlast')"))
      const got = yield* lines(proc)
      const bytes: Array<Uint8Array> = []
      yield* proc.watchBytes("stdout", (chunk) => Effect.sync(() => void bytes.push(chunk)))
      yield* proc.awaitExit
      yield* eventually(() => got.length === 4)
      assert.deepStrictEqual(got, ["a", "b", "x", "last"])
      assert.strictEqual(Buffer.concat(bytes).toString(), "a\nb\nx\r\nlast")
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-05 watchBytes with chunkSize delivers chunks of at most that size whose concatenation is the output", () =>
    Effect.gen(function*() {
      const text = "0123456789".repeat(20)
      const proc = yield* ManagedProcess.start("bytes", ...script(`process.stdout.write(${JSON.stringify(text)})`))
      const chunks: Array<Uint8Array> = []
      const fiber = yield* proc.watchBytes("stdout", (chunk) => Effect.sync(() => void chunks.push(chunk)), { chunkSize: 7 })
      yield* Fiber.join(fiber) // ends when the process is down for good
      assert.isTrue(chunks.every((chunk) => chunk.length <= 7))
      assert.strictEqual(Buffer.concat(chunks).toString(), text)
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-06 (weakness 28a) a failing handler is logged and still gets the next lines; the process keeps running", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.start("chatty", ...script(`for (const l of ["one", "two", "three"]) console.log(l); ${forever}`))
      const got: Array<string> = []
      yield* proc.watchStream("stdout", (line) => {
        got.push(line)
        return line === "one" ? Effect.fail("handler broke") : Effect.void
      }, { label: "picky" })
      yield* eventually(() => got.length === 3)
      assert.deepStrictEqual(got, ["one", "two", "three"])
      assert.isTrue(yield* proc.running)
      const logs = yield* TestLogger.TestLogger
      assert.isTrue(logs.at("Error").some((e) => e.message.includes("picky failed") && e.cause.includes("handler broke")))
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-08 a process that ignores SIGTERM is killed after terminateTimeout; stop returns within terminate + kill timeouts", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.start("deaf", ...script(`process.on('SIGTERM', () => {}); console.log('up'); ${forever}`), {
        terminateTimeout: "300 millis",
        killTimeout: "200 millis"
      })
      const got = yield* lines(proc)
      yield* eventually(() => got.length === 1)
      const started = Date.now()
      yield* proc.stop
      const took = Date.now() - started
      assert.isAtLeast(took, 290)
      assert.isBelow(took, 300 + 200 + 300)
      assert.deepStrictEqual(yield* proc.exit, Option.some({ code: null, signal: "SIGKILL" }))
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-08b a process that ignores SIGTERM and has a grandchild: both pids are gone within the grace period + 1 s", () =>
    Effect.gen(function*() {
      const grace = 500
      const proc = yield* ManagedProcess.start("family", node, [fixture("stubborn.mjs")], { terminateTimeout: Duration.millis(grace) })
      const got = yield* lines(proc)
      yield* eventually(() => got.some((l) => l.startsWith("parent")) && got.some((l) => l.startsWith("grandchild")))
      const pids = got.filter((l) => /^(parent|grandchild) \d+$/.test(l)).map((l) => Number(l.split(" ")[1]))
      assert.strictEqual(pids.length, 2)
      assert.isTrue(pids.every(alive))
      const started = Date.now()
      let goneAfter: number | undefined
      const watch = yield* Effect.forkChild(eventually(() => !pids.some(alive), "3 seconds").pipe(
        Effect.tap(() => Effect.sync(() => void (goneAfter = Date.now() - started)))
      ))
      yield* proc.stop
      const took = Date.now() - started
      yield* Fiber.join(watch)
      assert.isDefined(goneAfter)
      assert.isAtMost(goneAfter!, grace + 1000)
      assert.isBelow(took, grace + 1000 + 500) // the spawner's post-SIGKILL wait (see the header)
      assert.include(got, "parent ignores SIGTERM")
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-09 stopWith(200 ms) uses 200 ms instead of terminateTimeout", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.start("deaf", ...script(`process.on('SIGTERM', () => {}); console.log('up'); ${forever}`), {
        terminateTimeout: "10 seconds"
      })
      const got = yield* lines(proc)
      yield* eventually(() => got.length === 1)
      const started = Date.now()
      yield* proc.stopWith("200 millis")
      assert.isBelow(Date.now() - started, 1000)
      assert.deepStrictEqual(yield* proc.exit, Option.some({ code: null, signal: "SIGKILL" }))
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-10 stop twice is safe; the second stop returns at once", () =>
    Effect.gen(function*() {
      const stopped: Array<string> = []
      yield* Bus.Bus.use((bus) => bus.on(ManagedProcess.Stopped, (e) => void stopped.push(e.process)))
      const proc = yield* ManagedProcess.start("p", ...script(forever))
      yield* proc.stop
      const started = Date.now()
      yield* proc.stop
      assert.isBelow(Date.now() - started, 50)
      yield* eventually(() => stopped.length === 1)
      yield* Effect.sleep("50 millis")
      assert.deepStrictEqual(stopped, ["p"])
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-11 (weakness 28c) after stop: not running, no pid, and the exit code and signal are kept", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.start("p", ...script(forever))
      const pid = Option.getOrThrow(yield* proc.pid)
      yield* proc.stop
      assert.isFalse(yield* proc.running)
      assert.deepStrictEqual(yield* proc.pid, Option.none())
      assert.deepStrictEqual(yield* proc.exit, Option.some({ code: null, signal: "SIGTERM" }))
      const health = yield* proc.health
      assert.deepInclude(health, { running: false, restarts: 0 })
      assert.deepStrictEqual(health.exit, Option.some({ code: null, signal: "SIGTERM" }))
      assert.isFalse(alive(pid))
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-12 followOutput with only a stdout handler returns one reader", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.start("p", ...script("console.log('out'); console.error('err')"))
      const out: Array<string> = []
      const fibers = yield* proc.followOutput({ stdout: (line) => Effect.sync(() => void out.push(line)) })
      assert.strictEqual(fibers.length, 1)
      yield* Fiber.joinAll(fibers)
      assert.deepStrictEqual(out, ["out"])
      const both = yield* ManagedProcess.start("q", ...script("console.log('out'); console.error('err')"))
      const all: Array<string> = []
      const two = yield* both.followOutput({
        stdout: (line) => Effect.sync(() => void all.push(`1:${line}`)),
        stderr: (line) => Effect.sync(() => void all.push(`2:${line}`))
      })
      yield* Fiber.joinAll(two)
      assert.sameMembers(all, ["1:out", "2:err"])
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-13 exit is None while the process runs, and its exit code after a natural exit", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.start("p", ...script("setTimeout(() => process.exit(3), 100)"))
      assert.deepStrictEqual(yield* proc.exit, Option.none())
      assert.deepStrictEqual(yield* proc.awaitExit, { code: 3, signal: null })
      assert.deepStrictEqual(yield* proc.exit, Option.some({ code: 3, signal: null }))
      assert.isFalse(yield* proc.running)
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-14 (weakness 28b) stop drains the output first: the lines written on SIGTERM arrive", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.start("polite", node, [fixture("graceful.mjs")])
      const got = yield* lines(proc)
      yield* eventually(() => got.length === 1)
      yield* proc.stop
      assert.deepStrictEqual(got, ["ready", "bye 1", "bye 2", "bye 3", "last words without newline"])
      assert.deepStrictEqual(yield* proc.exit, Option.some({ code: 0, signal: null }))
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-15 (weakness 28b) every line of a process that writes a lot and exits is delivered", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.start("burst", ...script("const out = []; for (let i = 0; i < 200000; i++) out.push('line ' + i); process.stdout.write(out.join('\\n') + '\\n')"))
      const out = yield* Stream.runCollect(proc.stdout).pipe(Effect.forkChild({ startImmediately: true }))
      const got = yield* Fiber.join(out)
      assert.strictEqual(got.length, 200000)
      assert.strictEqual(got[199999], "line 199999")
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-15b (weakness 28b) after the process exited its output drains to the end, for at most killTimeout", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.start("leaver", node, [fixture("escapee.mjs")], { killTimeout: "400 millis" })
      const got = yield* lines(proc)
      let grandchild = 0
      yield* Effect.addFinalizer(() => Effect.sync(() => grandchild > 0 && alive(grandchild) && process.kill(grandchild, "SIGKILL")))
      yield* eventually(() => got.length > 0)
      grandchild = Number(got[0]!.split(" ")[1])
      assert.deepStrictEqual(yield* proc.awaitExit, { code: 0, signal: null })
      const exited = Date.now()
      // The grandchild escaped the process group and keeps the pipe open: the readers
      // take what it writes until killTimeout, then let go.
      yield* Stream.runDrain(proc.stdout)
      const took = Date.now() - exited
      assert.deepStrictEqual(got, [`grandchild ${grandchild}`, "late"])
      assert.isBelow(took, 400 + 300)
      const logs = yield* TestLogger.TestLogger
      assert.isTrue(logs.at("Warn").some((e) => e.message.includes("output still open")))
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-19 a command that cannot be spawned fails start with ProcessSpawnError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(ManagedProcess.start("ghost", "/no/such/executable", []))
      assert.strictEqual(error._tag, "ProcessSpawnError")
      assert.strictEqual(error.process, "ghost")
      assert.include(error.message, "/no/such/executable")
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-20 env (extending the parent's) and cwd reach the process", () =>
    Effect.gen(function*() {
      const proc = yield* ManagedProcess.start("env", ...script("console.log(process.env.GREETING, process.cwd(), !!process.env.PATH)"), {
        env: { GREETING: "hello" },
        cwd: "/tmp"
      })
      const got = yield* lines(proc)
      yield* proc.awaitExit
      yield* eventually(() => got.length === 1)
      assert.deepStrictEqual(got, ["hello /tmp true"])
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-22 stop from inside an output handler returns at once, the rest of the handler runs, and the stop completes", () =>
    Effect.gen(function*() {
      const log: Array<string> = []
      const proc = yield* ManagedProcess.start("p", ...script(`console.log('stop me'); ${forever}`))
      yield* proc.watchStream("stdout", () =>
        Effect.gen(function*() {
          log.push("stopping")
          yield* proc.stop
          log.push("stopped")
        }))
      yield* eventually(() => log.length === 2)
      assert.deepStrictEqual(log, ["stopping", "stopped"])
      yield* proc.stop // waits for the stop in flight
      assert.isFalse(yield* proc.running)
      assert.deepStrictEqual(yield* proc.exit, Option.some({ code: null, signal: "SIGTERM" }))
      assert.strictEqual((yield* proc.health).handlers, 0)
    }).pipe(Effect.provide(TestLayer)))
})
