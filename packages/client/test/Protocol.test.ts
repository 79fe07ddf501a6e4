/**
 * The client's side of the protocol: its frame types are `@specter-runtime/protocol`'s,
 * imported as types only, and its small runtime decoder reads what the server's
 * encoder writes.
 */
import { SocketProtocol } from "@specter-runtime/protocol"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { decodeFrame, encodeFrame, type ServerFrame } from "../src/index.ts"

const sources = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [])

describe("protocol", () => {
  it("the client has no runtime dependency: every import that survives type stripping is relative", () => {
    const files = sources(new URL("../src", import.meta.url).pathname)
    const runtime: Array<string> = []
    for (const file of files) {
      for (const [, what, from] of readFileSync(file, "utf8").matchAll(/^(?:import|export)\s+(.*?)\s+from\s+"([^"]+)"/gms)) {
        // `import { type X } from` keeps an (empty) import at runtime; only `import type` is erased.
        if (!what!.startsWith("type ") && !from!.startsWith(".")) runtime.push(`${file}: ${from}`)
      }
    }
    expect(files.length).toBeGreaterThan(5)
    expect(runtime).toEqual([])
  })

  it("decodeFrame reads every frame the server's encoder writes as that frame", () => {
    const frames: ReadonlyArray<ServerFrame> = [
      SocketProtocol.ready("s-1"),
      SocketProtocol.ack(1, { saved: [1, 2] }),
      SocketProtocol.ack(2, undefined),
      SocketProtocol.failed(3, { code: "validation", message: "bad", fields: { name: "required" } }),
      SocketProtocol.failed(undefined, { code: "unknown_event", message: "no handler for event 'x'" }),
      SocketProtocol.event("tick", { n: 1 })
    ]
    for (const frame of frames) {
      const text = SocketProtocol.encode(frame)
      if (text._tag !== "Success") throw new Error("not encodable")
      expect(decodeFrame(text.success)).toEqual(frame)
    }
  })

  it("what encodeFrame writes is a ClientFrame the server decodes as the same frame", () => {
    for (
      const frame of [
        { type: "hello", route: "/items" },
        { type: "emit", event: "items:add", payload: { name: "bolt" }, id: 7 },
        { type: "topic", action: "join", topic: "items" }
      ] as const
    ) {
      const decoded = SocketProtocol.decode(encodeFrame(frame))
      expect(decoded._tag === "Success" ? decoded.success : decoded.failure).toEqual(frame)
    }
  })

  it("decodeFrame never throws and ignores what is not a server envelope", () => {
    for (const data of [new Uint8Array([1]), "{oops", "null", "[]", '{"type":"ready"}', '{"type":"ack","ok":true}', '{"type":"nope"}']) {
      expect(decodeFrame(data)).toBeUndefined()
    }
    expect(decodeFrame('{"type":"ack","id":4,"ok":false}')).toEqual({ type: "ack", id: 4, ok: false, error: { code: "error", message: "error" } })
  })
})
