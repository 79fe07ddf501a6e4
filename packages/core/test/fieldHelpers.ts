/**
 * Helpers shared by the Field tests.
 */
import { Effect, type Schema } from "effect"
import * as Field from "../src/Field.ts"

export const errorOf = <S extends Schema.Top>(schema: S, input: unknown) => Effect.flip(Field.validate(schema, input))
export const errorsOf = <S extends Schema.Top>(schema: S, input: unknown) => Effect.map(errorOf(schema, input), (e) => e.errors)
export const valueOf = <S extends Schema.Top>(schema: S, input: unknown) => Field.validate(schema, input)
