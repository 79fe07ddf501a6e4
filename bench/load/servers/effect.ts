/**
 * Baseline 2: bare Effect, implementing `contract.ts` (`PORT`, on 127.0.0.1):
 * `HttpRouter` on `NodeHttpServer`, the body decoded with
 * `HttpServerRequest.schemaBodyJson` and a `Schema.Struct` equivalent to the
 * Specter server's `Field.struct`, items in a `Ref`, and the socket from
 * `request.upgrade` (`effect/socket`) with plain JSON envelope handling. Request
 * logs are off and open connections may delay shutdown by 1 second, as in Specter.
 */
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, Ref, Schema } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { Socket } from "effect/socket"
import { randomUUID } from "node:crypto"
import { createServer } from "node:http"
import { KEEP, TICK } from "../contract.ts"
import * as Probe from "./probe.ts"

const NewItem = Schema.Struct({
  name: Schema.NonEmptyString,
  quantity: Schema.Union([Schema.Int, Schema.NumberFromString.check(Schema.isInt())]),
  active: Schema.Boolean.pipe(Schema.withDecodingDefaultKey(Effect.succeed(true))),
  tags: Schema.Array(Schema.String).pipe(Schema.withDecodingDefaultKey(Effect.succeed([])))
})
type NewItem = typeof NewItem.Type
interface Item extends NewItem {
  readonly id: string
  readonly createdAt: number
}

const decodeItem = Schema.decodeUnknownEffect(NewItem)
const json = (body: unknown, status = 200) => HttpServerResponse.jsonUnsafe(body, { status })

const Routes = HttpRouter.use((router) =>
  Effect.gen(function*() {
    const items = yield* Ref.make<ReadonlyArray<Item>>([])
    const writers = new Set<Socket.Writer>()
    const add = (input: NewItem) => {
      const item: Item = { ...input, id: randomUUID(), createdAt: Date.now() }
      return Effect.as(Ref.update(items, (xs) => (xs.length < KEEP ? [...xs, item] : [...xs.slice(1), item])), item)
    }
    const onFrame = (writer: Socket.Writer, text: string) => {
      let frame: { type?: unknown; event?: unknown; payload?: unknown; id?: unknown }
      try {
        frame = JSON.parse(text)
      } catch {
        return writer.write(JSON.stringify({ type: "error", code: "bad_frame", message: "not JSON" }))
      }
      if (frame.type !== "emit" || frame.event !== "items:add") {
        return writer.write(JSON.stringify({ type: "error", code: "unknown_event", message: "unknown event" }))
      }
      return decodeItem(frame.payload).pipe(
        Effect.flatMap(add),
        Effect.map((item) => ({ type: "ack", id: frame.id, ok: true, payload: item })),
        Effect.catchTag("SchemaError", (e) =>
          Effect.succeed({ type: "ack", id: frame.id, ok: false, error: { code: "validation", message: e.message } })),
        Effect.flatMap((ack) => writer.write(JSON.stringify(ack)))
      )
    }
    const socket = Effect.gen(function*() {
      const socket = yield* (yield* HttpServerRequest.HttpServerRequest).upgrade
      const writer = yield* socket.writer
      const pull = yield* Socket.readerString(socket)
      writers.add(writer)
      yield* Effect.addFinalizer(() => Effect.sync(() => writers.delete(writer)))
      while (true) {
        for (const text of yield* pull) yield* onFrame(writer, text)
      }
    }).pipe(Effect.catchTag("SocketError", () => Effect.void), Effect.as(HttpServerResponse.empty()))

    yield* router.add("GET", "/health", Effect.succeed(json({ status: "ok" })))
    yield* router.add("GET", "/api/items", Effect.map(Ref.get(items), (xs) => json({ items: xs })))
    yield* router.add("POST", "/api/items", HttpServerRequest.schemaBodyJson(NewItem).pipe(
      Effect.flatMap(add),
      Effect.map((item) => json(item, 201)),
      // A body that does not match (SchemaError) or is not JSON (HttpServerError).
      Effect.catch(() => Effect.succeed(json({ error: "validation" }, 400)))
    ))
    yield* router.add("POST", "/api/broadcast", Effect.suspend(() => {
      const frame = JSON.stringify({ type: "event", event: "tick", payload: TICK })
      return Effect.as(
        Effect.forEach(writers, (w) => Effect.ignore(w.write(frame)), { discard: true }),
        json({ sent: writers.size })
      )
    }))
    yield* router.add("GET", "/ws", socket)
  })
)

Probe.install()
const port = Number(process.env["PORT"])
HttpRouter.serve(Routes, { disableLogger: true, disableListenLog: true }).pipe(
  Layer.provide(NodeHttpServer.layer(createServer, { port, host: "127.0.0.1", gracefulShutdownTimeout: "1 second" })),
  Layer.launch,
  NodeRuntime.runMain
)
