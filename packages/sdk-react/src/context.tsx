import { Fanfare, type SessionStorage } from "@fanfare/sdk";
import { createContext, type ReactNode, useContext, useMemo } from "react";

const FanfareContext = createContext<Fanfare | null>(null);

export type FanfareProviderProps = { children?: ReactNode } & (
  | {
      publishableKey: string;
      /** The consumer API's address: the client never guesses a host. */
      baseUrl: string;
      storage?: SessionStorage;
      client?: undefined;
    }
  /** An existing client, e.g. one shared with code outside React. */
  | { client: Fanfare; publishableKey?: undefined }
);

/** Makes one `Fanfare` client available to every hook below it. */
export function FanfareProvider(props: FanfareProviderProps) {
  const { client, publishableKey } = props;
  const baseUrl = client ? undefined : props.baseUrl;
  const storage = client ? undefined : props.storage;
  const value = useMemo(
    () =>
      client ??
      new Fanfare({
        publishableKey: publishableKey as string,
        baseUrl: baseUrl as string,
        ...(storage ? { storage } : {}),
      }),
    [client, publishableKey, baseUrl, storage],
  );
  return <FanfareContext.Provider value={value}>{props.children}</FanfareContext.Provider>;
}

/** The client of the nearest `<FanfareProvider>`. */
export function useFanfare(): Fanfare {
  const client = useContext(FanfareContext);
  if (!client) throw new Error("useFanfare() needs a <FanfareProvider> above it");
  return client;
}
