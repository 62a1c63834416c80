/**
 * Which server process each shopper's requests go to in `npm run surge`. Behind a round-robin load
 * balancer a shopper's next request seldom reaches the process that issued its access token, so
 * the surge never sends it there when there are several: that process has the token verified and
 * cached already, and sending it back would measure a cache a real deployment rarely hits.
 */

/**
 * Deals the shoppers issued by each process (`issued[p]`, in order of issue) over the other
 * processes in turn, so that each process gets an even share of every other's shoppers, the
 * issuers interleaved as their shoppers arrived. Returns the shoppers per receiving process. With
 * one process everything stays there.
 */
export function dealToOthers<T>(issued: T[][]): T[][] {
  const processes = issued.length;
  if (processes <= 1) return issued.map((shoppers) => [...shoppers]);
  const dealt: T[][] = issued.map(() => []);
  const longest = Math.max(...issued.map((shoppers) => shoppers.length));
  for (let i = 0; i < longest; i++) {
    issued.forEach((shoppers, issuer) => {
      // 1 .. processes-1 places further on: every process but the issuer, in turn.
      if (i < shoppers.length) dealt[(issuer + 1 + (i % (processes - 1))) % processes]?.push(shoppers[i] as T);
    });
  }
  return dealt;
}
