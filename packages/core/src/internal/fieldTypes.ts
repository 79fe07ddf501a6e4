/**
 * The types a `Field` constructor computes from its options: `required` removes
 * `null`, a default adds the default's type, and non-empty `choices` narrow the
 * value to those literals.
 *
 * @internal
 */

type DefaultOf<O> = O extends { readonly defaultWith: () => infer D } ? D
  : O extends { readonly default: infer D } ? D
  : never
type HasDefault<O> = O extends { readonly defaultWith: () => unknown } ? true
  : O extends { readonly default: unknown } ? true
  : false

/** The value type `V`, narrowed to the choices when there are some. */
export type Chosen<V, O> = O extends { readonly choices: readonly [unknown, ...Array<unknown>] } ? O["choices"][number] : V

/** The decoded type of a field of value type `V` with options `O`. */
export type Out<V, O> = O extends { readonly required: true } ? Chosen<V, O>
  : HasDefault<O> extends true ? Chosen<V, O> | DefaultOf<O>
  : Chosen<V, O> | null

/** The type of the field as a list item (a missing item takes the default, else is an error). */
export type ItemOut<V, O> = HasDefault<O> extends true ? Chosen<V, O> | DefaultOf<O> : Chosen<V, O>

/** Whether the key may be left out of the payload. */
export type KeyOf<O> = O extends { readonly required: true } ? "required" : "optional"
