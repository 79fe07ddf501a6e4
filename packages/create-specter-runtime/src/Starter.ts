/**
 * Scaffolds a new Specter application from the template shipped with this package: one
 * service, one controller, a page, a passing test, a README and a `package.json` whose
 * `@specter-runtime/*` dependencies are this package's own version (every Specter
 * package is released under one version) and whose Effect versions are the ones
 * Specter pins.
 *
 * Users run it as `npm create specter-runtime my-app` (the `create-specter-runtime`
 * bin); `create` is the same thing for a program. It has no dependencies, so `npm
 * create` fetches one small package.
 *
 * ```ts
 * const created = Starter.create({ directory: "my-app" })
 * console.log(`cd ${created.directory} && npm install && npm start`)
 * ```
 *
 * @since 0.1.0
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs"
import { basename, resolve } from "node:path"
import * as template from "./internal/template.ts"

/**
 * What to create: `directory` (created when missing; an existing one must be empty),
 * and `name`, the app's package name (default: the directory's base name).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly directory: string
  readonly name?: string | undefined
}

/**
 * What `create` wrote: the absolute `directory`, the package `name`, and every file
 * written, relative to the directory, in order.
 *
 * @since 0.1.0
 * @category models
 */
export interface Created {
  readonly directory: string
  readonly name: string
  readonly files: ReadonlyArray<string>
}

/**
 * Why nothing was created: `NotEmpty` (the directory has files: nothing is ever
 * overwritten), `NotADirectory` (the path is a file), `InvalidName` (the name is not a
 * valid npm package name). `message` says which, in one line, for a person.
 *
 * @since 0.1.0
 * @category errors
 */
export class StarterError extends Error {
  readonly _tag = "StarterError"
  readonly reason: "NotEmpty" | "NotADirectory" | "InvalidName"
  constructor(reason: StarterError["reason"], message: string) {
    super(message)
    this.name = "StarterError"
    this.reason = reason
  }
}

/** npm's rule for a new package name: lowercase, URL-safe, at most 214 characters. */
const NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/

/**
 * `name` when it is a valid npm package name; throws `StarterError` ("InvalidName")
 * otherwise.
 *
 * @since 0.1.0
 * @category validation
 */
export const packageName = (name: string): string => {
  if (name.length > 0 && name.length <= 214 && NAME.test(name)) return name
  throw new StarterError(
    "InvalidName",
    `'${name}' is not a valid npm package name (lowercase letters, digits, '-', '.', '_', '~'); choose one with --name`
  )
}

/**
 * The version of this package, which is the version of every Specter package: the
 * version a new app depends on.
 *
 * @since 0.1.0
 * @category constants
 */
export const version: string = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version

const prepare = (directory: string): void => {
  const stats = statSync(directory, { throwIfNoEntry: false })
  if (stats === undefined) return void mkdirSync(directory, { recursive: true })
  if (!stats.isDirectory()) throw new StarterError("NotADirectory", `${directory} is a file, not a directory`)
  if (readdirSync(directory).length > 0) {
    throw new StarterError("NotEmpty", `${directory} is not empty; choose a new or an empty directory`)
  }
}

/**
 * Writes a new application into `options.directory`. Throws `StarterError` when the
 * directory is a file or is not empty, or when the name is not a valid package name;
 * then nothing has been written.
 *
 * @example
 * Starter.create({ directory: "my-app" }) // my-app/package.json, src/, test/, public/, README.md
 *
 * @since 0.1.0
 * @category constructors
 */
export const create = (options: Options): Created => {
  const directory = resolve(options.directory)
  const name = packageName(options.name ?? basename(directory))
  prepare(directory)
  const files = template.write(directory, { name, version })
  return { directory, name, files }
}
