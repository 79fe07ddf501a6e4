/**
 * The bus bridge over one Redis Stream. What the bus hands over in one turn of the
 * event loop goes out as one `XADD` (`MAXLEN ~` trims the stream), one entry per
 * batch with the origin node in field `o` and the `[event, json]` pairs in field
 * `b`. A reader on a reserved connection (`XREAD BLOCK`) hands every batch of
 * another node to `Bus.receive`; it resumes after the last entry it read when the
 * connection comes back, so a disconnect loses nothing the stream still holds.
 *
 * @internal
 */
import { Bus } from "@specter-runtime/core"
import { Effect, Schedule } from "effect"
import { Redis } from "effect/persistence"

export interface BridgeOptions {
  readonly key: string
  readonly node: string
  readonly maxLength: number
}

type Entry = readonly [id: string, fields: ReadonlyArray<string>]
/** RESP2 answers `[[key, entries]]`, RESP3 a map from key to entries (an object or a `Map`). */
type ReadReply = ReadonlyArray<readonly [key: string, entries: ReadonlyArray<Entry>]> | Record<string, ReadonlyArray<Entry>> | Map<string, ReadonlyArray<Entry>> | null

const streams = (reply: NonNullable<ReadReply>): Iterable<ReadonlyArray<Entry>> =>
  Array.isArray(reply)
    ? reply.map(([, entries]) => entries)
    : reply instanceof Map
    ? reply.values()
    : Object.values(reply)

const field = (fields: ReadonlyArray<string>, name: string): string | undefined => {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1]
  return undefined
}

/** Hands the batches of other nodes in `reply` to the bus; returns the last id read. */
const deliver = (bus: Bus.Bus["Service"], node: string, reply: ReadReply, last: string): string => {
  if (reply === null) return last
  for (const entries of streams(reply)) {
    for (const [id, fields] of entries) {
      last = id
      if (field(fields, "o") === node) continue
      const batch = field(fields, "b")
      if (batch === undefined) continue
      for (const [event, json] of JSON.parse(batch) as ReadonlyArray<readonly [string, unknown]>) bus.receive(event, json)
    }
  }
  return last
}

/** Installs the bridge on the bus in context until the calling scope closes. */
export const make = (options: BridgeOptions) =>
  Effect.gen(function*() {
    const bus = yield* Bus.Bus
    const redis = yield* Redis.Redis
    const run = Effect.runForkWith(yield* Effect.context<never>())
    const maxLength = String(options.maxLength)
    let batch: Array<readonly [string, unknown]> = []
    const flush = () => {
      const out = batch
      batch = []
      run(redis.send("XADD", options.key, "MAXLEN", "~", maxLength, "*", "o", options.node, "b", JSON.stringify(out)).pipe(
        Effect.catchCause((cause) => Effect.logWarning(`cluster bus: ${out.length} event(s) not sent to the other nodes`, cause))
      ))
    }
    // Where the reader starts: the newest entry now, so events emitted before this node
    // joined are not replayed.
    let last = "$"
    const read = Effect.scoped(Effect.gen(function*() {
      const connection = yield* redis.reserve
      while (true) {
        const reply = yield* connection.send<ReadReply>("XREAD", "COUNT", "1000", "BLOCK", "2000", "STREAMS", options.key, last)
        last = deliver(bus, options.node, reply, last)
      }
    }))
    yield* read.pipe(
      Effect.tapCause((cause) => Effect.logWarning("cluster bus: reading the stream failed; reconnecting", cause)),
      Effect.retry(Schedule.spaced("500 millis")),
      Effect.forkScoped
    )
    yield* bus.bridge({
      send: (event, json) => {
        if (batch.length === 0) setImmediate(flush)
        batch.push([event, json])
      }
    })
  })
