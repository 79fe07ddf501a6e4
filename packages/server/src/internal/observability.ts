/**
 * How `App` turns its `observability` option into layers: the Prometheus route
 * (with the infrastructure), the OpenAPI routes (after the application, whose
 * routes they describe), and the OTLP exporter (provided to everything).
 *
 * @internal
 */
import { Layer } from "effect"
import type { HttpRouter } from "effect/http"
import * as Metrics from "../Metrics.ts"
import * as OpenApi from "../OpenApi.ts"
import * as Telemetry from "../Telemetry.ts"

export interface Options {
  readonly metrics?: boolean | Metrics.Options | undefined
  readonly openApi?: boolean | OpenApi.Options | undefined
  readonly otlp?: boolean | Telemetry.Options | undefined
}

const chosen = <A extends object>(option: boolean | A | undefined): A | undefined =>
  option === undefined || option === false ? undefined : option === true ? {} as A : option

/** `GET /metrics` when asked for. */
export const metricsRoute = (options: Options | undefined): Layer.Layer<never, never, HttpRouter.HttpRouter> => {
  const metrics = chosen(options?.metrics)
  return metrics === undefined ? Layer.empty : Metrics.layer(metrics)
}

/** `GET /openapi.json` and the docs page when asked for. */
export const openApiRoutes = (options: Options | undefined): Layer.Layer<never, never, HttpRouter.HttpRouter> => {
  const openApi = chosen(options?.openApi)
  return openApi === undefined ? Layer.empty : OpenApi.layer(openApi)
}

/** The OTLP exporter, unless turned off (it installs nothing without an endpoint). */
export const telemetry = (options: Options | undefined) =>
  options?.otlp === false ? Layer.empty : Telemetry.layer(chosen(options?.otlp) ?? {})
