/**
 * `SocketApi.make`: one declaration of a socket API, checked once when it is
 * made, so that a name no frame can carry or a value that is not a Schema fails
 * at start-up with a message that names it.
 */
import { assert, describe, it } from "@effect/vitest"
import { SocketApi } from "@specter-runtime/protocol"
import { Schema } from "effect"

const Item = Schema.Struct({ name: Schema.String })

const refused = (make: () => unknown): string => {
  try {
    make()
  } catch (error) {
    assert.instanceOf(error, TypeError)
    return (error as TypeError).message
  }
  throw new Error("expected a TypeError")
}

describe("SocketApi", () => {
  it("make keeps the declared events, pushes and actions, the absent ones empty", () => {
    const events = { "items:add": { payload: Item, ack: Item }, "items:clear": {} }
    const api = SocketApi.make({ events, pushes: { "items:changed": Item } })
    assert.deepStrictEqual([api.events, api.pushes, api.actions], [events, { "items:changed": Item }, {}])
    assert.isTrue(SocketApi.isSocketApi(api))
    assert.isFalse(SocketApi.isSocketApi({ events, pushes: {}, actions: {} }))
    assert.isTrue(Object.isFrozen(api) && Object.isFrozen(api.events))
  })

  it("an event or push name no frame can carry is refused with the name", () => {
    assert.include(refused(() => SocketApi.make({ events: { "": {} } })), `event name "" must have 1 to 256 characters`)
    assert.include(refused(() => SocketApi.make({ events: { " items:add": {} } })), `event name " items:add"`)
    assert.include(refused(() => SocketApi.make({ pushes: { ["x".repeat(257)]: Item } })), "push name")
  })

  it("an action name that is not <controller>/<action> is refused", () => {
    for (const name of ["rename", "/rename", "items/", "a/b/c"]) {
      assert.include(refused(() => SocketApi.make({ actions: { [name]: {} } as SocketApi.Actions })), `action name '${name}' must be '<controller>/<action>'`)
    }
    assert.deepStrictEqual(Object.keys(SocketApi.make({ actions: { "items/rename": { payload: Item } } }).actions), ["items/rename"])
  })

  it("an event with the name of an action is refused: both are socket events on the wire", () => {
    assert.include(
      refused(() => SocketApi.make({ events: { "items/rename": {} }, actions: { "items/rename": {} } })),
      "'items/rename' is declared both as an event and as an action"
    )
  })

  it("a value that is not a Schema, or an unknown key, is refused with where it is", () => {
    const notSchema = { name: "string" } as unknown as SocketApi.Codec
    assert.include(refused(() => SocketApi.make({ events: { "items:add": { payload: notSchema } } })), "event 'items:add'.payload must be an Effect Schema, got object")
    assert.include(refused(() => SocketApi.make({ pushes: { tick: null as unknown as SocketApi.Codec } })), "push 'tick' must be an Effect Schema, got null")
    assert.include(refused(() => SocketApi.make({ actions: { "items/count": { ack: Item } as SocketApi.ActionSpec } })), "action 'items/count' has an unknown key 'ack'; expected 'payload' and 'result'")
    assert.include(refused(() => SocketApi.make({ events: { tick: Item as unknown as SocketApi.EventSpec } })), "event 'tick' must be an object with optional 'payload' and 'ack' Schemas")
  })
})
