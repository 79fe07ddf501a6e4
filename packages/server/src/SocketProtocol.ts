/**
 * The socket protocol, re-exported from `@specter/protocol` (the one module that
 * defines it, shared with the client), so that `@specter/server` users find it
 * next to the socket server.
 *
 * @since 0.1.0
 */
export * from "@specter/protocol/SocketProtocol"
