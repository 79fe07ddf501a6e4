import { describe, expect, it } from "vitest"
import { SocketAckError } from "../src/index.ts"
import { harness, rejectionCode } from "./server.ts"

const h = harness()

describe("acks", () => {
  it("emit resolves with the payload of the ack", async () => {
    const server = await h.server({
      respond: (frame, reply) =>
        frame.type === "emit" && (reply({ type: "ack", id: frame["id"], ok: true, payload: { saved: frame["payload"] } }), true)
    })
    const client = h.client(server.url)
    await expect(client.emit("items:add", { name: "bolt" })).resolves.toEqual({ saved: { name: "bolt" } })
    expect(await server.frame((f) => f.type === "emit")).toEqual({
      type: "emit",
      event: "items:add",
      payload: { name: "bolt" },
      id: expect.any(Number)
    })
  })

  it("emit rejects with a SocketAckError carrying the server's code, message and fields", async () => {
    const server = await h.server({
      respond: (frame, reply) =>
        frame.type === "emit" &&
        (reply({
          type: "ack",
          id: frame["id"],
          ok: false,
          error: { code: "invalid", message: "name is required", fields: { name: "required" } }
        }),
          true)
    })
    const client = h.client(server.url)
    const error = await client.emit("items:add", {}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SocketAckError)
    expect(error).toMatchObject({ code: "invalid", message: "name is required", fields: { name: "required" } })
  })

  it("call sends the action as the event name and resolves with its ack", async () => {
    const server = await h.server()
    const client = h.client(server.url)
    await expect(client.call("items/rename", { id: 7, name: "nut" })).resolves.toEqual({ id: 7, name: "nut" })
    expect(await server.frame((f) => f.type === "emit")).toMatchObject({ event: "items/rename" })
  })

  it("send emits without an id, so the server sends no ack", async () => {
    const server = await h.server()
    const client = h.client(server.url)
    expect(client.send("cursor:move", { x: 1 })).toBe(true)
    expect(await server.frame((f) => f.type === "emit")).toEqual({ type: "emit", event: "cursor:move", payload: { x: 1 } })
  })

  it("emit rejects with timeout when no ack arrives within ackTimeout ms", async () => {
    const server = await h.server({ respond: (frame) => frame.type === "emit" })
    const client = h.client(server.url, { ackTimeout: 20 })
    expect(await rejectionCode(client.emit("slow"))).toBe("timeout")
  })

  it("an error frame carrying an emit's id rejects that emit with its code", async () => {
    const server = await h.server({
      respond: (frame, reply) =>
        frame.type === "emit" &&
        (reply({ type: "error", code: "unknown_event", message: "no such event", id: frame["id"] }), true)
    })
    const client = h.client(server.url)
    expect(await rejectionCode(client.emit("typo"))).toBe("unknown_event")
  })

  it("emit rejects with invalid_payload for a payload that is not JSON", async () => {
    const server = await h.server()
    const client = h.client(server.url)
    expect(await rejectionCode(client.emit("items:add", { count: 1n }))).toBe("invalid_payload")
  })
})
