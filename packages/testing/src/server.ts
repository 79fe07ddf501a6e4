/**
 * @specter/testing/server: run an application on a real HTTP server on a random
 * port, and talk to it with real HTTP requests and a real WebSocket client.
 *
 * ```ts
 * layer(TestServer.layer(ItemsController.pipe(Layer.provide(Inventory.layer))))("items", (it) => {
 *   it.effect("acks an added item", () => Effect.gen(function*() {
 *     const socket = yield* TestServer.connect("/ws")
 *     yield* socket.send({ type: "emit", event: "items:add", payload: { name: "lamp" }, id: 1 })
 *     const ack = yield* socket.next((f) => f.type === "ack")
 *   }).pipe(Effect.scoped))
 * }, { excludeTestServices: true })
 * ```
 *
 * Sockets and HTTP run on real time: give `layer` `{ excludeTestServices: true }`
 * (or use `it.live`), so that `TestClock` does not hold the server's timers.
 *
 * @since 0.1.0
 */
import { App } from "@specter/server"
import { Data, Deferred, Duration, Effect, Layer, type Scope } from "effect"
import { FetchHttpClient, HttpServer } from "effect/http"
import WebSocket from "ws"

/**
 * The application `app` as `App.layer` builds it for production, on a random port
 * of 127.0.0.1, with an `HttpClient` for relative URLs, without request logs.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <ROut, E, RIn extends App.Provided | App.RouteMarkers>(app: Layer.Layer<ROut, E, RIn>, options: App.Options = {}) =>
  HttpServer.layerTestClient.pipe(
    Layer.provide(FetchHttpClient.layer),
    Layer.provideMerge(App.layer(app, { logRequests: false, ...options, port: 0, host: "127.0.0.1" }))
  )

/**
 * The absolute URL of `path` on the test server (`ws:` when `protocol` is "ws").
 *
 * @since 0.1.0
 * @category accessors
 */
export const url = (path: string, protocol: "http" | "ws" = "http"): Effect.Effect<string, never, HttpServer.HttpServer> =>
  Effect.flatMap(HttpServer.HttpServer, ({ address }) =>
    address._tag === "UnixPathAddress"
      ? Effect.die(new Error("the test server is not on TCP"))
      : Effect.succeed(`${protocol}://127.0.0.1:${address.port}${path}`))

/**
 * No frame matching a `next` arrived in time, or the socket closed first.
 *
 * @since 0.1.0
 * @category errors
 */
export class SocketTimeout extends Data.TaggedError("SocketTimeout")<{ readonly waitingFor: string }> {}

/**
 * A WebSocket client for tests: every frame it receives is kept in order.
 *
 * @since 0.1.0
 * @category models
 */
export interface TestSocket {
  /** Every frame received so far (parsed JSON), oldest first. */
  readonly frames: ReadonlyArray<any>
  /** Sends `frame` (a value is JSON-encoded; a string is sent as it is). */
  readonly send: (frame: unknown) => Effect.Effect<void>
  /**
   * The first frame, received from now on or already received and not yet taken
   * by an earlier `next`, that matches `predicate`. Fails with `SocketTimeout`
   * after `timeout` (default 5 seconds, real time).
   */
  readonly next: (predicate?: (frame: any) => boolean, timeout?: Duration.Input) => Effect.Effect<any, SocketTimeout>
  /** Resolves with the close code when the server closes the connection. */
  readonly closed: Effect.Effect<number>
  readonly raw: WebSocket
}

/**
 * Opens a WebSocket to `path` on the test server; it is closed when the scope
 * closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect = (path = "/ws"): Effect.Effect<TestSocket, never, HttpServer.HttpServer | Scope.Scope> =>
  Effect.gen(function*() {
    const address = yield* url(path, "ws")
    const frames: Array<any> = []
    const pending: Array<any> = []
    const waiters = new Set<() => void>()
    let closeCode: number | undefined
    const closed = Deferred.makeUnsafe<number>()
    const ws = yield* Effect.acquireRelease(
      Effect.callback<WebSocket>((resume) => {
        const ws = new WebSocket(address)
        ws.on("message", (data) => {
          const text = String(data)
          let frame: unknown = text
          try {
            frame = JSON.parse(text)
          } catch {
            // Not JSON: kept as text.
          }
          frames.push(frame)
          pending.push(frame)
          for (const wake of [...waiters]) wake()
        })
        ws.on("close", (code) => {
          closeCode = code
          Deferred.doneUnsafe(closed, Effect.succeed(code))
          for (const wake of [...waiters]) wake()
        })
        ws.once("open", () => resume(Effect.succeed(ws)))
        ws.once("error", (error) => resume(Effect.die(error)))
      }),
      (ws) => Effect.sync(() => ws.terminate())
    )
    const take = (predicate: (frame: any) => boolean) => {
      const index = pending.findIndex(predicate)
      if (index === -1) return { found: false } as const
      const [frame] = pending.splice(index, 1)
      return { found: true, frame } as const
    }
    const next: TestSocket["next"] = (predicate = () => true, timeout = "5 seconds") =>
      Effect.callback<any, SocketTimeout>((resume) => {
        const check = () => {
          const result = take(predicate)
          if (result.found) {
            waiters.delete(check)
            clearTimeout(timer)
            resume(Effect.succeed(result.frame))
          } else if (closeCode !== undefined) {
            waiters.delete(check)
            clearTimeout(timer)
            resume(Effect.fail(new SocketTimeout({ waitingFor: `a frame (the socket closed with ${closeCode})` })))
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          resume(Effect.fail(new SocketTimeout({ waitingFor: `a frame within ${Duration.format(Duration.fromInputUnsafe(timeout))}` })))
        }, Duration.toMillis(Duration.fromInputUnsafe(timeout)))
        waiters.add(check)
        check()
        return Effect.sync(() => {
          waiters.delete(check)
          clearTimeout(timer)
        })
      })
    return {
      frames,
      send: (frame) => Effect.sync(() => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame))),
      next,
      closed: Deferred.await(closed),
      raw: ws
    }
  })
