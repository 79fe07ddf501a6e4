/**
 * The socket side of a load worker: it holds WebSocket clients (`ws`) between
 * jobs, and drives them in one of two ways.
 *
 * - `emit`: every client runs a closed loop of `items:add` emits for a while, the
 *   next one sent as soon as the ack of the last one arrived.
 * - `watch`: every client counts the frames pushed to it (the broadcasts: nothing
 *   else is sent to an idle client); `onProgress(n)` is called each time all the
 *   worker's clients have received `n` frames. Frames are counted, not parsed, so
 *   that receiving costs the load side as little as possible.
 */
import WebSocket from "ws"
import { emitFrame } from "../contract.ts"

interface Client {
  readonly ws: WebSocket
  received: number
}

const clients: Array<Client> = []
/** What a frame does to its client in the current mode. */
let onFrame: (client: Client, data: Buffer) => void = () => {}

const CONCURRENT_OPENS = 100
const CLOSE_LIMIT_MS = 5_000

const open = (url: string) =>
  new Promise<Client>((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    const client: Client = { ws, received: 0 }
    ws.once("open", () => resolve(client))
    ws.once("error", reject)
    ws.on("message", (data: Buffer) => onFrame(client, data))
  })

/** Opens `count` more clients to `url`, `CONCURRENT_OPENS` handshakes at a time. */
export const connect = async (url: string, count: number): Promise<{ readonly open: number }> => {
  for (let done = 0; done < count; done += CONCURRENT_OPENS) {
    const batch = Array.from({ length: Math.min(CONCURRENT_OPENS, count - done) }, () => open(url))
    clients.push(...(await Promise.all(batch)))
  }
  for (const { ws } of clients) ws.on("error", () => {}) // a server going away is not the worker's failure
  return { open: clients.length }
}

/** Closes every client (a normal 1000 close; terminated if the close does not complete in time). */
export const disconnect = async (): Promise<{ readonly closed: number }> => {
  const closing = clients.splice(0)
  onFrame = () => {}
  await Promise.all(closing.map(({ ws }) =>
    new Promise<void>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) return resolve()
      const timer = setTimeout(() => (ws.terminate(), resolve()), CLOSE_LIMIT_MS)
      ws.once("close", () => (clearTimeout(timer), resolve()))
      ws.close(1000)
    })
  ))
  return { closed: closing.length }
}

/** Closed-loop emits on every client for `durationMs`: acks ok, acks failed, and the seconds it ran. */
export const emit = (durationMs: number) =>
  new Promise<{ readonly acks: number; readonly failed: number; readonly seconds: number }>((resolve) => {
    let acks = 0
    let failed = 0
    let running = true
    const ids = new Map<Client, number>()
    onFrame = (client, data) => {
      if (data.includes('"ok":true')) acks++
      else failed++
      if (!running) return
      const id = (ids.get(client) ?? 0) + 1
      ids.set(client, id)
      client.ws.send(emitFrame(id))
    }
    const started = performance.now()
    for (const client of clients) client.ws.send(emitFrame(0))
    setTimeout(() => {
      running = false
      onFrame = () => {}
      resolve({ acks, failed, seconds: (performance.now() - started) / 1000 })
    }, durationMs)
  })

/** Counts frames from zero; `onProgress(n)` once all clients have received `n`. */
export const watch = (onProgress: (n: number) => void): { readonly clients: number } => {
  const reached = new Map<number, number>()
  let progress = 0
  for (const client of clients) client.received = 0
  onFrame = (client) => {
    const n = ++client.received
    const count = (reached.get(n) ?? 0) + 1
    if (count < clients.length) return void reached.set(n, count)
    reached.delete(n)
    if (n > progress) onProgress(progress = n)
  }
  return { clients: clients.length }
}
