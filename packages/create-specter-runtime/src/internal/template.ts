/**
 * The template: the files under `template/` of this package, copied with `{{name}}`
 * and `{{version}}` replaced. npm leaves `.gitignore` files out of a package, so the
 * template keeps it as `gitignore` and it is renamed here.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

/** The values put into the template. */
export interface Values {
  readonly name: string
  readonly version: string
}

const root = fileURLToPath(new URL("../../template", import.meta.url))

const renamed: Readonly<Record<string, string>> = { gitignore: ".gitignore" }

/** Every file of the template, relative to it, sorted. */
export const files = (): ReadonlyArray<string> =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort()

const fill = (text: string, values: Values): string =>
  text.replaceAll("{{name}}", values.name).replaceAll("{{version}}", values.version)

/**
 * Writes the template into `directory` (which exists and is empty) and returns the
 * paths written, relative to it. A file is never overwritten (`wx`).
 */
export const write = (directory: string, values: Values): ReadonlyArray<string> =>
  files().map((file) => {
    const target = renamed[file] ?? file
    mkdirSync(join(directory, dirname(target)), { recursive: true })
    writeFileSync(join(directory, target), fill(readFileSync(join(root, file), "utf8"), values), { flag: "wx" })
    return target
  })
