/**
 * Runs before each test file of the example: the file gets a data directory of its
 * own (`SPECTER_DATA_DIR`, a fresh temporary directory, removed after the file), so
 * no test writes into the repository and no two files share stored items. A server
 * started as a child process inherits it unless the test sets another.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"

const directory = mkdtempSync(join(tmpdir(), "specter-inventory-test-"))
process.env["SPECTER_DATA_DIR"] = directory

afterAll(() => rmSync(directory, { recursive: true, force: true }))
