/**
 * OTLP export (issue 11): an application served with an OTLP endpoint sends its
 * spans to a collector. The collector here is a small `node:http` server that
 * records every JSON body posted to `/v1/traces`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Controller, Field } from "@specter-runtime/server"
import * as TestServer from "@specter-runtime/testing/server"
import { Effect, Layer, Logger, Schedule } from "effect"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"

interface ExportedSpan {
  readonly name: string
  readonly traceId: string
  readonly links?: ReadonlyArray<{ readonly traceId: string }>
  readonly attributes: ReadonlyArray<{ readonly key: string; readonly value: { readonly stringValue?: string } }>
}

const read = (request: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = ""
    request.on("data", (chunk) => (text += chunk))
    request.on("end", () => resolve(text))
  })

/** A local OTLP receiver; `spanNamed(name)` completes with the first exported span of that name. */
const receiver = Effect.acquireRelease(
  Effect.callback<{ readonly url: string; readonly spans: Array<ExportedSpan>; readonly server: ReturnType<typeof createServer> }>((resume) => {
    const spans: Array<ExportedSpan> = []
    const server = createServer((request, response) => {
      void read(request).then((text) => {
        if (request.url === "/v1/traces") {
          const body = JSON.parse(text)
          for (const resource of body.resourceSpans ?? []) {
            for (const scope of resource.scopeSpans ?? []) spans.push(...scope.spans)
          }
        }
        response.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server })))
  }),
  ({ server }) => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
)

const Note = Field.struct({ text: Field.string({ required: true }) })

const Notes = Controller.make("notes", Effect.succeed({
  events: { "notes:add": Controller.event({ payload: Note, handle: (note) => Effect.succeed({ saved: note.text }) }) }
}))

describe("Telemetry", () => {
  it.live("a local OTLP receiver receives a trace with a span for a socket event", () =>
    Effect.gen(function*() {
      const collector = yield* receiver
      const app = TestServer.layer(Notes, { observability: { otlp: { endpoint: collector.url, exportInterval: "50 millis" } } })
      const context = yield* Layer.build(app)
      const socket = yield* Effect.provideContext(TestServer.connect("/ws"), context)
      yield* socket.send({ type: "emit", event: "notes:add", payload: { text: "hello" }, id: 1 })
      const ack = yield* socket.next((f) => f.type === "ack")
      assert.deepStrictEqual(ack.payload, { saved: "hello" })
      // Bounded: at most 100 looks, 50 ms apart (5 s), for the exporter's next batch.
      const exported = yield* Effect.suspend(() => {
        const span = collector.spans.find((s) => s.name === "socket.event notes:add")
        return span === undefined ? Effect.fail("no span 'socket.event notes:add' exported" as const) : Effect.succeed(span)
      }).pipe(Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 100 }))
      const attribute = (key: string) => exported.attributes.find((a) => a.key === key)?.value.stringValue
      assert.strictEqual(attribute("specter.event"), "notes:add")
      assert.isString(attribute("specter.sid"))
      assert.strictEqual(exported.links?.length, 1, "linked to the connection's upgrade request")
    }).pipe(Effect.scoped, Effect.provide(Logger.layer([]))))
})
