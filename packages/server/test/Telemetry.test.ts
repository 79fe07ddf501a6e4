/**
 * OTLP export (issue 11): an application served with an OTLP endpoint sends its
 * spans to a collector. The collector here is a small `node:http` server that
 * records every JSON body posted to `/v1/traces`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Bus, Controller, Field, QueueService, Telemetry } from "@specter-runtime/server"
import * as TestServer from "@specter-runtime/testing/server"
import { ConfigProvider, Context, Deferred, Effect, Layer, Logger, Schedule, Schema, Tracer } from "effect"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"

interface ExportedSpan {
  readonly name: string
  readonly traceId: string
  readonly spanId: string
  readonly links?: ReadonlyArray<{ readonly traceId: string; readonly spanId: string }>
  readonly attributes: ReadonlyArray<{ readonly key: string; readonly value: { readonly stringValue?: string } }>
}

const read = (request: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = ""
    request.on("data", (chunk) => (text += chunk))
    request.on("end", () => resolve(text))
  })

interface DataPoint {
  readonly asInt?: string
  readonly asDouble?: number
  readonly attributes?: ReadonlyArray<{ readonly key: string; readonly value: { readonly stringValue?: string } }>
}

interface Received {
  readonly url: string
  readonly spans: Array<ExportedSpan>
  /** The data points of the sums posted to `/v1/metrics`, by metric name. */
  readonly sums: Map<string, Array<DataPoint>>
  readonly server: ReturnType<typeof createServer>
}

