import { Persistence, Store } from "@specter-runtime/core"
import { Console, Effect, HashMap, Option, Schema } from "effect"

const Item = Schema.Struct({ name: Schema.String, quantity: Schema.Int })

const program = Effect.gen(function*() {
  // One row per item (items/<key>): a change encodes and writes only the rows it touched.
  const items = yield* Store.makeKeyed<typeof Item.Type>("items", { persist: { entry: Item } })
  yield* items.listen(({ entries, state }) => Console.log(`changed ${entries.join(", ")}: ${HashMap.size(state)} items`))

  yield* items.set("a1", { name: "lamp", quantity: 3 }) // completes once its row is durable
  // => changed a1: 1 items
  yield* items.set("b2", { name: "desk", quantity: 1 })
  // => changed b2: 2 items
  const { entries } = yield* items.delete("a1", "zz") // every change names the keys it touched
  // => changed a1: 1 items
  yield* Console.log(entries, Option.getOrNull(yield* items.get("b2"))) // => [ 'a1' ] { name: 'desk', quantity: 1 }
}).pipe(Effect.scoped, Effect.provide(Persistence.layerMemory))

Effect.runPromise(program)
