import { Bus, QueueService, Specter } from "@specter/core"
import { Effect, Layer, Schema } from "effect"

const Resize = Schema.Struct({ image: Schema.String, width: Schema.Number })
type Resize = typeof Resize.Type

class Thumbnails extends QueueService.Tag<Thumbnails, Resize>()("thumbnails") {}

const ThumbnailsLive = QueueService.layer(Thumbnails, {
  item: Resize,
  workers: 1,
  capacity: 2, // at most 2 jobs wait for a worker
  handle: ({ image, width }, job) =>
    Effect.gen(function*() {
      yield* job.progress(50, "decoded")
      yield* Effect.sleep("20 millis")
      yield* job.progress(100, `${image} at ${width}px`)
    })
})

const program = Effect.gen(function*() {
  const thumbnails = yield* Thumbnails
  const bus = yield* Bus.Bus
  yield* bus.on(thumbnails.updated, (job) => console.log(job.id, job.state, job.progress.percent))
  // thumbnails-1 queued 0, thumbnails-1 running 0, thumbnails-1 running 50, … one line per change

  const a = yield* thumbnails.enqueue({ image: "a.png", width: 320 })  // "thumbnails-1"
  yield* Effect.sleep("5 millis")                                        // the worker has taken it: none waiting
  const b = yield* thumbnails.submit({ image: "b.png", width: 640 })    // untrusted input, decoded with the Schema first
  const c = yield* thumbnails.enqueue({ image: "c.png", width: 960 })
  const full = yield* Effect.flip(thumbnails.enqueue({ image: "d.png", width: 10 }))
  console.log(full.message, yield* thumbnails.cancel(c))                // queue 'thumbnails' is full (2 jobs) true

  const done = yield* thumbnails.await(a)
  console.log(done.state, done.progress)                                 // completed { percent: 100, message: 'a.png at 320px' }
  yield* thumbnails.service.stop                                         // no new jobs (ServiceNotRunning); b finishes first
  console.log((yield* thumbnails.await(b)).state)                        // completed
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(ThumbnailsLive.pipe(Layer.provideMerge(Specter.layer)))))
