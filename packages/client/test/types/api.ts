/**
 * A socket API as an application declares it (Field and Effect Schemas), for the
 * type tests of the typed client. The client files import it with `import type`.
 */
import { Field } from "@specter-runtime/core"
import { SocketApi } from "@specter-runtime/protocol"
import { Schema } from "effect"

export const NewItem = Field.struct({
  name: Field.string({ required: true, nonEmpty: true }),
  quantity: Field.int({ required: true }),
  active: Field.bool({ default: true })
})

/** On the server `createdAt` is a `DateTime.Utc`; on the wire, and so for the client, a string. */
export const Item = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  quantity: Schema.Number,
  createdAt: Schema.DateTimeUtcFromString
})

export const Api = SocketApi.make({
  events: {
    "items:add": { payload: NewItem, ack: Item },
    "items:clear": {},
    "cursor:move": { payload: Schema.Struct({ x: Schema.Number, y: Schema.Number }) }
  },
  pushes: {
    "items:changed": Schema.Struct({ items: Schema.Array(Item) }),
    "clock:tick": Schema.Number
  },
  actions: {
    "items/rename": { payload: Schema.Struct({ id: Schema.String, name: Schema.String }), result: Item },
    "items/count": { result: Schema.Number }
  }
})
