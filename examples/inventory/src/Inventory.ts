/**
 * The inventory: items in a persisted Store, and the one way to add one. The items
 * are kept through the `KeyValueStore` in context (the app gives it
 * `Persistence.layer`: SQLite under `SPECTER_DATA_DIR`, default `./data`), so they
 * survive a restart and a `kill -9`: an item is added only once it is on disk.
 */
import { Service, Store } from "@specter-runtime/server"
import { Clock, Context, Effect, Schema } from "effect"
import { randomUUID } from "node:crypto"
import type { Item, NewItem } from "./Item.ts"

/**
 * The stored state: every item as it was added. Changing this Schema changes what
 * a stored state must look like; one that no longer matches is moved aside, logged,
 * and the inventory starts empty (see `Persistence`).
 */
export const InventoryState = Schema.Struct({
  items: Schema.Array(Schema.Struct({
    id: Schema.String,
    name: Schema.String,
    quantity: Schema.Int,
    active: Schema.Boolean,
    tags: Schema.Array(Schema.String),
    /** Epoch milliseconds. */
    createdAt: Schema.Int
  }))
})
export type InventoryState = typeof InventoryState.Type

/**
 * The inventory service. `add` stores a validated item with a fresh id and the
 * current time, and succeeds once it is durable; it fails with `PersistenceError`
 * when the disk write failed (the item is then in memory, written with the next
 * successful write) or `InvalidState` when the item does not match the Schema.
 * It fails to start when the store cannot be opened.
 */
export class Inventory extends Context.Service<Inventory, {
  readonly items: Store.Store<InventoryState, Store.PersistedError>
  readonly add: (item: NewItem) => Effect.Effect<Item, Store.PersistedError>
  readonly list: Effect.Effect<ReadonlyArray<Item>>
}>()("inventory") {
  static readonly layer = Service.layer(this, Effect.gen(function*() {
    const items = yield* Store.make<InventoryState>("items", { items: [] }, { persist: { schema: InventoryState } })
    return {
      items,
      add: (input: NewItem) =>
        Effect.gen(function*() {
          const item: Item = { ...input, id: randomUUID(), createdAt: yield* Clock.currentTimeMillis }
          yield* items.update((s) => ({ items: [...s.items, item] }))
          return item
        }),
      list: Effect.map(items.get(), (s) => s.items)
    }
  }))
}