/** A local OTLP receiver of traces and metrics. */
const receiver = Effect.acquireRelease(
  Effect.callback<Received>((resume) => {
    const spans: Array<ExportedSpan> = []
    const sums = new Map<string, Array<DataPoint>>()
    const server = createServer((request, response) => {
      void read(request).then((text) => {
        const body = request.url === "/v1/traces" || request.url === "/v1/metrics" ? JSON.parse(text) : {}
        for (const resource of body.resourceSpans ?? []) {
          for (const scope of resource.scopeSpans ?? []) spans.push(...scope.spans)
        }
        for (const resource of body.resourceMetrics ?? []) {
          for (const scope of resource.scopeMetrics ?? []) {
            for (const metric of scope.metrics ?? []) sums.set(metric.name, [...(sums.get(metric.name) ?? []), ...(metric.sum?.dataPoints ?? [])])
          }
        }
        response.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    server.listen(0, "127.0.0.1", () =>
      resume(Effect.succeed({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, sums, server })))
  }),
  ({ server }) => Effect.callback<void>((resume) => void server.close(() => resume(Effect.void)))
)

const Note = Field.struct({ text: Field.string({ required: true }) })

const Notes = Controller.make("notes", Effect.succeed({
  events: { "notes:add": Controller.event({ payload: Note, handle: (note) => Effect.succeed({ saved: note.text }) }) }
}))

/** The first exported span named `name`, waiting at most 100 looks, 50 ms apart (5 s), for the exporter's next batch. */
const exportedSpan = (spans: ReadonlyArray<ExportedSpan>, name: string) =>
  Effect.suspend(() => {
    const span = spans.find((s) => s.name === name)
    return span === undefined ? Effect.fail(`no span '${name}' exported`) : Effect.succeed(span)
  }).pipe(Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 100 }))

const Reorder = Schema.Struct({ sku: Schema.String })
class Reorders extends Context.Service<Reorders, QueueService.QueueService<typeof Reorder.Type>>()("test/Reorders") {}
const Restocked = Bus.event<string>("test:restocked")

/** A socket event that enqueues a job, whose handler emits a bus event that a listener handles. */
const Stock = Controller.make("stock", Effect.gen(function*() {
  const reorders = yield* Reorders
  return {
    events: { "stock:reorder": Controller.event({ payload: Reorder, handle: (item) => reorders.enqueue(item) }) }
  }
}))
const StockApp = (done: Deferred.Deferred<string>) =>
  Layer.mergeAll(
    Stock,
    Layer.effectDiscard(Bus.listen(Restocked, (sku) => Deferred.succeed(done, sku), { label: "ledger" }))
  ).pipe(Layer.provideMerge(QueueService.layer(Reorders, { item: Reorder, handle: (item) => Bus.emit(Restocked, item.sku) })))

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
      const exported = yield* exportedSpan(collector.spans, "socket.event notes:add")
      const attribute = (key: string) => exported.attributes.find((a) => a.key === key)?.value.stringValue
      assert.strictEqual(attribute("specter.event"), "notes:add")
      assert.isString(attribute("specter.sid"))
      assert.strictEqual(exported.links?.length, 1, "linked to the connection's upgrade request")
    }).pipe(Effect.scoped, Effect.provide(Logger.layer([]))))

  it.live("a queue job gets a span linked to the socket event that enqueued it, and a bus listener a span of its own", () =>
    Effect.gen(function*() {
      const collector = yield* receiver
      const done = yield* Deferred.make<string>()
      const app = TestServer.layer(StockApp(done), { observability: { otlp: { endpoint: collector.url, exportInterval: "50 millis" } } })
      const context = yield* Layer.build(app)
      const socket = yield* Effect.provideContext(TestServer.connect("/ws"), context)
      yield* socket.send({ type: "emit", event: "stock:reorder", payload: { sku: "lamp" }, id: 1 })
      yield* socket.next((f) => f.type === "ack")
      assert.strictEqual(yield* Deferred.await(done), "lamp")
      const event = yield* exportedSpan(collector.spans, "socket.event stock:reorder")
      const job = yield* exportedSpan(collector.spans, "queue.job test/Reorders")
      assert.deepStrictEqual(job.links?.map((l) => l.spanId), [event.spanId], "the job links to the event that enqueued it")
      const listener = yield* exportedSpan(collector.spans, "bus.listen test:restocked")
      assert.isString(listener.spanId)
    }).pipe(Effect.scoped, Effect.provide(Logger.layer([]))))

  it.live("with only OTEL_EXPORTER_OTLP_ENDPOINT in the environment, spans are exported: every signal's exporter defaults to otlp", () =>
    Effect.gen(function*() {
      const collector = yield* receiver
      const environment = ConfigProvider.layer(ConfigProvider.fromEnv({
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: "50" }
      }))
      const context = yield* Layer.build(TestServer.layer(Notes).pipe(Layer.provide(environment)))
      const socket = yield* Effect.provideContext(TestServer.connect("/ws"), context)
      yield* socket.send({ type: "emit", event: "notes:add", payload: { text: "from the environment" }, id: 1 })
      yield* socket.next((f) => f.type === "ack")
      const exported = yield* exportedSpan(collector.spans, "socket.event notes:add")
      assert.isString(exported.spanId)
    }).pipe(Effect.scoped, Effect.provide(Logger.layer([]))))

  it.effect("without a collector named, with every exporter none, or with OTEL_SDK_DISABLED, the tracer stays Effect's own", () =>
    Effect.gen(function*() {
      const tracerWith = (env: Record<string, string>) =>
        Effect.tracer.pipe(Effect.provide(Telemetry.layer().pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))))))
      assert.strictEqual(yield* tracerWith({}), Tracer.nativeTracer)
      assert.strictEqual(yield* tracerWith({ OTEL_EXPORTER_OTLP_ENDPOINT: "" }), Tracer.nativeTracer)
      assert.strictEqual(yield* tracerWith({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9", OTEL_SDK_DISABLED: "true" }), Tracer.nativeTracer)
      const none = { OTEL_TRACES_EXPORTER: "none", OTEL_METRICS_EXPORTER: "none", OTEL_LOGS_EXPORTER: "none" }
      assert.strictEqual(yield* tracerWith({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9", ...none }), Tracer.nativeTracer)
      assert.notStrictEqual(yield* tracerWith({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:9/v1/traces" }), Tracer.nativeTracer)
    }))

  it.live("with only OTEL_EXPORTER_OTLP_METRICS_ENDPOINT in the environment, HTTP requests are metered and exported", () =>
    Effect.gen(function*() {
      const collector = yield* receiver
      const environment = ConfigProvider.layer(ConfigProvider.fromEnv({
        env: { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${collector.url}/v1/metrics`, OTEL_METRIC_EXPORT_INTERVAL: "50" }
      }))
      const context = yield* Layer.build(TestServer.layer(Notes).pipe(Layer.provide(environment)))
      const response = yield* Effect.provideContext(TestServer.request("/health"), context)
      assert.strictEqual(response.status, 200)
      // The metric registry is the process's: only this application answers /health here.
      const healthCounted = () =>
        (collector.sums.get("specter_http_requests_total") ?? []).some((point) =>
          point.attributes?.some((a) => a.key === "route" && a.value.stringValue === "/health") && Number(point.asInt ?? point.asDouble) >= 1
        )
      yield* Effect.suspend(() => (healthCounted() ? Effect.void : Effect.fail("GET /health not counted yet"))).pipe(
        Effect.retry({ schedule: Schedule.spaced("50 millis"), times: 100 })
      )
    }).pipe(Effect.scoped, Effect.provide(Logger.layer([]))))
})
