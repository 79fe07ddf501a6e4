/**
 * An inventory item, and the Schema a new one is validated (and coerced) with:
 * `quantity` accepts "3", `active` accepts "yes"/"no"/"true"/"false"/"1"/"0"/"on"/"off".
 */
import { Field } from "@specter-runtime/server"

export const NewItem = Field.struct(
  {
    name: Field.string({ required: true, nonEmpty: true }),
    quantity: Field.int({ required: true }),
    active: Field.bool({ default: true }),
    tags: Field.list(Field.string(), { defaultWith: () => [] })
  },
  { name: "item" }
)
export type NewItem = typeof NewItem.Type

export interface Item extends NewItem {
  readonly id: string
  readonly createdAt: number
}
