/**
 * @specter-runtime/testing/server: run an application on a real HTTP server on a random
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
import { App } from "@specter-runtime/server"
import { Data, Deferred, type Duration, Effect, Layer, type Scope } from "effect"
import { FetchHttpClient, type HttpClient, HttpServer } from "effect/http"
import WebSocket from "ws"
import { Inbox } from "./internal/testSocket.ts"

/**
 * The application `app` as `App.layer` builds it for production, on a random port
 * of 127.0.0.1, with an `HttpClient` for relative URLs, without request logs.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <ROut, E, RIn extends App.Provided | App.RouteMarkers>(
  app: Layer.Layer<ROut, E, RIn>,
  options: App.Options = {}
): Layer.Layer<HttpClient.HttpClient | Layer.Success<ReturnType<typeof App.layer<ROut, E, RIn>>>, Layer.Error<ReturnType<typeof App.layer<ROut, E, RIn>>>> =>
  HttpServer.layerTestClient.pipe(
    Layer.provide(FetchHttpClient.layer),
    Layer.provideMerge(App.layer(app, { ...options, http: { logRequests: false, ...options.http, port: 0, host: "127.0.0.1" } }))
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
 * closes. Fails the test (a defect) when the connection is refused.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect = (path = "/ws"): Effect.Effect<TestSocket, never, HttpServer.HttpServer | Scope.Scope> =>
  Effect.gen(function*() {
    const address = yield* url(path, "ws")
    const inbox = new Inbox()
    const ws = yield* Effect.acquireRelease(
      Effect.callback<WebSocket>((resume) => {
        const ws = new WebSocket(address)
        ws.on("message", (data) => inbox.receive(data))
        ws.on("close", (code) => inbox.close(code))
        ws.once("open", () => resume(Effect.succeed(ws)))
        ws.once("error", (error) => resume(Effect.die(error)))
      }),
      (ws) => Effect.sync(() => ws.terminate())
    )
    return {
      frames: inbox.frames,
      send: (frame) => Effect.sync(() => ws.send(typeof frame === "string" ? frame : JSON.stringify(frame))),
      next: (predicate = () => true, timeout = "5 seconds") =>
        Effect.mapError(inbox.next(predicate, timeout), (missed) => new SocketTimeout(missed)),
      closed: Deferred.await(inbox.closed),
      raw: ws
    }
  })

/**
 * An HTTP answer as `request` reads it: the status, the headers, the body as
 * text, and the body parsed when the answer is JSON (`undefined` otherwise or
 * when it is empty).
 *
 * @since 0.1.0
 * @category models
 */
export interface TestResponse {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  readonly body: any
}

/**
 * Sends a real HTTP request (`fetch`) to `path` on the test server and reads
 * the whole answer. A refused connection is a defect.
 *
 * ```ts
 * const created = yield* TestServer.request("/api/items", {
 *   method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "lamp" })
 * })
 * assert.strictEqual(created.status, 201)
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const request = (path: string, init?: RequestInit): Effect.Effect<TestResponse, never, HttpServer.HttpServer> =>
  Effect.gen(function*() {
    const address = yield* url(path)
    const response = yield* Effect.promise(() => fetch(address, init))
    const text = yield* Effect.promise(() => response.text())
    const json = text !== "" && response.headers.get("content-type")?.includes("json") === true
    return { status: response.status, headers: response.headers, text, body: json ? JSON.parse(text) : undefined }
  })
