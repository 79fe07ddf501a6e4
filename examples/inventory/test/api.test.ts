/**
 * A Node client of the example's declared socket API (`src/Api.ts`, a type-only
 * import): acks and pushes arrive typed, as the declaration says.
 */
import { assert, describe, layer } from "@effect/vitest"
import { connect, type SocketClient } from "@specter-runtime/client"
import * as TestServer from "@specter-runtime/testing/server"
import { Effect } from "effect"
import WebSocket from "ws"
import type { Api } from "../src/Api.ts"
import { AppLive } from "../src/app.ts"

const client = Effect.flatMap(TestServer.url("/ws", "ws"), (url) =>
  Effect.acquireRelease(
    Effect.sync(() => connect<typeof Api>(url, { WebSocket, reconnect: false })),
    (client) => Effect.sync(() => client.close())
  ))

/** Resolves with the first `reports:job` push for `id` in `state`; listening starts at once. */
const reportJob = (socket: SocketClient<typeof Api>, state: string) => {
  const seen: Array<{ readonly id: string; readonly percent: number }> = []
  const done = new Promise<{ readonly seen: typeof seen; readonly message: string | undefined }>((resolve) => {
    const off = socket.on("reports:job", (job) => {
      seen.push({ id: job.id, percent: job.percent })
      if (job.state === state) {
        off()
        resolve({ seen, message: job.message })
      }
    })
  })
  return Effect.promise(() => done)
}

describe("the example's socket API", () => {
  layer(TestServer.layer(AppLive), { excludeTestServices: true })((it) => {
    it.effect("a Node client of Api adds an item and gets the stored item as its typed ack", () =>
      Effect.gen(function*() {
        const socket = yield* client
        const item = yield* Effect.promise(() => socket.emit("items:add", { name: "hex bolt", quantity: 40, tags: ["m6"] }))
        assert.strictEqual(item.name, "hex bolt")
        assert.strictEqual(item.quantity, 40)
        assert.isTrue(item.active)
        assert.deepStrictEqual(item.tags, ["m6"])
        assert.isString(item.id)
        assert.isNumber(item.createdAt)
      }).pipe(Effect.scoped))

    it.effect("reports:run is acked with its job id and its progress is pushed as reports:job until it completes", () =>
      Effect.gen(function*() {
        const socket = yield* client
        const completed = reportJob(socket, "completed")
        const { id } = yield* Effect.promise(() => socket.emit("reports:run"))
        const { seen, message } = yield* completed
        const percents = seen.filter((job) => job.id === id).map((job) => job.percent)
        assert.includeMembers(percents, [20, 40, 60, 80, 100])
        assert.match(message ?? "", /^\d+ items, \d+ units$/)
      }).pipe(Effect.scoped))
  })
})
