import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import type { FastifySchemaCompiler } from "fastify";

// ajv-formats ships CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function createAjv(coerceTypes: boolean | "array"): Ajv {
  const ajv = new Ajv({ allErrors: true, removeAdditional: false, useDefaults: true, coerceTypes, strict: false });
  addFormats(ajv);
  return ajv;
}

// JSON bodies are typed, so `{"name": 123}` is an error rather than silently becoming "123";
// query strings, path params and headers are text and are coerced to the schema's types.
const strict = createAjv(false);
const coercing = createAjv("array");

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === "body" ? strict : coercing).compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
