/**
 * The one email normalisation, used wherever an email is stored or looked up (code sign-in,
 * external claims, consumer filters, dashboard members and invitations), so `Known@x.com` and
 * `known@x.com` are always the same person. The whole address is lowercased: every mailbox
 * provider that matters treats the local part case-insensitively, and two accounts that differ
 * only by case are a takeover waiting to happen.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
