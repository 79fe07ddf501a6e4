import { Bus, Service, Specter } from "@specter/core"
import { Effect, Layer } from "effect"

const OrderPlaced = Bus.event<{ readonly id: string }>("orders:placed")

class Metrics extends Service.Tag<Metrics>()("metrics", { orders: 0, ticks: 0 }) {}

const MetricsLive = Service.layer(Metrics, (self) =>
  Effect.gen(function*() {
    yield* self.interval("10 seconds", self.update((s) => ({ ...s, ticks: s.ticks + 1 })))
    yield* self.listen(OrderPlaced, () => self.update((s) => ({ ...s, orders: s.orders + 1 })))
    yield* self.addCleanup(Effect.log("metrics flushed"))
  }))

const program = Effect.gen(function*() {
  const metrics = yield* Metrics
  const bus = yield* Bus.Bus
  yield* bus.emitAndWait(OrderPlaced, { id: "o-1" }) // emit, and wait until listeners handled it
  yield* Effect.log(yield* metrics.get) // { orders: 1, ticks: 0 }
  yield* Effect.log(yield* metrics.health) // status, uptime, fibers, timers, listeners, children
})

Effect.runPromise(program.pipe(Effect.provide(MetricsLive.pipe(Layer.provideMerge(Specter.layer)))))
