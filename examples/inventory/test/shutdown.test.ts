/**
 * The example as a real process: SIGTERM ends it within 2 s, even with a client
 * connected, and its log shows the services stopping in the reverse of their
 * start order.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const main = fileURLToPath(new URL("../src/main.ts", import.meta.url))

describe("shutdown", () => {
  it.live("SIGTERM with a client connected exits within 2 s, stopping services in reverse start order", () =>
    Effect.gen(function*() {
      const child = spawn(process.execPath, [main], { env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] })
      let log = ""
      child.stdout.on("data", (chunk) => void (log += String(chunk)))
      child.stderr.on("data", (chunk) => void (log += String(chunk)))
      const port = yield* Effect.callback<number>((resume) => {
        const check = () => {
          const match = /Listening on http:\/\/\S+:(\d+)/.exec(log)
          if (match !== null) {
            child.stdout.off("data", check)
            resume(Effect.succeed(Number(match[1])))
          }
        }
        child.stdout.on("data", check)
      })
      const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`)
      yield* Effect.callback<void>((resume) => socket.addEventListener("open", () => resume(Effect.void)))
      let closeCode: number | undefined
      socket.addEventListener("close", (event) => void (closeCode = event.code))
      const start = Date.now()
      child.kill("SIGTERM")
      const code = yield* Effect.callback<number | null>((resume) => {
        child.on("exit", (code) => resume(Effect.succeed(code)))
      })
      const elapsed = Date.now() - start
      assert.isBelow(elapsed, 2000)
      assert.strictEqual(code, 130)
      assert.strictEqual(closeCode, 1001)
      const events = [...log.matchAll(/service '(\w+)' (started|stopped)/g)].map((m) => `${m[2]} ${m[1]}`)
      const started = events.filter((e) => e.startsWith("started")).map((e) => e.slice(8))
      const stopped = events.filter((e) => e.startsWith("stopped")).map((e) => e.slice(8))
      assert.isAtLeast(started.length, 3)
      assert.deepStrictEqual(stopped, [...started].reverse())
    }), 15_000)
})
