import { Bus, Service, ServiceManager } from "@specter-runtime/core"
import { Console, Context, Effect, Layer, SubscriptionRef } from "effect"

const OrderPlaced = Bus.event<{ readonly id: string }>("orders:placed")

class Metrics extends Context.Service<Metrics, { readonly orders: SubscriptionRef.SubscriptionRef<number> }>()("metrics") {
  static readonly layer = Service.layer(this, Effect.gen(function*() {
    const orders = yield* SubscriptionRef.make(0)                                     // the state it exposes
    yield* Bus.listen(OrderPlaced, () => SubscriptionRef.update(orders, (n) => n + 1)) // until the service stops
    yield* Service.interval("10 seconds", Console.log("flush"))                        // a fiber of the service
    yield* Effect.addFinalizer(() => Console.log("metrics stopped"))                    // runs at stop
    return { orders }
  }))
}

const program = Effect.gen(function*() {
  const { orders } = yield* Metrics
  yield* Bus.emitAndWait(OrderPlaced, { id: "o-1" })      // emit, and wait until the listeners handled it
  yield* Console.log(yield* SubscriptionRef.get(orders))  // => 1
  const health = yield* ServiceManager.ServiceManager.use((manager) => manager.health)
  yield* Console.log(health["metrics"]?.status, health["metrics"]?.timers) // => running 1
})

// Bus and ServiceManager are what App provides; here they are given by hand.
const Runtime = Layer.mergeAll(Bus.layer, ServiceManager.layer)
Effect.runPromise(program.pipe(Effect.provide(Metrics.layer.pipe(Layer.provideMerge(Runtime))))) // => metrics stopped
