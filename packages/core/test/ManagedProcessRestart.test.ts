/**
 * ManagedProcess.supervise: restarts on a Schedule, their reset, the state of a
 * supervision, one stdout across runs, and the lifecycle events on the bus
 * (specter-behaviour.md §8), with real child processes. Processes are killed for
 * real; the restart delays run on the TestClock, so each delay is checked to the
 * millisecond. The rest of §8 is in ManagedProcess.test.ts.
 *
 * Tests: 4 before, 6 now; added: stdout continuing across restarts, and a
 * restart that cannot spawn.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Option, Schedule, Scope, Stream } from "effect"
import { TestClock } from "effect/testing"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Bus from "../src/Bus.ts"
import * as ManagedProcess from "../src/ManagedProcess.ts"
import { alive, forever, script, take, TestLayer, until } from "./processHelpers.ts"

const exited = (code: number): ManagedProcess.ProcessExit => ({ _tag: "Exited", code })

const forked = Effect.flatMap(Effect.scope, (scope) => Scope.fork(scope, "sequential"))

const currentPid = (supervised: ManagedProcess.Supervised) =>
  Effect.map(supervised.state, (state) => Option.getOrThrow(state.current).pid)

/** Kills the current run, then lets exactly `delay` of (test) time pass: the next run starts at its end, not before. */
const killAndRestart = (supervised: ManagedProcess.Supervised, delay: number, restarts: number) =>
  Effect.gen(function*() {
    process.kill(yield* currentPid(supervised), "SIGKILL")
    yield* until(supervised.changes, (s) => Option.isNone(s.current))
    yield* TestClock.adjust(Duration.millis(delay - 1))
    assert.isTrue(Option.isNone((yield* supervised.state).current))
    yield* TestClock.adjust("1 milli")
    yield* until(supervised.changes, (s) => Option.isSome(s.current) && s.restarts === restarts)
  })

