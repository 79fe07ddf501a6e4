/**
 * The runtime's `Metric`s and the Prometheus endpoint that shows them.
 *
 * Every metric is an Effect `Metric` in the default registry, so the OTLP exporter
 * (`Telemetry`) sends the same series, and an application's own metrics appear
 * beside them. Names and labels (attributes):
 *
 * | family | metric | labels |
 * |---|---|---|
 * | bus | `specter_bus_delivered_total` (messages published to subscribers), `specter_bus_dropped_total` (oldest dropped for a slow subscriber), `specter_bus_listener_failures_total` | `event` |
 * | queues | `specter_queue_jobs_queued`, `specter_queue_jobs_running` (gauges), `specter_queue_jobs_finished_total` | `queue`, `outcome` |
 * | queues | `specter_queue_job_duration_ms` (histogram, start to end) | `queue`, `outcome` |
 * | sockets | `specter_socket_sessions` (gauge), `specter_socket_sessions_opened_total`, `specter_socket_frames_in_total`, `specter_socket_frames_out_total` | — |
 * | sockets | `specter_socket_acks_total` | `outcome` (`ok`, `error`) |
 * | sockets | `specter_socket_errors_total` | `code` (`validation`, `unknown_event`, `bad_json`, `bad_frame`, `rate_limited`, …) |
 * | sockets | `specter_socket_closes_total` | `code` (WebSocket close code; 1006 when the connection just went away) |
 * | sockets | `specter_socket_slow_consumers_closed_total`, `specter_socket_rate_limit_closed_total` | — |
 * | persistence | `specter_persistence_commits_total` | `state`, `outcome` (`ok`, `failed`) |
 * | persistence | `specter_persistence_writes_per_commit`, `specter_persistence_commit_duration_ms` (histograms) | `state` |
 * | HTTP | `specter_http_requests_total` | `method` (`OTHER` for one no route takes), `route` (the pattern, `unmatched` for a 404), `status` |
 * | HTTP | `specter_http_request_duration_ms` (histogram) | `method`, `route` |
 *
 * Durations are milliseconds. The bus counters cost nothing per message: they are
 * read from the bus's own counts when the metrics are read.
 *
 * @since 0.2.0
 */
import type { Layer } from "effect"
import type { HttpRouter } from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import * as internal from "./internal/metrics.ts"

/**
 * Where the Prometheus endpoint is served: `path` (default `/metrics`) and an
 * optional `prefix` put before every metric name.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  readonly path?: `/${string}` | undefined
  readonly prefix?: string | undefined
}

/**
 * `GET /metrics` (or `options.path`): every metric of the default registry in the
 * Prometheus text format (`text/plain; version=0.0.4`). `App` adds it with
 * `observability: { metrics: true }`; add it yourself to a bare `HttpRouter`.
 *
 * The endpoint has no access control: serve it on a private network, or put it
 * behind a middleware that checks a token.
 *
 * @example
 * App.run(AppLive, { observability: { metrics: true } })
 * // curl localhost:3000/metrics
 * // specter_http_requests_total{method="GET",route="/api/items",status="200"} 3
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<never, never, HttpRouter.HttpRouter> =>
  PrometheusMetrics.layerHttp({ path: options.path ?? "/metrics", prefix: options.prefix })

/**
 * Socket sessions open now (a gauge).
 *
 * @since 0.2.0
 * @category metrics
 */
export const socketSessions = internal.socketSessions

/**
 * Socket frames received (a counter).
 *
 * @since 0.2.0
 * @category metrics
 */
export const socketFramesIn = internal.socketFramesIn

/**
 * Socket frames sent (a counter; a push to N sessions is N frames).
 *
 * @since 0.2.0
 * @category metrics
 */
export const socketFramesOut = internal.socketFramesOut

/**
 * Acks sent, by `outcome` (`ok`, `error`).
 *
 * @since 0.2.0
 * @category metrics
 */
export const socketAcks = internal.socketAcks

/**
 * Error answers sent to socket clients (failed acks and error frames), by `code`.
 *
 * @since 0.2.0
 * @category metrics
 */
export const socketErrors = internal.socketErrors

/**
 * Socket sessions closed, by WebSocket close `code`.
 *
 * @since 0.2.0
 * @category metrics
 */
export const socketCloses = internal.socketCloses

/**
 * HTTP requests answered, by `method`, `route` and `status`.
 *
 * @since 0.2.0
 * @category metrics
 */
export const httpRequests = internal.httpRequests

/**
 * HTTP request latency in milliseconds, by `method` and `route` (a histogram).
 *
 * @since 0.2.0
 * @category metrics
 */
export const httpDuration = internal.httpDuration
