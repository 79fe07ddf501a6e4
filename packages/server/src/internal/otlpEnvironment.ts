/**
 * What the standard OpenTelemetry variables ask of the OTLP exporter, read the way
 * the specification says: a signal (`TRACES`, `METRICS`, `LOGS`) is exported when
 * a collector is named for it (`OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT`, else
 * `OTEL_EXPORTER_OTLP_ENDPOINT`; an empty value names none), its exporter list
 * (`OTEL_<SIGNAL>_EXPORTER`, default `otlp`) has `otlp`, and `OTEL_SDK_DISABLED`
 * is not true.
 *
 * @internal
 */
import { Config, ConfigProvider, Effect, Option } from "effect"

export type Signal = "TRACES" | "METRICS" | "LOGS"

const named = (key: string) => Config.option(Config.String(key)).pipe(Config.map(Option.filter((value) => value.trim() !== "")))

const exported = (signal: Signal) =>
  Config.all({
    endpoint: named(`OTEL_EXPORTER_OTLP_${signal}_ENDPOINT`),
    fallback: named("OTEL_EXPORTER_OTLP_ENDPOINT"),
    exporters: Config.String(`OTEL_${signal}_EXPORTER`).pipe(Config.withDefault("otlp"))
  }).pipe(Config.map(({ endpoint, exporters, fallback }) =>
    (Option.isSome(endpoint) || Option.isSome(fallback)) &&
    exporters.split(",").some((name) => name.trim().toLowerCase() === "otlp")
  ))

/**
 * Whether the environment asks to export any of `signals`. A setting that does
 * not parse counts as asking, so that Effect's `Otlp.layerFromConfig` reports it.
 */
export const asks = (signals: ReadonlyArray<Signal>): Effect.Effect<boolean> =>
  Config.all({
    disabled: Config.Boolean("OTEL_SDK_DISABLED").pipe(Config.withDefault(false)),
    exported: Config.all(signals.map(exported))
  }).pipe(
    Effect.map(({ disabled, exported }) => !disabled && exported.some((yes) => yes)),
    Effect.orElseSucceed(() => true)
  )

/**
 * The specification's defaults that Effect's `Otlp.layerFromConfig` does not
 * apply (it exports a signal only when its exporter list says `otlp`), to layer
 * under the environment with `ConfigProvider.layerAdd`.
 */
export const specDefaults = ConfigProvider.fromEnv({
  env: { OTEL_TRACES_EXPORTER: "otlp", OTEL_METRICS_EXPORTER: "otlp", OTEL_LOGS_EXPORTER: "otlp" }
})
