import { Operation, Outcome } from "@specter-runtime/core"
import { Console, Effect } from "effect"

const stock = new Map([["lamp", 3]])

interface Reservation {
  readonly item: string
  readonly quantity: number
}

const Reserve = Operation.make("reserve", {
  validate: ({ quantity }: Reservation) =>
    quantity > 0 ? Effect.void : Effect.fail(new Operation.OperationError({ message: "quantity must be positive", status: 422 })),
  perform: ({ item, quantity }) =>
    Effect.sync(() => {
      const left = stock.get(item)
      if (left === undefined) return Outcome.failure(`no item '${item}'`, { status: 404 })
      if (left < quantity) throw new Error(`only ${left} left`) // a bug: a defect
      stock.set(item, left - quantity)
      return { item, left: left - quantity }
    })
})

const program = Effect.gen(function*() {
  const reserved = yield* Reserve.run({ item: "lamp", quantity: 2 })
  yield* Console.log(JSON.stringify(Outcome.toJSON(reserved))) // => {"ok":true,"status":200,"value":{"item":"lamp","left":1}}
  yield* Console.log((yield* Outcome.unwrap(reserved)).left) // => 1

  const inputs = [{ item: "lamp", quantity: 0 }, { item: "desk", quantity: 1 }, { item: "lamp", quantity: 5 }]
  const refused = yield* Effect.forEach(inputs, Reserve.run)
  yield* Console.log(refused.map((outcome) => `${outcome.status} ${outcome.error}`).join("; "))
  // => 422 quantity must be positive; 404 no item 'desk'; 500 internal error
  // the defect is logged, never thrown
})

Effect.runPromise(program)
