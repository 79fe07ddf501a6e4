/**
 * A clock that ticks every second into its state and pushes `clock:tick` to every
 * connected page.
 */
import { Service, SocketServer } from "@specter/server"
import { Clock, Effect } from "effect"

export class Ticker extends Service.Tag<Ticker>()("clock", { now: 0, ticks: 0 }) {}

export const TickerLive = Service.layer(Ticker, (self) =>
  Effect.gen(function*() {
    const sockets = yield* SocketServer.SocketServer
    const tick = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const { ticks } = yield* self.get
      yield* self.setState({ now, ticks: ticks + 1 })
      yield* sockets.broadcast("clock:tick", { now, ticks: ticks + 1 })
    })
    yield* self.interval("1 second", tick, { label: "tick" })
  }))
