/**
 * File-system change batches: the events of Effect's `FileSystem.watch`, gathered
 * into one batch per quiet window (debounced), each `(kind, path)` once. The
 * source of `Watcher.files`, and usable as a Stream on its own.
 *
 * @since 0.1.0
 */
import { type Duration, FileSystem, type PlatformError, Stream } from "effect"

/**
 * A batch of file-system events gathered during one debounce window, in order of
 * first occurrence, each `(kind, path)` once. Paths are relative to the watched path.
 *
 * @since 0.1.0
 * @category models
 */
export type FileChanges = ReadonlyArray<FileSystem.WatchEvent>

/**
 * The events of `FileSystem.watch(path)` in batches: a batch closes when no event
 * came for `debounce` (default 100 ms). Fails like `FileSystem.watch` (for example
 * when `path` does not exist).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fileChanges = (
  path: string,
  options?: { readonly debounce?: Duration.Input | undefined; readonly recursive?: boolean | undefined }
): Stream.Stream<FileChanges, PlatformError.PlatformError, FileSystem.FileSystem> =>
  Stream.unwrap(FileSystem.FileSystem.useSync((fs) =>
    debounceBatches(fs.watch(path, { recursive: options?.recursive ?? false }), options?.debounce ?? "100 millis")))

/**
 * Gathers the events of `events` into batches, each closed by `quiet` without an
 * event; within a batch each `(kind, path)` appears once, at its first position.
 */
const debounceBatches = <E, R>(
  events: Stream.Stream<FileSystem.WatchEvent, E, R>,
  quiet: Duration.Input
): Stream.Stream<ReadonlyArray<FileSystem.WatchEvent>, E, R> =>
  Stream.suspend(() => {
    let batch: Array<FileSystem.WatchEvent> = []
    const seen = new Set<string>()
    return events.pipe(
      Stream.map((event) => {
        const key = `${event._tag}:${event.path}`
        if (!seen.has(key)) {
          seen.add(key)
          batch.push(event)
        }
        return batch.length
      }),
      Stream.debounce(quiet),
      Stream.map(() => {
        const out = batch
        batch = []
        seen.clear()
        return out
      }),
      Stream.filter((out) => out.length > 0)
    )
  })
