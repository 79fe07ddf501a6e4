/**
 * @specter-runtime/core: the Specter runtime without HTTP.
 *
 * @since 0.1.0
 */
export * as Answer from "./Answer.ts"
export * as Bus from "./Bus.ts"
export * as Cache from "./Cache.ts"
export * as Field from "./Field.ts"
export * as ManagedProcess from "./ManagedProcess.ts"
export * as Model from "./Model.ts"
export * as Operation from "./Operation.ts"
export * as Outcome from "./Outcome.ts"
export * as Persistence from "./Persistence.ts"
export * as QueueService from "./QueueService.ts"
export * as Registry from "./Registry.ts"
export * as Service from "./Service.ts"
export * as ServiceManager from "./ServiceManager.ts"
export * as Specter from "./Specter.ts"
export * as Store from "./Store.ts"
export * as Watcher from "./Watcher.ts"
