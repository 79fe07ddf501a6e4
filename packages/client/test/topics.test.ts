import { describe, expect, it } from "vitest"
import { harness, statusIs } from "./server.ts"

const h = harness()

describe("topics", () => {
  it("join and leave send topic frames, a second join of the same topic sends nothing", async () => {
    const server = await h.server()
    const client = h.client(server.url)
    await statusIs(client, "open")
    client.join("room:1")
    client.join("room:1")
    client.leave("room:1")
    await client.emit("marker")
    expect(server.frames.filter((f) => f.type === "topic")).toEqual([
      { type: "topic", action: "join", topic: "room:1" },
      { type: "topic", action: "leave", topic: "room:1" }
    ])
  })

  it("joined topics are re-joined after every reconnect, left topics are not", async () => {
    const server = await h.server()
    const client = h.client(server.url)
    client.join("room:1")
    client.join("room:2")
    await statusIs(client, "open")
    client.leave("room:2")
    await client.emit("marker")
    server.dropAll()
    await statusIs(client, "reconnecting")
    await statusIs(client, "open")
    await client.emit("after")
    const second = server.frames.slice(server.frames.findLastIndex((f) => f.type === "hello"))
    expect(second).toEqual([
      { type: "hello" },
      { type: "topic", action: "join", topic: "room:1" },
      { type: "emit", event: "after", id: expect.any(Number) }
    ])
  })
})
