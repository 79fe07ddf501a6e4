/**
 * Baseline 1: raw `node:http` + `ws`, with hand-written JSON handling and an
 * array store, implementing `contract.ts` (`PORT`, on 127.0.0.1). SIGTERM closes
 * every socket with 1001, stops listening, and exits once the server has closed.
 */
import { randomUUID } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { type WebSocket, WebSocketServer } from "ws"
import { KEEP, TICK } from "../contract.ts"
import * as Probe from "./probe.ts"

interface Item {
  readonly id: string
  readonly name: string
  readonly quantity: number
  readonly active: boolean
  readonly tags: ReadonlyArray<string>
  readonly createdAt: number
}

const items: Array<Item> = []

const INT = /^[+-]?\d+$/
const toInt = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isInteger(v) ? v : typeof v === "string" && INT.test(v.trim()) ? Number(v) : undefined
const toBool = (v: unknown): boolean | undefined =>
  v === undefined ? true : typeof v === "boolean" ? v : typeof v === "string" ? !["", "0", "false", "no", "off"].includes(v) : undefined

/** The item of a payload, or `undefined` when it is not a valid one. */
const parseItem = (input: unknown): Item | undefined => {
  if (typeof input !== "object" || input === null) return undefined
  const { active, name, quantity, tags } = input as Record<string, unknown>
  const q = toInt(quantity)
  const a = toBool(active)
  const t = tags === undefined ? [] : tags
  if (typeof name !== "string" || name === "" || q === undefined || a === undefined) return undefined
  if (!Array.isArray(t) || !t.every((tag) => typeof tag === "string")) return undefined
  return { id: randomUUID(), name, quantity: q, active: a, tags: t, createdAt: Date.now() }
}

const add = (item: Item): Item => {
  items.push(item)
  if (items.length > KEEP) items.shift()
  return item
}

const send = (res: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
  res.end(text)
}

const readJson = (req: IncomingMessage, then: (body: unknown) => void, res: ServerResponse) => {
  const chunks: Array<Buffer> = []
  req.on("data", (chunk: Buffer) => chunks.push(chunk))
  req.on("end", () => {
    let body: unknown
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"))
    } catch {
      return send(res, 400, { error: "invalid JSON" })
    }
    then(body)
  })
}

const server = createServer((req, res) => {
  const { method, url } = req
  if (method === "GET" && url === "/health") return send(res, 200, { status: "ok" })
  if (method === "GET" && url === "/api/items") return send(res, 200, { items })
  if (method === "POST" && url === "/api/items") {
    return readJson(req, (body) => {
      const item = parseItem(body)
      return item === undefined ? send(res, 400, { error: "validation" }) : send(res, 201, add(item))
    }, res)
  }
  if (method === "POST" && url === "/api/broadcast") {
    const frame = JSON.stringify({ type: "event", event: "tick", payload: TICK })
    for (const client of wss.clients) client.send(frame)
    return send(res, 200, { sent: wss.clients.size })
  }
  send(res, 404, { error: "not found" })
})

const onFrame = (ws: WebSocket, data: Buffer) => {
  let frame: { type?: unknown; event?: unknown; payload?: unknown; id?: unknown }
  try {
    frame = JSON.parse(data.toString("utf8"))
  } catch {
    return ws.send(JSON.stringify({ type: "error", code: "bad_frame", message: "not JSON" }))
  }
  if (frame.type !== "emit" || frame.event !== "items:add") {
    return ws.send(JSON.stringify({ type: "error", code: "unknown_event", message: "unknown event" }))
  }
  const item = parseItem(frame.payload)
  if (frame.id === undefined) return item === undefined ? undefined : void add(item)
  ws.send(JSON.stringify(
    item === undefined
      ? { type: "ack", id: frame.id, ok: false, error: { code: "validation", message: "invalid item" } }
      : { type: "ack", id: frame.id, ok: true, payload: add(item) }
  ))
}

const wss = new WebSocketServer({ server, path: "/ws" })
wss.on("connection", (ws) => ws.on("message", (data: Buffer) => onFrame(ws, data)))

process.on("SIGTERM", () => {
  for (const client of wss.clients) client.close(1001, "server shutting down")
  server.close(() => process.exit(0))
  server.closeIdleConnections()
})

Probe.install()
server.listen(Number(process.env["PORT"]), "127.0.0.1")
