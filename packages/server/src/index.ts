/**
 * @specter-runtime/server: HTTP routes, the socket protocol, controllers and the app
 * entry, on top of `@specter-runtime/core` (re-exported, so applications import from one
 * place).
 *
 * @since 0.1.0
 */
export * from "@specter-runtime/core"
export { SocketProtocol } from "@specter-runtime/protocol"
export * as App from "./App.ts"
export * as Body from "./Body.ts"
export * as ClientModule from "./ClientModule.ts"
export * as Controller from "./Controller.ts"
export * as Handler from "./Handler.ts"
export * as Health from "./Health.ts"
export * as HttpError from "./HttpError.ts"
export * as Inspector from "./Inspector.ts"
export * as Metrics from "./Metrics.ts"
export * as OpenApi from "./OpenApi.ts"
export * as Route from "./Route.ts"
export * as Router from "./Router.ts"
export * as SocketApi from "./SocketApi.ts"
export * as SocketIngress from "./SocketIngress.ts"
export * as SocketServer from "./SocketServer.ts"
export * as Telemetry from "./Telemetry.ts"
export type { Session } from "./SocketSession.ts"
