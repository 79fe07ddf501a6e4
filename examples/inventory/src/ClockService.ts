/**
 * A clock that ticks every second and pushes `clock:tick` `{ now, ticks }` to every
 * connected page; its state is the last tick.
 */
import { Service, SocketServer } from "@specter-runtime/server"
import { Clock, Context, Effect, SubscriptionRef } from "effect"

export interface Tick {
  readonly now: number
  readonly ticks: number
}

export class Ticker extends Context.Service<Ticker, { readonly last: SubscriptionRef.SubscriptionRef<Tick> }>()("clock") {
  static readonly layer = Service.layer(this, Effect.gen(function*() {
    const sockets = yield* SocketServer.SocketServer
    const last = yield* SubscriptionRef.make<Tick>({ now: 0, ticks: 0 })
    const tick = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const next = yield* SubscriptionRef.updateAndGet(last, (t) => ({ now, ticks: t.ticks + 1 }))
      yield* sockets.broadcast("clock:tick", next)
    })
    yield* Service.interval("1 second", tick, { label: "tick" })
    yield* Service.health(SubscriptionRef.get(last))
    return { last }
  }))
}
