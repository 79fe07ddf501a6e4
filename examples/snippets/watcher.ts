import { Watcher } from "@specter/core"
import { Effect, Stream } from "effect"

// A flaky sensor: each reading comes twice in a row, and every 4th read fails
let reads = 0
const readSensor = Effect.suspend(() =>
  ++reads % 4 === 0 ? Effect.fail(new Error("sensor offline")) : Effect.succeed({ celsius: 20 + Math.floor(reads / 2) }))

const program = Effect.gen(function*() {
  const sensor = yield* Watcher.poll("sensor", readSensor, {
    interval: "100 millis",
    transform: (reading) => reading.celsius,
    dedupe: true,                                                    // a repeated reading is delivered once
    retry: Watcher.backoff({ base: "100 millis", max: "5 seconds" }) // 100 ms, 200 ms … after failures; a value resets it
  })
  yield* sensor.subscribe((celsius) => Effect.log(`${celsius} °C`))
  console.log(yield* sensor.values.pipe(Stream.take(4), Stream.runCollect)) // [ 20, 21, 22, 23 ]: read 4 failed, was retried
  const { errorCount, restarts, running } = yield* sensor.health
  console.log(errorCount, restarts, running)                                // 1 1 true
}).pipe(Effect.scoped) // the watcher stops with its scope

Effect.runPromise(program)
