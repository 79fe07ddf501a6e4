/**
 * The typed client, checked by the type checker only (this file never runs):
 * every line compiles except the ones under `@ts-expect-error`, each followed by
 * the TypeScript error code it must produce. `npm run typecheck` fails if one of
 * those lines compiles; `types.test.ts` checks the codes and that nothing else
 * fails.
 */
import { expectTypeOf } from "vitest"
import type { SocketClient } from "../../src/index.ts"
import type { Api } from "./api.ts"

declare const client: SocketClient<typeof Api>
declare const untyped: SocketClient

interface ItemJson {
  readonly id: string
  readonly name: string
  readonly quantity: number
  readonly createdAt: string
}

// The right ones compile, with the acks, results and pushes in their JSON form.
expectTypeOf(client.emit("items:add", { name: "bolt", quantity: 3 })).resolves.toEqualTypeOf<ItemJson>()
expectTypeOf(client.emit("items:add", { name: "bolt", quantity: 3, active: false })).resolves.toEqualTypeOf<ItemJson>()
expectTypeOf(client.emit("items:clear")).resolves.toEqualTypeOf<void>()
expectTypeOf(client.send("cursor:move", { x: 1, y: 2 })).toEqualTypeOf<boolean>()
expectTypeOf(client.call("items/rename", { id: "7", name: "nut" })).resolves.toEqualTypeOf<ItemJson>()
expectTypeOf(client.call("items/count")).resolves.toEqualTypeOf<number>()
client.on("items:changed", (payload) => expectTypeOf(payload).toEqualTypeOf<{ readonly items: ReadonlyArray<ItemJson> }>())
client.on("clock:tick", (payload) => expectTypeOf(payload).toEqualTypeOf<number>())

// Without a type parameter every name goes and every payload is unknown.
expectTypeOf(untyped.emit("anything", { at: "all" })).resolves.toEqualTypeOf<unknown>()
expectTypeOf(untyped.emit("no-payload")).resolves.toEqualTypeOf<unknown>()
untyped.on("anything", (payload) => expectTypeOf(payload).toEqualTypeOf<unknown>())
expectTypeOf(untyped.call("items/anything", 1)).resolves.toEqualTypeOf<unknown>()

// A wrong payload.
// @ts-expect-error TS2322 quantity is a number
void client.emit("items:add", { name: "bolt", quantity: "3" })
// @ts-expect-error TS2353 no such field
void client.emit("items:add", { name: "bolt", quantity: 3, colour: "red" })
// @ts-expect-error TS2554 the payload is required
void client.emit("items:add")
// @ts-expect-error TS2345 an event without a payload takes none
void client.emit("items:clear", { all: true })
// @ts-expect-error TS2322 a wrong action payload
void client.call("items/rename", { id: 7, name: "nut" })

// A wrong ack or result type.
// @ts-expect-error TS2322 the ack is an item, not a string
const ack: Promise<string> = client.emit("items:add", { name: "bolt", quantity: 3 })
// @ts-expect-error TS2322 createdAt arrives as a string, not a Date
const when: Promise<{ readonly createdAt: Date }> = client.emit("items:add", { name: "bolt", quantity: 3 })
// @ts-expect-error TS2322 the result of items/count is a number
const count: Promise<string> = client.call("items/count")
// @ts-expect-error TS2345 a push handler for the wrong payload type
client.on("clock:tick", (payload: string) => payload)

// An unknown event, push or action.
// @ts-expect-error TS2345 no event items:nope
void client.emit("items:nope", {})
// @ts-expect-error TS2345 pushes are not events
void client.send("clock:tick", 1)
// @ts-expect-error TS2345 no push items:gone
client.on("items:gone", () => {})
// @ts-expect-error TS2345 no action items/nope
void client.call("items/nope")

export { ack, count, when }
