/**
 * The example as a real process: SIGTERM ends it within 2 s, even with a client
 * connected, and its log shows the services stopping in the reverse of their
 * start order, the helper process stopped with them. A `kill -9` cannot stop the
 * helper, but the helper does not outlive the server either.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as MainProcess from "./mainProcess.ts"

describe("shutdown", () => {
  it.live("SIGTERM with a client connected exits within 2 s, stopping each service before what it depends on, and the helper process", () =>
    Effect.gen(function*() {
      const server = yield* MainProcess.start()
      const helper = yield* MainProcess.helperPid(server.port)
      assert.isTrue(MainProcess.isRunning(helper))
      const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws`)
      yield* Effect.callback<void>((resume) => socket.addEventListener("open", () => resume(Effect.void)))
      let closeCode: number | undefined
      socket.addEventListener("close", (event) => void (closeCode = event.code))
      const start = Date.now()
      server.child.kill("SIGTERM")
      const { code } = yield* server.exited
      const elapsed = Date.now() - start
      assert.isBelow(elapsed, 2000)
      assert.strictEqual(code, 0)
      assert.strictEqual(closeCode, 1001)
      assert.isFalse(MainProcess.isRunning(helper), `the helper process ${helper} is still running`)
      const events = [...server.log().matchAll(/service '(\w+)' (started|stopped)/g)].map((m) => `${m[2]} ${m[1]}`)
      const started = events.filter((e) => e.startsWith("started")).map((e) => e.slice(8))
      const stopped = events.filter((e) => e.startsWith("stopped")).map((e) => e.slice(8))
      assert.sameMembers(started, ["clock", "load", "heartbeat", "inventory", "items", "reports", "reporting"])
      assert.sameMembers(stopped, started)
      // The Layer graph: items is provided with the inventory, so it starts after it and stops before it.
      assert.isBelow(started.indexOf("inventory"), started.indexOf("items"))
      assert.isBelow(stopped.indexOf("items"), stopped.indexOf("inventory"))
    }).pipe(Effect.scoped), 15_000)

  it.live("after kill -9 of the server, its helper process exits at its next write", () =>
    Effect.gen(function*() {
      const server = yield* MainProcess.start()
      const helper = yield* MainProcess.helperPid(server.port)
      server.child.kill("SIGKILL")
      assert.strictEqual((yield* server.exited).signal, "SIGKILL")
      // The helper writes once a second; its first write after the server is gone fails (EPIPE).
      const deadline = Date.now() + 2_500
      while (MainProcess.isRunning(helper) && Date.now() < deadline) yield* Effect.sleep("50 millis")
      assert.isFalse(MainProcess.isRunning(helper), `the helper process ${helper} outlived the server`)
    }).pipe(Effect.scoped), 15_000)
})
