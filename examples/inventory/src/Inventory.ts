/**
 * The inventory: items by id in a persisted keyed Store, and the ways to add,
 * remove and list them. The items are kept through the `KeyValueStore` in context
 * (the app gives it `Persistence.layer`: SQLite under `SPECTER_DATA_DIR`, default
 * `./data`), one row per item, so they survive a restart and a `kill -9`, and
 * adding an item writes that item only, however many there are: an item is added
 * only once it is on disk.
 */
import { Persistence, Service, Store } from "@specter-runtime/server"
import { Clock, Context, Effect, HashMap, Schema } from "effect"
import { randomUUID } from "node:crypto"
import { Item, ItemNotFound, type NewItem } from "./Item.ts"

/**
 * Earlier versions stored the whole inventory as one value, `{ items: [...] }`,
 * under `items`; it is migrated to one row per item on start.
 */
const WholeInventory = Schema.Struct({ items: Schema.Array(Item) })

/** The items in the order they were added (same millisecond: by id). */
export const ordered = (items: HashMap.HashMap<string, Item>): ReadonlyArray<Item> =>
  [...HashMap.values(items)].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))

/**
 * The inventory service. `add` stores a validated item with a fresh id and the
 * current time, and succeeds once it is durable; `remove` deletes one by id
 * (`ItemNotFound` when there is none). Both fail with `PersistenceError` when the
 * disk write failed (the change is then in memory, written with the next
 * successful write) or `InvalidState` when the item does not match the Schema.
 * It fails to start when the store cannot be opened.
 */
export class Inventory extends Context.Service<Inventory, {
  readonly items: Store.Keyed<Item, Store.PersistedError>
  readonly add: (item: NewItem) => Effect.Effect<Item, Store.PersistedError>
  readonly remove: (id: string) => Effect.Effect<void, ItemNotFound | Store.PersistedError>
  readonly list: Effect.Effect<ReadonlyArray<Item>>
}>()("inventory") {
  static readonly layer = Service.layer(this, Effect.gen(function*() {
    const migrate = Persistence.migrateFrom(WholeInventory, (old) => old.items.map((item) => [item.id, item] as const))
    const items = yield* Store.makeKeyed<Item>("items", { persist: { entry: Item, migrate } })
    return {
      items,
      add: (input: NewItem) =>
        Effect.gen(function*() {
          const item: Item = { ...input, id: randomUUID(), createdAt: yield* Clock.currentTimeMillis }
          yield* items.set(item.id, item)
          return item
        }),
      remove: (id: string) =>
        Effect.flatMap(items.delete(id), ({ entries }) => (entries.length === 0 ? Effect.fail(new ItemNotFound({ id })) : Effect.void)),
      list: Effect.map(items.get(), ordered)
    }
  }))
}
