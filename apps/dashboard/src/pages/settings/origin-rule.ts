/** The server's shape check for an allowed origin, repeated so a typo is caught before saving. */
export function isOriginRule(entry: string): boolean {
  return /^(https?:\/\/)?(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:(\d{1,5}|\*))?$/i.test(entry);
}
