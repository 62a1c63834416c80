import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`); CI installs it, a developer machine may not have it. */
export const CHROMIUM = "/usr/bin/chromium";

export const chromiumAvailable = (): boolean => existsSync(CHROMIUM);

/** Headless Chromium as root in a sandbox with no outside network: no sandbox, no background calls. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}
