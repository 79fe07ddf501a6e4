/**
 * Builds and packs every publishable workspace package (each `packages/*` whose
 * package.json is not `private`) into one directory, as `npm publish` would upload
 * them: `npm pack` runs each package's `prepack` (`tsc -b`, JavaScript plus `.d.ts`
 * in `dist/`). Nothing is published.
 *
 * ```sh
 * npm run pack:all            # tarballs in ./dist
 * node scripts/pack.ts /tmp/specter-packs
 * ```
 *
 * Prints one line per tarball: `name@version path`.
 */
import { execFile } from "node:child_process"
import { globSync, mkdirSync, readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"

/** One packed package: its name, its version and the absolute path of its tarball. */
export interface Packed {
  readonly name: string
  readonly version: string
  readonly file: string
}

const root = dirname(import.meta.dirname)

interface Manifest {
  readonly name: string
  readonly version: string
  readonly private?: boolean
}

/** The workspace folders of the packages that are meant to be installed by others. */
export const publishable = (): ReadonlyArray<string> =>
  globSync("packages/*/package.json", { cwd: root })
    .sort()
    .filter((file) => (JSON.parse(readFileSync(join(root, file), "utf8")) as Manifest).private !== true)
    .map((file) => dirname(file))

/**
 * Builds and packs every publishable package into `destination` (created when
 * missing) with one `npm pack`, run with `env` (default: this process's). Rejects with
 * npm's output when a build or a pack fails.
 */
export const pack = (destination: string, env: NodeJS.ProcessEnv = process.env): Promise<ReadonlyArray<Packed>> => {
  const target = resolve(destination)
  mkdirSync(target, { recursive: true })
  const workspaces = publishable().flatMap((folder) => ["--workspace", folder])
  const args = ["pack", "--json", "--pack-destination", target, ...workspaces]
  return new Promise((resolvePacked, reject) =>
    execFile("npm", args, { cwd: root, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) return reject(new Error(`npm pack failed: ${error.message}\n${stdout}\n${stderr}`))
      let results: ReadonlyArray<{ name: string; version: string; filename: string }>
      try {
        results = JSON.parse(stdout)
      } catch {
        // A lifecycle script (prepack) that writes to stdout mixes its lines into npm's JSON.
        return reject(new Error(`npm pack printed something other than its JSON report:\n${stdout}\n${stderr}`))
      }
      resolvePacked(results.map(({ name, version, filename }) => ({ name, version, file: join(target, filename) })))
    }))
}

if (import.meta.main) {
  const destination = process.argv[2]
  if (destination === undefined) {
    console.error("Usage: node scripts/pack.ts <destination directory>")
    process.exitCode = 1
  } else {
    for (const { name, version, file } of await pack(destination)) console.log(`${name}@${version} ${file}`)
  }
}
