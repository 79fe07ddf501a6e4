import { Watcher } from "@specter-runtime/core"
import { Console, Effect, Stream, SubscriptionRef } from "effect"

// A flaky sensor: each reading comes twice in a row, and every 4th read fails
let reads = 0
const readSensor = Effect.suspend(() =>
  ++reads % 4 === 0 ? Effect.fail(new Error("sensor offline")) : Effect.succeed({ celsius: 20 + Math.floor(reads / 2) }))

const program = Effect.gen(function*() {
  const health = yield* Watcher.health<number>()
  const sensor = Watcher.poll(readSensor, {                          // a Stream: nothing runs until it is run
    name: "sensor",
    interval: "100 millis",
    transform: (reading) => reading.celsius,
    dedupe: true,                                                    // a repeated reading is emitted once
    retry: Watcher.backoff({ base: "100 millis", max: "5 seconds" }), // 100 ms, 200 ms … after failures; a value resets it
    health
  })
  const readings = yield* sensor.pipe(Stream.take(4), Stream.runCollect) // the watch ends with its consumer
  yield* Console.log(readings.join(" ")) // => 20 21 22 23
  const { errorCount, restarts, running } = yield* SubscriptionRef.get(health)
  yield* Console.log(errorCount, restarts, running) // => 1 1 false
}).pipe(Effect.scoped)

Effect.runPromise(program)
