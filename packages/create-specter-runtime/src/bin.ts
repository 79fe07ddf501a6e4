#!/usr/bin/env node
/**
 * The `create-specter-runtime` command, which `npm create specter-runtime <directory>`
 * runs: scaffolds the app, then prints the commands to run next. Exits with 1 and one
 * line on stderr when the arguments are wrong or the directory cannot be used.
 */
import { isAbsolute, relative } from "node:path"
import { parseArgs } from "node:util"
import { create, StarterError } from "./Starter.ts"

const usage = `Usage: npm create specter-runtime <directory> [-- --name <package-name>]
       create-specter-runtime <directory> [--name <package-name>]

Creates a Specter app in <directory> (new, or empty): one service, one controller,
a page and a test. The package name defaults to the directory's name.`

const main = (args: ReadonlyArray<string>): number => {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { name: { type: "string" }, help: { type: "boolean", short: "h" } }
  })
  if (values.help === true) return (console.log(usage), 0)
  const [directory, ...extra] = positionals
  if (directory === undefined || extra.length > 0) return (console.error(usage), 1)
  const created = create({ directory, name: values.name })
  const path = relative(process.cwd(), created.directory)
  const cd = path === "" ? "." : path.startsWith("..") || isAbsolute(path) ? created.directory : path
  console.log(`Created ${created.name} in ${created.directory}

Next:
  cd ${cd}
  npm install
  npm start    # http://localhost:3000
  npm test`)
  return 0
}

try {
  process.exitCode = main(process.argv.slice(2))
} catch (error) {
  const known = error instanceof StarterError || String((error as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS_")
  if (!known) throw error
  console.error((error as Error).message)
  process.exitCode = 1
}
