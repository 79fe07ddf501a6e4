/**
 * The runtime every Specter application runs on: one `Bus`, one `Registry` and
 * one `ServiceManager`, as `Context` services scoped to the application (not
 * process-wide singletons, so two applications, or two tests, never share them).
 * Original: the global `bus` and `registry`, and `ServiceManager`.
 *
 * @since 0.1.0
 */
import { Layer } from "effect"
import * as Bus from "./Bus.ts"
import * as Registry from "./Registry.ts"
import * as ServiceManager from "./ServiceManager.ts"

/**
 * What `layer` provides.
 *
 * @since 0.1.0
 * @category models
 */
export type Runtime = Bus.Bus | Registry.Registry | ServiceManager.ServiceManager

/**
 * A fresh Bus, Registry and ServiceManager.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Runtime> = Layer.mergeAll(Bus.layer, Registry.layer, ServiceManager.layer)
