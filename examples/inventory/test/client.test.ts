/**
 * The client package against the real server: acks, topics, and a reconnect
 * after the server restarts on the same port (emits made while offline delivered,
 * items added before the restart still there and listed on a re-join).
 */
import { assert, describe, it } from "@effect/vitest"
import { connect, type SocketClient } from "@specter-runtime/client"
import { App } from "@specter-runtime/server"
import { Effect, Exit, Layer, Scope } from "effect"
import { createServer } from "node:net"
import { AppLive } from "../src/app.ts"

const freePort = Effect.callback<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    server.close(() => resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0)))
  })
})

const startServer = (port: number) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    yield* Layer.buildWithScope(App.layer(AppLive, { http: { port, host: "127.0.0.1", logRequests: false } }), scope)
    return scope
  })

/** Listens from the moment it is called (not when the Effect runs), so nothing is missed. */
const status = (client: SocketClient, wanted: string) => {
  const reached = new Promise<void>((resolve) => {
    if (client.status.state === wanted) return resolve()
    const off = client.onStatus((s) => {
      if (s.state === wanted) {
        off()
        resolve()
      }
    })
  })
  return Effect.promise(() => reached)
}

const nextEvent = (client: SocketClient, event: string) => {
  const received = new Promise<any>((resolve) => {
    const off = client.on(event, (payload) => {
      off()
      resolve(payload)
    })
  })
  return Effect.promise(() => received)
}

describe("client against the server", () => {
  it.live("emit is acked, topic events arrive, and after a server restart the client reconnects and re-joins", () =>
    Effect.gen(function*() {
      const port = yield* freePort
      let server = yield* startServer(port)
      const client = connect(`ws://127.0.0.1:${port}/ws`, { reconnect: { initialDelay: 20, maxDelay: 100 } })
      yield* Effect.addFinalizer(() => Effect.sync(() => client.close()))
      yield* status(client, "open")
      const joined: any = yield* Effect.promise(() => client.emit("items:join"))
      assert.deepStrictEqual(joined, { count: 0 })

      const added = nextEvent(client, "items:added")
      const ack: any = yield* Effect.promise(() => client.emit("items:add", { name: "before", quantity: "1" }))
      assert.strictEqual(ack.name, "before")
      assert.deepStrictEqual(yield* added, ack)
      const rejected: any = yield* Effect.promise(() => client.emit("items:add", { quantity: 1 }).catch((e) => e))
      assert.deepStrictEqual([rejected.code, Object.keys(rejected.fields)], ["validation", ["name"]])

      const closed = status(client, "reconnecting")
      yield* Scope.close(server, Exit.void)
      yield* closed
      const offline = client.emit("items:add", { name: "queued while offline", quantity: 2 })
      server = yield* startServer(port)
      const queued: any = yield* Effect.promise(() => offline)
      assert.strictEqual(queued.name, "queued while offline")
      // The items are persisted: the one added before the restart is still there, and a re-join lists both.
      const snapshot = nextEvent(client, "items:snapshot")
      yield* Effect.promise(() => client.emit("items:join"))
      assert.deepStrictEqual((yield* snapshot).items.map((i: any) => i.name), ["before", "queued while offline"])
      yield* Scope.close(server, Exit.void)
    }).pipe(Effect.scoped), 15_000)
})
