/**
 * Before anything is measured, each server must answer the contract the same
 * way (`contract.ts`): a valid item is coerced and stored (201), an invalid one
 * refused (400), the snapshot lists it, an emit is acked with the item, and a
 * broadcast reaches a connected socket. A server that does not is not benched.
 */
import WebSocket from "ws"
import { emitFrame, INVALID_BODY, ITEM_BODY } from "./contract.ts"
import type { Server } from "./server.ts"

const LIMIT_MS = 5_000

const check = (server: Server, ok: boolean, what: string) => {
  if (!ok) throw new Error(`${server.name} does not follow the contract: ${what}`)
}

const post = (server: Server, path: string, body?: string) =>
  fetch(`${server.url}${path}`, {
    method: "POST",
    ...(body === undefined ? {} : { body, headers: { "content-type": "application/json" } }),
    signal: AbortSignal.timeout(LIMIT_MS)
  })

const isItem = (u: unknown) => {
  const item = u as Record<string, unknown>
  return item.name === "widget" && item.quantity === 3 && item.active === true && JSON.stringify(item.tags) === '["red","small"]' &&
    typeof item.id === "string" && typeof item.createdAt === "number"
}

/** The next frame `ws` receives, parsed. */
const next = (ws: WebSocket) =>
  new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no frame")), LIMIT_MS)
    ws.once("message", (data: Buffer) => (clearTimeout(timer), resolve(JSON.parse(data.toString()))))
  })

const http = async (server: Server) => {
  const created = await post(server, "/api/items", ITEM_BODY)
  check(server, created.status === 201 && isItem(await created.json()), "POST /api/items answers 201 with the coerced item")
  const refused = await post(server, "/api/items", INVALID_BODY)
  check(server, refused.status === 400, "an item with an empty name answers 400")
  const list = await fetch(`${server.url}/api/items`, { signal: AbortSignal.timeout(LIMIT_MS) })
  const { items } = (await list.json()) as { items: ReadonlyArray<unknown> }
  check(server, list.status === 200 && isItem(items[items.length - 1]), "GET /api/items lists the item")
}

const socket = async (server: Server) => {
  const ws = new WebSocket(`${server.url.replace("http:", "ws:")}/ws`)
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)))
  try {
    ws.send(emitFrame(7))
    const ack = await next(ws)
    check(server, ack.type === "ack" && ack.id === 7 && ack.ok === true && isItem(ack.payload), "items:add is acked with the item")
    const frame = next(ws)
    const sent = (await (await post(server, "/api/broadcast")).json()) as { sent: number }
    const pushed = await frame
    check(server, sent.sent === 1 && pushed.type === "event" && pushed.event === "tick", "a broadcast reaches the socket")
  } finally {
    ws.close()
  }
}

export const verify = async (server: Server): Promise<void> => {
  await http(server)
  await socket(server)
}
