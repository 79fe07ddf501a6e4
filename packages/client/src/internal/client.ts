/**
 * The implementation behind `connect`: socket lifecycle, frame dispatch, offline
 * queue and reconnect timer. The public contract is documented in `Client.ts`.
 *
 * @internal
 */
import { makeBackoff } from "../Backoff.ts"
import type { ConnectOptions, SocketClient, Status } from "../Client.ts"
import { decodeFrame, encodeFrame, type ClientFrame, type ErrorFrame } from "../Protocol.ts"
import { SocketAckError } from "../SocketAckError.ts"
import { OPEN, type WebSocketConstructor, type WebSocketLike } from "../WebSocketLike.ts"
import { makeListeners, type Listeners } from "./listeners.ts"
import { makePendingAcks, type Ack } from "./pending.ts"

interface Queued {
  readonly frame: string
  readonly id: number | undefined
  readonly ack: Ack | undefined
}

const noop = (): void => {}

/** @internal */
export const makeClient = (target: string, options: ConnectOptions): SocketClient => {
  const WebSocketImpl = options.WebSocket ?? (globalThis as { readonly WebSocket?: WebSocketConstructor }).WebSocket
  if (WebSocketImpl === undefined) {
    throw new TypeError("@specter-runtime/client: no global WebSocket; pass options.WebSocket (e.g. the ws package)")
  }
  const ackTimeout = options.ackTimeout ?? 10_000
  const maxQueue = options.maxQueue ?? 1000
  const backoff = options.reconnect === false ? undefined : makeBackoff(options.reconnect ?? {})
  const hello: ClientFrame = options.route === undefined ? { type: "hello" } : { type: "hello", route: options.route }

  let socket: WebSocketLike | undefined
  let status: Status = "connecting"
  let sid: string | undefined
  let closed = false
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined
  let nextId = 1
  const topics = new Set<string>()
  const queue: Array<Queued> = []
  const pending = makePendingAcks()
  const handlers = new Map<string, Listeners<unknown>>()
  const statusListeners = makeListeners<Status>("status")
  const errorListeners = makeListeners<ErrorFrame>("error")

  const setStatus = (next: Status): void => {
    if (status === next) return
    status = next
    statusListeners.emit(next)
  }

  /** Writes one frame on the current socket; `false` when it is not open. */
  const transmit = (frame: string): boolean => {
    if (socket === undefined || socket.readyState !== OPEN) return false
    try {
      socket.send(frame)
      return true
    } catch {
      return false
    }
  }

  const topicFrame = (action: "join" | "leave", topic: string): string =>
    encodeFrame({ type: "topic", action, topic })

  const dispatch = (data: unknown): void => {
    const frame = decodeFrame(data)
    if (frame === undefined) {
      console.error("[@specter-runtime/client] ignored a frame that is not a server envelope", data)
      return
    }
    switch (frame.type) {
      case "ready":
        sid = frame.sid
        return
      case "ack":
        if (frame.ok) pending.resolve(frame.id, frame.payload)
        else pending.reject(frame.id, new SocketAckError(frame.error.code, frame.error.message, frame.error.fields))
        return
      case "event":
        handlers.get(frame.event)?.emit(frame.payload)
        return
      case "error": {
        if (frame.id !== undefined && pending.reject(frame.id, new SocketAckError(frame.code, frame.message))) return
        const error: ErrorFrame = { type: "error", code: frame.code, message: frame.message }
        if (errorListeners.size > 0) errorListeners.emit(error)
        else console.error(`[@specter-runtime/client] server error ${error.code}: ${error.message}`)
        return
      }
    }
  }

  const rejectQueue = (): void => {
    for (const entry of queue.splice(0)) {
      entry.ack?.reject(new SocketAckError("closed", `"${entry.ack.event}": the client was closed before it was sent`))
    }
  }

  const opened = (): void => {
    backoff?.reset()
    transmit(encodeFrame(hello))
    for (const topic of topics) transmit(topicFrame("join", topic))
    while (queue.length > 0) {
      const entry = queue[0]
      if (entry === undefined || !transmit(entry.frame)) break
      queue.shift()
      if (entry.id !== undefined && entry.ack !== undefined) pending.add(entry.id, entry.ack, ackTimeout)
    }
    setStatus("open")
  }

  const dropped = (): void => {
    socket = undefined
    sid = undefined
    pending.rejectAll("disconnected", "the connection dropped before the ack arrived")
    if (backoff === undefined) {
      closed = true
      rejectQueue()
    }
    setStatus("closed")
    // A status listener may have called close().
    if (closed || backoff === undefined) return
    reconnectTimer = setTimeout(reconnect, backoff.next())
  }

  const open = (): void => {
    setStatus("connecting")
    const ws = new WebSocketImpl(target)
    socket = ws
    ws.onopen = () => {
      if (socket === ws) opened()
    }
    ws.onmessage = (event: { readonly data: unknown }) => {
      if (socket === ws) dispatch(event.data)
    }
    ws.onclose = () => {
      if (socket === ws) dropped()
    }
    // A close always follows an error; `ws` throws on an error without a listener.
    ws.onerror = noop
  }

  const reconnect = (): void => {
    reconnectTimer = undefined
    if (closed) return
    try {
      open()
    } catch (error) {
      console.error("[@specter-runtime/client] could not open a WebSocket", error)
      dropped()
    }
  }

  /** Sends `frame` now if open, else queues it; `false` when the queue is full. */
  const submit = (entry: Queued): boolean => {
    if (status === "open" && transmit(entry.frame)) {
      if (entry.id !== undefined && entry.ack !== undefined) pending.add(entry.id, entry.ack, ackTimeout)
      return true
    }
    if (queue.length >= maxQueue) return false
    queue.push(entry)
    return true
  }

  const emit = (event: string, payload?: unknown): Promise<unknown> =>
    new Promise<unknown>((resolve, reject) => {
      if (closed) {
        reject(new SocketAckError("closed", `"${event}": the client is closed`))
        return
      }
      const id = nextId++
      let frame: string
      try {
        frame = encodeFrame({ type: "emit", event, payload, id })
      } catch (error) {
        reject(new SocketAckError("invalid_payload", `"${event}": the payload is not JSON (${String(error)})`))
        return
      }
      if (!submit({ frame, id, ack: { event, resolve, reject } })) {
        reject(new SocketAckError("queue_full", `"${event}": ${maxQueue} emits are already waiting to be sent`))
      }
    })

  const client: SocketClient = {
    get status() {
      return status
    },
    get sid() {
      return sid
    },
    emit,
    call: emit,
    send: (event, payload) =>
      !closed && submit({ frame: encodeFrame({ type: "emit", event, payload }), id: undefined, ack: undefined }),
    on: (event, handler) => {
      let listeners = handlers.get(event)
      if (listeners === undefined) {
        listeners = makeListeners<unknown>(`"${event}"`)
        handlers.set(event, listeners)
      }
      listeners.add(handler)
      return () => client.off(event, handler)
    },
    off: (event, handler) => {
      const listeners = handlers.get(event)
      listeners?.remove(handler)
      if (listeners?.size === 0) handlers.delete(event)
    },
    join: (topic) => {
      if (closed || topics.has(topic)) return
      topics.add(topic)
      if (status === "open") transmit(topicFrame("join", topic))
    },
    leave: (topic) => {
      if (!topics.delete(topic)) return
      if (status === "open") transmit(topicFrame("leave", topic))
    },
    onStatus: (listener) => statusListeners.add(listener),
    onError: (listener) => errorListeners.add(listener),
    close: () => {
      if (closed) return
      closed = true
      clearTimeout(reconnectTimer)
      reconnectTimer = undefined
      const ws = socket
      socket = undefined
      sid = undefined
      if (ws !== undefined) {
        ws.onopen = null
        ws.onmessage = null
        ws.onclose = null
        try {
          ws.close(1000)
        } catch {
          // Already closing.
        }
      }
      rejectQueue()
      pending.rejectAll("closed", "the client was closed before the ack arrived")
      setStatus("closed")
    }
  }
  open()
  return client
}
