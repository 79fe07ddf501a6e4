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

const ignore = (): void => {}

/**
 * Takes the connection of an upgrade request away from the HTTP server and
 * gives it to `wss`; `onOpen` receives the WebSocket once the 101 is written.
 *
 * Effect's Node server would otherwise write the route's answer on the
 * connection and keep the request, its fiber and their closures reachable from
 * the socket for the life of the connection (through the `close` and `error`
 * listeners it adds once the route's fiber has started). So the response object
 * is detached and ended now (the route's answer goes nowhere), and on the next
 * tick, once those listeners are there, `ws` takes the connection and the
 * listeners added since this call are dropped: only those, so that the
 * connection table of the HTTP server (`shutdown.ts`) still hears the close.
 * They are dropped after `ws` added its own, so that no event name loses its
 * last listener: deleting a key would turn the socket's listener table into a
 * dictionary, 832 bytes for the life of the connection instead of about 100.
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
  const before = { close: socket.listeners("close"), error: socket.listeners("error") }
  response.detachSocket(socket as never)
  response.removeAllListeners("finish")
  response.end()
  process.nextTick(() => {
    const added = {
      close: socket.listeners("close").filter((listener) => !before.close.includes(listener)),
      error: socket.listeners("error").filter((listener) => !before.error.includes(listener))
    }
    let dropped = false
    const drop = () => {
      if (dropped) return
      dropped = true
      // A connection `ws` did not take (a refused handshake, or one already gone) still needs an `error` listener.
      if (socket.listenerCount("error") === added.error.length) socket.on("error", ignore)
      for (const listener of added.close) socket.removeListener("close", listener as () => void)
      for (const listener of added.error) socket.removeListener("error", listener as () => void)
    }
    if (!socket.destroyed) {
      wss.handleUpgrade(message, socket, EMPTY, (ws) => {
        drop()
        onOpen(ws, socket)
      })
    }
    drop()
  })
}
