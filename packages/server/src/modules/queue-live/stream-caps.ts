/** How many live streams one holder and one organization may keep open in this process. */
export interface StreamLimits {
  readonly perCredential: number;
  readonly perOrganization: number;
}

/** Who holds a stream: the key or dashboard member that opened it (`key:…`, `member:…`), and its organization. */
export interface StreamHolder {
  readonly credential: string;
  readonly organizationId: string;
}

/**
 * Counts this process's open streams by holder, by organization and in all, and refuses a place
 * past any cap. Taking a place is synchronous, so two requests cannot both take the last one.
 */
export class StreamCaps {
  private total = 0;
  private readonly counts = new Map<string, number>();

  constructor(private readonly serverMax: number) {}

  /** A place for one more stream, as the function that gives it back (once), or null at a cap. */
  take(holder: StreamHolder, limits: StreamLimits): (() => void) | null {
    const organization = `organization:${holder.organizationId}`;
    if (
      this.total >= this.serverMax ||
      this.count(holder.credential) >= limits.perCredential ||
      this.count(organization) >= limits.perOrganization
    ) {
      return null;
    }
    this.total++;
    this.add(holder.credential, 1);
    this.add(organization, 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.total--;
      this.add(holder.credential, -1);
      this.add(organization, -1);
    };
  }

  private count(id: string): number {
    return this.counts.get(id) ?? 0;
  }

  private add(id: string, delta: number): void {
    const next = this.count(id) + delta;
    if (next === 0) this.counts.delete(id);
    else this.counts.set(id, next);
  }
}
