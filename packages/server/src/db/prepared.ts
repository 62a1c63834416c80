import type { Compilable, CompiledQuery, Kysely } from "kysely";
import type { Db } from "./database.js";
import type { Database } from "./schema.js";

const SENTINEL = "\u0000fanfare-argument-";

interface Template<R> {
  compiled: CompiledQuery<R>;
  /** For each compiled parameter: which argument replaces it, or null for a constant. */
  slots: (number | null)[];
}

/**
 * A hot query built and compiled once per database instead of on every call. `build` runs once
 * with placeholder strings; wherever one lands among the compiled parameters, each call's own
 * argument takes its place. So arguments may only be used as values in the query (never in
 * JavaScript logic or as identifiers); the first compilation checks that each one appears.
 */
export function preparedQuery<A extends (string | number)[], R>(
  arity: A["length"],
  build: (kysely: Kysely<Database>, ...args: A) => Compilable<R>,
): (db: Db, ...args: A) => Promise<R[]> {
  const templates = new WeakMap<Db, Template<R>>();
  const compile = (db: Db): Template<R> => {
    const placeholders = Array.from({ length: arity }, (_, i) => `${SENTINEL}${i}`) as A;
    const compiled = build(db.kysely, ...placeholders).compile();
    const slots = compiled.parameters.map((value) =>
      typeof value === "string" && value.startsWith(SENTINEL) ? Number(value.slice(SENTINEL.length)) : null,
    );
    if (new Set(slots.filter((slot) => slot !== null)).size !== arity) {
      throw new Error("preparedQuery: every argument must appear in the query as a value");
    }
    return { compiled, slots };
  };
  return async (db, ...args) => {
    let template = templates.get(db);
    if (!template) {
      template = compile(db);
      templates.set(db, template);
    }
    const { compiled, slots } = template;
    const parameters = compiled.parameters.map((value, i) => {
      const slot = slots[i];
      return slot === null || slot === undefined ? value : args[slot];
    });
    return (await db.kysely.executeQuery<R>({ ...compiled, parameters })).rows;
  };
}
