/**
 * The socket protocol module: the envelopes of architecture.md as Schemas, the
 * server's decoding of client frames (a hand-written fast path that must agree
 * with the Schema) and its encoding of server frames.
 */
import { assert, describe, it } from "@effect/vitest"
import { SocketProtocol } from "@specter-runtime/protocol"
import { Arbitrary, Effect, Result, Schema } from "effect"

const { decode } = SocketProtocol
const viaSchema = (text: string) => Schema.decodeUnknownResult(SocketProtocol.ClientFrame)(JSON.parse(text))

const ok = (text: string) => {
  const result = decode(text)
  if (Result.isFailure(result)) throw new Error(`expected ${text} to decode, got ${result.failure.message}`)
  return result.success
}
const rejected = (text: string) => {
  const result = decode(text)
  if (Result.isSuccess(result)) throw new Error(`expected ${text.slice(0, 80)} to be rejected`)
  return result.failure
}

/** Values near the envelopes: right and wrong types, lengths and keys, mixed. */
const NearFrame = Schema.Struct({
  type: Schema.optionalKey(Schema.Union([Schema.Literals(["hello", "emit", "topic", "ready", "ack"]), Schema.String, Schema.Number, Schema.Null])),
  event: Schema.optionalKey(Schema.Union([Schema.Literals(["", "e", "constructor"]), Schema.String, Schema.Number, Schema.Null, Schema.Array(Schema.String)])),
  route: Schema.optionalKey(Schema.Union([Schema.String, Schema.Number])),
  action: Schema.optionalKey(Schema.Union([Schema.Literals(["join", "leave"]), Schema.String, Schema.Boolean])),
  topic: Schema.optionalKey(Schema.Union([Schema.Literals(["", "t"]), Schema.String, Schema.Boolean])),
  id: Schema.optionalKey(Schema.Union([Schema.Literals([0, -1, 1.5, ""]), Schema.Number, Schema.String, Schema.Null, Schema.Boolean])),
  payload: Schema.optionalKey(Schema.Json),
  extra: Schema.optionalKey(Schema.Json)
})

