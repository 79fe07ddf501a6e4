import { afterEach, describe, expect, it, vi } from "vitest"
import WebSocket from "ws"
import type { ErrorFrame } from "../src/index.ts"
import { harness, nextEvent, statusIs } from "./server.ts"

const h = harness()

afterEach(() => {
  vi.restoreAllMocks()
})

describe("events and session", () => {
  it("hello carries the route and the ready frame sets sid", async () => {
    const server = await h.server({ sid: "s" })
    const client = h.client(server.url, { route: "/items" })
    expect(client.sid).toBeUndefined()
    expect(await server.frame((f) => f.type === "hello")).toEqual({ type: "hello", route: "/items" })
    await client.emit("ping") // acked after ready, frames are ordered
    expect(client.sid).toBe("s-1")
  })

  it("onReady gets the sid of the ready frame of every connection, when sid is set", async () => {
    const server = await h.server({ sid: "s" })
    const client = h.client(server.url)
    const seen: Array<[string, string | undefined]> = []
    const second = new Promise<void>((resolve) =>
      client.onReady((sid) => {
        seen.push([sid, client.sid])
        if (seen.length === 2) resolve()
      }))
    await statusIs(client, "open")
    await client.emit("ping") // acked after ready: the first sid is in
    server.dropAll()
    await second
    expect(seen).toEqual([["s-1", "s-1"], ["s-2", "s-2"]])
  })

  it("hello is sent without a route when none is given", async () => {
    const server = await h.server()
    h.client(server.url)
    expect(await server.frame((f) => f.type === "hello")).toEqual({ type: "hello" })
  })

  it("on calls the handler with each event's payload until off", async () => {
    const server = await h.server()
    const client = h.client(server.url)
    const seen: Array<unknown> = []
    const handler = (payload: unknown) => void seen.push(payload)
    client.on("tick", handler)
    await statusIs(client, "open")
    server.broadcast({ type: "event", event: "tick", payload: 1 })
    await nextEvent(client, "tick")
    client.off("tick", handler)
    server.broadcast({ type: "event", event: "tick", payload: 2 })
    server.broadcast({ type: "event", event: "done" })
    await nextEvent(client, "done")
    expect(seen).toEqual([1])
  })

  it("the function returned by on removes the handler", async () => {
    const server = await h.server()
    const client = h.client(server.url)
    const seen: Array<unknown> = []
    const off = client.on("tick", (payload) => void seen.push(payload))
    off()
    await statusIs(client, "open")
    server.broadcast({ type: "event", event: "tick", payload: 1 })
    server.broadcast({ type: "event", event: "done" })
    await nextEvent(client, "done")
    expect(seen).toEqual([])
  })

  it("a handler that throws is reported and the other handlers still run", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {})
    const server = await h.server()
    const client = h.client(server.url)
    client.on("tick", () => {
      throw new Error("boom")
    })
    const second = nextEvent(client, "tick")
    await statusIs(client, "open")
    server.broadcast({ type: "event", event: "tick", payload: 1 })
    expect(await second).toBe(1)
    expect(errors).toHaveBeenCalledOnce()
  })

  it("onError receives the server's error frames", async () => {
    const server = await h.server()
    const client = h.client(server.url)
    const received = new Promise<ErrorFrame>((resolve) => client.onError(resolve))
    await statusIs(client, "open")
    server.broadcast({ type: "error", code: "bad_frame", message: "not JSON" })
    expect(await received).toEqual({ type: "error", code: "bad_frame", message: "not JSON" })
  })

  it("an injected WebSocket constructor (the ws package) is used instead of the global one", async () => {
    const constructed: Array<string> = []
    class Recording extends WebSocket {
      constructor(url: string) {
        super(url)
        constructed.push(url)
      }
    }
    const server = await h.server()
    const client = h.client(server.url, { WebSocket: Recording })
    await expect(client.emit("ping", 1)).resolves.toBe(1)
    expect(constructed).toEqual([server.url])
  })
})
