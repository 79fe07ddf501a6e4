/**
 * Export of traces, metrics and logs over OTLP (OpenTelemetry's HTTP protocol),
 * through `effect/observability`'s `Otlp` layers: no OpenTelemetry SDK, no agent.
 *
 * `App` installs it by default: with `OTEL_EXPORTER_OTLP_ENDPOINT` set (the
 * standard OpenTelemetry variables: `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`,
 * `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SDK_DISABLED`, …),
 * every request, socket event and log line of the application is exported. As the
 * OpenTelemetry specification says, `OTEL_TRACES_EXPORTER`, `OTEL_METRICS_EXPORTER`
 * and `OTEL_LOGS_EXPORTER` default to `otlp` (`none` turns a signal off). Without
 * an endpoint nothing is installed and nothing is paid: not even the exporter's
 * layers are built.
 *
 * What is traced:
 * - every HTTP request (a server span by Effect's HTTP server, with `http.route`);
 * - every socket event (`socket.event <name>`): a trace of its own per frame,
 *   linked to the span of the connection's upgrade request; the handler's work
 *   (actions, stores, bus emits) nests under it;
 * - anything the application wraps in `Effect.withSpan` or `Effect.fn`.
 *
 * @since 0.2.0
 */
import { Config, ConfigProvider, type Duration, Effect, Layer, Option } from "effect"
import { FetchHttpClient, type HttpClient } from "effect/http"
import { Otlp, OtlpExporter, OtlpSerialization } from "effect/observability"
import * as OtlpEnvironment from "./internal/otlpEnvironment.ts"

/**
 * Where and how to export, overriding the environment.
 *
 * - `endpoint`: the collector's base URL (`http://localhost:4318`); signals go to
 *   `/v1/traces`, `/v1/metrics` and `/v1/logs` below it.
 * - `serviceName`: the `service.name` resource attribute (default: `OTEL_SERVICE_NAME`,
 *   else `specter`).
 * - `exportInterval`: how often buffered spans, metrics and logs are sent
 *   (default 5 seconds for spans, 10 for metrics, 1 for logs).
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  readonly endpoint?: string | undefined
  readonly serviceName?: string | undefined
  readonly exportInterval?: Duration.Input | undefined
}

/**
 * The OTLP exporter of traces, metrics and logs, as JSON over HTTP (`fetch`). With
 * `options.endpoint` it exports there; otherwise it reads the standard
 * `OTEL_*` configuration and installs nothing when it exports no signal: no
 * collector named (`OTEL_EXPORTER_OTLP_ENDPOINT`, or
 * `OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT` for one of `TRACES`, `METRICS`, `LOGS`),
 * every `OTEL_<SIGNAL>_EXPORTER` without `otlp`, or `OTEL_SDK_DISABLED` true.
 *
 * Provide it to the application (`App` does) so that its tracer and logger reach
 * every fiber; closing it flushes what is buffered. Its output,
 * `OtlpExporter.Flusher`, flushes on demand (before a process is suspended);
 * without an export, flushing does nothing.
 *
 * A collector that is down never fails the application: exports are retried and
 * then dropped.
 *
 * @example
 * // in tests, or to send to a fixed collector whatever the environment says
 * App.layer(AppLive, { observability: { otlp: { endpoint: "http://127.0.0.1:4318", exportInterval: "1 second" } } })
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<OtlpExporter.Flusher> =>
  Layer.unwrap(Effect.gen(function*() {
    // OTLP needs a `service.name`; without one anywhere it is "specter".
    const configured = yield* Config.option(Config.String("OTEL_SERVICE_NAME")).pipe(Effect.orElseSucceed(Option.none))
    const resource = { serviceName: options.serviceName ?? Option.getOrElse(configured, () => "specter") }
    if (options.endpoint !== undefined) {
      return withJsonOverFetch(Otlp.layer({
        baseUrl: options.endpoint,
        resource,
        tracerExportInterval: options.exportInterval,
        metricsExportInterval: options.exportInterval,
        loggerExportInterval: options.exportInterval,
        loggerMergeWithExisting: true
      }))
    }
    if (!(yield* OtlpEnvironment.asks(["TRACES", "METRICS", "LOGS"]))) return OtlpExporter.layerFlusher
    return withJsonOverFetch(Otlp.layerFromConfig({ resource })).pipe(Layer.provide(ConfigProvider.layerAdd(OtlpEnvironment.specDefaults)))
  }))

const withJsonOverFetch = (otlp: Layer.Layer<OtlpExporter.Flusher, never, OtlpSerialization.OtlpSerialization | HttpClient.HttpClient>) =>
  otlp.pipe(Layer.provide([OtlpSerialization.layerJson, FetchHttpClient.layer]))