describe("SocketProtocol", () => {
  it("decodes every client envelope, dropping unknown keys", () => {
    assert.deepStrictEqual(ok('{"type":"hello"}'), { type: "hello" })
    assert.deepStrictEqual(ok('{"type":"hello","route":"/page","x":1}'), { type: "hello", route: "/page" })
    assert.deepStrictEqual(ok('{"type":"emit","event":"items:add"}'), { type: "emit", event: "items:add" })
    assert.deepStrictEqual(ok('{"type":"emit","event":"e","payload":null,"id":"a-1"}'), { type: "emit", event: "e", payload: null, id: "a-1" })
    assert.deepStrictEqual(ok('{"type":"emit","event":"e","payload":{"n":[1]},"id":7,"extra":true}'), {
      type: "emit",
      event: "e",
      payload: { n: [1] },
      id: 7
    })
    assert.deepStrictEqual(ok('{"type":"topic","action":"join","topic":"room:1"}'), { type: "topic", action: "join", topic: "room:1" })
    assert.deepStrictEqual(ok('{"type":"topic","action":"leave","topic":"room:1"}'), { type: "topic", action: "leave", topic: "room:1" })
  })

  it.effect("the fast path and the ClientFrame Schema agree on generated frames", () =>
    Effect.gen(function*() {
      const frames = Arbitrary.schema(Schema.Union([NearFrame, SocketProtocol.ClientFrame, Schema.Json]))
      const result = yield* Arbitrary.checkEffect(frames, (value) => {
        const text = JSON.stringify(value)
        const ours = decode(text)
        const theirs = viaSchema(text)
        if (Result.isSuccess(ours) !== Result.isSuccess(theirs)) return false
        if (Result.isSuccess(ours) && Result.isSuccess(theirs)) assert.deepStrictEqual(ours.success, theirs.success)
        return true
      }, { runs: 5000, seed: 42 })
      assert.strictEqual(Arbitrary.formatCheckFailure(result), undefined)
    }))

  it("the fast path and the Schema agree at the edges of every limit", () => {
    const name = (n: number) => "n".repeat(n)
    const cases = [
      { type: "emit", event: name(256) },
      { type: "emit", event: name(257) },
      { type: "emit", event: "" },
      { type: "emit", event: "e", id: name(256) },
      { type: "emit", event: "e", id: name(257) },
      { type: "emit", event: "e", id: -0.5 },
      { type: "emit", event: "e", id: Number.MAX_VALUE },
      { type: "topic", action: "join", topic: name(257) },
      { type: "topic", action: "JOIN", topic: "t" },
      { type: "hello", route: name(2048) },
      { type: "hello", route: name(2049) },
      { type: "hello", route: null }
    ]
    for (const value of cases) {
      const text = JSON.stringify(value)
      assert.strictEqual(Result.isSuccess(decode(text)), Result.isSuccess(viaSchema(text)), text.slice(0, 60))
    }
  })

  it("never throws on hostile input: each is an InvalidFrame with its code", () => {
    const hostile: ReadonlyArray<readonly [string, string]> = [
      ["", "bad_json"],
      ["{not json", "bad_json"],
      ["\u0000", "bad_json"],
      ["[".repeat(200_000) + "]".repeat(200_000), "bad_frame"],
      ['{"a":'.repeat(100_000) + "1" + "}".repeat(100_000), "bad_frame"],
      ["null", "bad_frame"],
      ["42", "bad_frame"],
      ['"emit"', "bad_frame"],
      ["[1,2]", "bad_frame"],
      ['{"type":"dance"}', "bad_frame"],
      ['{"type":{"toString":1}}', "bad_frame"],
      [`{"type":"${"x".repeat(1_000_000)}"}`, "bad_frame"],
      ['{"type":"emit"}', "bad_frame"],
      ['{"type":"emit","event":"e","id":1e999}', "bad_frame"],
      ['{"type":"emit","event":"e","id":{"__proto__":{"polluted":true}}}', "bad_frame"],
      ['{"__proto__":{"type":"emit","event":"e"}}', "bad_frame"],
      [`{"type":"emit","event":"${"e".repeat(1_000_000)}"}`, "bad_frame"]
    ]
    for (const [text, code] of hostile) {
      const result = decode(text)
      assert.isTrue(Result.isFailure(result), text.slice(0, 40))
      if (Result.isFailure(result)) {
        assert.strictEqual(result.failure._tag, "InvalidFrame")
        assert.strictEqual(result.failure.code, code, text.slice(0, 40))
        assert.isBelow(result.failure.message.length, 200)
      }
    }
    assert.isUndefined(({} as { polluted?: unknown }).polluted)
  })

  it("a rejection says what is wrong, and keeps a usable id so that it can be acked", () => {
    assert.strictEqual(rejected("{oops").message, "a frame must be valid JSON")
    assert.strictEqual(rejected("[1]").message, "a frame must be a JSON object")
    assert.strictEqual(rejected('{"type":"dance","id":3}').message, 'unknown frame type "dance"; expected hello, emit or topic')
    assert.strictEqual(rejected('{"type":"dance","id":3}').id, 3)
    const malformed = rejected('{"type":"emit","event":5,"id":"x"}')
    assert.match(malformed.message, /^malformed 'emit' frame: Expected string/)
    assert.strictEqual(malformed.id, "x")
    assert.isUndefined(rejected('{"type":"emit","id":1e999}').id)
  })

  it("every server frame encodes to JSON that the ServerFrame Schema decodes back to it", () => {
    const frames: ReadonlyArray<SocketProtocol.ServerFrame> = [
      SocketProtocol.ready("sid-1"),
      SocketProtocol.ack(7, { saved: true }),
      SocketProtocol.ack("a", undefined),
      SocketProtocol.failed(8, { code: "validation", message: "bad", fields: { name: "required" } }),
      SocketProtocol.failed(undefined, { code: "unknown_event", message: "no handler" }),
      SocketProtocol.event("tick", 1),
      SocketProtocol.event("tock", undefined)
    ]
    for (const frame of frames) {
      const text = Result.getOrThrow(SocketProtocol.encode(frame))
      assert.deepStrictEqual(Schema.decodeUnknownSync(SocketProtocol.ServerFrame)(JSON.parse(text)), frame)
    }
    assert.deepStrictEqual(frames[2], { type: "ack", id: "a", ok: true, payload: null })
    assert.deepStrictEqual(frames[4], { type: "error", code: "unknown_event", message: "no handler" })
  })

  it("a payload JSON cannot represent is an UnencodableFrame, not a throw", () => {
    const cycle: Record<string, unknown> = {}
    cycle["self"] = cycle
    for (const payload of [1n, cycle, { toJSON: () => { throw new Error("nope") } }]) {
      const result = SocketProtocol.encode(SocketProtocol.ack(1, payload))
      assert.isTrue(Result.isFailure(result))
      if (Result.isFailure(result)) {
        assert.strictEqual(result.failure._tag, "UnencodableFrame")
        assert.match(result.failure.message, /^a 'ack' frame cannot be written as JSON/)
      }
    }
  })
})
