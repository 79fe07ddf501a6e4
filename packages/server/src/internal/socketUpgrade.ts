/**
 * The checks an upgrade request passes before it becomes a session, and the
 * hand-over of its connection from the HTTP server to `ws`.
 *
 * @internal
 */
import { HttpServerResponse } from "effect/http"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { Duplex } from "node:stream"
import type { WebSocket, WebSocketServer } from "ws"

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"])

/** An answer refusing an upgrade, with the protocol's JSON error body. */
export const refuse = (status: number, error: string, headers: Record<string, string> = {}) =>
  HttpServerResponse.jsonUnsafe({ error }, { status, headers })

/** Whether `request` asks for a WebSocket: an HTTP/1.1 upgrade with `Upgrade: websocket`. */
export const asksForWebSocket = (message: IncomingMessage): boolean =>
  (message as { readonly upgrade?: boolean }).upgrade === true && message.headers.upgrade?.toLowerCase() === "websocket"

/**
 * Whether the `Origin` of an upgrade is allowed. No `Origin` (a client that is
 * not a browser) is allowed; with `allowed` given, only the origins it lists (or
 * any, for `"*"`); without it, the request's own origin and localhost.
 */
export const originAllowed = (message: IncomingMessage, allowed: ReadonlySet<string> | undefined): boolean => {
  const origin = message.headers.origin
  if (origin === undefined) return true
  const normalized = origin.toLowerCase().replace(/\/+$/, "")
  if (allowed !== undefined) return allowed.has("*") || allowed.has(normalized)
  let url: URL
  try {
    url = new URL(normalized)
  } catch {
    return false
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false
  return LOCAL_HOSTS.has(url.hostname) || url.host === message.headers.host?.toLowerCase()
}

const EMPTY = Buffer.alloc(0)

/**
 * Takes the connection of an upgrade request away from the HTTP server and
 * gives it to `wss`; `onOpen` receives the WebSocket once the 101 is written.
 *
 * Effect's Node server would otherwise write the route's answer on the
 * connection and keep the request, its fiber and their closures reachable from
 * the socket for the life of the connection (through the `close` and `error`
 * listeners it adds once the route's fiber has started). So the response object
 * is detached and ended now (the route's answer goes nowhere), and on the next
 * tick, once those listeners are there, the connection's `close` and `error`
 * listeners are dropped (Node removed its own at the upgrade) and `ws` takes it.
 * Node passes the bytes a client sent after its upgrade request only to
 * `upgrade` listeners; a WebSocket client sends none before the 101 (RFC 6455
 * §4.1), so none are lost.
 */
export const handOver = (
  message: IncomingMessage,
  response: ServerResponse,
  wss: WebSocketServer,
  onOpen: (ws: WebSocket, socket: Duplex) => void
): void => {
  const socket: Duplex = message.socket
  response.detachSocket(socket as never)
  response.removeAllListeners("finish")
  response.end()
  process.nextTick(() => {
    socket.removeAllListeners("close")
    socket.removeAllListeners("error")
    if (socket.destroyed) return
    wss.handleUpgrade(message, socket, EMPTY, (ws) => onOpen(ws, socket))
  })
}
