import { routes } from "@fanfare/sdk";
import { useState } from "react";
import { api } from "../../api/client";
import type { ApiKey, ApiKeySecret, CreateKeyBody } from "../../api/types";
import { Dialog } from "../../components/dialog";
import { formatDateTime } from "../../components/format";
import { LoadMore } from "../../components/load-more";
import { LoadState } from "../../components/load-state";
import { ShownOnceDialog } from "../../components/shown-once-dialog";
import { usePagedList } from "../../components/use-paged-list";
import { useSession } from "../../session/session-context";
import { CreateKeyForm } from "./create-key-form";
import { type KeyAction, KeyActionDialog } from "./key-action-dialog";
import { KeysTable } from "./keys-table";

type Open =
  | { kind: "create" }
  | { kind: "action"; action: KeyAction; key: ApiKey }
  | { kind: "secret"; key: string; previousKeyExpiresAt: string | null };

function shownOnce(created: ApiKeySecret): Open {
  return { kind: "secret", key: created.key, previousKeyExpiresAt: created.previousKeyExpiresAt ?? null };
}

export function KeysPage() {
  const { mode, canManage } = useSession();
  const keys = usePagedList((after) => api.call(routes.listApiKeys, { query: { first: 100, after } }));
  const [open, setOpen] = useState<Open | null>(null);
  const close = () => setOpen(null);

  const create = async (body: CreateKeyBody) => {
    const created = await api.call(routes.createApiKey, { body });
    setOpen(shownOnce(created));
    keys.resource.reload();
  };

  return (
    <>
      <div className="page-header">
        <h1>API keys</h1>
        {canManage && (
          <button type="button" className="button button-primary" onClick={() => setOpen({ kind: "create" })}>
            Create API Key
          </button>
        )}
      </div>
      <p className="lead">
        Publishable keys identify your storefront to the consumer API; secret keys let your servers manage Fanfare.
        Showing {mode} keys.
      </p>

      <LoadState
        resource={keys.resource}
        what="API keys"
        isEmpty={(data) => data.length === 0}
        empty={
          <p>
            No {mode} keys yet.{canManage ? " Create one to start calling the API." : ""}
          </p>
        }
      >
        {(data) => (
          <KeysTable
            keys={data}
            onAction={canManage ? (action, key) => setOpen({ kind: "action", action, key }) : undefined}
          />
        )}
      </LoadState>
      <LoadMore hasMore={keys.hasMore} loading={keys.loadingMore} error={keys.moreError} onLoadMore={keys.loadMore} />

      {open?.kind === "create" && (
        <Dialog title="Create API key" onClose={close} size="large">
          <CreateKeyForm mode={mode} onSubmit={create} onCancel={close} />
        </Dialog>
      )}
      {open?.kind === "action" && (
        <KeyActionDialog
          action={open.action}
          apiKey={open.key}
          onCancel={close}
          onDone={(regenerated) => {
            setOpen(regenerated ? shownOnce(regenerated) : null);
            keys.resource.reload();
          }}
        />
      )}
      {open?.kind === "secret" && (
        <ShownOnceDialog secret={open.key} onDone={close}>
          {open.previousKeyExpiresAt && (
            <p>
              The previous key stops working at{" "}
              <time dateTime={open.previousKeyExpiresAt}>{formatDateTime(open.previousKeyExpiresAt)}</time>.
            </p>
          )}
        </ShownOnceDialog>
      )}
    </>
  );
}
