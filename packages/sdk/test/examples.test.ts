import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
/** Each source with examples, and the client its examples call `fanfare` (null: they make their own). */
const sources = {
  "server-client.ts": "FanfareClient",
  "browser-client.ts": "Fanfare",
  "webhooks.ts": null,
  "storage.ts": null,
} as const;

/** The methods of a client's API groups (`name: (…) =>` inside `readonly group = {`), by line. */
function undocumentedMethods(source: string): string[] {
  const lines = source.split("\n");
  const missing: string[] = [];
  lines.forEach((line, i) => {
    const method = /^\s+(\w+): (async )?(\(|verifyWebhook)/.exec(line);
    if (!method || !/^\s+\*\/$/.test(lines[i - 1] ?? "")) {
      if (method) missing.push(method[1] as string);
      return;
    }
    let start = i - 1;
    while (start > 0 && !(lines[start] as string).includes("/**")) start--;
    if (!lines.slice(start, i).some((doc) => doc.includes("@example"))) missing.push(method[1] as string);
  });
  return missing;
}

/** Every `@example` block of a source file, as code (the JSDoc's leading ` * ` removed). */
function examplesOf(source: string): string[] {
  const examples: string[] = [];
  for (const [, body] of source.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
    const lines = (body as string).split("\n").map((line) => line.replace(/^\s*\* ?/, ""));
    const start = lines.findIndex((line) => line.trim() === "@example");
    if (start >= 0)
      examples.push(
        lines
          .slice(start + 1)
          .join("\n")
          .trim(),
      );
  }
  return examples;
}

// What the examples may refer to without defining it: the objects of a drop in progress and a
// web framework's response.
const PRELUDE = `
import type { Experience, Queue } from "../../src/index.js";
import { Fanfare, FanfareClient, localStorageStorage, memoryStorage, routes, verifyWebhook } from "../../src/index.js";
declare const drop: Experience;
declare const queue: Queue;
declare const consumerId: string;
declare const admissionToken: string;
declare const fingerprint: string;
declare const exchangeCode: string;
declare const rawBody: string;
declare const request: { headers: Record<string, string | string[] | undefined> };
declare const response: { status(code: number): { end(): void } };
declare function render(text: string): void;
declare function checkout(admissionToken: string | null): Promise<void>;
export { Fanfare, FanfareClient, localStorageStorage, memoryStorage, routes, verifyWebhook };
`;

describe("SDK @example blocks", () => {
  it("document every public method, and each one type-checks against the SDK", () => {
    const directory = mkdtempSync(join(here, ".examples-"));
    try {
      const file = join(directory, "examples.ts");
      let code = PRELUDE;
      let count = 0;
      for (const [name, client] of Object.entries(sources)) {
        const source = readFileSync(join(here, "../src", name), "utf8");
        // The clients' API groups: every method has an example (storage adapters' own get/set do not).
        if (name.endsWith("-client.ts")) expect(undocumentedMethods(source), name).toEqual([]);
        const examples = examplesOf(source);
        expect(examples.length, name).toBeGreaterThan(0);
        for (const example of examples) {
          const parameter = client ? `fanfare: ${client}` : "";
          code += `\nexport async function example${count++}(${parameter}) {\n${example}\n}\n`;
        }
      }
      writeFileSync(file, code);
      const program = ts.createProgram([file], {
        strict: true,
        noEmit: true,
        target: ts.ScriptTarget.ES2023,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
        types: ["node"],
        skipLibCheck: true,
      });
      const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
        const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
        if (!diagnostic.file || diagnostic.start === undefined) return text;
        const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
        return `${code.split("\n")[line]?.trim()}\n  ${text}`;
      });
      expect(problems).toEqual([]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