describe("ManagedProcess.supervise", () => {
  it.effect("PRC-16 a supervised process killed 5 times is restarted 5 times with the schedule's backoff; closing the scope stops it for good", () =>
    Effect.gen(function*() {
      const restarted = yield* Bus.subscribe(ManagedProcess.Restarted)
      const stopped = yield* Bus.subscribe(ManagedProcess.Stopped)
      const scope = yield* forked
      const supervised = yield* ManagedProcess.supervise(...script(forever), {
        restart: ManagedProcess.restartPolicy({ base: "50 millis", max: "200 millis", times: 10 })
      }).pipe(Scope.provide(scope))
      const delays = [50, 100, 200, 200, 200]
      for (let n = 0; n < delays.length; n++) yield* killAndRestart(supervised, delays[n]!, n + 1)
      assert.deepStrictEqual((yield* take(restarted, 5)).map((e) => Duration.toMillis(e.delay)), delays)
      const state = yield* supervised.state
      assert.strictEqual(state.restarts, 5)
      assert.deepInclude(Option.getOrThrow(state.lastExit), { _tag: "Killed" })
      const last = yield* currentPid(supervised)
      yield* Scope.close(scope, Exit.void)
      assert.isFalse(alive(last))
      assert.deepInclude(yield* supervised.state, { restarts: 5, stopped: true, current: Option.none() })
      const [stop] = yield* take(stopped, 1)
      assert.deepInclude(Option.getOrThrow(stop!.exit), { _tag: "Killed" })
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-17 the restart schedule ends: a process that keeps crashing stays down after its last restart", () =>
    Effect.gen(function*() {
      const failed = yield* Bus.subscribe(ManagedProcess.Failed)
      const supervised = yield* ManagedProcess.supervise(...script("process.exit(1)"), {
        restart: Schedule.spaced("20 millis").pipe(Schedule.upTo({ times: 2 }))
      })
      const stdout = yield* Effect.forkChild(Stream.runDrain(supervised.stdout), { startImmediately: true })
      for (let n = 0; n < 2; n++) {
        yield* until(supervised.changes, (s) => Option.isNone(s.current) && s.restarts === n)
        yield* TestClock.adjust("20 millis")
      }
      yield* Fiber.join(stdout) // the line streams end when the supervision is over
      assert.deepStrictEqual(yield* supervised.state, {
        current: Option.none(),
        restarts: 2,
        lastExit: Option.some(exited(1)),
        stopped: true
      })
      assert.deepStrictEqual((yield* take(failed, 3)).map((e) => e.reason), [
        "exited with code 1",
        "exited with code 1",
        "exited with code 1"
      ])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-18 a run that lasted resetAfter starts the restart schedule over", () =>
    Effect.gen(function*() {
      const restarted = yield* Bus.subscribe(ManagedProcess.Restarted)
      const supervised = yield* ManagedProcess.supervise(...script(forever), {
        restart: ManagedProcess.restartPolicy({ base: "20 millis", max: "1 second", times: 3 }),
        resetAfter: "400 millis"
      })
      yield* killAndRestart(supervised, 20, 1)
      yield* killAndRestart(supervised, 40, 2)
      yield* TestClock.adjust("400 millis") // run 3 is healthy for resetAfter
      yield* killAndRestart(supervised, 20, 3)
      assert.deepStrictEqual((yield* take(restarted, 3)).map((e) => Duration.toMillis(e.delay)), [20, 40, 20])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("stdout continues across restarts: one consumer gets the lines of every run, then the end", () =>
    Effect.gen(function*() {
      const started = yield* Bus.subscribe(ManagedProcess.Started)
      const supervised = yield* ManagedProcess.supervise(...script("console.log('run ' + process.pid); process.exit(1)"), {
        restart: Schedule.recurs(2)
      })
      const lines = yield* Stream.runCollect(supervised.stdout)
      const pids = (yield* take(started, 3)).map((e) => e.pid)
      assert.deepStrictEqual(lines, pids.map((pid) => `run ${pid}`))
      assert.strictEqual(new Set(pids).size, 3)
      assert.deepStrictEqual(yield* Stream.runCollect(supervised.stderr), [])
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-19 a restart that cannot spawn publishes Failed and asks the schedule again", () =>
    Effect.gen(function*() {
      const failed = yield* Bus.subscribe(ManagedProcess.Failed)
      const cwd = mkdtempSync(join(tmpdir(), "specter-gone-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(cwd, { recursive: true, force: true })))
      // The first run removes its own working directory: no later run can spawn.
      const supervised = yield* ManagedProcess.supervise(...script("require('fs').rmdirSync(process.cwd())"), {
        cwd,
        restart: Schedule.recurs(2)
      })
      yield* Stream.runDrain(supervised.stdout)
      const reasons = (yield* take(failed, 2)).map((e) => e.reason)
      assert.strictEqual(reasons.length, 2)
      assert.isTrue(reasons.every((reason) => reason.startsWith("restart failed: ") && reason.includes(cwd)))
      assert.deepInclude(yield* supervised.state, { restarts: 0, stopped: true, lastExit: Option.some(exited(0)) })
    }).pipe(Effect.provide(TestLayer)))

  it.effect("PRC-21 lifecycle events on the bus: Started, Line, Exited, Failed, Restarted, Stopped", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const record = <A>(event: Bus.Event<A>, show: (payload: A) => string) => Bus.on(event, (e) => void seen.push(show(e)))
      yield* record(ManagedProcess.Started, (e) => `started ${e.process} #${e.restarts}`)
      yield* record(ManagedProcess.Line, (e) => `${e.stream}: ${e.line}`)
      yield* record(ManagedProcess.Exited, (e) => `exited ${e.exit._tag === "Exited" ? e.exit.code : "killed"}`)
      yield* record(ManagedProcess.Failed, (e) => `failed ${e.reason}`)
      yield* record(ManagedProcess.Restarted, (e) => `restarted #${e.restarts}`)
      const stopped = yield* Bus.subscribe(ManagedProcess.Stopped)
      yield* ManagedProcess.supervise(...script("console.error('oops'); process.exit(2)"), {
        name: "p",
        publishLines: true,
        restart: Schedule.recurs(1)
      })
      yield* take(stopped, 1)
      assert.deepStrictEqual(seen, [
        "started p #0",
        "stderr: oops",
        "exited 2",
        "failed exited with code 2",
        "restarted #1",
        "started p #1",
        "stderr: oops",
        "exited 2",
        "failed exited with code 2"
      ])
    }).pipe(Effect.provide(TestLayer)))
})
