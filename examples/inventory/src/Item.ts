/**
 * An inventory item: the Schema a new one is validated (and coerced) with, the
 * stored item, and the error for an id that names none.
 *
 * `quantity` accepts "3", `active` accepts "yes"/"no"/"true"/"false"/"1"/"0"/"on"/"off".
 * Limits (a 400 naming the field beyond them): `name` at most 200 characters,
 * at most 20 `tags` of at most 40 characters each, `quantity` from 0 to 1,000,000.
 */
import { Answer, Field } from "@specter-runtime/server"
import { Schema } from "effect"

/** The limits of a new item. */
export const limits = { name: 200, tags: 20, tag: 40, quantity: 1_000_000 } as const

const inRange = (quantity: number) => {
  if (quantity < 0 || quantity > limits.quantity) throw new Error(`must be between 0 and ${limits.quantity}`)
}

export const NewItem = Field.struct(
  {
    name: Field.string({ required: true, nonEmpty: true, maxLength: limits.name }),
    quantity: Field.int({ required: true, validator: inRange }),
    active: Field.bool({ default: true }),
    tags: Field.list(Field.string({ maxLength: limits.tag }), { maxLength: limits.tags, defaultWith: () => [] })
  },
  { name: "item" }
)
export type NewItem = typeof NewItem.Type

/** A stored item: a new one with its id and when it was added (epoch milliseconds). */
export const Item = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  quantity: Schema.Int,
  active: Schema.Boolean,
  tags: Schema.Array(Schema.String),
  createdAt: Schema.Int
})
export type Item = typeof Item.Type

/** No item has this id: HTTP 404, socket ack code `not_found`. */
export class ItemNotFound extends Answer.TaggedError("ItemNotFound", { status: 404 })<{ readonly id: string }> {
  override get message() {
    return `no item '${this.id}'`
  }
}
