/**
 * The implementation behind `connect`: a `Connection` (the socket, its reconnects
 * and the status), an `Outbox` (emits, the offline queue), an `Inbox` (server
 * frames) and the joined topics, wired together. The public contract is
 * documented in `Client.ts`.
 *
 * @internal
 */
import { makeBackoff } from "../Backoff.ts"
import type { ConnectOptions, SocketClient, Untyped } from "../Client.ts"
import { encodeFrame } from "../Protocol.ts"
import type { WebSocketConstructor } from "../WebSocketLike.ts"
import { Connection } from "./connection.ts"
import { Inbox } from "./inbox.ts"
import { Outbox } from "./outbox.ts"
import { makePendingAcks } from "./pending.ts"

interface Parts {
  readonly connection: Connection
  readonly inbox: Inbox
  readonly outbox: Outbox
  /** The topics to be in: joined on every open until left. */
  readonly topics: Set<string>
}

const topicFrame = (action: "join" | "leave", topic: string): string => encodeFrame({ type: "topic", action, topic })

const webSocketOf = (options: ConnectOptions): WebSocketConstructor => {
  const WebSocket = options.WebSocket ?? (globalThis as { readonly WebSocket?: WebSocketConstructor }).WebSocket
  if (WebSocket === undefined) {
    throw new TypeError("@specter-runtime/client: no global WebSocket; pass options.WebSocket (e.g. the ws package)")
  }
  return WebSocket
}

/** Builds the parts; on every open the hello goes first, then the joins, then the queue. */
const wire = (target: string, options: ConnectOptions): Parts => {
  const hello = encodeFrame(options.route === undefined ? { type: "hello" } : { type: "hello", route: options.route })
  const backoff = options.reconnect === false ? undefined : makeBackoff(options.reconnect ?? {})
  const pending = makePendingAcks()
  const inbox = new Inbox(pending)
  const topics = new Set<string>()
  const connection: Connection = new Connection(target, webSocketOf(options), backoff, {
    opened: () => {
      connection.transmit(hello)
      for (const topic of topics) connection.transmit(topicFrame("join", topic))
      outbox.flush()
    },
    message: (data) => inbox.receive(data),
    dropped: () => {
      inbox.sid = undefined
      outbox.disconnected()
    },
    closed: () => {
      inbox.sid = undefined
      outbox.close()
    }
  })
  const outbox = new Outbox(
    { isOpen: () => connection.status.state === "open", transmit: (frame) => connection.transmit(frame) },
    pending,
    { ackTimeout: options.ackTimeout ?? 10_000, maxQueue: options.maxQueue ?? 1000 }
  )
  return { connection, inbox, outbox, topics }
}

/** @internal A client as the implementation sees it: every name a string, every payload `unknown`. */
export type ClientImpl = Omit<SocketClient<Untyped>, "emit" | "send" | "call"> & {
  readonly emit: (event: string, payload?: unknown) => Promise<unknown>
  readonly send: (event: string, payload?: unknown) => boolean
  readonly call: (action: string, payload?: unknown) => Promise<unknown>
}

/** @internal */
export const makeClient = (target: string, options: ConnectOptions): ClientImpl => {
  const { connection, inbox, outbox, topics } = wire(target, options)
  const isOpen = () => connection.status.state === "open"
  const client: ClientImpl = {
    get status() {
      return connection.status
    },
    get sid() {
      return inbox.sid
    },
    emit: (event, payload) => outbox.emit(event, payload),
    call: (action, payload) => outbox.emit(action, payload),
    send: (event, payload) => outbox.send(event, payload),
    on: (event, handler) => inbox.on(event, handler),
    off: (event, handler) => inbox.off(event, handler),
    join: (topic) => {
      if (connection.closed || topics.has(topic)) return
      topics.add(topic)
      if (isOpen()) connection.transmit(topicFrame("join", topic))
    },
    leave: (topic) => {
      if (topics.delete(topic) && isOpen()) connection.transmit(topicFrame("leave", topic))
    },
    onStatus: (listener) => connection.onStatus(listener),
    onReady: (listener) => inbox.onReady(listener),
    onError: (listener) => inbox.onError(listener),
    close: () => connection.close()
  }
  connection.start()
  return client
}
