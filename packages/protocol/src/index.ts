/**
 * @specter-runtime/protocol: the wire format of Specter's socket endpoint, shared by the
 * server (which decodes and encodes with it) and the client (which imports its
 * types only). Depends on `effect` alone.
 *
 * @since 0.1.0
 */
export * as SocketApi from "./SocketApi.ts"
export * as SocketProtocol from "./SocketProtocol.ts"
