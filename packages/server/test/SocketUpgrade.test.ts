/**
 * The hand-over of an upgraded connection from the HTTP server to `ws`
 * (`internal/socketUpgrade.ts`), on a real Node server and a real client: the
 * listeners the HTTP side added after the upgrade are dropped (they would keep
 * the request's fiber alive for the life of the socket), while those that were
 * there before stay, so the server's connection table still hears the close.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { createServer, type IncomingMessage, ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import type { Duplex } from "node:stream"
import WebSocket, { WebSocketServer } from "ws"
import { track } from "../src/internal/shutdown.ts"
import { handOver } from "../src/internal/socketUpgrade.ts"

/** Resolves with the value `register` passes to its callback; dies after `ms`. */
const awaitCallback = <A>(what: string, register: (done: (value: A) => void) => void, ms = 5_000) =>
  Effect.callback<A>((resume) => register((value) => resume(Effect.succeed(value)))).pipe(
    Effect.timeoutOrElse({ duration: ms, orElse: () => Effect.die(new Error(`timed out waiting for ${what}`)) })
  )

describe("Socket upgrade hand-over", () => {
  it.live("an upgraded connection keeps the listeners it had, loses those added after the upgrade, and leaves the connection table when it closes", () =>
    Effect.gen(function*() {
      const server = createServer()
      const connections = track(server)
      const wss = new WebSocketServer({ noServer: true })
      const lateListener = () => {}
      let upgraded: Duplex | undefined
      const opened = awaitCallback<WebSocket>("the server-side socket", (done) => {
        server.on("upgrade", (message: IncomingMessage, socket: Duplex) => {
          upgraded = socket
          const response = new ServerResponse(message)
          response.assignSocket(socket as never)
          handOver(message, response, wss, (ws) => done(ws))
          // What Effect's Node server does once the route's fiber has started.
          socket.on("close", lateListener)
          socket.on("error", lateListener)
        })
      })
      yield* Effect.acquireRelease(
        awaitCallback<void>("listen", (done) => server.listen(0, "127.0.0.1", () => done())),
        () => Effect.sync(() => server.close())
      )
      const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`)
      const serverSide = yield* opened
      yield* awaitCallback<void>("the client's open", (done) => client.readyState === WebSocket.OPEN ? done() : client.once("open", () => done()))
      assert.strictEqual(connections.open.size, 1)
      assert.isFalse(upgraded!.listeners("close").includes(lateListener), "the late close listener is dropped")
      assert.isFalse(upgraded!.listeners("error").includes(lateListener), "the late error listener is dropped")
      assert.isAbove(upgraded!.listenerCount("close"), 1, "the table's listener and ws's own remain")
      const closed = awaitCallback<void>("the close", (done) => serverSide.once("close", () => done()))
      client.close(1000)
      yield* closed
      yield* awaitCallback<void>("the socket's close", (done) => upgraded!.destroyed ? setImmediate(done) : upgraded!.once("close", () => setImmediate(done)))
      assert.strictEqual(connections.open.size, 0, "the closed connection left the table")
    }))
})
