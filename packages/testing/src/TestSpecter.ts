/**
 * The Specter runtime for tests: a fresh Bus, Registry and ServiceManager per
 * test, with logs recorded by `TestLogger` instead of printed.
 *
 * @since 0.1.0
 */
import { Specter } from "@specter-runtime/core"
import { Layer } from "effect"
import * as TestLogger from "./TestLogger.ts"

/**
 * `Specter.layer` plus `TestLogger.layer`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Specter.Runtime | TestLogger.TestLogger> = Layer.merge(Specter.layer, TestLogger.layer)
