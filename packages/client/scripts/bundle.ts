/**
 * Builds the browser client: `src/index.ts` and everything it imports, bundled
 * by rolldown into one minified ES module with a source map,
 * `dist/specter-client.js` and `dist/specter-client.js.map` (the map carries the
 * TypeScript sources). The same sources give the same bytes. `npm run bundle`
 * runs it and prints the size in bytes, raw and gzipped; `@specter-runtime/server`'s
 * `ClientModule.route` serves the result.
 */
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { build } from "rolldown"

const root = fileURLToPath(new URL("..", import.meta.url))

/** Where the bundle is written. */
export const file = `${root}dist/specter-client.js`

/** What a build made: the module's code, its size gzipped, the source map, and the files it was made of. */
export interface Bundle {
  readonly code: string
  readonly gzipped: number
  readonly map: string
  readonly modules: ReadonlyArray<string>
}

/** Builds the bundle, and writes it to `file` (and `file.map`) unless `write` is `false`. */
export const bundle = async (write = true): Promise<Bundle> => {
  const { output } = await build({
    input: `${root}src/index.ts`,
    platform: "browser",
    logLevel: "warn",
    write,
    output: { file, format: "esm", minify: true, sourcemap: true }
  })
  const chunk = output[0]
  return {
    code: chunk.code,
    gzipped: gzipSync(chunk.code, { level: 9 }).byteLength,
    map: chunk.map?.toString() ?? "",
    modules: chunk.moduleIds
  }
}

if (import.meta.main) {
  const built = await bundle()
  const bytes = (text: string) => Buffer.byteLength(text)
  // stderr: npm pack --json owns stdout while this runs as prepack.
  console.error(`${file}: ${bytes(built.code)} bytes, ${built.gzipped} gzipped (source map ${bytes(built.map)} bytes)`)
}
