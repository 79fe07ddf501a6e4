import { afterEach, describe, expect, it, vi } from "vitest"
import WebSocket from "ws"
import type { Status } from "../src/index.ts"
import { harness, rejectionCode, statusIs, statusWhere } from "./server.ts"

const h = harness()

afterEach(() => {
  vi.useRealTimers()
})

const emitted = (event: string) => (f: { readonly type: string; readonly [key: string]: unknown }) =>
  f.type === "emit" && f["event"] === event

describe("offline queue and reconnect", () => {
  it("emits made offline are sent in order after the reconnect and settle with their acks", async () => {
    const server = await h.server()
    const client = h.client(server.url)
    await statusIs(client, "open")
    server.dropAll()
    await statusIs(client, "reconnecting")
    const acks = [client.emit("a", 1), client.emit("b", 2), client.emit("c", 3)]
    expect(client.send("d", 4)).toBe(true)
    await expect(Promise.all(acks)).resolves.toEqual([1, 2, 3])
    await server.frame(emitted("d"))
    const second = server.frames.slice(server.frames.findLastIndex((f) => f.type === "hello"))
    expect(second.map((f) => f["event"] ?? f.type)).toEqual(["hello", "a", "b", "c", "d"])
  })

  it("an emit sent but not acked rejects with disconnected when the connection drops, and is never re-sent", async () => {
    const server = await h.server({ respond: (frame) => emitted("slow")(frame) })
    const client = h.client(server.url)
    const slow = client.emit("slow")
    await server.frame(emitted("slow"))
    server.dropAll()
    expect(await rejectionCode(slow)).toBe("disconnected")
    await statusIs(client, "open")
    await client.emit("marker")
    expect(server.frames.filter(emitted("slow"))).toHaveLength(1)
  })

  it("the client reconnects after the server restarts, with a new sid", async () => {
    const first = await h.server({ sid: "first" })
    const client = h.client(first.url)
    await client.emit("ping")
    expect(client.sid).toBe("first-1")
    await first.stop()
    await statusIs(client, "reconnecting")
    expect(client.sid).toBeUndefined()
    // At least one attempt fails against the stopped server.
    await statusIs(client, "connecting")
    await statusIs(client, "reconnecting")
    await h.server({ port: first.port, sid: "second" })
    await expect(client.emit("ping", "again")).resolves.toBe("again")
    expect(client.sid).toBe("second-1")
    expect(client.status.state).toBe("open")
  })

  it("the backoff attempt counter resets after a successful open", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] })
    const server = await h.server()
    const client = h.client(server.url, { WebSocket, reconnect: { initialDelay: 1000, factor: 2, jitter: 0 } })
    await statusIs(client, "open")
    for (const drop of [1, 2]) {
      server.dropAll()
      await statusIs(client, "reconnecting")
      await vi.advanceTimersByTimeAsync(999)
      expect({ drop, status: client.status.state }).toEqual({ drop, status: "reconnecting" })
      await vi.advanceTimersByTimeAsync(1)
      expect({ drop, status: client.status.state }).toEqual({ drop, status: "connecting" })
      await statusIs(client, "open")
    }
  })

  it("a drop is reconnecting with the attempt count and the next delay in ms; failed attempts count up, an open starts over", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] })
    const first = await h.server()
    const client = h.client(first.url, { WebSocket, reconnect: { initialDelay: 1000, factor: 2, jitter: 0 } })
    const statuses: Array<Status> = [client.status]
    client.onStatus((status) => statuses.push(status))
    await statusIs(client, "open")
    await first.stop()
    await statusIs(client, "reconnecting")
    const dropped = Date.now() // the fake clock moves only when advanced
    const refused = statusWhere(client, (s) => s.state === "reconnecting" && s.attempt === 2)
    await vi.advanceTimersByTimeAsync(1000) // attempt 1, against the stopped server
    await refused
    const second = await h.server({ port: first.port })
    await vi.advanceTimersByTimeAsync(2000) // attempt 2 opens
    await statusIs(client, "open")
    expect(statuses).toEqual([
      { state: "connecting", attempt: 0 },
      { state: "open" },
      { state: "reconnecting", attempt: 1, delay: 1000, at: dropped + 1000 },
      { state: "connecting", attempt: 1 },
      { state: "reconnecting", attempt: 2, delay: 2000, at: dropped + 1000 + 2000 },
      { state: "connecting", attempt: 2 },
      { state: "open" }
    ])
    second.dropAll()
    expect(await statusIs(client, "reconnecting")).toMatchObject({ attempt: 1, delay: 1000 })
  })

  it("close stops reconnecting and rejects queued emits with closed", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] })
    const server = await h.server()
    const client = h.client(server.url, { WebSocket })
    await statusIs(client, "open")
    server.dropAll()
    await statusIs(client, "reconnecting") // the reconnect timer is now pending on the fake clock
    const queued = client.emit("late")
    const statuses: Array<Status> = []
    client.onStatus((status) => statuses.push(status))
    client.close()
    vi.advanceTimersByTime(60_000)
    expect(statuses).toEqual([{ state: "closed" }])
    expect(client.status.state).toBe("closed")
    expect(await rejectionCode(queued)).toBe("closed")
    expect(await rejectionCode(client.emit("after"))).toBe("closed")
    expect(server.sockets).toHaveLength(1)
  })

  it("close rejects emits waiting for their ack with closed", async () => {
    const server = await h.server({ respond: (frame) => emitted("slow")(frame) })
    const client = h.client(server.url)
    const slow = client.emit("slow")
    await server.frame(emitted("slow"))
    client.close()
    expect(await rejectionCode(slow)).toBe("closed")
  })

  it("an emit beyond maxQueue while offline rejects with queue_full, a send is dropped", async () => {
    const server = await h.server()
    const client = h.client(server.url, { maxQueue: 2 })
    expect(client.status.state).toBe("connecting")
    const queued = [client.emit("a", 1), client.emit("b", 2)]
    expect(await rejectionCode(client.emit("c", 3))).toBe("queue_full")
    expect(client.send("d")).toBe(false)
    await expect(Promise.all(queued)).resolves.toEqual([1, 2])
    expect(server.frames.filter((f) => f.type === "emit").map((f) => f["event"])).toEqual(["a", "b"])
  })

  it("ackTimeout counts from the send: the emit rejects with timeout at exactly ackTimeout ms", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] })
    const server = await h.server({ respond: (frame) => emitted("slow")(frame) })
    const client = h.client(server.url, { WebSocket, ackTimeout: 1000 })
    let settled = false
    const slow = client.emit("slow")
    slow.catch(() => {}).finally(() => {
      settled = true
    })
    await server.frame(emitted("slow"))
    await vi.advanceTimersByTimeAsync(999)
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(await rejectionCode(slow)).toBe("timeout")
  })

  it("with reconnect false a drop closes the client for good", async () => {
    const server = await h.server()
    const client = h.client(server.url, { reconnect: false })
    await statusIs(client, "open")
    server.dropAll()
    await statusIs(client, "closed")
    expect(await rejectionCode(client.emit("after"))).toBe("closed")
    expect(client.send("after")).toBe(false)
  })
})
