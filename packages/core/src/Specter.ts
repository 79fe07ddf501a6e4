/**
 * The runtime every Specter application runs on: one `Bus`, one `Registry`, one
 * `ServiceManager` and one cache graph (`Cache.Caches`), as `Context` services
 * scoped to the application (not process-wide singletons, so two applications, or
 * two tests, never share them). Original: the global `bus` and `registry`, and
 * `ServiceManager`.
 *
 * @since 0.1.0
 */
import { Layer } from "effect"
import * as Bus from "./Bus.ts"
import * as Cache from "./Cache.ts"
import * as Registry from "./Registry.ts"
import * as ServiceManager from "./ServiceManager.ts"

/**
 * What `layer` provides.
 *
 * @since 0.1.0
 * @category models
 */
export type Runtime = Bus.Bus | Registry.Registry | ServiceManager.ServiceManager | Cache.Caches

/**
 * A fresh Bus, Registry, ServiceManager and cache graph.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Runtime> = Layer.mergeAll(Bus.layer, Registry.layer, ServiceManager.layer, Cache.layer)
