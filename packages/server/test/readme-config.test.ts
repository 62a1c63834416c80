import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8");
const names = (text: string, pattern: RegExp) =>
  [...new Set([...text.matchAll(pattern)].map(([, name]) => name))].sort();

describe("the configuration documents", () => {
  it("name every variable the server reads, in the README's table and in .env.example, and no other", () => {
    // config.ts is the only reader of the environment.
    const readByConfig = names(read("../src/config.ts"), /(?:"|env\.)(FANFARE_[A-Z0-9_]+)/g);
    const readme = read("../../../README.md");
    const table = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("\n## API overview"));
    expect(names(table, /^\| `(FANFARE_[A-Z0-9_]+)`/gm)).toEqual(readByConfig);
    expect(names(read("../../../.env.example"), /^#? ?(FANFARE_[A-Z0-9_]+)=/gm)).toEqual(readByConfig);
  });
});
