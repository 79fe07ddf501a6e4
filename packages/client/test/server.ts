/**
 * A real `ws` server for the client tests: records every frame it receives, answers
 * `hello` with `ready` and acks emits unless a test answers them itself.
 */
import { afterEach } from "vitest"
import { WebSocketServer, type WebSocket } from "ws"
import { connect, type ConnectOptions, type SocketClient, type Status } from "../src/index.ts"

export type Frame = { readonly type: string; readonly [key: string]: unknown }

/** Answers one frame; return `true` when handled, `false` to fall back to the default answer. */
export type Responder = (frame: Frame, reply: (frame: object) => void, socket: WebSocket) => boolean

export interface TestServer {
  readonly port: number
  readonly url: string
  /** Every frame received, over all connections, in arrival order. */
  readonly frames: Array<Frame>
  readonly sockets: Array<WebSocket>
  /** The first frame (already received or still to come) matching `match`. */
  frame(match: (frame: Frame) => boolean): Promise<Frame>
  /** Resolves when the `n`-th connection (1-based) has arrived. */
  connection(n: number): Promise<WebSocket>
  /** Sends `frame` to every open connection. */
  broadcast(frame: object): void
  /** Kills every connection without a close handshake, as a crash would. */
  dropAll(): void
  /** Kills every connection and stops listening. */
  stop(): Promise<void>
}

export interface ServerOptions {
  readonly port?: number
  readonly sid?: string
  readonly respond?: Responder
}

export const startServer = (options: ServerOptions = {}): Promise<TestServer> =>
  new Promise((resolve, reject) => {
    const wss = new WebSocketServer({ port: options.port ?? 0, host: "127.0.0.1" })
    const frames: Array<Frame> = []
    const sockets: Array<WebSocket> = []
    const frameWaiters: Array<{ match: (frame: Frame) => boolean; resolve: (frame: Frame) => void }> = []
    const connectionWaiters: Array<{ n: number; resolve: (socket: WebSocket) => void }> = []
    let sessions = 0

    wss.on("connection", (socket) => {
      sockets.push(socket)
      for (const waiter of connectionWaiters.filter((w) => w.n === sockets.length)) waiter.resolve(socket)
      const reply = (frame: object) => socket.send(JSON.stringify(frame))
      socket.on("message", (data) => {
        const frame = JSON.parse(String(data)) as Frame
        frames.push(frame)
        for (const waiter of frameWaiters.filter((w) => w.match(frame))) {
          frameWaiters.splice(frameWaiters.indexOf(waiter), 1)
          waiter.resolve(frame)
        }
        if (options.respond?.(frame, reply, socket) === true) return
        if (frame.type === "hello") reply({ type: "ready", sid: `${options.sid ?? "sid"}-${++sessions}` })
        else if (frame.type === "emit" && typeof frame["id"] === "number") {
          reply({ type: "ack", id: frame["id"], ok: true, payload: frame["payload"] })
        }
      })
    })
    wss.on("error", reject)
    wss.on("listening", () => {
      const address = wss.address()
      if (address === null || typeof address === "string") throw new Error("expected a TCP address")
      const dropAll = () => {
        for (const socket of sockets) socket.terminate()
      }
      resolve({
        port: address.port,
        url: `ws://127.0.0.1:${address.port}`,
        frames,
        sockets,
        frame: (match) => {
          const seen = frames.find(match)
          return seen !== undefined ? Promise.resolve(seen) : new Promise((r) => frameWaiters.push({ match, resolve: r }))
        },
        connection: (n) => {
          const seen = sockets[n - 1]
          return seen !== undefined ? Promise.resolve(seen) : new Promise((r) => connectionWaiters.push({ n, resolve: r }))
        },
        broadcast: (frame) => {
          for (const socket of sockets) if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame))
        },
        dropAll,
        stop: () =>
          new Promise<void>((done) => {
            dropAll()
            wss.close(() => done())
          })
      })
    })
  })

/** Resolves with the status when `client.status` matches (or comes to match) `match`. */
export const statusWhere = (client: SocketClient, match: (status: Status) => boolean): Promise<Status> =>
  new Promise((resolve) => {
    if (match(client.status)) return resolve(client.status)
    const off = client.onStatus((next) => {
      if (!match(next)) return
      off()
      resolve(next)
    })
  })

/** Resolves with the status when `client.status` is (or comes to be) in `state`. */
export const statusIs = <S extends Status["state"]>(client: SocketClient, state: S) =>
  statusWhere(client, (status) => status.state === state) as Promise<Extract<Status, { readonly state: S }>>

/** Resolves with the code of the `SocketAckError` the promise rejects with; fails if it resolves. */
export const rejectionCode = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`)
    },
    (error: { readonly code?: unknown }) => error.code
  )

/** Resolves with the payload of the next `event` frame named `event`. */
export const nextEvent = (client: SocketClient, event: string): Promise<unknown> =>
  new Promise((resolve) => {
    const off = client.on(event, (payload) => {
      off()
      resolve(payload)
    })
  })

/**
 * Servers and clients for one test file, all stopped and closed after each test.
 * Clients reconnect after 5 ms, doubling to at most 20 ms, without jitter.
 */
export const harness = () => {
  const servers: Array<TestServer> = []
  const clients: Array<SocketClient> = []
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close()
    await Promise.all(servers.splice(0).map((server) => server.stop()))
  })
  return {
    server: async (options: ServerOptions = {}): Promise<TestServer> => {
      const server = await startServer(options)
      servers.push(server)
      return server
    },
    client: (url: string, options: ConnectOptions = {}): SocketClient => {
      const client = connect(url, { reconnect: { initialDelay: 5, maxDelay: 20, jitter: 0 }, ...options })
      clients.push(client)
      return client
    }
  }
}
