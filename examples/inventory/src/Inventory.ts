/**
 * The inventory: items in a Store, and the one way to add one.
 */
import { Service, Store } from "@specter/server"
import { Clock, Effect } from "effect"
import { randomUUID } from "node:crypto"
import type { Item, NewItem } from "./Item.ts"

export type InventoryState = {
  readonly items: ReadonlyArray<Item>
}

export class Inventory extends Service.Tag<Inventory, {
  readonly items: Store.Store<InventoryState>
  readonly add: (item: NewItem) => Effect.Effect<Item>
  readonly list: Effect.Effect<ReadonlyArray<Item>>
}>()("inventory", {}) {}

export const InventoryLive = Service.layer(Inventory, () =>
  Effect.gen(function*() {
    const items = yield* Store.make<InventoryState>("items", { items: [] })
    return {
      items,
      add: (input) =>
        Effect.gen(function*() {
          const item: Item = { ...input, id: randomUUID(), createdAt: yield* Clock.currentTimeMillis }
          yield* items.update((s) => ({ items: [...s.items, item] }))
          return item
        }),
      list: Effect.map(items.get(), (s) => s.items)
    }
  }))
