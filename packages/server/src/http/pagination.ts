import { type TSchema, Type } from "typebox";
import { errors } from "./errors.js";

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

/** Cursors are opaque to clients: the last row's id, base64url-encoded. */
export function encodeCursor(id: string): string {
  return Buffer.from(id, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string | undefined, isValidId: (id: string) => boolean): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (!isValidId(id)) {
    throw errors.validation("Invalid request: query.after is not a cursor from this list.", [
      { path: "query.after", message: "is not a cursor from this list" },
    ]);
  }
  return id;
}

export function pageOf<T extends { id: string }, V>(rows: T[], hasNextPage: boolean, view: (row: T) => V) {
  const first = rows[0];
  const last = rows[rows.length - 1];
  return {
    data: rows.map(view),
    pageInfo: {
      startCursor: first ? encodeCursor(first.id) : null,
      endCursor: last ? encodeCursor(last.id) : null,
      hasNextPage,
    },
  };
}
