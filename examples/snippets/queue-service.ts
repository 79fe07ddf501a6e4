import { Bus, QueueService } from "@specter-runtime/core"
import { Console, Context, Effect, Fiber, Layer, Schema, Stream } from "effect"

const Resize = Schema.Struct({ image: Schema.String, width: Schema.Number })

class Thumbnails extends Context.Service<Thumbnails, QueueService.QueueService<typeof Resize.Type>>()("app/Thumbnails") {
  static readonly layer = QueueService.layer(this, {
    name: "thumbnails",
    item: Resize,
    workers: 1,
    capacity: 100, // QueueFull beyond 100 waiting jobs
    handle: ({ image, width }, job) => Effect.andThen(job.progress(50, "decoded"), job.progress(100, `${image} at ${width}px`))
  })
}

const program = Effect.gen(function*() {
  const thumbnails = yield* Thumbnails
  const updates = yield* Bus.subscribe(thumbnails.updated) // every change of every job, as a Stream
  const firstFive = yield* updates.pipe(Stream.take(5), Stream.map((job) => `${job.state} ${job.progress.percent}`), Stream.runCollect, Effect.forkChild)

  const id = yield* thumbnails.enqueue({ image: "a.png", width: 320 })
  const done = yield* thumbnails.await(id)
  yield* Console.log(id, done.state, done.progress.message) // => thumbnails-1 completed a.png at 320px
  yield* Console.log((yield* Fiber.join(firstFive)).join(", ")) // => queued 0, running 0, running 50, running 100, completed 100

  const refused = yield* Effect.flip(thumbnails.submit({ image: "b.png", width: "wide" })) // untrusted input: decoded first
  yield* Console.log(refused._tag) // => ValidationError
}).pipe(Effect.scoped)

Effect.runPromise(program.pipe(Effect.provide(Thumbnails.layer.pipe(Layer.provideMerge(Bus.layer)))))
