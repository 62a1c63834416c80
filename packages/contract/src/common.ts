import { type TSchema, Type } from "typebox";

/** Schema pieces every resource shares, so they read and document the same everywhere. */
export const Timestamp = Type.String({ format: "date-time" });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
export const NullableString = Type.Union([Type.String(), Type.Null()]);
export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
/** A success without a body (204). */
export const NoContent = Type.Null({ description: "No content" });
export const Mode = Type.Union([Type.Literal("live"), Type.Literal("test")]);

/** The answer to a DELETE: `{id, object, deleted: true}`. */
export function Deleted<K extends string>(object: K) {
  return Type.Object({ id: Type.String(), object: Type.Literal(object), deleted: Type.Literal(true) });
}

export const PAGE_SIZE_DEFAULT = 20;
export const PAGE_SIZE_MAX = 100;

/** `?first=&after=`: shared by every list endpoint. */
export const PageQuery = {
  first: Type.Optional(
    Type.Integer({ minimum: 1, maximum: PAGE_SIZE_MAX, default: PAGE_SIZE_DEFAULT, description: "Page size" }),
  ),
  after: Type.Optional(Type.String({ maxLength: 200, description: "The endCursor of the previous page" })),
};

export const PageInfo = Type.Object({
  startCursor: Type.Union([Type.String(), Type.Null()]),
  endCursor: Type.Union([Type.String(), Type.Null()]),
  hasNextPage: Type.Boolean(),
});

export function Page<T extends TSchema>(item: T) {
  return Type.Object({ data: Type.Array(item), pageInfo: PageInfo });
}
