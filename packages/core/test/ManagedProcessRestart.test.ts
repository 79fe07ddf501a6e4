/**
 * ManagedProcess supervision: restarts on a Schedule, their reset, and the
 * lifecycle events on the bus (specter-behaviour.md §8, issue 5), with real child
 * processes. The rest of §8 is in ManagedProcess.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Bus, ManagedProcess } from "@specter/core"
import { Duration, Effect, Fiber, Option, Schedule, Stream } from "effect"
import { rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { alive, eventually, forever, node, script, TestLayer } from "./processHelpers.ts"

describe("ManagedProcess supervision", () => {
  it.live("PRC-16 the supervised process killed 5 times is restarted 5 times with the Schedule's backoff, then stops cleanly", () =>
    Effect.gen(function*() {
      const bus = yield* Bus.Bus
      const restarts: Array<{ pid: number; delay: number; at: number }> = []
      const exits: Array<{ pid: number; at: number; signal: string | null }> = []
      const stopped: Array<ManagedProcess.ProcessExit | null> = []
      yield* bus.on(ManagedProcess.Restarted, (e) =>
        void restarts.push({ pid: e.pid, delay: Duration.toMillis(e.delay), at: Date.now() }))
      yield* bus.on(ManagedProcess.Exited, (e) => void exits.push({ pid: e.pid, at: Date.now(), signal: e.exit.signal }))
      yield* bus.on(ManagedProcess.Stopped, (e) => void stopped.push(e.exit))
      const policy = ManagedProcess.restartPolicy({ base: "50 millis", max: "200 millis", times: 10 })
      const proc = yield* ManagedProcess.start("worker", ...script(forever), { restart: policy })
      for (let kill = 1; kill <= 5; kill++) {
        const pid = Option.getOrThrow(yield* proc.pid)
        process.kill(pid, "SIGKILL")
        yield* eventually(() => restarts.length === kill)
        yield* eventually(() => Effect.map(proc.pid, Option.isSome))
      }
      assert.deepStrictEqual(restarts.map((r) => r.delay), [50, 100, 200, 200, 200])
      assert.deepStrictEqual(exits.map((e) => e.signal), ["SIGKILL", "SIGKILL", "SIGKILL", "SIGKILL", "SIGKILL"])
      for (let i = 0; i < 5; i++) assert.isAtLeast(restarts[i]!.at - exits[i]!.at, restarts[i]!.delay - 15)
      assert.strictEqual((yield* proc.health).restarts, 5)
      const last = Option.getOrThrow(yield* proc.pid)
      yield* proc.stop
      assert.isFalse(alive(last))
      assert.isFalse(yield* proc.running)
      yield* Effect.sleep("300 millis") // no restart after a stop
      assert.strictEqual(restarts.length, 5)
      assert.deepStrictEqual(stopped, [{ code: null, signal: "SIGTERM" }])
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-17 the restart schedule ends: a process that keeps crashing stays down after its last restart", () =>
    Effect.gen(function*() {
      const bus = yield* Bus.Bus
      const failed: Array<string> = []
      yield* bus.on(ManagedProcess.Failed, (e) => void failed.push(e.reason))
      const proc = yield* ManagedProcess.start("crashy", ...script("process.exit(1)"), {
        restart: Schedule.spaced("20 millis").pipe(Schedule.upTo({ times: 2 }))
      })
      const stdout = yield* Effect.forkChild(Stream.runDrain(proc.stdout), { startImmediately: true })
      yield* Fiber.join(stdout) // the streams end when the process is down for good
      assert.strictEqual((yield* proc.health).restarts, 2)
      yield* eventually(() => failed.length >= 3) // bus listeners run on their own fibers
      yield* Effect.sleep("50 millis")
      assert.deepStrictEqual(failed, ["exited with code 1", "exited with code 1", "exited with code 1"])
      assert.deepStrictEqual(yield* proc.exit, Option.some({ code: 1, signal: null }))
      yield* proc.stop // already down: returns at once
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-18 a run that lasted resetAfter resets the restart schedule", () =>
    Effect.gen(function*() {
      const bus = yield* Bus.Bus
      const delays: Array<number> = []
      yield* bus.on(ManagedProcess.Restarted, (e) => void delays.push(Duration.toMillis(e.delay)))
      // Runs 1 and 2 crash at once, run 3 lives 800 ms (longer than resetAfter), run 4 crashes at once.
      const source = `const fs = require('fs'); const f = process.argv[1];
        const n = Number(fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '0') + 1; fs.writeFileSync(f, String(n));
        setTimeout(() => process.exit(1), n === 3 ? 800 : 0)`
      const counter = join(tmpdir(), `specter-runs-${process.pid}-${Date.now()}`)
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(counter, { force: true })))
      yield* ManagedProcess.start("flaky", node, ["-e", source, counter], {
        restart: ManagedProcess.restartPolicy({ base: "20 millis", max: "1 second", times: 3 }),
        resetAfter: "400 millis"
      })
      yield* eventually(() => delays.length === 3)
      assert.deepStrictEqual(delays, [20, 40, 20])
    }).pipe(Effect.provide(TestLayer)))

  it.live("PRC-21 lifecycle events on the bus: Started, Line, Exited, Failed, Restarted, Stopped", () =>
    Effect.gen(function*() {
      const bus = yield* Bus.Bus
      const seen: Array<string> = []
      yield* bus.on(ManagedProcess.Started, (e) => void seen.push(`started ${e.process} #${e.restarts}`))
      yield* bus.on(ManagedProcess.Line, (e) => void seen.push(`${e.stream}: ${e.line}`))
      yield* bus.on(ManagedProcess.Exited, (e) => void seen.push(`exited ${e.exit.code}`))
      yield* bus.on(ManagedProcess.Failed, (e) => void seen.push(`failed ${e.reason}`))
      yield* bus.on(ManagedProcess.Restarted, (e) => void seen.push(`restarted #${e.restarts}`))
      yield* bus.on(ManagedProcess.Stopped, (e) => void seen.push(`stopped ${e.exit?.code}`))
      yield* ManagedProcess.start("p", ...script("console.error('oops'); process.exit(2)"), {
        publishLines: true,
        restart: Schedule.spaced("10 millis").pipe(Schedule.upTo({ times: 1 }))
      })
      yield* eventually(() => seen.includes("stopped 2"))
      assert.deepStrictEqual(seen, [
        "started p #0",
        "stderr: oops",
        "exited 2",
        "failed exited with code 2",
        "restarted #1",
        "started p #1",
        "stderr: oops",
        "exited 2",
        "failed exited with code 2",
        "stopped 2"
      ])
    }).pipe(Effect.provide(TestLayer)))
})
