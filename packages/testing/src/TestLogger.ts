/**
 * A logger for tests that records every log line instead of printing it, so a
 * test can assert that a failure was logged (and was not thrown).
 *
 * ```ts
 * it.effect("a failing listener is logged", () =>
 *   Effect.gen(function*() {
 *     // ...
 *     const logs = yield* TestLogger.TestLogger
 *     expect(logs.entries().some((e) => e.level === "Error")).toBe(true)
 *   }).pipe(Effect.provide(TestLogger.layer)))
 * ```
 *
 * @since 0.1.0
 */
import { Cause, Context, Effect, Layer, Logger, References } from "effect"

/**
 * One recorded log line: level (`"Error"`, `"Warn"`, `"Info"`, `"Debug"` …), the
 * message parts joined by spaces, the pretty-printed cause (empty when none) and
 * the log annotations.
 *
 * @since 0.1.0
 * @category models
 */
export interface Entry {
  readonly level: string
  readonly message: string
  readonly cause: string
  readonly annotations: Readonly<Record<string, unknown>>
}

/**
 * The recorded log of a test.
 *
 * @since 0.1.0
 * @category services
 */
export class TestLogger extends Context.Service<TestLogger, {
  /** Everything logged so far, oldest first. */
  readonly entries: () => ReadonlyArray<Entry>
  /** The entries at `level`. */
  readonly at: (level: string) => ReadonlyArray<Entry>
  readonly clear: () => void
}>()("@specter-runtime/testing/TestLogger") {}

const text = (part: unknown): string => (typeof part === "string" ? part : JSON.stringify(part) ?? String(part))

/**
 * Replaces the loggers with a recording one and provides `TestLogger`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<TestLogger> = Layer.unwrap(
  Effect.sync(() => {
    const recorded: Array<Entry> = []
    const logger = Logger.make<unknown, void>((options) => {
      const parts = Array.isArray(options.message) ? options.message : [options.message]
      recorded.push({
        level: options.logLevel,
        message: parts.map(text).join(" "),
        cause: options.cause.reasons.length === 0 ? "" : Cause.pretty(options.cause),
        annotations: { ...options.fiber.getRef(References.CurrentLogAnnotations) }
      })
    })
    return Layer.merge(
      Layer.succeed(TestLogger, {
        entries: () => recorded.slice(),
        at: (level) => recorded.filter((e) => e.level === level),
        clear: () => {
          recorded.length = 0
        }
      }),
      Logger.layer([logger])
    )
  })
)
