import { Type } from "typebox";

/** Schema pieces every resource shares, so they read and document the same everywhere. */
export const Timestamp = Type.String({ format: "date-time" });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** The answer to a DELETE: `{id, object, deleted: true}`. */
export function Deleted<K extends string>(object: K) {
  return Type.Object({ id: Type.String(), object: Type.Literal(object), deleted: Type.Literal(true) });
}
