import { errors } from "./errors.js";

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
