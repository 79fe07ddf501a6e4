/**
 * The inventory's socket API, declared once: what a page (or a Node client) may
 * emit, what each emit answers, and what the server pushes. The server imports it
 * to publish; clients take it as a type parameter through a type-only import
 * (`connect<typeof Api>(url)`), so none of it reaches a browser.
 *
 * ```ts
 * import type { Api } from "./Api.ts"
 * const client = connect<typeof Api>("ws://localhost:3000/ws")
 * const item = await client.emit("items:add", { name: "bolt", quantity: 3 }) // typed as the stored item
 * ```
 */
import { SocketApi } from "@specter-runtime/server"
import { Schema } from "effect"
import { Item, NewItem } from "./Item.ts"

/** One line of the helper process's output. */
export const OutputLine = Schema.Struct({ stream: Schema.Literals(["stdout", "stderr"]), line: Schema.String })

/**
 * A stock report job as pages see it: its state and its progress (0–100), with
 * the step it is on, or once completed the totals ("3 items, 12 units").
 */
export const ReportJob = Schema.Struct({
  id: Schema.String,
  state: Schema.Literals(["queued", "running", "completed", "failed", "cancelled"]),
  percent: Schema.Number,
  message: Schema.optional(Schema.String)
})

export const Api = SocketApi.make({
  events: {
    /** Adds an item; acked with the stored item, or a `validation` error with per-field messages. */
    "items:add": { payload: NewItem, ack: Item },
    /**
     * Joins topic `items`: pushes `items:snapshot` (the whole list) and is acked
     * with `{ count }`; every change after it arrives as `items:added` or `items:removed`.
     */
    "items:join": { ack: Schema.Struct({ count: Schema.Int }) },
    /** Queues a stock report; acked with its job id. Its progress is pushed as `reports:job`. */
    "reports:run": { ack: Schema.Struct({ id: Schema.String }) }
  },
  pushes: {
    /** Every item, in the order they were added, to a page that joins `items`. */
    "items:snapshot": Schema.Struct({ items: Schema.Array(Item) }),
    /** An item was added (to topic `items`). */
    "items:added": Item,
    /** An item was removed (to topic `items`). */
    "items:removed": Schema.Struct({ id: Schema.String }),
    /** Every second: the server's time (epoch ms) and how many ticks so far. */
    "clock:tick": Schema.Struct({ now: Schema.Number, ticks: Schema.Number }),
    /** The host's one-minute load average, when it changes (and on connect). */
    "system:load": Schema.Struct({ oneMinute: Schema.Number }),
    /** One new line of the helper's output. */
    "process:line": OutputLine,
    /** The helper's recent lines, on connect. */
    "process:lines": Schema.Struct({ lines: Schema.Array(OutputLine) }),
    /** A stock report job changed. */
    "reports:job": ReportJob
  }
})
