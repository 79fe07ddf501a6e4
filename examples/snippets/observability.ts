import { App, Route, Router } from "@specter-runtime/server"
import { Console, Effect, Layer } from "effect"
import { FetchHttpClient, HttpClient, HttpServer } from "effect/http"

const Hello = Router.layer([Route.get("/hello", () => Effect.succeed({ hello: "world" }))])

// GET /metrics (Prometheus), GET /openapi.json and its page at /docs; OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
const AppLive = App.layer(Hello, { http: { port: 0 }, observability: { metrics: true, openApi: { title: "Hello" } } })

const program = Effect.gen(function*() {
  const http = yield* HttpClient.HttpClient
  yield* http.get("/hello")
  const spec: any = yield* Effect.flatMap(http.get("/openapi.json"), (response) => response.json)
  yield* Console.log(Object.keys(spec.paths)) // => [ '/hello' ]
  const metrics = yield* Effect.flatMap(http.get("/metrics"), (response) => response.text)
  yield* Console.log(metrics.split("\n").find((line) => line.startsWith("specter_http_requests_total")))
  // => specter_http_requests_total{method="GET",route="/hello",status="200"} 1
})

Effect.runPromise(program.pipe(Effect.provide(HttpServer.layerTestClient.pipe(Layer.provide(FetchHttpClient.layer), Layer.provideMerge(AppLive)))))
