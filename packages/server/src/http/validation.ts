import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import type { FastifyInstance, FastifySchemaCompiler } from "fastify";

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

/** C0 controls and DEL. No field of the APIs is multi-line, so none of them is ever accepted. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * The JSON pointer of the first string or object key holding a control character, if any. It
 * walks the data rather than the schema, so free-form parts (extra claims) are covered too, and
 * it uses its own stack, so a deeply nested body cannot overflow the call stack.
 */
function controlCharacterAt(data: unknown): string | undefined {
  const pending: [unknown, string][] = [[data, ""]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value === "string") {
      if (hasControlCharacter(value)) return path;
    } else if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) pending.push([item, `${path}/${index}`]);
    } else if (typeof value === "object" && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (hasControlCharacter(key)) return `${path}/${key}`;
        pending.push([item, `${path}/${key}`]);
      }
    }
  }
  return undefined;
}

type Validator = ((data: unknown, context?: unknown) => boolean) & { errors?: unknown; schemaEnv?: unknown };

/**
 * Bodies, query strings and path params refuse control characters whatever their schema says:
 * PostgreSQL refuses NUL in text outright, so one would otherwise end in a 500 (and differ from
 * SQLite). Headers are left to Node's HTTP parser, which refuses every control but the tab.
 */
function refusingControlCharacters(validate: Validator): Validator {
  const checked: Validator = (data, context) => {
    if (!validate(data, context)) {
      checked.errors = validate.errors;
      return false;
    }
    const instancePath = controlCharacterAt(data);
    if (instancePath === undefined) return true;
    checked.errors = [
      { keyword: "controlCharacters", instancePath, params: {}, message: "must not contain control characters" },
    ];
    return false;
  };
  // Fastify hands Ajv validators their parent object (so a coerced root value is kept); keep that.
  checked.schemaEnv = validate.schemaEnv;
  return checked;
}

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const validate = (httpPart === "body" ? strict : coercing).compile(schema as object) as Validator;
  return (httpPart === "headers" ? validate : refusingControlCharacters(validate)) as ReturnType<
    FastifySchemaCompiler<unknown>
  >;
};

/**
 * A path parameter is validated (and so checked for control characters) only if its route has a
 * params schema; a route without one would pass `%00` straight to the database.
 */
export function requireParamsSchemas(app: FastifyInstance): void {
  app.addHook("onRoute", (route) => {
    if (route.url.includes(":") && !route.schema?.params) {
      throw new Error(`Route ${[route.method].flat().join(",")} ${route.url} has path parameters but no params schema`);
    }
  });
}
