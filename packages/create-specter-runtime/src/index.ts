/**
 * create-specter-runtime: scaffolds a new Specter application. Run it as `npm create
 * specter-runtime my-app`; `Starter.create` does the same from a program.
 *
 * @since 0.1.0
 */
export * as Starter from "./Starter.ts"
